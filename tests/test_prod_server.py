"""The production server as users start it (`zow serve --prod`, gunicorn with preloaded
workers): it answers, runs several workers, and when a worker dies under load the master
starts a new one while at most the requests in flight on the dead worker fail."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
# `python -m zow` from the checkout: the code under test, also in a git worktree whose
# packages are installed from another checkout.
ZOW = [sys.executable, "-m", "zow"]
WORKERS = 2
LOAD_SECONDS = 10.0
LOAD_PATHS = ["/", "/geo/2024/wijk.json", "/healthz"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> set[int]:
    """Pids of the live child processes of ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until(check, timeout: float, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    return check()


@pytest.fixture(scope="module")
def prod_server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    port = free_port()
    log = tmp_path_factory.mktemp("prod") / "gunicorn.log"
    env = {k: v for k, v in os.environ.items() if k not in ("ZOW_STORE", "ZOW_REDIS_URL")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*ZOW, "serve", "--prod", "--port", str(port), "--workers", str(WORKERS),
             "--store", str(built_store)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        if not wait_until(lambda: healthy() or proc.poll() is not None, 60) or not healthy():
            pytest.fail(f"server did not come up:\n{log.read_text()[-3000:]}")
        yield {"proc": proc, "base": base, "log": log}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_gunicorn_with_workers(prod_server: dict) -> None:
    proc, base = prod_server["proc"], prod_server["base"]
    response = requests.get(base + "/healthz", timeout=10)
    assert response.json()["status"] == "ok"
    # `zow serve --prod` execs gunicorn in place: the process we started is the master.
    assert response.headers.get("Server", "").startswith("gunicorn") or "gunicorn" in cmdline(
        proc.pid)
    assert "gunicorn" in cmdline(proc.pid)
    workers = wait_until(lambda: len(children(proc.pid)) == WORKERS and children(proc.pid), 20)
    assert len(workers) == WORKERS, workers
    assert all("gunicorn" in cmdline(pid) for pid in workers)
    page = requests.get(base + "/", timeout=10)
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers


def test_worker_killed_under_load_is_replaced(prod_server: dict) -> None:
    proc, base = prod_server["proc"], prod_server["base"]
    before = wait_until(lambda: len(children(proc.pid)) == WORKERS and children(proc.pid), 20)
    assert len(before) == WORKERS

    results: Counter[str] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + LOAD_SECONDS

    def client(offset: int) -> None:
        session = requests.Session()
        i = offset
        while time.monotonic() < stop:
            path = LOAD_PATHS[i % len(LOAD_PATHS)]
            i += 1
            try:
                response = session.get(base + path, timeout=15)
                ok = response.status_code == 200
                with lock:
                    results["ok" if ok else "bad status"] += 1
                    if not ok:
                        failures.append(f"{path}: {response.status_code}")
            except requests.RequestException as exc:
                with lock:
                    results["error"] += 1
                    failures.append(f"{path}: {type(exc).__name__}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    victim = min(before)
    served_before_kill = results["ok"]
    os.kill(victim, signal.SIGKILL)

    # The master notices (SIGCHLD) and forks a replacement from the preloaded app.
    after = wait_until(
        lambda: (kids := children(proc.pid)) and len(kids) == WORKERS and victim not in kids
        and kids,
        15,
    )
    respawned_at = time.monotonic()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 30)

    assert after and victim not in after and len(after) == WORKERS, (before, after)
    assert after != before
    assert served_before_kill > 0
    # The new worker served requests too: the load ran on after the replacement.
    assert respawned_at < stop, "the replacement came up only after the load ended"
    failed = results["error"] + results["bad status"]
    # A gevent worker serves several connections at once: each client loses at most the
    # request it had in flight on the killed worker.
    assert failed <= len(threads), (dict(results), failures[:10])
    assert results["ok"] > 20, dict(results)
    assert proc.poll() is None  # the master lives on


def test_clean_shutdown(prod_server: dict) -> None:
    """SIGTERM to the master stops it and every worker (runs last in this module)."""
    proc = prod_server["proc"]
    workers = children(proc.pid)
    assert workers
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert wait_until(lambda: not any(Path(f"/proc/{pid}").exists() and cmdline(pid)
                                      for pid in workers), 10)
    assert "Shutting down" in prod_server["log"].read_text()
