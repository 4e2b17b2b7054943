"""The indicator catalogue: one declarative TOML file, validated at load.

Each indicator belongs to one subtheme and is computed from one or more *series*. A series
names a source (KWB, police, RIVM), the years it covers, the CBS key **stems** it needs
and a formula over them. A new series starts where CBS changed a definition: the store
keeps the series apart and trends never chain across that break.

Small numbers: CBS rounds wijk and buurt counts to multiples of 5, so a share or rate the
ETL *computes* from two counts is noise when the denominator is small: with a denominator
of 50, rounding alone moves a share by up to 5 percentage points (2.5 / 50). Below
``DEFAULT_MIN_DENOMINATOR`` (or a series' own ``min_denominator``) such a value is not
stored, and the reason is. Values CBS publishes itself (its own percentages and rates) are
kept: CBS applies its own publication rules to them.

Plausibility: every stored value must lie within its indicator's ``bounds``. Percentages
are 0–100 and counts 0–``COUNT_CEILING`` unless the catalogue says otherwise; rates (units
"per …") must state their bounds.
"""

from __future__ import annotations

import itertools
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.text import Text

SUBTHEMES: tuple[str, ...] = (
    "veiligheid",
    "onderwijs",
    "wonen",
    "werk_inkomen",
    "jeugd",
    "duurzaamheid",
    "zorg",
)

Subtheme = Literal[
    "veiligheid", "onderwijs", "wonen", "werk_inkomen", "jeugd", "duurzaamheid", "zorg"
]
Direction = Literal["higher_better", "lower_better", "neutral"]
Source = Literal["kwb", "politie", "rivm"]
Formula = Literal["value", "sum", "share", "per_1000"]
Aggregation = Literal["sum", "weighted_mean", "none"]

DEFAULT_CATALOGUE = Path(__file__).with_name("indicators.toml")

#: Smallest denominator (persons, households, dwellings) for a share or rate the ETL
#: computes itself; see the module docstring for why.
DEFAULT_MIN_DENOMINATOR = 50
#: No count in the Netherlands (people, dwellings, cars, crimes) comes near this: more than
#: the whole population with room to grow. A count above it is a broken reply.
COUNT_CEILING = 25_000_000


class CatalogueError(ValueError):
    """The catalogue file is malformed or inconsistent."""


class Series(BaseModel):
    """One definition of an indicator over a span of years."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: tuple[int, int] = Field(description="first and last year, inclusive")
    source: Source
    formula: Formula = "value"
    numerator: tuple[str, ...] = Field(min_length=1, description="key stems, summed")
    denominator: tuple[str, ...] = ()
    denominator_source: Source | None = Field(
        default=None, description="where the denominator comes from; default: same source"
    )
    offence: str | None = Field(default=None, description="police SoortMisdrijf code")
    note: Text | None = Field(default=None, description="why this series starts here")
    min_denominator: int | None = Field(
        default=None, ge=1,
        description="smallest denominator for a computed share/rate; default "
                    "DEFAULT_MIN_DENOMINATOR",
    )

    @model_validator(mode="after")
    def _check(self) -> Series:
        first, last = self.years
        if first > last:
            raise ValueError(f"years {self.years}: first year after last year")
        needs_denominator = self.formula in ("share", "per_1000")
        if needs_denominator and not self.denominator:
            raise ValueError(f"formula {self.formula!r} needs a denominator")
        if not needs_denominator and self.denominator:
            raise ValueError(f"formula {self.formula!r} takes no denominator")
        if self.formula == "value" and len(self.numerator) != 1:
            raise ValueError("formula 'value' takes exactly one numerator stem")
        if (self.offence is not None) != (self.source == "politie"):
            raise ValueError("'offence' is required for source 'politie' and only there")
        if self.min_denominator is not None and not needs_denominator:
            raise ValueError(f"formula {self.formula!r} has no denominator to set a minimum for")
        return self

    @property
    def effective_min_denominator(self) -> int | None:
        """The smallest denominator a computed share or rate may have (None: no formula)."""
        if self.formula not in ("share", "per_1000"):
            return None
        return self.min_denominator or DEFAULT_MIN_DENOMINATOR

    def covers(self, year: int) -> bool:
        return self.years[0] <= year <= self.years[1]

    @property
    def effective_denominator_source(self) -> Source:
        return self.denominator_source or self.source


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    subtheme: Subtheme
    label: Text
    unit: Text
    direction: Direction
    definition: Text
    aggregation: Aggregation = Field(
        description="how to combine regions: sum counts, weight rates by 'weight', or none"
    )
    weight: str | None = Field(default=None, description="indicator id of the denominator")
    is_percentage: bool = False
    bounds: tuple[float, float] | None = Field(
        default=None, description="lowest and highest plausible value (inclusive)"
    )
    series: tuple[Series, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Indicator:
        if (self.aggregation == "weighted_mean") != (self.weight is not None):
            raise ValueError("'weight' is required for weighted_mean and only there")
        if self.bounds is not None:
            low, high = self.bounds
            if low >= high:
                raise ValueError(f"bounds {self.bounds}: the lowest value is not below the highest")
            if self.is_percentage and (low < 0 or high > 100):
                raise ValueError(f"bounds {self.bounds}: a percentage lies within 0–100")
        elif self.unit.nl.startswith("per "):
            raise ValueError(f"unit {self.unit.nl!r} is a rate: state its 'bounds'")
        spans = sorted(s.years for s in self.series)
        for (_, last), (first, _) in itertools.pairwise(spans):
            if first <= last:
                raise ValueError(f"series years overlap: {spans}")
        return self

    @property
    def value_bounds(self) -> tuple[float, float] | None:
        """The plausible range: stated, or 0–100 for percentages, 0–COUNT_CEILING for counts
        (None: an average without stated bounds is not range-checked)."""
        if self.bounds is not None:
            return self.bounds
        if self.is_percentage:
            return (0.0, 100.0)
        if self.aggregation == "sum":
            return (0.0, float(COUNT_CEILING))
        return None

    def series_for(self, year: int) -> tuple[int, Series] | None:
        """The series (index, definition) that covers a year, if any."""
        for number, series in enumerate(self.series):
            if series.covers(year):
                return number, series
        return None


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: tuple[Indicator, ...]

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        ids = [i.id for i in self.indicators]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate indicator ids: {', '.join(duplicates)}")
        known = set(ids)
        for ind in self.indicators:
            if ind.weight is not None and ind.weight not in known:
                raise ValueError(f"{ind.id}: weight {ind.weight!r} is not an indicator id")
        return self

    @cached_property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def for_subtheme(self, subtheme: str) -> list[Indicator]:
        return [i for i in self.indicators if i.subtheme == subtheme]


def load_catalogue(path: Path | str = DEFAULT_CATALOGUE) -> Catalogue:
    """Read and validate the catalogue; a bad file raises CatalogueError naming the problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogueError(f"indicator catalogue not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Catalogue.model_validate({"indicators": raw.get("indicator", [])})
    except ValidationError as exc:
        raise CatalogueError(f"{path}: invalid indicator catalogue:\n{exc}") from exc
