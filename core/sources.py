"""The source tables and who publishes them: the facts every attribution is made of.

CBS publishes the Kerncijfers wijken en buurten (KWB) on opendata.cbs.nl; police and RIVM
figures are published *by CBS on their behalf* in the dataderden catalogue, so they are
attributed to the police or RIVM, via CBS. All are open data under CC BY 4.0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.text import Text

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.nl"

# Kerncijfers wijken en buurten, one table per year (facts, not configuration).
KWB_TABLES: dict[int, str] = {
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}
POLICE_TABLES: tuple[str, ...] = ("47018NED",)
# Each RIVM edition replaces the previous one: the newest that exists wins.
RIVM_TABLES: tuple[str, ...] = ("50150NED", "50120NED", "50090NED")
YEARS: tuple[int, ...] = tuple(sorted(KWB_TABLES))

CATALOG_HOSTS: dict[str, str] = {
    "opendata": "opendata.cbs.nl",
    "dataderden": "dataderden.cbs.nl",
}


@dataclass(frozen=True)
class Publisher:
    """Who a figure is credited to."""

    source: str  # kwb | politie | rivm (the catalogue's source names)
    credit: Text  # "CBS", "Politie, via CBS"
    catalog: str  # opendata | dataderden

    def attribution(self, lang: str = "nl") -> str:
        word = "Source" if lang == "en" else "Bron"
        return f"{word}: {self.credit.get(lang)} ({LICENCE})"


PUBLISHERS: dict[str, Publisher] = {
    "kwb": Publisher("kwb", Text(nl="CBS", en="CBS"), "opendata"),
    "politie": Publisher("politie", Text(nl="Politie, via CBS", en="Police, via CBS"),
                         "dataderden"),
    "rivm": Publisher("rivm", Text(nl="RIVM, via CBS", en="RIVM, via CBS"), "dataderden"),
}
CBS = PUBLISHERS["kwb"]
#: Who the boundaries are credited to (PDOK gebiedsindelingen); not a figure's publisher.
BOUNDARIES = Publisher(
    "pdok", Text(nl="CBS / Kadaster, via PDOK", en="CBS / Kadaster, via PDOK"), "pdok"
)
#: The attribution of the app as a whole (every figure is published through CBS).
ATTRIBUTION = CBS.attribution("nl")


def source_of_table(table: str) -> str:
    """kwb, politie or rivm for a known table id; kwb for any other CBS table."""
    if table in POLICE_TABLES:
        return "politie"
    if table in RIVM_TABLES:
        return "rivm"
    return "kwb"


def publisher_of(table: str) -> Publisher:
    return PUBLISHERS[source_of_table(table)]


def table_url(table: str) -> str:
    """Where a table lives on the CBS open data portal (OData v3 feed)."""
    host = CATALOG_HOSTS[publisher_of(table).catalog]
    return f"https://{host}/ODataFeed/odata/{table}/"


def credits(tables: Iterable[str], lang: str = "nl") -> str:
    """'Bron: CBS (CC BY 4.0)', or every publisher behind these tables, in a stable order:
    'Bron: CBS; Politie, via CBS (CC BY 4.0)'."""
    found = {source_of_table(t) for t in tables}
    names = [p.credit.get(lang) for s, p in PUBLISHERS.items() if s in found] or [
        CBS.credit.get(lang)]
    word = "Source" if lang == "en" else "Bron"
    return f"{word}: {'; '.join(names)} ({LICENCE})"


def cite(tables: Iterable[str], lang: str = "nl", period: object | None = None) -> str:
    """Publisher and tables, as a figure's source line: 'Bron: CBS, 85984NED (2024)',
    'Bron: CBS, 85984NED; Politie, via CBS, 47018NED (2024)'."""
    groups: dict[str, list[str]] = {}
    for table in sorted(set(tables)):
        groups.setdefault(source_of_table(table), []).append(table)
    word = "Source" if lang == "en" else "Bron"
    parts = [f"{PUBLISHERS[s].credit.get(lang)}, {', '.join(groups[s])}"
             for s in PUBLISHERS if s in groups] or [CBS.credit.get(lang)]
    return f"{word}: {'; '.join(parts)}" + (f" ({period})" if period is not None else "")
