"""The map page in Debian chromium: what is drawn is read back from Plotly's state in the
page and checked against the store; the controls are driven through their real UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from shapely.geometry import shape

from core.ranking import ranks
from dashboard import figures as maps
from dashboard.data import Store
from dashboard.i18n import format_number, format_value, t
from tests.browser import (
    WAIT_MS,
    afterplots,
    assert_clean,
    box_of,
    choose,
    controls_state,
    dropdown_text,
    figure_state,
    matching_options,
    open_page,
    palette_share,
    screen_point,
    shot,
    signature,
    visible_bounds,
    wait_for_figure,
    wait_for_map,
    wait_for_new_figure,
    wait_for_text,
    wait_for_url,
)

pytestmark = pytest.mark.browser

WIJKEN_2024 = "/?indicator=inwoners&jaar=2024&niveau=wijk"
N_WIJKEN_2024 = 3393
AMSTERDAM = "GM0363"
ROTTERDAM = "GM0599"
DEN_HAAG = "GM0518"


def expected_frame(db: Store, indicator: str, year: int, level: str,
                   gemeente: str | None = None) -> pd.DataFrame:
    frame = db.values(indicator, year, level)
    if gemeente:
        frame = frame[frame["gemeente_code"] == gemeente]
    return frame.reset_index(drop=True)


def assert_figure_matches_store(state: dict[str, Any], db: Store, indicator: str, year: int,
                                level: str, lang: str = "nl",
                                gemeente: str | None = None, zoomed_in: bool = False) -> None:
    """Regions, values, ranks, classes and legend of the drawn map are the store's."""
    frame = expected_frame(db, indicator, year, level, gemeente)
    meta = db.indicators[indicator]
    # The whole country on the overview boundaries, a gemeente on the full ones; either of
    # the figures' own indeling (police figures: 2024 for every year).
    shapes = db.geometry_year(indicator, year, level)
    assert state["geojson"] == (f"/geo/{shapes}/{level}.json" if gemeente or zoomed_in
                                else f"/geo/overzicht/{shapes}/{level}.json")
    assert state["locations"] == frame["code"].tolist()
    # Grey base only under the regions without a value.
    assert state["base_locations"] == frame.loc[frame["value"].isna(), "code"].tolist()
    rank = ranks(frame["value"], meta.direction)
    classes = maps.classify(frame["value"], meta.direction)
    idx = maps.class_index(frame["value"], classes)
    for i, value in enumerate(frame["value"]):
        if pd.isna(value):
            assert state["customdata"][i] is None
            assert state["z"][i] is None
        else:
            # As every page shows it: the catalogue's decimals, the page's locale.
            assert state["customdata"][i][0] == format_value(value, meta, lang)
            assert state["customdata"][i][1] == format_number(int(rank.iloc[i]), lang, 0)
            assert state["z"][i] == int(idx.iloc[i])
    assert state["ticktext"] == maps.class_labels(classes, lang, meta)[1]
    # The legend says the unit and how the classes were made (quintiles).
    assert state["colorbar_title"].startswith(meta.unit.get(lang) + "<br>")
    assert t("class_method", lang) in state["colorbar_title"]
    assert state["name"] == meta.label.get(lang)


def contains(outer: tuple, inner: tuple, slack: float = 1e-3) -> bool:
    """Whether box ``outer`` (west, south, east, north) holds box ``inner``."""
    return (outer[0] <= inner[0] + slack and outer[1] <= inner[1] + slack
            and outer[2] >= inner[2] - slack and outer[3] >= inner[3] - slack)


# ---------------------------------------------------------------------------------- tests
def test_all_wijken_of_2024_are_drawn(page, live_app: str, db: Store, output_dir: Path):
    page.goto(live_app + WIJKEN_2024)
    wait_for_map(page)
    state = figure_state(page)
    assert len(state["locations"]) == N_WIJKEN_2024 == len(db.regions(2024, "wijk"))
    assert_figure_matches_store(state, db, "inwoners", 2024, "wijk")
    assert state["separators"] == ",."
    assert state["base_name"] == "geen gegevens"
    assert controls_state(page) == {
        "thema": "Wonen", "indicator": db.indicators["inwoners"].label.nl, "jaar": "2024",
        "gemeente": "Heel Nederland", "niveau": "wijk",
    }
    # The whole country is in view, and painted in the palette.
    assert contains(visible_bounds(page), db.bounds(2024, "wijk"))
    # (the country fills its box in height; sea and neighbours beside it stay unpainted)
    assert palette_share(page, maps.PALETTE) > 0.05
    # The table beside the map: first row is rank 1, the wijk with the most inhabitants.
    frame = expected_frame(db, "inwoners", 2024, "wijk")
    top = frame.loc[frame["value"].idxmax()]
    first_row = page.locator("#table .ag-center-cols-container .ag-row[row-index='0'][row-id]")
    first_row.wait_for()
    assert first_row.get_attribute("row-id") == top["code"]
    assert format_number(top["value"], "nl") in first_row.inner_text()
    shot(page, output_dir, "explore_wijken_2024")
    assert_clean(page)


def test_subtheme_indicator_and_year_change_map_and_legend(page, live_app: str, db: Store,
                                                           output_dir: Path):
    # Within one gemeente, so that software WebGL redraws fast; the full-country switch is
    # measured by benchmarks/dashboard.py.
    page.goto(f"{live_app}{WIJKEN_2024}&gemeente={DEN_HAAG}")
    wait_for_map(page)
    before = figure_state(page)
    assert_figure_matches_store(before, db, "inwoners", 2024, "wijk", gemeente=DEN_HAAG)

    choose(page, "indicator", "WOZ")
    wait_for_url(page, "indicator=woz_waarde")
    woz = wait_for_new_figure(page, before)
    assert dropdown_text(page, "indicator") == db.indicators["woz_waarde"].label.nl
    assert woz["locations"] == before["locations"]  # same regions, new values
    assert woz["customdata"] != before["customdata"]
    assert woz["z"] != before["z"]
    assert woz["ticktext"] != before["ticktext"]
    assert woz["colorbar_title"] != before["colorbar_title"]
    assert_figure_matches_store(woz, db, "woz_waarde", 2024, "wijk", gemeente=DEN_HAAG)

    choose(page, "thema", "Veiligheid")
    first = db.indicators_for("veiligheid")[0]
    wait_for_url(page, "thema=veiligheid", f"indicator={first.id}")
    safety = wait_for_new_figure(page, woz)
    assert dropdown_text(page, "thema") == "Veiligheid"
    assert dropdown_text(page, "indicator") == first.label.nl
    assert safety["customdata"] != woz["customdata"]
    assert safety["ticktext"] != woz["ticktext"]
    assert_figure_matches_store(safety, db, first.id, 2024, "wijk", gemeente=DEN_HAAG)
    if first.direction == "lower_better":  # the dark end is the favourable (low) end
        assert safety["colorscale"][0][1] == maps.PALETTE[-1]

    assert 2022 in db.years_for(first.id) and "wijk" in db.levels_for(first.id, 2022)
    choose(page, "jaar", "2022")
    wait_for_url(page, "jaar=2022")
    older = wait_for_new_figure(page, safety)
    assert dropdown_text(page, "jaar") == "2022"
    assert dropdown_text(page, "gemeente") == "'s-Gravenhage"
    # Drawn on the shapes of the indeling its figures are on (the police table's figures of
    # every year are on the 2024 indeling: the 2024 shapes; KWB figures: their own year's).
    indeling = db.indeling(first.id, 2022, "wijk")
    assert indeling is not None and db.geometry_year(first.id, 2022, "wijk") == indeling
    assert older["geojson"] == f"/geo/{indeling}/wijk.json"
    assert older["customdata"] != safety["customdata"]
    assert_figure_matches_store(older, db, first.id, 2022, "wijk", gemeente=DEN_HAAG)
    assert palette_share(page, maps.PALETTE) > 0.05
    shot(page, output_dir, "explore_veiligheid_2022_den_haag")
    assert_clean(page)


def _clickable_wijk(page, db: Store) -> tuple[str, float, float]:
    """An Amsterdam wijk with a value and a point inside it that is on screen and not under
    the colour bar, the legend or the mode bar: its code and where to click."""
    values = expected_frame(db, "inwoners", 2024, "wijk", AMSTERDAM).set_index("code")["value"]
    shapes = [
        (shape(f["geometry"]), f["id"]) for f in db.geojson(2024, "wijk")["features"]
        if f["id"] in values.index and pd.notna(values[f["id"]])
    ]
    shapes.sort(key=lambda sc: sc[0].area, reverse=True)
    canvas = box_of(page, "#map canvas")
    covered = [b for b in (box_of(page, "#map .colorbar"), box_of(page, "#map .legend"),
                           box_of(page, "#map .modebar")) if b]
    for geometry, code in shapes:
        point = geometry.representative_point()
        x, y = screen_point(page, point.x, point.y)
        inside = canvas[0] + 10 < x < canvas[2] - 10 and canvas[1] + 40 < y < canvas[3] - 10
        hidden = any(b[0] - 5 <= x <= b[2] + 5 and b[1] - 5 <= y <= b[3] + 5 for b in covered)
        if inside and not hidden:
            return code, x, y
    raise AssertionError("no Amsterdam wijk to click on screen")


def test_gemeente_filter_then_click_a_wijk(page, live_app: str, db: Store, output_dir: Path):
    page.goto(live_app + WIJKEN_2024)
    wait_for_map(page)
    before = figure_state(page)
    choose(page, "gemeente", "Amsterdam")
    wait_for_url(page, f"gemeente={AMSTERDAM}")
    state = wait_for_new_figure(page, before)
    regions = db.regions(2024, "wijk")
    n_amsterdam = int((regions["gemeente_code"] == AMSTERDAM).sum())
    assert n_amsterdam > 50
    assert len(state["locations"]) == n_amsterdam
    assert all(code.startswith("WK0363") for code in state["locations"])
    assert_figure_matches_store(state, db, "inwoners", 2024, "wijk", gemeente=AMSTERDAM)
    assert dropdown_text(page, "gemeente") == "Amsterdam"
    # Zoomed in on Amsterdam, all of it in view.
    shown = visible_bounds(page)
    assert contains(shown, db.bounds(2024, "wijk", AMSTERDAM))
    assert shown[2] - shown[0] < 1.0
    # The table follows: only Amsterdam's wijken.
    page.wait_for_function(
        """() => {
            const rows = document.querySelectorAll(
                '#table .ag-center-cols-container .ag-row[row-id]');
            return rows.length > 0 && Array.from(rows).every(
                r => r.getAttribute('row-id').startsWith('WK0363'));
        }""",
        polling=100, timeout=WAIT_MS,
    )
    assert palette_share(page, maps.PALETTE) > 0.05
    # The table's own texts (paging, filters) are Dutch as well.
    wait_for_text(page, "#table .ag-paging-panel", f"1 tot 20 van {n_amsterdam}")
    paging = page.locator("#table .ag-paging-panel").inner_text()
    assert "Rijen per pagina:" in paging and f"Pagina 1 van {-(-n_amsterdam // 20)}" in paging
    shot(page, output_dir, "explore_amsterdam")

    # Click a wijk on the map: the panel shows its name and its value from the store.
    assert page.locator("#panel-title").count() == 0
    code, x, y = _clickable_wijk(page, db)
    page.mouse.click(x, y)
    wait_for_url(page, f"regio={code}")
    title = page.locator("#panel-title")
    title.wait_for()
    region = db.region(code, 2024)
    assert region["name"] in title.inner_text()
    assert code in title.inner_text()

    def cell(c: str) -> str:
        return page.locator(f"#panel-values td[data-code='{c}']").inner_text().strip()

    assert cell(code) == format_number(db.value("inwoners", 2024, code), "nl")
    assert cell(AMSTERDAM) == format_number(db.value("inwoners", 2024, AMSTERDAM), "nl")
    assert cell("NL00") == format_number(db.value("inwoners", 2024, "NL00"), "nl")
    # The clicked wijk stands out on the map: a black outline around it, at any zoom.
    page.wait_for_function(
        "(c) => { const o = document.querySelector('#map .js-plotly-plot')._fullData[2];"
        " return o && Array.from(o.locations || []).join() === c; }",
        arg=code, polling=100,
    )
    wait_for_map(page, after=state["afterplots"])
    shot(page, output_dir, "explore_clicked_wijk")

    # The table has turned to the clicked wijk's row, marked; another row selects its
    # region too.
    page.locator(f"#table .ag-row.selected-region[row-id='{code}']").wait_for()
    row = page.locator(f"#table .ag-center-cols-container .ag-row[row-id]:not([row-id='{code}'])"
                       ).first
    row.wait_for()
    other = row.get_attribute("row-id")
    row.locator(".ag-cell[col-id='name']").click()
    wait_for_url(page, f"regio={other}")
    page.wait_for_function(
        "(c) => (document.querySelector('#panel-title') || {}).innerText?.includes(c)",
        arg=other, polling=100,
    )
    assert cell(other) == format_number(db.value("inwoners", 2024, other), "nl")
    assert_clean(page)


def test_url_restores_the_view_and_back_button_goes_back(page, live_app: str,
                                                         browser_context, output_dir: Path):
    page.goto(f"{live_app}{WIJKEN_2024}&gemeente={AMSTERDAM}")
    wait_for_map(page)
    start = figure_state(page)
    start_controls = controls_state(page)

    choose(page, "indicator", "WOZ")
    wait_for_url(page, "indicator=woz_waarde")
    woz = wait_for_new_figure(page, start)
    woz_controls = controls_state(page)

    choose(page, "gemeente", "Rotterdam")
    wait_for_url(page, "indicator=woz_waarde", f"gemeente={ROTTERDAM}")
    rotterdam = wait_for_new_figure(page, woz)
    rotterdam_controls = controls_state(page)
    assert rotterdam_controls["gemeente"] == "Rotterdam"
    assert all(code.startswith("WK0599") for code in rotterdam["locations"])
    link = page.url

    # The link, opened fresh in a new tab, shows the same view.
    fresh = open_page(browser_context)
    try:
        fresh.goto(link)
        wait_for_map(fresh)
        assert controls_state(fresh) == rotterdam_controls
        restored = figure_state(fresh)
        assert signature(restored) == signature(rotterdam)
        assert restored["centre"] == pytest.approx(rotterdam["centre"])
        assert restored["zoom"] == pytest.approx(rotterdam["zoom"])
        assert fresh.locator("#bad-url").inner_text() == ""
        shot(fresh, output_dir, "explore_link_restored")
        assert_clean(fresh)
    finally:
        fresh.close()

    # Back: the previous view (Amsterdam, WOZ), then the first one (Amsterdam, inwoners).
    mark = afterplots(page)
    page.go_back()
    wait_for_url(page, "indicator=woz_waarde", f"gemeente={AMSTERDAM}")
    back = wait_for_figure(page, woz, after=mark)
    assert signature(back) == signature(woz)
    assert controls_state(page) == woz_controls

    mark = afterplots(page)
    page.go_back()
    wait_for_url(page, "indicator=inwoners", f"gemeente={AMSTERDAM}")
    first = wait_for_figure(page, start, after=mark)
    assert signature(first) == signature(start)
    assert controls_state(page) == start_controls
    assert_clean(page)


def test_the_national_map_gets_the_full_boundaries_once_zoomed_in(page, live_app: str,
                                                                   db: Store):
    """The whole country is drawn on the overview boundaries; zoomed in past where their
    simplification could show, every trace is given the full ones (assets/detail.js), and
    the values and hover stay those of the store."""
    page.goto(live_app + WIJKEN_2024)
    wait_for_map(page)
    state = figure_state(page)
    assert state["geojson"] == "/geo/overzicht/2024/wijk.json"
    assert state["zoom"] < 7.5
    before = state["afterplots"]
    page.evaluate("""() => Plotly.relayout(document.querySelector('#map .js-plotly-plot'),
                                        {'map.zoom': 10, 'map.center': {lon: 4.9, lat: 52.37}})""")
    page.wait_for_function(
        """() => document.querySelector('#map .js-plotly-plot')._fullData
                 .every(t => t.geojson === '/geo/2024/wijk.json')""", timeout=WAIT_MS)
    wait_for_map(page, after=before)
    state = figure_state(page)
    assert state["zoom"] == 10
    assert_figure_matches_store(state, db, "inwoners", 2024, "wijk", zoomed_in=True)
    assert_clean(page)


def test_bad_url_warns_and_still_draws_the_default_map(page, live_app: str, db: Store,
                                                       output_dir: Path):
    page.goto(live_app + "/?indicator=bestaat_niet&jaar=1800&gemeente=GM9999"
              "&regio=%27%29%3Balert%281%29%3B%2F%2F&niveau=%3Cscript%3Ealert(2)%3C/script%3E")
    wait_for_map(page)
    alert = page.locator("#bad-url")
    assert alert.is_visible()
    text = alert.inner_text()
    assert t("bad_url", "nl") in text
    for name in ("indicator", "jaar", "gemeente", "regio", "niveau"):
        assert name in text
    assert "<script>" not in text and "alert(" not in text
    state = figure_state(page)
    assert len(state["locations"]) == N_WIJKEN_2024
    assert_figure_matches_store(state, db, "inwoners", 2024, "wijk")
    assert controls_state(page)["gemeente"] == "Heel Nederland"
    shot(page, output_dir, "explore_bad_url")
    assert_clean(page)  # no 5xx, no console errors, no alert() ran


def test_english(page, live_app: str, db: Store, output_dir: Path):
    page.goto(f"{live_app}/?lang=en&indicator=inwoners&jaar=2024&niveau=wijk"
              f"&gemeente={AMSTERDAM}")
    wait_for_map(page)
    labels = {c: page.locator(f"label[for='{c}']").inner_text().strip()
              for c in ("thema", "indicator", "jaar", "niveau", "gemeente")}
    assert labels == {"thema": "Theme", "indicator": "Indicator", "jaar": "Year",
                      "niveau": "Level", "gemeente": "Municipality"}
    assert dropdown_text(page, "thema") == "Housing"
    assert dropdown_text(page, "indicator") == db.indicators["inwoners"].label.en
    assert "Districts (wijken)" in page.locator("#niveau").inner_text()
    assert page.locator("#language-switch").inner_text().strip() == "Nederlands"
    assert "Definition" in page.locator("#panel").inner_text()
    assert page.locator("div[lang='en']").count() >= 1
    state = figure_state(page)
    assert state["base_name"] == "no data"
    assert state["separators"] == ".,"
    assert_figure_matches_store(state, db, "inwoners", 2024, "wijk", lang="en",
                                gemeente=AMSTERDAM)
    assert any("," in label for label in state["ticktext"])  # e.g. 12,246 – 20,555
    header = page.locator("#table .ag-header-cell[col-id='name']")
    header.wait_for()
    assert header.inner_text().strip() == "Name"
    n_wijken = len(expected_frame(db, "inwoners", 2024, "wijk", AMSTERDAM))
    wait_for_text(page, "#table .ag-paging-panel", f"1 to 20 of {n_wijken}")
    assert "Page Size:" in page.locator("#table .ag-paging-panel").inner_text()
    assert matching_options(page, "gemeente", "All of")[0] == "All of the Netherlands"
    shot(page, output_dir, "explore_english")
    assert_clean(page)
