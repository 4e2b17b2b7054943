"""The compare page's view model: selection validation, ranking and percentile,
side-by-side tables, scatter data and the URL state — pure functions first, then on the
store built from the mirror; and the page's layout."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.regions import ALL_GEMEENTEN as ALL
from core.regions import LAND_CODE as NL_CODE
from dashboard.data import Store
from dashboard.views import compare as cmp
from dashboard.views.common import records
from dashboard.views.compare import MAX_REGIONS, CompareView, TableKey
from tests.builders import frame_of, indicator


# ------------------------------------------------------------------- pure: selection
def test_split_codes_normalises_and_keeps_order() -> None:
    assert cmp.split_codes(" gm0363, WK0363AB,,GM0363 ") == ["GM0363", "WK0363AB", "GM0363"]
    assert cmp.split_codes(["bu03630000", " ", None]) == ["BU03630000"]  # type: ignore[list-item]
    assert cmp.split_codes(None) == []


def test_validate_selection_drops_unknown_duplicates_and_excess() -> None:
    known = {"GM0363", "GM0599", "WK0363AB", "BU0363AB01"} | {f"GM{n:04d}" for n in range(20)}
    sel = cmp.validate_selection("GM0363,gm0363,WK0363AB,XX,GM9999,BU0363AB01", known)
    assert sel.codes == ("GM0363", "WK0363AB", "BU0363AB01")
    assert sel.unknown == ("XX", "GM9999")
    assert sel.excess == ()
    assert sel.enough

    many = ",".join(f"GM{n:04d}" for n in range(12))
    sel = cmp.validate_selection(many, known)
    assert len(sel.codes) == MAX_REGIONS
    assert sel.excess == tuple(f"GM{n:04d}" for n in range(MAX_REGIONS, 12))

    assert not cmp.validate_selection("GM0363", known).enough
    assert not cmp.validate_selection("", known).enough


def test_validate_selection_rejects_injection_and_huge_codes() -> None:
    known = {"GM0363"}
    sel = cmp.validate_selection("GM0363' OR 1=1 --," + "A" * 10_000 + ",GM0363", known)
    assert sel.codes == ("GM0363",)
    # echoed back cut to the longest id a focus area could have
    assert all(len(c) <= cmp.MAX_AREA_ID for c in sel.unknown)
    assert "A" * 10_000 not in sel.unknown


# --------------------------------------------------------------------- pure: ranking


def test_ranking_higher_better_positions_and_percentiles() -> None:
    table = cmp.ranking_table(frame_of([10, 40, 20, 30]), "higher_better")
    assert list(table["value"]) == [40, 30, 20, 10]
    assert list(table["position"]) == [1, 2, 3, 4]
    # Percentile: share of wijken with an equal or lower value.
    assert list(table["percentile"]) == [100.0, 75.0, 50.0, 25.0]


def test_ranking_lower_better_reverses_positions_not_percentiles() -> None:
    table = cmp.ranking_table(frame_of([10, 40, 20, 30]), "lower_better")
    assert list(table["value"]) == [10, 20, 30, 40]
    assert list(table["position"]) == [1, 2, 3, 4]
    assert list(table["percentile"]) == [25.0, 50.0, 75.0, 100.0]


def test_ranking_neutral_is_highest_first() -> None:
    table = cmp.ranking_table(frame_of([1, 3, 2]), "neutral")
    assert list(table["value"]) == [3, 2, 1]


def test_ranking_ties_share_the_best_position_and_missing_comes_last() -> None:
    table = cmp.ranking_table(frame_of([10, None, 20, 20, 30]), "higher_better")
    assert list(table["position"])[:4] == [1, 2, 2, 4]
    assert list(table["percentile"])[:4] == [100.0, 75.0, 75.0, 25.0]
    last = table.iloc[-1]
    assert math.isnan(last["value"])
    assert pd.isna(last["position"]) and pd.isna(last["percentile"])
    # Ties in value sort by name.
    assert list(table["name"])[1:3] == ["wijk c", "wijk d"]


def test_ranking_of_nothing() -> None:
    table = cmp.ranking_table(frame_of([]), "higher_better")
    assert table.empty


# ---------------------------------------------------------------------- pure: tables
def test_compare_table_rows_columns_and_missing() -> None:
    values = pd.DataFrame({
        "indicator_id": ["a", "a", "a", "b", "c"],
        "code": ["GM0001", "GM0002", NL_CODE, "GM0002", "GM0009"],
        "value": [1.0, 2.0, 3.0, 4.5, 9.0],
        "source_table": "T",
    })
    inds = [indicator("a"), indicator("b"), indicator("c"), indicator("d")]
    table = cmp.compare_table(values, inds, ["GM0001", "GM0002", NL_CODE], "nl")
    assert list(table.columns) == ["indicator_id", "indicator", "unit", "GM0001", "GM0002",
                                   NL_CODE]
    # c has a value only for a region not asked for, d none at all: both left out.
    assert list(table["indicator_id"]) == ["a", "b"]
    assert table.loc[0, "GM0001"] == 1.0 and table.loc[0, NL_CODE] == 3.0
    assert math.isnan(table.loc[1, "GM0001"]) and table.loc[1, "GM0002"] == 4.5
    assert table.loc[0, "indicator"] == "Label a"
    assert cmp.compare_table(values, inds, ["GM0001"], "en").loc[0, "indicator"] == \
        "Label a en"


def test_compare_table_of_no_values() -> None:
    empty = pd.DataFrame(columns=["indicator_id", "code", "value", "source_table"])
    assert cmp.compare_table(empty, [indicator("a")], ["GM0001"], "nl").empty


def test_scatter_table_keeps_regions_with_both_values() -> None:
    xs = frame_of([1, 2, None, 4])
    ys = frame_of([10, None, 30, 40])
    table = cmp.scatter_table(xs, ys)
    assert list(table["code"]) == ["WK000000", "WK000003"]
    assert list(table["x"]) == [1, 4] and list(table["y"]) == [10, 40]


def test_table_key_parse() -> None:
    assert TableKey.parse("thema:wonen") == TableKey("thema", "wonen")
    assert str(TableKey("thema", "wonen")) == "thema:wonen"
    assert TableKey.parse("ranking") == TableKey("ranking")
    assert TableKey.parse("thema:bogus") is None
    assert TableKey.parse("'; DROP TABLE x") is None


def test_records_turn_nan_into_null() -> None:
    rows = records(pd.DataFrame({"a": [1.5, float("nan")],
                                     "b": pd.array([1, None], dtype="Int64")}))
    assert rows == [{"a": 1.5, "b": 1}, {"a": None, "b": None}]


def test_view_query_leaves_defaults_out() -> None:
    view = CompareView("nl", ("GM0363", "WK0363AB"), 2024, "", "inwoners", ALL, "a", "b")
    assert view.query() == "?regios=GM0363,WK0363AB&jaar=2024&ranking=inwoners&x=a&y=b"
    assert view.url() == "/vergelijken" + view.query()
    assert "lang=en" in CompareView(lang="en").query()


def test_short_labels_add_code_on_duplicates() -> None:
    index = pd.DataFrame({"code": ["WK000101", "WK000201", "GM0003"],
                          "name": ["Centrum", "Centrum", "Stad"]})
    labels = cmp.short_labels(index, ["WK000101", "WK000201", "GM0003", NL_CODE], "nl")
    assert labels == {"WK000101": "Centrum (WK000101)", "WK000201": "Centrum (WK000201)",
                      "GM0003": "Stad", NL_CODE: "Nederland"}


# ------------------------------------------------------------------ on the real store
def test_default_year_is_the_richest(db: Store) -> None:
    # In the mirror, KWB 2021 holds 54 indicators at wijk level, KWB 2024 only 18.
    assert cmp.default_year(db) == 2021
    assert 2024 in cmp.compare_years(db)


def test_resolve_view_from_url(db: Store) -> None:
    view, rejected, selection = CompareView.from_query(
        {"regios": "GM0363,wk0363ab,GM0599", "jaar": "2024", "thema": "wonen",
         "ranking": "woz_waarde", "gemeente": "GM0363", "x": "woz_waarde",
         "y": "koopwoningen", "lang": "en"}, db)
    assert rejected == []
    assert view == CompareView("en", ("GM0363", "WK0363AB", "GM0599"), 2024, "wonen",
                               "woz_waarde", "GM0363", "woz_waarde", "koopwoningen")
    assert selection.enough
    again, rejected, _ = CompareView.from_query(view.params(), db)
    assert again == view and rejected == []


def test_resolve_view_rejects_bad_values_with_defaults(db: Store) -> None:
    view, rejected, selection = CompareView.from_query(
        {"regios": "GM0363,NOPE,GM9999", "jaar": "1800", "thema": "x' OR 1=1",
         "ranking": "nope", "gemeente": "GM9999", "x": "A" * 5000, "lang": "fr"}, db)
    assert set(rejected) == {"regios", "jaar", "thema", "ranking", "gemeente", "x", "lang"}
    assert view.lang == "nl" and view.jaar == cmp.default_year(db) and view.thema == ""
    assert view.regios == ("GM0363",) and not selection.enough
    assert selection.unknown == ("NOPE", "GM9999")
    # Gemeente defaults to the gemeente of the first chosen area.
    assert view.gemeente == "GM0363"
    assert view.ranking and view.x and view.y and view.x != view.y


def test_resolve_view_defaults_without_parameters(db: Store) -> None:
    view, rejected, _ = CompareView.from_query({}, db)
    assert rejected == [] and view.regios == () and view.gemeente == ALL
    assert view.x == "woz_waarde" and view.y == "koopwoningen"


def test_compare_tables_match_the_store(db: Store) -> None:
    view = CompareView("nl", ("GM0363", "WK0363AB", "GM0599"), 2024)
    tables = cmp.compare_tables(db, view)
    assert "wonen" in tables and "veiligheid" in tables
    wonen = tables["wonen"].set_index("indicator_id")
    assert wonen.at["inwoners", "GM0363"] == 931298
    assert wonen.at["inwoners", NL_CODE] == db.value("inwoners", 2024, NL_CODE)
    for subtheme, table in tables.items():
        for row in table.to_dict("records"):
            assert db.indicators[row["indicator_id"]].subtheme == subtheme
            for code in [*view.regios, NL_CODE]:
                stored = db.value(row["indicator_id"], 2024, code)
                if stored is None:
                    assert math.isnan(row[code])
                else:
                    assert row[code] == stored
    only = cmp.compare_tables(db, view.with_changes(thema="zorg"))
    assert list(only) == ["zorg"]


def test_region_labels_and_sources(db: Store) -> None:
    index = db.regions(2024)
    labels = cmp.region_labels(index, ["GM0363", "WK0363AB", NL_CODE], "nl")
    assert labels == {"GM0363": "Amsterdam (gemeente)", "WK0363AB": "Jordaan (wijk, Amsterdam)",
                      NL_CODE: "Nederland"}
    values = cmp.compare_values(db, CompareView(regios=("GM0363",), jaar=2024))
    assert cmp.table_sources(values, ["inwoners"]) == ["85984NED"]
    assert cmp.table_sources(values, ["misdrijven_totaal"]) == ["47018NED"]


def test_ranking_of_amsterdam_wijken(db: Store) -> None:
    frame = cmp.wijk_values(db, "woz_waarde", 2024, "GM0363")
    assert len(frame) == 110 and set(frame["gemeente_code"]) == {"GM0363"}
    table = cmp.ranking_table(frame, db.indicators["woz_waarde"].direction)
    stored = db.api_observations("woz_waarde", 2024, "wijk", "GM0363").sort_values(
        "value", ascending=False)
    assert table.iloc[0]["code"] == stored.iloc[0]["code"]
    assert table.iloc[0]["value"] == stored.iloc[0]["value"]
    assert table.iloc[0]["position"] == 1 and table.iloc[0]["percentile"] == 100.0
    n = len(stored)
    assert int(table["position"].max()) <= n and table["value"].notna().sum() == n


def test_ranking_of_all_wijken_in_nl(db: Store) -> None:
    """Every wijk of the 2024 indeling (KWB 2024 lists 3,393), of every gemeente."""
    frame = cmp.wijk_values(db, "inwoners", 2024, ALL)
    assert len(frame) == 3393 and frame["code"].is_unique
    assert frame["gemeente_code"].nunique() == 342


def test_download_frames(db: Store) -> None:
    view = CompareView("nl", ("GM0363", "WK0363AB"), 2024, "", "woz_waarde", "GM0363",
                       "woz_waarde", "koopwoningen")
    wonen = cmp.download_for(db, view, TableKey("thema", "wonen"))
    assert wonen is not None
    assert "Amsterdam (gemeente) [GM0363]" in wonen.frame.columns
    assert "Nederland [NL00]" in wonen.frame.columns
    assert "inwoners" in wonen.indicator_ids and wonen.years == [2024]
    ranking = cmp.download_for(db, view, TableKey("ranking"))
    assert ranking is not None and len(ranking.frame) == 110
    assert list(ranking.frame.columns)[:3] == ["positie", "percentiel", "code"]
    scatter = cmp.download_for(db, view, TableKey("scatter"))
    assert scatter is not None
    assert {"woz_waarde", "koopwoningen"} <= set(scatter.frame.columns)
    assert scatter.frame[["woz_waarde", "koopwoningen"]].notna().all().all()
    few = view.with_changes(regios=("GM0363",))
    assert cmp.download_for(db, few, TableKey("thema", "wonen")) is None


# ------------------------------------------------------------------- the page layout
def find(component: Any, component_id: str) -> Any:
    """The component with this id in a Dash layout tree (depth first)."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


@pytest.fixture(scope="module")
def page_layout(built_store: Path) -> Callable[..., Any]:
    import sys

    from dashboard.app import create_app

    app = create_app(built_store)
    module = sys.modules["pages.compare"]

    def render(**query: str) -> Any:
        with app.server.test_request_context():
            return module.layout(**query)

    return render


def test_page_too_many_areas_and_unknown_codes(page_layout: Callable[..., Any]) -> None:
    codes = ["GM0363", "GM0599", "GM0518", "GM0344", "GM0014", "GM0034", "GM0202", "GM0153",
             "GM0193", "GM0200"]
    layout = page_layout(regios=",".join([*codes, "NOPE"]), jaar="2024")
    assert "GM0193, GM0200" in str(find(layout, "too-many").children)
    assert "NOPE" in str(find(layout, "unknown-regions").children)
    assert find(layout, "cmp-regios").value == codes[:MAX_REGIONS]
    assert find(layout, "compare-grid-wonen") is not None
    assert find(layout, "too-few") is None


def test_page_english_and_theme(page_layout: Callable[..., Any]) -> None:
    layout = page_layout(regios="GM0363,WK0363AB", jaar="2024", thema="zorg", lang="en")
    assert layout.lang == "en"
    assert find(layout, "compare-grid-zorg") is not None
    assert find(layout, "compare-grid-wonen") is None
    grid = find(layout, "compare-grid-zorg")
    headers = [c["headerName"] for c in grid.columnDefs]
    assert headers[:2] == ["Indicator", "Unit"]
    assert headers[2:] == ["Amsterdam (municipality)", "Jordaan (district, Amsterdam)",
                           "Netherlands"]
    assert "Bron: CBS" in str(find(layout, "attribution").children)
