"""An unknown address in a real browser: HTTP 404, and the app's own not-found page (Dutch
first, then English, with links on), not a blank page. Screenshot in test-output/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import WAIT_MS, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/nope", "/gebied/", "/nope?lang=en"])
def test_unknown_address_shows_the_not_found_page(page: Any, live_app: str, path: str,
                                                  output_dir: Path) -> None:
    response = page.goto(live_app + path)
    assert response is not None and response.status == 404
    page.wait_for_selector("#not-found", timeout=WAIT_MS)
    heading = page.locator("#not-found h1").inner_text()
    assert heading.index("Pagina niet gevonden") < heading.index("Page not found")
    assert page.locator("#not-found [lang=en]").count() >= 2  # read out in English
    hrefs = page.locator("#not-found a").evaluate_all("links => links.map(a => a.href)")
    assert live_app + ("/?lang=en" if "lang=en" in path else "/") in hrefs, hrefs
    assert any(h.startswith(live_app + "/vergelijken") for h in hrefs), hrefs
    assert "Zicht op wijken" in page.title()
    if path == "/nope":
        shot(page, output_dir, "not-found")
    # The page itself loads cleanly: only the document is a 404.
    assert page.server_errors == [] and page.failed_requests == []
    assert all("404" in error for error in page.console_errors), page.console_errors
