"""The Dash application factory."""

from __future__ import annotations

import os
from pathlib import Path

import dash
from dash import dcc, html
from flask import Response, abort, request
from flask_compress import Compress

from core.origin import origin_of
from core.regions import MAP_LEVELS
from dashboard.caching import init_cache, install_reply_cache
from dashboard.components import install_address_sync, install_drawers
from dashboard.data import StoreMissing, open_store
from dashboard.security import install_security_headers
from dashboard.serving import hide_dev_routes
from dashboard.serving import install as install_serving_guards
from dashboard.views.map import OVERVIEW_PREFIX

HERE = Path(__file__).parent
DEFAULT_STORE = Path("data/zow.duckdb")


# Dash's default page, but with the language on <html> (Dutch first; assets/lang.js follows
# the page shown) and its scripts not wrapped in a <footer>: that made a second "contentinfo"
# landmark beside the page's own footer for screen readers.
INDEX = """<!DOCTYPE html>
<html lang="nl">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def create_app(store_path: Path | str | None = None, *, dev: bool = False,
               rate_limits: bool | None = None) -> dash.Dash:
    """A Dash app over one store file (path from the argument or ZOW_STORE).

    ``dev``: for working on the code (Dash's development routes stay); ``rate_limits``:
    per-client limits on the expensive routes (default: on unless ``ZOW_RATE_LIMITS=off``).
    """
    path = Path(store_path or os.environ.get("ZOW_STORE", DEFAULT_STORE)).resolve()
    if not path.exists():
        return _no_store_app(path, dev=dev)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="Zicht op wijken",
        # No "Updating..." in the tab while callbacks run: the tab keeps the page's own title
        # (assets/lang.js sets it in the page's language; the two would take turns forever).
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {"name": "description", "content": "Cijfers per wijk, bron: CBS"},
        ],
    )
    app.index_string = INDEX
    server = app.server
    server.config["ZOW_STORE"] = str(path)
    server.config["COMPRESS_MIMETYPES"] = [
        "application/json", "text/html", "text/css", "application/javascript",
        "text/javascript", "text/csv",
    ]
    # First: the body deadline and the rate limits come before any other work on a request.
    install_serving_guards(app, dev=dev, rate_limits=rate_limits)
    init_cache(server)
    install_security_headers(app)  # first: callback bodies are checked before anything reads them
    if os.environ.get("ZOW_REPLY_CACHE", "on") != "off":  # "off": to measure the cold path
        stat = path.stat()  # a new store file (a release) is a new key space for kept replies
        install_reply_cache(app, build=f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    Compress(server)  # after the reply cache: its after_request hook must see gzipped bytes
    app.layout = html.Div([dcc.Location(id="url", refresh=False), dash.page_container])
    install_address_sync(app)  # every page keeps its view in a dcc.Store named "view"
    install_drawers(app, "controls")
    _add_routes(app)
    _claim_callbacks(app)
    return app


def _claim_callbacks(app: dash.Dash) -> None:
    """Take this app's page callbacks now. Dash pages runs the page modules for every new
    app, and their ``@callback``s wait in Dash's global list until *some* app serves its
    first request: that app takes them all. Serving one request here, at creation, binds
    them to the app that registered them, so several apps in one process (tests, a
    second store) each keep their own."""
    app.server.test_client().get("/healthz")


def _add_routes(app: dash.Dash) -> None:
    server = app.server
    from dashboard.api import api
    from dashboard.downloads import downloads
    server.register_blueprint(api)
    server.register_blueprint(downloads)  # /download/kaart.csv and /download/kaart.xlsx

    @server.get("/geo/<int:year>/<level>.json")
    def geojson(year: int, level: str) -> Response:
        """Boundaries as GeoJSON; immutable per store build, so browsers cache them."""
        return _geojson_response(year, level, overview=False)

    @server.get(f"{OVERVIEW_PREFIX}<int:year>/<level>.json")
    def geojson_overview(year: int, level: str) -> Response:
        """The same, coarser, for the national map (figures.geometry_url)."""
        return _geojson_response(year, level, overview=True)

    @server.after_request
    def preload_boundaries(response: Response) -> Response:
        """The map page names its boundaries in a Link header, so the browser fetches them
        while it loads the scripts, instead of after the page's content has arrived and
        Plotly has asked for them (benchmarks/dashboard.py --first-map: phases)."""
        if request.path != "/" or response.mimetype != "text/html" or response.status_code != 200:
            return response
        try:
            from dashboard.views import map as mapview

            db = open_store(server.config["ZOW_STORE"])
            view, _ = mapview.MapView.from_query(request.args.to_dict(), db)
            url = mapview.geometry_url(db, view)
        except Exception:  # a hint only: the page works without it
            return response
        # crossorigin: Plotly fetches in CORS mode, and a preload is only used by a
        # request of the same mode and credentials.
        response.headers["Link"] = f"<{url}>; rel=preload; as=fetch; crossorigin=anonymous"
        return response

    def _geojson_response(year: int, level: str, overview: bool) -> Response:
        if level not in MAP_LEVELS:
            abort(404)
        try:
            store = open_store(server.config["ZOW_STORE"])
            text = store.geojson_text(year, level, overview)
        except (KeyError, StoreMissing):
            abort(404)
        built = store.meta().get("built_at", "")
        etag = f'"{year}-{level}{"-overview" if overview else ""}-{built}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            # Compressed once per store and kept: 2.5 MB of JSON is too much to gzip per hit.
            response = Response(store.geojson_gzip(year, level, overview),
                                mimetype="application/json")
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(text, mimetype="application/json")
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = "public, max-age=86400"
        response.headers["ETag"] = etag
        return response

    @server.get("/healthz")
    def healthz() -> Response:
        try:
            meta = open_store(server.config["ZOW_STORE"]).meta()
        except StoreMissing:
            return Response('{"status": "no store"}', status=503, mimetype="application/json")
        import json

        body = {
            "status": "ok",
            "schema_version": meta.get("schema_version"),
            "built_at": meta.get("built_at"),
            "origin": origin_of(meta).as_dict(),  # live CBS of a date, or a snapshot's
        }
        return Response(json.dumps(body), mimetype="application/json")


def _no_store_app(path: Path, dev: bool = False) -> dash.Dash:
    """Without a store there is nothing to show but how to build one (never a traceback)."""
    app = dash.Dash(__name__, assets_folder=str(HERE / "assets"), title="Zicht op wijken",
                    assets_ignore=r"plotly-.*\.js")  # no graphs on this page
    app.index_string = INDEX
    app.layout = html.Main(
        [
            html.H1("Zicht op wijken", className="h3"),
            html.P(f"Er is nog geen gegevensbestand ({path}). / There is no data store yet."),
            html.P("Bouw het met / Build it with:"),
            html.Pre("zow etl\nzow etl --snapshot   (offline, the bundled data snapshot)"),
        ],
        className="container py-4",
        id="no-store",
    )

    @app.server.get("/healthz")
    def healthz() -> Response:
        return Response('{"status": "no store"}', status=503, mimetype="application/json")

    if not dev:
        hide_dev_routes(app)
    return app
