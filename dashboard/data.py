"""The query layer: every read of the store goes through here, with parameterised SQL only.

A ``Store`` is read-only and safe to share between threads (one DuckDB cursor per query).
Callbacks get it from ``store()``, which opens the file the app was created with.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from flask import current_app, has_app_context

LEVELS: tuple[str, ...] = ("gemeente", "wijk", "buurt")
COVERAGE = 0.95  # share of regions with a value that must have a shape to draw a map
SUBTHEMES: tuple[str, ...] = (
    "veiligheid", "onderwijs", "wonen", "werk_inkomen", "jeugd", "duurzaamheid", "zorg"
)


class StoreMissing(FileNotFoundError):
    """No store file: tell people how to build one."""


@dataclass(frozen=True)
class Indicator:
    id: str
    subtheme: str
    label_nl: str
    label_en: str
    unit_nl: str
    unit_en: str
    direction: str
    definition_nl: str
    definition_en: str
    aggregation: str
    weight: str | None
    is_percentage: bool

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_nl

    def unit(self, lang: str) -> str:
        return self.unit_en if lang == "en" else self.unit_nl

    def definition(self, lang: str) -> str:
        return self.definition_en if lang == "en" else self.definition_nl


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
        self.indicators = self._load_indicators()

    # ------------------------------------------------------------------ plumbing
    def query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> pd.DataFrame:
        """Run one parameterised query on its own cursor (thread-safe)."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            return cursor.execute(sql, list(params)).df()
        finally:
            cursor.close()

    def _load_indicators(self) -> dict[str, Indicator]:
        frame = self.query(
            "SELECT id, subtheme, label_nl, label_en, unit_nl, unit_en, direction, "
            "definition_nl, definition_en, aggregation, weight, is_percentage "
            "FROM indicator ORDER BY position"
        )
        return {
            row["id"]: Indicator(**{k: (None if pd.isna(v) else v) for k, v in row.items()})
            for row in frame.to_dict("records")
        }

    # ------------------------------------------------------------------- catalogue
    @lru_cache(maxsize=1)  # noqa: B019 - the store lives as long as the app
    def available(self) -> pd.DataFrame:
        """(indicator_id, year, level, n) for every combination that has values."""
        return self.query(
            "SELECT o.indicator_id, o.year, r.level, count(*) AS n "
            "FROM observation o JOIN region r ON r.year = o.year AND r.code = o.region_code "
            "GROUP BY ALL ORDER BY 1, 2, 3"
        )

    def indicators_for(self, subtheme: str) -> list[Indicator]:
        """Indicators of a subtheme that have any values, in catalogue order."""
        have = set(self.available()["indicator_id"])
        return [i for i in self.indicators.values() if i.subtheme == subtheme and i.id in have]

    def years_for(self, indicator_id: str) -> list[int]:
        av = self.available()
        return sorted({int(y) for y in av.loc[av["indicator_id"] == indicator_id, "year"]})

    @lru_cache(maxsize=1)  # noqa: B019
    def boundary_keys(self) -> set[tuple[int, str]]:
        frame = self.query("SELECT year, level FROM boundary_geojson")
        return {(int(y), str(lv)) for y, lv in zip(frame["year"], frame["level"], strict=True)}

    @lru_cache(maxsize=64)  # noqa: B019
    def boundary_codes(self, year: int, level: str) -> frozenset[str]:
        frame = self.query(
            "SELECT code FROM boundary WHERE year = ? AND level = ?", [year, level]
        )
        return frozenset(frame["code"])

    @lru_cache(maxsize=4096)  # noqa: B019
    def geometry_year(
        self, indicator_id: str, year: int, level: str, gemeente: str | None = None
    ) -> int | None:
        """The year of the boundary layer to draw these values on, or None.

        The year's own layer when it covers nearly every region with a value
        (COVERAGE); otherwise the nearest layer of the same level that has every code
        (codes are only reused for the same area, e.g. gemeenten 2019 and 2020)."""
        if gemeente is None:
            total = self._value_counts().get((indicator_id, year, level), 0)
            covered = self._coverage().get((indicator_id, year, level), {})
        else:
            frame = self.query(
                "SELECT b.year AS byear, count(*) AS n FROM observation o "
                "JOIN region r ON r.year = o.year AND r.code = o.region_code "
                "LEFT JOIN boundary b ON b.level = r.level AND b.code = o.region_code "
                "WHERE o.indicator_id = ? AND o.year = ? AND r.level = ? "
                "AND r.gemeente_code = ? GROUP BY ALL",
                [indicator_id, year, level, gemeente],
            )
            total = int(self.query(
                "SELECT count(*) AS n FROM observation o JOIN region r ON r.year = o.year "
                "AND r.code = o.region_code WHERE o.indicator_id = ? AND o.year = ? "
                "AND r.level = ? AND r.gemeente_code = ?",
                [indicator_id, year, level, gemeente],
            )["n"].iloc[0])
            covered = {int(y): int(n) for y, n in zip(frame["byear"], frame["n"], strict=True)
                       if not pd.isna(y)}
        if not total:
            return None
        layers = sorted(
            (y for y, lv in self.boundary_keys() if lv == level),
            key=lambda y: (y != year, abs(y - year), -y),
        )
        for candidate in layers:
            share = covered.get(candidate, 0) / total
            if share >= (COVERAGE if candidate == year else 1.0):
                return candidate
        return None

    @lru_cache(maxsize=1)  # noqa: B019
    def _value_counts(self) -> dict[tuple[str, int, str], int]:
        av = self.available()
        return {(i, int(y), lv): int(n) for i, y, lv, n in av.itertuples(index=False)}

    @lru_cache(maxsize=1)  # noqa: B019
    def _coverage(self) -> dict[tuple[str, int, str], dict[int, int]]:
        """For every (indicator, year, level): how many regions with a value each
        boundary year of that level has a shape for. One query for the whole store."""
        frame = self.query(
            "SELECT o.indicator_id, o.year, r.level, b.year AS byear, count(*) AS n "
            "FROM observation o JOIN region r ON r.year = o.year AND r.code = o.region_code "
            "JOIN boundary b ON b.level = r.level AND b.code = o.region_code GROUP BY ALL"
        )
        out: dict[tuple[str, int, str], dict[int, int]] = {}
        for ind, year, level, byear, n in frame.itertuples(index=False):
            out.setdefault((ind, int(year), level), {})[int(byear)] = int(n)
        return out

    def levels_for(
        self, indicator_id: str, year: int, gemeente: str | None = None
    ) -> list[str]:
        """Levels that can be drawn for this indicator and year (within a gemeente)."""
        return [
            lv for lv in LEVELS
            if self.geometry_year(
                indicator_id, year, lv, gemeente if lv != "gemeente" else None
            ) is not None
        ]

    def map_years(self, indicator_id: str) -> list[int]:
        """Years of this indicator that can be drawn on a map of the whole country."""
        return [y for y in self.years_for(indicator_id) if self.levels_for(indicator_id, y)]

    def source_tables(self, indicator_id: str, year: int) -> list[str]:
        frame = self.query(
            "SELECT source_table FROM availability WHERE indicator_id = ? AND year = ? "
            "AND status = 'ok'",
            [indicator_id, year],
        )
        return [str(t) for t in frame["source_table"]]

    def series_note(self, indicator_id: str, year: int, lang: str) -> str | None:
        """The definition-break note of the series that covers this year, if any."""
        col = "note_en" if lang == "en" else "note_nl"
        frame = self.query(
            f"SELECT {col} AS note FROM indicator_series WHERE indicator_id = ? "
            "AND first_year <= ? AND last_year >= ?",
            [indicator_id, year, year],
        )
        if frame.empty or pd.isna(frame["note"].iloc[0]):
            return None
        return str(frame["note"].iloc[0])

    # --------------------------------------------------------------------- regions
    @lru_cache(maxsize=32)  # noqa: B019
    def regions(self, year: int, level: str) -> pd.DataFrame:
        """code, name, gemeente_code, gemeente_name of one level in one year."""
        return self.query(
            "SELECT r.code, r.name, r.gemeente_code, g.name AS gemeente_name "
            "FROM region r LEFT JOIN region g ON g.year = r.year AND g.code = r.gemeente_code "
            "WHERE r.year = ? AND r.level = ? ORDER BY r.code",
            [year, level],
        )

    def region(self, code: str, year: int | None = None) -> dict[str, Any] | None:
        """One region (latest year if none given)."""
        frame = self.query(
            "SELECT r.year, r.code, r.level, r.name, r.gemeente_code, g.name AS gemeente_name "
            "FROM region r LEFT JOIN region g ON g.year = r.year AND g.code = r.gemeente_code "
            "WHERE r.code = ? AND (? IS NULL OR r.year = ?) ORDER BY r.year DESC LIMIT 1",
            [code, year, year],
        )
        return None if frame.empty else frame.iloc[0].to_dict()

    def search_options(self, year: int) -> pd.DataFrame:
        """Gemeenten and wijken of a year, for type-ahead search."""
        return self.query(
            "SELECT r.code, r.level, r.name, g.name AS gemeente_name FROM region r "
            "LEFT JOIN region g ON g.year = r.year AND g.code = r.gemeente_code "
            "WHERE r.year = ? AND r.level IN ('gemeente', 'wijk') ORDER BY r.level, r.name",
            [year],
        )

    # ---------------------------------------------------------------------- values
    @lru_cache(maxsize=256)  # noqa: B019
    def values(self, indicator_id: str, year: int, level: str) -> pd.DataFrame:
        """All regions of a level in a year with this indicator's value (NaN = no data)."""
        regions = self.regions(year, level)
        obs = self.query(
            "SELECT region_code AS code, value FROM observation "
            "WHERE indicator_id = ? AND year = ?",
            [indicator_id, year],
        )
        return regions.merge(obs, on="code", how="left")

    def value(self, indicator_id: str, year: int, code: str) -> float | None:
        frame = self.query(
            "SELECT value FROM observation WHERE indicator_id = ? AND year = ? "
            "AND region_code = ?",
            [indicator_id, year, code],
        )
        return None if frame.empty else float(frame["value"].iloc[0])

    def series(self, indicator_id: str, code: str) -> pd.DataFrame:
        """year, value, series of one region over time (same code only)."""
        return self.query(
            "SELECT year, value, series FROM observation WHERE indicator_id = ? "
            "AND region_code = ? ORDER BY year",
            [indicator_id, code],
        )

    # ------------------------------------------------------------------ boundaries
    @lru_cache(maxsize=16)  # noqa: B019
    def geojson_text(self, year: int, level: str) -> str:
        frame = self.query(
            "SELECT geojson FROM boundary_geojson WHERE year = ? AND level = ?", [year, level]
        )
        if frame.empty:
            raise KeyError(f"no boundaries for {level} {year}")
        return str(frame["geojson"].iloc[0])

    @lru_cache(maxsize=16)  # noqa: B019
    def geojson_gzip(self, year: int, level: str) -> bytes:
        return gzip.compress(self.geojson_text(year, level).encode(), compresslevel=6)

    def geojson(self, year: int, level: str) -> dict[str, Any]:
        """The boundaries parsed, for analyses and tests (the app only serves the text)."""
        return json.loads(self.geojson_text(year, level))

    def bounds(
        self, year: int, level: str, gemeente: str | None = None
    ) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) of a level's regions, optionally within one gemeente."""
        frame = self.query(
            "SELECT min(b.xmin) AS w, min(b.ymin) AS s, max(b.xmax) AS e, max(b.ymax) AS n "
            "FROM boundary b JOIN region r ON r.year = b.year AND r.code = b.code "
            "WHERE b.year = ? AND b.level = ? AND (? IS NULL OR r.gemeente_code = ?)",
            [year, level, gemeente, gemeente],
        )
        row = frame.iloc[0]
        if pd.isna(row["w"]):
            return None
        return (float(row["w"]), float(row["s"]), float(row["e"]), float(row["n"]))

    def meta(self) -> dict[str, str]:
        frame = self.query("SELECT key, value FROM meta")
        return dict(zip(frame["key"], frame["value"], strict=True))


@lru_cache(maxsize=4)
def open_store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    """The store of the running app (its path is in the Flask config)."""
    if not has_app_context():
        raise RuntimeError("store() is only available inside the app")
    return open_store(str(current_app.config["ZOW_STORE"]))


# ----------------------------------------------------------- area profile (added for profile)
def observations_of(db: Store, codes: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """indicator_id, year, code, value, series of the given regions, all years."""
    return db.query(
        "SELECT indicator_id, year, region_code AS code, value, series FROM observation "
        "WHERE region_code IN (SELECT unnest(?)) ORDER BY indicator_id, year, region_code",
        [list(codes)],
    )


def region_years(db: Store, code: str) -> list[int]:
    """The years in which a code appears in the region table."""
    frame = db.query("SELECT DISTINCT year FROM region WHERE code = ? ORDER BY year", [code])
    return [int(y) for y in frame["year"]]


def level_years(db: Store) -> dict[str, list[int]]:
    """For each level, the years for which the store holds a region table."""
    frame = db.query("SELECT DISTINCT level, year FROM region ORDER BY level, year")
    years: dict[str, list[int]] = {}
    for level, year in zip(frame["level"], frame["year"], strict=True):
        years.setdefault(str(level), []).append(int(year))
    return years
