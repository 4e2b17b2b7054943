"""Where a store's figures come from and how fresh they are: live CBS of a date, a recorded
mirror, or the snapshot bundled with the code (and what that snapshot was built from).

The ETL and a snapshot load record it in the store's ``meta`` table (keys ``origin``,
``built_at``, ``sources_modified``, and for a snapshot ``snapshot_date``, ``snapshot_of``,
``snapshot_of_built_at``); the footer and ``/healthz`` read it back through ``origin_of``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("live", "mirror", "snapshot")
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


@dataclass(frozen=True)
class Origin:
    """``kind`` live | mirror | snapshot; ``date`` (YYYY-MM-DD) when it was fetched or read
    (live, mirror) or when the snapshot was made; ``of``/``of_date`` a snapshot's own origin;
    ``sources_modified`` the newest ``Modified`` date among the source tables."""

    kind: str
    date: str
    of: str = ""
    of_date: str = ""
    sources_modified: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v or None for k, v in asdict(self).items()}


def origin_of(meta: dict[str, str]) -> Origin:
    """A store's origin from its meta table. Stores from before it was recorded: from their
    ``source`` (a URL for the live services, a folder for a mirror)."""
    built = (meta.get("built_at") or "")[:10]
    modified = (meta.get("sources_modified") or "")[:10]
    kind = meta.get("origin") or (
        "live" if (meta.get("source") or "").startswith("http") else "mirror")
    if kind == "snapshot":
        return Origin("snapshot", (meta.get("snapshot_date") or built)[:10],
                      meta.get("snapshot_of") or "",
                      (meta.get("snapshot_of_built_at") or "")[:10], modified)
    return Origin(kind, built, sources_modified=modified)


def long_date(iso: str, lang: str) -> str:
    """2026-12-02 → '2 december 2026' / '2 December 2026' (as given when not a date)."""
    try:
        year, month, day = (int(p) for p in iso[:10].split("-"))
        return f"{day} {_MONTHS['en' if lang == 'en' else 'nl'][month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


def describe(origin: Origin, lang: str) -> str:
    """One sentence for the footer: where the figures come from and how fresh they are."""
    en = lang == "en"
    date = long_date(origin.date, lang)
    if origin.kind == "live":
        text = f"Data: fetched live from CBS on {date}" if en else \
            f"Gegevens: live opgehaald bij CBS op {date}"
    elif origin.kind == "mirror":
        text = f"Data: from a recorded copy of CBS (mirror), read on {date}" if en else \
            f"Gegevens: uit een opgenomen kopie van CBS (mirror), ingelezen op {date}"
    else:
        text = (f"Data: snapshot of {date} shipped with the app, not live" if en else
                f"Gegevens: momentopname van {date}, meegeleverd met de app, niet live")
        if origin.of == "live" and origin.of_date:
            of_date = long_date(origin.of_date, lang)
            text += (f" (fetched from CBS on {of_date})" if en else
                     f" (opgehaald bij CBS op {of_date})")
        elif origin.of == "mirror":
            text += (" (from a recorded copy of CBS)" if en else
                     " (uit een opgenomen kopie van CBS)")
    if origin.sources_modified:
        modified = long_date(origin.sources_modified, lang)
        text += (f"; newest source table of {modified}" if en else
                 f"; nieuwste brontabel van {modified}")
    return text + "."
