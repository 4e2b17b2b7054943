"""NPLV focus areas as data (``areas.toml``): which CBS wijken and buurten make up each of the
20 areas of the Nationaal Programma Leefbaarheid en Veiligheid, in which indeling, on what
public source, and whether that composition is exact or approximate.

An area is listed per year of the CBS indeling. Its members in one indeling are wijk codes
(``WK…``) or buurt codes (``BU…``) of its gemeente, or a mix where the public boundary
follows wijk lines in one part and buurt lines in another (Groningen Noord). The 2024
indeling is the reference and always present; an earlier indeling is listed only where the
same composition can be written in its codes (the KWB tables of 2021 and 2022 have no
buurten, so areas that need buurten exist in 2024 only).

``composition = "exact"``: the members are the areas the public source names, one to one.
``composition = "approximate"``: the public description could not be matched exactly to
CBS wijken or buurten; the area's ``note`` says precisely what differs.

The aggregation of member values lives in :mod:`core.aggregation` (re-exported here).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from core.aggregation import Aggregate, Reason, aggregate
from core.text import Text

__all__ = [
    "AREAS_FILE", "LEVEL", "REFERENCE_YEAR", "Aggregate", "Area", "AreaFileError", "Reason",
    "Source", "aggregate", "areas_containing", "areas_in_gemeente", "find_areas",
    "is_area_id", "load_areas",
]

AREAS_FILE = Path(__file__).with_name("areas.toml")
#: The indeling every area is defined on; other indelingen are optional.
REFERENCE_YEAR = 2024
#: The name of the "level" of focus areas next to gemeente, wijk and buurt (search, API).
LEVEL = "focusgebied"
ID_PATTERN = r"^NPLV-[A-Z0-9]+(-[A-Z0-9]+)*$"
WIJK_PATTERN = r"^WK\d{4}[0-9A-Z]{2}$"
BUURT_PATTERN = r"^BU\d{4}[0-9A-Z]{4}$"

Composition = Literal["exact", "approximate"]
MemberLevel = Literal["wijk", "buurt", "mixed"]


class AreaFileError(ValueError):
    """The focus-area file is missing, not TOML, or does not describe valid areas."""


class Source(BaseModel):
    """One public source for an area: where it is, what it says, and what it counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: HttpUrl
    title: str = Field(min_length=1, description="publisher and title, as a reader would cite")
    says: Text = Field(description="what the source says about the area, in short")
    published: date | None = Field(default=None, description="date of the source, if known")
    inhabitants: int | None = Field(
        default=None, gt=0, description="the number of inhabitants the source gives, if any"
    )


class Area(BaseModel):
    """One focus area: its members per indeling, its sources and how exact it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    gemeente: str = Field(pattern=r"^GM\d{4}$")
    aliases: tuple[str, ...] = Field(
        default=(), description="other names people search for (programme names, spellings)"
    )
    composition: Composition
    checked: date = Field(description="the day the sources were last checked")
    note: Text = Field(description="how the members were chosen; what is approximate and why")
    sources: tuple[Source, ...] = Field(min_length=1)
    members: dict[int, tuple[str, ...]]

    @field_validator("members")
    @classmethod
    def _members(cls, members: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
        if REFERENCE_YEAR not in members:
            raise ValueError(f"members must list the {REFERENCE_YEAR} indeling (the reference)")
        for year, codes in members.items():
            if not codes:
                raise ValueError(f"no members in {year}")
            duplicated = sorted(c for c, n in Counter(codes).items() if n > 1)
            if duplicated:
                raise ValueError(f"duplicate members in {year}: {', '.join(duplicated)}")
        return members

    @model_validator(mode="after")
    def _codes(self) -> Area:
        digits = self.gemeente[2:]
        for year, codes in self.members.items():
            for code in codes:
                if not (re.fullmatch(WIJK_PATTERN, code) or re.fullmatch(BUURT_PATTERN, code)):
                    raise ValueError(f"{year}: {code!r} is not a wijk (WK…) or buurt (BU…) code")
                if code[2:6] != digits:
                    raise ValueError(f"{year}: {code} does not lie in gemeente {self.gemeente}")
            wijken = {c for c in codes if c.startswith("WK")}
            inside = sorted(c for c in codes if c.startswith("BU") and _wijk_of(c) in wijken)
            if inside:
                raise ValueError(f"{year}: buurten {', '.join(inside)} lie in a member wijk "
                                 "(a region would be counted twice)")
        if len({a.casefold() for a in self.aliases}) != len(self.aliases):
            raise ValueError("duplicate aliases")
        return self

    # ----------------------------------------------------------- composition
    @property
    def approximate(self) -> bool:
        """True when the members only approximate the public description (see ``note``)."""
        return self.composition == "approximate"

    @property
    def exact(self) -> bool:
        return self.composition == "exact"

    @property
    def source(self) -> Text:
        """The composition note (kept under its old name: ``area.source.get(lang)``)."""
        return self.note

    @property
    def public_inhabitants(self) -> int | None:
        """The inhabitants the first source that counts them gives (None if none does)."""
        return next((s.inhabitants for s in self.sources if s.inhabitants), None)

    # ---------------------------------------------------------------- members
    @property
    def reference(self) -> int:
        """The indeling the area is defined on (2024)."""
        return REFERENCE_YEAR

    @property
    def years(self) -> list[int]:
        """The indelingen the area is listed in, oldest first."""
        return sorted(self.members)

    def members_in(self, year: int) -> tuple[str, ...]:
        """The member wijk and buurt codes in a year's indeling (empty if not listed)."""
        return self.members.get(int(year), ())

    def indeling_for(self, year: int) -> int | None:
        """The listed indeling to read a region of indeling ``year`` against: the year itself
        when listed; for an indeling newer than every listed one (the file has not caught up
        yet) the latest listed one; otherwise None (an older, unlisted indeling)."""
        year = int(year)
        if year in self.members:
            return year
        latest = max(self.members)
        return latest if year > latest else None

    def member_level(self, year: int) -> MemberLevel | None:
        """``wijk`` or ``buurt`` when all members of the indeling are of that level, ``mixed``
        when they are both, None when the area is not listed for the year."""
        codes = self.members_in(year)
        if not codes:
            return None
        wijken = sum(c.startswith("WK") for c in codes)
        return "wijk" if wijken == len(codes) else "buurt" if wijken == 0 else "mixed"

    def buurten_in(self, year: int) -> tuple[str, ...]:
        """The members that are buurten."""
        return tuple(c for c in self.members_in(year) if c.startswith("BU"))

    def whole_wijken_in(self, year: int) -> tuple[str, ...]:
        """The members that are whole wijken."""
        return tuple(c for c in self.members_in(year) if c.startswith("WK"))

    def partial_wijken_in(self, year: int) -> tuple[str, ...]:
        """Wijken of which only some buurten belong to the area (sorted)."""
        whole = set(self.whole_wijken_in(year))
        return tuple(sorted({_wijk_of(c) for c in self.buurten_in(year)} - whole))

    def wijken_in(self, year: int) -> tuple[str, ...]:
        """Every wijk the area touches: whole member wijken and the wijken of member buurten
        (sorted). To outline the area on a wijk map, or to list where it lies."""
        return tuple(sorted({*self.whole_wijken_in(year), *self.partial_wijken_in(year)}))

    def contains(self, code: str, year: int) -> bool:
        """Is the wijk or buurt wholly inside the area in that indeling? (A member, or a buurt
        of a member wijk. A wijk of which only some buurten belong is not contained.)"""
        code = code.strip().upper()
        members = set(self.members_in(year))
        return code in members or (code.startswith("BU") and _wijk_of(code) in members)

    def touches(self, code: str, year: int) -> bool:
        """Is the wijk or buurt wholly or partly inside the area in that indeling?"""
        code = code.strip().upper()
        return self.contains(code, year) or code in self.partial_wijken_in(year)

    # ----------------------------------------------------------------- names
    @property
    def names(self) -> tuple[str, ...]:
        """The name and aliases, as people may type them."""
        return (self.name, *self.aliases)

    def matches(self, query: str) -> bool:
        """Does a search text (case, accents, hyphens and spaces ignored) occur in the id,
        the name or an alias? ``"zuidoost"``, ``"Den Haag Zuidwest"``, ``"rotterdam zuid"``."""
        wanted = _fold(query)
        return bool(wanted) and any(wanted in _fold(n) for n in (self.id, *self.names))


class AreaFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: list[Area] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> AreaFile:
        for what, values in (("ids", [a.id for a in self.area]),
                             ("names", [a.name for a in self.area])):
            twice = sorted(v for v, n in Counter(values).items() if n > 1)
            if twice:
                raise ValueError(f"duplicate area {what}: {', '.join(twice)}")
        return self


# ------------------------------------------------------------------------- loading
def load_areas(path: Path | str = AREAS_FILE) -> dict[str, Area]:
    """All focus areas by id, in file order, validated. A bad file raises
    :class:`AreaFileError` naming the file, the area and the problem."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except FileNotFoundError as exc:
        raise AreaFileError(f"focus-area file not found: {resolved}") from exc
    return _load(str(resolved), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> dict[str, Area]:
    """Parse and validate; cached per version of the file (its path, mtime and size)."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise AreaFileError(f"focus-area file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise AreaFileError(f"{path}: not valid TOML: {exc}") from exc
    entries = raw.get("area", [])
    for entry in entries if isinstance(entries, list) else []:
        members = entry.get("members") if isinstance(entry, dict) else None
        if isinstance(members, dict):
            try:
                entry["members"] = {int(year): tuple(codes) for year, codes in members.items()}
            except (TypeError, ValueError) as exc:
                raise AreaFileError(f"{path}: area {entry.get('id', '?')}: members must be "
                                    "listed per year, e.g. 2024 = [\"WK…\"]") from exc
    try:
        parsed = AreaFile.model_validate(raw)
    except ValidationError as exc:
        raise AreaFileError(f"{path}: invalid focus-area file:\n{_explain(exc, entries)}") from exc
    return {area.id: area for area in parsed.area}


def _explain(exc: ValidationError, entries: object) -> str:
    """One line per problem, naming the area by id rather than by list position."""
    lines = []
    for error in exc.errors():
        where = list(error["loc"])
        if len(where) >= 2 and where[0] == "area" and isinstance(where[1], int):
            index = where[1]
            entry = entries[index] if isinstance(entries, list) and index < len(entries) else {}
            ident = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else index + 1
            where = [f"area {ident}", *where[2:]]
        location = ".".join(str(w) for w in where) or "file"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


# ------------------------------------------------------------------------ look-ups
def is_area_id(code: str) -> bool:
    """Does the code name a focus area (``NPLV-…``, any case)? Not whether it exists."""
    return code.strip().upper().startswith("NPLV-")


def find_areas(query: str, areas: dict[str, Area] | None = None) -> list[Area]:
    """Areas whose id, name or alias contains the search text, exact name matches first."""
    pool = list((areas if areas is not None else load_areas()).values())
    wanted = _fold(query)
    hits = [a for a in pool if a.matches(query)]
    return sorted(hits, key=lambda a: (not any(_fold(n) == wanted for n in a.names),
                                       pool.index(a)))


def areas_in_gemeente(gemeente: str, areas: dict[str, Area] | None = None) -> list[Area]:
    """The focus areas that lie in a gemeente."""
    return [a for a in (areas if areas is not None else load_areas()).values()
            if a.gemeente == gemeente]


def areas_containing(code: str, year: int, areas: dict[str, Area] | None = None,
                     partly: bool = False) -> list[Area]:
    """The focus areas a wijk or buurt of indeling ``year`` lies in (``partly``: also those
    it only partly lies in). A code of an indeling newer than an area's listed ones is read
    against its latest listed indeling (see :meth:`Area.indeling_for`)."""
    found = []
    for area in (areas if areas is not None else load_areas()).values():
        indeling = area.indeling_for(year)
        if indeling is not None and (area.touches(code, indeling) if partly
                                     else area.contains(code, indeling)):
            found.append(area)
    return found


def _wijk_of(buurt: str) -> str:
    return "WK" + buurt[2:8]


def _fold(text: str) -> str:
    """Lower case, without accents, hyphens, apostrophes and spaces: "'s-Gravenhage" and
    "sgravenhage" match, as do "Rotterdam-Zuid" and "rotterdam zuid"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-'’.]+", "", plain.casefold())
