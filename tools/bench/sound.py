"""Benchmarks of sound and OSC: `python -m runtime bench --only osc` (or pyo, mic, control).

- osc_throughput: messages and bundles per second OscOut sends (4 people + events per frame)
- osc_event_to_datagram: a perception result in hand -> its datagram handed to the kernel
- control_roundtrip: /ping -> /pong through the control server on loopback
- pyo_32_voices: CPU share of one core that 32 playing voices (and the master bus) take
- mic_feature_latency: sample captured -> feature available, on a JACK dummy server when there is one
"""

from __future__ import annotations

import socket
import threading
import time

import numpy as np

from runtime import clock
from runtime.frames import Person
from runtime.osc.send import OscOut, person_event, person_message
from tools.bench.runner import figure

SR = 48000


def _sink() -> tuple[socket.socket, threading.Event]:
    """A loopback receiver that reads and discards, so the kernel buffer never fills."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                sock.recv(65536)
            except (TimeoutError, OSError):
                continue

    threading.Thread(target=drain, daemon=True).start()
    return sock, stop


def _people(n: int) -> list[Person]:
    rng = np.random.default_rng(0)
    return [Person(id=i, landmarks=rng.random((33, 4)).astype(np.float32), t_capture=clock.now(), score=0.9)
            for i in range(n)]


def bench_osc_throughput() -> list[dict]:
    sink, stop = _sink()
    out = OscOut({"targets": [{"name": "bench", "port": sink.getsockname()[1], "max_rate": 1e6}]})
    people = _people(4)
    msg_rates, bundle_rates = [], []
    try:
        for run in range(7):
            before = out.stats()
            t0 = time.perf_counter()
            for frame in range(300):
                msgs = [person_message(p) for p in people]
                if frame % 10 == 0:
                    msgs.append(person_event("enter", frame))
                out.send_frame(run * 1000 + frame, clock.now(), msgs)
            dt = time.perf_counter() - t0
            after = out.stats()
            msg_rates.append((after["messages"] - before["messages"]) / dt)
            bundle_rates.append((after["bundles"] - before["bundles"]) / dt)
    finally:
        stop.set()
        out.close()
    return [
        figure("osc_messages_per_s", "OSC messages sent per second by OscOut (frames of 4 people, one "
               "/sala/person each, events, frame counter; building included)", msg_rates, unit="msg/s"),
        figure("osc_bundles_per_s", "OSC bundles (frames) sent per second by OscOut, 4 people each",
               bundle_rates, unit="bundles/s"),
    ]


def bench_osc_event_to_datagram() -> list[dict]:
    sink, stop = _sink()
    out = OscOut({"targets": [{"name": "bench", "port": sink.getsockname()[1], "max_rate": 1e6}]})
    people = _people(2)
    samples = []
    try:
        for frame in range(500):
            t0 = time.perf_counter_ns()  # the perception result is in hand
            msgs = [person_message(p) for p in people] + [person_event("enter", frame)]
            out.send_frame(frame, clock.now(), msgs)
            samples.append((out.last_send_ns - t0) / 1000.0)
    finally:
        stop.set()
        out.close()
    return [figure("osc_event_to_datagram", "perception event in hand -> its bundle handed to the kernel "
                   "(2 people + 1 event, message building included)", samples[20:], unit="us")]


def bench_control_roundtrip() -> list[dict]:
    from runtime.osc.codec import encode_message
    from runtime.osc.control import ControlServer

    server = ControlServer({"control_port": 0})
    server.start()
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind(("127.0.0.1", 0))
    client.settimeout(1.0)
    samples = []
    try:
        for i in range(300):
            t0 = time.perf_counter()
            client.sendto(encode_message("/ping", [i]), server.address)
            client.recv(1024)
            samples.append((time.perf_counter() - t0) * 1e6)
    finally:
        client.close()
        server.stop()
    return [figure("control_ping_roundtrip", "/ping -> /pong through the control server thread on loopback",
                   samples[10:], unit="us")]


def bench_pyo_voices() -> list[dict]:
    from sound.commands import SoundCommand
    from sound.engine import AudioEngine

    engine = AudioEngine({"backend": "offline", "samplerate": SR, "buffersize": 256,
                          "polyphony": {"voice": 32}})
    engine.start()
    try:
        server = engine._server
        engine.apply([SoundCommand("play", "voice", f"v{i}", {"freq": 110.0 + 17 * i, "index": 3.0,
                                                               "pan": i / 31}) for i in range(32)])
        blocks = SR // 256  # one second of audio per run
        shares = []
        for _ in range(6):
            t0 = time.process_time()
            for _ in range(blocks):
                server.process()
            shares.append(100.0 * (time.process_time() - t0) / (blocks * 256 / SR))
        engine.apply([SoundCommand("release", key=f"v{i}") for i in range(32)])
        idle = []
        for _ in range(200):  # let the release tails end: the graph stays built, nothing sounds
            server.process()
        engine.board.tick(clock.now() + 60.0)  # what poll() does once the tails have rung out
        for _ in range(3):
            t0 = time.process_time()
            for _ in range(blocks):
                server.process()
            idle.append(100.0 * (time.process_time() - t0) / (blocks * 256 / SR))
    finally:
        engine.stop()
    return [
        figure("pyo_32_voices_cpu", "CPU share of one core for 32 FM voices playing, master reverb and "
               "limiter (pyo DSP time / audio time, 48 kHz, 256-frame blocks)", shares[1:], unit="%"),
        figure("pyo_idle_graph_cpu", "CPU share of one core of the whole instrument graph with no note "
               "playing (all voices built, silent ones paused; master reverb and limiter run)", idle, unit="%"),
    ]


def bench_mic_latency() -> list[dict]:
    from runtime.devices.mic_features import FeatureExtractor

    fe = FeatureExtractor(SR)
    x = (0.2 * np.sin(2 * np.pi * 240 * np.arange(SR) / SR)).astype(np.float32)
    compute = []
    for i in range(0, SR - 480, 480):
        t0 = time.perf_counter()
        fe.push(x[i : i + 480], 0.0)
        compute.append((time.perf_counter() - t0) * 1000)
    figures = [figure("mic_feature_compute", "feature extraction per 10 ms hop (YIN, 64 mel bands, onset, "
                      "centroid on a 2048-sample window)", compute[10:], unit="ms")]
    from sound.jack_dummy import JackDummy, JackUnavailable

    if JackDummy.available():
        return figures
    from runtime.devices.microphone import Microphone

    jack = JackDummy()
    try:
        jack.start()
    except JackUnavailable:
        return figures
    jack.activate()
    mic = Microphone({})
    try:
        mic.start()
        if mic.status() != "ok":
            return figures
        tone = jack.spawn_client("jack_simple_client", f"benchtone{id(mic) % 1000}")
        try:
            time.sleep(0.3)
            latencies, last = [], None
            end = time.monotonic() + 3.0
            while time.monotonic() < end:
                f = mic.latest()
                if f is not None and f is not last and f.t_capture != getattr(last, "t_capture", None):
                    latencies.append((f.t_ready - f.t_capture) * 1000)
                    last = f
                time.sleep(0.002)
        finally:
            tone.terminate()
            tone.wait(timeout=5)
    finally:
        mic.stop()
        jack.stop()
    if latencies:
        figures.append(figure("mic_feature_latency", "newest sample captured (PortAudio ADC time) -> its "
                              "features available to the app, JACK dummy at 48 kHz / 256, 480-sample hop",
                              latencies, unit="ms"))
    return figures


BENCHES = {
    "osc_throughput": bench_osc_throughput,
    "osc_event_to_datagram": bench_osc_event_to_datagram,
    "control_roundtrip": bench_control_roundtrip,
    "pyo_voices": bench_pyo_voices,
    "mic_latency": bench_mic_latency,
}
