"""The map explorer page: layout and callbacks over ``views.map`` (all logic is there)."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from core.areas import LEVEL as AREA_LEVEL
from core.sources import cite
from dashboard import figures, tables
from dashboard.components import address as address_of
from dashboard.components import (
    bad_url_alert,
    drawer,
    dropdown_texts,
    graph_config,
    grid_texts,
    labelled,
    options,
    page,
    region_columns,
    url_of,
)
from dashboard.data import Store, store
from dashboard.i18n import format_number, format_value, t
from dashboard.views import map as mapview
from dashboard.views import search
from dashboard.views.areas import index_with_areas
from dashboard.views.common import query_of
from dashboard.views.map import MapView

dash.register_page(__name__, path="/", title="Zicht op wijken: kaart", name="Kaart")


# ---------------------------------------------------------------------------- pieces
def figure(db: Store, view: MapView) -> Any:
    return figures.map_figure(
        mapview.geometry_url(db, view), mapview.selection(db, view),
        db.indicators[view.indicator], view.lang, mapview.map_bounds(db, view), view.kaart,
        mapview.selected_codes(db, view), mapview.map_title(db, view),
        mapview.map_source(db, view))


def notices(view: MapView) -> list[Any]:
    """What the app changed for the person, said where the eye is (and to screen readers)."""
    return [html.P(text, className="mb-1") for text in mapview.notices(view, view.lang)]


def panel(db: Store, view: MapView) -> list[Any]:
    """Details of the view: the indicator, its source, and the chosen region."""
    lang = view.lang
    info = mapview.panel(db, view)
    indicator = info.indicator
    about = [
        html.H2(indicator.label.get(lang), className="h6 mb-1"),
        html.P([html.Span(f"{t('definition', lang)}: ", className="fw-semibold"),
                indicator.definition.get(lang),
                html.Span(f" ({t(indicator.direction, lang)})", className="text-muted")],
               className="small mb-1"),
        html.P(cite(info.source_tables, lang, view.jaar), className="small text-muted mb-1",
               id="panel-source"),
    ]
    if info.note:
        about.append(html.P(f"{t('break', lang)}: {info.note}",
                            className="small text-warning-emphasis"))
    if info.drawn_on is not None:
        year, drawn, regions = info.drawn_on
        about.append(html.P(t("other_boundaries", lang, year=year,
                              drawn=format_number(drawn, lang, 0),
                              regions=format_number(regions, lang, 0)),
                            className="small text-muted", id="panel-boundaries"))
    if info.region is None:
        return [*about, html.P(t("click_hint", lang), className="small mb-0")]
    unit = indicator.unit.get(lang)
    values = html.Table(
        [html.Thead(html.Tr([html.Th(t("name", lang)),
                             html.Th(f"{t('value', lang)} ({unit})", className="text-end")])),
         html.Tbody([html.Tr([html.Td(row.name),
                              html.Td(format_value(row.value, indicator, lang),
                                      className="text-end",
                                      **{"data-code": row.code})]) for row in info.rows])],
        className="table table-sm mb-2", id="panel-values",
    )
    title = html.H2([info.region["name"],
                     html.Small(f" {view.selected}", className="text-muted")],
                    className="h5 mb-2", id="panel-title")
    if info.region.get("level") == AREA_LEVEL:  # a focus area: what the outline is
        title = html.Div([title, html.P(
            t("area_outlined", lang, n=len(mapview.selected_codes(db, view)),
              level=t(f"level_{view.niveau}", lang)), className="small text-muted mb-1",
            id="panel-area")])
    link = dcc.Link(t("profile", lang) + " →", className="small",
                    href=f"/gebied/{view.selected}" + ("?lang=en" if lang == "en" else ""))
    return [title, values, link, html.Hr(className="my-2"), *about]


def region_grid(db: Store, view: MapView) -> dict[str, Any]:
    """The table beside the map, as the component's JSON: it waits in the store
    ``table-grid`` until the map is drawn (assets/table.js)."""
    lang = view.lang
    return dag.AgGrid(
        id="table", rowModelType="infinite",
        columnDefs=region_columns(db.indicators[view.indicator], lang),
        getRowId="params.data.code", rowClassRules=mapview.row_class_rules(db, view),
        defaultColDef={"sortable": True, "resizable": True,
                       "filterParams": {"maxNumConditions": 1}},
        dashGridOptions={"animateRows": False, "pagination": True, "paginationPageSize": 20,
                         "cacheBlockSize": 100, "maxBlocksInCache": 20,
                         "ensureDomOrder": True, **grid_texts(lang)},
        # Enter or Space on a row selects it, as a click does (assets/keyboard.js).
        style={"height": "480px"}, className="ag-theme-alpine zow-region-grid",
    ).to_plotly_json()


def controls(db: Store, view: MapView) -> dbc.Card:
    lang = view.lang
    choices = mapview.controls(db, view)

    def dropdown(name: str, value: Any, **extra: Any) -> Any:
        return labelled(t({"thema": "subtheme", "jaar": "year"}.get(name, name), lang), name,
                        dcc.Dropdown(id=name, options=options(getattr(choices, name)),
                                     value=value, labels=dropdown_texts(lang),
                                     **{"clearable": False, **extra}))

    return dbc.Card(dbc.CardBody([
        dropdown("thema", view.thema),
        dropdown("indicator", view.indicator, maxHeight=320),
        dropdown("jaar", view.jaar),
        labelled(t("level", lang), "niveau",
                 dbc.RadioItems(id="niveau", options=options(choices.niveau),
                                value=view.niveau)),
        dropdown("gemeente", view.gemeente),
        labelled(t("search", lang), "search",
                 dcc.Dropdown(id="search", options=[], searchable=True, clearable=True,
                              placeholder=t("search_placeholder", lang),
                              labels=dropdown_texts(lang))),
        dbc.Checklist(id="kaart", options=[{"label": t("basemap", lang), "value": "pdok"}],
                      value=["pdok"] if view.kaart == "pdok" else [], switch=True),
    ]), className="mb-2")


# ---------------------------------------------------------------------------- layout
def layout(**query: str) -> Any:
    db = store()
    view, rejected = MapView.from_query(query, db)
    lang = view.lang
    csv_href, csv_nl_href, xlsx_href = mapview.download_hrefs(view)
    the_map = html.Div(
        # The box has the height (style.css); the graph fills it and follows its size.
        dcc.Graph(id="map", figure=figure(db, view), config=graph_config(lang, scrollZoom=True),
                  responsive=True, style={"height": "100%"}),
        className="map-graph", role="figure", **{"aria-label": t("map_label", lang)},
    )
    return page(
        lang, "explore", view,
        dcc.Store(id="geometry-key", data=mapview.geometry_key(db, view)),
        dcc.Store(id="table-focus", data=mapview.table_focus(db, view)),
        dcc.Store(id="table-sync"),
        # The table comes after the map (issue 14): its grid waits here until
        # assets/deferred.js says the map is drawn (map-drawn), then show_table puts it in.
        dcc.Store(id="table-grid", data=region_grid(db, view)),
        dcc.Store(id="map-drawn"),
        html.H1(t("map_title", lang), className="visually-hidden"),
        bad_url_alert(rejected, lang),
        html.Div(notices(view), id="view-notice", role="status", className="view-notice"),
        dbc.Row([
            dbc.Col(drawer("controls", t("controls", lang), controls(db, view), lang),
                    lg=3, md=4, className="order-2 order-md-1"),
            dbc.Col(the_map, lg=6, md=8, className="order-1 order-md-2"),
            dbc.Col(dbc.Card(dbc.CardBody(panel(db, view), id="panel"), className="h-100"),
                    lg=3, md=12, className="order-3"),
        ], className="g-2"),
        html.Div([
            html.H2(t("table_caption", lang), className="h6 mb-0 me-auto", id="table-caption"),
            html.A(t("download_csv", lang), id="download-csv", href=csv_href,
                   className="btn btn-outline-secondary btn-sm ms-2"),
            html.A(t("download_csv_nl", lang), id="download-csv-nl", href=csv_nl_href,
                   className="btn btn-outline-secondary btn-sm ms-2"),
            html.A(t("download_xlsx", lang), id="download-xlsx", href=xlsx_href,
                   className="btn btn-outline-secondary btn-sm ms-2"),
        ], className="d-flex flex-wrap align-items-center gap-1 mt-3 mb-2"),
        html.Div(id="table-slot", className="table-slot"),
    )


# ------------------------------------------------------------------------- callbacks
def current_view(state: Any) -> tuple[Store, MapView]:
    """The store and the (re-validated) view the browser says it shows."""
    db = store()
    view, _ = MapView.from_query(query_of(url_of(state)), db)
    return db, view


@callback(
    Output("indicator", "options"), Output("indicator", "value"),
    Output("jaar", "options"), Output("jaar", "value"),
    Output("niveau", "options"), Output("niveau", "value"),
    Output("gemeente", "options"), Output("gemeente", "value"),
    Output("search", "value"),
    Output("map", "figure"), Output("panel", "children"),
    Output("table-grid", "data"),
    Output("view", "data", allow_duplicate=True), Output("geometry-key", "data"),
    Output("download-csv", "href"), Output("download-csv-nl", "href"),
    Output("download-xlsx", "href"), Output("view-notice", "children"),
    Output("table-focus", "data"),
    Input("thema", "value"), Input("indicator", "value"), Input("jaar", "value"),
    Input("niveau", "value"), Input("gemeente", "value"), Input("search", "value"),
    Input("kaart", "value"), Input("map", "clickData"),
    # The grid comes after the map: until then it is missing, and that is no error.
    Input("table", "cellClicked", allow_optional=True),
    State("view", "data"), State("geometry-key", "data"),
    prevent_initial_call=True,
)
def change_view(thema, indicator, jaar, niveau, gemeente, search_value, kaart, click, cell,
                state, current_key):
    trigger = str(ctx.triggered_id or "")
    if trigger == "table" and not cell:  # the grid has just come in (after the map): no click
        return (no_update,) * 19
    db, old = current_view(state)
    value = {"thema": thema, "indicator": indicator, "jaar": jaar, "niveau": niveau,
             "gemeente": gemeente, "search": search_value, "kaart": kaart}.get(trigger)
    if trigger in ("map", "table"):
        which = "map" if trigger == "map" else ctx.triggered[0]["prop_id"]
        trigger, value = "regio", mapview.clicked(which, click, cell)
    view = mapview.changed(old, trigger, value, db)
    if view is None:
        return (no_update,) * 19
    choices = mapview.controls(db, view)
    key = mapview.geometry_key(db, view)
    values_only = key == current_key and view.selected == old.selected
    new_figure = (figures.values_patch(mapview.selection(db, view),
                                       db.indicators[view.indicator], view.lang,
                                       mapview.map_title(db, view), mapview.map_source(db, view))
                  if values_only else figure(db, view))

    def unless_same(choice: Any, *fields: str) -> Any:
        same = all(getattr(view, f) == getattr(old, f) for f in fields)
        return no_update if same else options(choice)

    return (
        unless_same(choices.indicator, "thema", "lang"), view.indicator,
        unless_same(choices.jaar, "indicator", "lang"), view.jaar,
        unless_same(choices.niveau, "indicator", "jaar", "gemeente", "lang"), view.niveau,
        unless_same(choices.gemeente, "jaar", "lang"), view.gemeente,
        None,
        new_figure, panel(db, view), region_grid(db, view),
        address_of(view), key,
        *mapview.download_hrefs(view), notices(view), mapview.table_focus(db, view),
    )


# The table beside the map once the map is drawn, then its new columns (assets/table.js).
clientside_callback(
    dash.ClientsideFunction("zow", "showTable"),
    Output("table-slot", "children"),
    Input("map-drawn", "data"), Input("table-grid", "data"),
    State("table-slot", "children"),
)


@callback(
    Output("table", "getRowsResponse"),
    Input("table", "getRowsRequest"),
    State("view", "data"),
    prevent_initial_call=True,
)
def table_block(request: Any, state: Any) -> Any:
    """One block of table rows, sorted and filtered on the server."""
    db, view = current_view(state)
    return tables.rows_response(mapview.table_frame(db, view), request)


# The table's rows depend on the view: drop its cached blocks and turn to the page of the
# selected region (assets/table.js).
clientside_callback(
    dash.ClientsideFunction("zow", "syncTable"),
    Output("table-sync", "data"),
    Input("table-focus", "data"),
)


@callback(
    Output("search", "options"),
    Input("search", "search_value"),
    State("view", "data"),
    prevent_initial_call=True,
)
def search_as_you_type(text: Any, state: Any) -> Any:
    if not isinstance(text, str) or len(text.strip()) < search.MIN_CHARS:
        return no_update
    db, view = current_view(state)
    return search.options(index_with_areas(db, view.jaar), text, view.lang,
                          levels=("gemeente", AREA_LEVEL, "wijk"), limit=25)
