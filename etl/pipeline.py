"""The ETL run: extract every source, transform to regions and observations, load the store.

``run_etl`` is the flow, one named step per line; the steps live in ``extract`` (all I/O),
``transform``, ``boundaries`` and ``changes`` (pure), and ``store`` (validate, write, swap).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core.catalogue import DEFAULT_CATALOGUE, Catalogue, load_catalogue
from core.sources import BOUNDARIES, publisher_of, source_of_table
from etl import boundaries, changes, transform
from etl.errors import SourceDataError
from etl.extract import CbsClient, RawTable, Sources, extract_boundaries, extract_tables
from etl.settings import LIVE_HOSTS, PDOK_LAYERS, YEARS, Settings
from etl.store import StoreContent, ValidationFailed, store_lock, write_store

Report = Callable[[str], None]


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
    region_changes: pd.DataFrame | None = None
    mergers: pd.DataFrame | None = None
    gaps: pd.DataFrame | None = None


def run_etl(
    settings: Settings,
    catalogue_path: Path | str = DEFAULT_CATALOGUE,
    report: Report | None = None,
) -> RunResult:
    """Build the store from the configured sources; raises an EtlError (or CatalogueError)
    on any fatal problem, leaving the previous store as it was. One run per store at a time:
    the run holds the store's lock throughout."""
    say = report or (lambda _msg: None)
    catalogue = load_catalogue(catalogue_path)
    client = CbsClient(settings, progress=say)
    with store_lock(settings.store):
        try:
            return build(settings, catalogue, client, say)
        except (ValidationFailed, SourceDataError) as exc:
            exc.hints.append(suspect_replies(exc, client, settings))
            raise


def build(settings: Settings, catalogue: Catalogue, client: CbsClient, say: Report
          ) -> RunResult:
    """The flow: extract, transform, detect region changes, compute, validate and load."""
    started = time.perf_counter()
    years = tuple(settings.years)
    sources = extract_tables(client, years)
    tables = source_frames(sources, years, say)
    layers = extract_boundaries(client, indelingen(years, tables))
    shapes = boundaries.web_layers(layers, say)
    regions = transform.combine_regions([*tables.regions, *shapes.regions])
    found = changes.detect_changes(regions, shapes.metric, kwb_counts(tables))
    geography = transform.geography_of(regions, found.same)
    computed = transform.build_observations(catalogue, tables.frames, years, geography)
    if unresolved := transform.require_resolved(computed.availability, years == YEARS):
        say(f"[yellow]Not in the years asked for:[/] {', '.join(unresolved)}")
    availability = transform.explain_absence(computed.availability, catalogue, tables.absent)
    regions = transform.drop_unobserved_orphans(regions, computed.observations)
    runs = provenance(sources, tables, layers)
    summary = summarise(regions, computed.observations, availability, shapes.shapes, found,
                        computed.gaps)

    content = StoreContent(
        regions=regions,
        observations=computed.observations,
        availability=availability,
        boundaries=shapes.shapes,
        geojson=shapes.geojson,
        overview=shapes.overview,
        runs=runs,
        meta={
            "summary": json.dumps(summary, ensure_ascii=False),
            "source": str(settings.mirror) if settings.mirror else settings.opendata_url,
            # Where the figures come from, for the footer and /healthz (a snapshot load
            # says "snapshot"; etl/snapshot.py).
            "origin": "mirror" if settings.mirror else "live",
            "sources_modified": latest_modified(runs),
        },
        region_changes=found.region_change,
        mergers=found.mergers,
        gaps=computed.gaps,
    )
    path = write_store(content, catalogue, settings.store)
    return RunResult(
        store=path,
        seconds=time.perf_counter() - started,
        regions=regions,
        observations=computed.observations,
        availability=availability,
        runs=runs,
        boundaries={k: len(v) for k, v in shapes.shapes.items()},
        summary=summary,
        region_changes=found.region_change,
        mergers=found.mergers,
        gaps=computed.gaps,
    )


def suspect_replies(exc: ValidationFailed | SourceDataError, client: CbsClient,
                    settings: Settings) -> str:
    """What to do about the replies behind a failed validation. The cached replies of the
    tables it names are moved aside (the next run downloads them again); a mirror is only
    named, never changed. Without a named table, say where the replies are and how to
    fetch them again."""
    tables = [t for t in exc.tables if t in client.files]
    files = [path for table in tables for path in client.files[table]]
    if not files:
        where = settings.mirror or settings.cache_dir
        return (f"The replies this run used are in {where}; if they are at fault, fetch them "
                "again with: zow etl --refresh")
    if settings.mirror is not None:
        return ("These mirror files are suspect (left as they are): "
                + ", ".join(str(f) for f in files))
    aside = settings.cache_dir / ".suspect" / time.strftime("%Y%m%dT%H%M%S")
    for path in files:
        moved = aside / path.relative_to(settings.cache_dir)
        moved.parent.mkdir(parents=True, exist_ok=True)
        path.replace(moved)
    return (f"The cached replies of {', '.join(tables)} are suspect: moved to {aside}, so the "
            "next run downloads them again.")


def source_frames(sources: Sources, years: tuple[int, ...], say: Report
                  ) -> transform.SourceFrames:
    """Every table's numbers per (source, period), on its own indeling."""
    tables = (transform.kwb_source_frames(sources.kwb)
              .merge(transform.police_source_frames(sources.police, years))
              .merge(transform.rivm_source_frames(sources.rivm, years)))
    for warning in tables.warnings:
        say(warning)
    return tables


def indelingen(years: tuple[int, ...], tables: transform.SourceFrames) -> tuple[int, ...]:
    """The years whose boundaries are needed: those asked for, and every indeling a table
    with values for them is on (the police table's 2024 for its 2021 figures)."""
    used = {frame.region_year for frame in tables.frames.values()}
    return tuple(sorted(set(years) | used))


def kwb_counts(tables: transform.SourceFrames) -> dict[int, pd.DataFrame]:
    """Inhabitants and dwellings per indeling (KWB), for telling areas apart."""
    return changes.count_frames(
        (frame.region_year, frame.values)
        for (source, _), frame in tables.frames.items() if source == "kwb"
    )


def provenance(sources: Sources, tables: transform.SourceFrames,
               layers: dict[tuple[int, str], Any]) -> pd.DataFrame:
    """One row per source table and boundary layer asked for: who publishes it, which
    indeling its codes are on, when it was fetched, and what became of it."""
    rows = []
    for fetched in sources.asked():
        raw = fetched if isinstance(fetched, RawTable) else None
        table = fetched.ref.table
        rows.append({
            "source_table": table,
            "catalog": fetched.ref.host,
            "source": source_of_table(table),
            "publisher": publisher_of(table).credit.nl,
            "title": raw.info.get("Title") if raw else None,
            "modified": raw.info.get("Modified") if raw else None,
            "indeling": tables.indelingen.get(table),
            "rows": len(raw.data) if raw else 0,
            "fetched_at": fetched.fetched_at,
            "status": "ok" if raw else "not published",
            "note": tables.notes.get(table) if raw else fetched.reason,
        })
    for (year, level), collection in layers.items():
        rows.append({
            "source_table": f"gebiedsindelingen/{year}/{PDOK_LAYERS[level]}",
            "catalog": LIVE_HOSTS["pdok"],
            "source": BOUNDARIES.source,
            "publisher": BOUNDARIES.credit.nl,
            "title": f"CBS gebiedsindelingen {year}, {level}",
            "modified": None,
            "indeling": year,
            "rows": len(collection.get("features", [])),
            "fetched_at": None,
            "status": "ok",
            "note": None,
        })
    return pd.DataFrame(rows)


def latest_modified(runs: pd.DataFrame) -> str:
    """The most recent ``Modified`` date among the source tables (YYYY-MM-DD; empty when no
    table gives one): how fresh the newest figures are."""
    dates = runs["modified"].dropna().astype(str) if "modified" in runs else []
    return max((d[:10] for d in dates if d), default="")


def summarise(
    regions: pd.DataFrame,
    observations: pd.DataFrame,
    availability: pd.DataFrame,
    layers: dict[tuple[int, str], Any],
    found: changes.Changes | None = None,
    gaps: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """What was built: per indeling and level its regions, the observations on it and its
    boundaries; what is missing; and how many codes changed area."""
    level_of = regions.set_index(["year", "code"])["level"]
    obs_level = level_of.reindex(
        pd.MultiIndex.from_frame(observations[["region_year", "region_code"]])
    ).to_numpy()
    obs_counts = (
        observations.assign(level=obs_level).groupby(["region_year", "level"]).size()
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
    summary: dict[str, Any] = {
        "per_year": per_year,
        "observations": len(observations),
        "indicators_with_data": int(observations["indicator_id"].nunique()),
        "unavailable": unavailable,
    }
    if found is not None:
        change = found.region_change
        summary["changed_areas"] = int((~change["same_area"]).sum())
        summary["mergers"] = [
            f"{r.old_name} → {r.new_name} ({r.year})" for r in found.mergers.itertuples()
        ]
    if gaps is not None:
        summary["withheld"] = {str(k): int(v) for k, v in gaps["reason"].value_counts().items()}
    return summary
