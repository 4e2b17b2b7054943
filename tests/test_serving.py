"""Issue 12, the server's part, against a real `zow serve` (gunicorn as people start it, in a
subprocess on a free port): slow clients do not stop the service, per-client rate limits on
the expensive routes, odd grid requests are no 500, unknown paths are 404 with the app's
own page and development routes are hidden, and two instances on one machine keep their
own control sockets.

One server for the module (two workers, like a small machine); tests that use up its
rate limits run after those that need them. No timings are asserted beyond "well within
gunicorn's 60 s worker timeout": the machine is a loaded 2-core box. benchmarks/load.py
--slow-clients measures latencies.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from benchmarks.slow_clients import SlowClients
from dashboard.app import create_app
from dashboard.serving import BODY_SECONDS, RATE_LIMITS
from tests.dash_requests import CALLBACK, payload, route, router_payload
from tests.zow_server import Served, wait_until, zow_serve

WORKERS = 2
WORKER_TIMEOUT = 60  # gunicorn's: a request may hold a worker this long before it is killed
REPLY_TIMEOUT = 30  # generous: the box is shared


@pytest.fixture(scope="module")
def server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("serving") / "server.log"
    with zow_serve(built_store, log, workers=WORKERS) as served:
        yield served


def get(server: Served, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(server.base + path, timeout=REPLY_TIMEOUT, **kwargs)


def read_reply(sock: socket.socket, timeout: float) -> tuple[bytes, float, bool]:
    """Everything the server sends until it closes (or ``timeout``): the bytes, the seconds
    until the first byte (or the end), and whether the server closed the connection."""
    sock.settimeout(1)
    started = time.monotonic()
    data, first = b"", None
    while time.monotonic() - started < timeout:
        try:
            part = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return data, first or time.monotonic() - started, True
        if not part:
            return data, first or time.monotonic() - started, True
        if first is None:
            first = time.monotonic() - started
        data += part
    return data, first or timeout, False


# --------------------------------------------------------------- 1. slow clients
def test_slow_clients_do_not_stop_the_service(server: Served) -> None:
    """Ten slow clients (slow headers, slow body, lying Content-Length) against two workers:
    with sync workers every normal request went unanswered. Now all are answered, and the
    server closes the slow connections itself (head and body deadlines: 10 s)."""
    paths = ["/", "/healthz", "/api/v1/indicators", "/_dash-layout", "/geo/2024/wijk.json"]
    with SlowClients("127.0.0.1", server.port, count=10, pace=0.5) as attack:
        assert wait_until(lambda: sum(v for k, v in attack.stats.items()
                                      if k.endswith("connections")) >= 10, 20)
        time.sleep(1)  # every slow client is inside its request now
        answered: Counter[int] = Counter()
        seconds = []
        for n in range(25):
            started = time.monotonic()
            response = get(server, paths[n % len(paths)])
            seconds.append(time.monotonic() - started)
            answered[response.status_code] += 1
        closed = wait_until(lambda: all(attack.stats[f"{kind} closed by server"] >= 1
                                        for kind in ("headers", "body", "lying")), 60)
        stats = dict(attack.stats)
    print(f"normal requests under attack: {sorted(answered.items())}, slowest "
          f"{max(seconds):.2f} s; slow clients: {stats}")
    assert answered == {200: 25}
    assert closed, stats
    assert server.proc.poll() is None


def test_lying_content_length_is_408_well_before_the_worker_timeout(server: Served) -> None:
    """A body announced and never sent held a sync worker for the full 60 s. Now the app
    answers 408 after BODY_SECONDS and the connection closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /_dash-update-component HTTP/1.1\r\nHost: test\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 65536\r\n\r\n"
                     b'{"output": ')
        data, first_byte, closed = read_reply(sock, WORKER_TIMEOUT)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), data[:300]
    assert "error" in json.loads(body)
    assert BODY_SECONDS - 1 < first_byte < WORKER_TIMEOUT
    assert closed


def test_slow_headers_are_cut_off(server: Served) -> None:
    """A request head sent a byte at a time (slowloris) is dropped after the keep-alive
    timeout (10 s), however slowly it keeps coming."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        started = time.monotonic()
        sock.settimeout(0.5)
        closed = False
        while time.monotonic() - started < WORKER_TIMEOUT:
            try:
                sock.sendall(b"a")
                if sock.recv(4096) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:  # reset, broken pipe: closed by the server
                closed = True
                break
        took = time.monotonic() - started
    assert closed and took < WORKER_TIMEOUT, took


# ------------------------------------------------ 4. unknown paths, development routes
PAGES = ["/", "/?lang=en", "/vergelijken", "/vergelijken/", "/vergelijken?regios=GM0363",
         "/gebied/GM0363", "/gebied/gm0363"]
OTHER_ROUTES = ["/_dash-layout", "/_dash-dependencies", "/healthz", "/geo/2024/wijk.json",
                "/api/v1/indicators", "/assets/style.css", "/_favicon.ico",
                "/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=gemeente"]
# A profile of an area the store does not know is no page either (the page itself says
# which code it did not find).
UNKNOWN = ["/nope", "/nope/deeper", "/gebied/", "/404", "/index.php", "/favicon.ico",
           "/gebied/XX", "/gebied/WK999999"]


def test_pages_and_routes_answer_200(server: Served) -> None:
    for path in PAGES:
        response = get(server, path)
        assert response.status_code == 200, path
        assert 'id="_dash-config"' in response.text
    for path in OTHER_ROUTES:
        assert get(server, path).status_code == 200, path
    # Dash's scripts, as the page names them.
    scripts = re.findall(r'<script src="(/_dash-component-suites/[^"]+)"', get(server, "/").text)
    assert scripts
    for script in scripts[:3]:
        assert get(server, script).status_code == 200, script


def test_unknown_paths_are_404_with_the_app_page(server: Served, app: Any, client: Any
                                                 ) -> None:
    for path in UNKNOWN:
        response = get(server, path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"].startswith("text/html")
        assert 'id="_dash-config"' in response.text  # the app's shell: the router draws...
        assert response.headers["Content-Security-Policy"]
    # ... the not-found page, Dutch first.
    reply = requests.post(server.base + CALLBACK, json=router_payload(app, "/nope"),
                          timeout=REPLY_TIMEOUT)
    assert reply.status_code == 200
    text = reply.text
    assert '"not-found"' in text
    assert text.index("Pagina niet gevonden") < text.index("Page not found")
    assert "vergelijken" in text  # a way on
    # The same for every unknown path the router gets; real pages are not that page.
    assert '"not-found"' in route(client, app, "/gebied/").get_data(as_text=True)
    assert '"not-found"' not in route(client, app, "/vergelijken").get_data(as_text=True)


def test_development_routes_are_hidden(server: Served, built_store: Path) -> None:
    response = get(server, "/_reload-hash")
    assert response.status_code == 404
    assert "packages" not in response.text and "dash_ag_grid" not in response.text
    # They stay for `zow serve --dev` (working on the code).
    dev = create_app(built_store, dev=True, rate_limits=False).server.test_client()
    assert "packages" in dev.get("/_reload-hash").get_json()


# --------------------------------------------------------- 3. odd grid requests
def test_grid_rows_with_nan_and_infinity(server: Served, app: Any, client: Any) -> None:
    """`startRow`/`endRow` of NaN or Infinity answered 500 with a traceback in the log;
    any row numbers now get a valid (clamped) block."""
    layout = route(client, app, "/").get_json()["response"]["_pages_content"]["children"]
    view = next(c["props"]["data"] for c in _components(layout) if c["props"].get("id") == "view")
    output = next(k for k, v in app.callback_map.items()
                  if any(i["id"] == "table" and i["property"] == "getRowsRequest"
                         for i in v["inputs"]))
    for start, end in [("NaN", "Infinity"), ("-Infinity", "NaN"), ("1e400", "-1e400"),
                       ("-5", "3"), ('"x"', "null"), ("1e308", "1e308"),
                       ("123456789012345678901234567890", "1")]:
        body = payload(app, output, {"view.data": view, "table.getRowsRequest": "@"},
                       ["table.getRowsRequest"])
        raw = json.dumps(body).replace('"@"', f'{{"startRow": {start}, "endRow": {end}}}')
        response = requests.post(server.base + CALLBACK, data=raw, timeout=REPLY_TIMEOUT,
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 200, (start, end, response.text[:300])
        block = response.json()["response"]["table"]["getRowsResponse"]
        assert len(block["rowData"]) <= 500


def _components(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("props"), dict):
            yield node
        for value in node.values():
            yield from _components(value)
    elif isinstance(node, list):
        for value in node:
            yield from _components(value)


# ------------------------------------------------------------------ 2. rate limits
DOWNLOAD = "/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=gemeente"


def test_normal_use_is_never_limited(server: Served, app: Any) -> None:
    """What one person does in a busy minute: a few downloads, API calls, many clicks."""
    session = requests.Session()
    statuses: Counter[int] = Counter()
    for n in range(4):
        statuses[session.get(server.base + DOWNLOAD + f"&lang={'en' if n % 2 else 'nl'}",
                             timeout=REPLY_TIMEOUT).status_code] += 1
    for path in ["/api/v1/indicators", "/api/v1/regions?year=2024&level=gemeente"] * 8:
        statuses[session.get(server.base + path, timeout=REPLY_TIMEOUT).status_code] += 1
    for pathname in ["/", "/vergelijken", "/gebied/GM0363"] * 10:
        statuses[session.post(server.base + CALLBACK, json=router_payload(app, pathname),
                              timeout=REPLY_TIMEOUT).status_code] += 1
    assert statuses == {200: 50}


NGINX_MAIN = """{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


@pytest.fixture
def nginx(server: Served, tmp_path: Path) -> Iterator[str]:
    """deploy/nginx.conf in front of the module's server (skipped without nginx)."""
    import shutil
    import signal
    import subprocess

    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if binary is None:
        pytest.skip("nginx not installed")
    from tests.zow_server import ROOT, free_port

    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = (site.replace("server app:8050;", f"server 127.0.0.1:{server.port};")
            .replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("/var/cache/nginx", str(tmp_path / "cache")))
    (tmp_path / "site.conf").write_text(site)
    # As root, nginx's workers would be "nobody", who cannot write its temp and cache
    # folders under pytest's private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(NGINX_MAIN.format(dir=tmp_path, user=user))
    proc = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-g", "daemon off;"], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            try:
                return requests.get(base + "/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return proc.poll() is not None
        assert wait_until(up, 30) and proc.poll() is None, proc.stderr.read() if proc.stderr \
            else ""
        yield base
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_nginx_limits_the_same_routes(nginx: str, app: Any) -> None:
    """deploy/nginx.conf: pages pass, a burst of downloads is refused at the edge with a
    JSON 429 before it reaches the app."""
    for path in ["/", "/vergelijken", "/api/v1/indicators", "/assets/style.css"]:
        assert requests.get(nginx + path, timeout=REPLY_TIMEOUT).status_code == 200, path
    reply = requests.post(nginx + CALLBACK, json=router_payload(app, "/"), timeout=REPLY_TIMEOUT)
    assert reply.status_code == 200
    statuses: Counter[int] = Counter()
    at_the_edge = []
    for _ in range(20):
        response = requests.get(nginx + DOWNLOAD, timeout=REPLY_TIMEOUT)
        statuses[response.status_code] += 1
        # nginx's own reply (the app, which counts too, words its 429 differently)
        if response.status_code == 429 and response.json() == {
                "error": "too many requests; try again later"}:
            at_the_edge.append(response)
    assert set(statuses) <= {200, 429} and statuses[429] >= 10, statuses
    assert len(at_the_edge) >= 10, statuses
    assert at_the_edge[0].headers["Retry-After"] == "60"


def test_a_burst_of_downloads_gets_429(server: Served) -> None:
    """A burst far above the limit: the excess answers 429 with a JSON error and
    Retry-After. A made-up X-Forwarded-For does not help: the server trusts no proxy by
    default. Without Redis each worker counts for itself, so at most limit x workers (x2
    when the burst spans two windows) get through."""
    limit = int(RATE_LIMITS["download"][1].split()[0])
    statuses: Counter[int] = Counter()
    refused = []
    for _ in range(limit * WORKERS * 2 + 10):
        spoofed = f"10.9.{uuid.uuid4().int % 250}.1"
        response = get(server, DOWNLOAD, headers={"X-Forwarded-For": spoofed})
        statuses[response.status_code] += 1
        if response.status_code == 429:
            refused.append(response)
    assert set(statuses) <= {200, 429}, statuses
    assert statuses[429] >= 10, statuses
    reply = refused[0]
    assert reply.headers["Content-Type"].startswith("application/json")
    assert "too many requests" in reply.json()["error"]
    assert int(reply.headers["Retry-After"]) >= 0
    # Other routes are not touched by the downloads' limit.
    assert get(server, "/api/v1/indicators").status_code == 200
    assert get(server, "/").status_code == 200


def test_a_burst_of_api_calls_gets_429_with_attribution(server: Served) -> None:
    limit = int(RATE_LIMITS["api"][1].split()[0])
    session = requests.Session()
    statuses: Counter[int] = Counter()
    last = None
    for _ in range(limit * WORKERS * 2 + 10):
        last = session.get(server.base + "/api/v1/indicators", timeout=REPLY_TIMEOUT)
        statuses[last.status_code] += 1
    assert set(statuses) <= {200, 429} and statuses[429] >= 10, statuses
    assert last is not None and last.status_code == 429
    assert set(last.json()) == {"error", "parameter", "attribution"}


# ------------------------------------------------------------ 6. control sockets
def test_two_instances_keep_their_own_control_socket(
        server: Served, built_store: Path, tmp_path: Path) -> None:
    """gunicorn 27 put every instance's control socket at one path per user: a second
    `zow serve` took it over, and removed it when it stopped. Each has its own now (the
    default path holds the port), and stopping one leaves the other controllable."""
    from gunicorn.ctl.client import ControlClient

    def control_socket(served: Served) -> Path | None:
        found = re.search(r"Control socket listening at (\S+)", served.log.read_text())
        return Path(found.group(1)) if found else None

    def worker_count(path: Path) -> int:
        with ControlClient(str(path), timeout=REPLY_TIMEOUT) as control:
            return int(control.send_command("show workers")["count"])

    first = wait_until(lambda: control_socket(server), 20)
    assert first, server.log.read_text()[-2000:]
    with zow_serve(built_store, tmp_path / "second.log", workers=1) as second:
        other = wait_until(lambda: control_socket(second), 20)
        assert other, second.log.read_text()[-2000:]
        assert first != other and str(second.port) in other.name
        assert worker_count(first) == WORKERS
        assert worker_count(other) == 1
        assert server.healthy() and second.healthy()
    assert not other.exists()  # the second removed its own socket ...
    assert first.exists() and worker_count(first) == WORKERS  # ... and only its own
    assert server.healthy()


def test_limits_count_per_client_across_replicas(built_store: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/compose.yaml: replicas behind nginx, one Redis (ZOW_REDIS_URL) and one trusted
    proxy hop (ZOW_TRUSTED_PROXIES=1). The client is the address nginx saw, and the replicas
    count together."""
    import fakeredis
    import redis

    shared = fakeredis.FakeServer()  # Redis itself (its Lua scripts run by lupa)
    monkeypatch.setattr(redis, "from_url",
                        lambda url, **kwargs: fakeredis.FakeRedis(server=shared, **kwargs))
    monkeypatch.setenv("ZOW_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("ZOW_TRUSTED_PROXIES", "1")
    monkeypatch.delenv("ZOW_RATE_LIMITS", raising=False)
    nginx = {"REMOTE_ADDR": "172.18.0.5"}
    replicas = [create_app(built_store).server.test_client() for _ in range(2)]
    limit = int(RATE_LIMITS["download"][1].split()[0])

    def download(n: int, client_address: str) -> int:
        return replicas[n % 2].get(DOWNLOAD, headers={"X-Forwarded-For": client_address},
                                   environ_base=nginx).status_code

    # Many people behind the one proxy: each within the limit, none refused.
    assert {download(n, f"10.0.1.{n}") for n in range(limit + 5)} == {200}
    # One of them, alternating between replicas: refused once over the shared limit (at
    # most twice the limit gets through when the burst spans two windows).
    statuses = [download(n, "10.0.2.1") for n in range(2 * limit + 1)]
    assert 429 in statuses and statuses[0] == 200, statuses
    assert download(0, "10.0.2.2") == 200  # the next person is not
    assert list(fakeredis.FakeRedis(server=shared).scan_iter(match="*zow:limits*"))
