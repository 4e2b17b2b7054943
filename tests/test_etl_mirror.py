"""End to end: the real ETL over the real CBS/PDOK mirror, via HTTP and via --mirror.

The full run is the session's one (``built_store``, over HTTP from the fake server). The
checks that need runs of their own (HTTP equals a mirror replay, the CLI, a rerun) use a
subset, ``--years 2022,2025``: KWB 2022, the police periods 2022 and 2025 on the 2024
indeling, no KWB 2025 in the mirror, and no RIVM period at all (its data set is not read).

Expected figures are the mirror's (see ../shared/cbs-mirror/README.md) and are cross-checked
against the mirror files themselves.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from etl.pipeline import RunResult, run_etl
from etl.settings import Settings
from tests.cbs_server import MirrorServer
from tests.conftest import MIRROR, EtlRun, needs_mirror
from zow import cli

pytestmark = needs_mirror

SENTINELS = (-99995.0, -99997.0, -99999999.0)
KWB = {2019: "84583NED", 2022: "85318NED", 2024: "85984NED"}


# --------------------------------------------------------------------------------- helpers


@cache
def kwb_rows(year: int) -> tuple[dict[str, Any], ...]:
    """The TypedDataSet rows of a KWB year, straight from the mirror files."""
    folder = MIRROR / "opendata.cbs.nl/ODataFeed/odata" / KWB[year]
    plain, packed = folder / "TypedDataSet.json", folder / "TypedDataSet.json.gz"
    raw = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
    return tuple(json.loads(raw)["value"])


def kwb_codes(year: int, kind: str) -> set[str]:
    return {
        r["WijkenEnBuurten"].strip() for r in kwb_rows(year) if r["SoortRegio_2"].strip() == kind
    }


def query(store: Path, sql: str, *params: Any) -> pd.DataFrame:
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def meta_source(store: Path) -> str:
    return query(store, "SELECT value FROM meta WHERE key = 'source'")["value"].iloc[0]


def sorted_table(store: Path, table: str, keys: list[str]) -> pd.DataFrame:
    return query(store, f"SELECT * FROM {table}").sort_values(keys).reset_index(drop=True)


def inhabitants(store: Path, year: int, level: str) -> pd.Series:
    frame = query(
        store,
        "SELECT o.region_code, o.value FROM observation o JOIN region r "
        "ON r.year = o.year AND r.code = o.region_code "
        "WHERE o.indicator_id = 'inwoners' AND o.year = ? AND r.level = ?",
        year,
        level,
    )
    return frame.set_index("region_code")["value"]


# -------------------------------------------------------------------------------- fixtures

SUBSET = (2022, 2025)


def subset_settings(folder: Path, **changes: Any) -> Settings:
    return dataclasses.replace(
        Settings(),
        store=folder / "zow.duckdb",
        cache_dir=folder / "cache",
        years=SUBSET,
        timeout=30.0,
        retries=2,
        backoff=0.05,
        **changes,
    )


@pytest.fixture(scope="module")
def http_subset(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The real ETL over HTTP from the fake server, the subset years, into its own cache."""
    folder = tmp_path_factory.mktemp("http-subset")
    with MirrorServer(mirror_dir, page_size=5000) as srv:
        settings = subset_settings(folder, mirror=None, refresh=False)
        return run_etl(settings.with_server_root(srv.url))


@pytest.fixture(scope="module")
def wide_console() -> Iterator[None]:
    """Rich wraps at 80 columns when not on a terminal; keep lines whole for asserts."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli.console, "width", 400)
        mp.delenv("ZOW_MIRROR", raising=False)
        yield


@pytest.fixture(scope="module")
def cli_run(
    mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory, wide_console: None
) -> tuple[Any, Path]:
    """`zow etl --mirror` (a replay: no network), the subset years."""
    folder = tmp_path_factory.mktemp("cli-run")
    store = folder / "zow.duckdb"
    result = CliRunner().invoke(
        cli.app,
        [
            "etl",
            "--mirror",
            str(mirror_dir),
            "--store",
            str(store),
            "--cache-dir",
            str(folder / "cache"),
            "--years",
            ",".join(str(y) for y in SUBSET),
        ],
    )
    return result, store


# ----------------------------------------------------------------------------- regions


def test_2024_region_table_has_all_gemeenten_wijken_and_buurten(built_store: Path) -> None:
    counts = query(
        built_store, "SELECT level, count(*) AS n FROM region WHERE year = 2024 GROUP BY level"
    )
    assert counts.set_index("level")["n"].to_dict() == {
        "land": 1,
        "gemeente": 342,
        "wijk": 3393,
        "buurt": 14574,
    }
    codes = set(query(built_store, "SELECT code FROM region WHERE year = 2024")["code"])
    assert kwb_codes(2024, "Wijk") <= codes
    assert kwb_codes(2024, "Buurt") <= codes


def test_2022_every_kwb_gemeente_and_wijk_has_its_inhabitants(built_store: Path) -> None:
    gemeenten, wijken = (
        inhabitants(built_store, 2022, "gemeente"),
        inhabitants(built_store, 2022, "wijk"),
    )
    assert len(gemeenten) == 345
    assert len(wijken) == 3340
    assert set(gemeenten.index) == kwb_codes(2022, "Gemeente")
    assert set(wijken.index) == kwb_codes(2022, "Wijk")
    # The 2022 regions are those of the 2022 indeling: the police table's codes (2024
    # indeling) add none, and drop none.
    region_gm = set(
        query(built_store, "SELECT code FROM region WHERE year = 2022 AND level = 'gemeente'")[
            "code"
        ]
    )
    assert kwb_codes(2022, "Gemeente") == region_gm


@pytest.mark.parametrize(
    ("year", "code", "expected"),
    [
        (2024, "GM0363", 931_298),  # Amsterdam
        (2022, "WK036302", 6_525),  # Amsterdam, wijk 02 (KWB 2022, rounded to 5)
        (2019, "GM0014", 231_299),  # Groningen
        (2024, "NL00", 17_942_942),  # Nederland
    ],
)
def test_inhabitants_equal_the_mirror_figures(
    built_store: Path, year: int, code: str, expected: int
) -> None:
    source = {r["WijkenEnBuurten"].strip(): r["AantalInwoners_5"] for r in kwb_rows(year)}
    assert source[code] == expected  # the figure really is the mirror's
    stored = query(
        built_store,
        "SELECT value, source_table, source_key FROM observation "
        "WHERE indicator_id = 'inwoners' AND year = ? "
        "AND region_code = ?",
        year,
        code,
    )
    assert stored.to_dict("records") == [
        {"value": float(expected), "source_table": KWB[year], "source_key": "AantalInwoners_5"}
    ]


def test_observations_never_hold_sentinels(built_store: Path) -> None:
    bad = query(
        built_store,
        "SELECT count(*) AS n FROM observation WHERE value <= -99990 "
        "OR isnan(value) OR isinf(value)",
    )
    assert bad["n"].iloc[0] == 0
    assert not query(built_store, "SELECT value FROM observation")["value"].isin(SENTINELS).any()


def test_inhabitants_null_in_the_source_is_no_row_and_zero_stays_zero(built_store: Path) -> None:
    source = {r["WijkenEnBuurten"].strip(): r["AantalInwoners_5"] for r in kwb_rows(2024)}
    nulls = {code for code, value in source.items() if value is None}
    zeros = {code for code, value in source.items() if value == 0}
    assert len(nulls) == 478 and len(zeros) == 26  # buurten without, wijken with 0 people
    stored = query(
        built_store,
        "SELECT region_code, value FROM observation "
        "WHERE indicator_id = 'inwoners' AND year = 2024",
    )
    stored = stored.set_index("region_code")["value"]
    assert len(stored) == len(source) - len(nulls) == 17_832
    assert not nulls & set(stored.index)
    assert set(stored[stored == 0].index) == zeros


# -------------------------------------------------------------------------- boundaries


def test_2024_wijk_boundaries_are_complete_and_valid(built_store: Path) -> None:
    row = query(
        built_store,
        "SELECT n_features, geojson FROM boundary_geojson WHERE year = 2024 AND level = 'wijk'",
    )
    assert row["n_features"].tolist() == [3393]
    collection = json.loads(row["geojson"].iloc[0])
    features = collection["features"]
    assert len(features) == 3393
    assert {f["id"] for f in features} == kwb_codes(2024, "Wijk")
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    assert {g.geom_type for g in geoms} <= {"Polygon", "MultiPolygon"}
    wkb = query(built_store, "SELECT geometry FROM boundary WHERE year = 2024 AND level = 'wijk'")
    assert len(wkb) == 3393
    assert all(shapely.from_wkb(bytes(g)).is_valid for g in wkb["geometry"])


def test_summary_counts_regions_and_boundaries_per_year(built_store: Path, etl_run: EtlRun
                                                       ) -> None:
    meta = query(built_store, "SELECT key, value FROM meta").set_index("key")["value"]
    summary = json.loads(meta["summary"])
    assert summary["per_year"]["2024"]["wijk"]["regions"] == 3393
    assert summary["per_year"]["2024"]["wijk"]["boundaries"] == 3393
    assert summary["per_year"]["2022"]["wijk"]["boundaries"] == 3340
    assert meta["source"] == etl_run.settings.opendata_url  # built over HTTP, not replayed


# ---------------------------------------------------------------- HTTP versus --mirror


def test_etl_over_http_gives_the_same_store_as_the_mirror(
    http_subset: RunResult, cli_run: tuple[Any, Path]
) -> None:
    _, replayed = cli_run
    store = http_subset.store
    for table, keys in [
        ("observation", ["year", "indicator_id", "region_code"]),
        ("region", ["year", "code"]),
        ("availability", ["indicator_id", "year"]),
        ("boundary", ["year", "level", "code"]),
    ]:
        pd.testing.assert_frame_equal(
            sorted_table(store, table, keys), sorted_table(replayed, table, keys)
        )
    assert int(inhabitants(store, 2022, "gemeente")["GM0363"]) == 882_633


def test_etl_over_http_fetches_typed_data_sets_only(etl_run: EtlRun) -> None:
    paths = [path for path, _ in etl_run.requests]
    assert any("85984NED/TypedDataSet" in p for p in paths)
    assert any("50090NED/TypedDataSet" in p for p in paths)
    assert not any("UntypedDataSet" in p for p in paths)
    assert all(status in (200, 404) for _, status in etl_run.requests)


def test_a_table_without_a_period_in_the_years_asked_for_keeps_its_data_unread(
    http_subset: RunResult,
) -> None:
    runs = http_subset.runs.set_index("source_table")
    assert runs.loc["50090NED", "status"] == "ok"  # published: its periods were read
    assert runs.loc["50090NED", "rows"] == 0  # 2012/2016/2020: none asked for
    assert runs.loc["47018NED", "rows"] == 91_000


# ------------------------------------------------------------------------------------ CLI


def test_cli_etl_from_mirror_exits_0_and_reports_what_it_wrote(cli_run: tuple[Any, Path]) -> None:
    result, store = cli_run
    assert result.exit_code == 0, result.output
    assert f"Wrote {store}" in result.output
    assert "observations of" in result.output
    assert "without data" in result.output  # the summary of unavailable indicators
    assert "86165NED not available" in result.output  # no KWB 2025 in the mirror
    assert store.is_file()
    # A replay writes no cache, and the atomic swap leaves no temporary file behind.
    assert sorted(p.name for p in store.parent.iterdir()) == ["zow.duckdb"]


def test_rerun_over_the_same_input_gives_an_identical_observation_table(
    http_subset: RunResult, tmp_path: Path
) -> None:
    """A second run, replaying the first run's own cache, writes the same numbers."""
    first_cache = http_subset.store.parent / "cache"
    again = run_etl(subset_settings(tmp_path, mirror=first_cache))
    keys = ["year", "indicator_id", "region_code"]
    first = sorted_table(http_subset.store, "observation", keys)
    second = sorted_table(again.store, "observation", keys)
    assert len(first) > 50_000
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(
        sorted_table(http_subset.store, "availability", ["indicator_id", "year"]),
        sorted_table(again.store, "availability", ["indicator_id", "year"]),
    )


def test_cli_info_reports_the_store(built_store: Path, wide_console: None) -> None:
    result = CliRunner().invoke(cli.app, ["info", "--store", str(built_store)])
    assert result.exit_code == 0, result.output
    assert f"{built_store}: built" in result.output
    assert f"from {meta_source(built_store)}" in result.output
    assert "3,393 / " in result.output  # 2024 wijken: regions / observations / boundaries


def test_cli_info_without_a_store_exits_1(tmp_path: Path, wide_console: None) -> None:
    result = CliRunner().invoke(cli.app, ["info", "--store", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "No store at" in result.output
