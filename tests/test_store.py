"""The store: validation rules, and an atomic swap that never damages the previous store."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from core.catalogue import Catalogue, load_catalogue
from etl import store as store_module
from etl.errors import EtlError, StoreError
from etl.store import StoreContent, ValidationFailed, read_meta, validate, write_store
from tests.conftest import ROOT

N_GEMEENTEN = 300  # the validator expects a realistic number of gemeenten (300–450)
YEAR = 2024

CATALOGUE_TOML = """
[[indicator]]
id = "inwoners"
subtheme = "wonen"
label = { nl = "Aantal inwoners", en = "Inhabitants" }
unit = { nl = "aantal", en = "number" }
direction = "neutral"
aggregation = "sum"
definition = { nl = "Inwoners op 1 januari.", en = "Inhabitants on 1 January." }
  [[indicator.series]]
  years = [2019, 2025]
  source = "kwb"
  numerator = ["AantalInwoners"]

[[indicator]]
id = "aandeel_koopwoningen"
subtheme = "wonen"
label = { nl = "Koopwoningen", en = "Owner-occupied" }
unit = { nl = "%", en = "%" }
direction = "neutral"
aggregation = "weighted_mean"
weight = "inwoners"
is_percentage = true
definition = { nl = "Aandeel koopwoningen.", en = "Share of owner-occupied dwellings." }
  [[indicator.series]]
  years = [2019, 2025]
  source = "kwb"
  numerator = ["Koopwoningen"]
"""


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    path = tmp_path / "catalogue" / "indicators.toml"
    path.parent.mkdir()
    path.write_text(CATALOGUE_TOML, encoding="utf-8")
    return load_catalogue(path)


def _content() -> StoreContent:
    """A small but valid store: 300 gemeenten with one wijk each, two indicators."""
    gm = [f"GM{n:04d}" for n in range(1, N_GEMEENTEN + 1)]
    wk = [f"WK{n:04d}01" for n in range(1, N_GEMEENTEN + 1)]
    regions = pd.DataFrame(
        {
            "year": YEAR,
            "code": ["NL00", *gm, *wk],
            "level": ["land"] + ["gemeente"] * len(gm) + ["wijk"] * len(wk),
            "name": ["Nederland"] + [f"Gemeente {c}" for c in gm] + [f"Wijk {c}" for c in wk],
            "gemeente_code": [None, *gm, *gm],
        }
    )
    observations = pd.DataFrame(
        {
            "year": YEAR,
            "region_code": gm + gm[:10],
            "indicator_id": ["inwoners"] * len(gm) + ["aandeel_koopwoningen"] * 10,
            "value": [1000.0 + n for n in range(len(gm))] + [55.5] * 10,
            "series": 0,
            "source_table": "85984NED",
            "source_key": ["AantalInwoners_5"] * len(gm) + ["Koopwoningen_47"] * 10,
        }
    )
    availability = pd.DataFrame(
        [
            {
                "indicator_id": "inwoners",
                "year": YEAR,
                "series": 0,
                "status": "ok",
                "source_table": "85984NED",
                "source_keys": "AantalInwoners_5",
                "reason": None,
                "n_values": len(gm),
            },
            {
                "indicator_id": "aandeel_koopwoningen",
                "year": YEAR,
                "series": 0,
                "status": "ok",
                "source_table": "85984NED",
                "source_keys": "Koopwoningen_47",
                "reason": None,
                "n_values": 10,
            },
        ]
    )
    shapes = gpd.GeoDataFrame(
        {"code": gm[:2], "name": ["A", "B"]},
        geometry=[shapely.box(5.0, 52.0, 5.1, 52.1), shapely.box(5.1, 52.0, 5.2, 52.1)],
        crs="EPSG:4326",
    )
    runs = pd.DataFrame(
        [
            {
                "source_table": "85984NED",
                "catalog": "opendata.cbs.nl",
                "title": "KWB 2024",
                "modified": "2025-03-27",
                "rows": 601,
                "fetched_at": "2025-01-01T00:00:00+00:00",
                "status": "ok",
                "note": None,
            }
        ]
    )
    return StoreContent(
        regions=regions,
        observations=observations,
        availability=availability,
        boundaries={(YEAR, "gemeente"): shapes},
        geojson={(YEAR, "gemeente"): '{"type":"FeatureCollection","features":[]}'},
        runs=runs,
        meta={"source": "unit test"},
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path, keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


# ---------------------------------------------------------------------------- validation


def test_valid_content_passes_validation(catalogue: Catalogue) -> None:
    assert validate(_content(), catalogue) == []


def test_validate_catches_a_malformed_code(catalogue: Catalogue) -> None:
    content = _content()
    content.regions.loc[content.regions["code"] == "WK000101", "code"] = "WK0001"
    problems = validate(content, catalogue)
    assert any("wijk codes malformed" in p and "WK0001" in p for p in problems), problems


def test_validate_catches_a_duplicate_observation(catalogue: Catalogue) -> None:
    content = _content()
    content.observations = pd.concat(
        [content.observations, content.observations.iloc[[0]]], ignore_index=True
    )
    problems = validate(content, catalogue)
    assert any("1 duplicate observations" in p and "GM0001" in p for p in problems), problems


def test_validate_catches_a_percentage_above_100(catalogue: Catalogue) -> None:
    content = _content()
    pct = content.observations["indicator_id"] == "aandeel_koopwoningen"
    content.observations.loc[pct.idxmax(), "value"] = 120.0
    problems = validate(content, catalogue)
    assert any("percentages outside 0–100" in p and "120" in p for p in problems), problems


def test_a_count_above_100_is_not_a_percentage_problem(catalogue: Catalogue) -> None:
    content = _content()
    assert (content.observations.query("indicator_id == 'inwoners'")["value"] > 100).all()
    assert not any("percentages" in p for p in validate(content, catalogue))


def test_validate_catches_a_wijk_whose_gemeente_is_missing(catalogue: Catalogue) -> None:
    content = _content()
    extra = pd.DataFrame(
        [
            {
                "year": YEAR,
                "code": "WK999901",
                "level": "wijk",
                "name": "Zwerfwijk",
                "gemeente_code": "GM9999",
            }
        ]
    )
    content.regions = pd.concat([content.regions, extra], ignore_index=True)
    problems = validate(content, catalogue)
    assert any("gemeente is missing" in p and "WK999901" in p for p in problems), problems


def test_validate_catches_an_observation_of_an_unknown_region(catalogue: Catalogue) -> None:
    content = _content()
    content.observations.loc[0, "region_code"] = "GM0999"
    problems = validate(content, catalogue)
    assert any("missing from the region table" in p for p in problems), problems


# ---------------------------------------------------------------------------------- write


def test_write_store_writes_a_store_duckdb_can_read(catalogue: Catalogue, tmp_path: Path) -> None:
    target = tmp_path / "out" / "zow.duckdb"
    assert write_store(_content(), catalogue, target) == target
    with duckdb.connect(str(target), read_only=True) as con:
        n_regions = con.execute("SELECT count(*) FROM region").fetchone()[0]
        levels = dict(con.execute("SELECT level, count(*) FROM region GROUP BY 1").fetchall())
        value = con.execute(
            "SELECT value FROM observation WHERE region_code = 'GM0363' OR "
            "(region_code = 'GM0002' AND indicator_id = 'inwoners')"
        ).fetchall()
        indicators = con.execute("SELECT id, is_percentage FROM indicator ORDER BY position")
        indicators = indicators.fetchall()
        boundary = con.execute("SELECT code, geometry FROM boundary ORDER BY code").fetchall()
    assert n_regions == 1 + 2 * N_GEMEENTEN
    assert levels == {"land": 1, "gemeente": N_GEMEENTEN, "wijk": N_GEMEENTEN}
    assert value == [(1001.0,)]
    assert indicators == [("inwoners", False), ("aandeel_koopwoningen", True)]
    assert [code for code, _ in boundary] == ["GM0001", "GM0002"]
    assert shapely.from_wkb(bytes(boundary[0][1])).equals(shapely.box(5.0, 52.0, 5.1, 52.1))
    meta = read_meta(target)
    assert meta["source"] == "unit test"
    assert meta["schema_version"] == str(store_module.SCHEMA_VERSION)
    assert _leftovers(target.parent, keep=target.name) == []


def test_invalid_content_raises_and_leaves_the_existing_store_byte_identical(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    target = tmp_path / "store" / "zow.duckdb"
    write_store(_content(), catalogue, target)
    before = _sha256(target)
    bad = _content()
    bad.observations.loc[bad.observations.index[-1], "value"] = 120.0
    with pytest.raises(ValidationFailed) as info:
        write_store(bad, catalogue, target)
    assert any("percentages" in p for p in info.value.problems)
    assert "store validation failed" in str(info.value)
    assert _sha256(target) == before
    assert _leftovers(target.parent, keep=target.name) == []


def test_failure_after_writing_the_new_file_keeps_the_old_store_and_no_temp_file(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "store" / "zow.duckdb"
    write_store(_content(), catalogue, target)
    before = _sha256(target)

    def broken_check(path: Path, content: StoreContent) -> None:
        assert path.exists() and path != target  # the new store was written beside it
        raise ValidationFailed(["simulated failure after writing"])

    monkeypatch.setattr(store_module, "_check_written", broken_check)
    changed = _content()
    changed.observations["value"] = changed.observations["value"] / 2
    with pytest.raises(ValidationFailed, match="simulated failure"):
        write_store(changed, catalogue, target)
    assert _sha256(target) == before
    assert _leftovers(target.parent, keep=target.name) == []


def test_write_store_replaces_an_existing_store_with_the_new_content(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    target = tmp_path / "zow.duckdb"
    write_store(_content(), catalogue, target)
    changed = _content()
    changed.observations = changed.observations[changed.observations["indicator_id"] == "inwoners"]
    write_store(changed, catalogue, target)
    with duckdb.connect(str(target), read_only=True) as con:
        ids = con.execute("SELECT DISTINCT indicator_id FROM observation").fetchall()
    assert ids == [("inwoners",)]


# ------------------------------------------------------------- errors, locks, leftovers


def test_a_duckdb_error_while_writing_is_an_etl_error_and_keeps_the_old_store(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "store" / "zow.duckdb"
    write_store(_content(), catalogue, target)
    before = _sha256(target)

    def failing_write(content: StoreContent, catalogue: Catalogue, path: Path) -> None:
        duckdb.connect(str(path)).close()  # a half-written new store…
        raise duckdb.TransactionException("TransactionContext Error: Failed to commit")

    monkeypatch.setattr(store_module, "_write", failing_write)
    with pytest.raises(StoreError, match=r"could not write the new store .*TransactionException"):
        write_store(_content(), catalogue, target)
    assert isinstance(StoreError("x"), EtlError)
    assert _sha256(target) == before
    assert _leftovers(target.parent, keep=target.name) == []


def test_a_run_removes_the_build_files_a_killed_run_left_behind(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    target = folder / "zow.duckdb"
    stale = [folder / ".zow.duckdb.424242.building", folder / ".zow.duckdb.424242.building.wal"]
    for path in stale:
        path.write_bytes(b"left by a run killed with SIGKILL")
    other = folder / ".other.duckdb.1.building"  # another store's: not ours to touch
    other.write_bytes(b"")
    write_store(_content(), catalogue, target)
    assert not any(path.exists() for path in stale)
    assert _leftovers(folder, keep=target.name) == [other.name]


def _hold_lock_in_a_child(folder: Path) -> subprocess.Popen[str]:
    """A child that takes the store lock, writes a build file as a live run does, and waits."""
    code = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from etl.store import store_lock\n"
        f"target = Path({str(folder / 'zow.duckdb')!r})\n"
        "with store_lock(target):\n"
        "    target.with_name(f'.zow.duckdb.{os.getpid()}.building').write_bytes(b'live')\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None and child.stdout.readline().strip() == "holding"
    return child


def test_a_second_run_on_one_store_fails_and_leaves_the_live_runs_files_alone(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    target = folder / "zow.duckdb"
    child = _hold_lock_in_a_child(folder)
    live = folder / f".zow.duckdb.{child.pid}.building"
    try:
        with pytest.raises(StoreError, match="another ETL run is writing a store in"):
            write_store(_content(), catalogue, target)
        assert live.read_bytes() == b"live"  # not taken for stale while its run lives
        assert not target.exists()
    finally:
        child.kill()  # SIGKILL: the kernel drops its lock; its build file stays behind
        child.wait()
    assert live.exists()
    write_store(_content(), catalogue, target)  # the next run gets the lock and cleans up
    assert _leftovers(folder, keep=target.name) == []


def test_the_lock_is_taken_again_by_nested_users_in_one_process(tmp_path: Path) -> None:
    target = tmp_path / "zow.duckdb"
    with store_module.store_lock(target), store_module.store_lock(target):
        pass
    with store_module.store_lock(target):  # released: free again
        pass
