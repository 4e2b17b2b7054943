"""The map explorer: one indicator per wijk (or gemeente, buurt) on a map, with a table
beside it and a panel for the selected area. All view state lives in the URL query."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from dashboard import maps, tables
from dashboard.components import (
    footer,
    graph_config,
    grid_texts,
    header,
    labelled,
    switch_language_href,
)
from dashboard.data import SUBTHEMES, Store, store
from dashboard.i18n import format_number, level_label, subtheme_label, t
from dashboard.pagecache import cached_layout
from dashboard.state import ALL, MapView, map_indicators, resolve_map_view

dash.register_page(__name__, path="/", title="Zicht op wijken: kaart", name="Kaart")


# --------------------------------------------------------------------------- views
@lru_cache(maxsize=256)
def values_patch(db: Store, view: MapView) -> Any:
    return maps.values_patch(selection_frame(db, view), db.indicators[view.indicator], view.lang)


def geometry_year(db: Store, view: MapView) -> int:
    """The boundary year the view is drawn on (its own year, or one with the same codes)."""
    gemeente = None if view.gemeente == ALL or view.niveau == "gemeente" else view.gemeente
    found = db.geometry_year(view.indicator, view.jaar, view.niveau, gemeente)
    return view.jaar if found is None else found


def geometry_key(db: Store, view: MapView) -> str:
    return (f"{geometry_year(db, view)}|{view.jaar}|{view.niveau}|{view.gemeente}|"
            f"{view.kaart}|{view.lang}")


def selection_frame(db: Store, view: MapView) -> pd.DataFrame:
    """The regions on the map: the level's regions in the year, within the gemeente."""
    frame = db.values(view.indicator, view.jaar, view.niveau)
    if view.gemeente != ALL and view.niveau != "gemeente":
        frame = frame[frame["gemeente_code"] == view.gemeente]
    return frame.reset_index(drop=True)


@lru_cache(maxsize=256)  # the store is immutable: a view's parts never change
def full_figure(db: Store, view: MapView) -> Any:
    frame = selection_frame(db, view)
    year = geometry_year(db, view)
    zoom_to = None if view.gemeente == ALL else view.gemeente
    bounds = (db.bounds(year, view.niveau, zoom_to if view.niveau != "gemeente" else None)
              if view.niveau != "gemeente" or zoom_to is None
              else db.bounds(year, "gemeente", zoom_to))
    return maps.map_figure(
        f"/geo/{year}/{view.niveau}.json",
        frame,
        db.indicators[view.indicator],
        view.lang,
        bounds,
        view.kaart,
        view.regio,
    )


@lru_cache(maxsize=256)  # the store is immutable: a view's parts never change
def control_options(db: Store, view: MapView) -> dict[str, Any]:
    lang = view.lang
    gemeenten = db.regions(view.jaar, "gemeente")
    return {
        "thema": [{"label": subtheme_label(s, lang), "value": s} for s in SUBTHEMES
                  if map_indicators(db, s)],
        "indicator": [{"label": i.label(lang), "value": i.id}
                      for i in map_indicators(db, view.thema)],
        "jaar": [{"label": str(y), "value": y} for y in db.map_years(view.indicator)],
        "niveau": [{"label": level_label(lv, lang), "value": lv}
                   for lv in db.levels_for(view.indicator, view.jaar,
                                           None if view.gemeente == ALL else view.gemeente)],
        "gemeente": [{"label": t("all_nl", lang), "value": ALL}]
        + [{"label": n, "value": c}
           for c, n in sorted(zip(gemeenten["code"], gemeenten["name"], strict=True),
                              key=lambda cn: cn[1])],
    }


SEARCH_LIMIT = 25


def search_options(db: Store, view: MapView, text: str) -> list[dict[str, str]]:
    """Type-ahead: gemeenten and wijken whose name or code matches, best matches first.

    Searched on the server so that the page does not carry every name in the country."""
    text = text.strip().lower()[:80]
    if len(text) < 2:
        return []
    frame = db.search_options(view.jaar)
    names = frame["name"].str.lower()
    codes = frame["code"].str.lower()
    hit = names.str.contains(text, regex=False) | codes.str.startswith(text)
    found = frame[hit].assign(
        prefix=~names[hit].str.startswith(text),
        gm=frame.loc[hit, "level"] != "gemeente",
    ).sort_values(["prefix", "gm", "name"]).head(SEARCH_LIMIT)
    return [
        {
            "label": (f"{n} ({g})" if lv == "wijk" else f"{n} – {t('gemeente', view.lang)}")
            + f" · {c}",
            "value": c,
        }
        for c, lv, n, g in zip(found["code"], found["level"], found["name"],
                               found["gemeente_name"], strict=True)
    ]


@lru_cache(maxsize=256)  # the store is immutable: a view's parts never change
def panel(db: Store, view: MapView) -> list[Any]:
    """Details of the selected region: its value against its gemeente and NL."""
    lang = view.lang
    indicator = db.indicators[view.indicator]
    tables = ", ".join(sorted(set(db.source_tables(view.indicator, view.jaar))))
    source = f"Bron: CBS, {tables}, {view.jaar}" if lang == "nl" else \
        f"Source: CBS, {tables}, {view.jaar}"
    note = db.series_note(view.indicator, view.jaar, lang)
    about = [
        html.H2(indicator.label(lang), className="h6 mb-1"),
        html.P(
            [html.Span(f"{t('definition', lang)}: ", className="fw-semibold"),
             indicator.definition(lang),
             html.Span(f" ({t(indicator.direction, lang)})", className="text-muted")],
            className="small mb-1",
        ),
        html.P(source, className="small text-muted mb-1", id="panel-source"),
    ]
    if note:
        about.append(html.P(f"{t('break', lang)}: {note}", className="small text-warning-emphasis"))
    drawn_on = geometry_year(db, view)
    if drawn_on != view.jaar:
        about.append(html.P(t("other_boundaries", lang).format(year=drawn_on),
                            className="small text-muted", id="panel-boundaries"))
    if not view.regio:
        return [*about, html.P(t("click_hint", lang), className="small mb-0")]
    region = db.region(view.regio, view.jaar)
    if region is None:
        return about
    unit = indicator.unit(lang)
    rows = [(region["name"], view.regio, db.value(view.indicator, view.jaar, view.regio))]
    if region["gemeente_code"] and region["gemeente_code"] != view.regio:
        rows.append((region["gemeente_name"], region["gemeente_code"],
                     db.value(view.indicator, view.jaar, region["gemeente_code"])))
    rows.append((t("nl", lang), "NL00", db.value(view.indicator, view.jaar, "NL00")))
    body = html.Table(
        [
            html.Thead(html.Tr([html.Th(t("name", lang)), html.Th(f"{t('value', lang)} ({unit})",
                                                               className="text-end")])),
            html.Tbody(
                [
                    html.Tr([html.Td(name), html.Td(format_number(v, lang),
                                                    className="text-end",
                                                    **{"data-code": code})])
                    for name, code, v in rows
                ]
            ),
        ],
        className="table table-sm mb-2",
        id="panel-values",
    )
    title = html.H2(
        [region["name"], html.Small(f" {view.regio}", className="text-muted")],
        className="h5 mb-2", id="panel-title",
    )
    link = dcc.Link(
        t("profile", lang) + " →",
        href=f"/gebied/{view.regio}" + ("?lang=en" if lang == "en" else ""),
        className="small",
    )
    return [title, body, link, html.Hr(className="my-2"), *about]


@lru_cache(maxsize=256)  # the store is immutable: a view's parts never change
def table_frame(db: Store, view: MapView) -> pd.DataFrame:
    """The map's regions as table rows, ranked first and those without data after."""
    frame = selection_frame(db, view)
    indicator = db.indicators[view.indicator]
    table = pd.DataFrame(
        {
            "code": frame["code"],
            "name": frame["name"],
            "gemeente": frame["gemeente_name"].fillna(""),
            "value": frame["value"].round(2),
            "rank": maps.ranks(frame["value"], indicator.direction).astype("Int64"),
        }
    )
    return table.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)


def column_defs(db: Store, view: MapView) -> list[dict[str, Any]]:
    lang = view.lang
    indicator = db.indicators[view.indicator]
    locale = "en-GB" if lang == "en" else "nl-NL"
    return [
        {"field": "name", "headerName": t("name", lang), "flex": 2, "filter": True},
        {"field": "gemeente", "headerName": t("gemeente", lang), "flex": 1, "filter": True},
        {"field": "code", "headerName": "Code", "flex": 1, "filter": True},
        {"field": "value", "headerName": f"{indicator.label(lang)} ({indicator.unit(lang)})",
         "flex": 2, "filter": "agNumberColumnFilter", "type": "rightAligned",
         "valueFormatter": {"function": f"params.value == null ? '{t('no_data', lang)}' : "
                            f"params.value.toLocaleString('{locale}')"}},
        {"field": "rank", "headerName": t("rank", lang), "flex": 1,
         "filter": "agNumberColumnFilter", "type": "rightAligned"},
    ]


def download_href(view: MapView, fmt: str) -> str:
    """The table as a file: the same view, served by /download/kaart.{csv,xlsx}."""
    return f"/download/kaart.{fmt}{view.query()}"


def row_class_rules(view: MapView) -> dict[str, str]:
    # The code is validated against the store, so it is safe inside the expression.
    return (
        {"selected-region": f"params.data && params.data.code === '{view.regio}'"}
        if view.regio else {}
    )


# -------------------------------------------------------------------------- layout
@cached_layout
def layout(**query: str) -> Any:
    db = store()
    view, rejected = resolve_map_view(query, db)
    lang = view.lang
    options = control_options(db, view)
    alert = dbc.Alert(
        f"{t('bad_url', lang)} ({', '.join(rejected)})", color="warning", id="bad-url",
        dismissable=True, className="py-2",
    ) if rejected else html.Div(id="bad-url")
    controls = dbc.Card(
        dbc.CardBody(
            [
                labelled(t("subtheme", lang), "thema",
                         dcc.Dropdown(id="thema", options=options["thema"], value=view.thema,
                                      clearable=False)),
                labelled(t("indicator", lang), "indicator",
                         dcc.Dropdown(id="indicator", options=options["indicator"],
                                      value=view.indicator, clearable=False)),
                labelled(t("year", lang), "jaar",
                         dcc.Dropdown(id="jaar", options=options["jaar"], value=view.jaar,
                                      clearable=False)),
                labelled(t("level", lang), "niveau",
                         dbc.RadioItems(id="niveau", options=options["niveau"],
                                        value=view.niveau)),
                labelled(t("gemeente", lang), "gemeente",
                         dcc.Dropdown(id="gemeente", options=options["gemeente"],
                                      value=view.gemeente, clearable=False)),
                labelled(t("search", lang), "search",
                         dcc.Dropdown(id="search", options=[],
                                      placeholder=t("search_placeholder", lang),
                                      searchable=True, clearable=True)),
                dbc.Checklist(
                    id="kaart",
                    options=[{"label": t("basemap", lang), "value": "osm"}],
                    value=["osm"] if view.kaart == "osm" else [],
                    switch=True,
                ),
            ]
        ),
        className="mb-2",
    )
    grid = dag.AgGrid(
        id="table",
        rowModelType="infinite",
        columnDefs=column_defs(db, view),
        getRowId="params.data.code",
        rowClassRules=row_class_rules(view),
        defaultColDef={"sortable": True, "resizable": True,
                       "filterParams": {"maxNumConditions": 1}},
        dashGridOptions={"animateRows": False, "pagination": True, "paginationPageSize": 20,
                         "cacheBlockSize": 100, "maxBlocksInCache": 20,
                         "ensureDomOrder": True, **grid_texts(lang)},
        style={"height": "480px"},
        className="ag-theme-alpine",
    )
    return html.Div(
        [
            header(lang, "explore", switch_language_href("/", view.query(), lang)),
            dcc.Store(id="view", data=view.__dict__),
            dcc.Store(id="view-query", data=view.query()),
            dcc.Store(id="geometry-key", data=geometry_key(db, view)),
            dcc.Store(id="table-sync"),
            dbc.Container(
                [
                    html.H1(t("map_title", lang), className="visually-hidden"),
                    alert,
                    dbc.Row(
                        [
                            dbc.Col(controls, lg=3, md=4),
                            dbc.Col(
                                [
                                    html.Div(
                                        dcc.Graph(
                                            id="map",
                                            figure=full_figure(db, view),
                                            config=graph_config(lang, scrollZoom=True),
                                            style={"height": "62vh", "minHeight": "360px"},
                                        ),
                                        # "figure", not "img": its buttons are controls
                                        role="figure",
                                        **{"aria-label": t("map_label", lang)},
                                    ),
                                ],
                                lg=6, md=8,
                            ),
                            dbc.Col(
                                dbc.Card(dbc.CardBody(panel(db, view), id="panel"),
                                         className="h-100"),
                                lg=3, md=12,
                            ),
                        ],
                        className="g-2",
                    ),
                    html.Div(
                        [
                            html.H2(t("table_caption", lang), className="h6 mb-0 me-auto",
                                    id="table-caption"),
                            html.A(t("download_csv", lang), id="download-csv",
                                   href=download_href(view, "csv"),
                                   className="btn btn-outline-secondary btn-sm ms-2"),
                            html.A(t("download_xlsx", lang), id="download-xlsx",
                                   href=download_href(view, "xlsx"),
                                   className="btn btn-outline-secondary btn-sm ms-2"),
                        ],
                        className="d-flex align-items-center mt-3 mb-2",
                    ),
                    grid,
                ],
                fluid=True,
                tag="main",
            ),
            footer(lang),
        ],
        lang=lang,
    )


# ----------------------------------------------------------------------- callbacks
def _as_query(state: Any) -> dict[str, str]:
    """The view stored in the browser, as untrusted URL-like parameters."""
    if not isinstance(state, dict):
        return {}
    return {str(k): str(v) for k, v in state.items() if isinstance(v, str | int)}


def _current_view(state: Any) -> tuple[Store, MapView]:
    """The store and the (re-validated) view the browser says it shows."""
    db = store()
    view, _ = resolve_map_view(_as_query(state), db)
    return db, view


@callback(
    Output("indicator", "options"),
    Output("indicator", "value"),
    Output("jaar", "options"),
    Output("jaar", "value"),
    Output("niveau", "options"),
    Output("niveau", "value"),
    Output("gemeente", "options"),
    Output("gemeente", "value"),
    Output("search", "value"),
    Output("map", "figure"),
    Output("panel", "children"),
    Output("table", "columnDefs"),
    Output("table", "rowClassRules"),
    Output("view", "data"),
    Output("view-query", "data"),
    Output("geometry-key", "data"),
    Input("thema", "value"),
    Input("indicator", "value"),
    Input("jaar", "value"),
    Input("niveau", "value"),
    Input("gemeente", "value"),
    Input("search", "value"),
    Input("kaart", "value"),
    Input("map", "clickData"),
    Input("table", "cellClicked"),
    State("view", "data"),
    State("geometry-key", "data"),
    prevent_initial_call=True,
)
def change_view(thema, indicator, jaar, niveau, gemeente, search, kaart, click, cell,
                current, current_key):
    db, old = _current_view(current)
    query = dict(old.__dict__)
    trigger = ctx.triggered_id
    if trigger == "thema":
        query.update(thema=thema, indicator="")
    elif trigger == "indicator":
        query.update(indicator=indicator)
    elif trigger == "jaar":
        query.update(jaar=jaar)
    elif trigger == "niveau":
        query.update(niveau=niveau)
    elif trigger == "gemeente":
        query.update(gemeente=gemeente, regio="")
    elif trigger == "kaart":
        query.update(kaart="osm" if kaart else "leeg")
    elif trigger == "search" and isinstance(search, str) and search:
        found = db.region(search, old.jaar)
        if found is not None:
            query.update(regio=search, gemeente=found["gemeente_code"] or ALL)
            if found["level"] == "gemeente":
                query.update(niveau="wijk", regio=search)
    elif trigger == "map" and isinstance(click, dict) and click:
        points = click.get("points")
        point = points[0] if isinstance(points, list) and points else None
        location = point.get("location") if isinstance(point, dict) else None
        query.update(regio=location if isinstance(location, str) else "")
    elif trigger == "table" and isinstance(cell, dict) and cell:
        row_id = cell.get("rowId")
        query.update(regio=row_id if isinstance(row_id, str) else "")
    else:
        return (no_update,) * 16
    view, _ = resolve_map_view({k: str(v) for k, v in query.items()}, db)
    if view == old:
        return (no_update,) * 16
    options = control_options(db, view)
    key = geometry_key(db, view)
    values_only = key == current_key and view.regio == old.regio
    figure = (
        values_patch(db, view)
        if values_only else full_figure(db, view)
    )
    def changed(options: Any, *fields: str) -> Any:
        same = all(getattr(view, f) == getattr(old, f) for f in fields)
        return no_update if same else options

    return (
        changed(options["indicator"], "thema", "lang"), view.indicator,
        changed(options["jaar"], "indicator", "lang"), view.jaar,
        changed(options["niveau"], "indicator", "jaar", "gemeente", "lang"), view.niveau,
        changed(options["gemeente"], "jaar", "lang"), view.gemeente,
        None,
        figure,
        panel(db, view),
        column_defs(db, view),
        row_class_rules(view),
        view.__dict__,
        view.query(),
        key,
    )


# Keep the address bar in step with the view without re-rendering the page: a pushState
# that Dash does not hear. Back/forward fire popstate, which Dash pages does hear, and the
# page is rebuilt from the URL.
clientside_callback(
    """
    function(query) {
        if (typeof query !== "string") { return window.dash_clientside.no_update; }
        const target = window.location.pathname + query;
        if (target !== window.location.pathname + window.location.search) {
            window.history.pushState({}, "", target);
        }
        return ["/download/kaart.csv" + query, "/download/kaart.xlsx" + query];
    }
    """,
    Output("download-csv", "href"),
    Output("download-xlsx", "href"),
    Input("view-query", "data"),  # MapView.query(): the one place that knows the defaults
    prevent_initial_call=True,
)


@callback(
    Output("table", "getRowsResponse"),
    Input("table", "getRowsRequest"),
    State("view", "data"),
    prevent_initial_call=True,
)
def table_block(request: Any, current: Any) -> Any:
    """One block of table rows, sorted and filtered on the server."""
    db, view = _current_view(current)
    return tables.rows_response(table_frame(db, view), request)


# The table's rows depend on the view: drop its cached blocks so it asks again.
clientside_callback(
    """
    async function(view) {
        const api = await window.dash_ag_grid.getApiAsync("table");
        if (api) { api.purgeInfiniteCache(); }
        return window.dash_clientside.no_update;
    }
    """,
    Output("table-sync", "data"),
    Input("view", "data"),
    prevent_initial_call=True,
)


@callback(
    Output("search", "options"),
    Input("search", "search_value"),
    State("view", "data"),
    prevent_initial_call=True,
)
def search_as_you_type(text: Any, current: Any) -> Any:
    if not isinstance(text, str) or len(text.strip()) < 2:
        return no_update
    db, view = _current_view(current)
    return search_options(db, view, text)
