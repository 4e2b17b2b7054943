"""Compare areas side by side, rank the wijken of a gemeente, plot two indicators.

The logic behind the page ``/vergelijken`` (dashboard/pages/compare.py): view state from
the URL, selection validation, the side-by-side tables, the ranking with position and
percentile, the scatter data, and the (colour-blind-safe) figures. Everything here is a
function of data frames or of the read-only ``Store``; the page's callbacks only call these.

URL scheme of the page (every parameter optional; anything unknown falls back to a default
with a message)::

    /vergelijken?regios=GM0363,WK0363AE,BU0363AE01&jaar=2024&thema=wonen
                &ranking=woz_waarde&gemeente=GM0363&x=woz_waarde&y=koopwoningen&lang=en
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import SUBTHEMES, Indicator, Store
from dashboard.i18n import LANGS, TEXT, format_number

MIN_REGIONS = 2
MAX_REGIONS = 8
NL_CODE = "NL00"
ALL = "NL"  # "all wijken of the Netherlands" for the ranking and the scatter
REGION_LEVELS: tuple[str, ...] = ("gemeente", "wijk", "buurt")
CODE_RE = re.compile(r"GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4}")
INDICATOR_RE = re.compile(r"[a-z0-9_]{1,64}")
# Preferred scatter axes, when the store has them at wijk level in the year.
SCATTER_DEFAULTS: tuple[str, ...] = ("woz_waarde", "koopwoningen", "inkomen_per_inwoner")
SEARCH_LIMIT = 40

# Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
BAR_COLOUR = "#0072B2"  # blue
REFERENCE_COLOUR = "#D55E00"  # vermillion: the NL reference line
HIGHLIGHT_COLOUR = "#D55E00"
OTHER_COLOUR = "#56B4E9"  # sky blue

DROPDOWN_LABELS: dict[str, dict[str, str]] = {
    "nl": {"select_all": "Alles kiezen", "deselect_all": "Niets kiezen",
           "selected_count": "{num_selected} gekozen", "search": "Zoeken",
           "clear_search": "Zoekterm wissen", "clear_selection": "Keuze wissen",
           "no_options_found": "Niets gevonden"},
    "en": {"select_all": "Select all", "deselect_all": "Deselect all",
           "selected_count": "{num_selected} selected", "search": "Search",
           "clear_search": "Clear search", "clear_selection": "Clear selection",
           "no_options_found": "Nothing found"},
}


def text(key: str, lang: str, **fields: object) -> str:
    """A string from i18n.TEXT with ``{fields}`` filled in."""
    entry = TEXT[key]
    value = entry.get(lang) or entry["nl"]
    return value.format(**fields) if fields else value


# ------------------------------------------------------------------------------- view
@dataclass(frozen=True)
class CompareView:
    """Everything the compare page shows, as it appears in the URL."""

    lang: str = "nl"
    regios: tuple[str, ...] = ()
    jaar: int = 0
    thema: str = ""  # "" = all subthemes
    ranking: str = ""  # indicator id of the ranking
    gemeente: str = ALL  # the wijken of the ranking and the scatter: "NL" or a GM code
    x: str = ""
    y: str = ""

    def params(self) -> dict[str, str]:
        """URL parameters (defaults left out, so links stay short)."""
        items: dict[str, str] = {}
        if self.lang != "nl":
            items["lang"] = self.lang
        if self.regios:
            items["regios"] = ",".join(self.regios)
        for key in ("jaar", "thema", "ranking", "gemeente", "x", "y"):
            value = getattr(self, key)
            if value in ("", 0, None) or (key == "gemeente" and value == ALL):
                continue
            items[key] = str(value)
        return items

    def query(self) -> str:
        params = self.params()
        return "?" + urlencode(params, safe=",") if params else ""

    def to_store(self) -> dict[str, Any]:
        return {**self.__dict__, "regios": list(self.regios)}

    @classmethod
    def from_store(cls, data: Any) -> CompareView:
        """The view a page keeps in its dcc.Store; anything malformed gives ValueError."""
        if not isinstance(data, dict) or set(data) - set(cls.__dataclass_fields__):
            raise ValueError("not a compare view")
        regios = data.get("regios") or []
        if not isinstance(regios, list) or not all(isinstance(c, str) for c in regios):
            raise ValueError("regios must be a list of codes")
        view = cls(**{**data, "regios": tuple(regios)})
        if not (isinstance(view.jaar, int) and all(isinstance(getattr(view, k), str) for k in
                                                   ("lang", "thema", "ranking", "gemeente",
                                                    "x", "y"))):
            raise ValueError("malformed compare view")
        return view


@dataclass(frozen=True)
class RegionSelection:
    """The outcome of checking the codes someone asked for."""

    codes: tuple[str, ...]  # valid, unique, in order, at most MAX_REGIONS
    unknown: tuple[str, ...] = ()  # malformed or not a region in the year
    excess: tuple[str, ...] = ()  # valid but beyond MAX_REGIONS

    @property
    def enough(self) -> bool:
        return len(self.codes) >= MIN_REGIONS


def split_codes(raw: str | Iterable[str] | None) -> list[str]:
    """'GM0363, wk0363ae,,GM0363' → ['GM0363', 'WK0363AE', 'GM0363'] (order kept)."""
    if isinstance(raw, str):
        parts = raw.split(",")
    elif isinstance(raw, list | tuple):
        parts = list(raw)
    else:
        return []
    return [p.strip().upper() for p in parts if isinstance(p, str) and p.strip()]


def validate_selection(raw: str | Iterable[str] | None, known: Collection[str]) -> RegionSelection:
    """Keep well-formed codes that exist (``known``), drop duplicates, cap at MAX_REGIONS."""
    codes: list[str] = []
    unknown: list[str] = []
    for code in split_codes(raw):
        if code in codes or code in unknown:
            continue
        if len(code) > 10 or not CODE_RE.fullmatch(code) or code not in known:
            unknown.append(code[:12])
        else:
            codes.append(code)
    return RegionSelection(tuple(codes[:MAX_REGIONS]), tuple(unknown),
                           tuple(codes[MAX_REGIONS:]))


def default_year(available: pd.DataFrame) -> int:
    """The year in which the most indicators have values below land level (latest on ties)."""
    below = available[available["level"].isin(REGION_LEVELS)]
    counts = below.groupby("year")["indicator_id"].nunique()
    if counts.empty:
        return 0
    best = counts.max()
    return int(max(int(y) for y, n in counts.items() if n == best))


def compare_years(db: Store) -> list[int]:
    av = db.available()
    return sorted({int(y) for y in av.loc[av["level"].isin(REGION_LEVELS), "year"]})


def indicators_at(db: Store, year: int, level: str, subtheme: str = "") -> list[Indicator]:
    """Indicators with values at a level in a year (catalogue order), optionally of a theme."""
    av = db.available()
    have = set(av.loc[(av["year"] == year) & (av["level"] == level), "indicator_id"])
    return [i for i in db.indicators.values()
            if i.id in have and (not subtheme or i.subtheme == subtheme)]


@lru_cache(maxsize=16)
def region_index(db: Store, year: int) -> pd.DataFrame:
    """code, level, name, gemeente_code, gemeente_name of every gemeente, wijk and buurt."""
    return db.query(
        "SELECT r.code, r.level, r.name, r.gemeente_code, g.name AS gemeente_name "
        "FROM region r LEFT JOIN region g ON g.year = r.year AND g.code = r.gemeente_code "
        "WHERE r.year = ? AND r.level IN ('gemeente', 'wijk', 'buurt') ORDER BY r.code",
        [year],
    )


def resolve_compare_view(
    query: dict[str, str], db: Store
) -> tuple[CompareView, list[str], RegionSelection]:
    """A valid view from URL parameters, the names of rejected parameters, and the region
    selection (with the codes that were left out)."""
    rejected: list[str] = []

    def pick(name: str) -> str:
        value = query.get(name)
        return value.strip()[:2000] if isinstance(value, str) else ""

    lang = pick("lang") or "nl"
    if lang not in LANGS:
        rejected.append("lang")
        lang = "nl"

    years = compare_years(db)
    raw_year = pick("jaar")
    year = int(raw_year) if re.fullmatch(r"[0-9]{4}", raw_year) else 0
    if year not in years:
        if raw_year:
            rejected.append("jaar")
        year = default_year(db.available())

    index = region_index(db, year)
    selection = validate_selection(pick("regios"), set(index["code"]))
    if selection.unknown:
        rejected.append("regios")

    thema = pick("thema")
    if thema and thema not in SUBTHEMES:
        rejected.append("thema")
        thema = ""

    wijk_indicators = indicators_at(db, year, "wijk")
    wijk_ids = [i.id for i in wijk_indicators]

    def indicator_param(name: str, fallback: Sequence[str]) -> str:
        value = pick(name)
        if value and value in wijk_ids:
            return value
        if value:
            rejected.append(name)
        return next((f for f in fallback if f in wijk_ids), "")

    themed = [i.id for i in wijk_indicators if not thema or i.subtheme == thema]
    ranking = indicator_param("ranking", [*themed, *wijk_ids])
    x = indicator_param("x", [*SCATTER_DEFAULTS, *wijk_ids])
    y = indicator_param("y", [*[s for s in SCATTER_DEFAULTS if s != x],
                              *[i for i in wijk_ids if i != x], x])

    gemeente = pick("gemeente").upper()
    gemeenten = set(index.loc[index["level"] == "gemeente", "code"])
    if gemeente and gemeente != ALL and gemeente not in gemeenten:
        rejected.append("gemeente")
        gemeente = ""
    if not gemeente:
        # The gemeente of the first chosen area, else all of the Netherlands.
        first = index[index["code"].isin(selection.codes[:1])]
        gemeente = str(first["gemeente_code"].iloc[0]) if len(first) else ALL

    view = CompareView(lang, selection.codes, year, thema, ranking, gemeente, x, y)
    return view, rejected, selection


def with_changes(view: CompareView, **changes: object) -> CompareView:
    return replace(view, **changes)


# ---------------------------------------------------------------------- region labels
def level_name(level: str, lang: str) -> str:
    return text(f"level_{level}", lang) if f"level_{level}" in TEXT else level


def region_label(level: str, name: str, gemeente_name: str | None, lang: str) -> str:
    """'Amsterdam (gemeente)', 'Jordaan (wijk, Amsterdam)'."""
    if level in ("wijk", "buurt") and isinstance(gemeente_name, str) and gemeente_name:
        return f"{name} ({level_name(level, lang)}, {gemeente_name})"
    return f"{name} ({level_name(level, lang)})"


def region_labels(index: pd.DataFrame, codes: Sequence[str], lang: str) -> dict[str, str]:
    """Labels of the chosen codes (and NL) for column headers and chart axes."""
    rows = index.set_index("code")
    labels: dict[str, str] = {}
    for code in codes:
        if code == NL_CODE:
            labels[code] = text("nl", lang)
        elif code in rows.index:
            row = rows.loc[code]
            labels[code] = region_label(row["level"], row["name"], row["gemeente_name"], lang)
        else:
            labels[code] = code
    return labels


def search_regions(index: pd.DataFrame, needle: str | None, limit: int = SEARCH_LIMIT
                   ) -> pd.DataFrame:
    """Regions whose name, code or gemeente contains the needle: exact code first, then
    gemeenten, wijken, buurten; names that start with the needle before the rest."""
    needle = (needle if isinstance(needle, str) else "").strip()[:100].lower()
    if not needle:
        return index[index["level"] == "gemeente"].sort_values("name").head(limit)
    name = index["name"].str.lower()
    hits = index[
        name.str.contains(needle, regex=False)
        | index["code"].str.lower().str.contains(needle, regex=False)
        | index["gemeente_name"].fillna("").str.lower().str.contains(needle, regex=False)
    ]
    order = pd.DataFrame(
        {
            "exact": hits["code"].str.lower() != needle,
            "level": hits["level"].map({lv: i for i, lv in enumerate(REGION_LEVELS)}),
            "starts": ~hits["name"].str.lower().str.startswith(needle),
            "in_name": ~hits["name"].str.lower().str.contains(needle, regex=False),
            "name": hits["name"].str.lower(),
        },
        index=hits.index,
    ).sort_values(["exact", "in_name", "level", "starts", "name"])
    return hits.loc[order.index].head(limit)


def region_options(index: pd.DataFrame, needle: str | None, selected: Sequence[str],
                   lang: str) -> list[dict[str, str]]:
    """Dropdown options: the chosen regions first (so they stay chosen), then the hits."""
    chosen = index[index["code"].isin(selected)].set_index("code").reindex(
        [c for c in selected if c in set(index["code"])]).reset_index()
    hits = search_regions(index, needle)
    hits = hits[~hits["code"].isin(selected)]
    frame = pd.concat([chosen, hits], ignore_index=True)
    return [
        {"label": f"{region_label(lv, n, g, lang)} · {c}", "value": c}
        for c, lv, n, g in zip(frame["code"], frame["level"], frame["name"],
                               frame["gemeente_name"], strict=True)
    ]


# ------------------------------------------------------------------ side-by-side tables
def region_values(db: Store, codes: Sequence[str], year: int) -> pd.DataFrame:
    """indicator_id, region_code, value, source_table of these regions in the year."""
    if not codes:
        return pd.DataFrame(columns=["indicator_id", "region_code", "value", "source_table"])
    placeholders = ", ".join("?" for _ in codes)
    return db.query(
        "SELECT indicator_id, region_code, value, source_table FROM observation "
        f"WHERE year = ? AND region_code IN ({placeholders})",
        [year, *codes],
    )


def compare_table(values: pd.DataFrame, indicators: Sequence[Indicator],
                  codes: Sequence[str], lang: str) -> pd.DataFrame:
    """One row per indicator (in the given order) with a value for any of the codes; the
    columns indicator_id, indicator, unit, then one per code (NaN = no data)."""
    wide = values.pivot_table(index="indicator_id", columns="region_code", values="value",
                              aggfunc="first") if len(values) else pd.DataFrame()
    rows = []
    for ind in indicators:
        if ind.id not in wide.index:
            continue
        row: dict[str, Any] = {"indicator_id": ind.id, "indicator": ind.label(lang),
                               "unit": ind.unit(lang)}
        for code in codes:
            v = wide.at[ind.id, code] if code in wide.columns else float("nan")
            row[code] = float(v) if pd.notna(v) else float("nan")
        if any(pd.notna(row[c]) for c in codes):
            rows.append(row)
    return pd.DataFrame(rows, columns=["indicator_id", "indicator", "unit", *codes])


def table_sources(values: pd.DataFrame, indicator_ids: Iterable[str]) -> list[str]:
    """The CBS tables behind these indicators' values."""
    ids = set(indicator_ids)
    return sorted({str(t) for i, t in zip(values["indicator_id"], values["source_table"],
                                          strict=True) if i in ids and isinstance(t, str)})


def short_labels(index: pd.DataFrame, codes: Sequence[str], lang: str) -> dict[str, str]:
    """Names for chart axes; the code is added where two chosen areas share a name."""
    names = index.set_index("code")["name"].to_dict()
    plain = {c: (text("nl", lang) if c == NL_CODE else str(names.get(c, c))) for c in codes}
    counts = pd.Series(list(plain.values())).value_counts()
    return {c: (f"{n} ({c})" if counts[n] > 1 else n) for c, n in plain.items()}


def compare_tables(db: Store, view: CompareView, values: pd.DataFrame | None = None
                   ) -> dict[str, pd.DataFrame]:
    """The side-by-side table of each subtheme (only subthemes with rows), chosen codes
    plus NL as the last column."""
    codes = [*view.regios, NL_CODE]
    if values is None:
        values = region_values(db, codes, view.jaar)
    tables: dict[str, pd.DataFrame] = {}
    for subtheme in SUBTHEMES:
        if view.thema and subtheme != view.thema:
            continue
        inds = [i for i in db.indicators.values() if i.subtheme == subtheme]
        table = compare_table(values, inds, codes, view.lang)
        if len(table):
            tables[subtheme] = table
    return tables


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
    if gemeente != ALL:
        frame = frame[frame["gemeente_code"] == gemeente]
    return frame.reset_index(drop=True)


def ranking_table(frame: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Every region of the frame sorted by position (1 = most favourable; the highest value
    for neutral indicators; ties share the best position), with the percentile: the
    percentage of regions with a value equal to or lower than this one. Regions without a
    value come last, without position or percentile."""
    out = frame.copy()
    values = out["value"].astype(float)
    ascending = direction == "lower_better"
    out["position"] = values.rank(method="min", ascending=ascending).astype("Int64")
    out["percentile"] = values.rank(method="max", pct=True) * 100.0
    out["_missing"] = values.isna()
    out = out.sort_values(["_missing", "position", "name"], na_position="last", kind="stable")
    return out.drop(columns="_missing").reset_index(drop=True)


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
        "unit" if en else "eenheid": indicator.unit(lang),
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


# ----------------------------------------------------------------------------- figures
def _axis_title(indicator: Indicator, lang: str) -> str:
    return f"{indicator.label(lang)} ({indicator.unit(lang)})"


def bar_figure(indicator: Indicator, labels: Sequence[str], values: Sequence[float | None],
               nl_value: float | None, lang: str) -> go.Figure:
    """One bar per chosen area; NL (when given) as a dashed reference line; 'geen gegevens'
    where an area has no value."""
    ys = [None if v is None or pd.isna(v) else float(v) for v in values]
    texts = [format_number(v, lang) for v in ys]
    figure = go.Figure(
        go.Bar(
            x=list(labels), y=[0 if v is None else v for v in ys],
            text=texts, textposition="outside", cliponaxis=False,
            marker={"color": [BAR_COLOUR if v is not None else "rgba(0,0,0,0)" for v in ys]},
            hovertemplate="<b>%{x}</b><br>%{text} " + indicator.unit(lang) + "<extra></extra>",
            name=indicator.label(lang),
        )
    )
    if nl_value is not None and pd.notna(nl_value):
        figure.add_hline(
            y=float(nl_value), line_dash="dash", line_color=REFERENCE_COLOUR, line_width=2,
            annotation_text=f"{text('nl', lang)}: {format_number(float(nl_value), lang)}",
            annotation_position="top left", annotation_font_color=REFERENCE_COLOUR,
        )
    top = max([v for v in ys if v is not None] + [float(nl_value or 0), 0.0])
    figure.update_layout(
        title={"text": indicator.label(lang), "font": {"size": 14}, "x": 0.01},
        yaxis={"title": {"text": indicator.unit(lang)}, "range": [0, top * 1.18 or 1],
               "rangemode": "tozero"},
        xaxis={"tickangle": 0, "automargin": True},
        margin={"l": 50, "r": 10, "t": 40, "b": 10},
        height=300,
        showlegend=False,
        separators=",." if lang == "nl" else ".,",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    figure.update_yaxes(gridcolor="#e5e5e5")
    return figure


def bar_summary(indicator: Indicator, labels: Sequence[str], values: Sequence[float | None],
                nl_value: float | None, lang: str) -> str:
    """The chart in words, for screen readers."""
    parts = [f"{lab}: {format_number(v, lang)}" for lab, v in zip(labels, values, strict=True)]
    if nl_value is not None and pd.notna(nl_value):
        parts.append(f"{text('nl', lang)}: {format_number(nl_value, lang)}")
    return f"{text('chart_of', lang)} {indicator.label(lang)} ({indicator.unit(lang)}). " + \
        "; ".join(parts)


def scatter_figure(table: pd.DataFrame, ix: Indicator, iy: Indicator,
                   highlight: Collection[str], lang: str,
                   nl: tuple[float | None, float | None] = (None, None)) -> go.Figure:
    """All wijken of the selection as points, the chosen areas highlighted and labelled,
    the NL values as dashed reference lines."""
    names = [f"{n} ({g})" if isinstance(g, str) and g != n else str(n)
             for n, g in zip(table["name"], table["gemeente_name"], strict=True)]
    table = table.assign(_label=names)
    chosen = table["code"].isin(list(highlight))
    hover = (
        "<b>%{text}</b><br>"
        f"{ix.label(lang)}: %{{x:,.4~r}} {ix.unit(lang)}<br>"
        f"{iy.label(lang)}: %{{y:,.4~r}} {iy.unit(lang)}<extra></extra>"
    )
    rest = table[~chosen]
    picked = table[chosen]
    figure = go.Figure([
        go.Scatter(
            x=rest["x"], y=rest["y"], text=rest["_label"], customdata=rest["code"],
            mode="markers", name=text("other_wijken", lang),
            marker={"color": OTHER_COLOUR, "size": 7, "opacity": 0.6,
                    "line": {"width": 0.5, "color": "#1f4e79"}},
            hovertemplate=hover,
        ),
        go.Scatter(
            x=picked["x"], y=picked["y"], text=picked["_label"], customdata=picked["code"],
            mode="markers+text", name=text("chosen", lang), textposition="top center",
            marker={"color": HIGHLIGHT_COLOUR, "size": 13, "symbol": "diamond",
                    "line": {"width": 1.5, "color": "#000000"}},
            hovertemplate=hover,
        ),
    ])
    nx, ny = nl
    if nx is not None and pd.notna(nx):
        figure.add_vline(x=float(nx), line_dash="dash", line_color="#555555",
                         annotation_text=text("nl", lang), annotation_position="top")
    if ny is not None and pd.notna(ny):
        figure.add_hline(y=float(ny), line_dash="dash", line_color="#555555",
                         annotation_text=text("nl", lang), annotation_position="top right")
    figure.update_layout(
        xaxis={"title": {"text": _axis_title(ix, lang)}, "gridcolor": "#e5e5e5"},
        yaxis={"title": {"text": _axis_title(iy, lang)}, "gridcolor": "#e5e5e5"},
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        height=520,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        separators=",." if lang == "nl" else ".,",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    return figure


# ---------------------------------------------------------------------- AG Grid helpers
def number_formatter(lang: str) -> dict[str, str]:
    """An AG Grid valueFormatter: locale digits, 'geen gegevens' where empty."""
    locale = "en-GB" if lang == "en" else "nl-NL"
    missing = text("no_data", lang)
    return {"function": f"params.value == null ? '{missing}' : "
                        f"params.value.toLocaleString('{locale}', "
                        "{maximumFractionDigits: 2})"}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for AG Grid: NaN as null, numpy numbers as plain Python numbers."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, float) and value != value) or \
                    value is pd.NA:
                clean[str(key)] = None
            elif hasattr(value, "item"):
                clean[str(key)] = value.item()
            else:
                clean[str(key)] = value
        out.append(clean)
    return out


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
        tables = compare_tables(db, with_changes(view, thema=key.subtheme))
        table = tables.get(key.subtheme)
        if table is None:
            return None
        labels = region_labels(region_index(db, view.jaar), [*view.regios, NL_CODE], lang)
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
