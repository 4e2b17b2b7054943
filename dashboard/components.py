"""Shared page furniture: header with navigation and language switch, footer with sources."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import t


def switch_language_href(path: str, query: str, lang: str) -> str:
    """The same page in the other language."""
    params = dict(parse_qsl(query.lstrip("?")))
    other = "en" if lang == "nl" else "nl"
    if other == "nl":
        params.pop("lang", None)
    else:
        params["lang"] = other
    return path + ("?" + urlencode(params) if params else "")


def header(lang: str, active: str, lang_href: str) -> dbc.Navbar:
    suffix = "?lang=en" if lang == "en" else ""
    links = [
        dbc.NavItem(dbc.NavLink(t("explore", lang), href="/" + suffix, active=active == "explore")),
        dbc.NavItem(
            dbc.NavLink(t("compare", lang), href="/vergelijken" + suffix,
                        active=active == "compare")
        ),
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
                        dbc.NavItem(
                            dbc.NavLink(
                                t("language", lang),
                                href=lang_href,
                                id="language-switch",
                                external_link=True,
                            )
                        ),
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
        html.Small(t("attribution", lang), id="attribution"),
        className="text-muted px-3 py-2 border-top mt-3",
    )


def labelled(label: str, control_id: str, control: object) -> html.Div:
    """A control with a visible label bound to it (for screen readers and keyboards)."""
    return html.Div(
        [dbc.Label(label, html_for=control_id, className="fw-semibold mb-1"), control],
        className="mb-3",
    )


def graph_config(lang: str, **extra: object) -> dict[str, object]:
    """A graph's buttons: no Plotly logo or cloud buttons, titles in the page's language
    (Plotly's locale plus ours, assets/plotly-locale-nl.js)."""
    return {"displaylogo": False, "responsive": True, "showSendToCloud": False,
            "showEditInChartStudio": False, "locale": lang, **extra}


def grid_texts(lang: str) -> dict[str, object]:
    """Grid options that put a table's own texts (paging, filters, menus, screen-reader
    labels) in the page's language: AG Grid's Dutch locale, served once as the asset
    aggrid-locale-nl.js (built by tools/aggrid-locale). English is the grid's default."""
    return {"getLocaleText": {"function": "zowGridText(params)"}} if lang == "nl" else {}
