"""The map explorer's view: one indicator of one year at one level, on a map with a table.

URL (every parameter optional; anything unknown falls back to a default with a message)::

    /?thema=wonen&indicator=woz_waarde&jaar=2024&niveau=wijk&gemeente=GM0363&regio=WK036301
     &kaart=leeg&lang=en
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from core.areas import LEVEL as AREA_LEVEL
from core.areas import Area
from core.catalogue import SUBTHEMES, Indicator
from core.ranking import rankable, ranks
from core.regions import ALL_GEMEENTEN, LAND_CODE, MAP_LEVELS
from core.sources import YEARS as KNOWN_YEARS
from core.sources import cite
from dashboard.data import Store
from dashboard.i18n import level_label, subtheme_label, t
from dashboard.views.areas import area_of, area_values
from dashboard.views.common import Option, Params

DEFAULT_SUBTHEME = "wonen"
DEFAULT_LEVEL = "wijk"
BASEMAPS = ("pdok", "leeg")
DEFAULT_BASEMAP = "pdok"  # the BRT achtergrondkaart where it can be reached (assets/basemap.js)


@dataclass(frozen=True)
class MapView:
    """What the map shows. ``jaar`` and ``niveau`` are the year and level drawn; where the
    person asked for another one that this indicator does not have (``asked_jaar``,
    ``asked_niveau``), the wish is kept in the URL, said on the page, and honoured again as
    soon as it can be."""

    PATH: ClassVar[str] = "/"

    lang: str = "nl"
    thema: str = DEFAULT_SUBTHEME
    indicator: str = ""
    jaar: int = 0
    niveau: str = DEFAULT_LEVEL
    gemeente: str = ALL_GEMEENTEN
    regio: str = ""
    kaart: str = DEFAULT_BASEMAP  # "pdok" (the BRT achtergrondkaart, online) or "leeg"
    asked_jaar: int = 0  # the year asked for, where it is not the year shown
    asked_niveau: str = ""  # the level asked for, where it is not the level shown

    @classmethod
    def from_query(cls, query: Mapping[str, Any], db: Store) -> tuple[MapView, list[str]]:
        """A valid view from URL parameters, and the names of the parameters rejected
        (malformed or unknown values; a known year or level that this indicator lacks is
        not rejected but kept as a wish)."""
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
            thema = next((s for s in SUBTHEMES if map_indicators(db, s)), thema)
            choices = map_indicators(db, thema)
        if indicator_id and indicator_id not in {i.id for i in choices}:
            params.reject("indicator")  # it has no values that can be drawn
            indicator_id = ""
        if not indicator_id:
            # A store without any shapes draws nothing: show its first indicator's table.
            fallback = db.catalogue.for_subtheme(thema) or list(db.indicators.values())
            indicator_id = (choices or fallback)[0].id

        years = db.map_years(indicator_id) or db.years_for(indicator_id) or list(KNOWN_YEARS)
        raw_year = params.get("jaar")
        asked_year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else 0
        if raw_year and asked_year not in KNOWN_YEARS:
            params.reject("jaar")
            asked_year = 0
        year = asked_year if asked_year in years else nearest(years, asked_year)

        gemeente = params.get("gemeente").upper() or ALL_GEMEENTEN
        if gemeente != ALL_GEMEENTEN:
            found = db.region(gemeente, year) if len(gemeente) <= 12 else None
            if found is None or found["level"] != "gemeente":
                params.reject("gemeente")
                gemeente = ALL_GEMEENTEN

        levels = db.levels_for(indicator_id, year,
                               None if gemeente == ALL_GEMEENTEN else gemeente)
        asked_level = params.get("niveau")
        if asked_level and asked_level not in MAP_LEVELS:
            params.reject("niveau")
            asked_level = ""
        if asked_level in levels:
            niveau = asked_level
        else:
            niveau = DEFAULT_LEVEL if DEFAULT_LEVEL in levels or not levels else levels[0]

        regio = params.get("regio").upper()
        area = area_of(regio)  # a focus area: its members are outlined (selected_codes)
        readable_area = area is not None and area.indeling_for(year) is not None
        if regio and not readable_area and (len(regio) > 12 or db.region(regio, year) is None):
            params.reject("regio")
            regio = ""

        kaart = params.get("kaart") or DEFAULT_BASEMAP
        if kaart == "osm":  # links from before the PDOK background map
            kaart = DEFAULT_BASEMAP
        if kaart not in BASEMAPS:
            params.reject("kaart")
            kaart = DEFAULT_BASEMAP
        view = cls(lang, thema, indicator_id, year, niveau, gemeente, regio, kaart,
                   asked_year if asked_year and asked_year != year else 0,
                   asked_level if asked_level and asked_level != niveau else "")
        return view, params.rejected

    def query(self) -> str:
        """The URL query for this view (defaults left out, so links stay short); the year
        and level as asked, so a wish outlives a view that could not grant it."""
        items = {k: v for k, v in asdict(self).items()
                 if v not in ("", 0, None) and not k.startswith("asked_")}
        items["jaar"] = self.asked_jaar or self.jaar
        items["niveau"] = self.asked_niveau or self.niveau
        defaults = {"lang": "nl", "gemeente": ALL_GEMEENTEN, "kaart": DEFAULT_BASEMAP}
        for key, default in defaults.items():
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

    @property
    def selected(self) -> str:
        """The region picked out on the map, in the table and in the panel: the one
        clicked, or at gemeente level the gemeente chosen."""
        if self.regio:
            return self.regio
        return self.gemeente if self.niveau == "gemeente" and self.gemeente != ALL_GEMEENTEN \
            else ""


def nearest(years: list[int], wanted: int) -> int:
    """The year closest to the one wanted (the latest when none was wanted, or on a tie)."""
    if not wanted:
        return max(years)
    return min(years, key=lambda y: (abs(y - wanted), -y))


def notices(view: MapView, lang: str) -> list[str]:
    """What the app changed for the person, in words (and why)."""
    out = []
    if view.asked_jaar:
        out.append(t("notice_year", lang, asked=view.asked_jaar, shown=view.jaar))
    if view.asked_niveau:
        out.append(t("notice_level", lang, asked=level_label(view.asked_niveau, lang).lower(),
                     shown=level_label(view.niveau, lang).lower(), year=view.jaar))
    return out


def map_indicators(db: Store, subtheme: str) -> list[Indicator]:
    """Indicators of a subtheme that can be drawn on a map in some year."""
    return [i for i in db.indicators_for(subtheme) if db.map_years(i.id)]


# ------------------------------------------------------------------------ the map
def geometry_year(db: Store, view: MapView) -> int:
    """The boundary year the view is drawn on (its own indeling, or one with the same
    codes)."""
    found = db.geometry_year(view.indicator, view.jaar, view.niveau, view.within)
    return view.jaar if found is None else found


# The national map's boundaries (coarser, boundary_geojson.overview): a whole layer on one
# screen needs no detail below a pixel, and drawing it takes the browser far less time.
# assets/detail.js swaps in the full ones (/geo/{year}/{level}.json) once the person zooms in.
OVERVIEW_PREFIX = "/geo/overzicht/"


def geometry_url(db: Store, view: MapView) -> str:
    """The URL of the boundaries the view is drawn on: the overview for the whole country,
    the full shapes within a gemeente."""
    year = geometry_year(db, view)
    if view.gemeente == ALL_GEMEENTEN:
        return f"{OVERVIEW_PREFIX}{year}/{view.niveau}.json"
    return f"/geo/{year}/{view.niveau}.json"


def geometry_key(db: Store, view: MapView) -> str:
    """What decides the map's shapes and frame: a new key means a whole new figure, the
    same key a values-only update."""
    indeling = db.indeling(view.indicator, view.jaar, view.niveau)
    return (f"{geometry_year(db, view)}|{indeling}|{view.jaar}|{view.niveau}|"
            f"{view.gemeente}|{view.kaart}|{view.lang}")


def map_title(db: Store, view: MapView) -> str:
    """What the map shows, on the map: 'Koopwoningen (%) · 2024 · wijken · Amsterdam'."""
    lang = view.lang
    indicator = db.indicators[view.indicator]
    where = t("all_nl", lang)
    if view.gemeente != ALL_GEMEENTEN:
        found = db.region(view.gemeente, view.jaar)
        where = found["name"] if found else view.gemeente
    return (f"{indicator.label.get(lang)} ({indicator.unit.get(lang)}) · {view.jaar} · "
            f"{level_label(view.niveau, lang).lower()} · {where}")


def map_source(db: Store, view: MapView) -> str:
    """The source line on the map: publisher and tables of the figures, and the boundaries."""
    credits = [cite(db.source_tables(view.indicator, view.jaar), view.lang, view.jaar),
               t("boundaries_credit", view.lang, year=geometry_year(db, view))]
    if view.kaart == "pdok":
        credits.append(t("basemap_credit", view.lang))
    return "; ".join(credits)


def selected_area(view: MapView) -> Area | None:
    """The focus area picked out on the map, if the selection is one."""
    return area_of(view.regio)


def selected_codes(db: Store, view: MapView) -> tuple[str, ...]:
    """The regions outlined on the map and marked in the table: the selected region, or the
    regions of the level that make up (or touch) the selected focus area in the indeling of
    the figures: its wijken, its buurten (those of whole member wijken too), or its
    gemeente."""
    area = selected_area(view)
    if area is None:
        return (view.selected,) if view.selected else ()
    indeling = area.indeling_for(db.indeling(view.indicator, view.jaar, view.niveau)
                                 or view.jaar)
    if indeling is None:
        return ()
    if view.niveau == "gemeente":
        return (area.gemeente,)
    if view.niveau == "wijk":
        return area.wijken_in(indeling)
    codes = regions_frame(db, view)["code"]
    return tuple(c for c in codes if area.contains(c, indeling))


def row_class_rules(db: Store, view: MapView) -> dict[str, str]:
    """The table's rule that marks the selected rows (AG Grid evaluates it per row)."""
    # The codes are validated against the store, so they are safe inside the expression.
    codes = json.dumps(list(selected_codes(db, view)))
    return ({"selected-region": f"params.data && {codes}.includes(params.data.code)"}
            if view.selected else {})


def selected_index(db: Store, view: MapView) -> int | None:
    """Where the (first) selected region is in the table as first shown (to scroll to it)."""
    chosen = selected_codes(db, view)
    if not chosen:
        return None
    codes = map_rows(db, view)["code"].tolist()
    return next((codes.index(c) for c in codes if c in chosen), None)


def map_bounds(db: Store, view: MapView) -> tuple[float, float, float, float] | None:
    """The box the map shows: the country, or the chosen gemeente."""
    year = geometry_year(db, view)
    if view.gemeente == ALL_GEMEENTEN:
        return db.bounds(year, view.niveau)
    return db.bounds(year, view.niveau, view.gemeente)


def regions_frame(db: Store, view: MapView) -> pd.DataFrame:
    """The view's regions: the level's regions of the figures' indeling, within the
    gemeente, with their value (NaN: none). The table and the downloads list all of them."""
    frame = db.values(view.indicator, view.jaar, view.niveau)
    if view.within is not None:
        frame = frame[frame["gemeente_code"] == view.within]
    return frame.reset_index(drop=True)


def selection(db: Store, view: MapView) -> pd.DataFrame:
    """The regions on the map. On the shapes of their own indeling all of them; on another
    year's shapes only those that are the same area there (a shape of another area must
    never carry their colour); the others are in the table only."""
    frame = regions_frame(db, view)
    layer = geometry_year(db, view)
    indeling = db.indeling(view.indicator, view.jaar, view.niveau)
    if indeling is None or layer == indeling:
        return frame
    shapes = db.boundary_codes(layer, view.niveau)
    keep = [code in shapes and db.same_area(code, indeling, layer) for code in frame["code"]]
    return frame[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True)


def map_rows(db: Store, view: MapView) -> pd.DataFrame:
    """The map's regions as rows of its table and of its downloads: code, name,
    gemeente_code, gemeente_name, value, rank (1 = most favourable); ranked rows first,
    those without data after. The one table behind the grid, the CSV and the Excel file."""
    frame = regions_frame(db, view)
    indicator = db.indicators[view.indicator]
    rank = ranks(frame["value"], indicator.direction)
    out = frame[["code", "name", "gemeente_code", "gemeente_name", "value"]].assign(
        rank=rank.astype("Int64"))
    out = out.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)
    if not rankable(indicator):
        out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")  # order kept, no position
    return out


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
    drawn_on: tuple[int, int, int] | None  # another year's shapes: (year, drawn, regions)
    region: dict[str, Any] | None
    rows: tuple[PanelRow, ...] = ()


def panel(db: Store, view: MapView) -> Panel:
    indicator = db.indicators[view.indicator]
    found = indicator.series_for(view.jaar)
    note = found[1].note.get(view.lang) if found and found[1].note else None
    drawn = geometry_year(db, view)
    code = view.selected
    area = selected_area(view)
    region = db.region(code, view.jaar) if code and area is None else None
    rows: list[PanelRow] = []
    if area is not None:
        value = area_values(db, area, view.jaar)
        value = value.loc[value["indicator_id"] == view.indicator, "value"].dropna()
        gemeente = db.region(area.gemeente, view.jaar) or db.region(area.gemeente) or {}
        region = {"name": area.name, "code": area.id, "level": AREA_LEVEL,
                  "gemeente_code": area.gemeente,
                  "gemeente_name": gemeente.get("name", area.gemeente)}
        rows.append(PanelRow(area.name, area.id,
                             float(value.iloc[0]) if len(value) else None))
    if region is not None:
        if area is None:
            rows.append(PanelRow(region["name"], code,
                                 db.value(view.indicator, view.jaar, code)))
        gm = region["gemeente_code"]
        if gm and gm != code:
            rows.append(PanelRow(region["gemeente_name"] or gm, gm,
                                 db.value(view.indicator, view.jaar, gm)))
        rows.append(PanelRow(t("nl", view.lang), LAND_CODE,
                             db.value(view.indicator, view.jaar, LAND_CODE)))
    drawn_on = None
    if drawn != db.indeling(view.indicator, view.jaar, view.niveau):
        all_regions = regions_frame(db, view)
        drawn_on = (drawn, len(selection(db, view)), len(all_regions))
    return Panel(indicator, db.source_tables(view.indicator, view.jaar), note,
                 drawn_on, region, tuple(rows))


# --------------------------------------------------------------------- controls
@dataclass(frozen=True)
class Controls:
    thema: list[Option]
    indicator: list[Option]
    jaar: list[Option]
    niveau: list[Option]
    gemeente: list[Option]


def controls(db: Store, view: MapView) -> Controls:
    """The choices each control offers for this view: every subtheme, every indicator of
    the subtheme and every level, those this view cannot show greyed with the reason."""
    lang = view.lang
    gemeenten = db.regions(view.jaar, "gemeente")
    by_name = sorted(zip(gemeenten["code"], gemeenten["name"], strict=True), key=lambda c: c[1])
    within = None if view.gemeente == ALL_GEMEENTEN else view.gemeente
    levels = db.levels_for(view.indicator, view.jaar, within)
    return Controls(
        thema=[Option(subtheme_label(s, lang), s, disabled=not map_indicators(db, s),
                      title=None if map_indicators(db, s) else t("no_map_indicators", lang))
               for s in SUBTHEMES],
        indicator=[indicator_option(db, i, view) for i in db.catalogue.for_subtheme(view.thema)],
        jaar=[Option(str(y), y) for y in db.map_years(view.indicator)],
        niveau=[Option(level_label(lv, lang), lv, disabled=lv not in levels,
                       title=None if lv in levels else level_reason(db, view, lv))
                for lv in MAP_LEVELS],
        gemeente=[Option(t("all_nl", lang), ALL_GEMEENTEN)]
        + [Option(name, code) for code, name in by_name],
    )


def indicator_option(db: Store, indicator: Indicator, view: MapView) -> Option:
    """An indicator as a choice: plain when this year and level have it; greyed with the
    years it does have (choosing it goes there); disabled, with the reason, when it has
    nothing to draw at all."""
    lang = view.lang
    label = indicator.label.get(lang)
    years = db.map_years(indicator.id)
    if not years:
        return Option(label, indicator.id, disabled=True, note=t("option_no_data", lang),
                      title=missing_reason(db, indicator.id, lang))
    if view.jaar in years and view.niveau in db.levels_for(indicator.id, view.jaar):
        return Option(label, indicator.id)
    where = ", ".join(
        f"{y} ({', '.join(level_label(lv, lang).lower() for lv in db.levels_for(indicator.id, y))})"
        for y in years)
    return Option(label, indicator.id, note=t("option_elsewhere", lang, where=where),
                  title=t("option_not_here", lang, year=view.jaar,
                          level=level_label(view.niveau, lang).lower()))


def missing_reason(db: Store, indicator_id: str, lang: str) -> str:
    """Why an indicator has no map at all: the ETL's reason for its latest year, or that
    the store has values but no boundaries to draw them on."""
    if db.years_for(indicator_id):
        return t("option_no_boundaries", lang)
    av = db.availability()
    reasons = av[(av["indicator_id"] == indicator_id) & av["reason"].notna()]
    if reasons.empty:
        return t("option_no_data", lang)
    latest = reasons.sort_values("year").iloc[-1]
    return f"{int(latest['year'])}: {latest['reason']}"


def level_reason(db: Store, view: MapView, level: str) -> str:
    lang = view.lang
    if level not in db.levels_with_values(view.indicator, view.jaar):
        return t("level_no_values", lang, year=view.jaar)
    return t("level_no_boundaries", lang, year=view.jaar)


def changed(old: MapView, control: str, value: Any, db: Store) -> MapView | None:
    """The view after one control changed (validated like a URL); None when nothing
    changes. ``control`` is the name of the control, or "regio" for a map or table click.
    The old view's wishes (year, level) travel along."""
    query: dict[str, str] = dict(parse_qsl(old.query()[1:]))
    if control == "thema":
        query["thema"] = str(value)
        query.pop("indicator", None)
    elif control in ("indicator", "jaar", "niveau"):
        query[control] = str(value)
    elif control == "gemeente":
        query.update(gemeente=str(value))
        query.pop("regio", None)
    elif control == "kaart":
        query["kaart"] = "pdok" if value else "leeg"
    elif control == "search" and isinstance(value, str) and value:
        area = area_of(value)
        if area is not None:
            # A focus area: its gemeente's wijken, the area's outlined.
            query.update(regio=area.id, gemeente=area.gemeente, niveau="wijk")
            view, _ = MapView.from_query(query, db)
            return None if view == old else view
        found = db.region(value.upper()[:12], old.jaar)
        if found is None:
            return None
        query.update(regio=found["code"], gemeente=found["gemeente_code"] or ALL_GEMEENTEN)
        if found["level"] == "gemeente":
            query.update(niveau="wijk")
            query.pop("regio", None)
    elif control == "regio":
        query["regio"] = value if isinstance(value, str) else ""
    else:
        return None
    view, _ = MapView.from_query(query, db)
    return None if view == old else view


def download_hrefs(view: MapView) -> tuple[str, str, str]:
    """The map's table as files: the same view, served by /download/kaart.{csv,xlsx}; the
    CSV also as Dutch Excel reads it (';' between fields, ',' in numbers)."""
    query = view.query()
    return (f"/download/kaart.csv{query}", f"/download/kaart.csv{query}&dialect=nl",
            f"/download/kaart.xlsx{query}")


def table_focus(db: Store, view: MapView) -> dict[str, Any]:
    """Which row of the table to show: the selected region's (None: the first page)."""
    return {"url": view.url(), "index": selected_index(db, view)}


def clicked(trigger: str, click: Any, cell: Any) -> Any:
    """The region code a map click or a table click (also Enter/Space on a table row, see
    assets/keyboard.js) names (untrusted; the view validates it)."""
    if trigger == "map" and isinstance(click, dict):
        points = click.get("points")
        point = points[0] if isinstance(points, list) and points else None
        return point.get("location") if isinstance(point, dict) else None
    if isinstance(cell, dict) and trigger == "table.cellClicked":
        return cell.get("rowId")
    return None
