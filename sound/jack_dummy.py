"""A private JACK server on the dummy driver: real-time audio with no sound card.

Used by tests, benchmarks and rehearsals. Each server gets its own name, so several can run on one
machine; clients in this process find it through JACK_DEFAULT_SERVER, which `activate()` sets and
`stop()` restores.

Names come from a small pool, each held with a file lock while its server runs. JACK records every
server in a machine-wide table of 8 slots, and a server killed while clients are connected sometimes
leaves its slot behind; JACK reclaims a dead slot only for a server of the same name. With names used
once, a few fault tests would fill the table and no server could start ("Too many servers already
active"); reused names free their slots again.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO


class JackUnavailable(RuntimeError):
    """jackd is not installed or did not come up."""


NAME_POOL = 8  # JACK's server table has 8 slots


class JackDummy:
    def __init__(self, rate: int = 48000, period: int = 256, name: str = "") -> None:
        self.rate, self.period = rate, period
        self.name = name  # "" = a pool name, claimed by start()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.gettempdir()) / f"sala-jack-{os.getpid()}-{uuid.uuid4().hex[:6]}.log"
        self._saved_env: dict[str, str | None] = {}
        self._name_lock: IO[str] | None = None

    def _claim_name(self) -> None:
        """Take the first pool name that no other JackDummy holds and no running server uses; it stays
        this object's until stop() (or the end of the process, which releases the lock)."""
        for i in range(NAME_POOL):
            lock = open(Path(tempfile.gettempdir()) / f"sala-jack-dummy-{i}.lock", "a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            self.name = f"sala-dummy-{i}"
            if self._run("jack_wait", "-c").stdout.strip() == "running":  # left running by a killed process
                lock.close()
                continue
            self._name_lock = lock
            return
        self.name = ""
        raise JackUnavailable(f"all {NAME_POOL} JACK dummy server names are in use")

    @staticmethod
    def available() -> str:
        """"" when jackd and its tools are installed, otherwise what is missing."""
        missing = [t for t in ("jackd", "jack_wait", "jack_lsp", "jack_connect") if shutil.which(t) is None]
        return "" if not missing else f"not installed: {', '.join(missing)} (Debian package jackd2)"

    def env(self) -> dict[str, str]:
        return {"JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1", "JACK_NO_AUDIO_RESERVATION": "1"}

    def start(self, timeout: float = 10.0) -> JackDummy:
        missing = self.available()
        if missing:
            raise JackUnavailable(missing)
        if not self.name:
            self._claim_name()
        env = dict(os.environ, **self.env())
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                ["jackd", "-n", self.name, "--no-realtime", "-d", "dummy", "-r", str(self.rate), "-p",
                 str(self.period)],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                reason = f"jackd exited ({self.proc.returncode}): {self.log.read_text()[-500:]}"
                self.stop()
                raise JackUnavailable(reason)
            if self._run("jack_wait", "-c").returncode == 0 and "system:playback_1" in self.ports():
                return self
            time.sleep(0.05)
        self.stop()
        raise JackUnavailable(f"jackd {self.name} did not come up in {timeout} s")

    def activate(self) -> None:
        """Point this process's JACK clients (pyo, PortAudio) at this server."""
        for key, value in self.env().items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cmd[0], "-s", self.name, *cmd[1:]], capture_output=True, text=True,
                              env=dict(os.environ, **self.env()), timeout=10)

    def ports(self, *filters: str) -> list[str]:
        out = self._run("jack_lsp", *filters).stdout
        return [line.strip() for line in out.splitlines() if line.strip()]

    def connections(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        current = ""
        for line in self._run("jack_lsp", "-c").stdout.splitlines():
            if line.startswith(" ") or line.startswith("\t"):
                result.setdefault(current, []).append(line.strip())
            elif line.strip():
                current = line.strip()
                result.setdefault(current, [])
        return result

    def connect(self, source: str, destination: str) -> None:
        done = self._run("jack_connect", source, destination)
        if done.returncode != 0:
            raise JackUnavailable(f"jack_connect {source} {destination}: {done.stderr.strip()}")

    def wait_for_port(self, prefix: str, timeout: float = 5.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in self.ports() if p.startswith(prefix)]
            if found:
                return found
            time.sleep(0.05)
        raise JackUnavailable(f"no JACK port starting with {prefix!r} appeared; ports: {self.ports()}")

    def spawn_client(self, *cmd: str) -> subprocess.Popen[bytes]:
        """Start another JACK client process on this server (e.g. jack_simple_client)."""
        return subprocess.Popen(list(cmd), env=dict(os.environ, **self.env()), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def kill(self) -> None:
        """End the server process (clients see it vanish), keeping the name for a restart."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def stop(self) -> None:
        self.kill()
        self.log.unlink(missing_ok=True)
        if self._name_lock is not None:
            self._name_lock.close()  # the name is free for the next server
            self._name_lock = None
            self.name = ""
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def __enter__(self) -> JackDummy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
