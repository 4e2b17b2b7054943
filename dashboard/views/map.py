"""The map explorer's view: one indicator of one year at one level, on a map with a table.

URL (every parameter optional; anything unknown falls back to a default with a message)::

    /?thema=wonen&indicator=woz_waarde&jaar=2024&niveau=wijk&gemeente=GM0363&regio=WK036301
     &kaart=osm&lang=en
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar
from urllib.parse import urlencode

import pandas as pd

from core.catalogue import SUBTHEMES, Indicator
from core.ranking import ranks
from core.regions import ALL_GEMEENTEN, LAND_CODE
from dashboard.data import Store
from dashboard.i18n import level_label, subtheme_label, t
from dashboard.views.common import Option, Params

DEFAULT_SUBTHEME = "wonen"
DEFAULT_LEVEL = "wijk"
BASEMAPS = ("leeg", "osm")


@dataclass(frozen=True)
class MapView:
    PATH: ClassVar[str] = "/"

    lang: str = "nl"
    thema: str = DEFAULT_SUBTHEME
    indicator: str = ""
    jaar: int = 0
    niveau: str = DEFAULT_LEVEL
    gemeente: str = ALL_GEMEENTEN
    regio: str = ""
    kaart: str = "leeg"  # "leeg" (offline, plain) or "osm" (online base map)

    @classmethod
    def from_query(cls, query: Mapping[str, Any], db: Store) -> tuple[MapView, list[str]]:
        """A valid view from URL parameters, and the names of the parameters rejected."""
        params = Params(query)
        lang = params.lang()

        indicator_id = params.get("indicator")
        thema = params.get("thema")
        if indicator_id and indicator_id in db.indicators:
            thema = db.indicators[indicator_id].subtheme
        elif indicator_id:
            params.reject("indicator")
            indicator_id = ""
        if thema not in SUBTHEMES:
            if thema:
                params.reject("thema")
            thema = DEFAULT_SUBTHEME
        choices = map_indicators(db, thema)
        if not choices:
            thema = next(s for s in SUBTHEMES if map_indicators(db, s))
            choices = map_indicators(db, thema)
        if indicator_id and indicator_id not in {i.id for i in choices}:
            params.reject("indicator")  # it has values, but none that can be drawn
            indicator_id = ""
        if not indicator_id:
            indicator_id = choices[0].id

        years = db.map_years(indicator_id)
        raw_year = params.get("jaar")
        year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else 0
        if year not in years:
            if raw_year:
                params.reject("jaar")
            year = max(years)

        gemeente = params.get("gemeente").upper() or ALL_GEMEENTEN
        if gemeente != ALL_GEMEENTEN:
            found = db.region(gemeente, year) if len(gemeente) <= 12 else None
            if found is None or found["level"] != "gemeente":
                params.reject("gemeente")
                gemeente = ALL_GEMEENTEN

        levels = db.levels_for(indicator_id, year,
                               None if gemeente == ALL_GEMEENTEN else gemeente)
        niveau = params.get("niveau") or DEFAULT_LEVEL
        if niveau not in levels:
            if params.get("niveau"):
                params.reject("niveau")
            niveau = DEFAULT_LEVEL if DEFAULT_LEVEL in levels else levels[0]

        regio = params.get("regio").upper()
        if regio and (len(regio) > 12 or db.region(regio, year) is None):
            params.reject("regio")
            regio = ""

        kaart = params.get("kaart") or "leeg"
        if kaart not in BASEMAPS:
            params.reject("kaart")
            kaart = "leeg"
        view = cls(lang, thema, indicator_id, year, niveau, gemeente, regio, kaart)
        return view, params.rejected

    def query(self) -> str:
        """The URL query for this view (defaults left out, so links stay short)."""
        items = {k: v for k, v in asdict(self).items() if v not in ("", 0, None)}
        for key, default in (("lang", "nl"), ("gemeente", ALL_GEMEENTEN), ("kaart", "leeg")):
            if items.get(key) == default:
                items.pop(key)
        return "?" + urlencode(items)

    def url(self) -> str:
        return self.PATH + self.query()

    def with_changes(self, **changes: Any) -> MapView:
        return replace(self, **changes)

    @property
    def within(self) -> str | None:
        """The gemeente the map is limited to (None: the whole country, or gemeente level)."""
        return None if self.gemeente == ALL_GEMEENTEN or self.niveau == "gemeente" \
            else self.gemeente


def map_indicators(db: Store, subtheme: str) -> list[Indicator]:
    """Indicators of a subtheme that can be drawn on a map in some year."""
    return [i for i in db.indicators_for(subtheme) if db.map_years(i.id)]


# ------------------------------------------------------------------------ the map
def geometry_year(db: Store, view: MapView) -> int:
    """The boundary year the view is drawn on (its own indeling, or one with the same
    codes)."""
    found = db.geometry_year(view.indicator, view.jaar, view.niveau, view.within)
    return view.jaar if found is None else found


def geometry_key(db: Store, view: MapView) -> str:
    """What decides the map's shapes and frame: a new key means a whole new figure, the
    same key a values-only update."""
    return (f"{geometry_year(db, view)}|{view.jaar}|{view.niveau}|{view.gemeente}|"
            f"{view.kaart}|{view.lang}")


def map_bounds(db: Store, view: MapView) -> tuple[float, float, float, float] | None:
    """The box the map shows: the country, or the chosen gemeente."""
    year = geometry_year(db, view)
    if view.gemeente == ALL_GEMEENTEN:
        return db.bounds(year, view.niveau)
    return db.bounds(year, view.niveau, view.gemeente)


def selection(db: Store, view: MapView) -> pd.DataFrame:
    """The regions on the map: the level's regions, within the gemeente, with value."""
    frame = db.values(view.indicator, view.jaar, view.niveau)
    if view.within is not None:
        frame = frame[frame["gemeente_code"] == view.within]
    return frame.reset_index(drop=True)


def map_rows(db: Store, view: MapView) -> pd.DataFrame:
    """The map's regions as rows of its table and of its downloads: code, name,
    gemeente_code, gemeente_name, value, rank (1 = most favourable); ranked rows first,
    those without data after. The one table behind the grid, the CSV and the Excel file."""
    frame = selection(db, view)
    indicator = db.indicators[view.indicator]
    out = frame[["code", "name", "gemeente_code", "gemeente_name", "value"]].assign(
        rank=ranks(frame["value"], indicator.direction).astype("Int64"))
    return out.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)


def table_frame(db: Store, view: MapView) -> pd.DataFrame:
    """The grid's rows: map_rows as shown (values to 2 decimals)."""
    rows = map_rows(db, view)
    return pd.DataFrame({
        "code": rows["code"],
        "name": rows["name"],
        "gemeente_name": rows["gemeente_name"].fillna(""),
        "value": rows["value"].round(2),
        "rank": rows["rank"],
    })


def download_frame(db: Store, view: MapView) -> pd.DataFrame:
    """map_rows as a data file: full precision, with indicator, unit, year and level."""
    rows = map_rows(db, view)
    indicator = db.indicators[view.indicator]
    en = view.lang == "en"
    return pd.DataFrame({
        "code": rows["code"],
        "name" if en else "naam": rows["name"],
        "municipality_code" if en else "gemeente_code": rows["gemeente_code"],
        "municipality" if en else "gemeente": rows["gemeente_name"],
        "indicator_id": view.indicator,
        "value" if en else "waarde": rows["value"].astype(float),
        "unit" if en else "eenheid": indicator.unit.get(view.lang),
        "rank" if en else "positie": rows["rank"],
        "year" if en else "jaar": view.jaar,
        "level" if en else "niveau": view.niveau,
    })


def download_stem(view: MapView) -> str:
    where = "" if view.gemeente == ALL_GEMEENTEN else f"_{view.gemeente}"
    return f"kaart_{view.indicator}_{view.jaar}_{view.niveau}{where}"


# ---------------------------------------------------------------------- the panel
@dataclass(frozen=True)
class PanelRow:
    name: str
    code: str
    value: float | None


@dataclass(frozen=True)
class Panel:
    """Details of the view: the indicator, its source, and the chosen region against its
    gemeente and the Netherlands."""

    indicator: Indicator
    source_tables: tuple[str, ...]
    note: str | None  # the definition break of the series that covers the year
    drawn_on: int | None  # another year's boundaries the map is drawn on
    region: dict[str, Any] | None
    rows: tuple[PanelRow, ...] = ()


def panel(db: Store, view: MapView) -> Panel:
    indicator = db.indicators[view.indicator]
    found = indicator.series_for(view.jaar)
    note = found[1].note.get(view.lang) if found and found[1].note else None
    drawn = geometry_year(db, view)
    region = db.region(view.regio, view.jaar) if view.regio else None
    rows: list[PanelRow] = []
    if region is not None:
        rows.append(PanelRow(region["name"], view.regio,
                             db.value(view.indicator, view.jaar, view.regio)))
        gm = region["gemeente_code"]
        if gm and gm != view.regio:
            rows.append(PanelRow(region["gemeente_name"] or gm, gm,
                                 db.value(view.indicator, view.jaar, gm)))
        rows.append(PanelRow(t("nl", view.lang), LAND_CODE,
                             db.value(view.indicator, view.jaar, LAND_CODE)))
    return Panel(indicator, db.source_tables(view.indicator, view.jaar), note,
                 drawn if drawn != view.jaar else None, region, tuple(rows))


# --------------------------------------------------------------------- controls
@dataclass(frozen=True)
class Controls:
    thema: list[Option]
    indicator: list[Option]
    jaar: list[Option]
    niveau: list[Option]
    gemeente: list[Option]


def controls(db: Store, view: MapView) -> Controls:
    """The choices each control offers for this view."""
    lang = view.lang
    gemeenten = db.regions(view.jaar, "gemeente")
    by_name = sorted(zip(gemeenten["code"], gemeenten["name"], strict=True), key=lambda c: c[1])
    return Controls(
        thema=[Option(subtheme_label(s, lang), s) for s in SUBTHEMES if map_indicators(db, s)],
        indicator=[Option(i.label.get(lang), i.id) for i in map_indicators(db, view.thema)],
        jaar=[Option(str(y), y) for y in db.map_years(view.indicator)],
        niveau=[Option(level_label(lv, lang), lv)
                for lv in db.levels_for(view.indicator, view.jaar,
                                        None if view.gemeente == ALL_GEMEENTEN
                                        else view.gemeente)],
        gemeente=[Option(t("all_nl", lang), ALL_GEMEENTEN)]
        + [Option(name, code) for code, name in by_name],
    )


def changed(old: MapView, control: str, value: Any, db: Store) -> MapView | None:
    """The view after one control changed (validated like a URL); None when nothing
    changes. ``control`` is the name of the control or of the map/table click."""
    query: dict[str, Any] = dict(asdict(old))
    if control == "thema":
        query.update(thema=value, indicator="")
    elif control in ("indicator", "jaar", "niveau"):
        query[control] = value
    elif control == "gemeente":
        query.update(gemeente=value, regio="")
    elif control == "kaart":
        query["kaart"] = "osm" if value else "leeg"
    elif control == "search" and isinstance(value, str) and value:
        found = db.region(value.upper()[:12], old.jaar)
        if found is None:
            return None
        query.update(regio=found["code"], gemeente=found["gemeente_code"] or ALL_GEMEENTEN)
        if found["level"] == "gemeente":
            query["niveau"] = "wijk"
    elif control == "regio":
        query["regio"] = value if isinstance(value, str) else ""
    else:
        return None
    view, _ = MapView.from_query({k: str(v) for k, v in query.items()}, db)
    return None if view == old else view
