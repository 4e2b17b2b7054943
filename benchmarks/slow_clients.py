"""Slow clients: connections that tie up a server that reads requests on blocking sockets.

Three kinds, each a thread that keeps one connection busy and opens a new one whenever the
server closes it, until stopped:

* ``headers``: sends a request line and then one header byte every ``pace`` seconds,
  never ending the headers (slowloris);
* ``body``: sends complete headers of a callback POST and then the body one byte every
  ``pace`` seconds;
* ``lying``: sends complete headers announcing a 64 KB body, 10 bytes of it, then nothing.

Used by the tests (tests/test_serving.py) and the load benchmark (benchmarks/load.py
--slow-clients). Only ever aimed at 127.0.0.1: bounded by ``stop()`` and the caller's time.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from typing import Self

KINDS = ("headers", "body", "lying")
CALLBACK = "/_dash-update-component"


class SlowClients:
    """``count`` slow clients against host:port, spread over ``kinds`` round-robin."""

    def __init__(self, host: str, port: int, count: int = 10,
                 kinds: tuple[str, ...] = KINDS, pace: float = 1.0) -> None:
        self.address = (host, port)
        self.count = count
        self.kinds = kinds
        self.pace = pace
        self.stats: Counter[str] = Counter()  # connections opened, closed by the server
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        for n in range(self.count):
            kind = self.kinds[n % len(self.kinds)]
            thread = threading.Thread(target=self._run, args=(kind,), daemon=True,
                                      name=f"slow-{kind}-{n}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1

    def _run(self, kind: str) -> None:
        while not self._stop.is_set():
            try:
                with socket.create_connection(self.address, timeout=5) as sock:
                    self._count(f"{kind} connections")
                    self._attack(sock, kind)
            except OSError:
                pass  # refused, reset or closed by the server: connect again
            if not self._stop.is_set():
                self._count(f"{kind} closed by server")
            self._stop.wait(0.05)

    def _trickle(self, sock: socket.socket, data: bytes) -> None:
        """Send ``data`` a byte at a time, one every ``pace`` seconds (forever, if it is
        endless): raises OSError when the server closes the connection."""
        sock.settimeout(5)
        for byte in data:
            if self._stop.wait(self.pace):
                return
            sock.sendall(bytes([byte]))

    def _hold(self, sock: socket.socket) -> None:
        """Keep the connection open without sending; return when the server closes it."""
        sock.settimeout(self.pace)
        while not self._stop.is_set():
            try:
                if sock.recv(4096) == b"":
                    return  # the server gave up on us (or answered and closed)
            except TimeoutError:
                continue

    def _attack(self, sock: socket.socket, kind: str) -> None:
        host = f"{self.address[0]}:{self.address[1]}"
        if kind == "headers":
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode())
            self._trickle(sock, b"X-Slow: " + b"a" * 100_000)
        elif kind == "body":
            body = b'{"output": "x.y", "inputs": []}' + b" " * 100_000
            sock.sendall(f"POST {CALLBACK} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Content-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode())
            self._trickle(sock, body)
        elif kind == "lying":
            sock.sendall(f"POST {CALLBACK} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Content-Type: application/json\r\n"
                         f"Content-Length: 65536\r\n\r\n".encode() + b'{"output": ')
            self._hold(sock)
        else:
            raise ValueError(kind)
        # Whatever the server did, wait for it to close before connecting again (so a
        # server that answers early is not flooded with new connections).
        self._hold(sock)

