"""View state ⇄ URL query. Every view is a link; anything unknown falls back to a default
with a message, never an error."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from urllib.parse import urlencode

from dashboard.data import SUBTHEMES, Indicator, Store
from dashboard.i18n import LANGS

DEFAULT_SUBTHEME = "wonen"
DEFAULT_LEVEL = "wijk"
ALL = "NL"


@dataclass(frozen=True)
class MapView:
    lang: str = "nl"
    thema: str = DEFAULT_SUBTHEME
    indicator: str = ""
    jaar: int = 0
    niveau: str = DEFAULT_LEVEL
    gemeente: str = ALL
    regio: str = ""
    kaart: str = "leeg"  # "leeg" (offline, plain) or "osm" (online base map)

    def query(self) -> str:
        """The URL query for this view (defaults left out, so links stay short)."""
        items = {k: v for k, v in asdict(self).items() if v not in ("", 0, None)}
        for key, default in (("lang", "nl"), ("gemeente", ALL), ("kaart", "leeg")):
            if items.get(key) == default:
                items.pop(key)
        return "?" + urlencode(items)


def resolve_map_view(query: dict[str, str], store: Store) -> tuple[MapView, list[str]]:
    """A valid view from URL parameters, and the names of the parameters we had to reject."""
    rejected: list[str] = []

    def pick(name: str) -> str:
        value = query.get(name)
        return value.strip() if isinstance(value, str) else ""

    lang = pick("lang") or "nl"
    if lang not in LANGS:
        rejected.append("lang")
        lang = "nl"

    indicator_id = pick("indicator")
    thema = pick("thema")
    if indicator_id and indicator_id in store.indicators:
        thema = store.indicators[indicator_id].subtheme
    elif indicator_id:
        rejected.append("indicator")
        indicator_id = ""
    if thema not in SUBTHEMES:
        if thema:
            rejected.append("thema")
        thema = DEFAULT_SUBTHEME
    choices = map_indicators(store, thema)
    if not choices:
        thema = next(s for s in SUBTHEMES if map_indicators(store, s))
        choices = map_indicators(store, thema)
    if indicator_id and indicator_id not in {i.id for i in choices}:
        rejected.append("indicator")  # it has values, but none that can be drawn
        indicator_id = ""
    if not indicator_id:
        indicator_id = choices[0].id
    years = store.map_years(indicator_id)
    raw_year = pick("jaar")
    year = int(raw_year) if raw_year.isdigit() else 0
    if year not in years:
        if raw_year:
            rejected.append("jaar")
        year = max(years)

    gemeente = pick("gemeente").upper() or ALL
    if gemeente != ALL:
        found = store.region(gemeente, year)
        if found is None or found["level"] != "gemeente":
            rejected.append("gemeente")
            gemeente = ALL

    levels = store.levels_for(indicator_id, year, None if gemeente == ALL else gemeente)
    niveau = pick("niveau") or DEFAULT_LEVEL
    if niveau not in levels:
        if pick("niveau"):
            rejected.append("niveau")
        niveau = DEFAULT_LEVEL if DEFAULT_LEVEL in levels else levels[0]

    regio = pick("regio").upper()
    if regio and store.region(regio, year) is None:
        rejected.append("regio")
        regio = ""

    kaart = pick("kaart") or "leeg"
    if kaart not in ("leeg", "osm"):
        rejected.append("kaart")
        kaart = "leeg"

    view = MapView(lang, thema, indicator_id, year, niveau, gemeente, regio, kaart)
    return view, rejected


def map_indicators(store: Store, subtheme: str) -> list[Indicator]:
    """Indicators of a subtheme that can be drawn on a map in some year."""
    return [i for i in store.indicators_for(subtheme) if store.map_years(i.id)]


def with_changes(view: MapView, **changes: object) -> MapView:
    return replace(view, **changes)
