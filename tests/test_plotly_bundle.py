"""The partial plotly.js bundle (dashboard/assets/plotly-partial.min.js, built by
tools/plotly-bundle): the same plotly.js version the installed plotly ships, served instead
of the full plotly.min.js, and drawing every trace type the pages use as that type (an
unregistered type would silently become a scatter). Beside it, Plotly's Dutch texts
(plotly-locale-nl.js): a graph's buttons speak the page's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from plotly.offline import get_plotlyjs_version

from tests.browser import WAIT_MS, wait_for_map

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
