"""Compare: 2 to 8 areas side by side per theme, a ranking of all wijken of a gemeente (or
of the Netherlands), and a scatter plot of two indicators. All view state lives in the URL
(see dashboard/compare.py for the scheme); the logic is in dashboard/compare.py."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import (
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)

from dashboard import compare as cmp
from dashboard.compare import ALL, NL_CODE, CompareView, TableKey, text
from dashboard.components import (
    footer,
    graph_config,
    grid_texts,
    header,
    labelled,
    switch_language_href,
)
from dashboard.data import SUBTHEMES, Store, store
from dashboard.downloads import indicator_notes, send
from dashboard.i18n import format_number, subtheme_label, t

PATH = "/vergelijken"
ALL_THEMES = "alle"  # the dropdown's value for "all themes" (the URL leaves thema out)

dash.register_page(__name__, path=PATH, title="Zicht op wijken: vergelijken",
                   name="Vergelijken")


# ---------------------------------------------------------------------------- pieces
def button_id(key: TableKey | str, fmt: str) -> str:
    """'dl-csv-thema-wonen', 'dl-xlsx-ranking': plain ids, one pair per table."""
    return f"dl-{fmt}-{str(key).replace(':', '-')}"


def download_buttons(key: TableKey, what: str, lang: str) -> html.Div:
    """CSV and Excel buttons for one table (screen readers hear which table)."""
    return html.Div(
        [
            html.Button(t("download_csv", lang), type="button", id=button_id(key, "csv"),
                        className="btn btn-outline-secondary btn-sm me-2",
                        **{"aria-label": f"{t('download_csv', lang)}: {what}"}),
            html.Button(t("download_xlsx", lang), type="button", id=button_id(key, "xlsx"),
                        className="btn btn-outline-secondary btn-sm",
                        **{"aria-label": f"{t('download_xlsx', lang)}: {what}"}),
        ],
        className="my-2 no-print download-buttons",
    )


def source_line(tables: list[str], year: int, lang: str, element_id: str | None = None
                ) -> html.P:
    listing = ", ".join(tables) if tables else "—"
    kwargs = {"id": element_id} if element_id else {}
    return html.P(text("source_line", lang, tables=f"{listing} ({year})"),
                  className="small text-muted mb-1 source-line", **kwargs)


def graph(figure: Any, label: str, lang: str, data_id: str = "", **style: str) -> html.Div:
    extra = {"data-indicator": data_id} if data_id else {}
    return html.Div(
        dcc.Graph(figure=figure, config=graph_config(lang),
                  **({"style": style} if style else {})),
        role="figure", **{"aria-label": label}, **extra,  # "img" may not hold its buttons
    )


def grid(grid_id: str, rows: list[dict[str, Any]], columns: list[dict[str, Any]], lang: str,
         paged: bool = False, row_class_rules: dict[str, str] | None = None) -> dag.AgGrid:
    options: dict[str, Any] = {"animateRows": False, "ensureDomOrder": True,
                               "suppressCellFocus": False, **grid_texts(lang)}
    style: dict[str, str] = {}
    if paged:
        options.update(pagination=True, paginationPageSize=20)
        style = {"height": "520px"}
    else:
        options.update(domLayout="autoHeight")
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=columns,
        getRowId="params.data.code || params.data.indicator_id",
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions=options,
        rowClassRules=row_class_rules or {},
        style=style,
        className="ag-theme-alpine",
    )


def highlight_rule(codes: tuple[str, ...]) -> dict[str, str]:
    # The codes are validated against the store, so they are safe inside the expression.
    return {"selected-region": f"{json.dumps(list(codes))}.includes(params.data.code)"} \
        if codes else {}


# ------------------------------------------------------------------ compare section
def compare_section(db: Store, view: CompareView, selection: cmp.RegionSelection
                    ) -> list[Any]:
    lang = view.lang
    out: list[Any] = []
    if selection.unknown:
        out.append(dbc.Alert(text("unknown_regions", lang, year=view.jaar,
                                  codes=", ".join(selection.unknown)),
                             color="warning", className="py-2", id="unknown-regions"))
    if selection.excess:
        out.append(dbc.Alert(text("too_many", lang, codes=", ".join(selection.excess)),
                             color="warning", className="py-2", id="too-many"))
    if len(view.regios) < cmp.MIN_REGIONS:
        out.append(dbc.Alert(text("too_few", lang), color="info", className="py-2",
                             id="too-few"))
        return out
    index = cmp.region_index(db, view.jaar)
    codes = [*view.regios, NL_CODE]
    labels = cmp.region_labels(index, codes, lang)
    short = cmp.short_labels(index, codes, lang)
    values = cmp.region_values(db, codes, view.jaar)
    tables = cmp.compare_tables(db, view, values)
    if not tables:
        out.append(dbc.Alert(text("no_rows", lang, year=view.jaar), color="info",
                             className="py-2", id="no-rows"))
        return out
    for subtheme, table in tables.items():
        out.append(theme_block(db, view, subtheme, table, values, labels, short))
    return out


def theme_block(db: Store, view: CompareView, subtheme: str, table: pd.DataFrame,
                values: pd.DataFrame, labels: dict[str, str], short: dict[str, str]
                ) -> html.Section:
    lang = view.lang
    title = subtheme_label(subtheme, lang)
    columns: list[dict[str, Any]] = [
        {"field": "indicator", "headerName": t("indicator", lang), "pinned": "left",
         "minWidth": 220, "flex": 2, "wrapText": True, "autoHeight": True,
         "tooltipField": "indicator"},
        {"field": "unit", "headerName": text("unit", lang), "minWidth": 110, "flex": 1},
    ]
    for code in [*view.regios, NL_CODE]:
        columns.append({
            "field": code, "headerName": labels[code], "headerTooltip": code,
            "minWidth": 130, "flex": 1, "type": "rightAligned", "wrapHeaderText": True,
            "autoHeaderHeight": True, "valueFormatter": cmp.number_formatter(lang),
            "cellClass": ["ag-right-aligned-cell", *(["nl-column"] if code == NL_CODE else [])],
        })
    charts = []
    for row in table.to_dict("records"):
        ind = db.indicators[row["indicator_id"]]
        chosen = list(view.regios)
        vals = [row[c] for c in chosen]
        names = [short[c] for c in chosen]
        # NL as a reference only where it is comparable: not for counts (sums).
        nl_value = row[NL_CODE] if ind.aggregation != "sum" else None
        charts.append(dbc.Col(
            graph(cmp.bar_figure(ind, names, vals, nl_value, lang),
                  cmp.bar_summary(ind, names, vals, nl_value, lang), lang, ind.id),
            md=6, xl=4, className="mb-2 bar-chart",
        ))
    key = TableKey("thema", subtheme)
    return html.Section(
        [
            html.H3(title, className="h5 mt-3", id=f"titel-{subtheme}"),
            download_buttons(key, title, lang),
            grid(f"compare-grid-{subtheme}", cmp.records(table), columns, lang),
            source_line(cmp.table_sources(values, table["indicator_id"]), view.jaar, lang),
            dbc.Row(charts, className="g-2 mt-1"),
        ],
        id=f"tabel-{subtheme}",
        className="theme-block",
        **{"aria-labelledby": f"titel-{subtheme}"},
    )


# ------------------------------------------------------------------ ranking section
def ranking_section(db: Store, view: CompareView) -> list[Any]:
    lang = view.lang
    if not view.ranking:
        return [html.P(t("no_data", lang))]
    indicator = db.indicators[view.ranking]
    table = cmp.ranking_table(cmp.wijk_values(db, view.ranking, view.jaar, view.gemeente),
                              indicator.direction)
    rows = cmp.records(table[["position", "code", "name", "gemeente_name", "value",
                              "percentile"]].assign(percentile=table["percentile"].round(1)))
    columns = [
        {"field": "position", "headerName": t("rank", lang), "maxWidth": 110,
         "type": "rightAligned", "filter": "agNumberColumnFilter"},
        {"field": "name", "headerName": t("name", lang), "flex": 2, "filter": True},
        {"field": "gemeente_name", "headerName": t("gemeente", lang), "flex": 1,
         "filter": True},
        {"field": "code", "headerName": "Code", "flex": 1, "filter": True},
        {"field": "value", "headerName": f"{indicator.label(lang)} ({indicator.unit(lang)})",
         "flex": 2, "type": "rightAligned", "filter": "agNumberColumnFilter",
         "valueFormatter": cmp.number_formatter(lang), "wrapHeaderText": True,
         "autoHeaderHeight": True},
        {"field": "percentile", "headerName": text("percentile", lang), "maxWidth": 140,
         "type": "rightAligned", "valueFormatter": cmp.number_formatter(lang)},
    ]
    n = int(table["value"].notna().sum())
    where = t("all_nl", lang) if view.gemeente == ALL else \
        cmp.region_labels(cmp.region_index(db, view.jaar), [view.gemeente], lang)[view.gemeente]
    tables = db.source_tables(view.ranking, view.jaar)
    count = text("ranked_count", lang, n=format_number(n, lang),
                 total=format_number(len(table), lang))
    caption = (f"{indicator.label(lang)} · {where} · {view.jaar} · {count} "
               f"({t(indicator.direction, lang)})")
    return [
        html.P(caption, className="small fw-semibold mb-1", id="ranking-caption"),
        html.P(text("ranking_help", lang), className="small text-muted mb-1"),
        download_buttons(TableKey("ranking"), text("ranking_title", lang), lang),
        grid("ranking-grid", rows, columns, lang, paged=True,
             row_class_rules=highlight_rule(view.regios)),
        source_line(tables, view.jaar, lang),
    ]


# ------------------------------------------------------------------ scatter section
def scatter_section(db: Store, view: CompareView) -> list[Any]:
    lang = view.lang
    if not (view.x and view.y):
        return [html.P(t("no_data", lang))]
    ix, iy = db.indicators[view.x], db.indicators[view.y]
    table = cmp.scatter_table(cmp.wijk_values(db, view.x, view.jaar, view.gemeente),
                              cmp.wijk_values(db, view.y, view.jaar, view.gemeente))
    nl = (db.value(view.x, view.jaar, NL_CODE), db.value(view.y, view.jaar, NL_CODE))
    figure = cmp.scatter_figure(table, ix, iy, view.regios, lang, nl)
    label = text("scatter_label", lang, x=ix.label(lang), y=iy.label(lang))
    columns = [
        {"field": "name", "headerName": t("name", lang), "flex": 2, "filter": True},
        {"field": "gemeente_name", "headerName": t("gemeente", lang), "flex": 1,
         "filter": True},
        {"field": "code", "headerName": "Code", "flex": 1, "filter": True},
        {"field": "x", "headerName": f"{ix.label(lang)} ({ix.unit(lang)})", "flex": 2,
         "type": "rightAligned", "valueFormatter": cmp.number_formatter(lang),
         "filter": "agNumberColumnFilter", "wrapHeaderText": True, "autoHeaderHeight": True},
        {"field": "y", "headerName": f"{iy.label(lang)} ({iy.unit(lang)})", "flex": 2,
         "type": "rightAligned", "valueFormatter": cmp.number_formatter(lang),
         "filter": "agNumberColumnFilter", "wrapHeaderText": True, "autoHeaderHeight": True},
    ]
    tables = sorted(set(db.source_tables(view.x, view.jaar))
                    | set(db.source_tables(view.y, view.jaar)))
    return [
        html.P(text("scatter_count", lang, n=format_number(len(table), lang)),
               className="small mb-1", id="scatter-count"),
        html.Div(graph(figure, label, lang, height="520px"), id="scatter-graph"),
        source_line(tables, view.jaar, lang),
        html.H4(text("scatter_table", lang), className="h6 mt-2"),
        download_buttons(TableKey("scatter"), text("scatter_title", lang), lang),
        grid("scatter-grid", cmp.records(table[["code", "name", "gemeente_name", "x", "y"]]),
             columns, lang, paged=True, row_class_rules=highlight_rule(view.regios)),
    ]


# ------------------------------------------------------------------ control options
def indicator_options(db: Store, year: int, lang: str) -> list[dict[str, str]]:
    return [{"label": f"{i.label(lang)} ({subtheme_label(i.subtheme, lang)})", "value": i.id}
            for i in cmp.indicators_at(db, year, "wijk")]


def gemeente_options(db: Store, year: int, lang: str) -> list[dict[str, str]]:
    index = cmp.region_index(db, year)
    gm = index[index["level"] == "gemeente"].sort_values("name")
    return [{"label": t("all_nl", lang), "value": ALL}] + [
        {"label": n, "value": c} for c, n in zip(gm["code"], gm["name"], strict=True)]


def theme_options(db: Store, lang: str) -> list[dict[str, str]]:
    have = set(db.available()["indicator_id"])
    return [{"label": text("all_themes", lang), "value": ALL_THEMES}] + [
        {"label": subtheme_label(s, lang), "value": s} for s in SUBTHEMES
        if any(i.subtheme == s and i.id in have for i in db.indicators.values())]


# -------------------------------------------------------------------------- layout
def layout(**query: str) -> Any:
    db = store()
    view, rejected, selection = cmp.resolve_compare_view(query, db)
    lang = view.lang
    index = cmp.region_index(db, view.jaar)
    bad = [r for r in rejected if r != "regios"]  # regios get their own message
    alert = dbc.Alert(
        f"{t('bad_url', lang)} ({', '.join(bad)})", color="warning", id="bad-url",
        dismissable=True, className="py-2",
    ) if bad else html.Div(id="bad-url")
    ind_options = indicator_options(db, view.jaar, lang)
    controls = dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(labelled(text("regions", lang), "cmp-regios", dcc.Dropdown(
                        id="cmp-regios", multi=True, searchable=True,
                        options=cmp.region_options(index, "", view.regios, lang),
                        value=list(view.regios),
                        placeholder=text("regions_placeholder", lang),
                        maxHeight=320, labels=cmp.DROPDOWN_LABELS[lang],
                    )), lg=6),
                    dbc.Col(labelled(t("year", lang), "cmp-jaar", dcc.Dropdown(
                        id="cmp-jaar", options=[{"label": str(y), "value": y}
                                            for y in cmp.compare_years(db)],
                        value=view.jaar, clearable=False,
                    )), lg=2, sm=4),
                    dbc.Col(labelled(t("subtheme", lang), "cmp-thema", dcc.Dropdown(
                        id="cmp-thema", options=theme_options(db, lang),
                        value=view.thema or ALL_THEMES, clearable=False,
                    )), lg=4, sm=8),
                ],
                className="g-3",
            )
        ),
        className="mb-3",
    )
    nav = html.Nav(
        [html.Span(text("on_this_page", lang) + ": ", className="fw-semibold"),
         html.A(text("compare_section", lang), href="#vergelijking", className="me-3"),
         html.A(text("ranking_title", lang), href="#ranglijst", className="me-3"),
         html.A(text("scatter_title", lang), href="#spreiding")],
        className="small mb-2 no-print", **{"aria-label": text("on_this_page", lang)},
    )
    return html.Div(
        [
            header(lang, "compare", switch_language_href(PATH, view.query(), lang)),
            dcc.Store(id="compare-view", data=view.to_store()),
            dcc.Store(id="compare-url"),
            dcc.Store(id="compare-url-sync"),
            dcc.Download(id="compare-download"),
            dbc.Container(
                [
                    html.H1(text("page_title", lang), className="h4 mt-2"),
                    html.P(text("intro", lang), className="mb-2"),
                    alert,
                    controls,
                    nav,
                    html.Section(
                        [html.H2(text("compare_section", lang), className="h5",
                                 id="titel-vergelijking"),
                         dcc.Loading(html.Div(compare_section(db, view, selection),
                                              id="compare-body"), type="default",
                                     delay_show=300)],
                        id="vergelijking", **{"aria-labelledby": "titel-vergelijking"},
                    ),
                    html.Hr(),
                    html.Section(
                        [
                            html.H2(text("all_wijken_section", lang), className="h5",
                                    id="titel-alle-wijken"),
                            dbc.Row(dbc.Col(labelled(text("wijken_of", lang), "cmp-gemeente",
                                                     dcc.Dropdown(
                                id="cmp-gemeente", options=gemeente_options(db, view.jaar, lang),
                                value=view.gemeente, clearable=False,
                            )), lg=4)),
                            html.Section(
                                [
                                    html.H3(text("ranking_title", lang), className="h6",
                                            id="titel-ranglijst"),
                                    dbc.Row(dbc.Col(labelled(
                                        text("ranking_indicator", lang), "cmp-ranking",
                                        dcc.Dropdown(id="cmp-ranking", options=ind_options,
                                                     value=view.ranking, clearable=False),
                                    ), lg=6)),
                                    dcc.Loading(html.Div(ranking_section(db, view),
                                                         id="ranking-body"),
                                                type="default", delay_show=300),
                                ],
                                id="ranglijst", className="mb-3",
                                **{"aria-labelledby": "titel-ranglijst"},
                            ),
                            html.Section(
                                [
                                    html.H3(text("scatter_title", lang), className="h6",
                                            id="titel-spreiding"),
                                    dbc.Row(
                                        [
                                            dbc.Col(labelled(text("x_axis", lang), "cmp-x",
                                                             dcc.Dropdown(
                                                id="cmp-x", options=ind_options, value=view.x,
                                                clearable=False)), lg=6),
                                            dbc.Col(labelled(text("y_axis", lang), "cmp-y",
                                                             dcc.Dropdown(
                                                id="cmp-y", options=ind_options, value=view.y,
                                                clearable=False)), lg=6),
                                        ]
                                    ),
                                    dcc.Loading(html.Div(scatter_section(db, view),
                                                         id="scatter-body"),
                                                type="default", delay_show=300),
                                ],
                                id="spreiding",
                                **{"aria-labelledby": "titel-spreiding"},
                            ),
                        ],
                        id="alle-wijken", **{"aria-labelledby": "titel-alle-wijken"},
                    ),
                ],
                fluid=True,
                tag="main",
            ),
            footer(lang),
        ],
        lang=lang,
    )


# ----------------------------------------------------------------------- callbacks
@callback(
    Output("cmp-regios", "options"),
    Input("cmp-regios", "search_value"),
    State("cmp-regios", "value"),
    State("compare-view", "data"),
    prevent_initial_call=True,
)
def search_regions(search: Any, selected: Any, current: Any) -> Any:
    """Options for what is typed in the area search box (chosen areas stay listed)."""
    try:
        view = CompareView.from_store(current)
    except (TypeError, ValueError):
        return no_update
    index = cmp.region_index(store(), view.jaar)
    return cmp.region_options(index, search, cmp.split_codes(selected), view.lang)


@callback(
    Output("compare-view", "data"),
    Output("compare-url", "data"),
    Output("cmp-regios", "value"),
    Output("cmp-regios", "options", allow_duplicate=True),
    Output("cmp-ranking", "options"),
    Output("cmp-ranking", "value"),
    Output("cmp-x", "options"),
    Output("cmp-x", "value"),
    Output("cmp-y", "options"),
    Output("cmp-y", "value"),
    Output("cmp-gemeente", "options"),
    Output("cmp-gemeente", "value"),
    Output("compare-body", "children"),
    Output("ranking-body", "children"),
    Output("scatter-body", "children"),
    Output("language-switch", "href", allow_duplicate=True),
    Input("cmp-regios", "value"),
    Input("cmp-jaar", "value"),
    Input("cmp-thema", "value"),
    Input("cmp-ranking", "value"),
    Input("cmp-gemeente", "value"),
    Input("cmp-x", "value"),
    Input("cmp-y", "value"),
    State("compare-view", "data"),
    prevent_initial_call=True,
)
def change_view(regios: Any, jaar: Any, thema: Any, ranking: Any, gemeente: Any, x: Any,
                y: Any, current: Any) -> tuple[Any, ...]:
    """Any control changed: the new view (validated like a URL) and what it changes."""
    db = store()
    try:
        old = CompareView.from_store(current)
    except (TypeError, ValueError):
        return (no_update,) * 16
    query = {k: str(v) for k, v in old.params().items()}
    query["gemeente"] = old.gemeente
    trigger = str(ctx.triggered_id or "").removeprefix("cmp-")
    if trigger == "regios":
        query["regios"] = ",".join(cmp.split_codes(regios))
    elif trigger == "jaar":
        query["jaar"] = str(jaar)
    elif trigger == "thema":
        query["thema"] = "" if thema in (None, ALL_THEMES) else str(thema)
    elif trigger in ("ranking", "gemeente", "x", "y"):
        query[trigger] = str({"ranking": ranking, "gemeente": gemeente, "x": x,
                              "y": y}[trigger] or "")
    else:
        return (no_update,) * 16
    view, _, selection = cmp.resolve_compare_view(query, db)
    lang = view.lang
    year_changed = view.jaar != old.jaar
    compare_changed = (view.regios, view.jaar, view.thema) != (old.regios, old.jaar, old.thema)
    ranking_changed = (view.ranking, view.gemeente, view.jaar, view.regios) != (
        old.ranking, old.gemeente, old.jaar, old.regios)
    scatter_changed = (view.x, view.y, view.gemeente, view.jaar, view.regios) != (
        old.x, old.y, old.gemeente, old.jaar, old.regios)
    # After a too-long selection or a year without some areas, show the message anyway.
    compare_changed = compare_changed or bool(selection.excess or selection.unknown)
    index = cmp.region_index(db, view.jaar)
    ind_options = indicator_options(db, view.jaar, lang) if year_changed else no_update
    return (
        view.to_store(),
        PATH + view.query(),
        list(view.regios),
        cmp.region_options(index, "", view.regios, lang),
        ind_options, view.ranking,
        ind_options, view.x,
        ind_options, view.y,
        gemeente_options(db, view.jaar, lang) if year_changed else no_update, view.gemeente,
        compare_section(db, view, selection) if compare_changed else no_update,
        ranking_section(db, view) if ranking_changed else no_update,
        scatter_section(db, view) if scatter_changed else no_update,
        switch_language_href(PATH, view.query(), lang),
    )


def download_table(key: TableKey, fmt: str, current: dict[str, Any]) -> Any:
    """The dcc.Download data of one table of the view, as CSV or Excel."""
    db = store()
    try:
        view = CompareView.from_store(current)
    except (TypeError, ValueError):
        return no_update
    view, _, _ = cmp.resolve_compare_view(view.params(), db)  # validated like a URL
    found = cmp.download_for(db, view, key)
    if found is None:
        return no_update
    notes = indicator_notes(db, found.indicator_ids, found.years, view.lang)
    return send(found.frame, notes, found.stem, fmt, view.lang)


def _download_callback(key: TableKey) -> None:
    """One callback per table (plain ids: the buttons of a table exist together or not at
    all, so a callback only ever fires for buttons on the page)."""

    @callback(
        Output("compare-download", "data", allow_duplicate=True),
        Input(button_id(key, "csv"), "n_clicks"),
        Input(button_id(key, "xlsx"), "n_clicks"),
        State("compare-view", "data"),
        prevent_initial_call=True,
    )
    def _download(csv_clicks: int | None, xlsx_clicks: int | None,
                  current: dict[str, Any]) -> Any:
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update  # buttons (re)created, not clicked
        fmt = "xlsx" if ctx.triggered_id == button_id(key, "xlsx") else "csv"
        return download_table(key, fmt, current)


for _key in [TableKey("thema", s) for s in SUBTHEMES] + [TableKey("ranking"),
                                                          TableKey("scatter")]:
    _download_callback(_key)


# Keep the address bar in step with the view without re-rendering the page (Dash does not
# hear pushState); back/forward fire popstate, which rebuilds the page from the URL.
clientside_callback(
    """
    function(target) {
        if (!target) { return window.dash_clientside.no_update; }
        if (target !== window.location.pathname + window.location.search) {
            window.history.pushState({}, "", target);
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output("compare-url-sync", "data"),
    Input("compare-url", "data"),
    prevent_initial_call=True,
)
