"""The app's own routes: boundaries as GeoJSON (cached, compressed, revalidated), health,
and an app without a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.data import Store

N_WIJKEN_2024 = 3393


def test_geojson_route(client, db: Store) -> None:
    response = client.get("/geo/2024/wijk.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == N_WIJKEN_2024
    ids = {f["id"] for f in data["features"]}
    assert ids == set(db.regions(2024, "wijk")["code"])
    assert "max-age" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert etag

    again = client.get("/geo/2024/wijk.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    stale = client.get("/geo/2024/wijk.json", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_geojson_route_compressed_and_revalidated(client) -> None:
    """Browsers ask gzip: the ETag they get back (Flask-Compress adds ':gzip') still
    revalidates to a 304."""
    response = client.get("/geo/2024/wijk.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    plain = client.get("/geo/2024/wijk.json")
    assert len(response.data) < len(plain.data) / 2
    etag = response.headers["ETag"]
    again = client.get("/geo/2024/wijk.json",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url", ["/geo/2024/straat.json", "/geo/1800/wijk.json", "/geo/2024/land.json"],
)
def test_geojson_route_unknown(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["schema_version"]
    assert body["built_at"]


def test_missing_store_is_reported_not_crashed(tmp_path: Path) -> None:
    client = create_app(tmp_path / "geen.duckdb").server.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "no store"
    page = client.get("/_dash-layout")
    assert page.status_code == 200
    assert b"zow etl" in page.data  # says how to build the store


def _vertices(collection: dict) -> int:
    import shapely

    return sum(int(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"])))
               for f in collection["features"])


def test_the_national_map_has_overview_boundaries_of_the_same_regions(client) -> None:
    """/geo/overzicht/…: every region of the layer, far fewer vertices, no gaps between
    neighbours (the same land covered), cached and revalidated like the full ones."""
    import shapely

    full = json.loads(client.get("/geo/2024/wijk.json").data)
    response = client.get("/geo/overzicht/2024/wijk.json")
    assert response.status_code == 200
    coarse = json.loads(response.data)
    assert coarse["attribution"] == full["attribution"]
    assert [f["id"] for f in coarse["features"]] == [f["id"] for f in full["features"]]
    assert _vertices(coarse) < 0.7 * _vertices(full)
    assert len(response.data) < 0.7 * len(client.get("/geo/2024/wijk.json").data)
    shapes = [shapely.geometry.shape(f["geometry"]) for f in coarse["features"]]
    assert all(s.is_valid and not s.is_empty for s in shapes)
    # Simplified as one coverage: the union covers what the full shapes cover.
    land = shapely.union_all([shapely.geometry.shape(f["geometry"])
                              for f in full["features"]])
    assert abs(shapely.union_all(shapes).area - land.area) < 0.005 * land.area
    etag = response.headers["ETag"]
    assert etag != client.get("/geo/2024/wijk.json").headers["ETag"]
    again = client.get("/geo/overzicht/2024/wijk.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/geo/overzicht/2024/straat.json").status_code == 404


def test_the_map_page_preloads_the_boundaries_its_map_draws(client) -> None:
    """The page's Link header names the boundaries of its map (the overview for the whole
    country, the full ones within a gemeente), so the browser fetches them at once."""
    national = client.get("/?niveau=wijk&jaar=2024&indicator=inwoners")
    assert national.headers["Link"] == (
        "</geo/overzicht/2024/wijk.json>; rel=preload; as=fetch; crossorigin=anonymous")
    amsterdam = client.get("/?niveau=wijk&jaar=2024&indicator=inwoners&gemeente=GM0363")
    assert amsterdam.headers["Link"].startswith("</geo/2024/wijk.json>; rel=preload")
    assert "Link" not in client.get("/vergelijken").headers
