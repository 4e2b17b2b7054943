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

from core.areas import LEVEL, Area, aggregate, is_area_id, load_areas
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
    by_indicator = dict(tuple(obs.groupby("indicator_id", sort=False)))
    rows = []
    for indicator in db.catalogue.indicators:
        frame = by_indicator.get(indicator.id)
        if frame is None:
            continue
        weights = by_indicator.get(indicator.weight) if indicator.weight else None
        for year in sorted({int(y) for y in frame["year"]}):
            # The members of the indeling this year's figures are on.
            indeling = int(frame.loc[frame["year"] == year, "region_year"].max())
            if indeling not in versions:
                continue
            members = pd.DataFrame({"code": list(area.members_in(indeling))})
            in_year = frame[(frame["year"] == year) & (frame["region_year"] == indeling)]
            values = members.merge(in_year[["code", "value"]], on="code", how="left")
            weight_frame = None
            if indicator.aggregation == "weighted_mean" and weights is not None:
                w = weights[(weights["year"] == year) & (weights["region_year"] == indeling)]
                weight_frame = w[["code", "value"]].rename(columns={"value": "weight"})
            result = aggregate(values, weight_frame, indicator.aggregation)
            rows.append((area.id, indicator.id, year, indeling,
                         float("nan") if result.value is None else result.value,
                         int(in_year["series"].max()) if len(in_year) else 0,
                         versions[indeling], result.members, result.covered, result.reason,
                         str(in_year["source_table"].iloc[0]) if len(in_year) else None))
    return pd.DataFrame(rows, columns=VALUE_COLUMNS)
