"""`zow serve` as people start it, in a subprocess on a free port of 127.0.0.1, for tests
that need the real server (gunicorn, its workers and sockets) and not the Flask test
client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
# `python -m zow` from the checkout: the code under test, also in a git worktree whose
# packages are installed from another checkout.
ZOW = [sys.executable, "-m", "zow"]
#: Settings of the test process that would change how the server behaves.
SERVER_SETTINGS = ("ZOW_STORE", "ZOW_REDIS_URL", "ZOW_RATE_LIMITS", "ZOW_TRUSTED_PROXIES",
                   "ZOW_REPLY_CACHE", "GUNICORN_CMD_ARGS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """``check()``'s first true value within ``timeout`` seconds (else its last value)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    return check()


@dataclass
class Served:
    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        try:
            return requests.get(self.base + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@contextmanager
def zow_serve(store: Path, log: Path, *args: str, workers: int = 2,
              env: dict[str, str] | None = None, startup: float = 240) -> Iterator[Served]:
    """`zow serve --prod` over ``store`` (extra CLI ``args``), healthy before it is yielded,
    stopped (SIGTERM, then SIGKILL to its process group) afterwards."""
    port = free_port()
    server_env = {k: v for k, v in os.environ.items() if k not in SERVER_SETTINGS}
    server_env.update(env or {})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*ZOW, "serve", "--prod", "--port", str(port), "--workers", str(workers),
             "--store", str(store), *args],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=server_env,
            start_new_session=True,
        )
    served = Served(proc, port, log)
    try:
        if not wait_until(lambda: served.healthy() or proc.poll() is not None, startup) \
                or not served.healthy():
            raise RuntimeError(f"zow serve did not come up:\n{log.read_text()[-3000:]}")
        yield served
    finally:
        served.stop()
