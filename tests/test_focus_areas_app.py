"""The 20 NPLV focus areas as regions of the app (issue 11): their figures are the honest
aggregation of their members' figures, recomputed here with plain pandas from the store;
compare takes them beside wijken and gemeenten; every search box lists them; the map
outlines them; the API lists and serves them."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from core.aggregation import aggregate_values
from core.areas import LEVEL, REFERENCE_YEAR, load_areas
from core.regions import LAND_CODE
from dashboard.data import Store
from dashboard.views import areas as area_view
from dashboard.views import compare as cmp
from dashboard.views import map as mapview
from dashboard.views import search

ISSUE_COMPARE = ("NPLV-UTRECHT-OVERVECHT", "NPLV-AMSTERDAM-ZUIDOOST", "NPLV-DEN-HAAG-ZUIDWEST")


def recomputed(db: Store, area_id: str, indicator_id: str, year: int) -> float | None:
    """The area's figure from the member figures in the store, with pandas only: counts
    summed when every member has one, rates weighted by their declared weight."""
    area = load_areas()[area_id]
    indicator = db.indicators[indicator_id]
    obs = db.observations_of(list(area.members_in(REFERENCE_YEAR)), year)
    obs = obs[obs["region_year"] == REFERENCE_YEAR]
    members = pd.DataFrame({"code": list(area.members_in(REFERENCE_YEAR))})
    value = members.merge(obs[obs["indicator_id"] == indicator_id][["code", "value"]],
                          on="code", how="left")["value"]
    if indicator.aggregation == "sum":
        return float(value.sum()) if value.notna().all() else None
    if indicator.aggregation == "weighted_mean":
        weight = members.merge(obs[obs["indicator_id"] == indicator.weight][["code", "value"]],
                               on="code", how="left")["value"]
        ok = value.notna() & weight.notna()
        return float((value[ok] * weight[ok]).sum() / weight[ok].sum()) if ok.any() else None
    return None


# ------------------------------------------------------------------------- pure parts
def test_aggregation_on_lists_follows_the_frame_rule() -> None:
    assert aggregate_values([1.0, 2.0], None, "sum").value == 3.0
    assert aggregate_values([1.0, None], None, "sum").reason == "incomplete"
    mean = aggregate_values([10.0, 20.0, None], [1.0, 3.0, 5.0], "weighted_mean")
    assert mean.value == pytest.approx(17.5) and (mean.covered, mean.members) == (2, 3)
    assert aggregate_values([1.0], None, "none").reason == "not_aggregatable"


def test_compare_accepts_focus_area_ids_beside_region_codes() -> None:
    known = {"GM0363", "WK0363AE", *ISSUE_COMPARE}
    chosen = cmp.validate_selection(",".join(ISSUE_COMPARE) + ",wk0363ae,NPLV-NERGENS", known)
    assert chosen.codes == (*ISSUE_COMPARE, "WK0363AE")
    assert chosen.unknown == ("NPLV-NERGENS",)  # whole, not cut to 12 characters


# ------------------------------------------------------------------ on the built store
@pytest.mark.parametrize("indicator_id", ["inwoners", "koopwoningen", "woz_waarde"])
def test_area_figures_equal_a_recomputation_from_the_store(db: Store, indicator_id: str
                                                           ) -> None:
    for area in load_areas().values():
        frame = area_view.area_values(db, area, REFERENCE_YEAR)
        row = frame[frame["indicator_id"] == indicator_id]
        expected = recomputed(db, area.id, indicator_id, REFERENCE_YEAR)
        got = None if row.empty or math.isnan(row["value"].iloc[0]) else row["value"].iloc[0]
        if expected is None:
            assert got is None, area.id
        else:
            assert got == pytest.approx(expected, rel=1e-9), area.id


def test_the_issues_compare_url_shows_the_three_areas_side_by_side(db: Store) -> None:
    query = {"regios": ",".join(ISSUE_COMPARE), "jaar": "2024"}
    view, rejected, selection = cmp.CompareView.from_query(query, db)
    assert view.regios == ISSUE_COMPARE and rejected == [] and not selection.unknown
    tables = cmp.compare_tables(db, view)
    wonen = tables["wonen"].set_index("indicator_id")
    for code in ISSUE_COMPARE:
        assert wonen.at["inwoners", code] == recomputed(db, code, "inwoners", 2024)
    assert wonen.at["inwoners", LAND_CODE] == db.value("inwoners", 2024, LAND_CODE)
    labels = cmp.region_labels(cmp.regions_and_areas(db, 2024), list(ISSUE_COMPARE), "en")
    assert labels["NPLV-AMSTERDAM-ZUIDOOST"] == "Amsterdam Zuidoost (focus area, Amsterdam)"
    download = cmp.download_for(db, view, cmp.TableKey("thema", "wonen"))
    assert download is not None
    assert "Amsterdam Zuidoost (focusgebied, Amsterdam) [NPLV-AMSTERDAM-ZUIDOOST]" in \
        download.frame.columns


@pytest.mark.parametrize(("typed", "first"), [
    ("Zuidoost", "NPLV-AMSTERDAM-ZUIDOOST"),
    ("overvecht", "NPLV-UTRECHT-OVERVECHT"),
    ("Den Haag", "GM0518"),  # the gemeente first, its focus area right after
    ("nplv-lelystad", "NPLV-LELYSTAD-OOST"),
])
def test_search_boxes_offer_focus_areas_before_wijken(db: Store, typed: str, first: str) -> None:
    found = search.options(area_view.index_with_areas(db, 2024), typed, "nl", (),
                           search.WITH_AREAS)
    assert found[0]["value"] == first
    if typed == "Den Haag":
        assert found[1]["value"] == "NPLV-DEN-HAAG-ZUIDWEST"
    # and regions still follow (typing "Zuidoost" also offers the wijken of that name)
    if typed == "Zuidoost":
        assert any(o["value"].startswith("WK") for o in found[1:])


def test_the_map_outlines_a_chosen_area_and_gives_its_value(db: Store) -> None:
    area = load_areas()["NPLV-AMSTERDAM-ZUIDOOST"]
    old, _ = mapview.MapView.from_query({"indicator": "inwoners", "jaar": "2024"}, db)
    view = mapview.changed(old, "search", area.id, db)
    assert view is not None
    assert (view.regio, view.gemeente, view.niveau) == (area.id, area.gemeente, "wijk")
    outlined = mapview.selected_codes(db, view)
    assert set(outlined) == set(area.wijken_in(2024))
    rows = mapview.map_rows(db, view)
    assert rows.loc[mapview.selected_index(db, view), "code"] in outlined
    panel = mapview.panel(db, view)
    assert panel.region is not None and panel.region["level"] == LEVEL
    assert panel.rows[0].value == recomputed(db, area.id, "inwoners", 2024)
    assert [r.code for r in panel.rows[1:]] == [area.gemeente, LAND_CODE]
    # the address keeps it, and an unknown area is refused
    again, rejected = mapview.MapView.from_query({"regio": area.id, "niveau": "wijk",
                                                 "gemeente": area.gemeente}, db)
    assert again.regio == area.id and rejected == []
    _, rejected = mapview.MapView.from_query({"regio": "NPLV-NERGENS"}, db)
    assert rejected == ["regio"]


def test_the_api_lists_and_serves_focus_areas(client: Any, db: Store) -> None:
    listed = client.get("/api/v1/regions?year=2024&level=focusgebied").get_json()
    assert listed["count"] == 20
    first = listed["regions"][0]
    area = load_areas()[first["code"]]
    assert first["members"] == list(area.members_in(2024))
    assert first["sources"] and first["composition"] in ("exact", "approximate")
    served = client.get("/api/v1/observations?indicator=inwoners&year=2024&level=focusgebied"
                        ).get_json()
    by_code = {o["code"]: o["value"] for o in served["observations"]}
    for code in ISSUE_COMPARE:
        assert by_code[code] == recomputed(db, code, "inwoners", 2024)
    within = client.get("/api/v1/regions?year=2024&level=focusgebied&gemeente=GM0363"
                        ).get_json()
    assert {r["code"] for r in within["regions"]} == {
        a.id for a in load_areas().values() if a.gemeente == "GM0363"} >= {
        "NPLV-AMSTERDAM-ZUIDOOST", "NPLV-AMSTERDAM-NIEUW-WEST"}
