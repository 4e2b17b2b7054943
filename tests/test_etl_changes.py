"""Boundary-change detection and mergers on small made-up indelingen (squares in metres)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from etl.changes import (
    code_overlap,
    counts_agree,
    detect_changes,
    footprint_overlap,
    overlaps,
)

KM = 1000.0


def layer(shapes: dict[str, shapely.Geometry]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": list(shapes)}, geometry=list(shapes.values()),
                            crs="EPSG:28992")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def regions(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(year, code, level, name, None if level == "land" else "GM" + code[2:6])
         for year, code, level, *rest in rows for name in [rest[0] if rest else code]],
        columns=["year", "code", "level", "name", "gemeente_code"])


def test_overlap_ignores_a_coastline_drawn_differently() -> None:
    a = layer({"GM0001": box(0, 0, 10, 10), "GM0002": box(10, 0, 20, 10)})
    # The same gemeenten, but this year's layer leaves out a strip of sea along GM0001.
    b = layer({"GM0001": box(2, 0, 10, 10), "GM0002": box(10, 0, 20, 10)})
    plain = footprint_overlap(overlaps(a, a))
    assert plain.to_dict() == {"GM0001": 1.0, "GM0002": 1.0}
    assert code_overlap(a, b, enough=0.95)["GM0001"] == pytest.approx(1.0)


def test_overlap_of_a_real_change_stays_low() -> None:
    a = layer({"WK000101": box(0, 0, 5, 10), "WK000102": box(5, 0, 10, 10)})
    b = layer({"WK000101": box(0, 0, 2, 10), "WK000102": box(2, 0, 10, 10)})
    overlap = code_overlap(a, b, enough=0.9)
    assert overlap["WK000101"] == pytest.approx(0.4)
    assert overlap["WK000102"] == pytest.approx(5 / 8)


def test_counts_agree_within_the_tolerance_and_rounding() -> None:
    a = pd.DataFrame({"inwoners": [1000.0, 1000.0, 20.0, None],
                      "woningen": [400.0, 400.0, None, None]},
                     index=["WK1", "WK2", "WK3", "WK4"])
    b = pd.DataFrame({"inwoners": [1040.0, 1300.0, 25.0, 10.0],
                      "woningen": [410.0, 400.0, 5.0, 5.0]},
                     index=["WK1", "WK2", "WK3", "WK4"])
    verdict = counts_agree(a, b, years_apart=1)
    assert verdict.to_dict() == {"WK1": True, "WK2": False, "WK3": True}  # WK4: nothing shared


def _wijken() -> tuple[pd.DataFrame, dict[tuple[int, str], gpd.GeoDataFrame],
                       dict[int, pd.DataFrame]]:
    """Wijken in 2021 (no shapes), 2022 and 2024 (shapes); in 2024 WK000102 gives most of
    its area to a new wijk WK000103."""
    codes = ["WK000101", "WK000102"]
    rows = [(y, "GM0001", "gemeente") for y in (2021, 2022, 2024)]
    rows += [(y, c, "wijk") for y in (2021, 2022, 2024) for c in codes]
    rows += [(2024, "WK000103", "wijk")]
    shapes = {
        (2022, "wijk"): layer({"WK000101": box(0, 0, 5, 10), "WK000102": box(5, 0, 10, 10)}),
        (2024, "wijk"): layer({"WK000101": box(0, 0, 5, 10), "WK000102": box(8, 0, 10, 10),
                               "WK000103": box(5, 0, 8, 10)}),
    }
    counts = {y: pd.DataFrame({"inwoners": [500.0, 800.0], "woningen": [200.0, 300.0]},
                              index=codes) for y in (2021, 2022, 2024)}
    return regions(rows), shapes, counts


def test_geometry_decides_and_counts_fill_the_years_without_shapes() -> None:
    found = detect_changes(*_wijken())
    change = found.region_change.set_index(["code", "from_year", "to_year"])
    assert change.loc[("WK000101", 2022, 2024), ["same_area", "method"]].tolist() == [
        True, "geometry"]
    assert change.loc[("WK000102", 2022, 2024), ["same_area", "method"]].tolist() == [
        False, "geometry"]
    assert change.loc[("WK000102", 2021, 2022), ["same_area", "method"]].tolist() == [
        True, "counts"]
    # Further apart: the same area only if every step is.
    assert change.loc[("WK000101", 2021, 2024), ["same_area", "method"]].tolist() == [
        True, "chain"]
    broken = change.loc[("WK000102", 2021, 2024)]
    assert not broken["same_area"] and "2022 and 2024" in broken["note_en"]
    assert found.same_area("WK000101", 2024, 2021)
    assert not found.same_area("WK000102", 2021, 2024)
    assert "WK000103" not in set(change.index.get_level_values("code"))  # only in 2024


def test_a_middling_overlap_is_decided_by_the_counts() -> None:
    regions_, shapes, counts = _wijken()
    # WK000102 shrinks to 70% of its shape but keeps its people: a different generalisation.
    shapes[(2024, "wijk")] = layer({"WK000101": box(0, 0, 5, 10),
                                    "WK000102": box(5, 0, 8.5, 10),
                                    "WK000103": box(8.5, 0, 10, 10)})
    change = detect_changes(regions_, shapes, counts).region_change.set_index(
        ["code", "from_year", "to_year"])
    assert change.loc[("WK000102", 2022, 2024), ["same_area", "method"]].tolist() == [
        True, "geometry+counts"]
    counts[2024].loc["WK000102", "inwoners"] = 200.0  # and now it lost most of them
    change = detect_changes(regions_, shapes, counts).region_change.set_index(
        ["code", "from_year", "to_year"])
    assert not change.loc[("WK000102", 2022, 2024), "same_area"]


def test_nothing_to_compare_is_unknown_and_never_the_same() -> None:
    rows = [(y, "BU00010001", "buurt") for y in (2020, 2024)]
    change = detect_changes(regions(rows), {}, {}).region_change
    assert change[["same_area", "method"]].values.tolist() == [[False, "unknown"]]


def _gemeenten() -> tuple[pd.DataFrame, dict[tuple[int, str], gpd.GeoDataFrame]]:
    """GM0001 takes in GM0002 between 2020 and 2021; shapes only in 2019 and 2022."""
    rows = [(2019, "GM0001", "gemeente", "Stad"), (2019, "GM0002", "gemeente", "Dorp"),
            (2019, "GM0003", "gemeente", "Buur")]
    rows += [(2020, c, "gemeente", n) for _, c, _, n in rows[:3]]
    rows += [(y, c, "gemeente", n) for y in (2021, 2022)
             for c, n in (("GM0001", "Stad"), ("GM0003", "Buur"))]
    rows += [(y, "NL00", "land", "Nederland") for y in (2019, 2020, 2021, 2022)]
    shapes = {
        (2019, "gemeente"): layer({"GM0001": box(0, 0, 10, 10), "GM0002": box(10, 0, 14, 10),
                                   "GM0003": box(0, 10, 14, 20)}),
        (2022, "gemeente"): layer({"GM0001": box(0, 0, 14, 10), "GM0003": box(0, 10, 14, 20)}),
    }
    return regions(rows), shapes


def test_a_merger_is_derived_from_the_indelingen_and_their_shapes() -> None:
    found = detect_changes(*_gemeenten(), {})
    assert found.mergers[["year", "old_code", "old_name", "new_code", "new_name"]
                         ].values.tolist() == [[2021, "GM0002", "Dorp", "GM0001", "Stad"]]
    assert found.mergers["area_share"].iloc[0] == pytest.approx(1.0)
    change = found.region_change.set_index(["code", "from_year", "to_year"])
    # 2020 → 2021 has no shapes: the codes rule, with the change read from 2019 and 2022.
    stad = change.loc[("GM0001", 2020, 2021)]
    assert not stad["same_area"] and stad["method"] == "codes"
    assert "Dorp" in stad["note_en"] and "Dorp joined Stad" in stad["note_en"]
    buur = change.loc[("GM0003", 2020, 2021)]
    assert buur["same_area"] and buur["method"] == "codes"  # a neighbour, untouched
    assert change.loc[("GM0001", 2019, 2020), "same_area"]  # no code changed then
    assert change.loc[("NL00", 2019, 2022), "same_area"]
