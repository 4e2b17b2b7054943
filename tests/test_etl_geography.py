"""Region versions on the real mirror: indelingen per table, boundary changes, mergers,
same-geography arithmetic, national values, small numbers and attribution.

Every case is found by the ETL's own detection in the session's store (``built_store``),
then checked against the mirror files or the store's own figures; nothing is listed by hand
except the examples issue 10 names (WK076201 Vlierden/Deurne, Weesp joining Amsterdam).
"""

from __future__ import annotations

import gzip
import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from core.catalogue import DEFAULT_MIN_DENOMINATOR, load_catalogue
from etl.changes import counts_agree
from tests.conftest import MIRROR, needs_mirror

pytestmark = needs_mirror

ODATA = MIRROR / "opendata.cbs.nl" / "ODataFeed" / "odata"
KWB = {2019: "84583NED", 2021: "85039NED", 2022: "85318NED", 2023: "85618NED", 2024: "85984NED"}


def q(store: Path, sql: str, *params: Any) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql, list(params)).df()


@cache
def mirror_set(table: str, name: str, catalog: str = "opendata.cbs.nl") -> tuple[dict, ...]:
    folder = MIRROR / catalog / "ODataFeed" / "odata" / table
    plain, packed = folder / f"{name}.json", folder / f"{name}.json.gz"
    raw = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
    return tuple(json.loads(raw)["value"])


def kwb_gemeenten(year: int) -> set[str]:
    return {m["Key"].strip() for m in mirror_set(KWB[year], "WijkenEnBuurten")
            if m["Key"].startswith("GM")}


# ------------------------------------------------------------------------- indelingen


def test_each_table_declares_its_indeling_from_its_region_dimension(built_store: Path) -> None:
    runs = q(built_store, "SELECT source_table, indeling FROM etl_run WHERE status = 'ok' "
                          "AND source <> 'pdok'").set_index("source_table")["indeling"]
    for table in runs.index:
        catalog = "opendata.cbs.nl" if table in KWB.values() else "dataderden.cbs.nl"
        geo = [p for p in mirror_set(table, "DataProperties", catalog)
               if p["Type"] in ("GeoDimension", "GeoDetail")]
        assert runs[table] == geo[0]["MapYear"], table
    assert runs["47018NED"] == 2024 and runs["50090NED"] == 2020


def test_observations_are_on_their_tables_indeling_not_their_period(built_store: Path) -> None:
    per_table = q(built_store, "SELECT source_table, min(year) AS first, max(year) AS last, "
                               "list(DISTINCT region_year) AS indelingen FROM observation "
                               "GROUP BY 1").set_index("source_table")
    assert list(per_table.loc["47018NED", "indelingen"]) == [2024]
    assert per_table.loc["47018NED", "first"] == 2021  # 2021 figures on 2024 boundaries
    assert list(per_table.loc["50090NED", "indelingen"]) == [2020]
    kwb = q(built_store, "SELECT count(*) AS n FROM observation o JOIN etl_run r "
                         "ON r.source_table = o.source_table WHERE r.source = 'kwb' "
                         "AND o.region_year <> o.year")
    assert kwb["n"].iloc[0] == 0


def test_regions_of_a_year_are_only_those_of_its_indeling(built_store: Path) -> None:
    counts = q(built_store, "SELECT year, level, count(*) AS n FROM region GROUP BY ALL")
    per = counts.set_index(["year", "level"])["n"]
    for year in (2019, 2021, 2022, 2023, 2024):
        codes = set(q(built_store, "SELECT code FROM region WHERE year = ? AND level = "
                                   "'gemeente'", year)["code"])
        assert codes == kwb_gemeenten(year), year
    assert per[(2021, "gemeente")] == 352  # CBS's 2021 indeling
    assert "GM1992" not in set(q(built_store, "SELECT code FROM region WHERE year = 2021")["code"])
    # No table or layer defines wijken or buurten for 2023, nor anything for 2025.
    assert (2023, "wijk") not in per.index and (2023, "buurt") not in per.index
    assert 2025 not in set(counts["year"])
    # Every indeling has the Netherlands.
    assert all(per[(year, "land")] == 1 for year in set(counts["year"]))


# ------------------------------------------------------------------ boundary changes


def test_detection_finds_wijken_that_changed_between_2022_and_2024(built_store: Path) -> None:
    changed = q(built_store, "SELECT code, method, overlap, note_en FROM region_change "
                             "WHERE level = 'wijk' AND from_year = 2022 AND to_year = 2024 "
                             "AND NOT same_area").set_index("code")
    assert len(changed) > 20
    vlierden = changed.loc["WK076201"]
    assert vlierden["method"] == "geometry" and vlierden["overlap"] < 0.05
    assert "Boundaries changed between 2022 and 2024" in vlierden["note_en"]
    # The inhabitants confirm it: 1,460 in 2022 (Vlierden), 13,800 in 2024 (Deurne).
    people = q(built_store, "SELECT year, value FROM observation WHERE region_code = "
                            "'WK076201' AND indicator_id = 'inwoners'").set_index("year")
    assert people.loc[2022, "value"] == 1460 and people.loc[2024, "value"] == 13800


def test_most_wijken_are_the_same_area_in_2022_and_2024(built_store: Path) -> None:
    pairs = q(built_store, "SELECT same_area, count(*) AS n FROM region_change WHERE "
                           "level = 'wijk' AND from_year = 2022 AND to_year = 2024 GROUP BY 1")
    n = pairs.set_index("same_area")["n"]
    assert n[True] > 0.95 * (n[True] + n[False])


def test_the_counts_rule_agrees_with_the_shapes_where_those_are_clear(built_store: Path) -> None:
    """The counts rule decides where there are no shapes (2021→2022); calibrate it on the
    wijken of 2022 and 2024, where the shapes decide clearly."""
    def counts(year: int) -> pd.DataFrame:
        frame = q(built_store, "SELECT o.region_code, o.indicator_id, o.value FROM observation "
                               "o JOIN region r ON r.year = o.region_year AND r.code = "
                               "o.region_code WHERE o.year = ? AND r.level = 'wijk' AND "
                               "o.indicator_id IN ('inwoners', 'woningvoorraad')", year)
        wide = frame.pivot(index="region_code", columns="indicator_id", values="value")
        return wide.rename(columns={"woningvoorraad": "woningen"})

    shapes = q(built_store, "SELECT code, overlap FROM region_change WHERE level = 'wijk' AND "
                            "from_year = 2022 AND to_year = 2024 AND overlap IS NOT NULL "
                            "AND (overlap >= 0.9 OR overlap < 0.5)").set_index("code")["overlap"]
    verdict = counts_agree(counts(2022), counts(2024), years_apart=2)
    both = shapes.index.intersection(verdict.index)
    same_by_shape = shapes[both] >= 0.9
    assert len(both) > 3000
    assert (same_by_shape == verdict[both]).mean() > 0.9
    changed = ~same_by_shape
    assert (~verdict[both][changed]).mean() > 0.85  # it catches the real changes


def test_amsterdam_2022_is_not_amsterdam_2023_and_weesps_merger_is_found(
    built_store: Path,
) -> None:
    amsterdam = q(built_store, "SELECT from_year, to_year, same_area, method, note_en FROM "
                               "region_change WHERE code = 'GM0363'")
    step = amsterdam[(amsterdam["from_year"] == 2022) & (amsterdam["to_year"] == 2023)].iloc[0]
    assert not step["same_area"] and step["method"] == "geometry"
    assert "Weesp joined Amsterdam" in step["note_en"]
    later = amsterdam[(amsterdam["from_year"] == 2022) & (amsterdam["to_year"] == 2024)].iloc[0]
    assert not later["same_area"]  # a chain with a break stays broken
    assert amsterdam[(amsterdam["from_year"] == 2023)
                     & (amsterdam["to_year"] == 2024)]["same_area"].all()
    weesp = q(built_store, "SELECT * FROM gemeente_merger WHERE old_code = 'GM0457'")
    assert weesp[["year", "new_code", "new_name"]].values.tolist() == [[2023, "GM0363",
                                                                         "Amsterdam"]]
    assert weesp["area_share"].iloc[0] > 0.95


def test_every_gemeente_that_ended_has_its_merger(built_store: Path) -> None:
    mergers = q(built_store, "SELECT year, old_code, new_code, area_share FROM gemeente_merger")
    gemeenten = q(built_store, "SELECT year, code FROM region WHERE level = 'gemeente'")
    codes = {year: set(part["code"]) for year, part in gemeenten.groupby("year")}
    ended = {code: b for a, b in itertools.pairwise(sorted(codes)) for code in codes[a] - codes[b]}
    assert len(ended) >= 15  # 2021, 2022 and 2023 reorganisations
    assert dict(zip(mergers["old_code"], mergers["year"], strict=True)) == ended
    for row in mergers.itertuples():  # the successor exists in that indeling
        assert row.new_code in codes[row.year]
    # A gemeente that took in most of another is not the same area across that year.
    steps = q(built_store, "SELECT code, from_year, to_year, same_area FROM region_change "
                           "WHERE level = 'gemeente' AND to_year = from_year + 1 OR "
                           "(level = 'gemeente' AND from_year = 2019 AND to_year = 2020)")
    step = {(r.code, r.to_year): r.same_area for r in steps.itertuples()}
    checked = 0
    for row in mergers[mergers["area_share"] > 0.5].itertuples():
        if (row.new_code, row.year) in step:  # it existed the indeling before too
            assert not step[(row.new_code, row.year)], row
            checked += 1
    assert checked >= 2  # Purmerend (Beemster, 2022), Amsterdam (Weesp, 2023)


# --------------------------------------------------------------- same geography


def test_no_stored_rate_combines_two_different_areas(built_store: Path) -> None:
    cross = q(built_store, """
        SELECT o.year, o.region_year, o.region_code, o.indicator_id, c.same_area
        FROM observation o
        LEFT JOIN region_change c ON c.code = o.region_code AND c.from_year = o.year
             AND c.to_year = o.region_year
        WHERE o.year <> o.region_year AND o.indicator_id LIKE '%per_1000%'
          AND o.region_code <> 'NL00'""")
    assert len(cross) > 3000  # 2021–2023 crime rates, each checked
    assert cross["same_area"].fillna(False).all()
    assert not len(q(built_store, "SELECT 1 FROM observation WHERE region_code = 'WK076201' "
                                  "AND indicator_id = 'misdrijven_per_1000' AND year = 2022"))
    gap = q(built_store, "SELECT reason, note_en FROM observation_gap WHERE region_code = "
                         "'WK076201' AND indicator_id = 'misdrijven_per_1000' AND year = 2022")
    assert gap["reason"].tolist() == ["other_area"]
    every_other = q(built_store, """
        SELECT g.year, g.region_code, c.same_area FROM observation_gap g
        JOIN region_change c ON c.code = g.region_code AND c.from_year = g.year
             AND c.to_year = g.region_year WHERE g.reason = 'other_area'""")
    assert len(every_other) > 100 and not every_other["same_area"].any()


def test_rates_of_the_indeling_itself_are_kept_for_changed_codes(built_store: Path) -> None:
    rate = q(built_store, "SELECT value FROM observation WHERE region_code = 'WK076201' AND "
                          "indicator_id = 'misdrijven_per_1000' AND year = 2024")
    assert rate["value"].tolist() == [pytest.approx(636 / 13800 * 1000)]


# ------------------------------------------------------------------- national values


@pytest.mark.parametrize(("indicator", "years"), [
    ("misdrijven_per_1000", (2021, 2022, 2023, 2024)),
    ("woningvoorraad", (2021, 2022, 2024)),
    ("personenautos", (2021, 2024)),
    ("personen_laagste_40_procent", (2021, 2022)),
    ("nettoarbeidsparticipatie", (2021, 2022)),
])
def test_national_values_where_published_or_computable(
    built_store: Path, indicator: str, years: tuple[int, ...]
) -> None:
    nl = q(built_store, "SELECT year FROM observation WHERE region_code = 'NL00' AND "
                        "indicator_id = ?", indicator)
    assert set(years) <= set(nl["year"])


def test_national_crime_rate_is_national_crimes_over_national_inhabitants(
    built_store: Path,
) -> None:
    rows = q(built_store, "SELECT indicator_id, value FROM observation WHERE region_code = "
                          "'NL00' AND year = 2022").set_index("indicator_id")["value"]
    gemeenten_2024 = q(built_store, "SELECT sum(value) AS s, count(*) AS n FROM observation o "
                                    "JOIN region r ON r.year = o.region_year AND r.code = "
                                    "o.region_code WHERE o.indicator_id = 'misdrijven_totaal' "
                                    "AND o.year = 2022 AND r.level = 'gemeente'")
    assert gemeenten_2024["n"].iloc[0] == 342
    assert rows["misdrijven_totaal"] == gemeenten_2024["s"].iloc[0]
    assert rows["misdrijven_per_1000"] == pytest.approx(
        rows["misdrijven_totaal"] / rows["inwoners"] * 1000)


def test_a_weighted_national_mean_is_close_to_what_cbs_publishes(built_store: Path) -> None:
    """2021 has CBS's own NL figures: the weighted mean over the gemeenten, as the ETL
    computes it for years without them, must come close (definitions use slightly other
    populations than inhabitants or dwellings)."""
    catalogue = load_catalogue()
    checked = 0
    for ind in ("nettoarbeidsparticipatie", "personen_laagste_40_procent", "koopwoningen",
                "woz_waarde", "inkomen_per_inwoner"):
        weight = catalogue.by_id[ind].weight
        frame = q(built_store, """
            SELECT v.region_code, v.value AS v, w.value AS w FROM observation v
            JOIN observation w ON w.region_code = v.region_code AND w.year = v.year
                 AND w.indicator_id = ?
            JOIN region r ON r.year = v.region_year AND r.code = v.region_code
            WHERE v.indicator_id = ? AND v.year = 2021 AND r.level = 'gemeente'""", weight, ind)
        published = q(built_store, "SELECT value FROM observation WHERE indicator_id = ? AND "
                                   "year = 2021 AND region_code = 'NL00'", ind)["value"].iloc[0]
        mean = (frame["v"] * frame["w"]).sum() / frame["w"].sum()
        assert len(frame) > 345  # (nearly) every gemeente of 2021
        assert mean == pytest.approx(published, rel=0.03), ind
        checked += 1
    assert checked == 5


# --------------------------------------------------------------------- small numbers


def test_no_computed_share_or_rate_has_a_small_denominator(built_store: Path) -> None:
    small = q(built_store, f"""
        SELECT o.indicator_id, o.year, o.region_code, p.value AS inhabitants
        FROM observation o
        JOIN observation p ON p.region_code = o.region_code AND p.year = o.year
             AND p.indicator_id = 'inwoners' AND p.region_year = o.region_year
        WHERE o.indicator_id IN ('aandeel_65_plus', 'aandeel_0_15', 'personenautos_per_1000',
                                 'misdrijven_per_1000')
          AND p.value < {DEFAULT_MIN_DENOMINATOR}""")
    assert small.empty, small.head()
    gaps = q(built_store, "SELECT indicator_id, count(*) AS n FROM observation_gap WHERE "
                          "reason = 'small_denominator' GROUP BY 1").set_index("indicator_id")
    assert gaps.loc["personenautos_per_1000", "n"] > 0
    withheld = q(built_store, "SELECT sum(n_withheld) AS n FROM availability")["n"].iloc[0]
    assert withheld == len(q(built_store, "SELECT 1 FROM observation_gap"))


def test_thresholds_and_bounds_travel_with_the_catalogue(built_store: Path) -> None:
    series = q(built_store, "SELECT indicator_id, formula, min_denominator FROM "
                            "indicator_series")
    assert (series.loc[series["formula"].isin(["share", "per_1000"]), "min_denominator"]
            == DEFAULT_MIN_DENOMINATOR).all()
    assert series.loc[series["formula"] == "value", "min_denominator"].isna().all()
    bounds = q(built_store, "SELECT id, min_value, max_value FROM indicator").set_index("id")
    assert bounds.loc["inwoners"].tolist() == [0, 25_000_000]
    assert bounds.loc["koopwoningen"].tolist() == [0, 100]
    assert bounds.loc["misdrijven_per_1000"].tolist() == [0, 100_000]


# ----------------------------------------------------------------------- attribution


def test_every_source_table_and_layer_is_attributed(built_store: Path) -> None:
    runs = q(built_store, "SELECT source_table, source, publisher, indeling, status FROM "
                          "etl_run").set_index("source_table")
    assert runs.loc["47018NED", "publisher"] == "Politie, via CBS"
    assert runs.loc["50090NED", "publisher"] == "RIVM, via CBS"
    assert runs.loc["85984NED", ["publisher", "indeling"]].tolist() == ["CBS", 2024]
    pdok = runs[runs["source"] == "pdok"]
    assert len(pdok) == 7 and (pdok["publisher"] == "CBS / Kadaster, via PDOK").all()
    ok = runs[runs["status"] == "ok"]
    assert ok["indeling"].notna().all() and ok["publisher"].notna().all()
