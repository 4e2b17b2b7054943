"""The area profile: every indicator of one gemeente, wijk, buurt or NPLV focus area, per
subtheme, against its gemeente and the Netherlands, with a small trend; for wijken also the
wijken most like it. Printable as a short report. Address: ``/gebied/<code>``."""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from core.areas import REFERENCE_YEAR, Aggregate, Area, aggregate, is_area_id, load_areas
from dashboard.components import footer, header, labelled, switch_language_href
from dashboard.data import (
    SUBTHEMES,
    Indicator,
    Store,
    level_years,
    observations_of,
    region_years,
    store,
)
from dashboard.i18n import LANGS, format_number, subtheme_label, t
from dashboard.pagecache import cached_layout
from dashboard.profile import (
    SIMILARITY_EXPLANATION,
    benchmark_colour,
    code_gaps,
    comparison,
    similar_regions,
    trend_segments,
)

DEFAULT_SIMILAR_THEME = "wonen"
NL_CODE = "NL00"


def _title(code: str | None = None, **_: Any) -> str:
    """The browser tab title: the area's name when it is known."""
    try:
        subject = resolve_subject(store(), code)
    except Exception:  # the title must never break the page
        subject = None
    if subject is None:
        return "Zicht op wijken: gebied"
    return f"{subject.name} ({subject.code}) · Zicht op wijken"


dash.register_page(
    __name__, path_template="/gebied/<code>", title=_title, name="Gebiedsprofiel"
)


# ------------------------------------------------------------------------- subject
class Subject(NamedTuple):
    """What the profile is about: a region of the store or a focus area.

    (NamedTuples, not dataclasses: Dash pages imports this module outside sys.modules.)"""

    code: str
    kind: str  # gemeente | wijk | buurt | area
    name: str
    gemeente_code: str | None
    gemeente_name: str | None
    area: Area | None = None

    @property
    def reference_code(self) -> str:
        """What the subject is compared with: its gemeente, or NL for a gemeente."""
        if self.kind == "gemeente" or not self.gemeente_code:
            return NL_CODE
        return self.gemeente_code


def resolve_subject(db: Store, raw: str | None) -> Subject | None:
    """The subject for a code from the address; None when the code is unknown."""
    code = (raw or "").strip().upper()
    if not code:
        return None
    if is_area_id(code):
        area = load_areas().get(code)
        if area is None:
            return None
        gemeente = db.region(area.gemeente)
        return Subject(code, "area", area.name, area.gemeente,
                       gemeente["name"] if gemeente else area.gemeente, area)
    if len(code) > 12:
        return None
    region = db.region(code)
    if region is None or region["level"] not in ("gemeente", "wijk", "buurt"):
        return None
    gemeente_code = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    gemeente_name = region["gemeente_name"] if isinstance(region["gemeente_name"], str) else None
    if region["level"] == "gemeente":
        gemeente_code, gemeente_name = code, str(region["name"])
    return Subject(code, str(region["level"]), str(region["name"]), gemeente_code, gemeente_name)


# ---------------------------------------------------------------------------- rows
class Row(NamedTuple):
    """One indicator line of the profile."""

    indicator: Indicator
    year: int | None
    value: float | None
    gemeente: float | None
    nl: float | None
    segments: list[list[tuple[int, float]]]
    aggregate: Aggregate | None = None


def _value_at(frame: pd.DataFrame, indicator_id: str, year: int, code: str) -> float | None:
    hit = frame[(frame["indicator_id"] == indicator_id) & (frame["year"] == year)
                & (frame["code"] == code)]
    return None if hit.empty else float(hit["value"].iloc[0])


def region_rows(db: Store, subject: Subject) -> dict[str, list[Row]]:
    """Rows per subtheme for a gemeente, wijk or buurt (only indicators with a value)."""
    own = observations_of(db, [subject.code])
    refs = observations_of(db, [c for c in {subject.gemeente_code, NL_CODE} if c])
    gaps = code_gaps(region_years(db, subject.code), level_years(db).get(subject.kind, []))
    rows: dict[str, list[Row]] = {s: [] for s in SUBTHEMES}
    for indicator_id, frame in own.groupby("indicator_id", sort=False):
        indicator = db.indicators.get(str(indicator_id))
        if indicator is None or indicator.subtheme not in rows:
            continue
        frame = frame.sort_values("year")
        latest = frame.iloc[-1]
        year = int(latest["year"])
        rows[indicator.subtheme].append(Row(
            indicator=indicator,
            year=year,
            value=float(latest["value"]),
            gemeente=_value_at(refs, indicator.id, year, subject.gemeente_code)
            if subject.gemeente_code else None,
            nl=_value_at(refs, indicator.id, year, NL_CODE),
            segments=trend_segments(frame[["year", "value", "series"]], gaps),
        ))
    return _in_catalogue_order(db, rows)


def area_rows(db: Store, subject: Subject) -> dict[str, list[Row]]:
    """Rows per subtheme for a focus area: member values aggregated per year."""
    area = subject.area
    assert area is not None
    codes = sorted({c for year in area.years for c in area.members_in(year)})
    obs = observations_of(db, codes)
    refs = observations_of(db, [area.gemeente, NL_CODE])
    gaps = code_gaps(area.years, level_years(db).get("wijk", []))
    rows: dict[str, list[Row]] = {s: [] for s in SUBTHEMES}
    by_indicator = dict(tuple(obs.groupby("indicator_id", sort=False)))
    for indicator in db.indicators.values():
        frame = by_indicator.get(indicator.id)
        if frame is None or indicator.subtheme not in rows:
            continue
        weights = by_indicator.get(indicator.weight) if indicator.weight else None
        per_year: list[tuple[int, Aggregate, int]] = []
        for year in sorted(set(frame["year"]) & set(area.years)):
            members = pd.DataFrame({"code": list(area.members_in(int(year)))})
            in_year = frame[frame["year"] == year]
            values = members.merge(in_year[["code", "value"]], on="code", how="left")
            weight_frame = None
            if indicator.aggregation == "weighted_mean" and weights is not None:
                w = weights[weights["year"] == year]
                weight_frame = w[["code", "value"]].rename(columns={"value": "weight"})
            result = aggregate(values, weight_frame, indicator.aggregation)
            per_year.append((int(year), result, int(in_year["series"].max())))
        if not per_year:
            continue
        year, latest, _ = per_year[-1]
        trend = pd.DataFrame(
            [(y, r.value, s) for y, r, s in per_year if r.value is not None],
            columns=["year", "value", "series"],
        )
        rows[indicator.subtheme].append(Row(
            indicator=indicator,
            year=year,
            value=latest.value,
            gemeente=_value_at(refs, indicator.id, year, area.gemeente),
            nl=_value_at(refs, indicator.id, year, NL_CODE),
            segments=trend_segments(trend, gaps) if not trend.empty else [],
            aggregate=latest,
        ))
    return rows


def _in_catalogue_order(db: Store, rows: dict[str, list[Row]]) -> dict[str, list[Row]]:
    order = {ind_id: pos for pos, ind_id in enumerate(db.indicators)}
    return {s: sorted(r, key=lambda row: order.get(row.indicator.id, 0)) for s, r in rows.items()}


def profile_rows(db: Store, subject: Subject) -> dict[str, list[Row]]:
    return area_rows(db, subject) if subject.kind == "area" else region_rows(db, subject)


def display_round(value: float | None) -> float | None:
    """A value as it is shown (so markers never contradict the printed numbers)."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), 0 if abs(value) >= 100 or float(value).is_integer() else 1)


# ---------------------------------------------------------------------- rendering
def _reference_name(subject: Subject, lang: str) -> str:
    if subject.reference_code == NL_CODE:
        return t("nl", lang)
    return subject.gemeente_name or subject.reference_code


def marker(row: Row, subject: Subject, lang: str) -> html.Span:
    """▲/▼/= against the reference, blue (better) / orange (worse) / grey, with words."""
    if row.indicator.aggregation == "sum":
        said = t("profile_count_no_compare", lang)
        return html.Span([html.Span("n.v.t." if lang == "nl" else "n/a",
                                    **{"aria-hidden": "true"}),
                          html.Span(said, className="visually-hidden")],
                         className="bench bench-count", title=said,
                         **{"data-benchmark": "count"})
    reference = row.nl if subject.reference_code == NL_CODE else row.gemeente
    shown, ref_shown = display_round(row.value), display_round(reference)
    how = comparison(shown, ref_shown)
    if how is None:
        return html.Span("–", className="bench bench-none", title=t("no_data", lang))
    judged = benchmark_colour(shown, ref_shown, row.indicator.direction)
    symbol = {"higher": "▲", "lower": "▼", "same": "="}[how]
    relation = t(f"profile_{how}", lang).format(reference=_reference_name(subject, lang))
    word = {"better": t("profile_better", lang), "worse": t("profile_worse", lang),
            "same": t("profile_equal", lang), None: ""}[judged]
    said = f"{relation}, {word}" if judged else f"{relation} ({t('profile_no_judgement', lang)})"
    return html.Span(
        [
            html.Span(symbol, **{"aria-hidden": "true"}),
            html.Span(f" {word}", className="bench-word", **{"aria-hidden": "true"})
            if judged and judged != "same" else None,
            html.Span(said, className="visually-hidden"),
        ],
        className=f"bench bench-{judged or 'neutral'}",
        title=said,
        **{"data-benchmark": judged or "neutral"},
    )


def sparkline(row: Row, lang: str, years: tuple[int, int]) -> Any:
    """A small static line per trend segment; one year only gives a short text."""
    points = [p for segment in row.segments for p in segment]
    if len(points) < 2:
        text = t("profile_one_year", lang).format(year=row.year) if row.year else "–"
        return html.Span(text, className="small text-muted")
    figure = go.Figure()
    for segment in row.segments:
        figure.add_scatter(
            x=[y for y, _ in segment], y=[v for _, v in segment], mode="lines+markers",
            line={"color": "#3b3b3b", "width": 1.5}, marker={"size": 4, "color": "#3b3b3b"},
            hoverinfo="skip", showlegend=False,
        )
    figure.update_layout(
        margin={"l": 2, "r": 2, "t": 4, "b": 4}, height=34, width=140,
        xaxis={"visible": False, "range": [years[0] - 0.5, years[1] + 0.5]},
        yaxis={"visible": False}, paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
    )
    spoken = f" | {t('profile_trend_break', lang)} | ".join(
        "; ".join(f"{y}: {format_number(v, lang)}" for y, v in segment)
        for segment in row.segments
    )
    return html.Div(
        dcc.Graph(
            figure=figure,
            config={"staticPlot": True, "displayModeBar": False},
            style={"height": "34px", "width": "140px"},
            className="sparkline",
        ),
        role="img",
        **{"aria-label": t("profile_trend_label", lang).format(points=spoken),
           "data-segments": str(len(row.segments))},
    )


def unavailable_reason(row: Row, lang: str, weight_label: str = "") -> str | None:
    """Why a focus area has no value for this row (None when it has one)."""
    agg = row.aggregate
    if agg is None or agg.value is not None:
        return None
    return {
        "not_aggregatable": t("profile_not_aggregatable", lang),
        "incomplete": t("profile_incomplete_sum", lang),
        "no_weights": t("profile_no_weights", lang),
        "no_values": t("no_data", lang),
    }[agg.reason or "no_values"].format(covered=agg.covered, members=agg.members,
                                         weight=weight_label, year=row.year)


def value_cell(row: Row, lang: str, reason: str | None = None) -> html.Td:
    agg = row.aggregate
    if agg is not None and agg.value is None:
        return html.Td(
            [html.Span(t("profile_na", lang), className="text-muted", **{"aria-hidden": "true"}),
             html.Span(reason or "", className="visually-hidden")],
            className="text-end val-own", title=reason, **{"data-reason": agg.reason or ""},
        )
    content: list[Any] = [html.Span(format_number(row.value, lang), className="fw-semibold")]
    if agg is not None and not agg.complete:
        content += [html.Br(), html.Small(
            t("profile_coverage", lang).format(covered=agg.covered, members=agg.members),
            className="text-muted coverage")]
    return html.Td(content, className="text-end val-own")


def reference_cell(value: float | None, lang: str, name: str) -> html.Td:
    """A comparison value; a dash (read out as "no data") when there is none."""
    if value is None or pd.isna(value):
        return html.Td([html.Span("–", **{"aria-hidden": "true"}),
                        html.Span(t("no_data", lang), className="visually-hidden")],
                       className=f"text-end text-muted {name}", title=t("no_data", lang))
    return html.Td(format_number(value, lang), className=f"text-end {name}")


def theme_table(rows: list[Row], subject: Subject, lang: str, years: tuple[int, int],
                theme: str, indicators: dict[str, Indicator]) -> html.Table:
    reference = _reference_name(subject, lang)
    with_gemeente = subject.kind != "gemeente" and bool(subject.gemeente_code)
    head = [
        html.Th(t("profile_col_indicator", lang), scope="col"),
        html.Th(t("profile_col_value", lang), scope="col", className="text-end"),
        html.Th(t("profile_col_year", lang), scope="col", className="text-end"),
    ]
    if with_gemeente:
        head.append(html.Th(subject.gemeente_name or t("gemeente", lang), scope="col",
                            className="text-end"))
    head += [
        html.Th(t("nl", lang), scope="col", className="text-end"),
        html.Th(t("profile_col_compare_gemeente" if with_gemeente else "profile_col_compare_nl",
                  lang), scope="col"),
        html.Th(t("profile_col_trend", lang), scope="col"),
    ]
    body = []
    for row in rows:
        indicator = row.indicator
        weight = indicators.get(indicator.weight or "")
        reason = unavailable_reason(row, lang, weight.label(lang).lower() if weight else "")
        label = html.Th(
            [indicator.label(lang),
             html.Span(f" ({indicator.unit(lang)})", className="text-muted small"),
             html.Div(reason, className="small text-muted reason", **{"aria-hidden": "true"})
             if reason else None],
            scope="row", className="fw-normal", title=indicator.definition(lang),
        )
        cells = [label, value_cell(row, lang, reason),
                 html.Td(str(row.year) if row.year else "–", className="text-end")]
        if with_gemeente:
            cells.append(reference_cell(row.gemeente, lang, "val-gemeente"))
        cells += [
            reference_cell(row.nl, lang, "val-nl"),
            html.Td(marker(row, subject, lang)),
            html.Td(sparkline(row, lang, years)),
        ]
        body.append(html.Tr(cells, **{"data-indicator": indicator.id}))
    caption = t("profile_caption", lang).format(theme=subtheme_label(theme, lang),
                                                reference=reference)
    widths = ["col-indicator", "col-value", "col-year",
              *(["col-ref"] if with_gemeente else []), "col-ref", "col-bench", "col-trend"]
    return html.Table(
        [html.Caption(caption, className="visually-hidden"),
         html.Colgroup([html.Col(className=w) for w in widths]),
         html.Thead(html.Tr(head)), html.Tbody(body)],
        className="table table-sm align-middle profile-table mb-1",
    )


def theme_section(db: Store, theme: str, rows: list[Row], subject: Subject, lang: str,
                  years: tuple[int, int]) -> html.Section:
    heading_id = f"kop-{theme}"
    content: list[Any] = [html.H2(subtheme_label(theme, lang), id=heading_id, className="h4")]
    if rows:
        content.append(html.Div(theme_table(rows, subject, lang, years, theme, db.indicators),
                                className="table-responsive"))
    else:
        content.append(html.P(t("profile_no_rows", lang), className="text-muted"))
    shown = {r.indicator.id for r in rows}
    missing = [i.label(lang) for i in db.indicators_for(theme) if i.id not in shown]
    if missing and rows:
        content.append(html.P(t("profile_missing_rows", lang).format(names=", ".join(missing)),
                              className="small text-muted mb-0"))
    return html.Section(content, id=f"thema-{theme}", className="profile-section mb-4",
                        **{"aria-labelledby": heading_id})


def _suffix(lang: str, **extra: str) -> str:
    params = {**({"lang": "en"} if lang == "en" else {}), **{k: v for k, v in extra.items() if v}}
    return "?" + urlencode(params) if params else ""


def profile_href(code: str, lang: str, **extra: str) -> str:
    return f"/gebied/{code}" + _suffix(lang, **extra)


def intro(db: Store, subject: Subject, lang: str) -> list[Any]:
    """Title, place in the hierarchy, and for focus areas the composition and members."""
    kind = t(f"profile_kind_{subject.kind}", lang)
    parts: list[Any] = [html.Span(kind, className="text-muted")]
    if subject.kind != "gemeente" and subject.gemeente_code:
        parts += [f" {t('profile_in', lang)} ",
                  dcc.Link(subject.gemeente_name or subject.gemeente_code,
                           href=profile_href(subject.gemeente_code, lang),
                           id="profile-gemeente-link")]
    items: list[Any] = [
        html.H1([subject.name, html.Small(f" {subject.code}", className="text-muted fs-6")],
                className="h2 mb-1", id="profile-title"),
        html.P(parts, className="mb-2"),
    ]
    areas = load_areas()
    if subject.kind == "wijk":
        part_of = [a for a in areas.values() if subject.code in a.members_in(REFERENCE_YEAR)]
        if part_of:
            links = [dcc.Link(a.name, href=profile_href(a.id, lang)) for a in part_of]
            items.append(html.P([f"{t('profile_part_of', lang)}: ", *_join(links)],
                                className="mb-2", id="profile-part-of"))
    if subject.kind == "gemeente":
        here = [a for a in areas.values() if a.gemeente == subject.code]
        if here:
            links = [dcc.Link(a.name, href=profile_href(a.id, lang)) for a in here]
            items.append(html.P([f"{t('profile_focus_areas', lang)}: ", *_join(links)],
                                className="mb-2", id="profile-focus-areas"))
    if subject.area is not None:
        items += area_intro(db, subject.area, lang)
    return items


def _join(links: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i, link in enumerate(links):
        if i:
            out.append(", ")
        out.append(link)
    return out


def area_intro(db: Store, area: Area, lang: str) -> list[Any]:
    year = REFERENCE_YEAR
    names = db.regions(year, "wijk").set_index("code")["name"]
    badge = dbc.Badge(
        t("profile_approximate" if area.approximate else "profile_public", lang),
        color="warning" if area.approximate else "secondary",
        text_color="dark" if area.approximate else None,
        className="me-2", id="composition-badge",
    )
    members = html.Ul(
        [html.Li(dcc.Link(f"{names.get(code, code)} ({code})", href=profile_href(code, lang)))
         for code in area.members_in(year)],
        className="member-list mb-2", id="area-members",
    )
    return [
        html.P([badge, area.source.get(lang)], className="mb-2", id="composition-note"),
        html.H2(t("profile_members", lang).format(year=year), className="h6 mb-1"),
        members,
        html.P(t("profile_aggregated", lang), className="small text-muted"),
    ]


# ------------------------------------------------------------------- similar wijken
def similarity_matrix(db: Store, theme: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """Wijken × rate/share indicators of a theme (latest wijk-level year of each);
    absolute counts are left out. Also the year used per indicator."""
    available = db.available()
    wijk = available[available["level"] == "wijk"]
    columns: dict[str, pd.Series] = {}
    years: dict[str, int] = {}
    for indicator in db.indicators_for(theme):
        if indicator.aggregation == "sum":
            continue
        have = wijk.loc[wijk["indicator_id"] == indicator.id, "year"]
        if have.empty:
            continue
        year = int(have.max())
        frame = db.values(indicator.id, year, "wijk")
        columns[indicator.id] = frame.set_index("code")["value"]
        years[indicator.id] = year
    return pd.DataFrame(columns), years


def similar_block(db: Store, code: str, theme: str, lang: str) -> list[Any]:
    """The list of similar wijken, linked, with the indicators used."""
    matrix, years = similarity_matrix(db, theme)
    result = similar_regions(matrix, code, k=5)
    if result.empty:
        return [html.P(t("profile_similar_none", lang), className="text-muted",
                       id="similar-none")]
    regions = pd.concat([db.regions(y, "wijk") for y in sorted(set(years.values()))])
    regions = regions.drop_duplicates("code", keep="last").set_index("code")
    items = []
    for found, distance in zip(result["code"], result["distance"], strict=True):
        name = regions.at[found, "name"] if found in regions.index else found
        gemeente = regions.at[found, "gemeente_name"] if found in regions.index else ""
        items.append(html.Li([
            dcc.Link(f"{name}", href=profile_href(found, lang, thema=theme)),
            html.Span(f" ({gemeente}, {found})" if gemeente else f" ({found})",
                      className="text-muted"),
            html.Small(f" · {t('profile_distance', lang)} {format_number(distance, lang, 2)}",
                       className="text-muted"),
        ], **{"data-code": found}))
    used = [f"{db.indicators[i].label(lang)} ({years[i]})"
            for i in result.attrs.get("indicators", [])]
    return [
        html.Ol(items, id="similar-list", className="mb-2"),
        html.P([html.Span(f"{t('profile_similar_basis', lang)}: ", className="fw-semibold"),
                ", ".join(used)], className="small mb-0"),
    ]


def similar_section(db: Store, subject: Subject, theme: str, lang: str) -> html.Section:
    options = [{"label": subtheme_label(s, lang), "value": s} for s in SUBTHEMES
               if db.indicators_for(s)]
    return html.Section(
        [
            html.H2(t("profile_similar", lang), id="kop-vergelijkbaar", className="h4"),
            html.Div(
                labelled(t("profile_similar_theme", lang), "similar-thema",
                         dcc.Dropdown(id="similar-thema", options=options, value=theme,
                                      clearable=False, searchable=False,
                                      style={"maxWidth": "320px"})),
                className="no-print",
            ),
            html.P(SIMILARITY_EXPLANATION.get(lang, SIMILARITY_EXPLANATION["nl"]),
                   className="small", id="similar-explanation"),
            dcc.Loading(html.Div(similar_block(db, subject.code, theme, lang),
                                 id="similar-body"), delay_show=300),
        ],
        id="vergelijkbaar", className="profile-section mb-4",
        **{"aria-labelledby": "kop-vergelijkbaar"},
    )


# -------------------------------------------------------------------------- layout
def _pick(query: dict[str, Any], name: str) -> str:
    value = query.get(name)
    return value.strip() if isinstance(value, str) else ""


def not_found(code: str, lang: str, query: str) -> html.Div:
    return html.Div(
        [
            header(lang, "profile", switch_language_href(f"/gebied/{code}", query, lang)),
            dbc.Container(
                dbc.Alert(
                    [html.P(t("profile_unknown", lang).format(code=code), className="mb-2"),
                     dcc.Link(t("profile_back", lang), href="/" + _suffix(lang),
                              className="alert-link", id="profile-back")],
                    color="warning", id="profile-unknown", className="mt-3",
                ),
                fluid=True,
                tag="main",
            ),
            footer(lang),
        ],
        lang=lang,
    )


@cached_layout
def layout(code: str | None = None, **query: Any) -> Any:
    lang = _pick(query, "lang") or "nl"
    if lang not in LANGS:
        lang = "nl"
    db = store()
    raw = (code or "").strip()
    subject = resolve_subject(db, raw)
    query_string = urlencode({k: v for k, v in query.items() if isinstance(v, str)})
    if subject is None:
        return not_found(raw[:40], lang, query_string)
    theme = _pick(query, "thema")
    if theme not in SUBTHEMES or not db.indicators_for(theme):
        theme = DEFAULT_SIMILAR_THEME
    rows = profile_rows(db, subject)
    all_years = [y for r in (x for rs in rows.values() for x in rs)
                 for seg in r.segments for y, _ in seg]
    years = (min(all_years), max(all_years)) if all_years else (2019, 2025)
    themes = [s for s in SUBTHEMES if db.indicators_for(s)]
    contents = html.Nav(
        [html.H2(t("profile_contents", lang), className="visually-hidden", id="kop-inhoud"),
         html.Ul([html.Li(html.A(subtheme_label(s, lang), href=f"#thema-{s}"),
                          className="list-inline-item") for s in themes]
                 + ([html.Li(html.A(t("profile_similar", lang), href="#vergelijkbaar"),
                             className="list-inline-item")] if subject.kind == "wijk" else []),
                 className="list-inline mb-0")],
        className="no-print mb-3", **{"aria-labelledby": "kop-inhoud"},
    )
    legend = html.P(
        t("profile_legend", lang).format(reference=_reference_name(subject, lang)),
        className="small text-muted", id="profile-legend",
    )
    sections = [theme_section(db, s, rows[s], subject, lang, years) for s in themes]
    if subject.kind == "wijk":
        sections.append(similar_section(db, subject, theme, lang))
    path = f"/gebied/{subject.code}"
    return html.Div(
        [
            header(lang, "profile", switch_language_href(path, query_string, lang)),
            dcc.Store(id="profile-state",
                      data={"code": subject.code, "lang": lang, "thema": theme}),
            dcc.Store(id="profile-url-sync"),
            dbc.Container(
                [
                    html.Div(
                        html.Button(t("profile_print", lang), id="profile-print",
                                    className="btn btn-outline-secondary btn-sm",
                                    type="button"),
                        className="float-end no-print mt-2",
                    ),
                    *intro(db, subject, lang),
                    contents,
                    legend,
                    html.Div(sections, id="profile-main"),
                ],
                fluid="lg", className="profile", tag="main",
            ),
            footer(lang),
        ],
        lang=lang,
    )


# ----------------------------------------------------------------------- callbacks
@callback(
    Output("similar-body", "children"),
    Output("profile-state", "data"),
    Output("language-switch", "href"),
    Input("similar-thema", "value"),
    State("profile-state", "data"),
    prevent_initial_call=True,
)
def change_similar_theme(theme: Any, state: Any) -> tuple[Any, dict[str, str], str]:
    """A new theme for the similar wijken; anything odd in the request changes nothing."""
    if not isinstance(state, dict) or not isinstance(theme, str) or theme not in SUBTHEMES:
        raise PreventUpdate
    db = store()
    lang = state.get("lang")
    subject = resolve_subject(db, state.get("code")) if isinstance(state.get("code"), str) \
        else None
    if lang not in LANGS or subject is None or subject.kind != "wijk":
        raise PreventUpdate
    new_state = {"code": subject.code, "lang": lang, "thema": theme}
    query = urlencode({**({"lang": lang} if lang == "en" else {}), "thema": theme})
    lang_href = switch_language_href(f"/gebied/{subject.code}", query, lang)
    return similar_block(db, subject.code, theme, lang), new_state, lang_href


# The chosen theme goes into the address bar without re-rendering the page.
clientside_callback(
    """
    function(state) {
        if (!state) { return window.dash_clientside.no_update; }
        const params = new URLSearchParams(window.location.search);
        params.set("thema", state.thema);
        const target = window.location.pathname + "?" + params.toString();
        if (target !== window.location.pathname + window.location.search) {
            window.history.pushState({}, "", target);
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output("profile-url-sync", "data"),
    Input("profile-state", "data"),
    prevent_initial_call=True,
)

clientside_callback(
    """
    function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }
    """,
    Output("profile-print", "title"),
    Input("profile-print", "n_clicks"),
    prevent_initial_call=True,
)
