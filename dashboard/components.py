"""Shared page furniture: header, footer, labelled controls, graphs, grids, download
buttons, and the view store that keeps the address bar in step with every page."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from core.origin import describe, origin_of
from core.ranking import rankable
from dashboard.data import StoreMissing, store
from dashboard.i18n import t

# ------------------------------------------------------------------------ the address
VIEW_STORE = "view"


def address(view: Any) -> dict[str, str]:
    """What the browser keeps of a page's view: its URL, and the same view in the other
    language (the header's language switch). Both come from the view's own ``url()``."""
    other = "en" if view.lang == "nl" else "nl"
    return {"url": view.url(), "switch": dataclasses.replace(view, lang=other).url()}


def view_store(view: Any) -> dcc.Store:
    """The page's view in the browser; every page has one, under the same id."""
    return dcc.Store(id=VIEW_STORE, data=address(view))


def url_of(state: Any) -> str | None:
    """The URL a view store holds (None when the browser sent something else)."""
    if isinstance(state, dict) and isinstance(state.get("url"), str):
        return state["url"]
    return None


ADDRESS_SYNC = """
function(state) {
    const nothing = window.dash_clientside.no_update;
    if (!state || typeof state.url !== "string") { return nothing; }
    if (state.url !== window.location.pathname + window.location.search) {
        window.history.pushState({}, "", state.url);
    }
    return typeof state.switch === "string" ? state.switch : nothing;
}
"""


def install_address_sync(app: dash.Dash) -> None:
    """One address-bar sync for every page: when a page's callback stores a new view, the
    address bar and the language switch follow, without re-rendering the page (Dash does
    not hear pushState; back/forward fire popstate, which Dash pages hears and rebuilds the
    page from). Registered on the app, not globally: tests create several apps."""
    app.clientside_callback(
        ADDRESS_SYNC,
        Output("language-switch", "href"),
        Input(VIEW_STORE, "data"),
        prevent_initial_call=True,
    )


# --------------------------------------------------------------------- page furniture
def header(lang: str, active: str, view: Any) -> dbc.Navbar:
    suffix = "?lang=en" if lang == "en" else ""
    links = [
        dbc.NavItem(dbc.NavLink(t("explore", lang), href="/" + suffix,
                                active=active == "explore")),
        dbc.NavItem(dbc.NavLink(t("compare", lang), href="/vergelijken" + suffix,
                                active=active == "compare")),
        dbc.NavItem(dbc.NavLink(t("monitor", lang), href="/nplv" + suffix,
                                active=active == "monitor")),
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(
                    [html.Span(t("title", lang), className="fw-bold me-2"),
                     html.Small(t("tagline", lang), className="d-none d-lg-inline text-muted")],
                    href="/" + suffix,
                ),
                dbc.Nav(
                    [
                        *links,
                        dbc.NavItem(dbc.NavLink(t("language", lang),
                                                href=address(view)["switch"],
                                                id="language-switch", external_link=True)),
                    ],
                    className="ms-auto",
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="light",
        dark=False,
        className="mb-2 border-bottom",
    )


def footer(lang: str) -> html.Footer:
    return html.Footer(
        [html.Small(t("attribution", lang), id="attribution"), *data_origin(lang)],
        className="text-muted px-3 py-2 border-top mt-3",
    )


def data_origin(lang: str) -> list[Any]:
    """Where the figures come from and how fresh (live CBS of a date, or the snapshot of a
    date), from the running app's store; nothing outside an app."""
    try:
        meta = store().meta()
    except (RuntimeError, StoreMissing):
        return []
    return [html.Br(), html.Small(describe(origin_of(meta), lang), id="data-origin")]


def page(lang: str, active: str, view: Any, *content: Any, fluid: Any = True,
         class_name: str | None = None, title: str | None = None) -> html.Div:
    """A whole page: a skip link, header, the view store, the main content, footer; the
    browser tab shows ``title`` (assets/lang.js), in the page's language."""
    return html.Div(
        [
            html.A(t("skip_to_content", lang), href="#inhoud",
                   className="visually-hidden-focusable skip-link"),
            header(lang, active, view),
            view_store(view),
            html.Main(list(content), id="inhoud", tabIndex="-1",
                      className=" ".join(filter(None, [
                          "container-fluid" if fluid is True else f"container-{fluid}",
                          class_name]))),
            footer(lang),
        ],
        lang=lang,
        **{"data-page-title": title or f"{t('title', lang)}: {t(active, lang).lower()}"},
    )


def drawer(drawer_id: str, title: str, body: Any, lang: str) -> list[Any]:
    """Controls that sit beside the content on wide screens and in a drawer on small ones
    (Bootstrap's responsive offcanvas), with the button that opens the drawer."""
    return [
        html.Button(title, id=f"{drawer_id}-open", type="button",
                    className="btn btn-primary btn-sm d-md-none mb-2 drawer-open",
                    **{"aria-controls": drawer_id}),
        html.Div([
            html.Div([html.H2(title, className="h5 offcanvas-title"),
                      html.Button(id=f"{drawer_id}-close", type="button",
                                  className="btn-close",
                                  **{"aria-label": t("close", lang)})],
                     className="offcanvas-header d-md-none"),
            html.Div(body, className="offcanvas-body p-0 d-block"),
        ], id=drawer_id, className="offcanvas-md offcanvas-start", tabIndex=-1,
            **{"aria-label": title}),
    ]


def install_drawers(app: dash.Dash, *drawer_ids: str) -> None:
    """Open and close each drawer (a class on the drawer; no Bootstrap script needed)."""
    for drawer_id in drawer_ids:
        app.clientside_callback(
            """function(open, close, className) {
                const id = window.dash_clientside.callback_context.triggered_id || "";
                const base = (className || "").replace(/ ?show/g, "");
                return id.endsWith("-open") ? base + " show" : base;
            }""",
            Output(drawer_id, "className"),
            Input(f"{drawer_id}-open", "n_clicks"),
            Input(f"{drawer_id}-close", "n_clicks"),
            State(drawer_id, "className"),
            prevent_initial_call=True,
        )


def bad_url_alert(rejected: list[str], lang: str) -> Any:
    """The message a page shows when its link held values it could not use."""
    if not rejected:
        return html.Div(id="bad-url")
    return dbc.Alert(f"{t('bad_url', lang)} ({', '.join(rejected)})", color="warning",
                     id="bad-url", dismissable=True, className="py-2")


def section(anchor: str, heading: Any, *content: Any, **attributes: Any) -> html.Section:
    """A section named by its heading for screen readers; ``anchor`` is its link target."""
    heading.id = getattr(heading, "id", None) or f"titel-{anchor}"
    return html.Section([heading, *content], id=anchor,
                        **{"aria-labelledby": heading.id}, **attributes)


def dropdown_texts(lang: str) -> dict[str, str]:
    """The texts inside a multi-select dropdown, in the page's language."""
    return {k: t(f"dropdown_{k}", lang) for k in (
        "select_all", "deselect_all", "selected_count", "search", "clear_search",
        "clear_selection", "no_options_found")}


def spoken(shown: str, said: str, **attributes: Any) -> list[html.Span]:
    """A short visible text (hidden from screen readers) and what they read instead."""
    return [html.Span(shown, **{"aria-hidden": "true"}, **attributes),
            html.Span(said, className="visually-hidden")]


def joined(items: Iterable[Any], separator: str = ", ") -> list[Any]:
    """Components with a separator between them (links in a sentence)."""
    out: list[Any] = []
    for i, item in enumerate(items):
        out += [separator, item] if i else [item]
    return out


def notice(text: str, element_id: str, color: str = "warning") -> dbc.Alert:
    return dbc.Alert(text, color=color, className="py-2", id=element_id)


def labelled(label: str, control_id: str, control: object) -> html.Div:
    """A control with a visible label bound to it (for screen readers and keyboards)."""
    return html.Div(
        [dbc.Label(label, html_for=control_id, className="fw-semibold mb-1"), control],
        className="mb-3",
    )


def options(choices: list[Any]) -> list[dict[str, Any]]:
    """Dropdown options from a view's choices (``views.common.Option``); a choice with a
    note shows it greyed after the label, and is still found by its label."""
    out = []
    for choice in choices:
        option = choice.as_dict()
        if choice.note:
            option["label"] = html.Span(
                [choice.label, html.Span(f" · {choice.note}", className="option-note")],
                title=choice.title, className="option-muted")
            option["search"] = choice.label
        out.append(option)
    return out


# ------------------------------------------------------------------- graphs and grids
def graph_config(lang: str, **extra: object) -> dict[str, object]:
    """A graph's buttons: no Plotly logo or cloud buttons, titles in the page's language
    (Plotly's locale plus ours, assets/plotly-locale-nl.js)."""
    return {"displaylogo": False, "responsive": True, "showSendToCloud": False,
            "showEditInChartStudio": False, "locale": lang, **extra}


def graph(figure: Any, label: str, lang: str, data_id: str = "", **style: str) -> html.Div:
    """A graph with its buttons, labelled for screen readers ("figure", not "img": an
    image may not hold controls)."""
    extra = {"data-indicator": data_id} if data_id else {}
    return html.Div(
        dcc.Graph(figure=figure, config=graph_config(lang),
                  **({"style": style} if style else {})),
        role="figure", **{"aria-label": label}, **extra,
    )


def grid_texts(lang: str) -> dict[str, object]:
    """Grid options that put a table's own texts (paging, filters, menus, screen-reader
    labels) in the page's language: AG Grid's Dutch locale, served once as the asset
    aggrid-locale-nl.js (built by tools/aggrid-locale). English is the grid's default."""
    return {"getLocaleText": {"function": "zowGridText(params)"}} if lang == "nl" else {}


def number_formatter(lang: str) -> dict[str, str]:
    """An AG Grid valueFormatter: locale digits, 'geen gegevens' where empty."""
    locale = "en-GB" if lang == "en" else "nl-NL"
    missing = t("no_data", lang)
    return {"function": f"params.value == null ? '{missing}' : "
                        f"params.value.toLocaleString('{locale}', "
                        "{maximumFractionDigits: 2})"}


def value_column(field: str, header: str, lang: str, **extra: Any) -> dict[str, Any]:
    """A grid column of numbers, right-aligned, in the page's locale."""
    return {"field": field, "headerName": header, "type": "rightAligned",
            "valueFormatter": number_formatter(lang), "wrapHeaderText": True,
            "autoHeaderHeight": True, **extra}


def name_columns(lang: str) -> list[dict[str, Any]]:
    """The grid columns that say which region a row is: name, gemeente, code."""
    wrap = {"wrapHeaderText": True, "autoHeaderHeight": True}  # never cut to "Gem…"
    return [{"field": "name", "headerName": t("name", lang), "flex": 2, "filter": True,
             "minWidth": 140, **wrap},
            {"field": "gemeente_name", "headerName": t("gemeente", lang), "flex": 1,
             "filter": True, "minWidth": 150, **wrap},
            {"field": "code", "headerName": "Code", "flex": 1, "filter": True, "minWidth": 110,
             **wrap}]


def value_formatter(indicator: Any, lang: str) -> dict[str, str]:
    """An AG Grid valueFormatter in the page's locale, with the indicator's decimals where
    the catalogue gives them (so the grid shows what the panel and the tooltip show)."""
    locale = "en-GB" if lang == "en" else "nl-NL"
    decimals = getattr(indicator, "decimals", None)
    digits = (f"{{minimumFractionDigits: {decimals}, maximumFractionDigits: {decimals}}}"
              if decimals is not None else "{maximumFractionDigits: 2}")
    return {"function": f"params.value == null ? '{t('no_data', lang)}' : "
                        f"params.value.toLocaleString('{locale}', {digits})"}


def region_columns(indicator: Any, lang: str) -> list[dict[str, Any]]:
    """A table of regions with one indicator's value, and its position where a position
    means something (core.ranking.rankable)."""
    columns = [*name_columns(lang),
               value_column("value",
                            f"{indicator.label.get(lang)} ({indicator.unit.get(lang)})", lang,
                            flex=2, filter="agNumberColumnFilter", minWidth=140,
                            valueFormatter=value_formatter(indicator, lang))]
    if rankable(indicator):
        columns.append({"field": "rank", "headerName": t("rank", lang), "flex": 1,
                        "minWidth": 90, "filter": "agNumberColumnFilter",
                        "type": "rightAligned", "valueFormatter": value_formatter(None, lang)})
    return columns


def highlight_rule(codes: tuple[str, ...] | list[str]) -> dict[str, str]:
    """AG Grid row classes that mark the chosen regions. The codes are validated against
    the store, and written as a JSON literal, so they are safe inside the expression."""
    return {"selected-region": f"{json.dumps(list(codes))}.includes(params.data.code)"} \
        if codes else {}


def grid(grid_id: str, rows: list[dict[str, Any]], columns: list[dict[str, Any]], lang: str,
         paged: bool = False, row_class_rules: dict[str, str] | None = None) -> dag.AgGrid:
    """A client-side AG Grid of a few hundred rows at most."""
    grid_options: dict[str, Any] = {"animateRows": False, "ensureDomOrder": True,
                                    "suppressCellFocus": False, **grid_texts(lang)}
    style: dict[str, str] = {}
    if paged:
        grid_options.update(pagination=True, paginationPageSize=20)
        style = {"height": "520px"}
    else:
        grid_options.update(domLayout="autoHeight")
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=columns,
        getRowId="params.data.code || params.data.indicator_id",
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions=grid_options,
        rowClassRules=row_class_rules or {},
        style=style,
        className="ag-theme-alpine",
    )


def download_buttons(button_ids: tuple[str, str], what: str, lang: str) -> html.Div:
    """CSV and Excel buttons for one table (screen readers hear which table)."""
    csv_id, xlsx_id = button_ids
    return html.Div(
        [
            html.Button(t("download_csv", lang), type="button", id=csv_id,
                        className="btn btn-outline-secondary btn-sm me-2",
                        **{"aria-label": f"{t('download_csv', lang)}: {what}"}),
            html.Button(t("download_xlsx", lang), type="button", id=xlsx_id,
                        className="btn btn-outline-secondary btn-sm",
                        **{"aria-label": f"{t('download_xlsx', lang)}: {what}"}),
        ],
        className="my-2 no-print download-buttons",
    )


def source_line(text: str, element_id: str | None = None) -> html.P:
    kwargs = {"id": element_id} if element_id else {}
    return html.P(text, className="small text-muted mb-1 source-line", **kwargs)
