"""Pure logic behind the area profile: benchmark colours, trend segments, similar wijken.

Everything here works on plain values and data frames, so it is unit-tested without a store.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

Benchmark = Literal["better", "worse", "same"]

#: Columns with a larger share of missing values than this are left out of the similarity.
MAX_MISSING_SHARE = 0.5

SIMILARITY_EXPLANATION: dict[str, str] = {
    "nl": (
        "Vergelijkbare wijken zijn de wijken met de kleinste euclidische afstand tot deze wijk "
        "over de gestandaardiseerde (z-score) indicatoren van het gekozen thema, zonder "
        "absolute aantallen; indicatoren die bij meer dan de helft van de wijken of bij deze "
        "wijk ontbreken tellen niet mee, en andere ontbrekende waarden tellen na het "
        "standaardiseren als het gemiddelde van alle wijken."
    ),
    "en": (
        "Similar districts are the wijken with the smallest Euclidean distance to this one "
        "over the standardised (z-score) indicators of the chosen theme, leaving out absolute "
        "counts; indicators missing for more than half of all wijken or for this wijk are "
        "dropped, and other missing values count as the mean of all wijken after "
        "standardising."
    ),
}


# ------------------------------------------------------------------------- benchmark
def _missing(value: float | None) -> bool:
    return value is None or bool(pd.isna(value))


def benchmark_colour(
    value: float | None,
    reference: float | None,
    direction: str,
    tolerance: float = 0.0,
) -> Benchmark | None:
    """Is ``value`` better, worse or the same as ``reference``, given the indicator direction?

    ``direction`` is ``higher_better``, ``lower_better`` or ``neutral``. Neutral indicators,
    unknown directions and missing values give ``None``: no judgement, so no colour.
    Differences of at most ``tolerance`` count as the same.
    """
    if direction not in ("higher_better", "lower_better"):
        return None
    if _missing(value) or _missing(reference):
        return None
    difference = float(value) - float(reference)  # type: ignore[arg-type]
    if abs(difference) <= tolerance:
        return "same"
    higher = difference > 0
    return "better" if higher == (direction == "higher_better") else "worse"


def comparison(value: float | None, reference: float | None, tolerance: float = 0.0
               ) -> Literal["higher", "lower", "same"] | None:
    """Whether ``value`` is higher or lower than ``reference`` (direction-free)."""
    if _missing(value) or _missing(reference):
        return None
    difference = float(value) - float(reference)  # type: ignore[arg-type]
    if abs(difference) <= tolerance:
        return "same"
    return "higher" if difference > 0 else "lower"


# ---------------------------------------------------------------------------- trends
def code_gaps(region_years: Iterable[int], table_years: Iterable[int]) -> set[int]:
    """Years between a region's first and last year in which its code did not exist.

    ``region_years`` are the years the code appears in the region table, ``table_years`` the
    years for which the store holds a region table of that level at all. A year the store
    knows nothing about is not a gap (we cannot tell); a known year without the code is.
    """
    present = {int(y) for y in region_years}
    if not present:
        return set()
    first, last = min(present), max(present)
    return {int(y) for y in table_years if first < int(y) < last and int(y) not in present}


def trend_segments(
    frame: pd.DataFrame, code_changes: Iterable[int] = ()
) -> list[list[tuple[int, float]]]:
    """Split a region's series into line segments that may each be drawn as one line.

    ``frame`` has columns ``year``, ``value`` and ``series`` (the definition series number).
    A new segment starts where ``series`` changes (a definition break) and where the region's
    code did not exist for a year in between (``code_changes``: the years of such gaps, see
    :func:`code_gaps`). A missing value alone does not break the line. An observation in a
    gap year stands on its own. Rows without a value are ignored.
    """
    gaps = {int(y) for y in code_changes}
    rows = frame.dropna(subset=["value"]).sort_values("year")
    segments: list[list[tuple[int, float]]] = []
    previous: tuple[int, object] | None = None
    for year, value, series in zip(rows["year"], rows["value"], rows["series"], strict=True):
        year = int(year)
        if previous is None:
            segments.append([])
        else:
            prev_year, prev_series = previous
            crosses_gap = any(prev_year <= gap <= year for gap in gaps)
            if series != prev_series or crosses_gap:
                segments.append([])
        segments[-1].append((year, float(value)))
        previous = (year, series)
    return segments


# ------------------------------------------------------------------------ similarity
def similar_regions(
    matrix: pd.DataFrame,
    target: str,
    k: int = 5,
    max_missing: float = MAX_MISSING_SHARE,
) -> pd.DataFrame:
    """The ``k`` regions nearest to ``target`` on standardised indicators.

    ``matrix`` has one row per region (index = code) and one column per indicator. Columns
    missing for more than ``max_missing`` of the regions, columns the target has no value
    for and columns without spread are dropped; each remaining column is z-scored (mean 0,
    standard deviation 1 over all regions) and then missing values are filled with 0, the
    column mean. Regions with values for fewer than half of the kept columns are not
    candidates (they would look "average" by construction). Distance is Euclidean.

    Returns a frame with columns ``code`` and ``distance``, nearest first (ties by code);
    ``attrs["indicators"]`` lists the columns used. Empty when nothing can be compared.
    """
    empty = pd.DataFrame({"code": pd.Series(dtype=str), "distance": pd.Series(dtype=float)})
    empty.attrs["indicators"] = []
    if target not in matrix.index or matrix.empty or k <= 0:
        return empty
    data = matrix.apply(pd.to_numeric, errors="coerce").astype(float)
    data = data[~data.index.duplicated(keep="first")]
    keep = [
        column for column in data.columns
        if data[column].isna().mean() <= max_missing
        and not pd.isna(data.at[target, column])
        and data[column].std(ddof=0) > 0
    ]
    if not keep:
        return empty
    data = data[keep]
    observed = data.notna().sum(axis=1)
    z = (data - data.mean()) / data.std(ddof=0)
    z = z.fillna(0.0)
    distance = np.sqrt(((z - z.loc[target]) ** 2).sum(axis=1))
    result = pd.DataFrame({"code": distance.index.astype(str), "distance": distance.to_numpy()})
    eligible = (observed >= len(keep) / 2).to_numpy() & (result["code"] != target).to_numpy()
    result = result[eligible].sort_values(["distance", "code"], kind="stable").head(k)
    result = result.reset_index(drop=True)
    result.attrs["indicators"] = keep
    return result
