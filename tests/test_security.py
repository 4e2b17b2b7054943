"""Security headers, compression, no debug output and the health check, on a real HTTP server
(werkzeug on 127.0.0.1 in a thread) over the store the real ETL builds from the mirror."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dashboard.app import create_app
from tests.browser import serving


@pytest.fixture(scope="module")
def base_url(built_store: Path) -> Iterator[str]:
    app = create_app(built_store)
    with serving(app, name="zow-security-app") as base:
        yield base


def get(base_url: str, path: str, **kwargs: object) -> requests.Response:
    return requests.get(base_url + path, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ["/", "/healthz", "/geo/2024/wijk.json", "/_dash-layout"])
def test_security_headers(base_url: str, path: str) -> None:
    response = get(base_url, path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_inline_scripts_are_allowed_by_hash(base_url: str) -> None:
    """Dash's inline config/renderer scripts must match a hash in the policy, or the page
    would stay blank under the CSP."""
    import base64
    import hashlib
    import re

    response = get(base_url, "/")
    csp = response.headers["Content-Security-Policy"]
    html = re.sub(r"<!--.*?-->", "", response.text, flags=re.S)  # e.g. Dash's IE-only alert
    inline = [
        body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        if "src=" not in attrs and "application/json" not in attrs
    ]
    assert inline, "Dash's index page has inline scripts"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/geo/2024/wijk.json",
                                  "/_dash-dependencies"])
def test_compressed_when_asked(base_url: str, path: str) -> None:
    response = get(base_url, path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    plain = get(base_url, path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    if path != "/":  # the index page carries a per-request id
        assert response.content == plain.content  # requests decoded the gzip body
    assert int(response.headers["Content-Length"]) < len(plain.content)


def test_compressed_callback_reply(base_url: str) -> None:
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
    }
    response = requests.post(base_url + "/_dash-update-component", json=body,
                             headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == "gzip"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_debug_output(base_url: str) -> None:
    # Unknown boundaries: a plain 404, not a Werkzeug debugger page or a traceback.
    # (Other unknown paths answer 404 with the app page: tests/test_serving.py.)
    for path in ("/geo/1900/wijk.json", "/geo/2024/provincie.json", "/assets/nope.css",
                 "/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/nope.js"):
        response = get(base_url, path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
        assert "werkzeug" not in response.text.lower()
        assert "__debugger__" not in response.text
    # No debugger console, no Dash dev tools, no hot reload.
    console = get(base_url, "/?__debugger__=yes&cmd=resource&f=debugger.js")
    assert console.headers["Content-Type"].startswith("text/html")  # the Dash page, no JS
    assert "Werkzeug" not in console.text and "debugger" not in console.text.split("<meta")[0]
    # The request URL is echoed into meta tags, escaped.
    echoed = get(base_url, '/?x="><script>alert(1)</script>').text
    assert "<script>alert(1)" not in echoed
    index = get(base_url, "/").text
    marker = '<script id="_dash-config" type="application/json">'
    config = json.loads(index.split(marker, 1)[1].split("</script>")[0])
    assert config.get("ui") is False
    assert config.get("props_check") is False
    assert not config.get("hot_reload")


def test_malformed_callback_gets_json_400(base_url: str) -> None:
    url = base_url + "/_dash-update-component"
    cases = [
        {"data": "not json", "headers": {"Content-Type": "application/json"}},
        {"json": [1, 2, 3]},
        {"json": {"output": "nope.children", "inputs": []}},
        {"data": "{" * 10, "headers": {"Content-Type": "application/json"}},
        {"data": b'{"output": "' + b"x" * 300_000 + b'"}',
         "headers": {"Content-Type": "application/json"}},
    ]
    for case in cases:
        response = requests.post(url, timeout=30, **case)  # type: ignore[arg-type]
        assert response.status_code == 400, case.get("json", "")
        assert response.headers["Content-Type"].startswith("application/json")
        assert set(response.json()) == {"error"}
        assert "Traceback" not in response.text


def test_internal_errors_say_little(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception inside a route answers a short message; the traceback only goes to the
    log (pytest's capture here), never to the client."""
    from dashboard.data import Store

    def boom(self: Store) -> dict[str, str]:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(Store, "meta", boom)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert b"secret" not in response.data and b"Traceback" not in response.data
    assert len(response.data) < 200
    response = client.get("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal error"}
    assert response.headers["Content-Security-Policy"]


def test_healthz(base_url: str, built_store: Path) -> None:
    import duckdb

    response = get(base_url, "/healthz")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    with duckdb.connect(str(built_store), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert body["schema_version"] == meta["schema_version"]
    assert body["built_at"] == meta["built_at"]
    assert body["schema_version"] and body["built_at"]


def test_validation_accepts_pattern_matching_callbacks() -> None:
    """The callback check knows wildcard ids (none of our pages uses them yet): the browser's
    requests for ALL and MATCH callbacks pass, mangled ones do not."""
    import dash
    from dash import ALL, MATCH, Input, Output, State, html

    from dashboard.security import install_security_headers

    app = dash.Dash("pattern_test", use_pages=False, suppress_callback_exceptions=True)
    app.layout = html.Div([html.Div(id="total")])

    @app.callback(Output("total", "children"), Input({"type": "btn", "index": ALL}, "n_clicks"))
    def total(clicks: list) -> str:
        return str(sum(c or 0 for c in clicks))

    @app.callback(
        Output({"type": "label", "index": MATCH}, "children"),
        Input({"type": "btn", "index": MATCH}, "n_clicks"),
        State({"type": "btn", "index": MATCH}, "id"),
    )
    def label(clicks: int | None, component_id: dict) -> str:
        return f"{component_id['index']}: {clicks}"

    install_security_headers(app)
    client = app.server.test_client()
    client.get("/")  # the app's first request
    btn = [{"id": {"index": i, "type": "btn"}, "property": "n_clicks", "value": i}
           for i in range(3)]
    all_body = {
        "output": "total.children",
        "outputs": {"id": "total", "property": "children"},
        "inputs": [btn],
        "changedPropIds": ['{"index":1,"type":"btn"}.n_clicks'],
    }
    response = client.post("/_dash-update-component", json=all_body)
    assert response.status_code == 200, response.data
    assert response.get_json()["response"]["total"]["children"] == "3"

    match_output = next(k for k in app.callback_map if "label" in k)
    match_body = {
        "output": match_output,
        "outputs": {"id": {"index": 2, "type": "label"}, "property": "children"},
        "inputs": [btn[2]],
        "state": [{"id": {"index": 2, "type": "btn"}, "property": "id",
                   "value": {"index": 2, "type": "btn"}}],
        "changedPropIds": ['{"index":2,"type":"btn"}.n_clicks'],
    }
    response = client.post("/_dash-update-component", json=match_body)
    assert response.status_code == 200, response.data

    for broken in (
        {**all_body, "inputs": [btn[0]]},  # ALL sends a list
        {**all_body, "inputs": [[{**btn[0], "id": {"index": 0, "kind": "btn"}}]]},
        {**all_body, "inputs": [[{**btn[0], "id": {"index": 0, "type": "other"}}]]},
        {**all_body, "changedPropIds": ['{"index":1,"type":"btn".n_clicks']},
        {**match_body, "outputs": {"id": {"index": [1], "type": "label"},
                                   "property": "children"}},
    ):
        response = client.post("/_dash-update-component", json=broken)
        assert response.status_code == 400, broken
        assert "error" in response.get_json()
