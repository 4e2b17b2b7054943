"""Region versions: is a code the same area in two indelingen, and which gemeenten merged.

Pure functions over the region table, the boundary layers (in a metric CRS) and the
inhabitant and dwelling counts of each indeling. The decision for one code between two
consecutive indelingen (at its level) is, in order of preference:

- **geometry**: both indelingen have its shape. The overlap is intersection over union in
  EPSG:28992; below the same-area threshold it is measured only over the land both layers
  cover (layers of different years come from different generalisations and coastlines).
  Gemeenten: the same area from ``SAME_OVERLAP['gemeente']``. Wijken and buurten, whose
  generalised shapes differ more: the same area from ``SAME_OVERLAP[level]``, another area
  below ``OTHER_OVERLAP``, and in between (``geometry+counts``) the counts decide where both
  years have them.
- **counts**: no shapes, but inhabitants and dwellings in both: the same area when every
  count present in both agrees within ``COUNT_TOLERANCE_PER_YEAR`` per year apart (plus 10,
  for CBS's rounding to 5). Calibrated against the shapes (see the tests).
- **codes** (gemeenten only): no shapes. The same area unless a gemeente code started or
  ended between the two indelingen next to it; which gemeenten such a change touched is read
  from the nearest shapes before and after.
- **unknown**: nothing to compare; never treated as the same area.

Codes further apart are the same area only when every step between says so (``chain``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.regions import LAND_CODE
from etl.boundaries import METRIC_CRS

SAME_OVERLAP = {"gemeente": 0.95, "wijk": 0.90, "buurt": 0.90}
OTHER_OVERLAP = 0.50
COUNT_TOLERANCE_PER_YEAR = 0.05
COUNT_ROUNDING = 10  # two counts each rounded to 5
TOUCH_SHARE = 0.02  # a gemeente change touches a neighbour that gets ≥ 2% of its area

CHANGE_COLUMNS = ["code", "level", "from_year", "to_year", "same_area", "method", "overlap",
                  "note_nl", "note_en"]
MERGER_COLUMNS = ["year", "old_code", "old_name", "new_code", "new_name", "method",
                  "area_share", "note_nl", "note_en"]


@dataclass(frozen=True)
class Link:
    """The decision for one code between two indelingen."""

    same: bool
    method: str
    overlap: float | None
    note_nl: str
    note_en: str


@dataclass
class Changes:
    """``region_change`` and ``gemeente_merger`` rows, ready for the store."""

    region_change: pd.DataFrame
    mergers: pd.DataFrame

    @cached_property
    def same(self) -> dict[tuple[int, int], frozenset[str]]:
        """(from_year, to_year) → the codes that are the same area in both."""
        same = self.region_change[self.region_change["same_area"]]
        return {(int(a), int(b)): frozenset(part["code"])
                for (a, b), part in same.groupby(["from_year", "to_year"])}

    def same_area(self, code: str, a: int, b: int) -> bool:
        """Whether ``code`` covers the same area in indelingen ``a`` and ``b``."""
        if a == b or code == LAND_CODE:
            return True
        return code in self.same.get((min(a, b), max(a, b)), frozenset())


# ------------------------------------------------------------------------- overlaps
def overlaps(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area (m²) of every intersecting pair of shapes of two layers in a metric CRS:
    columns ``code_a``, ``code_b``, ``area``."""
    geoms_a, geoms_b = a.geometry.to_numpy(), b.geometry.to_numpy()
    codes_a, codes_b = a["code"].to_numpy(), b["code"].to_numpy()
    if len(a) == len(b) and (codes_a == codes_b).all() and shapely.equals_exact(
            geoms_a, geoms_b).all():
        # One layer published again unchanged: each shape meets its neighbours only along
        # borders, so only the shapes themselves overlap.
        return pd.DataFrame({"code_a": codes_a, "code_b": codes_b,
                             "area": shapely.area(geoms_a)})
    left, right = shapely.STRtree(geoms_b).query(geoms_a, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms_a[left], geoms_b[right]))
    pairs = pd.DataFrame({
        "code_a": a["code"].to_numpy()[left], "code_b": b["code"].to_numpy()[right],
        "area": area,
    })
    return pairs[pairs["area"] > 0].reset_index(drop=True)


def footprint_overlap(pairs: pd.DataFrame) -> pd.Series:
    """Intersection over union per code present in both layers, counting only the land
    both layers cover (each shape's part inside the other layer)."""
    covered_a = pairs.groupby("code_a")["area"].sum()
    covered_b = pairs.groupby("code_b")["area"].sum()
    same = pairs[pairs["code_a"] == pairs["code_b"]].set_index("code_a")["area"]
    union = covered_a.reindex(same.index) + covered_b.reindex(same.index) - same
    return (same / union).rename("overlap")


def code_overlap(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, enough: float) -> pd.Series:
    """Intersection over union of each code's shapes in two layers (metric CRS).

    Where the plain ratio already reaches ``enough`` it is kept; below it, the ratio is
    measured over the land both layers cover (``footprint_overlap``), so a coastline or
    lake drawn differently is not taken for a boundary change. That second measure is never
    lower, so only the codes below ``enough`` need the (costly) neighbour intersections."""
    shapes_a = a.set_index("code").geometry
    shapes_b = b.set_index("code").geometry
    codes = shapes_a.index.intersection(shapes_b.index)
    ga, gb = shapes_a.reindex(codes).to_numpy(), shapes_b.reindex(codes).to_numpy()
    inter = shapely.area(shapely.intersection(ga, gb))
    plain = pd.Series(inter / (shapely.area(ga) + shapely.area(gb) - inter), index=codes)
    low = plain.index[plain < enough]
    if len(low):
        near_a = a[a["code"].isin(low)]
        near_b = b[b["code"].isin(low)]
        pairs = pd.concat([overlaps(near_a, b), overlaps(a, near_b)]).drop_duplicates(
            ["code_a", "code_b"])
        plain.loc[low] = footprint_overlap(pairs).reindex(low).fillna(0.0).to_numpy()
    return plain.rename("overlap")


# --------------------------------------------------------------------------- counts
def counts_agree(a: pd.DataFrame, b: pd.DataFrame, years_apart: int) -> pd.Series:
    """Per code with counts in both: whether every count present in both agrees.

    ``a`` and ``b`` have columns ``inwoners`` and ``woningen`` indexed by code; NaN where
    unknown. A code with no count in common gets no verdict (missing from the result)."""
    codes = a.index.intersection(b.index)
    tolerance = COUNT_TOLERANCE_PER_YEAR * max(years_apart, 1)
    verdicts = pd.Series(True, index=codes)
    seen = pd.Series(False, index=codes)
    for column in ("inwoners", "woningen"):
        if column not in a or column not in b:
            continue
        x, y = a[column].reindex(codes), b[column].reindex(codes)
        both = x.notna() & y.notna()
        agree = (x - y).abs() <= tolerance * np.maximum(x, y) + COUNT_ROUNDING
        verdicts &= agree | ~both
        seen |= both
    return verdicts[seen]


# ----------------------------------------------------------------------------- notes
def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _geometry_link(level: str, a: int, b: int, overlap: float,
                   counts: bool | None) -> Link:
    if overlap >= SAME_OVERLAP[level]:
        return Link(True, "geometry", overlap,
                    f"Zelfde gebied in {a} en {b}: de grenzen overlappen {_pct(overlap)}.",
                    f"Same area in {a} and {b}: the boundaries overlap {_pct(overlap)}.")
    if level != "gemeente" and overlap >= OTHER_OVERLAP and counts is not None:
        if counts:
            return Link(True, "geometry+counts", overlap,
                        f"Zelfde gebied in {a} en {b}: de grenzen overlappen {_pct(overlap)} "
                        "(verschil in vereenvoudiging) en inwoners en woningen komen overeen.",
                        f"Same area in {a} and {b}: the boundaries overlap {_pct(overlap)} "
                        "(a different generalisation) and inhabitants and dwellings agree.")
        return Link(False, "geometry+counts", overlap,
                    f"Ander gebied in {b} dan in {a}: de grenzen overlappen {_pct(overlap)} "
                    "en inwoners of woningen verschillen te veel.",
                    f"A different area in {b} than in {a}: the boundaries overlap "
                    f"{_pct(overlap)} and inhabitants or dwellings differ too much.")
    return Link(False, "geometry", overlap,
                f"Grenzen gewijzigd tussen {a} en {b}: ze overlappen nog {_pct(overlap)}.",
                f"Boundaries changed between {a} and {b}: they overlap {_pct(overlap)}.")


def _counts_link(a: int, b: int, agree: bool) -> Link:
    if agree:
        return Link(True, "counts", None,
                    f"Zelfde gebied in {a} en {b}: geen grenzen om te vergelijken, maar "
                    "inwoners en woningen komen overeen.",
                    f"Same area in {a} and {b}: no boundaries to compare, but inhabitants "
                    "and dwellings agree.")
    return Link(False, "counts", None,
                f"Waarschijnlijk ander gebied in {b} dan in {a}: inwoners of woningen "
                "verschillen te veel (geen grenzen om te vergelijken).",
                f"Probably a different area in {b} than in {a}: inhabitants or dwellings "
                "differ too much (no boundaries to compare).")


def _unknown_link(a: int, b: int) -> Link:
    return Link(False, "unknown", None,
                f"Onbekend of dit in {a} en {b} hetzelfde gebied is: geen grenzen of "
                "aantallen om te vergelijken.",
                f"Unknown whether this is the same area in {a} and {b}: no boundaries or "
                "counts to compare.")


# ------------------------------------------------------------------------ detection
@dataclass
class _Indelingen:
    """Codes per (year, level), names, shapes and counts of every indeling."""

    codes: dict[tuple[int, str], set[str]]
    names: dict[tuple[int, str], str]
    shapes: dict[tuple[int, str], gpd.GeoDataFrame]
    counts: dict[int, pd.DataFrame]
    _overlaps: dict[tuple[int, int, str], pd.DataFrame] = field(default_factory=dict)

    def years(self, level: str) -> list[int]:
        return sorted(y for (y, lv) in self.codes if lv == level)

    def shape_years(self, level: str) -> list[int]:
        return sorted(y for (y, lv) in self.shapes if lv == level)

    def pairs(self, a: int, b: int, level: str) -> pd.DataFrame:
        key = (a, b, level)
        if key not in self._overlaps:
            self._overlaps[key] = overlaps(self.shapes[(a, level)], self.shapes[(b, level)])
        return self._overlaps[key]


def detect_changes(
    regions: pd.DataFrame,
    shapes: dict[tuple[int, str], gpd.GeoDataFrame],
    counts: dict[int, pd.DataFrame],
) -> Changes:
    """``region_change`` for every code in two or more indelingen (every pair of them), and
    ``gemeente_merger`` for every gemeente that ended.

    ``shapes``: (year, level) → GeoDataFrame (code, geometry) in ``METRIC_CRS``;
    ``counts``: indeling → DataFrame (inwoners, woningen) indexed by code."""
    data = _Indelingen(
        codes={key: set(part["code"]) for key, part in regions.groupby(["year", "level"])},
        names=dict(zip(zip(regions["year"], regions["code"], strict=True), regions["name"],
                       strict=True)),
        shapes={key: frame if frame.crs == METRIC_CRS else frame.to_crs(METRIC_CRS)
                for key, frame in shapes.items()},
        counts=counts,
    )
    mergers = _mergers(data)
    rows: list[tuple[object, ...]] = []
    for level in ("land", "gemeente", "wijk", "buurt"):
        years = data.years(level)
        links = {(a, b): _links(data, level, a, b)
                 for a, b in itertools.pairwise(years)}
        for i, a in enumerate(years):
            for b in years[i + 1:]:
                for code, link in _chain(data, level, years, a, b, links).items():
                    rows.append((code, level, a, b, link.same, link.method,
                                 None if link.overlap is None else round(link.overlap, 4),
                                 link.note_nl, link.note_en))
    change = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    change = change.astype({"from_year": "int32", "to_year": "int32", "same_area": "bool"})
    return Changes(_name_mergers(change, mergers), mergers)


def _name_mergers(change: pd.DataFrame, mergers: pd.DataFrame) -> pd.DataFrame:
    """Say in a gemeente's change note which gemeenten joined it between the two years."""
    if mergers.empty:
        return change
    change = change.copy()
    for row in change[(change["level"] == "gemeente") & ~change["same_area"]].itertuples():
        joined = mergers[(mergers["new_code"] == row.code) & (mergers["year"] > row.from_year)
                         & (mergers["year"] <= row.to_year)]
        if joined.empty:
            continue
        change.at[row.Index, "note_nl"] = " ".join([row.note_nl, *joined["note_nl"]])
        change.at[row.Index, "note_en"] = " ".join([row.note_en, *joined["note_en"]])
    return change


def _links(data: _Indelingen, level: str, a: int, b: int) -> dict[str, Link]:
    """The decision for every code in two consecutive indelingen of one level."""
    both = data.codes[(a, level)] & data.codes[(b, level)]
    if level == "land":
        return {code: Link(True, "codes", None, "Heel Nederland.", "All of the Netherlands.")
                for code in both}
    out: dict[str, Link] = {}
    agree = pd.Series(dtype=bool)
    if a in data.counts and b in data.counts:
        agree = counts_agree(data.counts[a], data.counts[b], b - a)
    if (a, level) in data.shapes and (b, level) in data.shapes:
        overlap = code_overlap(data.shapes[(a, level)], data.shapes[(b, level)],
                               SAME_OVERLAP[level])
        for code in both & set(overlap.index):
            verdict = bool(agree[code]) if code in agree.index else None
            out[code] = _geometry_link(level, a, b, float(overlap[code]), verdict)
    rest = both - set(out)
    if level == "gemeente" and rest:
        # Reorganisations are what changes gemeenten, and the shapes around tell which;
        # counts would take a gemeente that took in a village for the same area.
        out.update(_codes_links(data, a, b, rest))
        rest -= {code for code, link in out.items() if link.method != "unknown"}
    for code in rest & set(agree.index):
        out[code] = _counts_link(a, b, bool(agree[code]))
    rest -= set(agree.index)
    out.update({code: _unknown_link(a, b) for code in rest if code not in out})
    return out


def _codes_links(data: _Indelingen, a: int, b: int, codes: set[str]) -> dict[str, Link]:
    """Gemeenten without shapes in ``a`` or ``b``: the same area unless a gemeente that
    started or ended between them touched it (read from the nearest shapes around)."""
    ended = data.codes[(a, "gemeente")] - data.codes[(b, "gemeente")]
    started = data.codes[(b, "gemeente")] - data.codes[(a, "gemeente")]
    if not ended and not started:
        return {code: Link(True, "codes", None,
                           f"Zelfde gebied in {a} en {b}: er is tussen deze indelingen geen "
                           "gemeente opgeheven of bijgekomen.",
                           f"Same area in {a} and {b}: no gemeente ended or started between "
                           "these indelingen.") for code in codes}
    around = _around(data, a, b)
    if around is None:
        return {code: _unknown_link(a, b) for code in codes}
    pairs = data.pairs(*around, "gemeente")
    touched: dict[str, set[str]] = {}
    size_lo = pairs.groupby("code_a")["area"].sum()
    size_hi = pairs.groupby("code_b")["area"].sum()
    for old in ended:  # where its area went
        part = pairs[pairs["code_a"] == old]
        for new in part.loc[part["area"] >= TOUCH_SHARE * size_lo.get(old, np.inf), "code_b"]:
            touched.setdefault(new, set()).add(old)
    for new in started:  # where its area came from
        part = pairs[pairs["code_b"] == new]
        for old in part.loc[part["area"] >= TOUCH_SHARE * size_hi.get(new, np.inf), "code_a"]:
            touched.setdefault(old, set()).add(new)
    out = {}
    for code in codes:
        if code not in touched:
            out[code] = Link(True, "codes", None,
                             f"Zelfde gebied in {a} en {b}: geen gemeentelijke herindeling "
                             "raakte deze gemeente.",
                             f"Same area in {a} and {b}: no municipal reorganisation "
                             "touched this gemeente.")
            continue
        others = ", ".join(data.names.get((a, c)) or data.names.get((b, c)) or c
                           for c in sorted(touched[code]))
        out[code] = Link(False, "codes", None,
                         f"Ander gebied in {b} dan in {a}: herindeling met {others}.",
                         f"A different area in {b} than in {a}: reorganised with {others}.")
    return out


def _around(data: _Indelingen, a: int, b: int) -> tuple[int, int] | None:
    """The nearest gemeente shapes at or before ``a`` and at or after ``b``."""
    years = data.shape_years("gemeente")
    before = [y for y in years if y <= a]
    after = [y for y in years if y >= b]
    return (before[-1], after[0]) if before and after else None


def _chain(data: _Indelingen, level: str, years: list[int], a: int, b: int,
           links: dict[tuple[int, int], dict[str, Link]]) -> dict[str, Link]:
    """Decisions between ``a`` and ``b``: the link itself for neighbours, else the same area
    only when every step between is (and the code exists in every indeling between)."""
    steps = [(x, y) for x, y in itertools.pairwise(years) if a <= x and y <= b]
    if len(steps) == 1:
        return links[steps[0]]
    codes = data.codes[(a, level)] & data.codes[(b, level)]
    out = {}
    for code in codes:
        path = [links[step].get(code) for step in steps]
        if any(link is None for link in path):
            x, y = next(step for step, link in zip(steps, path, strict=True) if link is None)
            missing = y if code not in data.codes[(y, level)] else x
            out[code] = Link(False, "chain", None,
                             f"Code ontbreekt in de indeling van {missing}: niet als hetzelfde "
                             f"gebied te volgen van {a} tot {b}.",
                             f"Code missing from the {missing} indeling: cannot be followed as "
                             f"the same area from {a} to {b}.")
            continue
        broken = [link for link in path if not link.same]
        if broken:
            first = broken[0]
            out[code] = Link(False, "chain", None, first.note_nl, first.note_en)
        else:
            methods = ", ".join(f"{x}→{y}: {link.method}"
                                for (x, y), link in zip(steps, path, strict=True))
            out[code] = Link(True, "chain", None,
                             f"Zelfde gebied in elke indeling van {a} tot {b} ({methods}).",
                             f"Same area in every indeling from {a} to {b} ({methods}).")
    return out


def _mergers(data: _Indelingen) -> pd.DataFrame:
    """Every gemeente that ended, and the gemeente of the next indeling that got most of its
    area (from the nearest shapes before and after)."""
    rows = []
    years = data.years("gemeente")
    for a, b in itertools.pairwise(years):
        ended = sorted(data.codes[(a, "gemeente")] - data.codes[(b, "gemeente")])
        around = _around(data, a, b) if ended else None
        if around is None:
            continue
        pairs = data.pairs(*around, "gemeente")
        pairs = pairs[pairs["code_b"].isin(data.codes[(b, "gemeente")])]
        for old in ended:
            part = pairs[pairs["code_a"] == old]
            if part.empty:
                continue
            best = part.loc[part["area"].idxmax()]
            share = float(best["area"] / part["area"].sum())
            old_name = data.names.get((a, old), old)
            new_name = data.names.get((b, best["code_b"]), best["code_b"])
            rows.append((b, old, old_name, best["code_b"], new_name, "geometry", round(share, 4),
                         f"{old_name} ging op in {new_name} (indeling {b}).",
                         f"{old_name} joined {new_name} ({b} indeling)."))
    return pd.DataFrame(rows, columns=MERGER_COLUMNS).astype({"year": "int32"})


def count_frames(frames: Iterable[tuple[int, pd.DataFrame]]) -> dict[int, pd.DataFrame]:
    """Inhabitants and dwellings per indeling from KWB values (columns by key stem)."""
    out = {}
    for indeling, values in frames:
        columns = {"inwoners": "AantalInwoners", "woningen": "Woningvoorraad"}
        out[indeling] = pd.DataFrame(
            {name: values.get(stem, np.nan) for name, stem in columns.items()},
            index=values.index,
        )
    return out
