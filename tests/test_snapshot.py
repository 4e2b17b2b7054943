"""The data snapshot (etl/snapshot.py): dump and load round trip, checksums, the offline
fallback of `zow etl`, the origin in the footer and /healthz, and (with the mirror) that the
committed snapshot holds exactly what the ETL builds now."""

from __future__ import annotations

import json
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from core.origin import Origin, describe, origin_of
from core.schema import TABLE_NAMES
from etl.settings import SNAPSHOT_DIR
from etl.snapshot import (
    MANIFEST,
    SnapshotError,
    differences,
    dump,
    load,
    read_manifest,
    sha256,
    snapshot_tables,
    store_tables,
)
from tests.conftest import EtlRun
from zow.cli import app as cli

WHEN = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def synthetic_snapshot(synthetic_store: Path, tmp_path_factory: pytest.TempPathFactory
                       ) -> Path:
    out = tmp_path_factory.mktemp("snapshot")
    dump(synthetic_store, out, now=WHEN)
    return out


def meta_of(store: Path) -> dict[str, str]:
    with duckdb.connect(str(store), read_only=True) as con:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())


def test_round_trip_gives_the_same_store_table_for_table(
        synthetic_store: Path, synthetic_snapshot: Path, tmp_path: Path) -> None:
    target = tmp_path / "zow.duckdb"
    load(synthetic_snapshot, target)
    original, loaded = store_tables(synthetic_store), store_tables(target)
    assert differences(original, loaded) == []
    for table in TABLE_NAMES[1:]:  # meta: the snapshot's own keys are added (below)
        assert TABLE_NAMES[0] == "meta"
        assert len(loaded[table]) == len(original[table]), table
    assert len(loaded["observation"]) > 100 and len(loaded["boundary"]) > 300
    # Only when and where it was built differ: the store says it is a snapshot, and of when.
    meta = meta_of(target)
    assert meta["origin"] == "snapshot" and meta["snapshot_date"] == "2026-05-04"
    assert origin_of(meta).kind == "snapshot"
    # The views and indexes are there, as in a store the ETL wrote.
    with duckdb.connect(str(target), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM observation_region").fetchone()[0]
    assert n == len(original["observation"])


def test_the_manifest_names_every_table_with_rows_and_checksum(
        synthetic_store: Path, synthetic_snapshot: Path) -> None:
    manifest = read_manifest(synthetic_snapshot)
    assert set(manifest["tables"]) == set(TABLE_NAMES)
    tables = store_tables(synthetic_store)
    for table, entry in manifest["tables"].items():
        assert entry["rows"] == len(tables[table])
        assert entry["sha256"] == sha256(synthetic_snapshot / entry["file"])
    assert manifest["built_at"].startswith("2026-05-04")
    assert {s["source_table"] for s in manifest["sources"]} == set(
        tables["etl_run"]["source_table"])
    assert manifest["origin"]["kind"] in ("live", "mirror")


def test_dump_is_deterministic_and_leaves_unchanged_data_alone(
        synthetic_store: Path, synthetic_snapshot: Path, tmp_path: Path) -> None:
    again, changed = dump(synthetic_store, tmp_path / "again", now=datetime.now(UTC))
    assert changed
    first = read_manifest(synthetic_snapshot)
    assert {t: e["sha256"] for t, e in again["tables"].items()} == {
        t: e["sha256"] for t, e in first["tables"].items()}
    # A second dump of the same data into the same folder changes nothing, not even the date.
    before = {p.name: p.stat().st_mtime_ns for p in synthetic_snapshot.iterdir()}
    manifest, changed = dump(synthetic_store, synthetic_snapshot)
    assert not changed and manifest["built_at"] == first["built_at"]
    assert {p.name: p.stat().st_mtime_ns for p in synthetic_snapshot.iterdir()} == before


def test_differences_name_the_table_that_changed(synthetic_store: Path) -> None:
    tables = store_tables(synthetic_store)
    changed = {name: frame.copy() for name, frame in tables.items()}
    changed["observation"].loc[3, "value"] += 1
    changed["region"] = changed["region"].iloc[1:]
    found = differences(tables, changed)
    assert [line.split(":")[0] for line in found] == ["observation", "region"]
    # Build times, the source's address and fetch times are not data.
    moved = {name: frame.copy() for name, frame in tables.items()}
    moved["meta"].loc[moved["meta"]["key"] == "built_at", "value"] = "2030-01-01T00:00:00"
    moved["etl_run"]["fetched_at"] = "2030-01-01T00:00:00"
    assert differences(tables, moved) == []


def test_a_damaged_snapshot_is_refused_and_the_old_store_kept(
        synthetic_snapshot: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(synthetic_snapshot, damaged)
    path = damaged / "observation.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    target = tmp_path / "store" / "zow.duckdb"
    target.parent.mkdir()
    target.write_bytes(b"the old store")
    with pytest.raises(SnapshotError, match=r"observation\.parquet has sha256 .* the manifest "
                                            r"says .*make snapshot"):
        load(damaged, target)
    assert target.read_bytes() == b"the old store"
    assert sorted(p.name for p in target.parent.iterdir()) == ["zow.duckdb"]

    (damaged / "observation.parquet").unlink()
    with pytest.raises(SnapshotError, match=r"observation\.parquet is missing"):
        load(damaged, target)
    with pytest.raises(SnapshotError, match="no snapshot at"):
        load(tmp_path / "nowhere", target)
    assert target.read_bytes() == b"the old store"


def test_a_snapshot_of_another_schema_is_refused(synthetic_snapshot: Path,
                                                 tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(synthetic_snapshot, other)
    manifest = json.loads((other / MANIFEST).read_text())
    manifest["schema_version"] = 2
    (other / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match=r"schema version 2.*make snapshot"):
        load(other, tmp_path / "zow.duckdb")
    assert not (tmp_path / "zow.duckdb").exists()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_etl_falls_back_to_the_snapshot_when_cbs_cannot_be_reached(tmp_path: Path) -> None:
    if not (SNAPSHOT_DIR / MANIFEST).exists():
        pytest.fail(f"no committed snapshot at {SNAPSHOT_DIR}: run `make snapshot`")
    store = tmp_path / "zow.duckdb"
    result = CliRunner().invoke(cli, [
        "etl", "--server", f"http://127.0.0.1:{closed_port()}", "--retries", "0",
        "--store", str(store), "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "cannot be reached" in line]
    assert len(said) == 1 and "snapshot" in said[0] and "connection failed" in said[0]
    meta = meta_of(store)
    manifest = read_manifest(SNAPSHOT_DIR)
    assert meta["origin"] == "snapshot"
    assert meta["snapshot_date"] == manifest["built_at"][:10]
    with duckdb.connect(str(store), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM observation").fetchone()[0]
    assert n == manifest["tables"]["observation"]["rows"] > 100_000


def test_etl_snapshot_loads_explicitly_and_a_failed_live_run_does_not(
        synthetic_snapshot: Path, tmp_path: Path) -> None:
    store = tmp_path / "zow.duckdb"
    result = CliRunner().invoke(cli, ["etl", "--snapshot", "--snapshot-dir",
                                      str(synthetic_snapshot), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "Loaded the snapshot of 2026-05-04" in result.output
    assert meta_of(store)["origin"] == "snapshot"
    # A damaged snapshot: "ETL failed", the store stays.
    before = store.read_bytes()
    damaged = tmp_path / "damaged"
    shutil.copytree(synthetic_snapshot, damaged)
    (damaged / "region.parquet").write_bytes(b"not parquet")
    result = CliRunner().invoke(cli, ["etl", "--snapshot", "--snapshot-dir", str(damaged),
                                      "--store", str(store)])
    assert result.exit_code == 1 and "ETL failed" in result.output
    assert "region.parquet has sha256" in result.output
    assert store.read_bytes() == before


def test_the_origin_in_words() -> None:
    live = origin_of({"origin": "live", "built_at": "2026-03-01T10:00:00+00:00",
                      "sources_modified": "2025-03-27"})
    assert live == Origin("live", "2026-03-01", sources_modified="2025-03-27")
    assert describe(live, "nl") == ("Gegevens: live opgehaald bij CBS op 1 maart 2026; "
                                    "nieuwste brontabel van 27 maart 2025.")
    assert describe(live, "en") == ("Data: fetched live from CBS on 1 March 2026; newest "
                                    "source table of 27 March 2025.")
    snap = origin_of({"origin": "snapshot", "built_at": "2026-12-02T00:00:00+00:00",
                      "snapshot_date": "2026-11-30", "snapshot_of": "live",
                      "snapshot_of_built_at": "2026-11-29T23:00:00+00:00"})
    assert describe(snap, "nl") == ("Gegevens: momentopname van 30 november 2026, "
                                    "meegeleverd met de app, niet live (opgehaald bij CBS "
                                    "op 29 november 2026).")
    assert "snapshot of 30 November 2026" in describe(snap, "en")
    # Stores from before the origin was recorded: from their source.
    assert origin_of({"source": "https://opendata.cbs.nl", "built_at": "2025-01-02"}).kind \
        == "live"
    assert origin_of({"source": "../shared/cbs-mirror"}).kind == "mirror"


def test_footer_and_healthz_say_where_the_data_comes_from(
        synthetic_snapshot: Path, tmp_path: Path) -> None:
    from dashboard.app import create_app
    from dashboard.components import footer

    store = tmp_path / "zow.duckdb"
    load(synthetic_snapshot, store)
    snapshot_app = create_app(store, rate_limits=False)
    body = snapshot_app.server.test_client().get("/healthz").get_json()
    assert body["origin"]["kind"] == "snapshot"
    assert body["origin"]["date"] == "2026-05-04"

    def text(node: Any) -> str:
        children = getattr(node, "children", node)
        if isinstance(children, list):
            return " ".join(text(c) for c in children)
        return children if isinstance(children, str) else ""

    def origin_line(lang: str) -> str:
        with snapshot_app.server.test_request_context("/"):
            found = [c for c in footer(lang).children if getattr(c, "id", None)
                     == "data-origin"]
        assert len(found) == 1
        return text(found[0])

    assert origin_line("nl").startswith("Gegevens: momentopname van 4 mei 2026")
    assert origin_line("en").startswith("Data: snapshot of 4 May 2026")


def test_healthz_of_the_session_store_names_its_origin(client: Any, db: Any) -> None:
    body = client.get("/healthz").get_json()
    assert body["origin"] == origin_of(db.meta()).as_dict()
    assert body["origin"]["kind"] in ("live", "mirror", "snapshot")
    assert body["origin"]["date"] and body["origin"]["date"] == body["origin"]["date"][:10]


def test_committed_snapshot_holds_what_the_etl_builds_now(
        etl_run: EtlRun, tmp_path: Path) -> None:
    """The drift check (CI has the mirror): data/snapshot equals what `zow snapshot` makes
    of the store the ETL builds from the mirror with the code as it is."""
    fresh = tmp_path / "snapshot"
    dump(etl_run.result.store, fresh)
    try:
        committed = snapshot_tables(SNAPSHOT_DIR)
    except SnapshotError as exc:
        pytest.fail(f"{exc}\nRun `make snapshot` and commit data/snapshot.")
    found = differences(committed, snapshot_tables(fresh))
    assert not found, ("data/snapshot is not what the ETL builds now; run `make snapshot` and "
                       "commit data/snapshot with the change:\n  " + "\n  ".join(found))
