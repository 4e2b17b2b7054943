"""The NPLV monitor in a real browser: 20 areas in the overview with the view model's
numbers, sorting into the address, another theme, English, the CSV download read back,
keyboard focus, the links to the profiles, printing. Screenshots go to test-output/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard.data import Store
from dashboard.i18n import format_number
from dashboard.views import monitor as mv
from tests.browser import WAIT_MS, assert_clean, shot, wait_for_url, wait_until_idle

pytestmark = pytest.mark.browser

ROWS_JS = """() => Array.from(
        document.querySelectorAll('#monitor-grid .ag-center-cols-container .ag-row'))
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map(r => r.getAttribute('row-id'))"""
CELL_JS = """([row, col]) => {
    const cell = document.querySelector(
        `#monitor-grid .ag-row[row-id="${row}"] .ag-cell[col-id="${col}"]`);
    return cell ? cell.innerText.trim() : null;
}"""


@pytest.fixture(scope="module")
def warm(db: Store) -> Store:
    """The monitor's figures of the themes used here, computed once before the browser
    asks (the app serves the same store object; the first build of all 20 areas takes a
    while on a loaded machine)."""
    for thema in ("werk_inkomen", "wonen"):
        mv.monitor_frame(db, thema)
    return db


def grid_number(value: float) -> str:
    """A number as the grid shows it: Dutch digits, at most one decimal."""
    shown = round(float(value), 1)
    return format_number(shown, "nl", 0 if shown.is_integer() else 1)


def open_monitor(page: Any, live_app: str, query: str = "") -> None:
    page.goto(live_app + "/nplv" + query)
    page.wait_for_selector("#monitor-title", timeout=WAIT_MS)
    page.wait_for_function("() => document.querySelectorAll("
                           "'#monitor-grid .ag-center-cols-container .ag-row').length >= 20",
                           timeout=WAIT_MS)
    wait_until_idle(page)


def test_overview_shows_the_twenty_areas_with_the_view_models_numbers(
        page: Any, live_app: str, warm: Store, output_dir: Path) -> None:
    open_monitor(page, live_app)
    frame = mv.monitor_frame(warm, "werk_inkomen")
    rows = page.evaluate(ROWS_JS)
    assert rows == list(dict.fromkeys(frame["area_id"]))  # the file's order, all 20
    assert len(rows) == 20
    cell = frame[(frame["area_id"] == "NPLV-ROTTERDAM-ZUID")
                 & (frame["indicator_id"] == "inkomen_per_inwoner")].iloc[0]
    shown = page.evaluate(CELL_JS, ["NPLV-ROTTERDAM-ZUID", "inkomen_per_inwoner__value"])
    assert shown == grid_number(cell["value"])
    gap = page.evaluate(CELL_JS, ["NPLV-ROTTERDAM-ZUID", "inkomen_per_inwoner__nl"])
    assert gap.startswith(("+" if cell["diff_nl"] > 0 else "") + grid_number(cell["diff_nl"]))
    assert ("(slechter)" in gap) == (cell["judged_nl"] == "worse")
    worse, judged = mv.counts(frame[frame["area_id"] == "NPLV-ROTTERDAM-ZUID"], "nl")
    assert page.evaluate(CELL_JS, ["NPLV-ROTTERDAM-ZUID", "worse_nl"]) == \
        f"{worse} van {judged}"
    # Not aggregatable: n.b., with the reason as the profile words it.
    missing = frame[frame["value"].isna() & frame["reason"].eq("not_aggregatable")]
    if len(missing):
        first = missing.iloc[0]
        assert page.evaluate(CELL_JS, [first["area_id"], f"{first['indicator_id']}__value"]) \
            == "n.b."
    # One line per area, each with a link to its profile; charts with a table beside.
    lines = page.locator("#monitor-lines li")
    assert lines.count() == 20
    assert "indicatoren slechter dan de gemeente" in lines.first.inner_text()
    assert page.locator("#monitor-lines a").first.get_attribute("href") == \
        "/gebied/NPLV-LEEUWARDEN-OOST"
    charts = page.locator("#grafieken [role=figure]")
    drawn = set(frame.loc[frame["diff_nl"].notna(), "indicator_id"])
    assert charts.count() == len(drawn) > 0
    assert {charts.nth(i).get_attribute("data-indicator") for i in range(charts.count())} \
        == drawn
    assert page.locator("#grafieken details table").count() == charts.count()
    assert page.title() == "NPLV-monitor · Zicht op wijken"
    assert page.locator("nav .nav-link.active").inner_text() == "NPLV-monitor"
    shot(page, output_dir, "monitor-nl")
    assert_clean(page)


def test_sorting_goes_into_the_address_and_comes_back(page: Any, live_app: str,
                                                      warm: Store) -> None:
    open_monitor(page, live_app)
    header = page.locator("#monitor-grid .ag-header-cell[col-id='worse_nl']")
    header.click()
    wait_for_url(page, "sort=worse_nl")
    header.click()
    wait_for_url(page, "sort=-worse_nl")
    frame = mv.overview(warm, mv.monitor_frame(warm, "werk_inkomen"), "nl")
    rows = page.evaluate(ROWS_JS)
    values = frame.set_index("code").loc[rows, "worse_nl"].tolist()
    assert values == sorted(values, reverse=True)
    # The link brings the same order back.
    url = page.url
    page.goto("about:blank")
    open_monitor(page, live_app, "?" + url.split("?", 1)[1])
    assert page.evaluate(ROWS_JS) == rows
    assert_clean(page)


def test_another_theme_updates_the_address_and_the_table(page: Any, live_app: str,
                                                         warm: Store) -> None:
    open_monitor(page, live_app)
    page.locator("#monitor-thema").click()
    page.get_by_role("option", name="Wonen").click()
    wait_for_url(page, "thema=wonen")
    first = mv.monitor_indicators(warm, "wonen")[0].id
    page.wait_for_selector(f"#monitor-grid .ag-header-group-cell[col-id^='{first}']",
                           timeout=WAIT_MS)
    wait_until_idle(page)
    assert len(page.evaluate(ROWS_JS)) == 20
    csv = page.locator("#monitor-csv").get_attribute("href")
    assert csv == "/download/nplv.csv?thema=wonen"
    assert_clean(page)


def test_english_and_the_csv_download(page: Any, live_app: str, warm: Store,
                                      output_dir: Path) -> None:
    open_monitor(page, live_app, "?lang=en&thema=wonen")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.title() == "NPLV monitor · Zicht op wijken"
    assert "indicators are worse than the municipality" in \
        page.locator("#monitor-lines").inner_text() or \
        "no better-or-worse judgement" in page.locator("#monitor-lines").inner_text()
    with page.expect_download() as info:
        page.locator("#monitor-csv").click()
    path = output_dir / "nplv-monitor_wonen.csv"
    info.value.save_as(path)
    table = pd.read_csv(io.BytesIO(path.read_bytes()), encoding="utf-8-sig")
    expected = mv.monitor_frame(warm, "wonen")
    assert len(table) == len(expected) == 20 * len(mv.monitor_indicators(warm, "wonen"))
    assert table["focus_area_id"].nunique() == 20
    assert table["value"].tolist() == pytest.approx(expected["value"].tolist(), nan_ok=True)
    assert table["source"].str.contains("CC BY 4.0").all()
    shot(page, output_dir, "monitor-en")
    assert_clean(page)


def test_keyboard_reaches_the_theme_the_downloads_and_the_profiles(page: Any, live_app: str,
                                                                   warm: Store) -> None:
    open_monitor(page, live_app)
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "() => document.activeElement.id || document.activeElement.getAttribute('href')"
            " || document.activeElement.className"))
        if "monitor-csv" in reached and any(str(r).startswith("/gebied/") for r in reached):
            break
    assert "monitor-csv" in reached and "monitor-xlsx" in reached
    # The focus is visible (the app's outline), not only reachable.
    page.locator("#monitor-csv").focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    link = page.locator("#monitor-lines a").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/gebied/NPLV-LEEUWARDEN-OOST", timeout=WAIT_MS)
    page.wait_for_selector("#profile-title", timeout=WAIT_MS)
    assert_clean(page)


def test_printed_page_drops_the_controls(page: Any, live_app: str, warm: Store,
                                         output_dir: Path) -> None:
    open_monitor(page, live_app)
    page.emulate_media(media="print")
    assert not page.locator("#monitor-thema").is_visible()
    assert not page.locator("#monitor-csv").is_visible()
    assert page.locator("#monitor-lines").is_visible()
    pdf = page.pdf(format="A4")
    (output_dir / "monitor-print.pdf").write_bytes(pdf)
    assert len(pdf) > 10_000
    page.emulate_media(media="screen")
