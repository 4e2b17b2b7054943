"""The partial plotly.js bundle (dashboard/assets/plotly-partial.min.js, built by
tools/plotly-bundle): the same plotly.js version the installed plotly ships, served instead
of the full plotly.min.js, and drawing every trace type the pages use as that type (an
unregistered type would silently become a scatter). Beside it, Plotly's Dutch texts
(plotly-locale-nl.js): a graph's buttons speak the page's language. And the bundle's one
additions: region borders of width 0 are hairlines, without a line layer, and the maps do
not fade (tools/plotly-bundle/entry.js)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from plotly.offline import get_plotlyjs_version

from dashboard.figures import BORDERS
from tests.browser import (
    WAIT_MS,
    choose,
    figure_state,
    map_fades,
    wait_for_map,
    wait_for_new_figure,
    wait_for_url,
)

ASSETS = Path(__file__).resolve().parents[1] / "dashboard" / "assets"
BUNDLE = ASSETS / "plotly-partial.min.js"
LOCALE_NL = ASSETS / "plotly-locale-nl.js"

# Per drawn graph: the trace types asked for and the types Plotly made of them.
TRACE_TYPES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd) => ({
    asked: (gd.data || []).map((t) => t.type || 'scatter'),
    drawn: (gd._fullData || []).map((t) => t.type),
}))
"""

PAGES = {
    "map": ("/?indicator=inwoners&jaar=2024&niveau=wijk", "#map .js-plotly-plot", 1),
    "profile": ("/gebied/GM0363", ".js-plotly-plot", 1),
    "compare": ("/vergelijken?regios=GM0363,WK0363AB,WK0363AE&jaar=2024&gemeente=GM0363"
                "&x=woz_waarde&y=koopwoningen", "#scatter-graph .js-plotly-plot .scatterlayer",
                2),
}


def test_bundle_is_the_plotly_js_version_plotly_ships() -> None:
    banner = BUNDLE.read_text(encoding="utf-8")[:300]
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", banner)
    assert found, banner
    assert found.group(1) == get_plotlyjs_version(), (
        "plotly was upgraded: rebuild the bundle with `make plotly-bundle`")
    locale = re.search(r"plotly\.js v(\d+\.\d+\.\d+) locale nl", LOCALE_NL.read_text()[:200])
    assert locale and locale.group(1) == get_plotlyjs_version()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_draws_every_trace_as_its_own_type_without_full_plotly(
    page: Any, live_app: str, name: str
) -> None:
    path, ready, min_graphs = PAGES[name]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_app + path)
    page.wait_for_selector(ready, timeout=WAIT_MS)
    if name == "map":
        wait_for_map(page)

    assert page.evaluate("() => window.Plotly && window.Plotly.version") == \
        get_plotlyjs_version()
    assert any(url.split("?")[0].endswith("/assets/plotly-partial.min.js") for url in requested)
    assert not [url for url in requested if "plotly.min.js" in url]
    graphs = page.evaluate(TRACE_TYPES_JS)
    assert len(graphs) >= min_graphs
    assert sum(len(g["asked"]) for g in graphs) > 0
    for graph in graphs:
        assert graph["drawn"] == graph["asked"]
    assert page.console_errors == []


MODEBAR_TITLES_JS = """
() => Array.from(document.querySelectorAll('#map .modebar-btn'))
    .map((button) => button.getAttribute('data-title'))
"""


def test_map_buttons_speak_the_page_language(page: Any, live_app: str) -> None:
    titles = {}
    for lang in ("nl", "en"):
        page.goto(f"{live_app}/?indicator=inwoners&jaar=2024&niveau=gemeente&lang={lang}")
        wait_for_map(page)
        titles[lang] = page.evaluate(MODEBAR_TITLES_JS)
    assert "Zoom in" in titles["en"] and "Reset view" in titles["en"]
    assert len(titles["nl"]) == len(titles["en"]) > 0
    untranslated = [en for nl, en in zip(titles["nl"], titles["en"], strict=True) if nl == en]
    assert untranslated == []
    assert "Inzoomen" in titles["nl"] and "Beginweergave herstellen" in titles["nl"]
    assert page.console_errors == []


# Per trace of the map: how MapLibre holds its two layers, and every change of a line
# layer's visibility since the hook was put in (window.__zowLineSwitches).
MAP_LAYERS_JS = """
() => {
    const gd = document.querySelector('#map .js-plotly-plot');
    const map = gd._fullLayout.map._subplot.map;
    return gd._fullData.map((trace) => {
        const id = 'plotly-trace-layer-' + trace.uid;
        return {
            regions: (trace.locations || []).length,
            line: map.getLayoutProperty(id + '-line', 'visibility'),
            width: map.getPaintProperty(id + '-line', 'line-width'),
            outline: map.getPaintProperty(id + '-fill', 'fill-outline-color') || null,
        };
    });
}
"""
HOOK_LINE_SWITCHES_JS = """
() => {
    const map = document.querySelector('#map .js-plotly-plot')._fullLayout.map._subplot.map;
    window.__zowLineSwitches = [];
    const set = map.setLayoutProperty;
    map.setLayoutProperty = function (id, name, value) {
        if (name === 'visibility' && id.endsWith('-line')
            && this.getLayoutProperty(id, name) !== value) {
            window.__zowLineSwitches.push([id, value]);
        }
        return set.apply(this, arguments);
    };
}
"""


def test_region_borders_are_hairlines_without_a_line_layer(page: Any, live_app: str) -> None:
    """The white borders between regions are MapLibre's one-pixel fill outline (width 0 in
    the figure, tools/plotly-bundle/entry.js): no line layer is built for them, also after
    an indicator switch, which never turns one on and off again (MapLibre would tile the
    regions once more). The selected region keeps its thick black line."""
    base = f"{live_app}/?indicator=inwoners&jaar=2024&niveau=wijk&gemeente=GM0518"
    page.goto(base)
    wait_for_map(page)
    code = figure_state(page)["locations"][0]
    page.goto(f"{base}&regio={code}")
    wait_for_map(page)
    _, values, outline = page.evaluate(MAP_LAYERS_JS)
    assert values["regions"] > 1
    assert values["line"] == "none"
    assert values["outline"] == BORDERS["color"]
    assert outline["regions"] == 1
    assert outline["line"] == "visible" and outline["width"] == 3
    assert outline["outline"] is None
    assert map_fades(page) == {"duration": 0, "delay": 0}  # Plotly's white map, no fades

    page.evaluate(HOOK_LINE_SWITCHES_JS)
    before = figure_state(page)
    choose(page, "indicator", "WOZ")
    wait_for_url(page, "indicator=woz_waarde")
    wait_for_new_figure(page, before)
    _, values, outline = page.evaluate(MAP_LAYERS_JS)
    assert values["line"] == "none" and values["outline"] == BORDERS["color"]
    assert outline["line"] == "visible" and outline["regions"] == 1
    assert page.evaluate("window.__zowLineSwitches") == []
    assert page.console_errors == []
