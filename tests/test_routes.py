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
