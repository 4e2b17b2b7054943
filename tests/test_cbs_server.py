"""Tests for the fake CBS OData / PDOK WFS server in tests/cbs_server.py."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import cbsodata
import pytest
import requests

from tests.cbs_server import MirrorServer

pytestmark = pytest.mark.mirror

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "cbs-mirror"

if not MIRROR.is_dir():
    pytest.skip(f"CBS mirror not found at {MIRROR}", allow_module_level=True)

ODATA = "opendata.cbs.nl/ODataFeed/odata"
WFS_2024 = "service.pdok.nl/cbs/gebiedsindelingen/2024/wfs/v1_0"
WFS_QUERY = (
    "request=GetFeature&service=WFS&version=2.0.0&typeName=gebiedsindelingen:{layer}"
    "&outputFormat=json&srsName=EPSG:4326"
)


@pytest.fixture(scope="module")
def srv() -> Iterator[MirrorServer]:
    with MirrorServer(MIRROR, page_size=1000) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(srv: MirrorServer) -> Iterator[None]:
    srv.clear_faults()
    srv.clear_log()
    yield
    srv.clear_faults()


def test_service_document_points_at_fake_server(srv: MirrorServer) -> None:
    for suffix in ("", "/"):
        r = requests.get(f"{srv.url}/{ODATA}/85984NED{suffix}", params={"$format": "json"})
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/json;charset=utf-8"
        assert int(r.headers["Content-Length"]) == len(r.content)
        doc = r.json()
        names = {e["name"] for e in doc["value"]}
        assert {"TypedDataSet", "UntypedDataSet", "TableInfos", "DataProperties"} <= names
        for entry in doc["value"]:
            assert entry["url"] == f"{srv.url}/{ODATA}/85984NED/{entry['name']}"
        assert "https://" not in r.text

    r = requests.get(f"{srv.url}/dataderden.cbs.nl/ODataFeed/odata/47018NED/")
    assert all(e["url"].startswith(f"{srv.url}/dataderden.cbs.nl/") for e in r.json()["value"])


def test_paging_and_next_link(srv: MirrorServer) -> None:
    r = requests.get(f"{srv.url}/{ODATA}/85318NED/TypedDataSet?$format=json")
    body = r.json()
    assert len(body["value"]) == 1000
    assert body["odata.metadata"].endswith("#Cbs.OData.WebAPI.TypedDataSet")
    assert body["odata.nextLink"] == (
        f"{srv.url}/{ODATA}/85318NED/TypedDataSet?$format=json&$skip=1000"
    )
    last = requests.get(f"{srv.url}/{ODATA}/85318NED/TypedDataSet?$format=json&$skip=3000").json()
    assert len(last["value"]) == 685 and "odata.nextLink" not in last
    assert last["value"][0]["ID"] == 3000

    top = requests.get(
        f"{srv.url}/{ODATA}/85318NED/TypedDataSet", params={"$top": "10", "$skip": "5"}
    ).json()
    assert [row["ID"] for row in top["value"]] == list(range(5, 15))
    assert "odata.nextLink" not in top

    # a gzip-only set is decompressed and paged (85984NED TypedDataSet.json.gz)
    gz = requests.get(f"{srv.url}/{ODATA}/85984NED/TypedDataSet?$skip=18000").json()
    assert len(gz["value"]) == 310 and "odata.nextLink" not in gz


def test_cbsodata_reads_all_rows_across_pages(srv: MirrorServer) -> None:
    old_https, old_catalog = cbsodata.options.use_https, cbsodata.options.catalog_url
    try:
        cbsodata.options.use_https = False
        catalog = f"127.0.0.1:{srv.port}/opendata.cbs.nl"
        rows = cbsodata.get_meta("85318NED", "TypedDataSet", catalog_url=catalog)
        info = cbsodata.get_info("85318NED", catalog_url=catalog)
    finally:
        cbsodata.options.use_https = old_https
        cbsodata.options.catalog_url = old_catalog
    assert len(rows) == 3685
    assert [r["ID"] for r in rows] == list(range(3685))
    assert info["Identifier"] == "85318NED"
    pages = [p for p, _ in srv.requests if "TypedDataSet" in p]
    assert len(pages) == 4
    assert all(status == 200 for _, status in srv.requests)


def test_wfs_paged_wijk_2024(srv: MirrorServer) -> None:
    base = f"{srv.url}/{WFS_2024}?" + WFS_QUERY.format(layer="wijk_gegeneraliseerd")
    features: list[dict] = []
    start = 0
    while True:
        r = requests.get(f"{base}&count=1000&startIndex={start}")
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("application/json")
        page = r.json()
        assert page["numberMatched"] == 3393
        assert page["numberReturned"] == len(page["features"])
        features.extend(page["features"])
        if page["numberReturned"] < 1000:
            break
        start += 1000
    assert len(features) == 3393
    ids = [f["properties"]["id"] for f in features]
    assert ids == list(range(1, 3394))

    # parameter names are case-insensitive
    upper = requests.get(
        f"{srv.url}/{WFS_2024}",
        params={
            "REQUEST": "GetFeature",
            "TYPENAMES": "gebiedsindelingen:wijk_gegeneraliseerd",
            "COUNT": "5",
            "STARTINDEX": "10",
        },
    ).json()
    assert [f["properties"]["id"] for f in upper["features"]] == list(range(11, 16))

    whole = requests.get(f"{srv.url}/{WFS_2024}?" + WFS_QUERY.format(layer="buurt_gegeneraliseerd"))
    assert whole.json()["numberReturned"] == 21


def test_unknown_resources_404(srv: MirrorServer) -> None:
    for path in (
        f"{ODATA}/85318NED/NoSuchSet?$format=json",
        f"{ODATA}/99999NED/TypedDataSet",
        f"{ODATA}/99999NED/",
        f"{ODATA}/85318NED/..%2F85984NED%2FTableInfos",
        f"{WFS_2024}?request=GetFeature&typeName=gebiedsindelingen:nope",
        "elsewhere.example/x",
    ):
        r = requests.get(f"{srv.url}/{path}")
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == 404


def test_request_log(srv: MirrorServer) -> None:
    requests.get(f"{srv.url}/{ODATA}/85318NED/TableInfos", params={"$format": "json"})
    requests.get(f"{srv.url}/{ODATA}/85318NED/Nope")
    assert srv.requests == [
        (f"/{ODATA}/85318NED/TableInfos?$format=json", 200),
        (f"/{ODATA}/85318NED/Nope", 404),
    ]
    srv.clear_log()
    assert srv.requests == []


def test_fault_status_then_recovers(srv: MirrorServer) -> None:
    srv.add_fault("85318NED/TableInfos", "status", times=2, status=503, retry_after=7)
    url = f"{srv.url}/{ODATA}/85318NED/TableInfos?$format=json"
    first, second, third = (requests.get(url) for _ in range(3))
    assert first.status_code == second.status_code == 503
    assert first.headers["Retry-After"] == "7"
    assert third.status_code == 200 and third.json()["value"][0]["Identifier"] == "85318NED"
    assert [s for _, s in srv.requests] == [503, 503, 200]
    # other URLs are untouched
    srv.add_fault("DataProperties", "status", times=None, status=429)
    assert requests.get(f"{srv.url}/{ODATA}/85318NED/TableInfos").status_code == 200
    for _ in range(3):
        assert requests.get(f"{srv.url}/{ODATA}/85318NED/DataProperties").status_code == 429
    srv.clear_faults()
    assert requests.get(f"{srv.url}/{ODATA}/85318NED/DataProperties").status_code == 200


def test_fault_404(srv: MirrorServer) -> None:
    srv.add_fault("WijkenEnBuurten", "404")
    url = f"{srv.url}/{ODATA}/85318NED/WijkenEnBuurten"
    assert requests.get(url).status_code == 404
    assert requests.get(url).status_code == 200


def test_fault_truncate(srv: MirrorServer) -> None:
    srv.add_fault("$skip=1000", "truncate")
    url = f"{srv.url}/{ODATA}/85318NED/TypedDataSet?$format=json&$skip=1000"
    r = requests.get(url)
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == len(r.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    assert len(requests.get(url).json()["value"]) == 1000


def test_fault_reset(srv: MirrorServer) -> None:
    srv.add_fault("85318NED/UntypedDataSet", "reset")
    url = f"{srv.url}/{ODATA}/85318NED/UntypedDataSet"
    with pytest.raises(
        (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    ):
        requests.get(url)
    assert len(requests.get(url).json()["value"]) == 1000


def test_fault_slow(srv: MirrorServer) -> None:
    srv.add_fault("85318NED/CategoryGroups", "slow", delay=2.0)
    url = f"{srv.url}/{ODATA}/85318NED/CategoryGroups"
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(url, timeout=0.5)
    assert requests.get(url, timeout=5).status_code == 200


def test_fault_validation(srv: MirrorServer) -> None:
    with pytest.raises(ValueError):
        srv.add_fault("x", "explode")
    with pytest.raises(ValueError):
        srv.add_fault("x", "status")
    with pytest.raises(ValueError, match="needs rows"):
        srv.add_fault("x", "patch")
    with pytest.raises(ValueError, match="needs code, key, value"):
        srv.add_fault("x", "duplicate")


def test_fault_drip_sends_the_body_a_few_bytes_at_a_time(srv: MirrorServer) -> None:
    srv.add_fault("85318NED/TableInfos", "drip", rate=400)
    started = time.perf_counter()
    r = requests.get(f"{srv.url}/{ODATA}/85318NED/TableInfos", stream=True, timeout=5)
    first = time.perf_counter() - started
    body = r.content
    elapsed = time.perf_counter() - started
    assert first < 0.5  # the headers come at once
    assert json.loads(body)["value"][0]["Identifier"] == "85318NED"
    assert elapsed >= len(body) / 400 * 0.8  # then the body at about 400 B/s


def test_fault_body_replaces_the_reply(srv: MirrorServer) -> None:
    srv.add_fault("wijk_gegeneraliseerd", "body", body={"type": "FeatureCollection"})
    r = requests.get(f"{srv.url}/{WFS_2024}?" + WFS_QUERY.format(layer="wijk_gegeneraliseerd"))
    assert r.status_code == 200 and r.json() == {"type": "FeatureCollection"}


def test_fault_patch_and_duplicate_change_rows(srv: MirrorServer) -> None:
    def every_row() -> list[dict]:
        rows, url = [], f"{srv.url}/{ODATA}/85318NED/TypedDataSet"
        while url:
            page = requests.get(url).json()
            rows += page["value"]
            url = page.get("odata.nextLink")
        return rows

    def amsterdam(rows: list[dict]) -> list[int]:
        return [r["AantalInwoners_5"] for r in rows if r["WijkenEnBuurten"].strip() == "GM0363"]

    srv.add_fault("85318NED/TypedDataSet", "patch", times=None,
                  rows={"GM0363": {"AantalInwoners_5": -5000}})
    patched = every_row()
    assert amsterdam(patched) == [-5000] and len(patched) == 3685
    srv.clear_faults()
    srv.add_fault("85318NED/TypedDataSet", "duplicate", times=None, code="GM0363",
                  key="AantalInwoners_5", value=1)
    doubled = every_row()
    assert amsterdam(doubled) == [882633, 1] and len(doubled) == 3686
