"""The rank rule: position 1 is the most favourable value.

Where a higher value is better the highest comes first, where lower is better the lowest;
for neutral indicators the highest comes first (a plain descending order, not a judgement).
Ties share the best position; regions without a value get no position. Pages show a
position only where it means something (:func:`rankable`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def rankable(indicator: Any) -> bool:
    """Does a position mean something? Only where a direction says which end is
    favourable, and not for absolute counts: a wijk without people has the fewest crimes,
    which says nothing about its safety."""
    return indicator.direction != "neutral" and indicator.aggregation != "sum"


def ranks(values: pd.Series, direction: str) -> pd.Series:
    """Positions within the values (1 = most favourable); NaN where there is no value."""
    return values.astype(float).rank(method="min", ascending=direction == "lower_better")


def percentiles(values: pd.Series) -> pd.Series:
    """The percentage of values equal to or lower than each one (direction-free)."""
    return values.astype(float).rank(method="max", pct=True) * 100.0
