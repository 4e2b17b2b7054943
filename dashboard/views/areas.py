"""Focus areas (the 20 NPLV areas of core/areas.toml) as regions of the app: listed beside
gemeenten, wijken and buurten in every search box, and their figures aggregated from their
members, one rule for every page (profile, compare, monitor, API).

An area's figure of a year is the aggregation of its members' figures of that year on the
indeling the figures are on (counts summed only when every member has one; rates and
averages weighted by their declared weight; see core.aggregation). Years are numbered by the
territory the area covers (``version``): two years with another set of members, or a member
that changed area, are never joined in a trend or a gap.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from core.aggregation import aggregate_values
from core.areas import LEVEL, Area, is_area_id, load_areas
from core.regions import fold
from dashboard.data import Store
from dashboard.views.common import area_versions

__all__ = ["LEVEL", "area_index", "area_of", "area_values", "area_versions_of",
           "index_with_areas", "is_area_id"]

INDEX_COLUMNS = ["code", "level", "name", "gemeente_code", "gemeente_name"]
VALUE_COLUMNS = ["code", "indicator_id", "year", "region_year", "value", "series", "version",
                 "members", "covered", "reason", "source_table"]


def area_of(code: str) -> Area | None:
    """The focus area with this id (any case), or None."""
    code = (code or "").strip().upper()
    return load_areas().get(code) if is_area_id(code) else None


def area_index(db: Store, year: int) -> pd.DataFrame:
    """The focus areas that can be read on the indeling ``year``: code, level
    (``focusgebied``), name, gemeente_code, gemeente_name."""
    rows = []
    for area in load_areas().values():
        if area.indeling_for(year) is None:
            continue
        gemeente = db.region(area.gemeente, year) or db.region(area.gemeente)
        rows.append((area.id, LEVEL, area.name, area.gemeente,
                     str(gemeente["name"]) if gemeente else area.gemeente))
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def index_with_areas(db: Store, year: int) -> pd.DataFrame:
    """The search index of a year (``Store.search_index``) with the focus areas first, each
    found by its id, name and the names people use for it (``aliases`` in areas.toml)."""
    return _index_with_areas(db, int(year)).copy()


@lru_cache(maxsize=16)
def _index_with_areas(db: Store, year: int) -> pd.DataFrame:
    # Derived from the immutable store and the area file only, like Store's own memo.
    areas = area_index(db, year)
    by_id = load_areas()
    areas = areas.assign(
        terms=[fold(" | ".join((*by_id[c].names, c))) for c in areas["code"]],
        gemeente_terms=[fold(str(g)) for g in areas["gemeente_name"]],
    )
    return pd.concat([areas, db.search_index(year)], ignore_index=True)


def area_versions_of(db: Store, area: Area) -> dict[int, int]:
    """The indelingen an area is listed in, numbered by the territory they cover: the same
    member codes, each the same area as before, keep a number."""
    def same(a: int, b: int) -> bool:
        members = set(area.members_in(a))
        return members == set(area.members_in(b)) and all(
            db.same_area(code, a, b) for code in members)
    return area_versions(area.years, same)


def area_values(db: Store, area: Area, year: int | None = None) -> pd.DataFrame:
    """The area's figure per indicator and year (all years, or one), aggregated from its
    members: code (the area id), indicator_id, year, region_year (the indeling the member
    figures are on), value (NaN where no honest figure exists; see ``reason``), series,
    version (the territory, see module doc), members, covered, reason, source_table."""
    frame = _area_values(db, area.id)
    if year is not None:
        frame = frame[frame["year"] == int(year)]
    return frame.reset_index(drop=True)


@lru_cache(maxsize=64)
def _area_values(db: Store, area_id: str) -> pd.DataFrame:
    area = load_areas()[area_id]
    codes = sorted({c for year in area.years for c in area.members_in(year)})
    obs = db.observations_of(codes)
    versions = area_versions_of(db, area)
    # (indicator, year, indeling) -> {code: (value, series, source table)}: plain dicts, as
    # a member list is short and there are a few hundred groups per area.
    cells: dict[tuple[str, int, int], dict[str, tuple[float, int, str]]] = {}
    for ind, year, indeling, code, value, series, table in zip(
            obs["indicator_id"], obs["year"], obs["region_year"], obs["code"], obs["value"],
            obs["series"], obs["source_table"], strict=True):
        cells.setdefault((ind, int(year), int(indeling)), {})[code] = (
            float(value), int(series), str(table))
    # The indeling each indicator's figures of a year are on (the newest, as before).
    on: dict[tuple[str, int], int] = {}
    for ind, year, indeling in cells:
        on[(ind, year)] = max(indeling, on.get((ind, year), indeling))
    rows = []
    for indicator in db.catalogue.indicators:
        for year in sorted(y for i, y in on if i == indicator.id):
            indeling = on[(indicator.id, year)]
            if indeling not in versions:
                continue
            members = area.members_in(indeling)
            found = cells[(indicator.id, year, indeling)]
            values = [found[c][0] if c in found else None for c in members]
            weights = None
            if indicator.aggregation == "weighted_mean" and indicator.weight:
                weight_cells = cells.get((indicator.weight, year, indeling), {})
                weights = [weight_cells[c][0] if c in weight_cells else None for c in members]
            result = aggregate_values(values, weights, indicator.aggregation)
            present = [found[c] for c in members if c in found]
            rows.append((area.id, indicator.id, year, indeling,
                         float("nan") if result.value is None else result.value,
                         max((p[1] for p in present), default=0), versions[indeling],
                         result.members, result.covered, result.reason,
                         present[0][2] if present else None))
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)


# ------------------------------------------------------------------------------ API
def api_areas(db: Store, year: int, gemeente: str | None = None) -> list[dict[str, object]]:
    """The focus areas that can be read on an indeling, as the API lists them: with their
    members in that indeling, how exact the composition is and the public sources."""
    index = area_index(db, year)
    out: list[dict[str, object]] = []
    for code, name, gm, gm_name in zip(index["code"], index["name"], index["gemeente_code"],
                                       index["gemeente_name"], strict=True):
        if gemeente and gm != gemeente:
            continue
        area = load_areas()[code]
        indeling = area.indeling_for(year)
        out.append({
            "code": code, "name": name, "level": LEVEL, "gemeente_code": gm,
            "gemeente_name": gm_name, "indeling": indeling,
            "members": list(area.members_in(indeling or area.reference)),
            "composition": area.composition, "note": area.note.get("en"),
            "sources": [str(s.url) for s in area.sources],
            "profile": f"/gebied/{code}",
        })
    return out


def area_observations(db: Store, indicator_id: str, year: int,
                      gemeente: str | None = None) -> pd.DataFrame:
    """One indicator's figures of every focus area in a year (the columns of
    ``Store.api_observations`` plus members and covered): only areas with a figure."""
    rows = []
    for area in load_areas().values():
        if gemeente and area.gemeente != gemeente:
            continue
        frame = area_values(db, area, year)
        frame = frame[(frame["indicator_id"] == indicator_id) & frame["value"].notna()]
        if len(frame):
            row = frame.iloc[0]
            rows.append((area.id, area.name, area.gemeente, int(row["region_year"]),
                         float(row["value"]), int(row["series"]), row["source_table"],
                         int(row["members"]), int(row["covered"])))
    return pd.DataFrame(rows, columns=["code", "name", "gemeente_code", "region_year",
                                       "value", "series", "source_table", "members",
                                       "covered"])
