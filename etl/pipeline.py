"""The ETL run: extract every source, transform to regions and observations, load the store.

``run_etl`` is the flow, one named step per line; the steps live in ``extract`` (all I/O),
``transform`` and ``boundaries`` (pure), and ``store`` (validate, write, swap).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core.catalogue import DEFAULT_CATALOGUE, load_catalogue
from etl import boundaries, transform
from etl.extract import CbsClient, RawTable, Sources, extract_sources
from etl.settings import YEARS, Settings
from etl.store import StoreContent, write_store

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


def run_etl(
    settings: Settings,
    catalogue_path: Path | str = DEFAULT_CATALOGUE,
    report: Report | None = None,
) -> RunResult:
    """Build the store from the configured sources; raises on any fatal problem, leaving
    the previous store as it was."""
    say = report or (lambda _msg: None)
    started = time.perf_counter()
    years = tuple(settings.years)
    catalogue = load_catalogue(catalogue_path)

    sources = extract_sources(CbsClient(settings, progress=say), years)
    kwb = transform.kwb_source_frames(sources.kwb)
    police = transform.police_source_frames(sources.police, years, kwb.frames)
    rivm = transform.rivm_source_frames(sources.rivm, years)
    tables = kwb.merge(police).merge(rivm)
    for warning in tables.warnings:
        say(warning)
    shapes = boundaries.web_layers(sources.layers, say)
    observations, availability = transform.build_observations(catalogue, tables.frames, years)
    if unresolved := transform.require_resolved(availability, years == YEARS):
        say(f"[yellow]Not in the years asked for:[/] {', '.join(unresolved)}")
    availability = transform.explain_absence(availability, catalogue, tables.absent)
    regions = transform.combine_regions([*tables.regions, *shapes.regions])
    regions = transform.drop_unobserved_orphans(regions, observations)
    runs = provenance(sources, tables.notes)
    summary = summarise(regions, observations, availability, shapes.shapes)

    content = StoreContent(
        regions=regions,
        observations=observations,
        availability=availability,
        boundaries=shapes.shapes,
        geojson=shapes.geojson,
        runs=runs,
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
        runs=runs,
        boundaries={k: len(v) for k, v in shapes.shapes.items()},
        summary=summary,
    )


def provenance(sources: Sources, notes: dict[str, str | None]) -> pd.DataFrame:
    """One row per source table asked for: what it was, when, and what became of it."""
    rows = []
    asked = [*sources.kwb.values(), *sources.police, *sources.rivm]
    for fetched in asked:
        raw = fetched if isinstance(fetched, RawTable) else None
        note = notes.get(fetched.ref.table) if raw else fetched.reason
        rows.append({
            "source_table": fetched.ref.table,
            "catalog": fetched.ref.host,
            "title": raw.info.get("Title") if raw else None,
            "modified": raw.info.get("Modified") if raw else None,
            "rows": len(raw.data) if raw else 0,
            "fetched_at": fetched.fetched_at,
            "status": "ok" if raw else "not published",
            "note": note,
        })
    return pd.DataFrame(rows)


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
