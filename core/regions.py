"""Region codes and levels: what a CBS code says about the area it names.

A code names an area *within one indeling* (the gemeente, wijk and buurt boundaries of one
year); the same code can cover another area in another year. Codes come padded
(``"GM0363    "``); every national code (``NL00``, ``NL01``) means the Netherlands.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

LEVELS: tuple[str, ...] = ("land", "gemeente", "wijk", "buurt")
MAP_LEVELS: tuple[str, ...] = ("gemeente", "wijk", "buurt")  # levels with shapes
LAND_CODE = "NL00"
# In a URL: "no gemeente chosen", i.e. all gemeenten of the Netherlands. Not a region code.
ALL_GEMEENTEN = "NL"

CODE_PATTERNS: dict[str, str] = {
    "land": r"^NL00$",
    "gemeente": r"^GM\d{4}$",
    "wijk": r"^WK\d{4}[0-9A-Z]{2}$",
    "buurt": r"^BU\d{4}[0-9A-Z]{4}$",
}
#: Any gemeente, wijk or buurt code (not the national one).
AREA_CODE_RE = re.compile(r"GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4}")
_PREFIX_LEVEL = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
_WIJK_TITLE = re.compile(r"^Wijk [0-9A-Z]{2} ")


def normalise_code(code: str) -> str:
    """A region code without padding; every national code (NL00, NL01) becomes NL00."""
    code = code.strip().upper()
    return LAND_CODE if code.startswith("NL") else code


def region_level(code: str) -> str | None:
    """land, gemeente, wijk or buurt, from the code prefix; None for anything else."""
    return _PREFIX_LEVEL.get(code[:2])


def is_region_code(code: str) -> bool:
    """A well-formed code of any level (the national code included)."""
    level = region_level(code)
    return level is not None and re.fullmatch(CODE_PATTERNS[level], code) is not None


def gemeente_of(code: str) -> str | None:
    """The gemeente a region lies in: CBS codes embed the 4 digits of their gemeente."""
    level = region_level(code)
    if level == "gemeente":
        return code
    if level in ("wijk", "buurt"):
        return "GM" + code[2:6]
    return None


def wijk_of(code: str) -> str | None:
    """The wijk a buurt lies in (None for other levels)."""
    return "WK" + code[2:8] if region_level(code) == "buurt" else None


def display_name(title: str | None, code: str) -> str | None:
    """The name people use: CBS titles wijken "Wijk 00 Annen"; None when there is none."""
    if title is None or not isinstance(title, str):
        return None
    name = _WIJK_TITLE.sub("", title.strip()) if code.startswith("WK") else title.strip()
    return name or None


ALIASES_FILE = Path(__file__).with_name("aliases.toml")


@lru_cache(maxsize=1)
def aliases() -> dict[str, tuple[str, ...]]:
    """Other names people use for regions, by code (core/aliases.toml)."""
    raw = tomllib.loads(ALIASES_FILE.read_text(encoding="utf-8"))
    bad = [code for code in raw if not is_region_code(code)]
    if bad:
        raise ValueError(f"{ALIASES_FILE.name}: not region codes: {bad}")
    return {code: tuple(names) for code, names in raw.items()}


def fold(text: str) -> str:
    """Text as a search compares it: lower case, without accents or apostrophes
    ("'s-Gravenhage" → "s-gravenhage", "Súdwest" → "sudwest")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("'", "").replace("\u2019", "")


def with_terms(index: pd.DataFrame) -> pd.DataFrame:
    """The index with what a search compares: a region's names (its name and the other
    names people use for it) and its gemeente's, folded (see core.regions.fold)."""
    other = aliases()
    names = [fold(" | ".join((n, *other.get(c, ()))))
             for c, n in zip(index["code"], index["name"], strict=True)]
    gemeenten = [fold(" | ".join((g, *other.get(gc, ())))) if isinstance(g, str) else ""
                 for g, gc in zip(index["gemeente_name"], index["gemeente_code"], strict=True)]
    return index.assign(terms=pd.Series(names, index=index.index, dtype=str),
                        gemeente_terms=pd.Series(gemeenten, index=index.index, dtype=str))
