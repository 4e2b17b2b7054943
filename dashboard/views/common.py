"""What every view model shares: reading untrusted URL parameters, and choice options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from core.text import LANGS

MAX_VALUE = 2000  # longer values are cut before they are looked at


@dataclass
class Params:
    """URL parameters as a view reads them: stripped strings, and the names it rejected."""

    raw: Mapping[str, Any]
    rejected: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        value = self.raw.get(name)
        return value.strip()[:MAX_VALUE] if isinstance(value, str) else ""

    def reject(self, name: str) -> None:
        if name not in self.rejected:
            self.rejected.append(name)

    def lang(self) -> str:
        lang = self.get("lang") or "nl"
        if lang not in LANGS:
            self.reject("lang")
            return "nl"
        return lang


def query_of(url: Any) -> dict[str, str]:
    """The query parameters of a URL the browser holds ('/path?a=b' or '?a=b'); {} for
    anything that is not a string."""
    if not isinstance(url, str):
        return {}
    return dict(parse_qsl(urlsplit(url[:4000]).query))


@dataclass(frozen=True)
class Option:
    """One choice in a control. ``note`` is shown greyed after the label (e.g. the years an
    indicator does have); ``title`` says why a choice is disabled or noted."""

    label: str
    value: Any
    disabled: bool = False
    title: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "value": self.value}
        if self.disabled:
            out["disabled"] = True
        if self.title:
            out["title"] = self.title
        return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN and NA as None, numpy numbers as Python numbers."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict("records"):
        out.append({str(k): (None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                             else v.item() if hasattr(v, "item") else v)
                    for k, v in row.items()})
    return out


def area_versions(years: list[int], same: Callable[[int, int], bool]) -> dict[int, int]:
    """Number the indelingen of one code by the area they cover: consecutive indelingen
    that ``same`` says cover the same area share a number, a change starts a new one."""
    versions: dict[int, int] = {}
    current = 0
    for i, year in enumerate(sorted(years)):
        if i and not same(sorted(years)[i - 1], year):
            current += 1
        versions[year] = current
    return versions
