"""The compare page's view: areas side by side, a ranking of wijken, a scatter of two
indicators, and the frames people download.

URL (every parameter optional; anything unknown falls back to a default with a message)::

    /vergelijken?regios=GM0363,WK0363AE,BU0363AE01,NPLV-AMSTERDAM-ZUIDOOST&jaar=2024&thema=wonen
                &ranking=woz_waarde&gemeente=GM0363&x=woz_waarde&y=koopwoningen&lang=en
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import urlencode

import pandas as pd

from core.areas import is_area_id
from core.catalogue import SUBTHEMES, Indicator
from core.ranking import percentiles, ranks
from core.regions import ALL_GEMEENTEN, AREA_CODE_RE, LAND_CODE, MAP_LEVELS
from dashboard.data import Store
from dashboard.i18n import format_number, subtheme_label, t
from dashboard.views import search
from dashboard.views.areas import area_index, area_of, area_values, index_with_areas
from dashboard.views.common import Option, Params
from dashboard.views.search import region_label

ALL_THEMES = "alle"  # the theme control's value for "all themes" (the URL leaves thema out)
MIN_REGIONS = 2
MAX_AREA_ID = 40  # the longest focus-area id is 27 characters; anything longer is not one
MAX_REGIONS = 8
# Preferred scatter axes, when the store has them at wijk level in the year.
SCATTER_DEFAULTS: tuple[str, ...] = ("woz_waarde", "koopwoningen", "inkomen_per_inwoner")


@dataclass(frozen=True)
class CompareView:
    """Everything the compare page shows, as it appears in the URL."""

    PATH: ClassVar[str] = "/vergelijken"

    lang: str = "nl"
    regios: tuple[str, ...] = ()
    jaar: int = 0
    thema: str = ""  # "" = all subthemes
    ranking: str = ""  # indicator id of the ranking
    gemeente: str = ALL_GEMEENTEN  # the wijken of the ranking and the scatter
    x: str = ""
    y: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, Any], db: Store
                   ) -> tuple[CompareView, list[str], RegionSelection]:
        """A valid view from URL parameters, the names of rejected parameters, and the
        region selection (with the codes that were left out)."""
        params = Params(query)
        lang = params.lang()

        years = compare_years(db)
        raw_year = params.get("jaar")
        year = int(raw_year) if re.fullmatch(r"[0-9]{4}", raw_year) else 0
        if year not in years:
            if raw_year:
                params.reject("jaar")
            year = default_year(db)

        index = regions_and_areas(db, year)
        selection = validate_selection(params.get("regios"), set(index["code"]))
        if selection.unknown:
            params.reject("regios")

        thema = params.get("thema")
        if thema and thema not in SUBTHEMES:
            params.reject("thema")
            thema = ""

        wijk_ids = [i.id for i in indicators_at(db, year, "wijk")]

        def indicator_param(name: str, fallback: Sequence[str]) -> str:
            value = params.get(name)
            if value and value in wijk_ids:
                return value
            if value:
                params.reject(name)
            return next((f for f in fallback if f in wijk_ids), "")

        themed = [i.id for i in indicators_at(db, year, "wijk", thema)]
        ranking = indicator_param("ranking", [*themed, *wijk_ids])
        x = indicator_param("x", [*SCATTER_DEFAULTS, *wijk_ids])
        y = indicator_param("y", [*[s for s in SCATTER_DEFAULTS if s != x],
                                  *[i for i in wijk_ids if i != x], x])

        gemeente = params.get("gemeente").upper()
        gemeenten = set(index.loc[index["level"] == "gemeente", "code"])
        if gemeente and gemeente != ALL_GEMEENTEN and gemeente not in gemeenten:
            params.reject("gemeente")
            gemeente = ""
        if not gemeente:
            # The gemeente of the first chosen area, else all of the Netherlands.
            first = index[index["code"].isin(selection.codes[:1])]
            gemeente = str(first["gemeente_code"].iloc[0]) if len(first) else ALL_GEMEENTEN

        view = cls(lang, selection.codes, year, thema, ranking, gemeente, x, y)
        return view, params.rejected, selection

    def params(self) -> dict[str, str]:
        """URL parameters (defaults left out, so links stay short)."""
        items: dict[str, str] = {}
        if self.lang != "nl":
            items["lang"] = self.lang
        if self.regios:
            items["regios"] = ",".join(self.regios)
        for key in ("jaar", "thema", "ranking", "gemeente", "x", "y"):
            value = getattr(self, key)
            if value in ("", 0, None) or (key == "gemeente" and value == ALL_GEMEENTEN):
                continue
            items[key] = str(value)
        return items

    def query(self) -> str:
        params = self.params()
        return "?" + urlencode(params, safe=",") if params else ""

    def url(self) -> str:
        return self.PATH + self.query()

    def with_changes(self, **changes: Any) -> CompareView:
        return replace(self, **changes)


@dataclass(frozen=True)
class RegionSelection:
    """The outcome of checking the codes someone asked for."""

    codes: tuple[str, ...]  # valid, unique, in order, at most MAX_REGIONS
    unknown: tuple[str, ...] = ()  # malformed or not a region in the year
    excess: tuple[str, ...] = ()  # valid but beyond MAX_REGIONS

    @property
    def enough(self) -> bool:
        return len(self.codes) >= MIN_REGIONS


def regions_and_areas(db: Store, year: int) -> pd.DataFrame:
    """The regions of a year's indeling and the focus areas that can be read on it: what
    can be compared (code, level, name, gemeente_code, gemeente_name)."""
    return pd.concat([db.regions(year), area_index(db, year)], ignore_index=True)


def region_options(db: Store, view: CompareView, text: str | None = "",
                   selected: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The area search box's options for what is typed: regions and focus areas, the
    chosen ones kept listed."""
    return search.options(index_with_areas(db, view.jaar), text, view.lang,
                          view.regios if selected is None else selected, search.WITH_AREAS)


def split_codes(raw: str | Iterable[str] | None) -> list[str]:
    """'GM0363, wk0363ae,,GM0363' → ['GM0363', 'WK0363AE', 'GM0363'] (order kept)."""
    if isinstance(raw, str):
        parts: list[Any] = raw.split(",")
    elif isinstance(raw, list | tuple):
        parts = list(raw)
    else:
        return []
    return [p.strip().upper() for p in parts if isinstance(p, str) and p.strip()]


def validate_selection(raw: str | Iterable[str] | None, known: set[str]) -> RegionSelection:
    """Keep well-formed codes (regions, and focus areas ``NPLV-…``) that exist (``known``),
    drop duplicates, cap at MAX_REGIONS."""
    codes: list[str] = []
    unknown: list[str] = []
    for code in split_codes(raw):
        if code in codes or code in unknown:
            continue
        well_formed = (len(code) <= 10 and AREA_CODE_RE.fullmatch(code)) or (
            len(code) <= MAX_AREA_ID and is_area_id(code))
        if not well_formed or code not in known:
            unknown.append(code[:MAX_AREA_ID])
        else:
            codes.append(code)
    return RegionSelection(tuple(codes[:MAX_REGIONS]), tuple(unknown),
                           tuple(codes[MAX_REGIONS:]))


def compare_years(db: Store) -> list[int]:
    av = db.available()
    return sorted({int(y) for y in av.loc[av["level"].isin(MAP_LEVELS), "year"]})


def default_year(db: Store) -> int:
    """The year in which the most indicators have values below land level (latest on ties)."""
    av = db.available()
    below = av[av["level"].isin(MAP_LEVELS)]
    counts = below.groupby("year")["indicator_id"].nunique()
    if counts.empty:
        return 0
    best = counts.max()
    return int(max(int(y) for y, n in counts.items() if n == best))


def indicators_at(db: Store, year: int, level: str, subtheme: str = "") -> list[Indicator]:
    """Indicators with values at a level in a year (catalogue order), optionally of a theme."""
    av = db.available()
    have = set(av.loc[(av["year"] == year) & (av["level"] == level), "indicator_id"])
    return [i for i in db.indicators.values()
            if i.id in have and (not subtheme or i.subtheme == subtheme)]


CONTROLS = ("regios", "jaar", "thema", "ranking", "gemeente", "x", "y")


def changed(old: CompareView, control: str, value: Any, db: Store
            ) -> tuple[CompareView, RegionSelection]:
    """The view after one control changed, validated like a URL, and its selection."""
    query = {**old.params(), "gemeente": old.gemeente}
    if control == "regios":
        query["regios"] = ",".join(split_codes(value))
    elif control == "thema":
        query["thema"] = "" if value in (None, ALL_THEMES) else str(value)
    else:
        query[control] = str(value or "")
    view, _, selection = CompareView.from_query(query, db)
    return view, selection


@dataclass(frozen=True)
class ChangedParts:
    """Which parts of the page a change of view touches."""

    year: bool
    compare: bool
    ranking: bool
    scatter: bool


def changed_parts(old: CompareView, new: CompareView, selection: RegionSelection
                  ) -> ChangedParts:
    def differ(*fields: str) -> bool:
        return any(getattr(old, f) != getattr(new, f) for f in fields)

    return ChangedParts(
        year=differ("jaar"),
        # After a too-long selection or a year without some areas, show the message anyway.
        compare=differ("regios", "jaar", "thema") or bool(selection.excess or selection.unknown),
        ranking=differ("ranking", "gemeente", "jaar", "regios"),
        scatter=differ("x", "y", "gemeente", "jaar", "regios"),
    )


@dataclass(frozen=True)
class Controls:
    years: list[Option]
    themes: list[Option]
    indicators: list[Option]  # of the ranking and the scatter axes: wijk level in the year
    gemeenten: list[Option]


def controls(db: Store, view: CompareView) -> Controls:
    """The choices each control of the page offers for this view."""
    lang = view.lang
    gemeenten = db.regions(view.jaar, "gemeente").sort_values("name")
    have = set(db.available()["indicator_id"])
    return Controls(
        years=[Option(str(y), y) for y in compare_years(db)],
        themes=[Option(t("all_themes", lang), ALL_THEMES)]
        + [Option(subtheme_label(s, lang), s) for s in SUBTHEMES
           if any(i.id in have for i in db.catalogue.for_subtheme(s))],
        indicators=[Option(f"{i.label.get(lang)} ({subtheme_label(i.subtheme, lang)})", i.id)
                    for i in indicators_at(db, view.jaar, "wijk")],
        gemeenten=[Option(t("all_nl", lang), ALL_GEMEENTEN)]
        + [Option(n, c) for c, n in zip(gemeenten["code"], gemeenten["name"], strict=True)],
    )


# ---------------------------------------------------------------------- region labels
def region_labels(index: pd.DataFrame, codes: Sequence[str], lang: str) -> dict[str, str]:
    """Labels of the chosen codes (and NL) for column headers."""
    rows = index.set_index("code")
    labels: dict[str, str] = {}
    for code in codes:
        if code == LAND_CODE:
            labels[code] = t("nl", lang)
        elif code in rows.index:
            row = rows.loc[code]
            labels[code] = region_label(row["level"], row["name"], row["gemeente_name"], lang)
        else:
            labels[code] = code
    return labels


def short_labels(index: pd.DataFrame, codes: Sequence[str], lang: str) -> dict[str, str]:
    """Names for chart axes; the code is added where two chosen areas share a name."""
    names = index.set_index("code")["name"].to_dict()
    plain = {c: (t("nl", lang) if c == LAND_CODE else str(names.get(c, c))) for c in codes}
    counts = pd.Series(list(plain.values())).value_counts()
    return {c: (f"{n} ({c})" if counts[n] > 1 else n) for c, n in plain.items()}


# ------------------------------------------------------------------ side-by-side tables
def compare_table(values: pd.DataFrame, indicators: Sequence[Indicator],
                  codes: Sequence[str], lang: str) -> pd.DataFrame:
    """One row per indicator (in the given order) with a value for any of the codes; the
    columns indicator_id, indicator, unit, then one per code (NaN = no data)."""
    wide = values.pivot_table(index="indicator_id", columns="code", values="value",
                              aggfunc="first") if len(values) else pd.DataFrame()
    rows = []
    for ind in indicators:
        if ind.id not in wide.index:
            continue
        row: dict[str, Any] = {"indicator_id": ind.id, "indicator": ind.label.get(lang),
                               "unit": ind.unit.get(lang)}
        for code in codes:
            v = wide.at[ind.id, code] if code in wide.columns else float("nan")
            row[code] = float(v) if pd.notna(v) else float("nan")
        if any(pd.notna(row[c]) for c in codes):
            rows.append(row)
    return pd.DataFrame(rows, columns=["indicator_id", "indicator", "unit", *codes])


def table_sources(values: pd.DataFrame, indicator_ids: Iterable[str]) -> list[str]:
    """The source tables behind these indicators' values."""
    ids = set(indicator_ids)
    return sorted({str(s) for i, s in zip(values["indicator_id"], values["source_table"],
                                          strict=True) if i in ids and isinstance(s, str)})


def compare_values(db: Store, view: CompareView) -> pd.DataFrame:
    """The values of the chosen areas and NL in the year (regions of that year's indeling,
    so figures on another indeling count only where the code covers the same area; focus
    areas aggregated from their members, see views.areas)."""
    regions = [c for c in view.regios if not is_area_id(c)]
    frames = [db.values_of([*regions, LAND_CODE], view.jaar, view.jaar)]
    for code in view.regios:
        area = area_of(code)
        if area is not None:
            frames.append(area_values(db, area, view.jaar).dropna(subset=["value"]))
    columns = list(frames[0].columns)
    return pd.concat([f[columns] for f in frames if len(f)] or [frames[0]],
                     ignore_index=True)


def compare_tables(db: Store, view: CompareView, values: pd.DataFrame | None = None
                   ) -> dict[str, pd.DataFrame]:
    """The side-by-side table of each subtheme (only subthemes with rows), chosen codes
    plus NL as the last column."""
    codes = [*view.regios, LAND_CODE]
    if values is None:
        values = compare_values(db, view)
    tables: dict[str, pd.DataFrame] = {}
    for subtheme in SUBTHEMES:
        if view.thema and subtheme != view.thema:
            continue
        table = compare_table(values, db.catalogue.for_subtheme(subtheme), codes, view.lang)
        if len(table):
            tables[subtheme] = table
    return tables


def bar_inputs(db: Store, view: CompareView, table: pd.DataFrame, labels: dict[str, str]
               ) -> list[tuple[Indicator, list[str], list[float | None], float | None]]:
    """Per row of a side-by-side table: the indicator, the chosen areas' labels and values,
    and the NL reference (only where comparable: not for counts, which are sums)."""
    out = []
    for row in table.to_dict("records"):
        indicator = db.indicators[row["indicator_id"]]
        nl_value = row[LAND_CODE] if indicator.aggregation != "sum" else None
        out.append((indicator, [labels[c] for c in view.regios],
                    [row[c] for c in view.regios], nl_value))
    return out


def compare_download_frame(table: pd.DataFrame, labels: dict[str, str], year: int,
                           lang: str) -> pd.DataFrame:
    """The table as people download it: readable region headers 'label [code]', the year."""
    en = lang == "en"
    out = table.rename(columns={
        "unit": "unit" if en else "eenheid",
        **{code: f"{labels.get(code, code)} [{code}]" for code in labels},
    })
    out.insert(3, "year" if en else "jaar", year)
    return out


# ----------------------------------------------------------------------------- ranking
def wijk_values(db: Store, indicator_id: str, year: int, gemeente: str) -> pd.DataFrame:
    """code, name, gemeente_code, gemeente_name, value of the wijken of a gemeente (or NL)."""
    frame = db.values(indicator_id, year, "wijk")
    if gemeente != ALL_GEMEENTEN:
        frame = frame[frame["gemeente_code"] == gemeente]
    return frame.reset_index(drop=True)


def ranking_table(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Every region of the frame sorted by position (see core.ranking), with the
    percentile: the percentage of regions with a value equal to or lower than this one.
    Regions without a value come last, without position or percentile."""
    out = frame.copy()
    out["position"] = ranks(out["value"], direction).astype("Int64")
    out["percentile"] = percentiles(out["value"])
    out["_missing"] = out["value"].isna()
    out = out.sort_values(["_missing", "position", "name"], na_position="last", kind="stable")
    return out.drop(columns="_missing").reset_index(drop=True)


def ranking_caption(db: Store, view: CompareView, table: pd.DataFrame) -> str:
    """'Inwoners · Amsterdam (gemeente) · 2024 · 99 van 99 wijken met een waarde (neutraal)'."""
    lang = view.lang
    indicator = db.indicators[view.ranking]
    where = t("all_nl", lang) if view.gemeente == ALL_GEMEENTEN else \
        region_labels(db.regions(view.jaar), [view.gemeente], lang)[view.gemeente]
    count = t("ranked_count", lang, n=format_number(int(table["value"].notna().sum()), lang),
              total=format_number(len(table), lang))
    return (f"{indicator.label.get(lang)} · {where} · {view.jaar} · {count} "
            f"({t(indicator.direction, lang)})")


def ranking_download_frame(table: pd.DataFrame, indicator: Indicator, year: int,
                           lang: str) -> pd.DataFrame:
    en = lang == "en"
    return pd.DataFrame({
        "rank" if en else "positie": table["position"],
        "percentile" if en else "percentiel": table["percentile"].round(2),
        "code": table["code"],
        "name" if en else "naam": table["name"],
        "municipality" if en else "gemeente": table["gemeente_name"],
        "indicator_id": indicator.id,
        "value" if en else "waarde": table["value"],
        "unit" if en else "eenheid": indicator.unit.get(lang),
        "year" if en else "jaar": year,
    })


# ----------------------------------------------------------------------------- scatter
def scatter_table(x_frame: pd.DataFrame, y_frame: pd.DataFrame) -> pd.DataFrame:
    """code, name, gemeente_name, x, y of the regions with a value for both."""
    merged = x_frame[["code", "name", "gemeente_name", "value"]].rename(
        columns={"value": "x"}).merge(
        y_frame[["code", "value"]].rename(columns={"value": "y"}), on="code", how="inner")
    return merged.dropna(subset=["x", "y"]).reset_index(drop=True)


def scatter_download_frame(table: pd.DataFrame, ix: Indicator, iy: Indicator, year: int,
                           lang: str) -> pd.DataFrame:
    en = lang == "en"
    return pd.DataFrame({
        "code": table["code"],
        "name" if en else "naam": table["name"],
        "municipality" if en else "gemeente": table["gemeente_name"],
        ix.id: table["x"],
        iy.id: table["y"],
        "year" if en else "jaar": year,
    })


# --------------------------------------------------------------------------- downloads
@dataclass(frozen=True)
class TableKey:
    """Which table a download button belongs to: 'thema:wonen', 'ranking' or 'scatter'."""

    kind: str
    subtheme: str = ""

    @classmethod
    def parse(cls, value: str) -> TableKey | None:
        if value in ("ranking", "scatter"):
            return cls(value)
        if value.startswith("thema:") and value[6:] in SUBTHEMES:
            return cls("thema", value[6:])
        return None

    def __str__(self) -> str:
        return f"thema:{self.subtheme}" if self.kind == "thema" else self.kind


TABLE_KEYS: tuple[TableKey, ...] = (
    *(TableKey("thema", s) for s in SUBTHEMES), TableKey("ranking"), TableKey("scatter"))


@dataclass
class Download:
    """A frame to download with the indicators it holds and a file name stem."""

    frame: pd.DataFrame
    indicator_ids: list[str]
    stem: str
    years: list[int] = field(default_factory=list)


def download_for(db: Store, view: CompareView, key: TableKey) -> Download | None:
    """The frame behind one table of the page, as it is downloaded."""
    lang = view.lang
    if key.kind == "thema":
        if len(view.regios) < MIN_REGIONS:
            return None
        table = compare_tables(db, view.with_changes(thema=key.subtheme)).get(key.subtheme)
        if table is None:
            return None
        labels = region_labels(regions_and_areas(db, view.jaar), [*view.regios, LAND_CODE], lang)
        frame = compare_download_frame(table, labels, view.jaar, lang)
        return Download(frame, list(table["indicator_id"]),
                        f"vergelijking_{key.subtheme}_{view.jaar}", [view.jaar])
    if key.kind == "ranking" and view.ranking:
        indicator = db.indicators[view.ranking]
        table = ranking_table(wijk_values(db, view.ranking, view.jaar, view.gemeente),
                              indicator.direction)
        frame = ranking_download_frame(table, indicator, view.jaar, lang)
        return Download(frame, [view.ranking],
                        f"ranglijst_{view.ranking}_{view.gemeente}_{view.jaar}", [view.jaar])
    if key.kind == "scatter" and view.x and view.y:
        ix, iy = db.indicators[view.x], db.indicators[view.y]
        table = scatter_table(wijk_values(db, view.x, view.jaar, view.gemeente),
                              wijk_values(db, view.y, view.jaar, view.gemeente))
        frame = scatter_download_frame(table, ix, iy, view.jaar, lang)
        return Download(frame, list(dict.fromkeys([view.x, view.y])),
                        f"spreiding_{view.x}_{view.y}_{view.gemeente}_{view.jaar}", [view.jaar])
    return None
