"""The compare page in a real browser: side-by-side tables and bar charts against the
store, choosing an area with the search box (mouse and keyboard), the ranking, the scatter
plot, CSV and Excel downloads read back, English, and a bad link. Screenshots go to
test-output/."""

from __future__ import annotations

import io
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pandas as pd
import pytest

from core.regions import LAND_CODE as NL_CODE
from dashboard.data import Store
from dashboard.views import compare as cmp
from dashboard.views.compare import CompareView
from tests.browser import (
    WAIT_MS,
    assert_clean,
    choose,
    shot,
    wait_for_url,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


THREE = ("GM0363", "WK0363AB", "GM0599")  # Amsterdam, Jordaan (wijk), Rotterdam
GRID_CELLS_JS = """
(id) => {
    const rows = {};
    document.querySelectorAll('#' + id + ' .ag-row').forEach(r => {
        const key = r.getAttribute('row-id');
        rows[key] = rows[key] || {};
        r.querySelectorAll('.ag-cell').forEach(c => {
            rows[key][c.getAttribute('col-id')] = c.innerText.trim();
        });
    });
    return rows;
}
"""
GRID_HEADERS_JS = """
(id) => Object.fromEntries(Array.from(
    document.querySelectorAll('#' + id + ' .ag-header-cell[col-id]')
).map(h => [h.getAttribute('col-id'), h.innerText.trim()]))
"""
FIGURE_JS = """
(sel) => {
    const el = document.querySelector(sel + ' .js-plotly-plot');
    if (!el || !el._fullData) { return null; }
    return {
        data: el._fullData.map(t => ({
            x: Array.from(t.x || []), y: Array.from(t.y || []),
            customdata: t.customdata ? Array.from(t.customdata) : null, name: t.name,
        })),
        shapes: (el._fullLayout.shapes || []).map(s => ({x0: s.x0, y0: s.y0, type: s.type})),
    };
}
"""


def js_number(value: float | None, lang: str = "nl") -> str:
    """What ``value.toLocaleString(locale, {maximumFractionDigits: 2})`` shows."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "geen gegevens" if lang == "nl" else "no data"
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{rounded:,.2f}".partition(".")
    frac = frac.rstrip("0")
    if lang == "nl":
        whole = whole.replace(",", ".")
        return whole + ("," + frac if frac else "")
    return whole + ("." + frac if frac else "")


def grid_headers(page: Any, grid_id: str, *codes: str) -> dict[str, str]:
    """The header texts of a grid by column id, once the columns of ``codes`` are drawn:
    AG Grid draws its header in a later frame than Dash's callback ends."""
    page.wait_for_function(
        "([id, codes]) => codes.every(c => document.querySelector("
        "'#' + id + ' .ag-header-cell[col-id=\"' + c + '\"]'))",
        arg=[grid_id, list(codes)], polling=50, timeout=WAIT_MS)
    return page.evaluate(GRID_HEADERS_JS, grid_id)


def open_compare(page: Any, live_app: str, query: str) -> None:
    page.goto(f"{live_app}/vergelijken{query}")
    page.wait_for_selector("#compare-body", timeout=WAIT_MS)
    wait_until_idle(page)


def cells(page: Any, grid_id: str) -> dict[str, dict[str, str]]:
    # AG Grid draws rows lazily (content-visibility): look at the table as a person does.
    page.locator(f"#{grid_id}").scroll_into_view_if_needed()
    page.wait_for_selector(f"#{grid_id} .ag-center-cols-container .ag-row .ag-cell")
    return page.evaluate(GRID_CELLS_JS, grid_id)


def expected_tables(db: Store, codes: tuple[str, ...], lang: str = "nl") -> dict[str, Any]:
    return cmp.compare_tables(db, CompareView(lang, codes, 2024))


def check_table_against_store(page: Any, db: Store, codes: tuple[str, ...],
                              lang: str = "nl") -> int:
    """Every cell of every theme table shows the store's value; the number of rows."""
    tables = expected_tables(db, codes, lang)
    assert tables, "no tables expected"
    n = 0
    for subtheme, table in tables.items():
        shown = cells(page, f"compare-grid-{subtheme}")
        assert set(shown) == set(table["indicator_id"]), subtheme
        for ind in table["indicator_id"]:
            for code in [*codes, NL_CODE]:
                stored = db.value(ind, 2024, code)
                assert shown[ind][code] == js_number(stored, lang), (subtheme, ind, code)
            n += 1
    return n


# ---------------------------------------------------------------------------- tests
def test_three_areas_side_by_side(page: Any, live_app: str, db: Store,
                                  output_dir: Path) -> None:
    open_compare(page, live_app, f"?regios={','.join(THREE)}&jaar=2024")
    n_rows = check_table_against_store(page, db, THREE)
    headers = grid_headers(page, "compare-grid-wonen", *THREE, NL_CODE)
    assert headers["GM0363"] == "Amsterdam (gemeente)"
    assert headers["WK0363AB"] == "Jordaan (wijk, Amsterdam)"
    assert headers["GM0599"] == "Rotterdam (gemeente)"
    assert headers[NL_CODE] == "Nederland"
    assert cells(page, "compare-grid-wonen")["inwoners"]["GM0363"] == "931.298"

    # One bar chart per indicator row, the bars are the store's values.
    assert page.locator(".bar-chart .js-plotly-plot").count() == n_rows
    woz = page.evaluate(FIGURE_JS, "[data-indicator='woz_waarde']")
    assert woz["data"][0]["x"] == ["Amsterdam", "Jordaan", "Rotterdam"]
    assert woz["data"][0]["y"] == [db.value("woz_waarde", 2024, c) for c in THREE]
    # NL as the reference line where it is comparable (an average), not for counts.
    assert [s["y0"] for s in woz["shapes"]] == [db.value("woz_waarde", 2024, NL_CODE)]
    assert page.evaluate(FIGURE_JS, "[data-indicator='inwoners']")["shapes"] == []

    assert "Bron: CBS" in page.locator("#attribution").inner_text()
    assert "Bron: CBS, 85984NED (2024)" in page.locator("#tabel-wonen .source-line").inner_text()
    # The language switch leads to the same view in English.
    switch = urlsplit(page.locator("#language-switch").get_attribute("href"))
    params = dict(parse_qsl(switch.query))
    assert switch.path == "/vergelijken"
    assert (params["lang"], params["regios"], params["jaar"]) == ("en", ",".join(THREE), "2024")
    shot(page, output_dir, "compare_three_areas")
    page.screenshot(path=str(output_dir / "compare_three_areas_full.png"), full_page=True)
    assert_clean(page)


def add_region(page: Any, search: str, code: str) -> None:
    """Type in the area search box, wait for the server's matches, click the option."""
    page.locator("button#cmp-regios").click()
    box = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    box.wait_for(state="visible")
    box.press_sequentially(search, delay=20)
    option = page.locator(".dash-dropdown-content [role=option]", has_text=code)
    option.wait_for(state="visible")
    wait_until_idle(page)  # the last search answer is in, the list stands still
    option.click()
    page.keyboard.press("Escape")


def test_choose_areas_with_search_mouse_and_keyboard(page: Any, live_app: str, db: Store,
                                                     output_dir: Path) -> None:
    open_compare(page, live_app, "?regios=GM0363&jaar=2024")
    assert page.locator("#too-few").is_visible()

    # Mouse: a wijk of another gemeente, found by name.
    add_region(page, "Haarlemmerbuurt", "WK0363AA")
    wait_for_url(page, "regios=GM0363,WK0363AA")
    wait_until_idle(page)
    assert page.locator("#too-few").count() == 0
    shown = cells(page, "compare-grid-wonen")
    assert shown["inwoners"]["WK0363AA"] == js_number(db.value("inwoners", 2024, "WK0363AA"))

    # Keyboard only: Tab to the control, Enter opens it, type, arrow down, Enter picks.
    page.locator("#cmp-regios").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("GM0599", delay=20)
    page.locator(".dash-dropdown-content [role=option]", has_text="GM0599").wait_for()
    wait_until_idle(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_url(page, "regios=GM0363,WK0363AA,GM0599")
    wait_until_idle(page)
    check_table_against_store(page, db, ("GM0363", "WK0363AA", "GM0599"))
    shot(page, output_dir, "compare_after_search")

    # Back to the first view: the page is rebuilt from the URL.
    page.go_back()
    wait_for_url(page, "regios=GM0363,WK0363AA", absent=("GM0599",))
    wait_until_idle(page)
    page.wait_for_function(
        "() => !document.querySelector(\"#compare-grid-wonen .ag-header-cell[col-id='GM0599']\")"
    )
    assert_clean(page)


def test_ranking_of_amsterdam(page: Any, live_app: str, db: Store, output_dir: Path) -> None:
    open_compare(page, live_app, "?regios=GM0363,WK0363AB&jaar=2024&ranking=woz_waarde"
                                 "&gemeente=GM0363")
    table = cmp.ranking_table(cmp.wijk_values(db, "woz_waarde", 2024, "GM0363"), "neutral")
    shown = cells(page, "ranking-grid")
    first = table.iloc[0]
    assert shown[first["code"]]["position"] == "1"
    assert shown[first["code"]]["value"] == js_number(first["value"])
    assert shown[first["code"]]["percentile"] == "100"
    for row in table.head(10).to_dict("records"):  # the rows on screen
        assert shown[row["code"]]["position"] == str(row["position"])
        assert shown[row["code"]]["value"] == js_number(row["value"])
    paging = page.locator("#ranking-grid .ag-paging-panel").inner_text()
    assert "1 tot 20 van 110" in paging and "Rijen per pagina:" in paging  # the grid's own texts
    n = int(table["value"].notna().sum())
    assert f"{n} van 110 wijken met een waarde" in page.locator("#ranking-caption").inner_text()
    page.locator("#ranglijst").scroll_into_view_if_needed()
    shot(page, output_dir, "compare_ranking")

    # Another indicator from its dropdown: the URL and the table follow.
    choose(page, "cmp-ranking", "Koopwoningen")
    wait_for_url(page, "ranking=koopwoningen")
    wait_until_idle(page)
    table = cmp.ranking_table(cmp.wijk_values(db, "koopwoningen", 2024, "GM0363"), "neutral")
    page.wait_for_function(
        "(code) => !!document.querySelector(\"#ranking-grid .ag-row[row-id='\" + code + \"']\")",
        arg=str(table.iloc[0]["code"]),
    )
    shown = cells(page, "ranking-grid")
    assert shown[table.iloc[0]["code"]]["value"] == js_number(table.iloc[0]["value"])
    assert_clean(page)


def test_scatter_of_amsterdam_highlights_chosen(page: Any, live_app: str, db: Store,
                                                output_dir: Path) -> None:
    open_compare(page, live_app, "?regios=GM0363,WK0363AB,WK0363AE&jaar=2024"
                                 "&gemeente=GM0363&x=woz_waarde&y=koopwoningen")
    page.wait_for_selector("#scatter-graph .js-plotly-plot .scatterlayer")
    figure = page.evaluate(FIGURE_JS, "#scatter-graph")
    rest, chosen = figure["data"][:2]
    expected = cmp.scatter_table(cmp.wijk_values(db, "woz_waarde", 2024, "GM0363"),
                                 cmp.wijk_values(db, "koopwoningen", 2024, "GM0363"))
    assert len(rest["x"]) + len(chosen["x"]) == len(expected)
    assert sorted(chosen["customdata"]) == ["WK0363AB", "WK0363AE"]
    for code, x, y in zip(chosen["customdata"], chosen["x"], chosen["y"], strict=True):
        assert x == db.value("woz_waarde", 2024, code)
        assert y == db.value("koopwoningen", 2024, code)
    assert page.locator("#scatter-graph .scatterlayer .point").count() == len(expected)
    assert f"{len(expected)} wijken" in page.locator("#scatter-count").inner_text()
    # The table under the plot: the same values, the chosen wijken highlighted.
    shown = cells(page, "scatter-grid")
    jordaan = shown["WK0363AB"]
    assert jordaan["x"] == js_number(db.value("woz_waarde", 2024, "WK0363AB"))
    assert jordaan["y"] == js_number(db.value("koopwoningen", 2024, "WK0363AB"))
    assert "selected-region" in page.locator(
        "#scatter-grid .ag-center-cols-container .ag-row[row-id='WK0363AB']").get_attribute(
        "class")
    page.locator("#spreiding").screenshot(path=str(output_dir / "compare_scatter.png"))
    assert_clean(page)


def download(page: Any, selector: str, label: str, output_dir: Path) -> Path:
    button = page.locator(selector).get_by_role("button", name=label).first
    with page.expect_download() as info:
        button.click()
    path = output_dir / f"browser_{info.value.suggested_filename}"
    info.value.save_as(str(path))
    return path


def test_downloads_csv_and_excel(page: Any, live_app: str, db: Store,
                                 output_dir: Path) -> None:
    open_compare(page, live_app, f"?regios={','.join(THREE)}&jaar=2024&ranking=woz_waarde"
                                 "&gemeente=GM0363")
    table = expected_tables(db, THREE)["wonen"]

    csv_path = download(page, "#tabel-wonen", "Download CSV: Wonen", output_dir)
    assert csv_path.name == "browser_vergelijking_wonen_2024.csv"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert list(frame["indicator_id"]) == list(table["indicator_id"])
    for row in frame.to_dict("records"):
        for code in [*THREE, NL_CODE]:
            column = next(c for c in frame.columns if c.endswith(f"[{code}]"))
            stored = db.value(row["indicator_id"], 2024, code)
            assert (stored is None and math.isnan(row[column])) or row[column] == stored
    assert frame["bron"].str.startswith("Bron: CBS (CC BY 4.0)").all()

    xlsx_path = download(page, "#tabel-wonen", "Download Excel: Wonen", output_dir)
    book = openpyxl.load_workbook(xlsx_path, read_only=True)
    assert book.sheetnames == ["Gegevens", "Toelichting"]
    data = [list(r) for r in book["Gegevens"].iter_rows(values_only=True)]
    header, rows = data[0], data[1:]
    gm = header.index("Amsterdam (gemeente) [GM0363]")
    by_id = {r[0]: r for r in rows}
    assert by_id["inwoners"][gm] == 931298
    for ind in table["indicator_id"]:
        assert by_id[ind][gm] == db.value(ind, 2024, "GM0363")
    notes = [list(r) for r in book["Toelichting"].iter_rows(values_only=True)]
    assert any(r and r[0] == "inwoners" and r[5] == "85984NED (2024)" for r in notes)
    assert any(r and r[0] == "Bron: CBS (CC BY 4.0)" for r in notes)

    ranking_csv = download(page, "#ranglijst", "Download CSV: Ranglijst", output_dir)
    ranking = pd.read_csv(ranking_csv, encoding="utf-8-sig")
    assert len(ranking) == 110 and ranking.loc[0, "positie"] == 1
    for code, value in zip(ranking["code"], ranking["waarde"], strict=True):
        stored = db.value("woz_waarde", 2024, code)
        assert (stored is None and math.isnan(value)) or value == stored

    scatter_xlsx = download(page, "#spreiding", "Download Excel: Spreidingsdiagram",
                            output_dir)
    scatter = pd.read_excel(scatter_xlsx, sheet_name="Gegevens")
    assert {"woz_waarde", "koopwoningen", "bron"} <= set(scatter.columns)
    assert_clean(page)


def test_english(page: Any, live_app: str, db: Store, output_dir: Path) -> None:
    open_compare(page, live_app, f"?regios={','.join(THREE)}&jaar=2024&lang=en")
    assert page.locator("h1").inner_text() == "Compare areas"
    assert page.locator("div[lang='en']").count() >= 1
    headers = grid_headers(page, "compare-grid-wonen", *THREE, NL_CODE)
    assert headers["WK0363AB"] == "Jordaan (district, Amsterdam)"
    assert headers[NL_CODE] == "Netherlands"
    assert cells(page, "compare-grid-wonen")["inwoners"]["GM0363"] == "931,298"
    check_table_against_store(page, db, THREE, "en")
    assert "Bron: CBS" in page.locator("#attribution").inner_text()
    assert page.locator("label[for='cmp-regios']").inner_text() == "Areas (2 to 8)"
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(page, output_dir, "compare_english")
    assert_clean(page)


def test_bad_link_falls_back_with_messages(page: Any, live_app: str,
                                           output_dir: Path) -> None:
    open_compare(page, live_app, "?regios=GM0363,NOPE,GM9999&jaar=1800&thema=xyz"
                                 "&ranking=%27%20OR%201%3D1")
    alert = page.locator("#bad-url").inner_text()
    assert "jaar" in alert and "thema" in alert and "ranking" in alert
    assert "NOPE" in page.locator("#unknown-regions").inner_text()
    assert page.locator("#too-few").is_visible()
    assert page.locator("#ranking-grid .ag-row").count() > 0  # the default ranking
    shot(page, output_dir, "compare_bad_link")
    assert_clean(page)


def test_controls_are_labelled_and_reachable_by_tab(page: Any, live_app: str) -> None:
    open_compare(page, live_app, f"?regios={','.join(THREE)}&jaar=2024")
    for control in ("cmp-regios", "cmp-jaar", "cmp-thema", "cmp-gemeente", "cmp-ranking",
                    "cmp-x", "cmp-y"):
        assert page.locator(f"label[for='{control}']").count() == 1, control
    reached = []
    for _ in range(16):  # skip link, brand, three pages, language, controls, in-page links
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id || "
                                     "document.activeElement.innerText"))
    assert "cmp-regios" in reached and "cmp-jaar" in reached and "cmp-thema" in reached
    assert "dl-csv-thema-veiligheid" in reached  # the first table's download button


FOCUS = ("NPLV-UTRECHT-OVERVECHT", "NPLV-AMSTERDAM-ZUIDOOST", "NPLV-DEN-HAAG-ZUIDWEST")


def test_focus_areas_side_by_side_and_found_by_search(page: Any, live_app: str, db: Store,
                                                      output_dir: Path) -> None:
    """The issue's link: three NPLV focus areas side by side, their figures aggregated from
    their wijken (views.areas), with a wijk added through the search box."""
    open_compare(page, live_app, f"?regios={','.join(FOCUS)}&jaar=2024")
    assert page.locator("#unknown-regions").count() == 0
    headers = grid_headers(page, "compare-grid-wonen", *FOCUS)
    assert headers["NPLV-AMSTERDAM-ZUIDOOST"] == "Amsterdam Zuidoost (focusgebied, Amsterdam)"
    expected = expected_tables(db, FOCUS)["wonen"].set_index("indicator_id")
    shown = cells(page, "compare-grid-wonen")
    for code in FOCUS:
        assert shown["inwoners"][code] == js_number(expected.at["inwoners", code])
        assert shown["koopwoningen"][code] == js_number(expected.at["koopwoningen", code])
    shot(page, output_dir, "compare_focus_areas")
    # Typing "Zuidoost" offers the focus area first; a wijk of that name can join it.
    page.locator("button#cmp-regios").click()
    box = page.locator(".dash-dropdown-content input.dash-dropdown-search")
    box.wait_for(state="visible")
    box.press_sequentially("Zuidoost", delay=20)
    page.locator(".dash-dropdown-content [role=option]", has_text="WK001405").wait_for()
    wait_until_idle(page)
    first = page.locator(".dash-dropdown-content [role=option]").first.inner_text()
    assert "NPLV-AMSTERDAM-ZUIDOOST" in first
    page.locator(".dash-dropdown-content [role=option]", has_text="WK001405").click()
    page.keyboard.press("Escape")
    wait_for_url(page, f"regios={','.join(FOCUS)},WK001405")
    wait_until_idle(page)
    assert "WK001405" in cells(page, "compare-grid-wonen")["inwoners"]
    assert_clean(page)
