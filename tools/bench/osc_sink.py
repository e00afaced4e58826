"""A UDP receiver standing in for an OSC peer in the benchmarks."""

from __future__ import annotations

import socket
import threading
import time


class Sink:
    """An OSC target: a receiver that reads and drops what the show sends, as a listening peer
    would, and can be taken down and brought back (port 0: any free one)."""

    def __init__(self, port: int = 0) -> None:
        self.port, self.packets, self.sock = port, 0, None
        self._running = True
        self.up()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def up(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", self.port))
        sock.settimeout(0.2)
        self.port = sock.getsockname()[1]
        self.sock = sock

    def down(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()

    def _drain(self) -> None:
        while self._running:
            sock = self.sock
            if sock is None:
                time.sleep(0.1)
                continue
            try:
                sock.recv(65536)
                self.packets += 1
            except OSError:
                continue

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=1)
        self.down()
