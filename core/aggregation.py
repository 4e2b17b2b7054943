"""Honest aggregation of member values to a group of regions (a focus area, or any set of
wijken and buurten): counts are summed only when every member has a value, rates and
averages are weighted by their declared denominator, and what is left out is reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Reason = Literal["not_aggregatable", "no_weights", "no_values", "incomplete"]


@dataclass(frozen=True)
class Aggregate:
    """An aggregated value with its coverage.

    ``members`` is the number of members (wijken or buurten), ``covered`` how many of them
    contributed.
    ``value`` is None when no honest number exists (see ``reason``). For a weighted mean with
    ``reason == "incomplete"`` the value is computed over the covered members only, and must
    be shown with its coverage.
    """

    value: float | None
    members: int
    covered: int
    reason: Reason | None = None

    @property
    def complete(self) -> bool:
        return self.members > 0 and self.covered == self.members


def aggregate(
    values: pd.DataFrame,
    weights: pd.DataFrame | None,
    aggregation: str,
) -> Aggregate:
    """Combine member values into one value for the group.

    ``values`` has one row per member region, columns ``code`` and ``value`` (NaN where the
    member has no value). ``weights`` has columns ``code`` and ``weight`` (the named
    denominator indicator, for ``weighted_mean``).

    - ``sum`` (counts): the total, but only when every member has a value; a partial total
      would understate the group, so it is None with reason ``incomplete``.
    - ``weighted_mean`` (rates, shares): sum(value × weight) / sum(weight) over the members
      that have both a value and a weight; members lacking either are left out and counted
      in the coverage (reason ``incomplete``), never silently.
    - ``none`` (medians, averages, distances, densities): cannot be aggregated; None.
    """
    members = values.drop_duplicates("code")
    value_of = pd.to_numeric(members["value"], errors="coerce")
    weight_list: list[float | None] | None = None
    if weights is not None:
        weight_of = (
            members[["code"]]
            .merge(weights.drop_duplicates("code")[["code", "weight"]], on="code", how="left")
            ["weight"]
        )
        weight_list = [None if pd.isna(w) else float(w)
                       for w in pd.to_numeric(weight_of, errors="coerce")]
    return aggregate_values([None if pd.isna(v) else float(v) for v in value_of],
                            weight_list, aggregation)


def aggregate_values(values: Sequence[float | None], weights: Sequence[float | None] | None,
                     aggregation: str) -> Aggregate:
    """:func:`aggregate` on plain lists: one value (None: missing) per member, and where
    weighted one weight per member in the same order. The one rule; the frame form reads
    its frames into this."""
    total = len(values)
    present = [v for v in values if v is not None and not math.isnan(v)]
    if aggregation == "none":
        return Aggregate(None, total, 0, "not_aggregatable")
    if aggregation == "sum":
        covered = len(present)
        if covered == 0:
            return Aggregate(None, total, 0, "no_values")
        if covered < total:
            return Aggregate(None, total, covered, "incomplete")
        return Aggregate(float(math.fsum(present)), total, covered)
    if aggregation == "weighted_mean":
        if weights is None:
            return Aggregate(None, total, 0, "no_weights")
        usable = [(v, w) for v, w in zip(values, weights, strict=True)
                  if v is not None and not math.isnan(v) and w is not None
                  and not math.isnan(w) and w >= 0]
        covered = len(usable)
        if covered == 0:
            reason: Reason = "no_values" if not present else "no_weights"
            return Aggregate(None, total, 0, reason)
        weight_sum = math.fsum(w for _, w in usable)
        if weight_sum <= 0:
            return Aggregate(None, total, covered, "no_weights")
        value = math.fsum(v * w for v, w in usable) / weight_sum
        return Aggregate(value, total, covered, None if covered == total else "incomplete")
    raise ValueError(f"unknown aggregation {aggregation!r}")
