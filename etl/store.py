"""Load: write the store (one DuckDB file), validate it, and swap it in atomically.

The new store is written beside the old one under a temporary name. Only when
validation passes is it renamed over the old file (``os.replace`` is atomic on POSIX),
so a failed or interrupted run leaves the previous store byte for byte untouched.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from core.catalogue import Catalogue
from core.regions import CODE_PATTERNS, LEVELS
from core.schema import INDEXES, SCHEMA_VERSION, TABLES, VIEWS
from etl.errors import EtlError, StoreError


class ValidationFailed(EtlError):
    """The new store broke a rule; it was not swapped in."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("store validation failed:\n  - " + "\n  - ".join(problems))
        self.problems = problems

    @property
    def tables(self) -> tuple[str, ...]:
        """Source tables a problem names (their replies are suspect)."""
        found = re.findall(r"\(([0-9]{5}[A-Z]{3}) ", "\n".join(self.problems))
        return tuple(dict.fromkeys(found))


@dataclass
class StoreContent:
    """Everything a store holds, as data frames, before it is written."""

    regions: pd.DataFrame
    observations: pd.DataFrame
    availability: pd.DataFrame
    boundaries: dict[tuple[int, str], gpd.GeoDataFrame]
    geojson: dict[tuple[int, str], str]
    runs: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)
    region_changes: pd.DataFrame | None = None
    mergers: pd.DataFrame | None = None
    gaps: pd.DataFrame | None = None  # observation_gap: values withheld, and why
    #: Per layer the GeoJSON for the national map (boundary_geojson.overview); a layer
    #: without one is drawn from its full GeoJSON there too.
    overview: dict[tuple[int, str], str] = field(default_factory=dict)


def catalogue_frames(catalogue: Catalogue) -> tuple[pd.DataFrame, pd.DataFrame]:
    indicators = pd.DataFrame(
        [
            {
                "id": ind.id,
                "subtheme": ind.subtheme,
                "position": pos,
                "label_nl": ind.label.nl,
                "label_en": ind.label.en,
                "unit_nl": ind.unit.nl,
                "unit_en": ind.unit.en,
                "direction": ind.direction,
                "definition_nl": ind.definition.nl,
                "definition_en": ind.definition.en,
                "aggregation": ind.aggregation,
                "weight": ind.weight,
                "is_percentage": ind.is_percentage,
                "min_value": (ind.value_bounds or (None, None))[0],
                "max_value": (ind.value_bounds or (None, None))[1],
            }
            for pos, ind in enumerate(catalogue.indicators)
        ]
    )
    series = pd.DataFrame(
        [
            {
                "indicator_id": ind.id,
                "series": number,
                "first_year": s.years[0],
                "last_year": s.years[1],
                "source": s.source,
                "formula": s.formula,
                "note_nl": s.note.nl if s.note else None,
                "note_en": s.note.en if s.note else None,
                "min_denominator": s.effective_min_denominator,
            }
            for ind in catalogue.indicators
            for number, s in enumerate(ind.series)
        ]
    )
    return indicators, series


def validate(content: StoreContent, catalogue: Catalogue) -> list[str]:
    """Every rule the store must keep; an empty list means it may be swapped in."""
    problems: list[str] = []
    regions, obs = content.regions, content.observations

    for level, pattern in CODE_PATTERNS.items():
        codes = regions.loc[regions["level"] == level, "code"]
        bad = codes[~codes.str.fullmatch(pattern)]
        if len(bad):
            problems.append(f"{len(bad)} {level} codes malformed, e.g. {bad.iloc[0]!r}")
    unknown_level = regions[~regions["level"].isin(LEVELS)]
    if len(unknown_level):
        problems.append(f"{len(unknown_level)} regions with an unknown level")

    dup = obs.duplicated(["year", "region_code", "indicator_id"])
    if dup.any():
        first = obs[dup].iloc[0]
        problems.append(
            f"{int(dup.sum())} duplicate observations, e.g. {first['indicator_id']} "
            f"{first['region_code']} {first['year']}"
        )

    pct_ids = [i.id for i in catalogue.indicators if i.is_percentage]
    pct = obs[obs["indicator_id"].isin(pct_ids)]
    out_of_range = pct[(pct["value"] < 0) | (pct["value"] > 100)]
    if len(out_of_range):
        first = out_of_range.iloc[0]
        problems.append(
            f"{len(out_of_range)} percentages outside 0–100, e.g. {first['indicator_id']} "
            f"{first['region_code']} {first['year']} = {first['value']}"
        )
    problems += implausible_values(obs, catalogue)

    unknown_ind = set(obs["indicator_id"]) - {i.id for i in catalogue.indicators}
    if unknown_ind:
        problems.append(f"observations for unknown indicators: {sorted(unknown_ind)}")

    known = regions.set_index(["year", "code"]).index
    # A region is a code in one indeling: the one the observation says its code is on.
    region_year = "region_year" if "region_year" in obs else "year"
    obs_keys = pd.MultiIndex.from_frame(
        obs[[region_year, "region_code"]].drop_duplicates().set_axis(["year", "region_code"],
                                                                     axis=1))
    orphans = obs_keys.difference(known)
    if len(orphans):
        problems.append(f"{len(orphans)} observed regions missing from the region table, "
                        f"e.g. {orphans[0]}")

    # Every wijk and buurt lies in a gemeente that exists in the same year.
    sub = regions[regions["level"].isin(["wijk", "buurt"])]
    gm = regions[regions["level"] == "gemeente"].set_index(["year", "code"]).index
    sub_keys = pd.MultiIndex.from_arrays([sub["year"], sub["gemeente_code"]])
    homeless = sub[~sub_keys.isin(gm)]
    if len(homeless):
        first = homeless.iloc[0]
        problems.append(
            f"{len(homeless)} wijken/buurten whose gemeente is missing, e.g. {first['code']} "
            f"({first['year']}) → {first['gemeente_code']}"
        )

    counts = regions.groupby(["year", "level"]).size().unstack(fill_value=0)
    for year, row in counts.iterrows():
        n_gm = int(row.get("gemeente", 0))
        if n_gm and not 300 <= n_gm <= 450:
            problems.append(f"{year}: {n_gm} gemeenten (expected 300–450)")
        if row.get("wijk", 0) and row.get("wijk", 0) < n_gm:
            problems.append(f"{year}: fewer wijken ({row['wijk']}) than gemeenten ({n_gm})")
    if regions.empty:
        problems.append("no regions at all")
    if obs.empty:
        problems.append("no observations at all")

    for (year, level), frame in content.boundaries.items():
        if frame["code"].duplicated().any():
            problems.append(f"boundaries {level} {year}: duplicate codes")
        if not frame.geometry.is_valid.all():
            problems.append(f"boundaries {level} {year}: invalid geometries")
    return problems


def implausible_values(obs: pd.DataFrame, catalogue: Catalogue, examples: int = 5
                       ) -> list[str]:
    """Values outside their indicator's plausible range (counts ≥ 0 and below a ceiling,
    percentages 0–100, rates and averages within the catalogue's bounds), each named by
    indicator, period, region, value, source table and key."""
    bounds = pd.DataFrame(
        [(i.id, *i.value_bounds) for i in catalogue.indicators if i.value_bounds],
        columns=["indicator_id", "low", "high"],
    )
    if obs.empty or bounds.empty:
        return []
    checked = obs.merge(bounds, on="indicator_id")
    bad = checked[(checked["value"] < checked["low"]) | (checked["value"] > checked["high"])
                  | ~np.isfinite(checked["value"])]
    if bad.empty:
        return []
    lines = [
        f"{r.indicator_id} {r.year} {r.region_code} = {r.value:g} "
        f"({r.source_table} {r.source_key}; plausible {_number(r.low)} to {_number(r.high)})"
        for r in bad.head(examples).itertuples()
    ]
    more = f" (and {len(bad) - examples} more)" if len(bad) > examples else ""
    return [f"{len(bad)} implausible values{more}: " + "; ".join(lines)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def write_store(content: StoreContent, catalogue: Catalogue, target: Path) -> Path:
    """Write to a temporary file beside target, validate, then atomically replace target.

    Any failure (a broken rule, a full disk, a DuckDB error) raises an EtlError and leaves
    target as it was; no temporary file stays behind."""
    problems = validate(content, catalogue)
    if problems:
        raise ValidationFailed(problems)

    def fill(tmp: Path) -> None:
        _write(content, catalogue, tmp)
        _check_written(tmp, content)

    return build_atomically(Path(target), fill)


def build_atomically(target: Path, fill: Callable[[Path], None]) -> Path:
    """Let ``fill`` write a new store at a temporary path beside target, then atomically
    replace target with it. Whatever ``fill`` raises leaves target as it was (a DuckDB or OS
    error becomes a StoreError); no temporary file stays behind. Holds the store's lock."""
    with store_lock(target):
        tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
        try:
            fill(tmp)
            os.replace(tmp, target)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"could not write the new store {tmp}: "
                             f"{exc.__class__.__name__}: {exc}") from exc
        finally:
            _remove_build(tmp)
    return target


def _remove_build(path: Path) -> None:
    for leftover in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


# One lock per store folder and process, taken again by nested users (run_etl holds it for
# the whole run, write_store within it): flock locks of two open files conflict even in one
# process.
_HELD: dict[Path, tuple[int, int]] = {}
_HELD_GUARD = threading.Lock()


@contextmanager
def store_lock(target: Path) -> Iterator[None]:
    """Hold the lock of the folder a store lives in: one ETL run at a time writes there.

    A ``flock`` on the folder itself: no lock file is left beside the store, and the kernel
    releases it when a run dies, even by SIGKILL. Holding it, the ``.building`` files (and
    their ``.wal``) that killed runs left behind are stale, and are removed."""
    folder = Path(target).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    with _HELD_GUARD:
        held = _HELD.get(folder)
        if held is not None:
            _HELD[folder] = (held[0], held[1] + 1)
    if held is None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreError(
                f"another ETL run is writing a store in {folder}; wait for it to finish "
                "(its lock goes with it, also when it is killed)") from None
        with _HELD_GUARD:
            _HELD[folder] = (fd, 1)
        remove_stale_builds(Path(target))
    try:
        yield
    finally:
        with _HELD_GUARD:
            fd, count = _HELD[folder]
            if count > 1:
                _HELD[folder] = (fd, count - 1)
            else:
                del _HELD[folder]
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


def remove_stale_builds(target: Path) -> list[Path]:
    """Remove what killed runs left beside the store; call only while holding its lock."""
    stale = sorted(target.parent.glob(f".{target.name}.*.building")) + sorted(
        target.parent.glob(f".{target.name}.*.building.wal"))
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return stale


def _write(content: StoreContent, catalogue: Catalogue, path: Path) -> None:
    indicators, series = catalogue_frames(catalogue)
    boundary_rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "year": year,
                    "level": level,
                    "code": frame["code"].to_numpy(),
                    **{k: frame.geometry.bounds[k].to_numpy()
                       for k in ("minx", "miny", "maxx", "maxy")},
                    "geometry": frame.geometry.to_wkb().to_numpy(),
                }
            )
            for (year, level), frame in sorted(content.boundaries.items())
        ]
        or [pd.DataFrame(columns=["year", "level", "code", "minx", "miny", "maxx", "maxy",
                                  "geometry"])],
        ignore_index=True,
    ).rename(columns={"minx": "xmin", "miny": "ymin", "maxx": "xmax", "maxy": "ymax"})
    geojson_rows = pd.DataFrame(
        [
            {"year": y, "level": lv, "n_features": len(content.boundaries[(y, lv)]), "geojson": g,
             "overview": content.overview.get((y, lv))}
            for (y, lv), g in sorted(content.geojson.items())
        ],
        columns=["year", "level", "n_features", "geojson", "overview"],
    )
    meta = {
        "schema_version": str(SCHEMA_VERSION),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "catalogue": catalogue.model_dump_json(),
        **content.meta,
    }
    meta_rows = pd.DataFrame(sorted(meta.items()), columns=["key", "value"])
    with duckdb.connect(str(path)) as con:
        con.execute(TABLES)
        observations = content.observations
        if "region_year" not in observations.columns:
            observations = observations.assign(region_year=observations["year"])
        for table, frame in [
            ("meta", meta_rows),
            ("region", content.regions),
            ("region_change", content.region_changes),
            ("gemeente_merger", content.mergers),
            ("indicator", indicators),
            ("indicator_series", series),
            ("availability", content.availability),
            ("observation", observations),
            ("observation_gap", content.gaps),
            ("boundary", boundary_rows),
            ("boundary_geojson", geojson_rows),
            ("etl_run", content.runs),
        ]:
            if frame is None or frame.empty:
                continue
            con.register("frame", frame)
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM frame")
            con.unregister("frame")
        con.execute(VIEWS)
        con.execute(INDEXES)
        con.execute("CHECKPOINT")


def _check_written(path: Path, content: StoreContent) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM observation").fetchone()[0]
    if n != len(content.observations):
        raise ValidationFailed([f"wrote {n} observations, expected {len(content.observations)}"])


def read_meta(path: Path) -> dict[str, Any]:
    """Key facts of an existing store (for the CLI and /healthz)."""
    with duckdb.connect(str(path), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    if "summary" in meta:
        meta["summary"] = json.loads(meta["summary"])
    return meta
