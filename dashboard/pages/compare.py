"""The compare page: layout and callbacks over ``views.compare`` (all logic is there)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from core.regions import LAND_CODE
from core.sources import cite
from dashboard import figures
from dashboard.components import (
    address,
    bad_url_alert,
    download_buttons,
    dropdown_texts,
    graph,
    grid,
    highlight_rule,
    labelled,
    name_columns,
    notice,
    options,
    page,
    section,
    source_line,
    url_of,
    value_column,
)
from dashboard.data import Store, store
from dashboard.downloads import indicator_notes, send
from dashboard.i18n import format_number, subtheme_label, t
from dashboard.views import compare as cmp
from dashboard.views.common import query_of, records
from dashboard.views.compare import CompareView, TableKey

LOADING = {"type": "default", "delay_show": 300}

dash.register_page(__name__, path=CompareView.PATH, title="Zicht op wijken: vergelijken",
                   name="Vergelijken")


def button_ids(key: TableKey) -> tuple[str, str]:
    """'dl-csv-thema-wonen', 'dl-xlsx-ranking': plain ids, one pair per table."""
    name = str(key).replace(":", "-")
    return f"dl-csv-{name}", f"dl-xlsx-{name}"


# ------------------------------------------------------------------------ sections
def compare_section(db: Store, view: CompareView, selection: cmp.RegionSelection) -> list[Any]:
    lang = view.lang
    out: list[Any] = [
        *([notice(t("unknown_regions", lang, year=view.jaar,
                    codes=", ".join(selection.unknown)), "unknown-regions")]
          if selection.unknown else []),
        *([notice(t("too_many", lang, codes=", ".join(selection.excess)), "too-many")]
          if selection.excess else [])]
    if len(view.regios) < cmp.MIN_REGIONS:
        return [*out, notice(t("too_few", lang), "too-few", "info")]
    index = cmp.regions_and_areas(db, view.jaar)
    codes = [*view.regios, LAND_CODE]
    labels, short = cmp.region_labels(index, codes, lang), cmp.short_labels(index, codes, lang)
    values = cmp.compare_values(db, view)
    tables = cmp.compare_tables(db, view, values)
    if not tables:
        return [*out, notice(t("no_rows", lang, year=view.jaar), "no-rows", "info")]
    for subtheme, table in tables.items():
        title = subtheme_label(subtheme, lang)
        columns = [{"field": "indicator", "headerName": t("indicator", lang), "pinned": "left",
                    "minWidth": 220, "flex": 2, "wrapText": True, "autoHeight": True,
                    "tooltipField": "indicator"},
                   {"field": "unit", "headerName": t("unit", lang), "minWidth": 110, "flex": 1}]
        columns += [value_column(code, labels[code], lang, headerTooltip=code, minWidth=130,
                                 flex=1, cellClass=["ag-right-aligned-cell",
                                                    *(["nl-column"] if code == LAND_CODE
                                                      else [])])
                    for code in codes]
        charts = [dbc.Col(graph(figures.bar_figure(*bars, lang),
                                figures.bar_summary(*bars, lang), lang, bars[0].id),
                          md=6, xl=4, className="mb-2 bar-chart")
                  for bars in cmp.bar_inputs(db, view, table, short)]
        tables_used = cmp.table_sources(values, table["indicator_id"])
        out.append(section(
            f"tabel-{subtheme}", html.H3(title, className="h5 mt-3", id=f"titel-{subtheme}"),
            download_buttons(button_ids(TableKey("thema", subtheme)), title, lang),
            grid(f"compare-grid-{subtheme}", records(table), columns, lang),
            source_line(cite(tables_used, lang, view.jaar)),
            dbc.Row(charts, className="g-2 mt-1"), className="theme-block"))
    return out


def ranking_section(db: Store, view: CompareView) -> list[Any]:
    lang = view.lang
    if not view.ranking:
        return [html.P(t("no_data", lang))]
    indicator = db.indicators[view.ranking]
    table = cmp.ranking_table(cmp.wijk_values(db, view.ranking, view.jaar, view.gemeente),
                              indicator.direction)
    rows = records(table[["position", "code", "name", "gemeente_name", "value",
                          "percentile"]].assign(percentile=table["percentile"].round(1)))
    columns = [{"field": "position", "headerName": t("rank", lang), "maxWidth": 110,
                "type": "rightAligned", "filter": "agNumberColumnFilter"},
               *name_columns(lang),
               value_column("value", f"{indicator.label.get(lang)} "
                                     f"({indicator.unit.get(lang)})", lang, flex=2,
                            filter="agNumberColumnFilter"),
               value_column("percentile", t("percentile", lang), lang, maxWidth=140)]
    return [
        html.P(cmp.ranking_caption(db, view, table), className="small fw-semibold mb-1",
               id="ranking-caption"),
        html.P(t("ranking_help", lang), className="small text-muted mb-1"),
        download_buttons(button_ids(TableKey("ranking")), t("ranking_title", lang), lang),
        grid("ranking-grid", rows, columns, lang, paged=True,
             row_class_rules=highlight_rule(view.regios)),
        source_line(cite(db.source_tables(view.ranking, view.jaar), lang, view.jaar)),
    ]


def scatter_section(db: Store, view: CompareView) -> list[Any]:
    lang = view.lang
    if not (view.x and view.y):
        return [html.P(t("no_data", lang))]
    ix, iy = db.indicators[view.x], db.indicators[view.y]
    table = cmp.scatter_table(cmp.wijk_values(db, view.x, view.jaar, view.gemeente),
                              cmp.wijk_values(db, view.y, view.jaar, view.gemeente))
    nl = (db.national(view.x, view.jaar), db.national(view.y, view.jaar))
    figure = figures.scatter_figure(table, ix, iy, view.regios, lang, nl)
    label = t("scatter_label", lang, x=ix.label.get(lang), y=iy.label.get(lang))
    columns = [*name_columns(lang),
               *(value_column(axis, f"{i.label.get(lang)} ({i.unit.get(lang)})", lang, flex=2,
                              filter="agNumberColumnFilter") for axis, i in (("x", ix),
                                                                              ("y", iy)))]
    used = {*db.source_tables(view.x, view.jaar), *db.source_tables(view.y, view.jaar)}
    return [
        html.P(t("scatter_count", lang, n=format_number(len(table), lang)),
               className="small mb-1", id="scatter-count"),
        html.Div(graph(figure, label, lang, height="520px"), id="scatter-graph"),
        source_line(cite(used, lang, view.jaar)),
        html.H4(t("scatter_table", lang), className="h6 mt-2"),
        download_buttons(button_ids(TableKey("scatter")), t("scatter_title", lang), lang),
        grid("scatter-grid", records(table[["code", "name", "gemeente_name", "x", "y"]]),
             columns, lang, paged=True, row_class_rules=highlight_rule(view.regios)),
    ]


# ---------------------------------------------------------------------------- layout
def layout(**query: str) -> Any:
    db = store()
    view, rejected, selection = CompareView.from_query(query, db)
    lang = view.lang
    choices = cmp.controls(db, view)

    def dropdown(label: str, name: str, value: Any, opts: list[dict[str, Any]], **kw: Any
                 ) -> Any:
        return labelled(label, f"cmp-{name}", dcc.Dropdown(id=f"cmp-{name}", options=opts,
                                                           value=value, **kw))

    regions = dropdown(t("regions", lang), "regios", list(view.regios),
                       cmp.region_options(db, view),
                       multi=True, searchable=True, maxHeight=320,
                       placeholder=t("regions_placeholder", lang),
                       labels=dropdown_texts(lang))
    nav = html.Nav([html.Span(t("on_this_page", lang) + ": ", className="fw-semibold"),
                    html.A(t("compare_section", lang), href="#vergelijking", className="me-3"),
                    html.A(t("ranking_title", lang), href="#ranglijst", className="me-3"),
                    html.A(t("scatter_title", lang), href="#spreiding")],
                   className="small mb-2 no-print", **{"aria-label": t("on_this_page", lang)})
    return page(
        lang, "compare", view,
        dcc.Download(id="compare-download"),
        html.H1(t("page_title", lang), className="h4 mt-2"),
        html.P(t("intro", lang), className="mb-2"),
        bad_url_alert([r for r in rejected if r != "regios"], lang),  # regios: own message
        dbc.Card(dbc.CardBody(dbc.Row([
            dbc.Col(regions, lg=6),
            dbc.Col(dropdown(t("year", lang), "jaar", view.jaar, options(choices.years),
                             clearable=False), lg=2, sm=4),
            dbc.Col(dropdown(t("subtheme", lang), "thema", view.thema or cmp.ALL_THEMES,
                             options(choices.themes), clearable=False), lg=4, sm=8),
        ], className="g-3")), className="mb-3"),
        nav,
        section("vergelijking", html.H2(t("compare_section", lang), className="h5"),
                dcc.Loading(html.Div(compare_section(db, view, selection),
                                     id="compare-body"), **LOADING)),
        html.Hr(),
        section(
            "alle-wijken", html.H2(t("all_wijken_section", lang), className="h5"),
            dbc.Row(dbc.Col(dropdown(t("wijken_of", lang), "gemeente", view.gemeente,
                                     options(choices.gemeenten), clearable=False), lg=4)),
            section("ranglijst", html.H3(t("ranking_title", lang), className="h6"),
                    dbc.Row(dbc.Col(dropdown(t("ranking_indicator", lang), "ranking",
                                             view.ranking, options(choices.indicators),
                                             clearable=False), lg=6)),
                    dcc.Loading(html.Div(ranking_section(db, view), id="ranking-body"),
                                **LOADING), className="mb-3"),
            section("spreiding", html.H3(t("scatter_title", lang), className="h6"),
                    dbc.Row([dbc.Col(dropdown(t(f"{axis}_axis", lang), axis,
                                              getattr(view, axis), options(choices.indicators),
                                              clearable=False), lg=6)
                             for axis in ("x", "y")]),
                    dcc.Loading(html.Div(scatter_section(db, view), id="scatter-body"),
                                **LOADING)),
        ),
    )


# ------------------------------------------------------------------------- callbacks
def current_view(state: Any) -> tuple[Store, CompareView, cmp.RegionSelection]:
    db = store()
    view, _, selection = CompareView.from_query(query_of(url_of(state)), db)
    return db, view, selection


@callback(
    Output("cmp-regios", "options"),
    Input("cmp-regios", "search_value"),
    State("cmp-regios", "value"),
    State("view", "data"),
    prevent_initial_call=True,
)
def search_regions(text: Any, selected: Any, state: Any) -> Any:
    """Options for what is typed in the area search box (chosen areas stay listed)."""
    db, view, _ = current_view(state)
    return cmp.region_options(db, view, text, cmp.split_codes(selected))


CONTROLS = cmp.CONTROLS


@callback(
    Output("view", "data", allow_duplicate=True),
    Output("cmp-regios", "value"), Output("cmp-regios", "options", allow_duplicate=True),
    Output("cmp-ranking", "options"), Output("cmp-ranking", "value"),
    Output("cmp-x", "options"), Output("cmp-x", "value"),
    Output("cmp-y", "options"), Output("cmp-y", "value"),
    Output("cmp-gemeente", "options"), Output("cmp-gemeente", "value"),
    Output("compare-body", "children"), Output("ranking-body", "children"),
    Output("scatter-body", "children"),
    *(Input(f"cmp-{name}", "value") for name in CONTROLS),
    State("view", "data"),
    prevent_initial_call=True,
)
def change_view(*values: Any) -> tuple[Any, ...]:
    """Any control changed: the new view (validated like a URL) and what it changes."""
    *inputs, state = values
    db, old, _ = current_view(state)
    trigger = str(ctx.triggered_id or "").removeprefix("cmp-")
    if trigger not in CONTROLS:
        return (no_update,) * 14
    view, selection = cmp.changed(old, trigger, dict(zip(CONTROLS, inputs, strict=True))[trigger],
                                  db)
    choices = cmp.controls(db, view)
    parts = cmp.changed_parts(old, view, selection)
    indicators = options(choices.indicators) if parts.year else no_update

    def when(changed: bool, build: Any) -> Any:
        return build() if changed else no_update

    return (
        address(view), list(view.regios),
        cmp.region_options(db, view),
        indicators, view.ranking, indicators, view.x, indicators, view.y,
        when(parts.year, lambda: options(choices.gemeenten)), view.gemeente,
        when(parts.compare, lambda: compare_section(db, view, selection)),
        when(parts.ranking, lambda: ranking_section(db, view)),
        when(parts.scatter, lambda: scatter_section(db, view)),
    )


def _download_callback(key: TableKey) -> None:
    """One callback per table (plain ids: the buttons of a table exist together or not at
    all, so a callback only ever fires for buttons on the page)."""
    csv_id, xlsx_id = button_ids(key)

    @callback(
        Output("compare-download", "data", allow_duplicate=True),
        Input(csv_id, "n_clicks"), Input(xlsx_id, "n_clicks"),
        State("view", "data"),
        prevent_initial_call=True,
    )
    def _download(csv_clicks: int | None, xlsx_clicks: int | None, state: Any) -> Any:
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update  # buttons (re)created, not clicked
        db, view, _ = current_view(state)
        found = cmp.download_for(db, view, key)
        if found is None:
            return no_update
        notes = indicator_notes(db, found.indicator_ids, found.years, view.lang)
        fmt = "xlsx" if ctx.triggered_id == xlsx_id else "csv"
        return send(found.frame, notes, found.stem, fmt, view.lang)


for _key in cmp.TABLE_KEYS:
    _download_callback(_key)
