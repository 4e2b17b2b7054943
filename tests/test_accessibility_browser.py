"""Every page passes an automated accessibility audit (axe-core, WCAG 2.2 A/AA and axe's
best practices) in the real browser, in Dutch and English; <html> carries the language of
the page shown.

An audit finds what a machine can find (landmarks, names, roles, contrast, language); the
keyboard and screen-reader behaviour is tested in the page tests. Three findings sit in
markup of libraries we use, not ours, and are let through by rule and element only:
- Dash 4's dcc.Dropdown renders a hidden focus input (class dash-dropdown-focus-target,
  aria-hidden with tabindex 0): aria-hidden-focus.
- AG Grid's paged grids: its header row (aria-required-children) and its scrolling body
  (scrollable-region-focusable).
Any other finding, or one of these on other elements, fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import wait_for_map, wait_until_idle

pytestmark = pytest.mark.browser

AXE = Axe()
RULES = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"]}
# (rule, a class the element must have): findings in the libraries' own markup.
THIRD_PARTY = {
    ("aria-hidden-focus", 'class="dash-dropdown-focus-target"'),
    ("aria-required-children", 'class="ag-header-row ag-header-row-column"'),
    ("scrollable-region-focusable", 'class="ag-body-viewport'),
}
PAGES = {
    "map-nl": ("/?indicator=inwoners&jaar=2024&niveau=wijk&gemeente=GM0363", "nl"),
    "map-en": ("/?indicator=inwoners&jaar=2024&niveau=wijk&gemeente=GM0363&lang=en", "en"),
    "compare-nl": ("/vergelijken?regios=GM0363,WK0363AB&jaar=2024&ranking=woz_waarde"
                   "&gemeente=GM0363&x=woz_waarde&y=koopwoningen", "nl"),
    "compare-en": ("/vergelijken?regios=GM0363,WK0363AB&jaar=2024&lang=en", "en"),
    "profile-nl": ("/gebied/WK0363AB", "nl"),
    "profile-en": ("/gebied/GM0363?lang=en", "en"),
    "monitor-nl": ("/nplv", "nl"),
    "monitor-en": ("/nplv?lang=en&thema=wonen&sort=-worse_nl", "en"),
}


def ours(violations: list[dict[str, Any]]) -> list[str]:
    """The findings left once the libraries' own markup is set aside, one line each."""
    found = []
    for violation in violations:
        for node in violation["nodes"]:
            if any(violation["id"] == rule and mark in node["html"]
                   for rule, mark in THIRD_PARTY):
                continue
            found.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} "
                         f"at {node['target']}: {node['html'][:160]}")
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_page_passes_the_audit(page: Any, live_app: str, name: str) -> None:
    path, lang = PAGES[name]
    page.goto(live_app + path)
    if name.startswith("map"):
        wait_for_map(page)
        page.locator("#table .ag-row").first.wait_for(state="attached")
    else:
        page.locator("h1").first.wait_for()
    wait_until_idle(page)
    page.wait_for_function("(lang) => document.documentElement.lang === lang", arg=lang)

    results = AXE.run(page, options=RULES).response
    found = ours(results["violations"])
    assert found == [], "\n".join(found)
    assert page.console_errors == []


def test_language_on_html_follows_the_language_switch(page: Any, live_app: str) -> None:
    page.goto(live_app + "/gebied/GM0363")
    page.locator("h1").first.wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "nl"
    page.locator("#language-switch").click()
    page.wait_for_function("() => location.search.includes('lang=en')")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
