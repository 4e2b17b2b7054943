"""The page for an address the app does not have (Dash pages shows the module named
``not_found_404`` for every unknown path). Dutch first, then English, whatever the
language: someone who followed a broken link may read either. The server answers such
addresses with HTTP 404 (``dashboard.serving``); this is what the browser then shows."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard.components import page
from dashboard.views.not_found import NotFoundView

TITLE = "Pagina niet gevonden · Page not found · Zicht op wijken"

dash.register_page(__name__, path="/404", title=TITLE, name="Niet gevonden")


def layout(lang: str | None = None, **_: Any) -> html.Div:
    view = NotFoundView.from_query(lang)
    suffix = "?lang=en" if view.lang == "en" else ""
    return page(
        view.lang, "", view,
        html.Div(
            [
                html.H1([html.Span("Pagina niet gevonden", lang="nl"), " · ",
                         html.Span("Page not found", lang="en", className="text-muted")],
                        className="h3"),
                html.P("Deze pagina bestaat niet (meer). Misschien is de link verouderd of "
                       "zit er een typfout in het adres.", lang="nl"),
                html.P("This page does not exist (any more). The link may be out of date, "
                       "or the address may have a typo.", lang="en"),
                html.Ul([
                    html.Li(html.A([html.Span("Naar de kaart", lang="nl"), " · ",
                                    html.Span("Go to the map", lang="en")],
                                   href="/" + suffix)),
                    html.Li(html.A([html.Span("Gebieden vergelijken", lang="nl"), " · ",
                                    html.Span("Compare areas", lang="en")],
                                   href="/vergelijken" + suffix)),
                ]),
            ],
            id="not-found", className="py-4",
        ),
        fluid=False, title=TITLE,
    )
