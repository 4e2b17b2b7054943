"""The query layer: every read of the store, and every SQL string of the app, is here.

A ``Store`` is read-only and safe to share between threads (one DuckDB cursor per query).
The store file never changes while a process runs (a new release is a new file and a new
process), so answers are memoised per store: this is the app's one data cache. The joins
every reader needs (a region's gemeente name, an observation's region) are views of the
schema (``core.schema``), so they are written once.

Regions are versions: a code within one indeling (``year`` of the region table). An
observation's ``year`` is the period it describes, its ``region_year`` the indeling of its
code; a map of an indicator in a year draws the regions of that indeling.
"""

from __future__ import annotations

import gzip
import json
import threading
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from flask import current_app, has_app_context

from core.catalogue import Catalogue, Indicator
from core.regions import LAND_CODE, MAP_LEVELS, gemeente_of, with_terms

COVERAGE = 0.95  # share of regions with a value that must have a shape to draw a map
# On another year's shapes, only the regions of the same area there are drawn (the others
# stay in the table, and the panel says how many): at least this share of them.
OTHER_LAYER_COVERAGE = 0.9
BOUNDARY_CREDIT = "Grenzen: CBS / Kadaster, via PDOK (gebiedsindelingen)"


class StoreMissing(FileNotFoundError):
    """No store file: tell people how to build one."""


def memo(maxsize: int = 256) -> Any:
    """Memoise a Store method: the store is immutable, so an answer never goes stale."""
    return lru_cache(maxsize=maxsize)


class Store:
    """Read-only access to one store file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise StoreMissing(
                f"No store at {self.path}. Build it with `zow etl` "
                "(or offline: `zow etl --mirror ../shared/cbs-mirror`)."
            )
        self._con = duckdb.connect(str(self.path), read_only=True)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing
    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame:
        """Run one parameterised query on its own cursor (thread-safe)."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            return cursor.execute(sql, list(params)).df()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection (the gunicorn master does, before it forks the workers)."""
        self._con.close()

    @memo(1)
    def meta(self) -> dict[str, str]:
        frame = self.query("SELECT key, value FROM meta")
        return dict(zip(frame["key"], frame["value"], strict=True))

    # ------------------------------------------------------------------- catalogue
    @cached_property
    def catalogue(self) -> Catalogue:
        """The indicator catalogue the store was built with."""
        return Catalogue.model_validate_json(self.meta()["catalogue"])

    @property
    def indicators(self) -> dict[str, Indicator]:
        return self.catalogue.by_id

    @memo(1)
    def available(self) -> pd.DataFrame:
        """(indicator_id, year, level, region_year, n) for every combination with values."""
        return self.query(
            "SELECT indicator_id, year, level, region_year, count(*) AS n "
            "FROM observation_region GROUP BY ALL ORDER BY 1, 2, 3, 4"
        )

    @memo(1)
    def availability(self) -> pd.DataFrame:
        """What the ETL recorded per indicator and year: status, source table, reason."""
        return self.query(
            "SELECT indicator_id, year, series, status, source_table, source_keys, reason, "
            "n_values FROM availability ORDER BY indicator_id, year"
        )

    @memo(1)
    def _counts(self) -> dict[tuple[str, int, str], dict[int, int]]:
        """available() as a lookup: (indicator, year, level) → {indeling: regions}."""
        out: dict[tuple[str, int, str], dict[int, int]] = {}
        for ind, year, level, indeling, n in self.available().itertuples(index=False):
            out.setdefault((ind, int(year), level), {})[int(indeling)] = int(n)
        return out

    @memo(1)
    def _years(self) -> dict[str, list[int]]:
        out: dict[str, set[int]] = {}
        for ind, year, _ in self._counts():
            out.setdefault(ind, set()).add(year)
        return {ind: sorted(years) for ind, years in out.items()}

    def indicators_for(self, subtheme: str) -> list[Indicator]:
        """Indicators of a subtheme that have any values, in catalogue order."""
        have = set(self.available()["indicator_id"])
        return [i for i in self.catalogue.for_subtheme(subtheme) if i.id in have]

    def years_for(self, indicator_id: str) -> list[int]:
        return list(self._years().get(indicator_id, []))

    def levels_with_values(self, indicator_id: str, year: int) -> list[str]:
        counts = self._counts()
        return [lv for lv in ("land", *MAP_LEVELS) if (indicator_id, year, lv) in counts]

    def indeling(self, indicator_id: str, year: int, level: str) -> int | None:
        """The indeling the values of an indicator in a year at a level are on (the one
        with the most regions, where figures of a year are on more than one)."""
        found = self._counts().get((indicator_id, year, level))
        if not found:
            return None
        return max(found, key=lambda indeling: (found[indeling], indeling))

    @memo(1024)
    def source_tables(self, indicator_id: str, year: int) -> tuple[str, ...]:
        """The source tables behind an indicator's values in a year."""
        av = self.availability()
        hit = av[(av["indicator_id"] == indicator_id) & (av["year"] == year)
                 & (av["status"] == "ok")]
        return tuple(sorted({str(t) for t in hit["source_table"] if isinstance(t, str)}))

    @memo(1)
    def sources(self) -> pd.DataFrame:
        """Provenance per source table (publisher, indeling, modified date)."""
        return self.query("SELECT * FROM etl_run ORDER BY source_table")

    # ------------------------------------------------------------------ boundaries
    @memo(1)
    def boundary_layers(self) -> frozenset[tuple[int, str]]:
        frame = self.query("SELECT year, level FROM boundary_geojson")
        return frozenset((int(y), str(lv)) for y, lv in zip(frame["year"], frame["level"],
                                                            strict=True))

    @memo(64)
    def boundary_codes(self, year: int, level: str) -> frozenset[str]:
        frame = self.query(
            "SELECT code FROM boundary WHERE year = ? AND level = ?", [year, level]
        )
        return frozenset(frame["code"])

    @memo(4096)
    def geometry_year(
        self, indicator_id: str, year: int, level: str, gemeente: str | None = None
    ) -> int | None:
        """The year of the boundary layer to draw these values on, or None.

        The layer of the values' own indeling when it has a shape for nearly every region
        with a value (COVERAGE); otherwise the nearest layer of the same level on which
        nearly every such region has a shape *of the same area* (region_change). Regions
        without one are then not drawn (they stay in the table; see drawable_codes)."""
        indeling = self.indeling(indicator_id, year, level)
        if indeling is None:
            return None
        codes = self._codes_with_values(indicator_id, year, level, gemeente)
        if not codes:
            return None
        layers = sorted((y for y, lv in self.boundary_layers() if lv == level),
                        key=lambda y: (y != indeling, abs(y - indeling), -y))
        for candidate in layers:
            drawable = self.drawable_codes(indicator_id, year, level, candidate, gemeente)
            share = len(drawable) / len(codes)
            if share >= (COVERAGE if candidate == indeling else OTHER_LAYER_COVERAGE):
                return candidate
        return None

    @memo(1)
    def _all_codes(self) -> dict[tuple[str, int, str, int], frozenset[str]]:
        """(indicator, year, level, indeling) → the codes with a value. One query for the
        whole store, so that deciding what can be drawn never loads a frame per view."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            rows = cursor.execute(
                "SELECT indicator_id, year, level, region_year, list(code) "
                "FROM observation_region GROUP BY ALL").fetchall()
        finally:
            cursor.close()
        return {(str(i), int(y), str(lv), int(r)): frozenset(codes)
                for i, y, lv, r, codes in rows}

    @memo(4096)
    def _codes_with_values(self, indicator_id: str, year: int, level: str,
                           gemeente: str | None) -> frozenset[str]:
        indeling = self.indeling(indicator_id, year, level)
        codes = self._all_codes().get((indicator_id, year, level, indeling or 0), frozenset())
        if gemeente is None:
            return codes
        return frozenset(c for c in codes if gemeente_of(c) == gemeente)

    @memo(4096)
    def drawable_codes(self, indicator_id: str, year: int, level: str, layer: int,
                       gemeente: str | None = None) -> frozenset[str]:
        """The regions with a value that a boundary layer has a shape of the same area for
        (all of them with a shape, on the layer of their own indeling)."""
        indeling = self.indeling(indicator_id, year, level)
        codes = self._codes_with_values(indicator_id, year, level, gemeente)
        on_layer = codes & self.boundary_codes(layer, level)
        if layer == indeling:
            return on_layer
        return frozenset(c for c in on_layer if self.same_area(c, int(indeling), layer))

    def levels_for(self, indicator_id: str, year: int, gemeente: str | None = None
                   ) -> list[str]:
        """Levels that can be drawn for this indicator and year (within a gemeente)."""
        return [
            lv for lv in MAP_LEVELS
            if self.geometry_year(indicator_id, year, lv,
                                  gemeente if lv != "gemeente" else None) is not None
        ]

    def map_years(self, indicator_id: str) -> list[int]:
        """Years of this indicator that can be drawn on a map of the whole country."""
        return [y for y in self.years_for(indicator_id) if self.levels_for(indicator_id, y)]

    @memo(32)
    def geojson_text(self, year: int, level: str, overview: bool = False) -> str:
        """A layer's GeoJSON, with its attribution as a top-level member (GeoJSON allows
        foreign members): boundaries that leave the app say where they come from.
        ``overview``: the coarser shapes for the national map, where the store has them
        (stores before schema 4 do not: then the full ones)."""
        frame = self.query(
            "SELECT * FROM boundary_geojson WHERE year = ? AND level = ?", [year, level]
        )
        if frame.empty:
            raise KeyError(f"no boundaries for {level} {year}")
        row = frame.iloc[0]
        coarse = row.get("overview") if overview else None
        text = str(coarse if isinstance(coarse, str) else row["geojson"])
        credit = json.dumps({"attribution": f"{BOUNDARY_CREDIT}, {level} {year}",
                             "license": "CC BY 4.0"}, ensure_ascii=False)
        return "{" + credit[1:-1] + "," + text.lstrip()[1:]

    @memo(32)
    def geojson_gzip(self, year: int, level: str, overview: bool = False) -> bytes:
        return gzip.compress(self.geojson_text(year, level, overview).encode(),
                             compresslevel=6)

    def geojson(self, year: int, level: str) -> dict[str, Any]:
        """The boundaries parsed, for analyses and tests (the app only serves the text)."""
        return json.loads(self.geojson_text(year, level))

    @memo(1024)
    def bounds(
        self, year: int, level: str, gemeente: str | None = None
    ) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) of a layer's shapes, optionally within one gemeente
        (for the gemeente level: that gemeente's own shape)."""
        frame = self.query(
            "SELECT min(xmin) AS w, min(ymin) AS s, max(xmax) AS e, max(ymax) AS n "
            "FROM boundary WHERE year = ? AND level = ? AND (? IS NULL OR code = ? "
            "OR (level <> 'gemeente' AND substr(code, 3, 4) = substr(?, 3, 4)))",
            [year, level, gemeente, gemeente, gemeente],
        )
        row = frame.iloc[0]
        if pd.isna(row["w"]):
            return None
        return (float(row["w"]), float(row["s"]), float(row["e"]), float(row["n"]))

    # --------------------------------------------------------------------- regions
    @memo(64)
    def regions(self, year: int, level: str | None = None) -> pd.DataFrame:
        """code, level, name, gemeente_code, gemeente_name of one indeling (one level)."""
        return self.query(
            "SELECT code, level, name, gemeente_code, gemeente_name FROM region_named "
            "WHERE year = ? AND (? IS NULL OR level = ?) ORDER BY code",
            [year, level, level],
        )

    @memo(16)
    def search_index(self, year: int) -> pd.DataFrame:
        """regions(year) with the folded names a search compares (views.search)."""
        return with_terms(self.regions(year))

    @memo(4096)
    def region(self, code: str, year: int | None = None) -> dict[str, Any] | None:
        """One region in an indeling (the latest indeling that has it if none given)."""
        frame = self.query(
            "SELECT year, code, level, name, gemeente_code, gemeente_name FROM region_named "
            "WHERE code = ? AND (? IS NULL OR year = ?) ORDER BY year DESC LIMIT 1",
            [code, year, year],
        )
        if frame.empty:
            return None
        row = frame.iloc[0].to_dict()
        return {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}

    @memo(1)
    def region_years(self) -> dict[str, list[int]]:
        """For each level, the indelingen the store holds regions of."""
        frame = self.query("SELECT DISTINCT level, year FROM region ORDER BY level, year")
        years: dict[str, list[int]] = {}
        for level, year in zip(frame["level"], frame["year"], strict=True):
            years.setdefault(str(level), []).append(int(year))
        return years

    def years_of_code(self, code: str) -> list[int]:
        """The indelingen in which a code exists."""
        frame = self.query("SELECT year FROM region WHERE code = ? ORDER BY year", [code])
        return [int(y) for y in frame["year"]]

    @memo(1)
    def region_changes(self) -> pd.DataFrame:
        """Per code and pair of indelingen: is it the same area (boundary-change detection)."""
        return self.query(
            "SELECT code, level, from_year, to_year, same_area, method, overlap, note_nl, "
            "note_en FROM region_change ORDER BY code, from_year, to_year"
        )

    @memo(1)
    def _links(self) -> dict[str, list[tuple[int, int, bool]]]:
        links: dict[str, list[tuple[int, int, bool]]] = {}
        frame = self.region_changes()
        for code, a, b, same in zip(frame["code"], frame["from_year"], frame["to_year"],
                                    frame["same_area"], strict=True):
            links.setdefault(str(code), []).append((int(a), int(b), bool(same)))
        return links

    @memo(65536)
    def same_area(self, code: str, year_a: int, year_b: int) -> bool:
        """Does a code name the same area in two indelingen? Only where the boundary-change
        detection found it so for every step between them; the national code always."""
        if year_a == year_b or code == LAND_CODE:
            return True
        first, last = sorted((int(year_a), int(year_b)))
        steps = sorted(link for link in self._links().get(code, [])
                       if first <= link[0] and link[1] <= last)
        reached = first
        for a, b, same in steps:
            if a == reached and same:
                reached = b
        return reached == last

    def changes_of(self, code: str) -> pd.DataFrame:
        """The boundary changes of one code: the steps between consecutive indelingen where
        the detection found another area (with its bilingual note)."""
        return self.query(
            "SELECT code, level, from_year, to_year, method, overlap, note_nl, note_en "
            "FROM region_change WHERE code = ? AND NOT same_area "
            "AND method NOT IN ('chain', 'unknown') ORDER BY from_year, to_year",
            [code],
        )

    def gaps_of(self, codes: list[str] | tuple[str, ...]) -> pd.DataFrame:
        """Figures the ETL did not store for these codes, and why (another area behind a
        rate's numerator and denominator, a denominator too small)."""
        return self.query(
            "SELECT year, region_year, region_code AS code, indicator_id, reason, note_nl, "
            "note_en FROM observation_gap WHERE region_code IN (SELECT unnest(?)) "
            "ORDER BY indicator_id, year",
            [list(codes)],
        )

    @memo(1)
    def mergers(self) -> pd.DataFrame:
        """Gemeenten that ended, and which gemeente took over their area."""
        return self.query(
            "SELECT year, old_code, old_name, new_code, new_name, method, note_nl, note_en "
            "FROM gemeente_merger ORDER BY year, old_code"
        )

    # ---------------------------------------------------------------------- values
    @memo(512)
    def values(self, indicator_id: str, year: int, level: str) -> pd.DataFrame:
        """Every region of a level in the indeling of these values, with the indicator's
        value in the year (NaN = no data): code, name, gemeente_code, gemeente_name,
        value."""
        indeling = self.indeling(indicator_id, year, level)
        regions = self.regions(indeling if indeling is not None else year, level)
        obs = self.query(
            "SELECT code, value FROM observation_region "
            "WHERE indicator_id = ? AND year = ? AND level = ? AND region_year = ?",
            [indicator_id, year, level, indeling],
        )
        return regions.drop(columns="level").merge(obs, on="code", how="left")

    def value(self, indicator_id: str, year: int, code: str) -> float | None:
        """One value (the national value with code NL00)."""
        frame = self.query(
            "SELECT value FROM observation WHERE indicator_id = ? AND year = ? "
            "AND region_code = ? ORDER BY region_year DESC LIMIT 1",
            [indicator_id, year, code],
        )
        return None if frame.empty else float(frame["value"].iloc[0])

    def national(self, indicator_id: str, year: int) -> float | None:
        return self.value(indicator_id, year, LAND_CODE)

    def observations_of(self, codes: list[str] | tuple[str, ...],
                        year: int | None = None) -> pd.DataFrame:
        """indicator_id, year, region_year, code, value, series, source_table of the given
        codes (all years, or one), on whatever indeling each figure is on."""
        return self.query(
            "SELECT indicator_id, year, region_year, region_code AS code, value, series, "
            "source_table FROM observation WHERE region_code IN (SELECT unnest(?)) "
            "AND (? IS NULL OR year = ?) ORDER BY indicator_id, year, region_code",
            [list(codes), year, year],
        )

    def values_of(self, codes: list[str] | tuple[str, ...], indeling: int,
                  year: int | None = None) -> pd.DataFrame:
        """observations_of the regions (indeling, code): only figures on a version of the
        code that covers the same area (never another area that shares the code)."""
        frame = self.observations_of(codes, year)
        keep = pd.Series([self.same_area(c, int(r), indeling) for c, r in
                          zip(frame["code"], frame["region_year"], strict=True)],
                         index=frame.index, dtype=bool)
        return frame[keep].reset_index(drop=True)

    # --------------------------------------------------------------------- API
    def api_regions(self, year: int, level: str, gemeente: str | None) -> pd.DataFrame:
        return self.query(
            "SELECT code, name, level, gemeente_code, gemeente_name FROM region_named "
            "WHERE year = ? AND level = ? AND (? IS NULL OR gemeente_code = ?) ORDER BY code",
            [year, level, gemeente, gemeente],
        )

    def api_observations(self, indicator_id: str, year: int, level: str,
                         gemeente: str | None) -> pd.DataFrame:
        return self.query(
            "SELECT code, name, gemeente_code, region_year, value, series, source_table "
            "FROM observation_region WHERE indicator_id = ? AND year = ? AND level = ? "
            "AND (? IS NULL OR gemeente_code = ?) ORDER BY code",
            [indicator_id, year, level, gemeente, gemeente],
        )


@lru_cache(maxsize=4)
def open_store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    """The store of the running app (its path is in the Flask config)."""
    if not has_app_context():
        raise RuntimeError("store() is only available inside the app")
    return open_store(str(current_app.config["ZOW_STORE"]))
