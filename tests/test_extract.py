"""Extract through the fake CBS/PDOK server: paging, the disk cache, replay, retries, gzip."""

from __future__ import annotations

import dataclasses
import gzip
import json
import time
from pathlib import Path

import cbsodata
import pytest

from etl import extract
from etl.extract import CbsClient, ExtractError, NotPublished, TableRef, make_session
from etl.settings import Settings
from tests.cbs_server import MirrorServer

KWB_2022 = TableRef("opendata", "85318NED")
KWB_2023 = TableRef("opendata", "85618NED")
ROWS_2022 = 3685  # 345 gemeenten + 3,340 wijken (mirror README)
WIJKEN_2024 = 3393


def server_settings(srv: MirrorServer, tmp_path: Path, **changes: object) -> Settings:
    """Settings that point every host at the fake server and cache in tmp_path."""
    base = dataclasses.replace(
        Settings().with_server_root(srv.url),
        mirror=None,
        refresh=False,
        cache_dir=tmp_path / "cache",
        store=tmp_path / "zow.duckdb",
        timeout=5.0,
        retries=2,
        backoff=0.05,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _requests_for(srv: MirrorServer, fragment: str) -> list[tuple[str, int]]:
    return [(path, status) for path, status in srv.requests if fragment in path]


# ---------------------------------------------------------------------------------- OData


def test_entity_set_collects_all_pages_and_caches_in_mirror_layout(
    mirror_dir: Path, tmp_path: Path
) -> None:
    with MirrorServer(mirror_dir, page_size=1000) as srv:
        client = CbsClient(server_settings(srv, tmp_path))
        rows = client.entity_set(KWB_2022, "TypedDataSet")
        pages = _requests_for(srv, "85318NED/TypedDataSet")
    assert len(rows) == ROWS_2022
    assert [r["ID"] for r in rows] == list(range(ROWS_2022))  # no page lost or repeated
    assert len(pages) == 4 and all(status == 200 for _, status in pages)
    assert "$skip=" not in pages[0][0]  # later pages follow the server's odata.nextLink
    assert [p.split("$skip=")[1].split("&")[0] for p, _ in pages[1:]] == ["1000", "2000", "3000"]
    cached = tmp_path / "cache/opendata.cbs.nl/ODataFeed/odata/85318NED/TypedDataSet.json"
    assert cached.is_file()
    assert len(json.loads(cached.read_bytes())["value"]) == ROWS_2022
    assert client.fetched == [client.odata_url(KWB_2022, "TypedDataSet")]


def test_fetch_asks_for_typed_never_untyped_data_set(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    client = CbsClient(server_settings(mirror_server, tmp_path))
    sets = client.service_document(KWB_2023)
    assert {"TypedDataSet", "UntypedDataSet"} <= set(sets)
    rows = client.entity_set(KWB_2023, "TypedDataSet")
    paths = [path for path, _ in mirror_server.requests]
    assert any("85618NED/TypedDataSet" in p for p in paths)
    assert not any("UntypedDataSet" in p for p in paths)
    assert isinstance(rows[0]["AantalInwoners_5"], int)  # typed numbers, not padded text


def test_second_client_on_the_same_cache_makes_no_request(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    settings = server_settings(mirror_server, tmp_path)
    first = CbsClient(settings).entity_set(KWB_2023, "TypedDataSet")
    mirror_server.clear_log()
    again = CbsClient(settings)
    assert again.entity_set(KWB_2023, "TypedDataSet") == first
    assert mirror_server.requests == []
    assert again.fetched == []


def test_refresh_fetches_again_despite_the_cache(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    settings = server_settings(mirror_server, tmp_path)
    CbsClient(settings).entity_set(KWB_2023, "TypedDataSet")
    mirror_server.clear_log()
    client = CbsClient(dataclasses.replace(settings, refresh=True))
    rows = client.entity_set(KWB_2023, "TypedDataSet")
    assert len(rows) == 342
    assert [status for _, status in _requests_for(mirror_server, "85618NED/TypedDataSet")] == [200]
    assert len(client.fetched) == 1


def test_replay_of_a_cache_works_with_the_server_stopped(mirror_dir: Path, tmp_path: Path) -> None:
    with MirrorServer(mirror_dir) as srv:
        settings = server_settings(srv, tmp_path)
        client = CbsClient(settings)
        sets = client.service_document(KWB_2023)
        rows = client.entity_set(KWB_2023, "TypedDataSet")
    # The server is gone: a replay of the cache folder must not need it.
    replay = CbsClient(dataclasses.replace(settings, mirror=settings.cache_dir))
    assert replay.service_document(KWB_2023) == sets
    assert replay.entity_set(KWB_2023, "TypedDataSet") == rows
    assert replay.fetched == []
    with pytest.raises(ExtractError, match=r"85618NED/DataProperties.*missing from the mirror"):
        replay.entity_set(KWB_2023, "DataProperties")
    with pytest.raises(NotPublished):
        replay.service_document(KWB_2022)


def test_cbsodata_get_data_typed_true_downloads_the_untyped_set(
    mirror_server: MirrorServer,
) -> None:
    """The trap we avoid: cbsodata's typed flag is inverted (cbsodata#20)."""
    saved = cbsodata.options.use_https
    cbsodata.options.use_https = False
    try:
        catalog_url = mirror_server.url.removeprefix("http://") + "/opendata.cbs.nl"
        rows = cbsodata.get_data("85618NED", typed=True, catalog_url=catalog_url)
    finally:
        cbsodata.options.use_https = saved
    paths = [path for path, _ in mirror_server.requests]
    assert any(p.endswith("85618NED/UntypedDataSet?$format=json") for p in paths)
    assert not any("85618NED/TypedDataSet" in p for p in paths)
    assert isinstance(rows[0]["AantalInwoners_5"], str)  # padded text, not a number
    assert not rows[0]["WijkenEnBuurten"].startswith("GM")  # codes replaced by titles


def test_a_table_that_does_not_exist_raises_not_published(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    client = CbsClient(server_settings(mirror_server, tmp_path))
    with pytest.raises(NotPublished, match="86165NED"):
        client.service_document(TableRef("opendata", "86165NED"))
    assert not (tmp_path / "cache/opendata.cbs.nl/ODataFeed/odata/86165NED").exists()


# ------------------------------------------------------------------------------------ WFS


def test_wfs_layer_is_fetched_in_pages_of_page_size(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    client = CbsClient(server_settings(mirror_server, tmp_path, page_size=1000))
    layer = client.wfs_layer(2024, "wijk_gegeneraliseerd")
    pages = _requests_for(mirror_server, "wijk_gegeneraliseerd")
    assert len(pages) == 4
    assert [p.split("startIndex=")[1].split("&")[0] for p, _ in pages] == [
        "0",
        "1000",
        "2000",
        "3000",
    ]
    assert len(layer["features"]) == WIJKEN_2024
    codes = [f["properties"]["statcode"] for f in layer["features"]]
    assert len(set(codes)) == WIJKEN_2024
    assert client.wfs_path(2024, "wijk_gegeneraliseerd").is_file()


def test_missing_wfs_layer_raises_not_published(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    client = CbsClient(server_settings(mirror_server, tmp_path))
    with pytest.raises(NotPublished):
        client.wfs_layer(2023, "wijk_gegeneraliseerd")


# -------------------------------------------------------------------------------- retries


def test_session_retries_503_honouring_retry_after(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    settings = server_settings(mirror_server, tmp_path, retries=3)
    url = f"{mirror_server.url}/opendata.cbs.nl/ODataFeed/odata/85618NED/TableInfos"
    mirror_server.add_fault("85618NED/TableInfos", "status", times=2, status=503, retry_after=1)
    started = time.perf_counter()
    response = make_session(settings).get(url, timeout=5)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json()["value"][0]["Identifier"] == "85618NED"
    assert [s for _, s in _requests_for(mirror_server, "TableInfos")] == [503, 503, 200]
    assert elapsed >= 1.9  # waited Retry-After (1 s) twice, not the 0.05 s backoff


def test_session_gives_up_after_its_retries_and_returns_the_last_status(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    settings = server_settings(mirror_server, tmp_path, retries=2)
    url = f"{mirror_server.url}/opendata.cbs.nl/ODataFeed/odata/85618NED/TableInfos"
    mirror_server.add_fault("85618NED/TableInfos", "status", times=None, status=500)
    response = make_session(settings).get(url, timeout=5)
    assert response.status_code == 500
    assert len(_requests_for(mirror_server, "TableInfos")) == 3  # first try + 2 retries


# ------------------------------------------------------------------------------ cache files


def test_large_cache_files_are_gzipped_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "GZIP_ABOVE_BYTES", 200)
    path = tmp_path / "opendata.cbs.nl/ODataFeed/odata/T/TypedDataSet.json"
    big = {"value": [{"ID": n, "Naam": "Zuidwest-Friesland"} for n in range(50)]}
    CbsClient._write_cached(path, big)
    packed = path.with_name("TypedDataSet.json.gz")
    assert packed.is_file() and not path.exists()
    assert json.loads(gzip.decompress(packed.read_bytes())) == big
    assert CbsClient._read_cached(path) == big
    # A later small reply replaces the gzip file instead of leaving two versions.
    small = {"value": [{"ID": 0}]}
    CbsClient._write_cached(path, small)
    assert path.is_file() and not packed.exists()
    assert CbsClient._read_cached(path) == small
    assert [p.name for p in path.parent.iterdir()] == ["TypedDataSet.json"]  # no .part- left


# ------------------------------------------------------------------------------ deadline


def test_a_dripping_reply_is_cut_at_the_deadline_not_after_every_byte(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    settings = server_settings(mirror_server, tmp_path, timeout=1.0)
    url = f"{mirror_server.url}/opendata.cbs.nl/ODataFeed/odata/85318NED/DataProperties"
    mirror_server.add_fault("85318NED/DataProperties", "drip", times=None, rate=64)
    started = time.perf_counter()
    with pytest.raises(extract.DeadlineExceeded, match="no complete reply within 1 s"):
        make_session(settings).get(url, timeout=1.0)  # each read is quick: 8 bytes at a time
    assert time.perf_counter() - started < 3.0  # 7 kB at 64 B/s would take 110 s


def test_a_slow_but_steady_reply_gets_time_for_its_length(
    mirror_server: MirrorServer, tmp_path: Path
) -> None:
    """A large reply on a slow, honest link: 1.6 MB at 250 kB/s takes 6.4 s, past the 3 s
    timeout, but within 3 s + its length at MIN_RATE (32 s)."""
    settings = server_settings(mirror_server, tmp_path, timeout=3.0)
    url = f"{mirror_server.url}/opendata.cbs.nl/ODataFeed/odata/85318NED/TypedDataSet"
    make_session(settings).get(url, timeout=30)  # the server reads its file once, first
    mirror_server.add_fault("85318NED/TypedDataSet", "drip", times=None, rate=250_000)
    started = time.perf_counter()
    response = make_session(settings).get(url, timeout=3.0)
    assert time.perf_counter() - started > 5.0
    assert len(response.json()["value"]) == ROWS_2022
