"""The area profile in a real browser: values against the store, sections, similar wijken,
focus areas, unknown codes, English, keyboard and print. Screenshots go to test-output/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.areas import aggregate, load_areas
from core.catalogue import SUBTHEMES
from dashboard.data import Store
from dashboard.i18n import format_number
from dashboard.views.profile import benchmark_colour
from tests.browser import WAIT_MS, assert_clean, shot

pytestmark = pytest.mark.browser


def open_profile(page: Any, live_app: str, path: str) -> None:
    page.goto(live_app + path)
    page.wait_for_selector("#profile-title, #profile-unknown", timeout=WAIT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=WAIT_MS
    )


def row_texts(page: Any, indicator_id: str) -> dict[str, str]:
    row = page.locator(f"tr[data-indicator='{indicator_id}']")
    out = {"value": row.locator("td.val-own").inner_text().strip(),
           "nl": row.locator("td.val-nl").text_content().strip(),
           "benchmark": row.locator(".bench").get_attribute("data-benchmark") or ""}
    if row.locator("td.val-gemeente").count():
        out["gemeente"] = row.locator("td.val-gemeente").text_content().strip()
    out["year"] = row.locator("td").nth(1).inner_text().strip()
    return out


def series_of(db: Store, indicator_id: str, code: str) -> pd.DataFrame:
    """The figures about the area the code names now (its latest indeling): figures of an
    earlier version of the code count only where it covered the same area."""
    figures = db.values_of([code], max(db.years_of_code(code)))
    return figures[figures["indicator_id"] == indicator_id].sort_values("year")


def latest(db: Store, indicator_id: str, code: str) -> tuple[int, float]:
    last = series_of(db, indicator_id, code).iloc[-1]
    return int(last["year"]), float(last["value"])


def shown(value: float | None) -> str:
    """What a reference cell holds: the number, or (visually a dash) 'geen gegevens'."""
    return "–geen gegevens" if value is None else format_number(value, "nl")


# -------------------------------------------------------------------------- gemeente
def test_gemeente_profile_shows_store_values(page: Any, live_app: str, db: Store,
                                             output_dir: Path) -> None:
    open_profile(page, live_app, "/gebied/GM0363")
    assert page.locator("#profile-title").inner_text().startswith("Amsterdam")
    assert page.title().startswith("Amsterdam (GM0363)")
    for theme in SUBTHEMES:
        if db.indicators_for(theme):
            section = page.locator(f"section#thema-{theme}")
            assert section.count() == 1, theme
            assert section.locator("h2").count() == 1
    year, value = latest(db, "inwoners", "GM0363")
    texts = row_texts(page, "inwoners")
    assert texts["value"] == format_number(value, "nl")
    assert texts["year"] == str(year)
    assert texts["nl"] == shown(db.value("inwoners", year, "NL00"))
    # a rate against NL, with the direction respected
    year, value = latest(db, "inkomen_per_inwoner", "GM0363")
    nl = db.value("inkomen_per_inwoner", year, "NL00")
    texts = row_texts(page, "inkomen_per_inwoner")
    assert texts["value"] == format_number(value, "nl")
    assert texts["benchmark"] == benchmark_colour(round(value, 1), round(nl, 1),
                                                  "higher_better")
    # focus areas of the gemeente are linked
    links = page.locator("#profile-focus-areas a")
    assert {links.nth(i).inner_text() for i in range(links.count())} == {
        "Amsterdam Zuidoost", "Amsterdam Nieuw-West"}
    assert "Bron: CBS" in page.locator("#attribution").inner_text()
    shot(page, output_dir, "profile-gemeente-GM0363")
    page.screenshot(path=str(output_dir / "profile-gemeente-GM0363-full.png"), full_page=True)
    assert_clean(page)


# ------------------------------------------------------------------------------ wijk
def test_wijk_profile_values_markers_and_trends(page: Any, live_app: str, db: Store,
                                                output_dir: Path) -> None:
    code = "WK020207"  # Klarendal, Arnhem
    open_profile(page, live_app, f"/gebied/{code}")
    assert page.locator("#profile-title").inner_text().startswith("Klarendal")
    assert page.locator("#profile-gemeente-link").inner_text() == "Arnhem"
    assert "Arnhem Oost" in page.locator("#profile-part-of").inner_text()
    for indicator_id in ("misdrijven_per_1000", "koopwoningen", "inkomen_per_inwoner"):
        year, value = latest(db, indicator_id, code)
        gemeente = db.value(indicator_id, year, "GM0202")
        texts = row_texts(page, indicator_id)
        assert texts["value"] == format_number(value, "nl"), indicator_id
        assert texts["gemeente"] == shown(gemeente), indicator_id
        assert texts["nl"] == shown(db.value(indicator_id, year, "NL00")), indicator_id
        direction = db.indicators[indicator_id].direction
        expected = benchmark_colour(round(value, 1), round(gemeente, 1), direction)
        assert texts["benchmark"] == (expected or "neutral"), indicator_id
    # lower is better for crime: the marker says so in words for screen readers
    bench = page.locator("tr[data-indicator='misdrijven_per_1000'] .bench")
    hidden = bench.locator(".visually-hidden").text_content()
    assert "Arnhem" in hidden and ("beter" in hidden or "slechter" in hidden)
    # counts are not judged against the gemeente
    count = page.locator("tr[data-indicator='misdrijven_totaal'] .bench")
    assert count.get_attribute("data-benchmark") == "count"
    # a trend over the police years: one unbroken line, drawn by plotly
    years = series_of(db, "misdrijven_totaal", code)["year"].tolist()
    assert len(years) >= 3
    spark = page.locator("tr[data-indicator='misdrijven_totaal'] [role=img]")
    assert spark.get_attribute("data-segments") == "1"
    label = spark.get_attribute("aria-label")
    assert all(str(y) in label for y in years)
    spark.locator(".js-plotly-plot").wait_for(timeout=WAIT_MS)
    shot(page, output_dir, "profile-wijk-WK020207")
    page.screenshot(path=str(output_dir / "profile-wijk-WK020207-full.png"), full_page=True)
    assert_clean(page)


def test_similar_wijken_links_and_theme_in_url(page: Any, live_app: str, db: Store,
                                               output_dir: Path) -> None:
    open_profile(page, live_app, "/gebied/WK020207")
    items = page.locator("#similar-list li")
    assert items.count() == 5
    codes = [items.nth(i).get_attribute("data-code") for i in range(5)]
    assert "WK020207" not in codes
    assert all(db.region(c) is not None for c in codes)
    explanation = page.locator("#similar-explanation").inner_text()
    assert "gestandaardiseerde" in explanation
    assert page.locator("label[for='similar-thema']").count() == 1

    # choose another theme: the list changes and the address says so
    before = codes
    page.locator("button#similar-thema").click()
    page.get_by_role("option", name="Werk & inkomen").click()
    page.wait_for_function("() => window.location.search.includes('thema=werk_inkomen')",
                           timeout=WAIT_MS)
    page.wait_for_function(
        """(old) => {
            const items = document.querySelectorAll('#similar-list li');
            const now = Array.from(items).map(li => li.dataset.code).join(',');
            return items.length > 0 && now !== old;
        }""",
        arg=",".join(before), timeout=WAIT_MS,
    )
    assert "Inkomen" in page.locator("#similar-body").inner_text() or \
        "inkomen" in page.locator("#similar-body").inner_text()
    assert "thema=werk_inkomen" in page.locator("#language-switch").get_attribute("href")
    shot(page, output_dir, "profile-similar-werk-inkomen")

    # follow the first link: its profile opens, keeping the theme
    first = page.locator("#similar-list li").first
    target = first.get_attribute("data-code")
    name = first.locator("a").inner_text()
    first.locator("a").click()
    page.wait_for_function(f"() => window.location.pathname === '/gebied/{target}'",
                           timeout=WAIT_MS)
    page.wait_for_function(
        "(name) => { const h = document.querySelector('#profile-title');"
        " return h && h.innerText.startsWith(name); }", arg=name, timeout=WAIT_MS,
    )
    assert "thema=werk_inkomen" in page.url
    assert page.locator("#similar-list li").count() >= 1
    assert_clean(page)


def test_reload_with_theme_in_url(page: Any, live_app: str) -> None:
    open_profile(page, live_app, "/gebied/WK020207?thema=veiligheid")
    assert page.locator("#similar-thema").inner_text().strip().startswith("Veiligheid")
    assert "misdrijven" in page.locator("#similar-body").inner_text().lower()
    open_profile(page, live_app, "/gebied/WK020207?thema=bestaat-niet")
    assert page.locator("#similar-thema").inner_text().strip().startswith("Wonen")
    assert_clean(page)


# ----------------------------------------------------------------------- focus areas
def test_group_profile_aggregates_and_says_approximate(page: Any, live_app: str, db: Store,
                                                      output_dir: Path) -> None:
    area = load_areas()["NPLV-LELYSTAD-OOST"]
    open_profile(page, live_app, "/gebied/NPLV-LELYSTAD-OOST")
    assert page.locator("#profile-title").inner_text().startswith("Lelystad Oost")
    # the note says "bij benadering" exactly when the composition is approximate
    assert ("bij benadering" in page.locator("#composition-note").inner_text()) == \
        area.approximate
    members = page.locator("#area-members a")
    assert members.count() == len(area.members_in(2024))
    # inhabitants: the sum of the member wijken in the store
    total = sum(db.value("inwoners", 2024, c) for c in area.members_in(2024))
    assert row_texts(page, "inwoners")["value"] == format_number(total, "nl")
    # a share: weighted by its denominator, not a plain mean
    shares = db.values("koopwoningen", 2024, "wijk")[["code", "value"]]
    stock = db.values("woningvoorraad", 2024, "wijk")[["code", "value"]].rename(
        columns={"value": "weight"})
    member_frame = pd.DataFrame({"code": list(area.members_in(2024))})
    expected = aggregate(member_frame.merge(shares, on="code", how="left"), stock,
                         "weighted_mean")
    text = row_texts(page, "koopwoningen")["value"]
    assert text.startswith(format_number(expected.value, "nl"))
    # an average over a known population (WOZ: over dwellings) is combined, weighted by it
    assert db.indicators["woz_waarde"].weight == "woningvoorraad"
    woz = page.locator("tr[data-indicator='woz_waarde']")
    assert woz.locator("td.val-own").get_attribute("data-reason") != "not_aggregatable"
    # a density cannot be combined without the land areas: not available, with the reason
    density = page.locator("tr[data-indicator='bevolkingsdichtheid']")
    assert density.locator("td.val-own").get_attribute("data-reason") == "not_aggregatable"
    assert "n.b." in density.locator("td.val-own").inner_text()
    # members link to their own profiles
    members.first.click()
    page.wait_for_function("() => window.location.pathname.startsWith('/gebied/WK0995')",
                           timeout=WAIT_MS)
    page.wait_for_selector("#profile-part-of", timeout=WAIT_MS)
    assert "Lelystad Oost" in page.locator("#profile-part-of").inner_text()
    page.go_back()
    page.wait_for_selector("#composition-note", timeout=WAIT_MS)
    page.screenshot(path=str(output_dir / "profile-group-lelystad-oost.png"), full_page=True)
    assert_clean(page)


def test_public_group_has_no_approximate_note(page: Any, live_app: str) -> None:
    open_profile(page, live_app, "/gebied/nplv-arnhem-oost")
    assert page.locator("#profile-title").inner_text().startswith("Arnhem Oost")
    note = page.locator("#composition-note").inner_text()
    assert "bij benadering" not in note and "openbare omschrijving" in note
    assert page.locator("#area-members a").count() == 7
    assert_clean(page)


# ---------------------------------------------------------------------- edge cases
@pytest.mark.parametrize("code", ["XX999", "NPLV-NERGENS", "WK99999999", "%3Cscript%3E"])
def test_unknown_code_shows_a_message(page: Any, live_app: str, output_dir: Path,
                                      code: str) -> None:
    open_profile(page, live_app, f"/gebied/{code}")
    alert = page.locator("#profile-unknown")
    assert alert.count() == 1
    assert "Geen gebied gevonden" in alert.inner_text()
    assert page.locator("#profile-back").get_attribute("href") == "/"
    assert "Traceback" not in page.content()
    if code == "XX999":
        shot(page, output_dir, "profile-unknown")
    # The address is no page: the document answers 404 (the console notes that), the page
    # itself loads cleanly.
    assert all("404" in error for error in page.console_errors), page.console_errors
    page.console_errors.clear()
    assert_clean(page)


def test_english_and_buurt(page: Any, live_app: str, db: Store, output_dir: Path) -> None:
    open_profile(page, live_app, "/gebied/GM0363?lang=en")
    assert page.locator("html").get_attribute("lang") == "en" or \
        page.locator("div[lang='en']").count() >= 1
    assert page.locator("#kop-wonen").inner_text() == "Housing"
    assert "Source: CBS" in page.locator("#attribution").inner_text()
    assert page.locator("#language-switch").get_attribute("href") == "/gebied/GM0363"
    _, value = latest(db, "inwoners", "GM0363")
    assert row_texts(page, "inwoners")["value"] == format_number(value, "en")
    # a buurt: any level opens
    buurt = db.regions(2024, "buurt")
    code = buurt.loc[buurt["gemeente_code"] == "GM0202", "code"].iloc[0]
    open_profile(page, live_app, f"/gebied/{code}?lang=en")
    assert page.locator("#profile-title").inner_text().startswith(
        str(db.region(code)["name"]))
    assert "Neighbourhood" in page.locator(".profile").inner_text()
    assert_clean(page)


def test_keyboard_reaches_theme_control_and_print_button(page: Any, live_app: str) -> None:
    open_profile(page, live_app, "/gebied/WK020207")
    reached: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        active = page.evaluate("() => document.activeElement && document.activeElement.id")
        if active:
            reached.add(active)
        if {"similar-thema", "profile-print"} <= reached:
            break
    assert {"similar-thema", "profile-print"} <= reached, reached


def test_print_gives_a_short_clean_report(page: Any, live_app: str, output_dir: Path) -> None:
    open_profile(page, live_app, "/gebied/WK020207")
    page.locator(".sparkline .js-plotly-plot").first.wait_for(timeout=WAIT_MS)
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("#profile-print").is_visible()
    assert page.locator("#attribution").is_visible()
    page.screenshot(path=str(output_dir / "profile-print-WK020207.png"), full_page=True)
    pdf = page.pdf(path=str(output_dir / "profile-WK020207.pdf"), format="A4",
                   print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 6, pages
