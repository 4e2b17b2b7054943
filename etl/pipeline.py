"""The ETL run: extract every source, transform to regions and observations, load the store.

This module wires the steps together and reports progress; the steps themselves are in
``extract`` (I/O), ``transform`` and ``boundaries`` (pure), and ``store`` (write+validate).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from core.catalogue import DEFAULT_CATALOGUE, Catalogue, CatalogueError, load_catalogue
from core.regions import display_name, gemeente_of, normalise_code
from etl import boundaries, transform
from etl.extract import CbsClient, ExtractError, NotPublished, TableRef
from etl.settings import KWB_TABLES, PDOK_LAYERS, POLICE_TABLES, RIVM_TABLES, Settings
from etl.store import StoreContent, write_store

Report = Callable[[str], None]

DIMENSION_TYPES = {"Dimension", "GeoDimension", "TimeDimension", "GeoDetail"}


@dataclass
class RawTable:
    ref: TableRef
    info: dict[str, Any]
    properties: list[dict[str, Any]]
    data: pd.DataFrame
    dimensions: dict[str, list[dict[str, Any]]]


@dataclass
class RunResult:
    store: Path
    seconds: float
    regions: pd.DataFrame
    observations: pd.DataFrame
    availability: pd.DataFrame
    runs: pd.DataFrame
    boundaries: dict[tuple[int, str], int]
    summary: dict[str, Any] = field(default_factory=dict)


def fetch_table(client: CbsClient, ref: TableRef, sets: list[str]) -> RawTable:
    """TableInfos, DataProperties, the TypedDataSet and every dimension of a table.

    We fetch ``TypedDataSet`` by name: cbsodata's ``get_data(typed=True)`` would fetch the
    UntypedDataSet (its flag is inverted) and replace region keys by their titles.
    """
    for needed in ("TableInfos", "DataProperties", "TypedDataSet"):
        if needed not in sets:
            raise ExtractError(
                f"{ref.table}/{needed}", client.odata_url(ref), "not in the service document"
            )
    info_rows = client.entity_set(ref, "TableInfos")
    properties = client.entity_set(ref, "DataProperties")
    data = pd.DataFrame.from_records(client.entity_set(ref, "TypedDataSet"))
    dimensions = {
        prop["Key"]: client.entity_set(ref, prop["Key"])
        for prop in properties
        if prop.get("Type") in DIMENSION_TYPES and prop.get("Key") in sets
    }
    return RawTable(ref, info_rows[0] if info_rows else {}, properties, data, dimensions)


def _run_row(raw: RawTable | None, ref: TableRef, status: str, note: str | None) -> dict[str, Any]:
    return {
        "source_table": ref.table,
        "catalog": ref.host,
        "title": (raw.info.get("Title") if raw else None),
        "modified": (raw.info.get("Modified") if raw else None),
        "rows": (len(raw.data) if raw else 0),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": status,
        "note": note,
    }


def run_etl(
    settings: Settings,
    catalogue_path: Path | str = DEFAULT_CATALOGUE,
    report: Report | None = None,
) -> RunResult:
    """Build the store from the configured sources; raises on any fatal problem, leaving
    the previous store as it was."""
    say = report or (lambda _msg: None)
    started = time.perf_counter()
    catalogue = load_catalogue(catalogue_path)
    client = CbsClient(settings, progress=say)
    frames: dict[tuple[str, int], transform.SourceFrame] = {}
    candidates: list[pd.DataFrame] = []
    runs: list[dict[str, Any]] = []
    absent: dict[tuple[str, int], str] = {}
    years = tuple(settings.years)

    # --- KWB, one table per year
    for year in years:
        ref = TableRef("opendata", KWB_TABLES[year])
        raw = _published(client, ref, runs, say, f"KWB {year}")
        if raw is None:
            absent[("kwb", year)] = f"{ref.table} not available ({runs[-1]['note']})"
            continue
        frames[("kwb", year)] = transform.kwb_frame(ref.table, year, raw.properties, raw.data)
        candidates.append(
            transform.regions_from_dimension(year, raw.dimensions.get("WijkenEnBuurten", []), 1)
        )
        runs.append(_run_row(raw, ref, "ok", None))

    # --- police: registered crime per region and year
    for table in POLICE_TABLES:
        ref = TableRef("dataderden", table)
        raw = _published(client, ref, runs, say, "Politie")
        if raw is None:
            for year in years:
                absent[("politie", year)] = f"{table} not available"
            continue
        dropped: dict[int, int] = {}
        for year, frame in transform.police_frames(table, raw.properties, raw.data).items():
            if year in years:
                kwb = frames.get(("kwb", year))
                if kwb is not None:
                    frame, dropped[year] = transform.keep_indeling(frame, kwb.values.index)
                frames[("politie", year)] = frame
                candidates.append(_regions_with_values(raw, frame, 2))
        note = "; ".join(
            f"{year}: {n} region codes not in that year's KWB indeling left out"
            for year, n in sorted(dropped.items()) if n
        )
        if note:
            say(f"[yellow]Politie {table}[/]: {note}")
        runs.append(_run_row(raw, ref, "ok", note or None))

    # --- RIVM health: the newest edition that exists
    for table in RIVM_TABLES:
        ref = TableRef("dataderden", table)
        raw = _published(client, ref, runs, say, "RIVM")
        if raw is None:
            continue
        age = transform.pick_dimension_key(
            raw.dimensions.get("Leeftijd", []), "18 jaar of ouder", "18 jaar en ouder"
        )
        margin = transform.pick_dimension_key(raw.dimensions.get("Marges", []), "Waarde")
        rivm = transform.rivm_frames(table, raw.properties, raw.data, age, margin)
        for year, frame in rivm.items():
            if year in years:
                frames[("rivm", year)] = frame
                candidates.append(_regions_with_values(raw, frame, 3))
        runs.append(_run_row(raw, ref, "ok", f"years {sorted(rivm)}; 18+ {age}, {margin}"))
        break

    # --- boundaries per year and level
    layers: dict[tuple[int, str], Any] = {}
    geojson: dict[tuple[int, str], str] = {}
    for year in years:
        for level, layer in PDOK_LAYERS.items():
            try:
                collection = client.wfs_layer(year, layer)
            except NotPublished:
                continue
            frame = boundaries.simplify_for_web(boundaries.layer_frame(collection, level), level)
            if frame.empty:
                continue
            layers[(year, level)] = frame
            geojson[(year, level)] = boundaries.to_geojson(frame)
            say(f"Boundaries {level} {year}: {len(frame):,} shapes")
            names = pd.DataFrame(
                {
                    "year": year,
                    "code": frame["code"],
                    "level": level,
                    "name": [display_name(n, c)
                             for n, c in zip(frame["name"], frame["code"], strict=True)],
                    "gemeente_code": frame["code"].map(gemeente_of),
                    "priority": 0,
                }
            )
            candidates.append(names)

    # --- transform
    observations, availability = transform.build_observations(catalogue, frames, years)
    unresolved = transform.unresolved_indicators(availability)
    if unresolved:
        raise CatalogueError(
            "these catalogue entries resolve in no year of any available table: "
            + ", ".join(unresolved)
        )
    availability["reason"] = [
        _absence_reason(row, catalogue, absent) for row in availability.itertuples()
    ]
    regions = transform.combine_regions(candidates)
    regions = _drop_unobserved_orphans(regions, observations, layers)

    summary = summarise(regions, observations, availability, layers)
    content = StoreContent(
        regions=regions,
        observations=observations,
        availability=availability,
        boundaries=layers,
        geojson=geojson,
        runs=pd.DataFrame(runs),
        meta={
            "summary": json.dumps(summary, ensure_ascii=False),
            "source": str(settings.mirror) if settings.mirror else settings.opendata_url,
        },
    )
    path = write_store(content, catalogue, settings.store)
    return RunResult(
        store=path,
        seconds=time.perf_counter() - started,
        regions=regions,
        observations=observations,
        availability=availability,
        runs=pd.DataFrame(runs),
        boundaries={k: len(v) for k, v in layers.items()},
        summary=summary,
    )


def _published(
    client: CbsClient, ref: TableRef, runs: list[dict[str, Any]], say: Report, label: str
) -> RawTable | None:
    """A table with its data and dimensions, or None, recorded in ``runs`` and said, when
    the service does not have it."""
    try:
        sets = client.service_document(ref)
    except NotPublished as exc:
        say(f"[yellow]{label}: {ref.table} not available[/] ({exc})")
        runs.append(_run_row(None, ref, "not published", str(exc)))
        return None
    raw = fetch_table(client, ref, sets)
    say(f"{label}: {ref.table}, {len(raw.data):,} rows")
    return raw


def _regions_with_values(
    raw: RawTable, frame: transform.SourceFrame, priority: int
) -> pd.DataFrame:
    """Region rows for the codes a third-party table has values for in one year."""
    members = [
        m for m in raw.dimensions.get("WijkenEnBuurten", [])
        if normalise_code(m["Key"]) in frame.values.index
    ]
    return transform.regions_from_dimension(frame.year, members, priority)


def _absence_reason(row: Any, catalogue: Catalogue, absent: dict[tuple[str, int], str]) -> Any:
    if row.status != "unavailable" or row.series is None or pd.isna(row.series):
        return row.reason
    series = catalogue.by_id[row.indicator_id].series[int(row.series)]
    if (series.source, row.year) in absent:
        return absent[(series.source, row.year)]
    if row.reason and row.reason.startswith(f"no {series.source} table"):
        return row.reason  # the numerator's own source lacks the year: say that first
    if (series.effective_denominator_source, row.year) in absent:
        return absent[(series.effective_denominator_source, row.year)]
    return row.reason


def _drop_unobserved_orphans(
    regions: pd.DataFrame, observations: pd.DataFrame, layers: dict[tuple[int, str], Any]
) -> pd.DataFrame:
    """Wijken/buurten whose gemeente no source lists that year, and that carry no data,
    are noise from a boundary layer of another indeling: leave them out."""
    gm = set(zip(regions.loc[regions["level"] == "gemeente", "year"],
                 regions.loc[regions["level"] == "gemeente", "code"], strict=True))
    observed = set(zip(observations["year"], observations["region_code"], strict=True))
    keep = [
        level in ("land", "gemeente") or (year, gmc) in gm or (year, code) in observed
        for year, code, level, gmc in zip(
            regions["year"], regions["code"], regions["level"], regions["gemeente_code"],
            strict=True,
        )
    ]
    return regions[keep].reset_index(drop=True)


def summarise(
    regions: pd.DataFrame,
    observations: pd.DataFrame,
    availability: pd.DataFrame,
    layers: dict[tuple[int, str], Any],
) -> dict[str, Any]:
    """What was built: regions and observations per year and level, and what is missing."""
    level_of = regions.set_index(["year", "code"])["level"]
    obs_level = level_of.reindex(
        pd.MultiIndex.from_frame(observations[["year", "region_code"]])
    ).to_numpy()
    obs_counts = (
        observations.assign(level=obs_level).groupby(["year", "level"]).size()
        if len(observations) else pd.Series(dtype=int)
    )
    reg_counts = regions.groupby(["year", "level"]).size()
    per_year: dict[str, Any] = {}
    for (year, level), n in reg_counts.items():
        entry = per_year.setdefault(str(year), {})
        entry[level] = {
            "regions": int(n),
            "observations": int(obs_counts.get((year, level), 0)),
            "boundaries": len(layers[(year, level)]) if (year, level) in layers else 0,
        }
    missing = availability[availability["status"] != "ok"]
    unavailable = [
        {"indicator": r.indicator_id, "year": int(r.year), "status": r.status, "reason": r.reason}
        for r in missing.itertuples()
    ]
    return {
        "per_year": per_year,
        "observations": len(observations),
        "indicators_with_data": int(observations["indicator_id"].nunique()),
        "unavailable": unavailable,
    }
