"""The data snapshot: a store's tables as Parquet files plus a manifest, committed with the
code (``data/snapshot/``), so the app serves real figures on a machine that cannot reach CBS.

``dump`` writes one from a store (``zow snapshot``); ``load`` builds a store from one
(``zow etl --snapshot``, and ``zow etl`` when the live services cannot be reached):
atomically like the ETL (a temporary file renamed over the store; a failed load leaves the
old store as it was), after checking every file against the manifest's sha256.

Every table is kept whole, in the store's own representation (boundaries as the WKB the
store holds, the map's GeoJSON as written): the dashboard served from a loaded snapshot
shows exactly what the ETL built. Files are written deterministically (rows sorted, no
writer metadata but the library's version), so a rebuild of unchanged data changes nothing,
and ``dump`` then leaves the snapshot as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.origin import origin_of
from core.schema import INDEXES, SCHEMA_VERSION, TABLE_NAMES, TABLES, VIEWS
from etl.errors import EtlError
from etl.store import build_atomically

FORMAT = 1  # of the manifest and files; a change that old code cannot read bumps it
MANIFEST = "manifest.json"
ZSTD_LEVEL = 19  # written rarely, read at every load: the smallest files are worth the time
ROW_GROUP_SIZE = 1_000_000
# Meta keys that say when and where a store was built, not what it holds: they differ
# between two builds of the same data, so comparisons leave them out.
VOLATILE_META = ("built_at", "source", "origin", "snapshot_date", "snapshot_of",
                 "snapshot_of_built_at")
VOLATILE_COLUMNS: dict[str, tuple[str, ...]] = {"etl_run": ("fetched_at",)}
# The note of a table that was not published says where it was looked for (a mirror
# folder, a server's address): also not what the store holds.


class SnapshotError(EtlError):
    """A snapshot is missing, damaged or of another schema; the store was not touched."""


# ----------------------------------------------------------------------- pure parts
def file_name(table: str) -> str:
    return f"{table}.parquet"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_manifest(meta: dict[str, str], runs: pd.DataFrame, tables: dict[str, dict[str, Any]],
                  built_at: str) -> dict[str, Any]:
    """The manifest: what the snapshot holds, where it comes from, each file's checksum."""
    origin = origin_of(meta)
    of = (origin.of, origin.of_date) if origin.kind == "snapshot" else (origin.kind,
                                                                        origin.date)
    sources = [
        {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
         for k, v in row.items()}
        for row in runs[["source_table", "title", "publisher", "modified", "indeling",
                         "rows", "status"]].to_dict("records")
    ] if len(runs) else []
    return {
        "format": FORMAT,
        "schema_version": int(meta.get("schema_version", SCHEMA_VERSION)),
        "built_at": built_at,
        "origin": {"kind": of[0], "built_at": of[1] or None},
        "sources_modified": meta.get("sources_modified") or None,
        "sources": sources,
        "tables": tables,
    }


def comparable(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables without what differs between two builds of the same data (build times,
    the source's address, fetch times), rows in one order: equal frames, equal data."""
    out = {}
    for name, frame in tables.items():
        if name == "meta":
            frame = frame[~frame["key"].isin(VOLATILE_META)]
        frame = frame.drop(columns=list(VOLATILE_COLUMNS.get(name, ())))
        if name == "etl_run":
            frame = frame.assign(note=frame["note"].where(frame["status"] == "ok"))
        columns = [c for c in frame.columns if frame[c].dtype != object
                   or not frame[c].map(lambda v: isinstance(v, bytes | bytearray)).any()]
        out[name] = frame.sort_values(columns or list(frame.columns)).reset_index(drop=True)
    return out


def differences(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> list[str]:
    """What differs between two sets of tables (after ``comparable``), one line each."""
    old, new = comparable(old), comparable(new)
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in old or name not in new:
            lines.append(f"{name}: only in the {'new' if name in new else 'old'} one")
            continue
        a, b = old[name], new[name]
        if list(a.columns) != list(b.columns):
            lines.append(f"{name}: columns {list(a.columns)} → {list(b.columns)}")
        elif len(a) != len(b):
            lines.append(f"{name}: {len(a):,} rows → {len(b):,}")
        else:
            try:
                pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=True)
            except AssertionError as exc:
                lines.append(f"{name}: {' '.join(str(exc).split())[:300]}")
    return lines


# --------------------------------------------------------------------------- reading
def store_tables(store: Path) -> dict[str, pd.DataFrame]:
    """Every table of a store, as frames."""
    with duckdb.connect(str(store), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in TABLE_NAMES}


def snapshot_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of a snapshot, as frames (checked against the manifest first)."""
    manifest = read_manifest(folder)
    verify(folder, manifest)
    with duckdb.connect() as con:
        return {t: con.execute(f"SELECT * FROM read_parquet({_literal(folder / e['file'])})")
                .df() for t, e in manifest["tables"].items()}


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot at {folder} (no {MANIFEST}); make one with "
                            "`make snapshot` or `zow snapshot`") from None
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"cannot read {path}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"{path} is of format {manifest.get('format')}, this code reads "
                            f"format {FORMAT}: rebuild it with `make snapshot`")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise SnapshotError(
            f"{path} holds a store of schema version {manifest.get('schema_version')}, this "
            f"code needs version {SCHEMA_VERSION}: rebuild it with `make snapshot`")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest names is there with its sha256; else a SnapshotError that
    names the files."""
    problems = []
    missing = [t for t in TABLE_NAMES if t not in manifest.get("tables", {})]
    if missing:
        problems.append(f"the manifest names no file for {', '.join(missing)}")
    for table, entry in manifest.get("tables", {}).items():
        path = Path(folder) / entry["file"]
        if not path.is_file():
            problems.append(f"{path.name} is missing")
        elif (found := sha256(path)) != entry["sha256"]:
            problems.append(f"{path.name} has sha256 {found[:12]}…, the manifest says "
                            f"{entry['sha256'][:12]}… ({table})")
    if problems:
        raise SnapshotError(f"snapshot {folder} does not match its manifest: "
                            + "; ".join(problems)
                            + ". Restore it (git checkout data/snapshot) or rebuild it "
                              "(make snapshot)")


# --------------------------------------------------------------------------- writing
def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    # Rows sorted, and written by one thread in row groups larger than any table: the same
    # rows give the same bytes. (DuckDB's writer gave 10% smaller files than pyarrow's here.)
    con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO {_literal(path)} "
                f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {ZSTD_LEVEL}, "
                f"ROW_GROUP_SIZE {ROW_GROUP_SIZE})")


def dump(store: Path, out: Path, now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Write the snapshot of a store to ``out``; returns its manifest and whether anything
    changed (an unchanged snapshot of the same data is left as it was, date and all)."""
    store, out = Path(store), Path(out)
    if not store.exists():
        raise SnapshotError(f"no store at {store}; build it first with `zow etl`")
    frames = store_tables(store)
    try:
        if not differences(snapshot_tables(out), frames):
            return read_manifest(out), False
    except SnapshotError:
        pass  # no snapshot yet, or a damaged one: write it anew
    meta = dict(zip(frames["meta"]["key"], frames["meta"]["value"], strict=True))
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp"):  # what an interrupted dump left
        stale.unlink()
    tables = {}
    with duckdb.connect(str(store), read_only=True) as con:
        con.execute("SET threads = 1")
        for name in TABLE_NAMES:
            path = out / file_name(name)
            tmp = path.with_name(f".{path.name}.tmp")
            _write_parquet(con, name, tmp)
            os.replace(tmp, path)
            tables[name] = {"file": path.name, "rows": len(frames[name]),
                            "bytes": path.stat().st_size, "sha256": sha256(path)}
    built_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    manifest = make_manifest(meta, frames["etl_run"], tables, built_at)
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST)  # last: until then, the old manifest fails the checksums
    return manifest, True


# --------------------------------------------------------------------------- loading
def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def load(folder: Path, target: Path, now: datetime | None = None) -> dict[str, Any]:
    """Build the store at ``target`` from the snapshot in ``folder``; returns its manifest.

    The files are checked against the manifest first; the store is written beside the old
    one and renamed over it only when every table holds the rows the manifest says, so any
    failure leaves the old store as it was (a SnapshotError or StoreError says why)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify(folder, manifest)
    loaded_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    origin = manifest["origin"]
    records = {
        "built_at": loaded_at,
        "origin": "snapshot",
        "source": str(folder),
        "snapshot_date": manifest["built_at"][:10],
        "snapshot_of": origin.get("kind") or "",
        "snapshot_of_built_at": origin.get("built_at") or "",
    }

    def fill(tmp: Path) -> None:
        with duckdb.connect(str(tmp)) as con:
            con.execute(TABLES)
            for table in TABLE_NAMES:
                entry = manifest["tables"][table]
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM "
                            f"read_parquet({_literal(folder / entry['file'])})")
                n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if n != entry["rows"]:
                    raise SnapshotError(f"{entry['file']} gave {n:,} rows of {table}, the "
                                        f"manifest says {entry['rows']:,}")
            con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            sorted(records.items()))
            con.execute(VIEWS)
            con.execute(INDEXES)
            con.execute("CHECKPOINT")

    build_atomically(Path(target), fill)
    return manifest
