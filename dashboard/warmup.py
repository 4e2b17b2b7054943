"""Warm a worker's caches before it takes traffic: the default map view, its boundaries
(gzipped) and the store's availability tables. Run after fork (DuckDB connections must not
cross a fork), from gunicorn's ``post_worker_init`` hook."""

from __future__ import annotations

import sys

import dash


def warm(app: dash.Dash) -> None:
    from dashboard.data import open_store
    from dashboard.views import map as mapview

    # The page module as Dash pages imported it (importing it again by another name
    # would register the page twice).
    name = next(k for k, page in dash.page_registry.items() if page["path"] == "/")
    explore = sys.modules[name]
    with app.server.test_request_context("/"):
        db = open_store(str(app.server.config["ZOW_STORE"]))
        db.available()
        view, _ = mapview.MapView.from_query({}, db)
        explore.layout()
        db.geojson_gzip(mapview.geometry_year(db, view), view.niveau,
                        overview=mapview.geometry_url(db, view).startswith(
                            mapview.OVERVIEW_PREFIX))
        # The focus areas' figures (compare, profiles, the NPLV monitor): about a second
        # each, once per worker, rather than on a visitor's first monitor page.
        from core.areas import load_areas
        from dashboard.views.areas import area_values

        for area in load_areas().values():
            area_values(db, area)
