"""Browser test helpers: the real app on a free port, Debian chromium through Playwright,
and small helpers that read the drawn map back from Plotly's own state in the page.

The fixtures (live_app, browser, browser_context, page) are registered once, in
tests/conftest.py: test modules just name them as arguments. Binding them again in a module
would make a second session fixture, and a second sync Playwright inside the first fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1366, "height": 900}
# How long a wait on a condition may take before it fails. Waits return as soon as their
# condition holds, so a generous cap costs nothing when the page is quick, and a loaded
# 2-core machine (software WebGL, a busy server) does not fail a test that is right.
WAIT_MS = int(float(os.environ.get("ZOW_TEST_WAIT_S", "120")) * 1000)

# Console messages that are noise, not faults: software WebGL reporting GPU stalls.
BENIGN_CONSOLE = ("GL Driver Message", "WebGL", "GPU stall", "ReadPixels")
# The online background map, unreachable here as on any offline machine: the page asks,
# the request fails (the browser says so in its console), the map stays plain. Tests that
# want the background map serve a stand-in (BASEMAP_STANDIN below).
BASEMAP_HOST = "https://api.pdok.nl/"
# A stand-in of PDOK's style where a test (or benchmarks/dashboard.py --basemap) wants the
# background map: a background and one label layer, for the regions to go under.
BASEMAP_STANDIN = {
    "version": 8,
    "sources": {"empty": {"type": "geojson",
                          "data": {"type": "FeatureCollection", "features": []}}},
    "layers": [{"id": "achtergrond", "type": "background",
                "paint": {"background-color": "#eeeeee"}},
               {"id": "plaatsnamen", "type": "symbol", "source": "empty", "layout": {}}],
}


def fulfil_basemap_standin(route: Any) -> None:
    """Answer a request to PDOK with the stand-in style (``context.route`` handler)."""
    route.fulfill(status=200, content_type="application/json",
                  body=json.dumps(BASEMAP_STANDIN),
                  headers={"Access-Control-Allow-Origin": "*"})

# Counts Plotly's "afterplot" events of the map in window.__zowAfterplots, so that a wait
# can tell a redraw that has happened from one still to come.
HOOK_JS = """
(() => {
    window.__zowAfterplots = 0;
    const hook = () => {
        for (const el of document.querySelectorAll('#map .js-plotly-plot')) {
            if (!el.__zowHooked && typeof el.on === 'function') {
                el.__zowHooked = true;
                el.on('plotly_afterplot', () => { window.__zowAfterplots += 1; });
            }
        }
        requestAnimationFrame(hook);
    };
    requestAnimationFrame(hook);
})();
"""

# The map is drawn: Plotly has both traces, Plotly has plotted since ``after`` (an
# afterplot count, or null), MapLibre holds a source for every trace with regions, has
# loaded and tiled them and is not moving, and all of that has held for 300 ms.
MAP_DRAWN_JS = """
(after) => {
    const reset = () => { window.__zowOkSince = null; return false; };
    const el = document.querySelector('#map .js-plotly-plot');
    if (!el || !el._fullData || el._fullData.length !== 3) { return reset(); }
    if (after !== null && (window.__zowAfterplots || 0) <= after) { return reset(); }
    const sub = el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
    if (!sub || !sub.map || !sub.map.getStyle()) { return reset(); }
    const map = sub.map;
    const sources = Object.keys(map.getStyle().sources).filter(id => id.startsWith('source-'));
    const drawnTraces = el._fullData.filter(t => t.locations && t.locations.length).length;
    if (drawnTraces < 1 || sources.length < drawnTraces || !map.loaded()
        || !map.areTilesLoaded() || map.isMoving()) {
        return reset();
    }
    const now = performance.now();
    if (!window.__zowOkSince) { window.__zowOkSince = now; }
    return now - window.__zowOkSince >= 300;
}
"""

FIGURE_STATE_JS = """
() => {
    const el = document.querySelector('#map .js-plotly-plot');
    const base = el._fullData[0], values = el._fullData[1];
    const cb = values.colorbar || {};
    const m = el._fullLayout.map;
    const plain = (a) => a == null ? null : Array.from(a);
    return {
        geojson: typeof values.geojson === 'string' ? values.geojson : null,
        base_locations: plain(base.locations),
        base_name: base.name,
        locations: plain(values.locations),
        z: plain(values.z),
        customdata: plain(values.customdata),
        name: values.name,
        ticktext: plain(cb.ticktext),
        tickvals: plain(cb.tickvals),
        colorbar_title: cb.title ? cb.title.text : null,
        colorscale: values.colorscale,
        centre: m.center ? {lon: m.center.lon, lat: m.center.lat} : null,
        zoom: m.zoom,
        separators: el._fullLayout.separators,
        afterplots: window.__zowAfterplots || 0,
    };
}
"""


# ------------------------------------------------------------------------------ fixtures
@contextlib.contextmanager
def serving(app: Any, name: str = "zow-live-app") -> Iterator[str]:
    """A Dash app served by werkzeug on a free port of 127.0.0.1 in a thread; its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def live_app(app: Any) -> Iterator[str]:
    """The session's app over the built store, served by werkzeug on a free port."""
    with serving(app) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian chromium, headless (skips when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def browser_context(browser: Any) -> Iterator[Any]:
    """One context for the session (1366×900, Dutch locale), so pages share the HTTP cache
    as one person's tabs do; every test still gets a fresh page."""
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    context.route(BASEMAP_HOST + "**", lambda route: route.abort("internetdisconnected"))
    try:
        yield context
    finally:
        context.close()


def open_page(context: Any) -> Any:
    """A new page that records what went wrong while it was open: ``console_errors``
    (console errors and uncaught exceptions), ``failed_requests`` (requests that failed
    outright), ``server_errors`` (responses with status >= 500) and ``dialogs``."""
    new = context.new_page()
    new.add_init_script(HOOK_JS)
    new.console_errors = []
    new.failed_requests = []
    new.server_errors = []
    new.dialogs = []

    def on_console(message: Any) -> None:
        offline_basemap = (message.location or {}).get("url", "").startswith(BASEMAP_HOST)
        if (message.type == "error" and not offline_basemap
                and not any(b in message.text for b in BENIGN_CONSOLE)):
            new.console_errors.append(message.text)

    def on_dialog(dialog: Any) -> None:
        new.dialogs.append(dialog.message)
        dialog.dismiss()

    new.on("console", on_console)
    new.on("pageerror", lambda error: new.console_errors.append(f"uncaught: {error}"))
    new.on(
        "requestfailed",
        lambda request: None if request.url.startswith(BASEMAP_HOST)
        else new.failed_requests.append(f"{request.url} {request.failure}"),
    )
    new.on(
        "response",
        lambda response: new.server_errors.append(f"{response.status} {response.url}")
        if response.status >= 500 else None,
    )
    new.on("dialog", on_dialog)
    return new


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A fresh 1366×900 page with its error logs attached."""
    new = open_page(browser_context)
    try:
        yield new
    finally:
        new.close()


# ------------------------------------------------------------------------------- helpers
def wait_for_map(page: Any, after: int | None = None, timeout: float = WAIT_MS) -> None:
    """Until Plotly has both traces (and has plotted since the ``after`` count of its
    afterplot events) and MapLibre has drawn them."""
    page.evaluate("() => { window.__zowOkSince = null; }")
    page.wait_for_function(MAP_DRAWN_JS, arg=after, polling=50, timeout=timeout)


def map_fades(page: Any) -> Any:
    """The map style's transition as MapLibre holds it (None: MapLibre's 0.3 s fades)."""
    return page.evaluate("""() => document.querySelector('#map .js-plotly-plot')
        ._fullLayout.map._subplot.map.getStyle().transition || null""")


def afterplots(page: Any) -> int:
    """How often Plotly has plotted the map so far (to wait for the next time)."""
    return int(page.evaluate("() => window.__zowAfterplots || 0"))


def figure_state(page: Any) -> dict[str, Any]:
    """The drawn figure as Plotly holds it (full data of both traces, colour bar, view)."""
    return page.evaluate(FIGURE_STATE_JS)


def signature(state: dict[str, Any]) -> str:
    """What tells two drawn maps apart: regions, classes, values, legend."""
    keys = ("geojson", "locations", "z", "customdata", "ticktext", "colorbar_title", "name")
    return json.dumps({k: state[k] for k in keys}, sort_keys=True)


# The same signature in the page, computed from the drawn figure or from a state read
# before, so that the two compare as JavaScript sees them.
_SIG_JS = """
const sigOf = (s) => JSON.stringify([s.geojson, s.locations, s.z, s.customdata, s.ticktext,
                                     s.colorbar_title, s.name]);
const drawn = () => {
    const el = document.querySelector('#map .js-plotly-plot');
    if (!el || !el._fullData || el._fullData.length !== 3) { return null; }
    const v = el._fullData[1], cb = v.colorbar || {};
    const plain = (a) => a == null ? null : Array.from(a);
    return sigOf({geojson: typeof v.geojson === 'string' ? v.geojson : null,
                  locations: plain(v.locations), z: plain(v.z),
                  customdata: plain(v.customdata), ticktext: plain(cb.ticktext),
                  colorbar_title: cb.title ? cb.title.text : null, name: v.name});
};
"""


def _sig_arg(state: dict[str, Any]) -> dict[str, Any]:
    keys = ("geojson", "locations", "z", "customdata", "ticktext", "colorbar_title", "name")
    return {k: state[k] for k in keys}


def wait_for_new_figure(page: Any, before: dict[str, Any], timeout: float = WAIT_MS) -> dict:
    """Until the drawn figure differs from ``before`` and is drawn; the new state."""
    page.wait_for_function(
        f"""(old) => {{ {_SIG_JS}
            const now = drawn();
            return now !== null && now !== sigOf(old);
        }}""",
        arg=_sig_arg(before),
        polling=100,
        timeout=timeout,
    )
    wait_for_map(page, after=before["afterplots"])
    return figure_state(page)


def wait_for_figure(page: Any, expected: dict[str, Any], after: int | None,
                    timeout: float = WAIT_MS) -> dict:
    """Until the drawn figure equals ``expected`` (regions, values, legend) and is drawn,
    plotted since the ``after`` count of afterplot events."""
    page.wait_for_function(
        f"""(want) => {{ {_SIG_JS}
            return drawn() === sigOf(want);
        }}""",
        arg=_sig_arg(expected),
        polling=100,
        timeout=timeout,
    )
    wait_for_map(page, after=after)
    return figure_state(page)


def wait_for_url(page: Any, *parts: str, absent: tuple[str, ...] = (),
                 timeout: float = WAIT_MS) -> None:
    """Until the address bar holds every part (and none of ``absent``)."""
    page.wait_for_function(
        """([want, not_want]) => {
            const here = window.location.search;
            return want.every(p => here.includes(p)) && !not_want.some(p => here.includes(p));
        }""",
        arg=[list(parts), list(absent)],
        polling=50,
        timeout=timeout,
    )


def wait_for_text(page: Any, selector: str, text: str, timeout: float = WAIT_MS) -> None:
    """Until the element's visible text holds ``text``."""
    page.wait_for_function(
        """([selector, text]) => {
            const el = document.querySelector(selector);
            return !!el && el.innerText.includes(text);
        }""",
        arg=[selector, text], polling=50, timeout=timeout,
    )


def wait_until_idle(page: Any, timeout: float = WAIT_MS) -> None:
    """Until no Dash component is marked loading (no callback in flight)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
        polling=50, timeout=timeout,
    )


def wait_until(page: Any, condition: Callable[[], bool], what: str,
               timeout: float = WAIT_MS) -> None:
    """Until CONDITION, a test-side one (a request a route handler has held, say), holds;
    Playwright's events are handled meanwhile. Fails saying WHAT it waited for."""
    deadline = time.monotonic() + timeout / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited in vain for {what}")
        page.wait_for_timeout(50)


_FILTERED_JS = """(text) => {
    const first = document.querySelector('.dash-dropdown-content [role=option]');
    return !!first && first.textContent.toLowerCase().includes(text.toLowerCase());
}"""


def _open_and_filter(page: Any, control_id: str, text: str) -> Any:
    """Open a Dash 4 dcc.Dropdown and type ``text`` in its search box until the list shows
    a match first; the open popover."""
    wait_until_idle(page)
    page.locator(f"button#{control_id}").click()
    content = page.locator(".dash-dropdown-content")
    search = content.locator("input.dash-dropdown-search")
    search.wait_for(state="visible")
    for _ in range(3):
        # The popover moves focus to the selected option as it opens, and a busy renderer
        # can drop keys: type into the box until it holds the text.
        search.click()
        search.fill("")
        search.press_sequentially(text, delay=20)
        if search.input_value() == text:
            break
    try:
        page.wait_for_function(_FILTERED_JS, arg=text, polling=50, timeout=WAIT_MS)
    except Exception as exc:
        shown = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                '.dash-dropdown-content [role=option]')).map(o => o.textContent)"""
        )
        raise AssertionError(f"{control_id}: no option matching {text!r} in {shown}") from exc
    return content


def matching_options(page: Any, control_id: str, text: str) -> list[str]:
    """The options a dropdown lists for ``text`` typed in its search box (closed again)."""
    content = _open_and_filter(page, control_id, text)
    found = [o.strip() for o in content.locator("[role=option]").all_inner_texts()]
    page.keyboard.press("Escape")
    content.wait_for(state="detached")
    return found


def choose(page: Any, control_id: str, text: str) -> None:
    """Pick an option of a Dash 4 dcc.Dropdown as a person does: open it, type in its
    search box, press Enter (which takes the first match)."""
    content = _open_and_filter(page, control_id, text)
    content.locator("input.dash-dropdown-search").press("Enter")
    try:
        content.wait_for(state="detached", timeout=5_000)
    except Exception:  # a busy renderer can miss the key: pick the match with the mouse
        if content.count():
            content.locator("[role=option]").first.click()
        content.wait_for(state="detached", timeout=WAIT_MS)


def dropdown_text(page: Any, control_id: str) -> str:
    """The label a dcc.Dropdown shows as its value."""
    return page.locator(f"#{control_id}-value").inner_text().strip()


def checked_radio(page: Any, control_id: str) -> str:
    return page.locator(f"#{control_id} input[type=radio]:checked").get_attribute("value")


def controls_state(page: Any) -> dict[str, str]:
    """What the controls show."""
    return {
        "thema": dropdown_text(page, "thema"),
        "indicator": dropdown_text(page, "indicator"),
        "jaar": dropdown_text(page, "jaar"),
        "gemeente": dropdown_text(page, "gemeente"),
        "niveau": checked_radio(page, "niveau"),
    }


def screen_point(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where a longitude/latitude is on screen, through MapLibre's own projection."""
    point = page.evaluate(
        """([lon, lat]) => {
            const el = document.querySelector('#map .js-plotly-plot');
            const map = el._fullLayout.map._subplot.map;
            const p = map.project([lon, lat]);
            const box = map.getCanvas().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [lon, lat],
    )
    return float(point[0]), float(point[1])


def visible_bounds(page: Any) -> tuple[float, float, float, float]:
    """(west, south, east, north) of what the map shows."""
    box = page.evaluate(
        """() => {
            const el = document.querySelector('#map .js-plotly-plot');
            const b = el._fullLayout.map._subplot.map.getBounds();
            return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
        }"""
    )
    return tuple(float(v) for v in box)


def box_of(page: Any, selector: str) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of the first element matching, on screen."""
    return page.evaluate(
        """(sel) => {
            const el = document.querySelector(sel);
            if (!el) { return null; }
            const r = el.getBoundingClientRect();
            return [r.left, r.top, r.right, r.bottom];
        }""",
        selector,
    )


def palette_share(page: Any, palette: tuple[str, ...]) -> float:
    """The share of the map's pixels (as on screen) that show one of the palette's colours:
    a check that the values layer is really painted, not just present in Plotly's data."""
    box = box_of(page, "#map canvas")
    png = page.screenshot(clip={"x": box[0], "y": box[1], "width": box[2] - box[0],
                                "height": box[3] - box[1]})
    rgb = [[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in palette]
    return page.evaluate(
        """async ([data, rgb]) => {
            const img = new Image();
            img.src = 'data:image/png;base64,' + data;
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.width; canvas.height = img.height;
            const ctx = canvas.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const px = ctx.getImageData(0, 0, img.width, img.height).data;
            let hits = 0;
            for (let i = 0; i < px.length; i += 4) {
                for (const [r, g, b] of rgb) {
                    if (Math.abs(px[i] - r) + Math.abs(px[i + 1] - g)
                        + Math.abs(px[i + 2] - b) < 40) { hits += 1; break; }
                }
            }
            return hits / (px.length / 4);
        }""",
        [base64.b64encode(png).decode(), rgb],
    )


def shot(page: Any, output_dir: Path, name: str) -> Path:
    path = output_dir / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def assert_clean(page: Any) -> None:
    """No console errors, uncaught exceptions, failed requests or 5xx responses."""
    assert page.console_errors == [], page.console_errors
    assert page.server_errors == [], page.server_errors
    assert page.failed_requests == [], page.failed_requests
    assert page.dialogs == [], page.dialogs
