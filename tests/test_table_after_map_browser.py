"""The table beside the map comes after the map (issue 14): AG Grid's start no longer sits
between the visitor and the first map, and the table still comes by itself, with its rows,
when the map has been drawn, when the map cannot be drawn at all, and with the choices made
while it was on its way."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import (
    WAIT_MS,
    assert_clean,
    choose,
    wait_for_map,
    wait_for_url,
    wait_until,
)

pytestmark = pytest.mark.browser

URL = "/?indicator=inwoners&jaar=2024&niveau=wijk"
DEN_HAAG = "GM0518"
ROWS = "#table .ag-center-cols-container .ag-row[row-id]"
# The moment the grid comes into the page, and whether the map had been drawn by then.
GRID_ARRIVAL_JS = """
(() => {
    const drawn = () => {
        const el = document.querySelector('#map .js-plotly-plot');
        const sub = el && el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot;
        const map = sub && sub.map;
        if (!map || !map.getStyle() || !el._fullData) { return false; }
        const traces = el._fullData.filter(t => t.locations && t.locations.length).length;
        const sources = Object.keys(map.getStyle().sources)
            .filter(id => id.startsWith('source-')).length;
        return traces >= 1 && sources >= traces && map.loaded() && map.areTilesLoaded();
    };
    new MutationObserver((records, observer) => {
        if (document.querySelector('#table')) {
            window.__zowGridCame = {mapDrawn: drawn()};
            observer.disconnect();
        }
    }).observe(document, {childList: true, subtree: true});
})();
"""
# A browser without WebGL: MapLibre cannot start, so the map is never drawn.
NO_WEBGL_JS = """
(() => {
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
        return /webgl/.test(kind) ? null : getContext.call(this, kind, ...rest);
    };
})();
"""


def test_the_table_comes_once_the_map_is_drawn(page: Any, live_app: str) -> None:
    page.add_init_script(GRID_ARRIVAL_JS)
    page.goto(live_app + URL)
    page.locator(ROWS).first.wait_for(timeout=WAIT_MS)
    assert page.evaluate("window.__zowGridCame") == {"mapDrawn": True}
    # Its place was kept while it waited: the grid fills the slot, nothing jumped.
    slot = page.locator("#table-slot").bounding_box()
    grid = page.locator("#table").bounding_box()
    assert slot is not None and grid is not None and grid["height"] >= 400
    assert_clean(page)


def test_the_table_comes_when_the_map_cannot_be_drawn(page: Any, live_app: str) -> None:
    """In a browser without WebGL there is no map; the table, the map's stand-in for
    everyone, comes all the same (after a few seconds' wait for a map that never draws)."""
    page.add_init_script(NO_WEBGL_JS)
    page.goto(live_app + URL)
    page.locator(ROWS).first.wait_for(timeout=WAIT_MS)
    assert page.evaluate("document.createElement('canvas').getContext('webgl2')") is None
    assert page.locator(ROWS).count() == 20  # the first page of rows


# A slow map (as on a slow phone): MapLibre's messages to its worker wait until 6 s after
# the worker started, longer than the table's wait for a map to appear at all (4 s).
SLOW_MAP_JS = """
(() => {
    const Native = window.Worker;
    window.Worker = function (...args) {
        const worker = new Native(...args);
        const post = worker.postMessage.bind(worker);
        const queue = [];  // in their order: MapLibre's worker needs them so
        let open = false;
        setTimeout(() => { open = true; queue.splice(0).forEach((m) => post(...m)); }, 6000);
        worker.postMessage = (...message) => (open ? post(...message) : queue.push(message));
        return worker;
    };
})();
"""


def test_a_slow_map_still_comes_before_the_table(page: Any, live_app: str) -> None:
    """A map that is on its way but takes longer than 4 s is waited for: the grid's start
    would only slow it down more (on a phone-class CPU the first map takes ~5 s)."""
    page.add_init_script(SLOW_MAP_JS)
    page.add_init_script(GRID_ARRIVAL_JS)
    page.goto(f"{live_app}{URL}&gemeente={DEN_HAAG}")
    page.locator(ROWS).first.wait_for(timeout=WAIT_MS)
    assert page.evaluate("window.__zowGridCame") == {"mapDrawn": True}
    assert page.evaluate("performance.now()") > 6000
    assert_clean(page)


def test_a_choice_made_while_the_table_was_on_its_way_is_in_it(page: Any,
                                                              live_app: str) -> None:
    """The grid's own code is held back until another indicator has been chosen: the grid
    that then comes shows that indicator's column, not the first one's."""
    held: list[Any] = []
    grid_code = "**/dash_ag_grid/async-community.js*"
    page.route(grid_code, lambda route: held.append(route))
    page.goto(f"{live_app}{URL}&gemeente={DEN_HAAG}")
    wait_for_map(page)
    wait_until(page, lambda: bool(held), "the grid to ask for its code")
    choose(page, "indicator", "WOZ")
    wait_for_url(page, "indicator=woz_waarde")
    for route in held:
        route.continue_()
    page.unroute(grid_code)
    page.wait_for_function(
        """() => { const h = document.querySelector("#table .ag-header-cell[col-id='value']");
                   return h && h.textContent.includes('WOZ'); }""", timeout=WAIT_MS)
    page.locator(ROWS).first.wait_for(timeout=WAIT_MS)
