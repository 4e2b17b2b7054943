"""The synthetic store of tests/fixtures.py holds what its constants say it holds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely

from core.schema import SCHEMA_VERSION, TABLE_NAMES
from etl.store import read_meta
from tests import fixtures


def q(store: Path, sql: str, *params: object) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def test_it_builds_quickly_with_the_real_writer(tmp_path: Path) -> None:
    fixtures.build_synthetic_store(tmp_path / "warm-up.duckdb")  # first use loads libraries
    (tmp_path / "warm-up.duckdb").unlink()
    # CPU time, not wall time: other work on a shared machine must not fail this.
    started = time.process_time()
    path = fixtures.build_synthetic_store(tmp_path / "s.duckdb")
    assert time.process_time() - started < 2.0
    meta = read_meta(path)
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["source"] == "synthetic (tests/fixtures.py)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.duckdb"]


def test_every_table_of_the_schema_has_rows(synthetic_store: Path) -> None:
    for table in TABLE_NAMES:
        n = q(synthetic_store, f"SELECT count(*) AS n FROM {table}")["n"].iloc[0]
        assert n > 0, table


def test_regions_per_indeling(synthetic_store: Path) -> None:
    counts = q(synthetic_store, "SELECT year, level, count(*) AS n FROM region GROUP BY ALL")
    per = counts.set_index(["year", "level"])["n"]
    for year in fixtures.YEARS:
        assert per[(year, "gemeente")] == fixtures.N_GEMEENTEN[year]
        assert per[(year, "land")] == 1
        assert per[(year, "wijk")] == len(fixtures.WIJKEN[year]) + fixtures.N_FILLER
        assert per[(year, "buurt")] == len(fixtures.BUURTEN[year])
    weesp = q(synthetic_store, "SELECT year FROM region WHERE code = ?", fixtures.WEESP)
    assert weesp["year"].tolist() == [2022]


@pytest.mark.parametrize(("key", "value"), sorted(fixtures.INHABITANTS.items()))
def test_known_inhabitants(synthetic_store: Path, key: tuple[int, str], value: float) -> None:
    year, code = key
    stored = q(synthetic_store, "SELECT value FROM observation WHERE indicator_id = 'inwoners' "
               "AND year = ? AND region_code = ?", year, code)
    assert stored["value"].tolist() == [value]


def test_wijken_add_up_to_their_gemeente(synthetic_store: Path) -> None:
    sums = q(synthetic_store, """
        SELECT o.year, r.gemeente_code, sum(o.value) AS wijken, any_value(g.value) AS gemeente
        FROM observation o JOIN region r ON r.year = o.region_year AND r.code = o.region_code
        JOIN observation g ON g.indicator_id = o.indicator_id AND g.year = o.year
             AND g.region_code = r.gemeente_code
        WHERE o.indicator_id = 'inwoners' AND r.level = 'wijk' GROUP BY ALL""")
    assert len(sums) == sum(fixtures.N_GEMEENTEN.values())
    assert (sums["wijken"] == sums["gemeente"]).all()


def test_the_police_indicator_is_on_the_2024_indeling_for_every_period(
    synthetic_store: Path,
) -> None:
    police = q(synthetic_store, "SELECT DISTINCT year, region_year FROM observation "
               "WHERE source_table = ? ORDER BY year", fixtures.POLICE_TABLE)
    assert police.values.tolist() == [[2022, 2024], [2024, 2024]]


def test_changed_areas_and_the_merger(synthetic_store: Path) -> None:
    changed = q(synthetic_store, "SELECT code FROM region_change WHERE NOT same_area ORDER BY 1")
    assert tuple(changed["code"]) == fixtures.CHANGED_CODES
    merger = q(synthetic_store, "SELECT year, old_code, old_name, new_code, new_name "
               "FROM gemeente_merger")
    assert merger.to_dict("records") == [fixtures.MERGER]


def test_no_stored_rate_joins_two_different_areas(synthetic_store: Path) -> None:
    rates = q(synthetic_store, "SELECT year, region_code FROM observation "
              "WHERE indicator_id = 'misdrijven_per_1000'")
    pairs = set(zip(rates["year"], rates["region_code"], strict=True))
    assert (2024, fixtures.AMSTERDAM) in pairs and (2024, fixtures.CHANGED_WIJK) in pairs
    assert (2022, fixtures.AMSTERDAM) not in pairs
    assert (2022, fixtures.CHANGED_WIJK) not in pairs
    assert (2022, fixtures.DEURNE) in pairs  # the gemeente itself kept its area


def test_every_withheld_value_has_its_reason_and_no_observation(synthetic_store: Path) -> None:
    gaps = q(synthetic_store, "SELECT year, region_code, indicator_id, reason, note_en "
             "FROM observation_gap")
    got = {(r.year, r.region_code, r.indicator_id): r.reason for r in gaps.itertuples()}
    assert got == fixtures.GAPS
    assert gaps["note_en"].str.len().gt(10).all()
    for year, code, indicator in fixtures.GAPS:
        assert q(synthetic_store, "SELECT count(*) AS n FROM observation WHERE year = ? "
                 "AND region_code = ? AND indicator_id = ?", year, code,
                 indicator)["n"].iloc[0] == 0
    withheld = q(synthetic_store, "SELECT year, n_withheld FROM availability "
                 "WHERE indicator_id = 'misdrijven_per_1000' ORDER BY year")
    assert withheld.values.tolist() == [[2022, 2], [2024, 1]]


def test_every_source_is_attributed_with_its_indeling(synthetic_store: Path) -> None:
    runs = q(synthetic_store, "SELECT source_table, source, publisher, indeling FROM etl_run")
    police = runs[runs["source_table"] == fixtures.POLICE_TABLE].iloc[0]
    assert (police["publisher"], police["indeling"]) == ("Politie, via CBS", 2024)
    assert runs["publisher"].notna().all() and runs["indeling"].notna().all()


def test_the_region_without_values_has_none(synthetic_store: Path) -> None:
    year, code = fixtures.EMPTY_REGION
    assert len(q(synthetic_store, "SELECT 1 FROM region WHERE year = ? AND code = ?",
                 year, code)) == 1
    assert q(synthetic_store, "SELECT count(*) AS n FROM observation WHERE region_code = ?",
             code)["n"].iloc[0] == 0


def test_boundaries_are_valid_and_match_their_geojson(synthetic_store: Path) -> None:
    shapes = q(synthetic_store, "SELECT year, level, code, geometry FROM boundary")
    geoms = [shapely.from_wkb(bytes(g)) for g in shapes["geometry"]]
    assert all(g.is_valid and g.area > 0 for g in geoms)
    layers = q(synthetic_store, "SELECT year, level, n_features, geojson FROM boundary_geojson")
    for row in layers.itertuples():
        features = json.loads(row.geojson)["features"]
        codes = shapes[(shapes["year"] == row.year) & (shapes["level"] == row.level)]["code"]
        assert row.n_features == len(features) == len(codes)
        assert {f["id"] for f in features} == set(codes)
    amsterdam = {r.year: shapely.from_wkb(bytes(r.geometry)) for r in shapes.itertuples()
                 if r.code == fixtures.AMSTERDAM}
    weesp_2022 = next(shapely.from_wkb(bytes(r.geometry)) for r in shapes.itertuples()
                      if r.code == fixtures.WEESP)
    assert amsterdam[2024].equals(amsterdam[2022].union(weesp_2022))
