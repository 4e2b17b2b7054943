"""The NPLV monitor's view: the 20 focus areas side by side, per subtheme, each indicator
against the area's gemeente and the Netherlands, and how that gap changed.

URL (every parameter optional; anything unknown falls back to a default with a message)::

    /nplv?thema=werk_inkomen&sort=-inkomen_per_inwoner__nl&lang=en

``sort`` names a column of the overview (``area``, ``gemeente_name``, ``worse_gemeente``,
``worse_nl`` or ``<indicator>__value|gemeente|nl``), with ``-`` for descending.

The numbers: an area's figure is ``views.areas.area_values`` (members aggregated, one rule
for every page); the gemeente's and the national figure are those of the same year, and
the gemeente's only where its code covers the same area as in the area's indeling
(``Store.values_of``). Better or worse follows the indicator's direction on the values as
shown (``views.profile.benchmark_colour`` on ``display_round``). The change of a gap is
measured between the earliest and the latest year in which the area covers the same
territory (``version``), the indicator the same definition (``series``) and every member
has a figure; otherwise there is no change, and the reason is kept (boundaries,
definition, only one year, incomplete).
Absolute counts are left out: a count of an area says nothing against a whole gemeente.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlencode

import pandas as pd

from core.aggregation import Aggregate
from core.areas import Area, load_areas
from core.catalogue import SUBTHEMES, Indicator
from core.regions import LAND_CODE
from dashboard.data import Store
from dashboard.i18n import t
from dashboard.views.areas import area_values
from dashboard.views.common import Params
from dashboard.views.profile import (
    Row,
    benchmark_colour,
    display_round,
    profile_href,
    unavailable_reason,
)

DEFAULT_THEME = "werk_inkomen"
PARTS = ("value", "gemeente", "nl")  # per indicator: the value, the gap to each reference
FIXED_SORTS = ("area", "gemeente_name", "worse_gemeente", "worse_nl")
REFERENCES = ("gemeente", "nl")

#: One row per area and indicator (``monitor_frame``).
CELL_COLUMNS = [
    "area_id", "area", "gemeente_code", "gemeente_name", "indicator_id", "year",
    "region_year", "value", "reason", "members", "covered", "gemeente", "nl",
    "diff_gemeente", "ratio_gemeente", "judged_gemeente", "diff_nl", "ratio_nl", "judged_nl",
    "first_year", "change_gemeente", "trend_gemeente", "change_nl", "trend_nl", "no_change",
]


@dataclass(frozen=True)
class MonitorView:
    """What the monitor shows, as it appears in the URL."""

    PATH: ClassVar[str] = "/nplv"

    lang: str = "nl"
    thema: str = DEFAULT_THEME
    sort: str = ""  # "" = the areas in the file's order

    @classmethod
    def from_query(cls, query: Mapping[str, Any], db: Store) -> tuple[MonitorView, list[str]]:
        """A valid view from URL parameters, and the names of those it could not use."""
        params = Params(query)
        lang = params.lang()
        thema = params.get("thema")
        if thema not in SUBTHEMES:
            if thema:
                params.reject("thema")
            thema = DEFAULT_THEME
        sort = params.get("sort")
        if sort and sort.removeprefix("-") not in sort_fields(db, thema):
            params.reject("sort")
            sort = ""
        return cls(lang, thema, sort), params.rejected

    def params(self) -> dict[str, str]:
        """URL parameters (defaults left out, so links stay short)."""
        items = {"lang": self.lang} if self.lang != "nl" else {}
        if self.thema != DEFAULT_THEME:
            items["thema"] = self.thema
        if self.sort:
            items["sort"] = self.sort
        return items

    def query(self) -> str:
        params = self.params()
        return "?" + urlencode(params) if params else ""

    def url(self) -> str:
        return self.PATH + self.query()

    def with_changes(self, **changes: Any) -> MonitorView:
        return replace(self, **changes)


# ------------------------------------------------------------------------ indicators
def monitor_indicators(db: Store, thema: str) -> list[Indicator]:
    """The subtheme's indicators the monitor compares: all with figures, except absolute
    counts (catalogue order)."""
    return [i for i in db.indicators_for(thema) if i.aggregation != "sum"]


def left_out(db: Store, thema: str) -> list[Indicator]:
    """The subtheme's absolute counts, which the monitor leaves out."""
    return [i for i in db.indicators_for(thema) if i.aggregation == "sum"]


def sort_fields(db: Store, thema: str) -> list[str]:
    return [*FIXED_SORTS, *(f"{i.id}__{p}" for i in monitor_indicators(db, thema)
                            for p in PARTS)]


def sort_of(column_state: Any) -> str | None:
    """The view's ``sort`` from AG Grid's column state (``[{colId, sort}, …]``; "" when
    nothing is sorted, the first sorted column otherwise); None when it is not a list."""
    if not isinstance(column_state, list):
        return None
    for column in column_state:
        if isinstance(column, dict) and column.get("sort") in ("asc", "desc") \
                and isinstance(column.get("colId"), str):
            return ("-" if column["sort"] == "desc" else "") + column["colId"][:100]
    return ""


# ---------------------------------------------------------------------------- cells
def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _ratio(value: float | None, reference: float | None) -> float | None:
    if _missing(value) or _missing(reference) or float(reference) == 0:  # type: ignore[arg-type]
        return None
    return float(value) / float(reference)  # type: ignore[arg-type]


def _diff(value: float | None, reference: float | None) -> float | None:
    if _missing(value) or _missing(reference):
        return None
    return float(value) - float(reference)  # type: ignore[arg-type]


def trend(first_gap: float | None, last_gap: float | None) -> str | None:
    """Did the distance to the reference shrink (``narrowed``), grow (``widened``) or stay
    (``same``)? On the gaps as shown (rounded as every page rounds), so a difference no one
    can see is no change."""
    if _missing(first_gap) or _missing(last_gap):
        return None
    before, after = display_round(abs(first_gap)), display_round(abs(last_gap))  # type: ignore[arg-type]
    if before == after:
        return "same"
    return "narrowed" if after < before else "widened"  # type: ignore[operator]


References = dict[tuple[str, int, str], float]  # (indicator, year, code) → value


def references(db: Store, area: Area) -> References:
    """The gemeente's and the national figures, by indicator, year and code: only figures
    of the gemeente's code where it covers the same area as in the area's latest indeling
    (as the profile reads them, ``views.profile._value_at``: the first figure of a year)."""
    frame = db.values_of([area.gemeente, LAND_CODE], max(area.years))
    out: References = {}
    for key, value in zip(zip(frame["indicator_id"], frame["year"].astype(int), frame["code"],
                              strict=True), frame["value"], strict=True):
        out.setdefault(key, float(value))
    return out


def _cell(area: Area, gemeente_name: str, indicator: Indicator, frame: pd.DataFrame,
          refs: References) -> dict[str, Any]:
    frame = frame.sort_values("year")
    out: dict[str, Any] = dict.fromkeys(CELL_COLUMNS)
    out.update(area_id=area.id, area=area.name, gemeente_code=area.gemeente,
               gemeente_name=gemeente_name, indicator_id=indicator.id)
    if frame.empty:
        out.update(reason="no_values", no_change="no_value")
        return out
    latest = frame.iloc[-1]
    year = int(latest["year"])
    value = None if pd.isna(latest["value"]) else float(latest["value"])
    refs_now = {"gemeente": refs.get((indicator.id, year, area.gemeente)),
                "nl": refs.get((indicator.id, year, LAND_CODE))}
    out.update(year=year, region_year=int(latest["region_year"]), value=value,
               reason=latest["reason"] if isinstance(latest["reason"], str) else None,
               members=int(latest["members"]), covered=int(latest["covered"]), **refs_now)
    for ref, reference in refs_now.items():
        out[f"diff_{ref}"] = _diff(value, reference)
        out[f"ratio_{ref}"] = _ratio(value, reference)
        out[f"judged_{ref}"] = benchmark_colour(display_round(value),
                                                display_round(reference), indicator.direction)
    if value is None:
        out["no_change"] = "no_value"
        return out
    # The gap's change: only over years on the same territory and the same definition,
    # with a figure of every member (a mean over some members is about a smaller area).
    if out["covered"] != out["members"]:
        out["no_change"] = "incomplete"
        return out
    usable = frame[frame["value"].notna() & (frame["covered"] == frame["members"])]
    same = usable[(usable["version"] == latest["version"])
                  & (usable["series"] == latest["series"])]
    first = same.iloc[0]
    first_year = int(first["year"])
    if first_year == year:
        earlier = usable[usable["year"] < year]
        out["no_change"] = ("boundaries" if (earlier["version"] != latest["version"]).any()
                            else "definition" if (earlier["series"] != latest["series"]).any()
                            else "one_year")
        return out
    out["first_year"] = first_year
    for ref, code in (("gemeente", area.gemeente), ("nl", LAND_CODE)):
        then = refs.get((indicator.id, first_year, code))
        first_gap, last_gap = _diff(float(first["value"]), then), out[f"diff_{ref}"]
        out[f"change_{ref}"] = _diff(last_gap, first_gap)
        out[f"trend_{ref}"] = trend(first_gap, last_gap)
    return out


def monitor_frame(db: Store, thema: str, areas: Mapping[str, Area] | None = None
                  ) -> pd.DataFrame:
    """One row per area and indicator of the subtheme (``CELL_COLUMNS``): the latest
    year's value (NaN with ``reason`` where no honest figure exists), its gemeente and NL
    in that year, the difference (area − reference), the ratio (area / reference), the
    judgement (better/worse/same; None for neutral indicators), and the change of each
    gap since ``first_year`` with its trend, or ``no_change`` saying why there is none."""
    if areas is None:
        return _default_frame(db, thema).copy()
    return _frame(db, thema, areas)


@lru_cache(maxsize=16)
def _default_frame(db: Store, thema: str) -> pd.DataFrame:
    # The store is immutable and area_values is memoised per area: so is this.
    return _frame(db, thema, load_areas())


def _frame(db: Store, thema: str, areas: Mapping[str, Area]) -> pd.DataFrame:
    indicators = monitor_indicators(db, thema)
    rows = []
    for area in areas.values():
        values = area_values(db, area)
        by_indicator = dict(tuple(values.groupby("indicator_id", sort=False)))
        refs = references(db, area)
        region = db.region(area.gemeente, max(area.years)) or db.region(area.gemeente)
        gemeente_name = str(region["name"]) if region else area.gemeente
        empty = values.iloc[0:0]
        rows += [_cell(area, gemeente_name, i, by_indicator.get(i.id, empty), refs)
                 for i in indicators]
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


# ------------------------------------------------------------------------ overview
def reason_text(db: Store, cell: Any, lang: str) -> str | None:
    """Why an area has no figure for a cell, worded as the profile words it (None when it
    has one)."""
    if not _missing(cell.value):
        if _missing(cell.covered) or cell.covered == cell.members:
            return None
        return t("profile_coverage", lang, covered=int(cell.covered), members=int(cell.members))
    if not isinstance(cell.reason, str) or _missing(cell.members):
        return t("no_data", lang)
    row = Row(indicator=db.indicators[cell.indicator_id],
              year=None if _missing(cell.year) else int(cell.year), value=None, gemeente=None,
              nl=None, segments=[],
              aggregate=Aggregate(None, int(cell.members), int(cell.covered), cell.reason))
    return unavailable_reason(db, row, lang)


def counts(cells: pd.DataFrame, ref: str) -> tuple[int, int]:
    """(worse, judged): how many indicators are worse than the reference, of those that
    have a judgement (a direction, and both values)."""
    judged = cells[f"judged_{ref}"].dropna()
    return int((judged == "worse").sum()), len(judged)


def overview(db: Store, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per area for the grid: ``area`` (a markdown link to its profile), code,
    name, gemeente, how many indicators are worse than each reference (``worse_*`` of
    ``judged_*``), and per indicator its value and both gaps (``<id>__value``,
    ``<id>__gemeente``, ``<id>__nl``), the judgements (``<id>__j_gemeente``,
    ``<id>__j_nl``) and why a value is missing (``<id>__reason``)."""
    rows = []
    for area_id, cells in frame.groupby("area_id", sort=False):
        first = cells.iloc[0]
        row: dict[str, Any] = {
            "code": area_id, "name": first["area"],
            "area": f"[{first['area']}]({profile_href(str(area_id), lang)})",
            "gemeente_name": first["gemeente_name"]}
        for ref in REFERENCES:
            row[f"worse_{ref}"], row[f"judged_{ref}"] = counts(cells, ref)
        for cell in cells.itertuples(index=False):
            key = cell.indicator_id
            row.update({f"{key}__value": cell.value, f"{key}__gemeente": cell.diff_gemeente,
                        f"{key}__nl": cell.diff_nl, f"{key}__j_gemeente": cell.judged_gemeente,
                        f"{key}__j_nl": cell.judged_nl,
                        f"{key}__reason": reason_text(db, cell, lang)})
        rows.append(row)
    return pd.DataFrame(rows)


def _behind(first_gap: float, direction: str) -> bool:
    """Was the area on the unfavourable side of the reference?"""
    return first_gap > 0 if direction == "lower_better" else first_gap < 0


def _names(items: list[str], lang: str) -> str:
    """'a', 'a en b', 'a, b en c', 'a, b, c en 2 andere'."""
    shown = items[:3]
    rest = len(items) - len(shown)
    if rest:
        shown.append(t("monitor_others", lang, n=rest))
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f" {t('monitor_and', lang)} " + shown[-1]


def area_sentence(db: Store, cells: pd.DataFrame, lang: str) -> str:
    """One plain-language line about one area's indicators of the subtheme: how many are
    worse than its gemeente and than the Netherlands, and where the gap to the Netherlands
    (where the area was behind) narrowed or widened, since which year."""
    first = cells.iloc[0]
    worse_g, judged_g = counts(cells, "gemeente")
    worse_nl, judged_nl = counts(cells, "nl")
    if not (judged_g or judged_nl):
        return t("monitor_line_none", lang, area=first["area"])
    text = t("monitor_line", lang, area=first["area"], worse_g=worse_g, judged_g=judged_g,
             gemeente=first["gemeente_name"], worse_nl=worse_nl, judged_nl=judged_nl)
    moved: dict[str, list[str]] = {"narrowed": [], "widened": []}
    reasons: list[str] = []
    for cell in cells.itertuples(index=False):
        indicator = db.indicators[cell.indicator_id]
        if indicator.direction == "neutral" or _missing(cell.value):
            continue
        if _missing(cell.change_nl):
            reasons.append(str(cell.no_change))
            continue
        first_gap = float(cell.diff_nl) - float(cell.change_nl)
        if cell.trend_nl in moved and _behind(first_gap, indicator.direction):
            moved[cell.trend_nl].append(t("monitor_since", lang,
                                          name=indicator.label.get(lang).lower(),
                                          year=int(cell.first_year)))
    parts = [t(f"monitor_gap_{how}", lang, names=_names(names, lang))
             for how, names in moved.items() if names]
    if parts:
        moved_text = "; ".join(parts)
        text += " " + moved_text[0].upper() + moved_text[1:] + "."
    elif reasons and len(reasons) == judged_nl:
        # Every reason there is, the most frequent first.
        why = sorted(set(reasons), key=lambda r: (-reasons.count(r), r))
        text += " " + t("monitor_no_change", lang,
                        why="; ".join(t(f"monitor_why_{r}", lang) for r in why))
    return text


def sentences(db: Store, frame: pd.DataFrame, lang: str) -> list[tuple[str, str, str]]:
    """(area id, area name, its line) per area, in the file's order."""
    return [(str(area_id), str(cells["area"].iloc[0]), area_sentence(db, cells, lang))
            for area_id, cells in frame.groupby("area_id", sort=False)]


# ------------------------------------------------------------------ chart and table
def gap_table(db: Store, frame: pd.DataFrame, indicator_id: str, lang: str) -> pd.DataFrame:
    """One indicator's gaps to the Netherlands, one row per area (the chart's data and its
    table): area, code, year, value, nl, diff_nl, judged_nl, trend_nl, first_year,
    change_nl, and the reason or the judgement in words (``note``)."""
    cells = frame[frame["indicator_id"] == indicator_id]
    notes = []
    for cell in cells.itertuples(index=False):
        judged = cell.judged_nl if isinstance(cell.judged_nl, str) else None
        notes.append(reason_text(db, cell, lang)
                     or (t(f"monitor_judged_{judged}", lang) if judged else ""))
    return cells.assign(code=cells["area_id"], note=notes)[
        ["code", "area", "year", "value", "nl", "diff_nl", "judged_nl", "trend_nl",
         "first_year", "change_nl", "note"]].reset_index(drop=True)


# ------------------------------------------------------------------------ downloads
FILE_COLUMNS: dict[str, tuple[str, str]] = {  # cell column: (Dutch, English) header
    "area_id": ("focusgebied_id", "focus_area_id"), "area": ("focusgebied", "focus_area"),
    "gemeente_code": ("gemeente_code", "municipality_code"),
    "gemeente_name": ("gemeente", "municipality"), "indicator_id": ("indicator_id",) * 2,
    "indicator": ("indicator", "indicator"), "unit": ("eenheid", "unit"),
    "direction": ("richting", "direction"), "year": ("jaar", "year"),
    "region_year": ("indeling", "indeling"), "value": ("waarde", "value"),
    "why_missing": ("reden_geen_waarde", "why_no_value"),
    "covered": ("leden_met_waarde", "members_with_value"), "members": ("leden", "members"),
    "gemeente": ("waarde_gemeente", "value_municipality"), "nl": ("waarde_nl", "value_nl"),
    "diff_gemeente": ("verschil_gemeente", "difference_municipality"),
    "ratio_gemeente": ("verhouding_gemeente", "ratio_municipality"),
    "judged_gemeente": ("oordeel_gemeente", "judgement_municipality"),
    "diff_nl": ("verschil_nl", "difference_nl"), "ratio_nl": ("verhouding_nl", "ratio_nl"),
    "judged_nl": ("oordeel_nl", "judgement_nl"),
    "first_year": ("vergelijkbaar_sinds", "comparable_since"),
    "change_gemeente": ("verandering_verschil_gemeente", "change_difference_municipality"),
    "trend_gemeente": ("ontwikkeling_verschil_gemeente", "trend_difference_municipality"),
    "change_nl": ("verandering_verschil_nl", "change_difference_nl"),
    "trend_nl": ("ontwikkeling_verschil_nl", "trend_difference_nl"),
    "no_change": ("geen_verandering_omdat", "no_change_because"),
}


def download_frame(db: Store, view: MonitorView) -> pd.DataFrame:
    """The monitor as one long table (one row per area and indicator), headers and words
    in the view's language; numbers in full precision."""
    lang = view.lang
    frame = monitor_frame(db, view.thema)
    indicators = db.indicators

    def word(value: Any, prefix: str) -> Any:
        return t(f"{prefix}{value}", lang) if isinstance(value, str) else None

    out = frame.assign(
        indicator=[indicators[i].label.get(lang) for i in frame["indicator_id"]],
        unit=[indicators[i].unit.get(lang) for i in frame["indicator_id"]],
        direction=[t(indicators[i].direction, lang) for i in frame["indicator_id"]],
        why_missing=[reason_text(db, c, lang) for c in frame.itertuples(index=False)],
        **{f"judged_{r}": [word(v, "monitor_judged_") for v in frame[f"judged_{r}"]]
           for r in REFERENCES},
        **{f"trend_{r}": [word(v, "monitor_trend_") for v in frame[f"trend_{r}"]]
           for r in REFERENCES},
        no_change=[word(v, "monitor_why_") for v in frame["no_change"]],
    )
    index = 1 if lang == "en" else 0
    return out[list(FILE_COLUMNS)].rename(
        columns={k: v[index] for k, v in FILE_COLUMNS.items()})


def download_stem(view: MonitorView) -> str:
    return f"nplv-monitor_{view.thema}"


def download_hrefs(view: MonitorView) -> tuple[str, str, str]:
    """The monitor's table as files (/download/nplv.{csv,xlsx}): CSV, CSV for Dutch Excel,
    Excel."""
    params = {k: v for k, v in view.params().items() if k != "sort"}
    query = "?" + urlencode(params) if params else ""
    dutch = (query + "&" if query else "?") + "dialect=nl"
    return (f"/download/nplv.csv{query}", f"/download/nplv.csv{dutch}",
            f"/download/nplv.xlsx{query}")

