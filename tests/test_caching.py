"""Caches (dashboard/caching.py). Kept replies: the same request gets the same bytes back
without the work, a different request never gets another's reply, only good replies are kept,
and made-up parameters cannot bypass them. Static files: compressed once, whatever fingerprint
the URL carries.

Flask test client over the store the real ETL builds from the mirror."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import flask_compress.flask_compress as flask_compress_module
import pytest
from flask import Flask, request

from dashboard import caching
from dashboard.app import create_app
from dashboard.caching import HIT_HEADER, StaticFileCache, request_key, static_file_key
from tests.dash_requests import CALLBACK, router_payload

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def fresh(app: Any) -> Any:
    """A test client of the session's app, with nothing kept yet."""
    with app.server.app_context():
        caching.cache.clear()
    return app.server.test_client()


def page_json(response: Any) -> dict[str, Any]:
    data = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return json.loads(data)


def test_second_identical_callback_request_is_served_kept_bytes(fresh: Any, app: Any) -> None:
    body = router_payload(app, "/", "?indicator=inwoners&jaar=2024")
    first = fresh.post(CALLBACK, json=body, headers=GZIP)
    second = fresh.post(CALLBACK, json=body, headers=GZIP)
    assert first.status_code == second.status_code == 200
    assert (first.headers[HIT_HEADER], second.headers[HIT_HEADER]) == ("miss", "hit")
    assert second.headers["Content-Encoding"] == "gzip"
    assert second.data == first.data
    assert "map" in json.dumps(page_json(second)["response"])


def test_kept_reply_follows_the_clients_accept_encoding(fresh: Any, app: Any) -> None:
    body = router_payload(app, "/")
    zipped = fresh.post(CALLBACK, json=body, headers=GZIP)
    plain = fresh.post(CALLBACK, json=body)  # no Accept-Encoding: must not get gzip bytes
    plain_again = fresh.post(CALLBACK, json=body)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert plain.headers[HIT_HEADER] == "miss"
    assert plain_again.headers[HIT_HEADER] == "hit"
    assert json.loads(plain_again.data) == page_json(zipped)


def test_different_views_never_share_a_kept_reply(fresh: Any, app: Any) -> None:
    nl = fresh.post(CALLBACK, json=router_payload(app, "/", "?lang=nl"))
    en = fresh.post(CALLBACK, json=router_payload(app, "/", "?lang=en"))
    en_again = fresh.post(CALLBACK, json=router_payload(app, "/", "?lang=en"))
    assert en.headers[HIT_HEADER] == "miss"
    assert en_again.headers[HIT_HEADER] == "hit"
    assert nl.data != en.data
    assert en_again.data == en.data


def test_rejected_callback_request_is_never_kept(fresh: Any, app: Any) -> None:
    body = router_payload(app, "/")
    body["inputs"][0]["value"] = {"not": "a path"}
    replies = [fresh.post(CALLBACK, json=body) for _ in range(2)]
    assert [r.status_code for r in replies] == [400, 400]
    assert all(HIT_HEADER not in r.headers for r in replies)


def test_kept_reply_still_carries_security_headers(fresh: Any, app: Any) -> None:
    body = router_payload(app, "/")
    fresh.post(CALLBACK, json=body)
    hit = fresh.post(CALLBACK, json=body)
    assert hit.headers[HIT_HEADER] == "hit"
    assert "frame-ancestors 'none'" in hit.headers["Content-Security-Policy"]
    assert hit.headers["X-Content-Type-Options"] == "nosniff"


def test_csv_download_is_kept_whole_with_attribution(fresh: Any) -> None:
    url = "/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=gemeente"
    first = fresh.get(url, headers=GZIP)
    second = fresh.get(url, headers=GZIP)
    assert (first.headers[HIT_HEADER], second.headers[HIT_HEADER]) == ("miss", "hit")
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    text = gzip.decompress(second.data).decode("utf-8-sig")
    assert text == gzip.decompress(first.data).decode("utf-8-sig")
    assert "Bron: CBS (CC BY 4.0)" in text.splitlines()[1]


def test_api_errors_are_not_kept(fresh: Any) -> None:
    replies = [fresh.get("/api/v1/observations?indicator=bestaat_niet") for _ in range(2)]
    assert all(400 <= r.status_code < 500 for r in replies)
    assert all(HIT_HEADER not in r.headers for r in replies)


def test_key_depends_on_store_day_body_and_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    flask_app = Flask(__name__)

    def key(namespace: str = "v1:store-a", body: bytes = b"{}", **headers: str) -> str | None:
        with flask_app.test_request_context(CALLBACK, method="POST", data=body,
                                            headers=headers):
            return request_key(CALLBACK, namespace)

    base = key()
    assert base is not None and base == key()
    assert key(namespace="v1:store-b") != base  # a new store file or release
    assert key(body=b'{"a": 1}') != base
    assert key(**{"Accept-Encoding": "gzip"}) != base

    class Tomorrow:
        @staticmethod
        def today() -> Any:
            import datetime

            return datetime.date.today() + datetime.timedelta(days=1)

    monkeypatch.setattr(caching, "date", Tomorrow)
    assert key() != base  # Excel files carry the day they were made
    with flask_app.test_request_context("/", method="GET"):
        assert request_key(CALLBACK, "v1:store-a") is None  # pages are not kept here


# ------------------------------------------------------------------ static files
def script_urls(client: Any) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    return re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)


def test_static_script_is_compressed_once_for_every_visitor(
    fresh: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = next(u for u in script_urls(fresh) if "dash_ag_grid" in u)
    calls: list[str] = []
    real = flask_compress_module._compress_data

    def counting(app: Any, data: bytes, algorithm: str) -> bytes:
        calls.append(algorithm)
        return real(app, data, algorithm)

    monkeypatch.setattr(flask_compress_module, "_compress_data", counting)
    plain = fresh.get(url).data
    first = fresh.get(url, headers=GZIP)
    again = fresh.get(url, headers=GZIP)
    refingerprinted = fresh.get(re.sub(r"\.v[\w]+m\d+\.", ".v0_0_1m1.", url), headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.data) == plain
    assert again.data == first.data == refingerprinted.data
    assert calls.count("gzip") <= 1  # 0 when an earlier test already compressed it


def test_only_static_files_are_kept_compressed() -> None:
    flask_app = Flask(__name__)
    kept = StaticFileCache()
    with flask_app.test_request_context("/_dash-component-suites/x/y.v1_2_3m45.min.js?a=1"):
        script = static_file_key(request)
    with flask_app.test_request_context(CALLBACK, method="POST"):
        dynamic = static_file_key(request)
    assert script == "/_dash-component-suites/x/y.min.js"
    assert dynamic == ""
    kept.set(f"gzip;{script}", b"script")
    kept.set(f"gzip;{dynamic}", b"reply")
    assert kept.get(f"gzip;{script}") == b"script"
    assert kept.get(f"gzip;{dynamic}") is None


def test_reply_cache_can_be_turned_off(built_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOW_REPLY_CACHE", "off")
    client = create_app(built_store).server.test_client()
    url = "/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=gemeente"
    replies = [client.get(url) for _ in range(2)]
    assert [r.status_code for r in replies] == [200, 200]
    assert all(HIT_HEADER not in r.headers for r in replies)


def test_replicas_share_kept_replies_through_redis(
    built_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two app processes with the same ZOW_REDIS_URL (as deploy/compose.yaml runs them):
    what one replica computed, the other sends without computing."""
    import fakeredis
    import redis

    shared = fakeredis.FakeServer()
    monkeypatch.setattr(redis, "from_url",
                        lambda url, **kwargs: fakeredis.FakeRedis(server=shared, **kwargs))
    monkeypatch.setenv("ZOW_REDIS_URL", "redis://redis:6379/0")
    replicas = [create_app(built_store).server.test_client() for _ in range(2)]
    url = "/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=wijk&gemeente=GM0363"
    first = replicas[0].get(url, headers=GZIP)
    second = replicas[1].get(url, headers=GZIP)
    assert (first.headers[HIT_HEADER], second.headers[HIT_HEADER]) == ("miss", "hit")
    assert second.data == first.data
    assert list(fakeredis.FakeRedis(server=shared).scan_iter(match="*zow:reply:*"))


def test_made_up_parameters_do_not_bypass_kept_replies(fresh: Any) -> None:
    """Parameters a route does not read, or the same ones in another order, are the same
    request: a random ``_=`` cannot make the app compute an expensive download again."""
    url = "/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=gemeente"
    first = fresh.get(url)
    busted = fresh.get(url + "&_=8412939")
    shuffled = fresh.get("/download/kaart.csv?niveau=gemeente&jaar=2024&indicator=inwoners")
    assert (first.headers[HIT_HEADER], busted.headers[HIT_HEADER],
            shuffled.headers[HIT_HEADER]) == ("miss", "hit", "hit")
    other = fresh.get("/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=wijk")
    assert other.headers[HIT_HEADER] == "miss" and other.data != first.data
