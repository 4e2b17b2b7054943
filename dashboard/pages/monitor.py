"""The NPLV monitor: layout and callbacks over ``views.monitor`` (all logic is there).
Printable as a short report."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from core.catalogue import SUBTHEMES
from core.sources import cite
from dashboard import figures
from dashboard.components import (
    address,
    bad_url_alert,
    grid,
    labelled,
    page,
    section,
    source_line,
    url_of,
)
from dashboard.data import Store, store
from dashboard.i18n import format_value, subtheme_label, t
from dashboard.views import monitor as mv
from dashboard.views.common import query_of, records
from dashboard.views.monitor import MonitorView
from dashboard.views.profile import profile_href

dash.register_page(__name__, path=MonitorView.PATH, title="Zicht op wijken: NPLV-monitor",
                   name="NPLV-monitor")


# ---------------------------------------------------------------------------- grid
def _number(lang: str) -> str:
    """JS: params.value in the page's locale, one decimal at most."""
    locale = "en-GB" if lang == "en" else "nl-NL"
    return f"params.value.toLocaleString('{locale}', {{maximumFractionDigits: 1}})"


def _value_column(key: str, lang: str) -> dict[str, Any]:
    reason = json.dumps(f"{key}__reason")
    return {"field": f"{key}__value", "headerName": t("monitor_value", lang),
            "type": "rightAligned", "minWidth": 100, "tooltipField": f"{key}__reason",
            "valueFormatter": {"function": (
                f"params.value == null ? '{t('profile_na', lang)}' : {_number(lang)} + "
                f"(params.data[{reason}] ? ' *' : '')")}}


def _gap_column(key: str, ref: str, lang: str) -> dict[str, Any]:
    judged = f"params.data[{json.dumps(f'{key}__j_{ref}')}]"
    better, worse = t("profile_better", lang), t("profile_worse", lang)
    return {"field": f"{key}__{ref}", "headerName": t(f"monitor_vs_{ref}", lang),
            "type": "rightAligned", "minWidth": 120, "wrapHeaderText": True,
            "autoHeaderHeight": True,
            "cellClassRules": {"bench-better": f"{judged} == 'better'",
                               "bench-worse": f"{judged} == 'worse'"},
            "valueFormatter": {"function": (
                f"params.value == null ? '–' : (params.value > 0 ? '+' : '') + {_number(lang)}"
                f" + ({judged} == 'better' ? ' ({better})' : {judged} == 'worse' ? "
                f"' ({worse})' : '')")}}


def columns(db: Store, view: MonitorView) -> list[dict[str, Any]]:
    """The overview's columns; the sorted one carries its sort (from the URL)."""
    lang = view.lang
    # The area's own columns are a group too: a pinned column outside any group leaves an
    # empty header row in the pinned part, which screen readers get as a row without cells.
    out: list[dict[str, Any]] = [{"headerName": t("monitor_area", lang), "groupId": "gebied",
                                  "children": [
        {"field": "area", "headerName": t("name", lang), "pinned": "left",
         "cellRenderer": "markdown", "minWidth": 230, "filter": True},
        {"field": "gemeente_name", "headerName": t("gemeente", lang), "minWidth": 130},
        *({"field": f"worse_{ref}", "headerName": t(f"monitor_worse_{ref}", lang),
           "type": "rightAligned", "minWidth": 120, "wrapHeaderText": True,
           "autoHeaderHeight": True, "valueFormatter": {"function": (
               f"params.value + ' {t('of', lang)} ' + params.data.judged_{ref}")}}
          for ref in mv.REFERENCES)]}]
    for indicator in mv.monitor_indicators(db, view.thema):
        out.append({"headerName": f"{indicator.label.get(lang)} ({indicator.unit.get(lang)})",
                    "headerTooltip": indicator.definition.get(lang), "groupId": indicator.id,
                    "children": [_value_column(indicator.id, lang),
                                 *(_gap_column(indicator.id, ref, lang)
                                   for ref in mv.REFERENCES)]})
    wanted = view.sort.removeprefix("-")
    for column in (c for group in out for c in group.get("children", [group])):
        if column["field"] == wanted:
            column["sort"] = "desc" if view.sort.startswith("-") else "asc"
    return out


# ------------------------------------------------------------------------ sections
def downloads(view: MonitorView) -> html.Div:
    csv, csv_nl, xlsx = mv.download_hrefs(view)
    what = f"{t('monitor', view.lang)}, {subtheme_label(view.thema, view.lang)}"
    return html.Div([
        html.A(t(key, view.lang), id=element_id, href=href, download="",
               className="btn btn-outline-secondary btn-sm me-2",
               **{"aria-label": f"{t(key, view.lang)}: {what}"})
        for key, element_id, href in (("download_csv", "monitor-csv", csv),
                                      ("download_csv_nl", "monitor-csv-nl", csv_nl),
                                      ("download_xlsx", "monitor-xlsx", xlsx))],
        className="my-2 no-print download-buttons")


def chart(db: Store, view: MonitorView, frame: Any, indicator: Any) -> Any:
    lang = view.lang
    table = mv.gap_table(db, frame, indicator.id, lang)
    years = sorted({int(y) for y in table["year"].dropna()})
    label = t("monitor_chart_label", lang, indicator=indicator.label.get(lang),
              year="–".join(str(y) for y in dict.fromkeys([years[0], years[-1]]))
              if years else "–")
    rows = [html.Tr([html.Th(row.area, scope="row", className="fw-normal"),
                     html.Td(str(int(row.year)) if row.year == row.year else "–"),
                     html.Td(format_value(row.value, indicator, lang), className="text-end"),
                     html.Td(format_value(row.nl, indicator, lang), className="text-end"),
                     html.Td(format_value(row.diff_nl, indicator, lang), className="text-end"),
                     html.Td(row.note)])
            for row in table.itertuples(index=False)]
    head = [t("monitor_area", lang), t("year", lang), t("monitor_value", lang), t("nl", lang),
            t("monitor_vs_nl", lang), ""]
    return dbc.Col([
        html.Div(dcc.Graph(figure=figures.gap_figure(indicator, table, lang),
                           config={"displaylogo": False, "locale": lang,
                                   "displayModeBar": False}),
                 role="figure", **{"aria-label": label, "data-indicator": indicator.id}),
        html.Details([html.Summary(t("monitor_chart_table", lang), className="small"),
                      html.Table([html.Caption(label, className="visually-hidden"),
                                  html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                                  html.Tbody(rows)],
                                 className="table table-sm small gap-table")],
                     className="no-print")], md=6, xl=4, className="mb-3 monitor-chart")


def body(db: Store, view: MonitorView) -> list[Any]:
    """Everything that depends on the subtheme."""
    lang = view.lang
    frame = mv.monitor_frame(db, view.thema)
    indicators = mv.monitor_indicators(db, view.thema)
    theme = subtheme_label(view.thema, lang)
    overview = grid("monitor-grid", records(mv.overview(db, frame, lang)), columns(db, view),
                    lang)
    overview.dashGridOptions = {**overview.dashGridOptions, "suppressColumnVirtualisation": True,
                                "tooltipShowDelay": 300}
    overview.eventListeners = {"sortChanged": ["zowSortChanged(params, setEventData)"]}
    counts = mv.left_out(db, view.thema)
    have = set(frame.loc[frame["diff_nl"].notna(), "indicator_id"])
    drawn = [i for i in indicators if i.id in have]
    used = {table for i in indicators for y in frame["year"].dropna().unique()
            for table in db.source_tables(i.id, int(y))}
    return [
        section("overzicht", html.H2(f"{t('monitor_overview', lang)}: {theme}", className="h5"),
                html.P(t("monitor_grid_help", lang), className="small text-muted mb-1"),
                downloads(view), overview,
                source_line(cite(sorted(used), lang), "monitor-source"),
                className="mb-4"),
        section("in-het-kort", html.H2(t("monitor_lines", lang), className="h5"),
                html.Ul([html.Li([dcc.Link(name, href=profile_href(code, lang),
                                           className="fw-semibold"), ": ", line],
                                 **{"data-area": code})
                         for code, name, line in mv.sentences(db, frame, lang)],
                        id="monitor-lines", className="monitor-lines"), className="mb-4"),
        section("grafieken", html.H2(t("monitor_charts", lang), className="h5"),
                html.P(t("monitor_legend", lang), className="small text-muted"),
                dbc.Row([chart(db, view, frame, i) for i in drawn], className="g-2"),
                *([html.P(t("monitor_not_drawn", lang, names=", ".join(
                    i.label.get(lang) for i in indicators if i not in drawn)),
                    className="small text-muted", id="monitor-not-drawn")]
                  if len(drawn) < len(indicators) else [])),
        *([html.P(t("monitor_left_out", lang,
                    names=", ".join(i.label.get(lang) for i in counts)),
                  className="small text-muted", id="monitor-left-out")] if counts else []),
    ]


# -------------------------------------------------------------------------- layout
def layout(**query: Any) -> Any:
    db = store()
    view, rejected = MonitorView.from_query(query, db)
    lang = view.lang
    themes = [{"label": subtheme_label(s, lang), "value": s} for s in SUBTHEMES
              if mv.monitor_indicators(db, s)]
    return page(
        lang, "monitor", view,
        html.Div(html.Button(t("profile_print", lang), id="monitor-print", type="button",
                             className="btn btn-outline-secondary btn-sm"),
                 className="float-end no-print mt-2"),
        html.H1(t("monitor_title", lang), className="h4 mt-2", id="monitor-title"),
        html.P(t("monitor_intro", lang), className="mb-2"),
        bad_url_alert(rejected, lang),
        html.Div(labelled(t("subtheme", lang), "monitor-thema",
                          dcc.Dropdown(id="monitor-thema", options=themes, value=view.thema,
                                       clearable=False, searchable=False,
                                       style={"maxWidth": "320px"})), className="no-print"),
        dcc.Loading(html.Div(body(db, view), id="monitor-body"), delay_show=300),
        section("methode", html.H2(t("monitor_method", lang), className="h6"),
                html.P(t("monitor_method_text", lang), className="small")),
        class_name="monitor", title=f"{t('monitor', lang)} · {t('title', lang)}",
    )


# ----------------------------------------------------------------------- callbacks
def _current(state: Any) -> tuple[Store, MonitorView]:
    url = url_of(state) or ""
    if not url.startswith(MonitorView.PATH):
        raise PreventUpdate
    db = store()
    return db, MonitorView.from_query(query_of(url), db)[0]


@callback(
    Output("view", "data", allow_duplicate=True),
    Output("monitor-body", "children"),
    Input("monitor-thema", "value"),
    State("view", "data"),
    prevent_initial_call=True,
)
def change_theme(theme: Any, state: Any) -> tuple[Any, Any]:
    """Another subtheme: its table, lines and charts (a sort of the old one is dropped)."""
    db, old = _current(state)
    if not isinstance(theme, str) or theme not in SUBTHEMES or theme == old.thema:
        raise PreventUpdate
    view = old.with_changes(thema=theme, sort="")
    return address(view), body(db, view)


@callback(
    Output("view", "data", allow_duplicate=True),
    Input("monitor-grid", "eventData"),
    State("view", "data"),
    prevent_initial_call=True,
)
def change_sort(event: Any, state: Any) -> Any:
    """A column header was clicked: the sort goes into the address (assets/monitor.js)."""
    db, old = _current(state)
    data = event.get("data") if isinstance(event, dict) else None  # {data: what JS set}
    sort = mv.sort_of(data.get("columns") if isinstance(data, dict) else None)
    if sort is None or sort == old.sort:
        return no_update
    if sort.removeprefix("-") not in mv.sort_fields(db, old.thema):
        raise PreventUpdate
    return address(old.with_changes(sort=sort))


clientside_callback(
    "function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
    Output("monitor-print", "title"),
    Input("monitor-print", "n_clicks"),
    prevent_initial_call=True,
)
