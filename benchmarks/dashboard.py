"""Benchmark: what the map page costs. Prints a table of figures.

(a) An indicator switch on the map of all Dutch wijken (2024): the Dash callback request the
    browser sends is captured once with Playwright (changing the indicator dropdown on
    ``/?niveau=wijk``) and replayed N times with ``requests``, without and with
    ``Accept-Encoding: gzip``. Reported: server time (measured around the WSGI app, so it
    includes JSON encoding and compression) and response bytes. Target ≤ 50 KB, ≤ 50 ms.
    The app's kept replies are off here (``ZOW_REPLY_CACHE=off``), so every replay does the
    work; a kept reply costs a few ms (``benchmarks/load.py --reply-cache on|off``).
(b) For reference: a naive figure that carries the GeoJSON inline (``plotly.io.to_json`` of a
    choropleth_map figure with the boundaries dict), raw and gzipped.
(c) Time from navigation to a drawn map in headless chromium: median of fresh page loads,
    from ``page.goto`` until Plotly has both traces and MapLibre has loaded and drawn them.
    Target ≤ 1.5 s. Cold = a new browser context (empty HTTP cache); warm = same context.
(d) The floor under (c): the app's own map figure drawn on a page that holds nothing but the
    Plotly bundle (boundaries handed over already parsed), from ``Plotly.newPlot`` to drawn;
    for all wijken and for 10. What Plotly + MapLibre alone cost on this machine.

(e) ``--first-map`` (only this): the first map against its anchor and its floor (issue 14),
    in one run and one browser, ``--loads`` cold loads (a new browser context each) of each,
    interleaved (the order rotates per round; a first round that warms the servers is not
    kept), from navigation start until the map is drawn (as in (c)):
    - this app: ``/?niveau=wijk&jaar=2024&indicator=inwoners`` (all 3,393 wijken of 2024);
    - the anchor: ``benchmarks/anchor_app.py``, a plain Dash app with ``px.choropleth_map``
      of the same values and the GeoJSON inline in its figure, run by ``app.run``;
    - the floor: bare MapLibre (the one inside the app's Plotly bundle: no CDN, no network)
      on a page that fetches the same boundaries, with a fill per region and white outlines.
    The anchor and the floor draw the layer's full boundaries (``/geo/2024/wijk.json``);
    the app draws whatever its first view asks for. Printed: each median, the bytes on the
    wire, the ratios app/anchor and floor/anchor, and the app's phases. The online
    background map is blocked in all three (not part of the comparison).
    ``--cpu-throttle 4`` slows each page's CPU fourfold (CDP ``Emulation.setCPUThrottlingRate``)
    for a phone-class CPU; see the README (Performance) for what it shows, and what a real
    GPU would change.

    python benchmarks/dashboard.py [--store data/zow.duckdb] [--mirror ../shared/cbs-mirror]
                                   [--runs 30] [--loads 5] [--first-map [--cpu-throttle 4]]

Builds the store first with the ETL from the mirror if it is missing
(``zow etl --mirror ../shared/cbs-mirror --store STORE``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
VIEWPORT = {"width": 1366, "height": 900}
# Drawn: Plotly has both traces and MapLibre holds a source for every trace with regions,
# has loaded and tiled them and is not moving.
MAP_DRAWN_JS = """
() => {
    const el = document.querySelector('#map .js-plotly-plot');
    if (!el || !el._fullData || el._fullData.length < 2) { return false; }
    const sub = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
    if (!sub || !sub.map || !sub.map.getStyle()) { return false; }
    const map = sub.map;
    const sources = Object.keys(map.getStyle().sources).filter(id => id.startsWith('source-'));
    const traces = el._fullData.filter(t => t.locations && t.locations.length).length;
    return traces >= 1 && sources.length >= traces && map.loaded() && map.areTilesLoaded()
        && !map.isMoving();
}
"""
# Marks in the page (ms since navigation start) for a breakdown of the time to a drawn map.
PHASES_INIT_JS = """
(() => {
    window.__zowMarks = {};
    const look = () => {
        const m = window.__zowMarks, now = performance.now();
        const el = document.querySelector('#map .js-plotly-plot');
        if (el && !m.graph) { m.graph = now; }
        if (el && el._fullData && !m.fullData) { m.fullData = now; }
        const sub = el && el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
        const map = sub && sub.map && sub.map.getStyle() ? sub.map : null;
        const sources = map ? Object.keys(map.getStyle().sources)
            .filter(id => id.startsWith('source-')).length : 0;
        const traces = el && el._fullData
            ? el._fullData.filter(t => t.locations && t.locations.length).length : 99;
        if (traces >= 1 && sources >= traces && !m.sources) { m.sources = now; }
        if (traces >= 1 && sources >= traces && map.loaded() && map.areTilesLoaded()
            && !m.drawn) {
            m.drawn = now;
            return;
        }
        requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
})();
"""
PHASES_READ_JS = """
() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const end = (pred) => {
        const r = res.filter(pred);
        return r.length ? r[0].responseEnd : null;
    };
    return Object.assign({
        domContentLoaded: nav.domContentLoadedEventEnd,
        pageContent: end(r => r.name.includes('_dash-update-component')),
        plotlyJs: end(r => r.name.includes('plotly-partial.min.js')),
        geojson: end(r => r.name.includes('/geo/')),
    }, window.__zowMarks);
}
"""
PHASES = (("domContentLoaded", "HTML and scripts loaded"),
          ("pageContent", "page content callback answered"),
          ("plotlyJs", "Plotly bundle fetched"),
          ("graph", "graph element created"),
          ("geojson", "GeoJSON fetched"),
          ("fullData", "Plotly traces computed"),
          ("sources", "MapLibre given the traces"),
          ("drawn", "MapLibre loaded and drawn"))
TARGET_BYTES = 50_000
TARGET_MS = 50.0
TARGET_DRAW_S = 1.5


# ------------------------------------------------------------------------------ plumbing
class ServerTiming:
    """WSGI middleware: how long the app took to produce each response, as a header."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: None

        started = time.perf_counter()
        body = b"".join(self.app(environ, capture))
        elapsed = (time.perf_counter() - started) * 1000
        headers = [*captured["headers"], ("Server-Timing", f"app;dur={elapsed:.2f}")]
        start_response(captured["status"], headers, captured["exc_info"])
        return [body]


def ensure_store(store: Path, mirror: Path) -> None:
    if store.exists():
        return
    if not (mirror / "README.md").exists():
        sys.exit(f"no store at {store} and no mirror at {mirror} to build it from")
    print(f"building {store} from {mirror} …", flush=True)
    store.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "zow", "etl", "--mirror", str(mirror), "--store", str(store),
         "--cache-dir", str(store.parent / "cache")],
        cwd=ROOT, check=True,
    )


def serve(store: Path) -> tuple[str, Callable[[], None]]:
    """The real app on a free port in a background thread; (base URL, stop)."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from dashboard.app import create_app

    os.environ["ZOW_REPLY_CACHE"] = "off"  # measure the work, not a kept reply
    app = create_app(store)
    app.server.wsgi_app = ServerTiming(app.server.wsgi_app)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_port}", stop


def server_ms(response: requests.Response) -> float:
    timing = response.headers.get("Server-Timing", "app;dur=nan")
    return float(timing.split("dur=")[1])


# --------------------------------------------------------------------------- browser part
def browser_part(base: str, loads: int) -> tuple[dict[str, Any], dict[str, list[float]],
                                                 dict[str, list[float]]]:
    """The callback requests of the first view and of one indicator switch,
    navigation-to-drawn-map times, and the phases of the cold loads (ms)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import choose

    captured: dict[str, Any] = {}
    times: dict[str, list[float]] = {"cold": [], "warm": []}
    phases: dict[str, list[float]] = {name: [] for name, _ in PHASES}

    def on_request(request: Any) -> None:
        if "_dash-update-component" not in request.url or request.method != "POST":
            return
        body = request.post_data or ""
        headers = {"Content-Type": request.headers.get("content-type", "application/json")}
        if '"indicator.value"' in body and "map.figure" in body and "body" not in captured:
            captured.update(url=request.url, body=body, headers=headers)
        if "_pages_content.children" in body and "page" not in captured:
            captured["page"] = {"url": request.url, "body": body, "headers": headers}

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.on("request", on_request)
            page.goto(base + "/?niveau=wijk")
            page.wait_for_function(MAP_DRAWN_JS, timeout=60_000)
            choose(page, "indicator", "WOZ")
            page.wait_for_function("() => location.search.includes('indicator=woz_waarde')",
                                   timeout=60_000)
            page.close()
            context.close()
            if "body" not in captured:
                sys.exit("did not see the indicator callback request")

            def one_load(context: Any, marks: dict[str, list[float]] | None = None) -> float:
                page = context.new_page()
                page.add_init_script(PHASES_INIT_JS)
                started = time.perf_counter()
                page.goto(base + "/?indicator=inwoners&jaar=2024&niveau=wijk")
                page.wait_for_function(MAP_DRAWN_JS, polling="raf", timeout=60_000)
                seconds = time.perf_counter() - started
                if marks is not None:
                    seen = page.evaluate(PHASES_READ_JS)
                    for name in marks:
                        if seen.get(name) is not None:
                            marks[name].append(seen[name])
                page.close()
                return seconds

            for _ in range(loads):
                context = browser.new_context(viewport=VIEWPORT)
                times["cold"].append(one_load(context, phases))
                context.close()
            context = browser.new_context(viewport=VIEWPORT)
            one_load(context)  # fill the cache
            for _ in range(loads):
                times["warm"].append(one_load(context))
            context.close()
        finally:
            browser.close()
    return captured, times, phases


def bare_map_floor(store: Path, loads: int) -> dict[str, list[float]]:
    """(d): ms from Plotly.newPlot to a drawn map on an otherwise empty page, with the
    app's figure for all 2024 wijken and for the first 10 of them."""
    from playwright.sync_api import sync_playwright

    from dashboard import figures as maps
    from dashboard.data import Store

    db = Store(store)
    frame = db.values("inwoners", 2024, "wijk")
    boundaries = db.geojson(2024, "wijk")
    cases = {}
    for name, part in (("all wijken", frame), ("10 wijken", frame.head(10))):
        figure = maps.map_figure("GEO", part.reset_index(drop=True), db.indicators["inwoners"],
                                 "nl", db.bounds(2024, "wijk"))
        keep = set(part["code"])
        cases[name] = (figure, {**boundaries, "features": [
            f for f in boundaries["features"] if f["id"] in keep]})
    draw_js = """async ([figure, geo]) => {
        figure.data.forEach(t => { t.geojson = geo; });
        const el = document.getElementById('m');
        const started = performance.now();
        await Plotly.newPlot(el, figure.data, figure.layout);
        await new Promise(done => {
            const look = () => (MAP_DRAWN)() ? done() : requestAnimationFrame(look);
            look();
        });
        return performance.now() - started;
    }""".replace("MAP_DRAWN", MAP_DRAWN_JS.strip().replace("#map .js-plotly-plot", "#m"))
    out: dict[str, list[float]] = {name: [] for name in cases}
    # Served over http: on about:blank MapLibre never reports the map loaded.
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "index.html").write_text(
            '<html><body style="margin:0"><div id="m" style="width:100vw;height:100vh"></div>'
            '<script src="plotly.js"></script></body></html>')
        shutil.copy(ROOT / "dashboard" / "assets" / "plotly-partial.min.js",
                    Path(folder) / "plotly.js")
        handler = functools.partial(QuietFiles, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            try:
                for name, (figure, geo) in cases.items():
                    for _ in range(loads):
                        context = browser.new_context(viewport=VIEWPORT)
                        page = context.new_page()
                        page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
                        out[name].append(page.evaluate(draw_js, [figure, geo]))
                        context.close()
            finally:
                browser.close()
                server.shutdown()
    return out


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


# -------------------------------------------------------------------------------- replays
def replay(captured: dict[str, Any], runs: int) -> dict[str, dict[str, float]]:
    """Replay a captured callback request; per encoding: first and median server ms,
    median client ms, wire bytes."""
    session = requests.Session()
    out: dict[str, dict[str, float]] = {}
    for encoding in ("identity", "gzip"):
        headers = {**captured["headers"], "Accept-Encoding": encoding}
        servers, clients, wire = [], [], []
        for _ in range(runs):
            started = time.perf_counter()
            response = session.post(captured["url"], data=captured["body"].encode(),
                                    headers=headers, stream=True)
            raw = response.raw.read(decode_content=False)
            clients.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            servers.append(server_ms(response))
            wire.append(len(raw))
            if encoding == "gzip":
                assert response.headers.get("Content-Encoding") == "gzip", response.headers
        out[encoding] = {
            "first_ms": servers[0],
            "median_ms": statistics.median(servers),
            "client_ms": statistics.median(clients),
            "bytes": statistics.median(wire),
        }
    return out


def naive_figure_bytes(store: Path) -> tuple[int, int]:
    """Bytes of a figure that carries the 2024 wijk boundaries inline (raw, gzipped)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from dashboard.data import Store

    db = Store(store)
    frame = db.values("inwoners", 2024, "wijk")
    figure = go.Figure(go.Choroplethmap(
        geojson=db.geojson(2024, "wijk"), locations=frame["code"], z=frame["value"],
        featureidkey="id", customdata=frame[["value"]], text=frame["name"],
    ))
    figure.update_layout(map={"style": "white-bg", "center": {"lon": 5.3, "lat": 52.2},
                              "zoom": 6})
    text = pio.to_json(figure).encode()
    return len(text), len(gzip.compress(text, compresslevel=6))


def first_load_bytes(base: str) -> dict[str, tuple[int, int]]:
    """What the first view costs besides the scripts: boundaries and the page content."""
    sizes = {}
    for name, url in (("GeoJSON /geo/2024/wijk.json", "/geo/2024/wijk.json"),
                      ("GeoJSON /geo/overzicht/2024/wijk.json (national map)",
                       "/geo/overzicht/2024/wijk.json")):
        raw = requests.get(base + url, headers={"Accept-Encoding": "identity"}).content
        zipped = requests.get(base + url, headers={"Accept-Encoding": "gzip"}, stream=True)
        sizes[name] = (len(raw), len(zipped.raw.read(decode_content=False)))
    return sizes


# ------------------------------------------------------------------- first map (issue 14)
FIRST_MAP_URL = "/?niveau=wijk&jaar=2024&indicator=inwoners"
# Drawn, for any page with one Plotly map in SELECTOR: every trace with regions has its
# MapLibre source, MapLibre has loaded and tiled them and is not moving. The first time it
# holds, the time since navigation start is kept in window.__zowDrawnAt.
DRAWN_JS = """
(selector) => {
    if (window.__zowDrawnAt) { return true; }
    const el = document.querySelector(selector);
    if (!el || !el._fullData || !el._fullData.length) { return false; }
    const sub = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
    if (!sub || !sub.map || !sub.map.getStyle()) { return false; }
    const map = sub.map;
    const sources = Object.keys(map.getStyle().sources).filter(id => id.startsWith('source-'));
    const traces = el._fullData.filter(t => t.locations && t.locations.length).length;
    if (traces >= 1 && sources.length >= traces && map.loaded() && map.areTilesLoaded()
        && !map.isMoving()) {
        window.__zowDrawnAt = performance.now();
        return true;
    }
    return false;
}
"""
# --basemap: PDOK's background map, from the browser tests' stand-in of its style (PDOK
# itself is out of reach here), and drawn means drawn on it.
DRAWN_ON_BASEMAP_JS = f"""
(selector) => {{
    const el = document.querySelector(selector);
    if (!el || !el.layout || !el.layout.map || typeof el.layout.map.style !== 'object') {{
        return false;
    }}
    return ({DRAWN_JS})(selector);
}}
"""
# The floor: MapLibre with nothing else. Plotly's bundle carries MapLibre but does not
# export it, so the page takes the Map class from a throw-away 1-pixel Plotly map (its cost,
# "ctor", is in the floor and printed), then draws the boundaries as Plotly would: one
# GeoJSON source, a fill coloured per region (a match on the code) and white outlines.
FLOOR_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>floor</title></head>
<body style="margin:0">
<div id="tiny" style="width:1px;height:1px;position:absolute;left:-10px"></div>
<div id="m" style="width:820px;height:600px"></div>
<script src="plotly.js"></script>
<script>
(async () => {
    const tiny = document.getElementById('tiny');
    // The app's bundle has only the map traces the app draws: choroplethmap.
    await Plotly.newPlot(tiny, [{type: 'choroplethmap', locations: [], z: [],
                                 geojson: {type: 'FeatureCollection', features: []}}],
                         {map: {style: 'white-bg'}});
    const Map = tiny._fullLayout.map._subplot.map.constructor;
    Plotly.purge(tiny);
    window.__zowCtorAt = performance.now();
    // ?geo=FILE&line=0: another boundaries file, no outlines (to weigh the levers).
    const query = new URLSearchParams(location.search);
    const colours = await (await fetch('colours.json')).json();
    const map = new Map({
        container: 'm', center: [5.3, 52.2], zoom: 6.2, attributionControl: false,
        style: {version: 8, sources: {}, layers: [
            {id: 'bg', type: 'background', paint: {'background-color': '#ffffff'}}]},
    });
    map.on('load', () => {
        map.addSource('w', {type: 'geojson', data: query.get('geo') || 'geo.json'});
        map.addLayer({id: 'fill', type: 'fill', source: 'w', paint: {
            'fill-color': ['match', ['get', 'code'], ...colours, '#c8c8c8'],
            'fill-opacity': 0.95}});
        if (query.get('line') !== '0') {
            map.addLayer({id: 'line', type: 'line', source: 'w',
                          paint: {'line-color': '#ffffff', 'line-width': 0.4}});
        }
        window.__zowMap = map;
    });
})();
</script></body></html>
"""
# Bytes on the wire for the page and everything it fetched; and the boundaries' request.
WIRE_JS = """
() => performance.getEntriesByType('navigation')[0].transferSize
    + performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0)
"""
GEO_SEEN_JS = """
() => performance.getEntriesByType('resource').filter(r => r.name.includes('/geo/'))
    .map(r => [r.name, r.encodedBodySize, r.decodedBodySize])
"""
FLOOR_DRAWN_JS = """
() => {
    if (window.__zowDrawnAt) { return true; }
    const map = window.__zowMap;
    if (map && map.isSourceLoaded('w') && map.loaded() && map.areTilesLoaded()) {
        window.__zowDrawnAt = performance.now();
        return true;
    }
    return false;
}
"""


def first_map_files(store: Path, folder: Path) -> dict[str, Path]:
    """The anchor's and the floor's inputs, from the store: the boundaries as the app serves
    them at full detail (the anchor and the floor draw those), the values, the floor page."""
    from dashboard.data import Store
    from dashboard.figures import PALETTE, class_index, classify

    db = Store(store)
    frame = db.values("inwoners", 2024, "wijk")
    geo = folder / "geo.json"
    geo.write_text(db.geojson_text(2024, "wijk"))
    values = folder / "values.json"
    values.write_text(json.dumps([
        {"code": c, "name": n, "value": None if v != v else float(v)}
        for c, n, v in zip(frame["code"], frame["name"], frame["value"], strict=True)]))
    classes = classify(frame["value"], "neutral")
    index = class_index(frame["value"], classes)
    colours: list[str] = []
    for code, i in zip(frame["code"], index, strict=True):
        if i == i:
            colours += [code, PALETTE[int(i)]]
    (folder / "colours.json").write_text(json.dumps(colours))
    (folder / "index.html").write_text(FLOOR_HTML)
    shutil.copy(ROOT / "dashboard" / "assets" / "plotly-partial.min.js", folder / "plotly.js")
    return {"geo": geo, "values": values}


def start_anchor(files: dict[str, Path]) -> tuple[str, Callable[[], None]]:
    """benchmarks/anchor_app.py in its own process, as `python anchor_app.py` runs it."""
    return start_process([sys.executable, str(ROOT / "benchmarks" / "anchor_app.py"),
                          str(files["geo"]), str(files["values"]), "--port"])


APP_PROCESS = """
import os, sys
os.environ["ZOW_REPLY_CACHE"] = "off"
sys.path.insert(0, sys.argv[1])
import logging
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from werkzeug.serving import run_simple
from dashboard.app import create_app
run_simple("127.0.0.1", int(sys.argv[3]), create_app(sys.argv[2]).server, threaded=True)
"""


def start_process(argv: list[str], cwd: Path | None = None) -> tuple[str, Callable[[], None]]:
    """A server in its own process on a free port (the port is argv's last item, added
    here); (base URL, stop) once it answers."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([*argv, str(port)], cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.5)
    else:
        process.kill()
        sys.exit(f"{argv} did not start")

    def stop() -> None:
        process.terminate()
        process.wait(timeout=10)

    return base, stop


def start_app(code: Path, store: Path) -> tuple[str, Callable[[], None]]:
    """The app of the code in folder CODE (this checkout, or another one: --before) over
    STORE, in its own process, on werkzeug as the anchor runs on it."""
    return start_process([sys.executable, "-c", APP_PROCESS, str(code), str(store)], cwd=code)


def first_map(store: Path, loads: int, throttle: float, before: Path | None = None,
              basemap: bool = False) -> None:
    """(e): navigation → drawn map of all 2024 wijken, median of cold loads (a new browser
    context each), interleaved: this app, the plain-Dash anchor, bare MapLibre (and the app
    of another checkout, ``--before``, on the same store). With ``basemap`` the apps draw
    on PDOK's background map (a local stand-in of its style)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import fulfil_basemap_standin

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = first_map_files(store, folder)
        app_base, stop_app = start_app(ROOT, store)
        if before is not None:
            before_base, stop_before = start_app(before.resolve(), store)
        anchor_base, stop_anchor = start_anchor(files)
        handler = functools.partial(QuietFiles, directory=str(folder))
        floor_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=floor_server.serve_forever, daemon=True).start()
        floor_base = f"http://127.0.0.1:{floor_server.server_port}"
        app_drawn = DRAWN_ON_BASEMAP_JS if basemap else DRAWN_JS
        cases = {
            "app": (app_base + FIRST_MAP_URL, app_drawn, "#map .js-plotly-plot"),
            "anchor": (anchor_base + "/", DRAWN_JS, "#map .js-plotly-plot"),
            "floor": (floor_base + "/index.html", FLOOR_DRAWN_JS, None),
        }
        if before is not None:
            cases["before"] = (before_base + FIRST_MAP_URL, app_drawn, "#map .js-plotly-plot")
        times: dict[str, list[float]] = {name: [] for name in cases}
        phases: dict[str, list[float]] = {name: [] for name, _ in PHASES}
        ctor: list[float] = []
        wire: dict[str, list[float]] = {name: [] for name in cases}
        geo_seen: list[Any] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     args=CHROMIUM_ARGS)
                try:
                    names = list(cases)
                    for round_ in range(loads + 1):  # round 0 warms the servers, not kept
                        # Rotate the order, so that no case always follows the same one.
                        turn = round_ % len(names)
                        for name in names[turn:] + names[:turn]:
                            url, drawn, selector = cases[name]
                            context = browser.new_context(viewport=VIEWPORT)
                            # The background map (online) is not part of this comparison,
                            # unless asked for (--basemap: a stand-in of its style).
                            if basemap:
                                context.route("https://api.pdok.nl/**", fulfil_basemap_standin)
                            else:
                                context.route("https://api.pdok.nl/**", lambda r: r.abort())
                            page = context.new_page()
                            if throttle > 1:
                                cdp = context.new_cdp_session(page)
                                cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                            if name == "app":
                                page.add_init_script(PHASES_INIT_JS)
                            page.goto(url)
                            page.wait_for_function(drawn, arg=selector, polling="raf",
                                                   timeout=180_000)
                            if round_:
                                times[name].append(page.evaluate("window.__zowDrawnAt"))
                                if name == "app":
                                    seen = page.evaluate(PHASES_READ_JS)
                                    for key in phases:
                                        if seen.get(key) is not None:
                                            phases[key].append(seen[key])
                                wire[name].append(page.evaluate(WIRE_JS))
                                if name == "app":
                                    geo_seen = page.evaluate(GEO_SEEN_JS)
                                if name == "floor":
                                    ctor.append(page.evaluate("window.__zowCtorAt"))
                            context.close()
                finally:
                    browser.close()
        finally:
            floor_server.shutdown()
            stop_anchor()
            stop_app()
            if before is not None:
                stop_before()
        geo_bytes = files["geo"].stat().st_size
        geo_gz = len(gzip.compress(files["geo"].read_bytes(), compresslevel=6))
    app_geo = "; ".join(f"{url.split('/geo/')[-1]} {encoded / 1e6:.2f} MB on the wire "
                        f"({decoded / 1e6:.2f} MB)" for url, encoded, decoded in geo_seen)
    med = {name: statistics.median(ms) / 1000 for name, ms in times.items()}
    print()
    print(f"(e) first map: navigation → drawn map of all 2024 wijken ({FIRST_MAP_URL}), "
          f"{loads} cold loads each, interleaved, CPU throttle {throttle:g}×"
          + ("; the apps on the background map (a stand-in of PDOK's style)" if basemap else ""))
    print(f"    boundaries the anchor and the floor draw: {geo_bytes / 1e6:.2f} MB "
          f"(gzip {geo_gz / 1e6:.2f} MB); the app's first map loads {app_geo}")
    for name, label in (("app", "this app"), ("anchor", "plain Dash, GeoJSON inline (anchor)"),
                        ("floor", "bare MapLibre (floor)"), ("before", f"the app of {before}")):
        if name not in times:
            continue
        print(f"    {label:38s} median {med[name]:5.2f} s   "
              f"{statistics.median(wire[name]) / 1e6:4.2f} MB on the wire   runs "
              + " ".join(f"{ms / 1000:.2f}" for ms in times[name]))
    print(f"    (floor: of which {statistics.median(ctor) / 1000:.2f} s to take MapLibre "
          "from the Plotly bundle)")
    print(f"    ratio app/anchor   {med['app'] / med['anchor']:.2f}   (target ≤ 0.5)")
    print(f"    ratio floor/anchor {med['floor'] / med['anchor']:.2f}")
    if "before" in med:
        print(f"    ratio before/anchor {med['before'] / med['anchor']:.2f}")
    print("    this app, median ms since navigation start:")
    for name, label in PHASES:
        if phases[name]:
            print(f"      {label:34s} {statistics.median(phases[name]):7.0f}")


# ------------------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "data" / "zow.duckdb")
    parser.add_argument("--mirror", type=Path, default=ROOT.parent / "shared" / "cbs-mirror")
    parser.add_argument("--runs", type=int, default=30, help="replays of the switch")
    parser.add_argument("--loads", type=int, default=5, help="page loads to a drawn map")
    parser.add_argument("--first-map", action="store_true",
                        help="only (e): this app, the anchor and the floor to a drawn map")
    parser.add_argument("--cpu-throttle", type=float, default=1.0,
                        help="slow the page's CPU down this many times (CDP), e.g. 4")
    parser.add_argument("--before", type=Path, default=None,
                        help="with --first-map: also the app of this checkout (e.g. a git "
                             "worktree of main), on the same store")
    parser.add_argument("--basemap", action="store_true",
                        help="with --first-map: the apps draw on the background map, from a "
                             "local stand-in of PDOK's style")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"chromium not found at {CHROMIUM}")
    ensure_store(args.store, args.mirror)
    if args.first_map:
        first_map(args.store.resolve(), args.loads, args.cpu_throttle, args.before,
                  args.basemap)
        return

    base, stop = serve(args.store.resolve())
    try:
        captured, draw, phases = browser_part(base, args.loads)
        switch = replay(captured, args.runs)
        content = replay(captured["page"], max(args.runs // 3, 3))
        first = first_load_bytes(base)
    finally:
        stop()
    naive_raw, naive_gz = naive_figure_bytes(args.store)
    floor = bare_map_floor(args.store, args.loads)

    body = json.loads(captured["body"])
    print()
    print(f"Store {args.store}; indicator switch inwoners → woz_waarde, all NL wijken 2024 "
          f"(request {len(captured['body']):,} B, outputs: {len(body.get('outputs', []))}); "
          f"{args.runs} replays, {args.loads} page loads")
    print()
    rows = [
        ("(a) switch reply, no compression", f"{switch['identity']['bytes'] / 1000:,.1f} KB",
         f"{switch['identity']['median_ms']:.1f} ms (first {switch['identity']['first_ms']:.1f})",
         f"≤ {TARGET_BYTES // 1000} KB, ≤ {TARGET_MS:.0f} ms"),
        ("(a) switch reply, gzip", f"{switch['gzip']['bytes'] / 1000:,.1f} KB",
         f"{switch['gzip']['median_ms']:.1f} ms (first {switch['gzip']['first_ms']:.1f})",
         f"≤ {TARGET_BYTES // 1000} KB, ≤ {TARGET_MS:.0f} ms"),
        ("(a) switch round trip seen by client", "",
         f"{switch['identity']['client_ms']:.1f} / {switch['gzip']['client_ms']:.1f} ms", ""),
        ("(b) naive figure, GeoJSON inline", f"{naive_raw / 1000:,.1f} KB",
         f"gzip {naive_gz / 1000:,.1f} KB", "reference"),
        *[(f"    first load: {name}", f"{raw / 1000:,.1f} KB", f"gzip {gz / 1000:,.1f} KB",
           "cached a day (ETag)") for name, (raw, gz) in first.items()],
        ("    first load: page content callback", f"{content['identity']['bytes'] / 1000:,.1f} KB",
         f"gzip {content['gzip']['bytes'] / 1000:,.1f} KB, {content['gzip']['median_ms']:.0f} ms",
         "server time incl. gzip"),
        ("(c) navigation → drawn map, cold cache",
         f"median {statistics.median(draw['cold']):.2f} s",
         "runs " + " ".join(f"{s:.2f}" for s in draw["cold"]), f"≤ {TARGET_DRAW_S} s"),
        ("(c) navigation → drawn map, warm cache",
         f"median {statistics.median(draw['warm']):.2f} s",
         "runs " + " ".join(f"{s:.2f}" for s in draw["warm"]), f"≤ {TARGET_DRAW_S} s"),
        *[(f"(d) bare page, newPlot → drawn, {name}",
           f"median {statistics.median(ms) / 1000:.2f} s",
           "runs " + " ".join(f"{m / 1000:.2f}" for m in ms), "floor under (c)")
          for name, ms in floor.items()],
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("measure", "size / median", "time / detail", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print()
    print("Cold load to a drawn map, median ms since navigation start:")
    for name, label in PHASES:
        if phases[name]:
            print(f"  {label:34s} {statistics.median(phases[name]):7.0f}")
    print()
    ok_bytes = switch["gzip"]["bytes"] <= TARGET_BYTES
    ok_ms = switch["gzip"]["median_ms"] <= TARGET_MS
    ok_draw = statistics.median(draw["cold"]) <= TARGET_DRAW_S
    print(f"switch bytes (gzip) {'OK' if ok_bytes else 'OVER'}; switch server time "
          f"{'OK' if ok_ms else 'OVER'}; time to drawn map (cold) {'OK' if ok_draw else 'OVER'}")


if __name__ == "__main__":
    main()
