"""NPLV focus areas as data (``areas.toml``) and honest aggregation of wijk values to them.

A focus area is a group of CBS wijken of one gemeente, listed per year of the CBS indeling.
Where the public definition of an area does not follow wijk boundaries, or is not known to
us precisely, its composition is marked ``approximate`` and the dashboard says so.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.text import Text

AREAS_FILE = Path(__file__).with_name("areas.toml")
REFERENCE_YEAR = 2024
ID_PATTERN = r"^NPLV-[A-Z0-9]+(-[A-Z0-9]+)*$"
WIJK_PATTERN = r"^WK\d{4}[0-9A-Z]{2}$"


class Area(BaseModel):
    """One focus area: a named group of wijken in one gemeente."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    gemeente: str = Field(pattern=r"^GM\d{4}$")
    composition: Literal["public", "approximate"]
    source: Text
    members: dict[int, tuple[str, ...]]

    @field_validator("members")
    @classmethod
    def _members(cls, members: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
        if REFERENCE_YEAR not in members:
            raise ValueError(f"members must list the {REFERENCE_YEAR} indeling")
        for year, codes in members.items():
            if not codes:
                raise ValueError(f"no members in {year}")
            duplicated = [c for c, n in Counter(codes).items() if n > 1]
            if duplicated:
                raise ValueError(f"duplicate members in {year}: {duplicated}")
        return members

    @model_validator(mode="after")
    def _codes_in_gemeente(self) -> Area:
        prefix = "WK" + self.gemeente[2:]
        for year, codes in self.members.items():
            for code in codes:
                if not re.fullmatch(WIJK_PATTERN, code) or not code.startswith(prefix):
                    raise ValueError(f"{self.id} {year}: {code!r} is not a wijk of "
                                     f"{self.gemeente}")
        return self

    @property
    def approximate(self) -> bool:
        return self.composition == "approximate"

    def members_in(self, year: int) -> tuple[str, ...]:
        """The member wijk codes in a year's indeling (empty if not listed for that year)."""
        return self.members.get(int(year), ())

    @property
    def years(self) -> list[int]:
        return sorted(self.members)


class AreaFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: list[Area]

    @model_validator(mode="after")
    def _unique(self) -> AreaFile:
        ids = Counter(a.id for a in self.area)
        twice = [i for i, n in ids.items() if n > 1]
        if twice:
            raise ValueError(f"duplicate area ids: {twice}")
        return self


def load_areas(path: Path | str = AREAS_FILE) -> dict[str, Area]:
    """All focus areas by id, validated (raises ``pydantic.ValidationError`` when invalid)."""
    return _load(str(Path(path).resolve()))


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Area]:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)
    for entry in raw.get("area", []):
        members = entry.get("members")
        if isinstance(members, dict):
            entry["members"] = {int(year): tuple(codes) for year, codes in members.items()}
    parsed = AreaFile.model_validate(raw)
    return {area.id: area for area in parsed.area}


def is_area_id(code: str) -> bool:
    return code.upper().startswith("NPLV-")


# ----------------------------------------------------------------------- aggregation
Reason = Literal["not_aggregatable", "no_weights", "no_values", "incomplete"]


@dataclass(frozen=True)
class Aggregate:
    """An aggregated value with its coverage.

    ``members`` is the number of member wijken, ``covered`` how many of them contributed.
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

    ``values`` has one row per member wijk, columns ``code`` and ``value`` (NaN where the
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
    total = len(members)
    value_of = pd.to_numeric(members["value"], errors="coerce")
    if aggregation == "none":
        return Aggregate(None, total, 0, "not_aggregatable")
    if aggregation == "sum":
        have = value_of.notna()
        covered = int(have.sum())
        if covered == 0:
            return Aggregate(None, total, 0, "no_values")
        if covered < total:
            return Aggregate(None, total, covered, "incomplete")
        return Aggregate(float(value_of.sum()), total, covered)
    if aggregation == "weighted_mean":
        if weights is None:
            return Aggregate(None, total, 0, "no_weights")
        weight_of = (
            members[["code"]]
            .merge(weights.drop_duplicates("code")[["code", "weight"]], on="code", how="left")
            ["weight"]
        )
        weight_of = pd.to_numeric(weight_of, errors="coerce").set_axis(value_of.index)
        usable = value_of.notna() & weight_of.notna() & (weight_of >= 0)
        covered = int(usable.sum())
        if covered == 0:
            reason: Reason = "no_values" if value_of.notna().sum() == 0 else "no_weights"
            return Aggregate(None, total, 0, reason)
        weight_sum = float(weight_of[usable].sum())
        if weight_sum <= 0 or math.isnan(weight_sum):
            return Aggregate(None, total, covered, "no_weights")
        value = float((value_of[usable] * weight_of[usable]).sum() / weight_sum)
        return Aggregate(value, total, covered, None if covered == total else "incomplete")
    raise ValueError(f"unknown aggregation {aggregation!r}")
