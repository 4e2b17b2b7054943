"""The NPLV monitor's view model (dashboard/views/monitor.py): the URL, each area against its
gemeente and NL, the change of a gap only on the same territory and definition, the lines
in words, the download; on the synthetic store with focus areas written for it, and on the
real store (built from the mirror) against a recomputation from the member figures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.areas import Area, load_areas
from core.regions import LAND_CODE
from dashboard.data import Store, open_store
from dashboard.views import areas as area_module
from dashboard.views import monitor as mv
from dashboard.views.monitor import MonitorView
from dashboard.views.profile import benchmark_colour, display_round

SOURCE = """
composition = "exact"
checked = 2026-01-01
note = { nl = "test", en = "test" }
sources = [{ url = "https://example.org/", title = "t", says = { nl = "t", en = "t" } }]
"""
TEST_AREAS = f"""
[[area]]
id = "NPLV-TEST-UTRECHT"
name = "Utrecht Test"
gemeente = "GM0344"
{SOURCE}
members = {{ 2022 = ["WK034400", "WK034401"], 2024 = ["WK034400", "WK034401"] }}

[[area]]
id = "NPLV-TEST-OOST"
name = "Amsterdam Oost Test"
gemeente = "GM0363"
{SOURCE}
members = {{ 2022 = ["WK036302"], 2024 = ["WK036302"] }}

[[area]]
id = "NPLV-TEST-BAARN"
name = "Baarn Test"
gemeente = "GM0308"
{SOURCE}
members = {{ 2024 = ["BU03080000", "BU03080100"] }}
"""


@pytest.fixture(scope="module")
def syn(synthetic_store: Path) -> Store:
    return open_store(str(synthetic_store))


@pytest.fixture
def test_areas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Area]:
    """Focus areas made of the synthetic store's wijken and buurten; area_values reads
    them (it looks areas up by id)."""
    path = tmp_path / "areas.toml"
    path.write_text(TEST_AREAS, encoding="utf-8")
    areas = load_areas(path)
    monkeypatch.setattr(area_module, "load_areas", lambda: areas)
    return areas


def weighted(db: Store, codes: list[str], indicator_id: str, year: int) -> float:
    """The members' mean weighted by the catalogue's weight, from the raw observations."""
    indicator = db.indicators[indicator_id]
    obs = db.observations_of(codes, year)
    values = obs[obs["indicator_id"] == indicator_id].set_index("code")["value"]
    weights = obs[obs["indicator_id"] == indicator.weight].set_index("code")["value"]
    both = pd.concat([values, weights], axis=1, keys=["v", "w"]).dropna()
    return float((both["v"] * both["w"]).sum() / both["w"].sum())


# --------------------------------------------------------------------------- the URL
def test_view_reads_and_writes_its_url(syn: Store) -> None:
    view, rejected = MonitorView.from_query(
        {"thema": "wonen", "sort": "-koopwoningen__nl", "lang": "en"}, syn)
    assert rejected == []
    assert (view.thema, view.sort, view.lang) == ("wonen", "-koopwoningen__nl", "en")
    assert view.url() == "/nplv?lang=en&thema=wonen&sort=-koopwoningen__nl"
    assert MonitorView.from_query(view.params(), syn)[0] == view
    assert MonitorView().url() == "/nplv"


@pytest.mark.parametrize(("query", "bad"), [
    ({"thema": "weer"}, ["thema"]),
    ({"sort": "inwoners__nl"}, ["sort"]),  # a count: not in the monitor
    ({"thema": "wonen", "sort": "inkomen_per_inwoner__value"}, ["sort"]),  # another theme
    ({"lang": "fr", "sort": "<script>"}, ["lang", "sort"]),
])
def test_unknown_values_fall_back_and_are_named(syn: Store, query: dict[str, str],
                                                bad: list[str]) -> None:
    view, rejected = MonitorView.from_query(query, syn)
    assert rejected == bad
    assert view.sort == "" and view.lang in ("nl", "en")


def test_sort_comes_from_the_grid_column_state() -> None:
    assert mv.sort_of([{"colId": "area", "sort": None},
                       {"colId": "koopwoningen__nl", "sort": "desc"}]) == "-koopwoningen__nl"
    assert mv.sort_of([{"colId": "area", "sort": "asc"}]) == "area"
    assert mv.sort_of([{"colId": "area"}]) == ""
    assert mv.sort_of("nonsense") is None


def test_download_links_keep_the_theme_and_language_not_the_sort() -> None:
    view = MonitorView("en", "wonen", "-area")
    csv, csv_nl, xlsx = mv.download_hrefs(view)
    assert csv == "/download/nplv.csv?lang=en&thema=wonen"
    assert csv_nl == csv + "&dialect=nl"
    assert xlsx == "/download/nplv.xlsx?lang=en&thema=wonen"
    assert mv.download_hrefs(MonitorView())[1] == "/download/nplv.csv?dialect=nl"


# ----------------------------------------------------------------------- the numbers
def test_counts_are_left_out(syn: Store) -> None:
    ids = [i.id for i in mv.monitor_indicators(syn, "wonen")]
    assert ids and "inwoners" not in ids and "woningvoorraad" not in ids
    assert {i.id for i in mv.left_out(syn, "wonen")} == {"inwoners", "woningvoorraad"}


def test_area_against_gemeente_and_nl_with_the_gap_change(
        syn: Store, test_areas: dict[str, Area]) -> None:
    frame = mv.monitor_frame(syn, "wonen", test_areas)
    assert set(frame["area_id"]) == set(test_areas)
    cell = frame[(frame["area_id"] == "NPLV-TEST-UTRECHT")
                 & (frame["indicator_id"] == "koopwoningen")].iloc[0]
    members = ["WK034400", "WK034401"]
    value = weighted(syn, members, "koopwoningen", 2024)
    gemeente = syn.value("koopwoningen", 2024, "GM0344")
    nl = syn.value("koopwoningen", 2024, LAND_CODE)
    assert cell["year"] == 2024 and cell["value"] == pytest.approx(value)
    assert (cell["gemeente"], cell["nl"]) == (gemeente, nl)
    assert cell["diff_gemeente"] == pytest.approx(value - gemeente)
    assert cell["diff_nl"] == pytest.approx(value - nl)
    assert cell["ratio_nl"] == pytest.approx(value / nl)
    assert pd.isna(cell["judged_nl"])  # koopwoningen is neutral: no better or worse
    # Same wijken, each the same area in 2022 and 2024, same definition: a change.
    before = weighted(syn, members, "koopwoningen", 2022) - syn.value("koopwoningen", 2022,
                                                                       LAND_CODE)
    assert cell["first_year"] == 2022
    assert cell["change_nl"] == pytest.approx((value - nl) - before)
    assert cell["trend_nl"] == mv.trend(before, value - nl)
    assert pd.isna(cell["no_change"])


def test_no_gap_change_across_changed_boundaries_or_a_single_year(
        syn: Store, test_areas: dict[str, Area]) -> None:
    frame = mv.monitor_frame(syn, "wonen", test_areas).set_index(["area_id", "indicator_id"])
    oost = frame.loc[("NPLV-TEST-OOST", "koopwoningen")]
    assert oost["value"] == pytest.approx(syn.value("koopwoningen", 2024, "WK036302"))
    assert oost["no_change"] == "boundaries" and pd.isna(oost["change_nl"])
    # Amsterdam 2024 is another area than Amsterdam 2022 (Weesp): its 2024 figure is used.
    assert oost["gemeente"] == syn.value("koopwoningen", 2024, "GM0363")
    baarn = frame.loc[("NPLV-TEST-BAARN", "koopwoningen")]
    assert baarn["no_change"] in ("one_year", "no_value")
    assert pd.isna(baarn["change_nl"])


def cells(rows: list[tuple[int, float, int, int]]) -> pd.DataFrame:
    """An area's figures of one indicator: (year, value, series, version)."""
    return pd.DataFrame([{"code": "NPLV-X", "indicator_id": "inkomen_per_inwoner", "year": y,
                          "region_year": y, "value": v, "series": s, "version": n,
                          "members": 2, "covered": 2, "reason": None} for y, v, s, n in rows])


@pytest.mark.parametrize(("rows", "first", "why"), [
    ([(2021, 20.0, 0, 0), (2022, 21.0, 0, 0), (2024, 24.0, 0, 0)], 2021, None),
    ([(2021, 20.0, 0, 0), (2022, 21.0, 0, 1), (2024, 24.0, 0, 1)], 2022, None),
    ([(2021, 20.0, 0, 0), (2024, 24.0, 0, 1)], None, "boundaries"),
    ([(2021, 20.0, 0, 0), (2024, 24.0, 1, 0)], None, "definition"),
    ([(2024, 24.0, 0, 0)], None, "one_year"),
])
def test_the_gap_change_uses_only_the_same_territory_and_definition(
        syn: Store, rows: list[tuple[int, float, int, int]], first: int | None,
        why: str | None) -> None:
    area = next(iter(load_areas().values()))
    indicator = syn.indicators["inkomen_per_inwoner"]  # higher is better
    refs = {("inkomen_per_inwoner", y, code): value for y in (2021, 2022, 2024)
            for code, value in ((area.gemeente, 30.0), (LAND_CODE, 32.0 + y - 2021))}
    out = mv._cell(area, "G", indicator, cells(rows), refs)
    assert out["judged_nl"] == benchmark_colour(24.0, 35.0, "higher_better") == "worse"
    assert out["diff_nl"] == pytest.approx(24.0 - 35.0)
    assert out["first_year"] == first and out["no_change"] == why
    if first is not None:
        then = dict((y, v) for y, v, *_ in rows)[first] - (32.0 + first - 2021)
        assert out["change_nl"] == pytest.approx((24.0 - 35.0) - then)
        assert out["trend_nl"] == ("narrowed" if abs(24.0 - 35.0) < abs(then) else "widened")
        assert out["change_gemeente"] == pytest.approx((24.0 - 30.0) - (
            dict((y, v) for y, v, *_ in rows)[first] - 30.0))


def test_a_partial_mean_gets_no_gap_change(syn: Store) -> None:
    area = next(iter(load_areas().values()))
    frame = cells([(2021, 20.0, 0, 0), (2024, 24.0, 0, 0)])
    frame.loc[1, "covered"] = 1
    frame.loc[1, "reason"] = "incomplete"
    out = mv._cell(area, "G", syn.indicators["inkomen_per_inwoner"], frame, {})
    assert out["value"] == 24.0 and out["no_change"] == "incomplete"


def test_trend_counts_only_what_can_be_seen() -> None:
    assert mv.trend(-10.0, -8.0) == "narrowed"
    assert mv.trend(3.0, -5.0) == "widened"
    assert mv.trend(2.01, 2.04) == "same"  # both shown as 2,0
    assert mv.trend(None, 1.0) is None


def test_lines_say_how_many_are_worse_and_where_the_gap_moved(syn: Store) -> None:
    area = next(iter(load_areas().values()))
    indicator = syn.indicators["inkomen_per_inwoner"]
    refs = {("inkomen_per_inwoner", y, code): value for y in (2021, 2024)
            for code, value in ((area.gemeente, 30.0), (LAND_CODE, 30.0))}
    row = mv._cell(area, "Gemeentenaam", indicator,
                   cells([(2021, 20.0, 0, 0), (2024, 25.0, 0, 0)]), refs)
    frame = pd.DataFrame([row], columns=mv.CELL_COLUMNS)
    line = mv.area_sentence(syn, frame, "nl")
    assert line.startswith(f"In {area.name} zijn 1 van de 1 indicatoren slechter dan de "
                           "gemeente Gemeentenaam, en 1 van de 1 slechter dan Nederland.")
    assert "kleiner bij gemiddeld inkomen per inwoner (sinds 2021)" in line
    # Only a widened gap: the sentence still starts with a capital.
    widened = pd.DataFrame([mv._cell(area, "G", indicator,
                                     cells([(2021, 25.0, 0, 0), (2024, 20.0, 0, 0)]), refs)])
    assert " De achterstand werd groter bij gemiddeld inkomen" in mv.area_sentence(
        syn, widened, "nl")
    english = mv.area_sentence(syn, frame, "en")
    assert f"In {area.name} 1 of 1 indicators are worse" in english
    assert "narrowed in average income per inhabitant (since 2021)" in english


def test_overview_has_one_row_per_area_and_a_link_to_its_profile(
        syn: Store, test_areas: dict[str, Area]) -> None:
    frame = mv.monitor_frame(syn, "wonen", test_areas)
    table = mv.overview(syn, frame, "en")
    assert list(table["code"]) == list(test_areas)
    assert table["area"].iloc[0] == "[Utrecht Test](/gebied/NPLV-TEST-UTRECHT?lang=en)"
    for field in mv.sort_fields(syn, "wonen"):
        assert field in table.columns
    assert (table["worse_nl"] <= table["judged_nl"]).all()


def test_chart_table_has_every_area_with_its_gap_and_a_note(
        syn: Store, test_areas: dict[str, Area]) -> None:
    frame = mv.monitor_frame(syn, "wonen", test_areas)
    table = mv.gap_table(syn, frame, "koopwoningen", "nl")
    assert list(table["code"]) == list(test_areas)
    utrecht = table.iloc[0]
    assert utrecht["diff_nl"] == pytest.approx(utrecht["value"] - utrecht["nl"])
    assert utrecht["note"] == ""  # neutral: no judgement, and it has a value
    baarn = table.set_index("code").loc["NPLV-TEST-BAARN"]
    assert pd.isna(baarn["value"]) and baarn["note"]  # why there is no figure


def test_download_is_one_row_per_area_and_indicator_in_the_language(
        syn: Store, test_areas: dict[str, Area], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mv, "load_areas", lambda: test_areas)
    mv._default_frame.cache_clear()
    try:
        frame = mv.download_frame(syn, MonitorView("en", "wonen"))
        dutch = mv.download_frame(syn, MonitorView("nl", "wonen"))
    finally:
        mv._default_frame.cache_clear()
    assert len(frame) == len(test_areas) * len(mv.monitor_indicators(syn, "wonen"))
    assert {"focus_area", "value_nl", "difference_nl", "ratio_nl", "change_difference_nl",
            "no_change_because"} <= set(frame.columns)
    assert {"focusgebied", "waarde_nl", "verschil_nl", "geen_verandering_omdat"} <= set(
        dutch.columns)
    oost = frame[frame["focus_area_id"] == "NPLV-TEST-OOST"]
    assert set(oost["no_change_because"]) == {"the area's boundaries changed"}


# ------------------------------------------------------------------ the real store
CHECKED_AREAS = ("NPLV-ROTTERDAM-ZUID", "NPLV-UTRECHT-OVERVECHT", "NPLV-GRONINGEN-NOORD",
                 "NPLV-LEEUWARDEN-OOST")


def recompute(db: Store, area: Area, indicator_id: str, year: int, indeling: int
              ) -> float | None:
    """An area's figure from its members' observations, with plain pandas: counts summed
    when every member has one, rates and averages weighted by the declared weight."""
    indicator = db.indicators[indicator_id]
    members = list(area.members_in(indeling))
    obs = db.observations_of(members, year)
    obs = obs[obs["region_year"] == indeling]
    values = obs[obs["indicator_id"] == indicator_id].set_index("code")["value"].reindex(
        members)
    if indicator.aggregation == "sum":
        return float(values.sum()) if values.notna().all() else None
    if indicator.aggregation != "weighted_mean" or not indicator.weight:
        return None
    weights = obs[obs["indicator_id"] == indicator.weight].set_index("code")["value"].reindex(
        members)
    ok = values.notna() & weights.notna()
    return float((values[ok] * weights[ok]).sum() / weights[ok].sum()) if ok.any() else None


def reference(db: Store, code: str, indicator_id: str, year: int, indeling: int
              ) -> float | None:
    obs = db.observations_of([code], year)
    obs = obs[(obs["indicator_id"] == indicator_id)]
    obs = obs[[db.same_area(code, int(r), indeling) for r in obs["region_year"]]]
    return None if obs.empty else float(obs["value"].iloc[0])


@pytest.mark.parametrize("thema", ["werk_inkomen", "wonen", "veiligheid"])
def test_monitor_equals_a_recomputation_from_the_store(db: Store, thema: str) -> None:
    frame = mv.monitor_frame(db, thema)
    assert frame["area_id"].nunique() == 20
    areas = load_areas()
    checked = changes = 0
    for row in frame[frame["area_id"].isin(CHECKED_AREAS)].itertuples(index=False):
        if pd.isna(row.value):
            continue
        area = areas[row.area_id]
        latest = max(area.years)
        value = recompute(db, area, row.indicator_id, int(row.year), int(row.region_year))
        assert value == pytest.approx(row.value), (row.area_id, row.indicator_id)
        nl = reference(db, LAND_CODE, row.indicator_id, int(row.year), latest)
        gemeente = reference(db, area.gemeente, row.indicator_id, int(row.year), latest)
        assert row.nl == pytest.approx(nl) if nl is not None else pd.isna(row.nl)
        if gemeente is not None:
            assert row.diff_gemeente == pytest.approx(value - gemeente)
        if nl is not None:
            assert row.diff_nl == pytest.approx(value - nl)
            assert row.ratio_nl == pytest.approx(value / nl)
            direction = db.indicators[row.indicator_id].direction
            assert (row.judged_nl if isinstance(row.judged_nl, str) else None) == \
                benchmark_colour(display_round(value), display_round(nl), direction)
        checked += 1
        if pd.isna(row.first_year):
            continue
        # The earlier year: the same members, each the same area, the same definition.
        first, indeling = int(row.first_year), int(row.region_year)
        obs = db.observations_of(list(area.members_in(indeling)))
        obs = obs[obs["indicator_id"] == row.indicator_id]
        then_on = int(obs.loc[obs["year"] == first, "region_year"].max())
        assert set(area.members_in(then_on)) == set(area.members_in(indeling))
        assert all(db.same_area(c, then_on, indeling) for c in area.members_in(indeling))
        assert obs.loc[obs["year"] == first, "series"].max() == \
            obs.loc[obs["year"] == int(row.year), "series"].max()
        then = recompute(db, area, row.indicator_id, first, then_on)
        nl_then = reference(db, LAND_CODE, row.indicator_id, first, latest)
        assert then is not None and nl_then is not None
        assert row.change_nl == pytest.approx((value - nl) - (then - nl_then))
        changes += 1
    assert checked >= len(CHECKED_AREAS)
    if thema == "werk_inkomen":
        assert changes >= 3  # income is in 2021 and 2024 on the same wijken


def test_the_real_download_opens_with_its_definitions(client: Any) -> None:
    from openpyxl import load_workbook

    reply = client.get("/download/nplv.xlsx?thema=werk_inkomen&lang=en")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.data))
    data, notes = book.worksheets
    header = [c.value for c in data[1]]
    assert header[:2] == ["focus_area_id", "focus_area"] and header[-1] == "source"
    assert data.max_row - 1 == 20 * len(mv.monitor_indicators(
        open_store(client.application.config["ZOW_STORE"]), "werk_inkomen"))
    texts = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "CC BY 4.0" in texts and "inkomen_per_inwoner" in texts
    dutch = client.get("/download/nplv.csv?thema=werk_inkomen&dialect=nl")
    assert dutch.status_code == 200 and dutch.data.decode("utf-8-sig").startswith(
        "focusgebied_id;focusgebied;")
    assert client.get("/download/nplv.csv?thema=nope").status_code == 400
    # The same bounds as the map's download (downloads._page_view): a value of 500
    # characters is refused before the view reads it.
    long = client.get("/download/nplv.csv?thema=" + "x" * 500)
    assert long.status_code == 400 and long.get_json()["error"] == "parameter value too long"
