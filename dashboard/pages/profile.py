"""The area profile page: layout and callbacks over ``views.profile`` (all logic is there).
Printable as a short report."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from core.catalogue import SUBTHEMES
from dashboard import figures
from dashboard.components import address, joined, labelled, page, section, spoken, url_of
from dashboard.data import Store, store
from dashboard.i18n import format_number, subtheme_label, t
from dashboard.views import profile as pv
from dashboard.views.common import query_of
from dashboard.views.profile import ProfileView, Row, Subject, profile_href


def _title(code: str | None = None, **_: Any) -> str:
    """The browser tab title: the area's name when it is known."""
    try:
        subject = pv.resolve_subject(store(), code)
    except Exception:  # the title must never break the page
        subject = None
    if subject is None:
        return "Zicht op wijken: gebied"
    return f"{subject.name} ({subject.code}) · Zicht op wijken"


def address_exists(code: str | None = None, **_: Any) -> bool:
    """Whether /gebied/<code> is a profile: the server answers 404 for the others."""
    return pv.resolve_subject(store(), code) is not None


dash.register_page(__name__, path_template="/gebied/<code>", title=_title,
                   name="Gebiedsprofiel")


# ---------------------------------------------------------------------------- cells
def marker(row: Row, subject: Subject, lang: str) -> html.Span:
    """▲/▼/= against the reference, blue (better) / orange (worse) / grey, with words."""
    m = pv.marker(row, subject, lang)
    return html.Span([*spoken(m.symbol, m.said),
                      html.Span(f" {m.word}", className="bench-word", **{"aria-hidden": "true"})
                      if m.word else None],
                     className=f"bench bench-{m.kind}", title=m.said,
                     **{"data-benchmark": m.kind})


def sparkline(row: Row, lang: str, years: tuple[int, int]) -> Any:
    """A small line per trend segment; one year only gives a short text."""
    if sum(len(s) for s in row.segments) < 2:
        text = t("profile_one_year", lang, year=row.year) if row.year else "–"
        return html.Span(text, className="small text-muted")
    spoken = f" | {t('profile_trend_break', lang)} | ".join(
        "; ".join(f"{y}: {format_number(v, lang)}" for y, v in segment)
        for segment in row.segments)
    return html.Div(
        dcc.Graph(figure=figures.sparkline_figure(row.segments, years),
                  config={"staticPlot": True, "displayModeBar": False},
                  style={"height": "34px", "width": "140px"}, className="sparkline"),
        role="img", **{"aria-label": t("profile_trend_label", lang, points=spoken),
                       "data-segments": str(len(row.segments))},
    )


def value_cell(row: Row, lang: str, reason: str | None) -> html.Td:
    agg = row.aggregate
    if agg is not None and agg.value is None:
        return html.Td(spoken(t("profile_na", lang), reason or "", className="text-muted"),
                       className="text-end val-own", title=reason,
                       **{"data-reason": agg.reason or ""})
    content: list[Any] = [html.Span(format_number(row.value, lang), className="fw-semibold")]
    if agg is not None and not agg.complete:
        content += [html.Br(), html.Small(t("profile_coverage", lang, covered=agg.covered,
                                            members=agg.members), className="text-muted coverage")]
    return html.Td(content, className="text-end val-own")


def reference_cell(value: float | None, lang: str, name: str) -> html.Td:
    """A comparison value; a dash (read out as "no data") when there is none."""
    if value is None:
        return html.Td(spoken("–", t("no_data", lang)),
                       className=f"text-end text-muted {name}", title=t("no_data", lang))
    return html.Td(format_number(value, lang), className=f"text-end {name}")


# ----------------------------------------------------------------------- sections
def theme_table(db: Store, rows: list[Row], subject: Subject, lang: str,
                years: tuple[int, int], theme: str) -> html.Table:
    with_gemeente = subject.kind != "gemeente" and bool(subject.gemeente_code)
    head = [html.Th(t(f"profile_col_{c}", lang), scope="col",
                    className="text-end" if c in ("value", "year") else None)
            for c in ("indicator", "value", "year")]
    if with_gemeente:
        head.append(html.Th(subject.gemeente_name or t("gemeente", lang), scope="col",
                            className="text-end"))
    head += [html.Th(t("nl", lang), scope="col", className="text-end"),
             html.Th(t("profile_col_compare_gemeente" if with_gemeente
                       else "profile_col_compare_nl", lang), scope="col"),
             html.Th(t("profile_col_trend", lang), scope="col")]
    body = []
    for row in rows:
        indicator = row.indicator
        reason = pv.unavailable_reason(db, row, lang)
        notes = [n for n in (reason, pv.other_area_note(row, lang), *pv.gap_notes(row, lang))
                 if n]
        label = html.Th([indicator.label.get(lang),
                         html.Span(f" ({indicator.unit.get(lang)})", className="text-muted small"),
                         *[html.Div(n, className="small text-muted reason",
                                    **{"aria-hidden": "true"} if n == reason else {})
                           for n in notes]],
                        scope="row", className="fw-normal", title=indicator.definition.get(lang))
        cells = [label, value_cell(row, lang, reason),
                 html.Td(str(row.year) if row.year else "–", className="text-end")]
        if with_gemeente:
            cells.append(reference_cell(row.gemeente, lang, "val-gemeente"))
        cells += [reference_cell(row.nl, lang, "val-nl"), html.Td(marker(row, subject, lang)),
                  html.Td(sparkline(row, lang, years))]
        body.append(html.Tr(cells, **{"data-indicator": indicator.id}))
    caption = t("profile_caption", lang, theme=subtheme_label(theme, lang),
                reference=pv.reference_name(subject, lang))
    widths = ["col-indicator", "col-value", "col-year",
              *(["col-ref"] if with_gemeente else []), "col-ref", "col-bench", "col-trend"]
    return html.Table([html.Caption(caption, className="visually-hidden"),
                       html.Colgroup([html.Col(className=w) for w in widths]),
                       html.Thead(html.Tr(head)), html.Tbody(body)],
                      className="table table-sm align-middle profile-table mb-1")


def theme_section(db: Store, theme: str, rows: list[Row], subject: Subject, lang: str,
                  years: tuple[int, int]) -> html.Section:
    content: list[Any] = [html.P(t("profile_no_rows", lang), className="text-muted")]
    if rows:
        content = [html.Div(theme_table(db, rows, subject, lang, years, theme),
                            className="table-responsive")]
        shown = {r.indicator.id for r in rows}
        missing = [i.label.get(lang) for i in db.indicators_for(theme) if i.id not in shown]
        if missing:
            content.append(html.P(t("profile_missing_rows", lang, names=", ".join(missing)),
                                  className="small text-muted mb-0"))
    return section(f"thema-{theme}", html.H2(subtheme_label(theme, lang), id=f"kop-{theme}",
                                             className="h4"),
                   *content, className="profile-section mb-4")


def intro(db: Store, subject: Subject, lang: str) -> list[Any]:
    """Title, place in the hierarchy, and for focus areas the composition and members."""
    parts: list[Any] = [html.Span(t(f"profile_kind_{subject.kind}", lang), className="text-muted")]
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
    if notes := pv.boundary_notes(db, subject, lang):
        items.append(html.Div([html.Span(f"{t('profile_boundaries', lang)}: ",
                                         className="fw-semibold"),
                               html.Ul([html.Li(n) for n in notes], className="mb-0")],
                              className="small mb-2", id="profile-boundaries"))
    if (areas := pv.part_of(subject)) and subject.kind in ("wijk", "gemeente"):
        key, element = (("profile_part_of", "profile-part-of") if subject.kind == "wijk"
                        else ("profile_focus_areas", "profile-focus-areas"))
        items.append(html.P([f"{t(key, lang)}: ", *joined(
            dcc.Link(a.name, href=profile_href(a.id, lang)) for a in areas)],
            className="mb-2", id=element))
    if (area := subject.area) is not None:
        badge = dbc.Badge(t("profile_approximate" if area.approximate else "profile_public", lang),
                          color="warning" if area.approximate else "secondary",
                          text_color="dark" if area.approximate else None,
                          className="me-2", id="composition-badge")
        items += [
            html.P([badge, area.source.get(lang)], className="mb-2", id="composition-note"),
            html.H2(t("profile_members", lang, year=subject.year), className="h6 mb-1"),
            html.Ul([html.Li(dcc.Link(f"{name} ({code})", href=profile_href(code, lang)))
                     for code, name in pv.members(db, subject)],
                    className="member-list mb-2", id="area-members"),
            html.P(t("profile_aggregated", lang), className="small text-muted"),
        ]
    return items


def similar_block(db: Store, subject: Subject, theme: str, lang: str) -> list[Any]:
    """The list of similar wijken, linked, with the indicators used."""
    similar = pv.similar_wijken(db, subject, theme)
    if similar.found.empty:
        return [html.P(t("profile_similar_none", lang), className="text-muted",
                       id="similar-none")]
    items = [html.Li([
        dcc.Link(name, href=profile_href(code, lang, thema=theme)),
        html.Span(f" ({gemeente}, {code})" if gemeente else f" ({code})", className="text-muted"),
        html.Small(f" · {t('profile_distance', lang)} {format_number(distance, lang, 2)}",
                   className="text-muted"),
    ], **{"data-code": code}) for code, name, gemeente, distance in zip(
        similar.found["code"], similar.found["name"], similar.found["gemeente_name"],
        similar.found["distance"], strict=True)]
    used = ", ".join(f"{i.label.get(lang)} ({year})" for i, year in similar.used)
    return [html.Ol(items, id="similar-list", className="mb-2"),
            html.P([html.Span(f"{t('profile_similar_basis', lang)}: ", className="fw-semibold"),
                    used], className="small mb-0")]


def similar_section(db: Store, subject: Subject, theme: str, lang: str) -> html.Section:
    choices = [{"label": subtheme_label(s, lang), "value": s} for s in SUBTHEMES
               if db.indicators_for(s)]
    return section(
        "vergelijkbaar", html.H2(t("profile_similar", lang), id="kop-vergelijkbaar",
                                 className="h4"),
        html.Div(labelled(t("profile_similar_theme", lang), "similar-thema",
                          dcc.Dropdown(id="similar-thema", options=choices, value=theme,
                                       clearable=False, searchable=False,
                                       style={"maxWidth": "320px"})), className="no-print"),
        html.P(t("profile_similar_explanation", lang), className="small",
               id="similar-explanation"),
        dcc.Loading(html.Div(similar_block(db, subject, theme, lang), id="similar-body"),
                    delay_show=300),
        className="profile-section mb-4")


# -------------------------------------------------------------------------- layout
def layout(code: str | None = None, **query: Any) -> Any:
    db = store()
    view, _ = ProfileView.from_query(code, query)
    lang = view.lang
    subject = pv.resolve_subject(db, view.code)
    if subject is None:
        return page(lang, "profile", view, dbc.Alert(
            [html.P(t("profile_unknown", lang, code=view.code), className="mb-2"),
             dcc.Link(t("profile_back", lang), href="/?lang=en" if lang == "en" else "/",
                      className="alert-link", id="profile-back")],
            color="warning", id="profile-unknown", className="mt-3"))
    rows = pv.profile_rows(db, subject)
    years = pv.year_span(rows)
    themes = [s for s in SUBTHEMES if db.indicators_for(s)]
    targets = [(subtheme_label(s, lang), f"#thema-{s}") for s in themes] + (
        [(t("profile_similar", lang), "#vergelijkbaar")] if subject.kind == "wijk" else [])
    contents = html.Nav(
        [html.H2(t("profile_contents", lang), className="visually-hidden", id="kop-inhoud"),
         html.Ul([html.Li(html.A(text, href=href), className="list-inline-item")
                  for text, href in targets], className="list-inline mb-0")],
        className="no-print mb-3", **{"aria-labelledby": "kop-inhoud"})
    sections = [theme_section(db, s, rows[s], subject, lang, years) for s in themes]
    if subject.kind == "wijk":
        sections.append(similar_section(db, subject, view.thema, lang))
    return page(
        lang, "profile", view,
        html.Div(html.Button(t("profile_print", lang), id="profile-print", type="button",
                             className="btn btn-outline-secondary btn-sm"),
                 className="float-end no-print mt-2"),
        *intro(db, subject, lang),
        contents,
        html.P(t("profile_legend", lang, reference=pv.reference_name(subject, lang)),
               className="small text-muted", id="profile-legend"),
        html.Div(sections, id="profile-main"),
        fluid="lg", class_name="profile", title=f"{subject.name} ({subject.code}) · "
                                                  f"{t('title', lang)}",
    )


# ----------------------------------------------------------------------- callbacks
@callback(
    Output("similar-body", "children"),
    Output("view", "data", allow_duplicate=True),
    Input("similar-thema", "value"),
    State("view", "data"),
    prevent_initial_call=True,
)
def change_similar_theme(theme: Any, state: Any) -> tuple[Any, dict[str, str]]:
    """A new theme for the similar wijken; anything odd in the request changes nothing."""
    url = url_of(state) or ""
    if not isinstance(theme, str) or theme not in SUBTHEMES \
            or not url.startswith(ProfileView.PATH):
        raise PreventUpdate
    old, _ = ProfileView.from_query(url.split("?")[0].removeprefix(ProfileView.PATH),
                                    query_of(url))
    db = store()
    subject = pv.resolve_subject(db, old.code)
    if subject is None or subject.kind != "wijk":
        raise PreventUpdate
    view = ProfileView(subject.code, old.lang, theme)
    return similar_block(db, subject, theme, view.lang), address(view)


clientside_callback(
    "function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
    Output("profile-print", "title"),
    Input("profile-print", "n_clicks"),
    prevent_initial_call=True,
)
