"""Every cache of the app, in one place. There are two kinds, and only two:

1. **Data**: ``dashboard.data.Store`` memoises its answers (``data.memo``). The store file
   never changes while a process runs (a release is a new file and a new process), so an
   answer never goes stale and needs no invalidation.
2. **Replies**: every callback reply, CSV/Excel download and API answer is a pure function
   of the request (all view state travels in the URL or the callback body) and of the
   store. The reply as it leaves the app (serialised and compressed) is kept under a hash
   of what determines it and sent again when the same request comes back: a newsletter
   link that sends thousands of people to the same view costs a lookup after the first.
   The kept replies live in the shared cache (Redis when ``ZOW_REDIS_URL`` is set, so
   replicas share them; else in-process). Static files (Dash's scripts, our assets) are
   compressed once per process.

A reply's key holds the store file's identity and the app's version, so replicas sharing
one Redis never mix releases, and the day, because Excel files say the day they were made.
For GET routes only the parameters the route reads count, in a fixed order: a made-up
parameter (``&_=<random>``) cannot bypass the cache. Only 200 replies are kept, each at most
``MAX_ENTRY_BYTES``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlencode

import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Request, Response, g, request
from flask_caching import Cache

cache = Cache()

MAX_ENTRY_BYTES = 256 * 1024
HIT_HEADER = "X-Zow-Cache"
# Pure GET routes (by path prefix) whose replies are kept, with the parameters they read.
KEPT_GET_ROUTES: dict[str, tuple[str, ...]] = {
    "/download/": ("thema", "indicator", "jaar", "niveau", "gemeente", "regio", "kaart",
                   "lang", "dialect", "year", "level"),
    "/api/v1/": ("indicator", "year", "level", "gemeente", "code"),
}
# Dash's scripts and our assets: fingerprinted or versioned URLs, the same bytes for the
# life of the process.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")


def init_cache(server: Flask) -> None:
    redis_url = os.environ.get("ZOW_REDIS_URL")
    config = (
        {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_DEFAULT_TIMEOUT": 3600}
        if redis_url
        else {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 500}
    )
    cache.init_app(server, config=config)
    # flask-compress compresses each static file once per algorithm, not once per visitor
    # (plotly.js is megabytes: 40-150 ms of CPU per compression).
    server.config["COMPRESS_CACHE_KEY"] = static_file_key
    server.config["COMPRESS_CACHE_BACKEND"] = StaticFileCache


# ---------------------------------------------------------------------- kept replies
def _app_version() -> str:
    try:
        return version("zicht-op-wijken")
    except PackageNotFoundError:
        return "dev"


def _route_params(path: str) -> tuple[str, ...] | None:
    return next((params for prefix, params in KEPT_GET_ROUTES.items()
                 if path.startswith(prefix)), None)


def request_key(callback_path: str, namespace: str) -> str | None:
    """The cache key of the current request, or None when its reply must not be kept."""
    if request.method == "POST" and request.path == callback_path:
        payload = request.get_data(cache=True)
    elif request.method == "GET" and (params := _route_params(request.path)) is not None:
        # Only what the route reads, in a fixed order (the first value of each).
        payload = urlencode([(p, request.args[p]) for p in params if p in request.args]
                            ).encode()
    else:
        return None
    digest = hashlib.sha256()
    for part in (namespace, date.today().isoformat(), request.method, request.path,
                 request.headers.get("Accept-Encoding", "")):
        digest.update(part.encode() + b"\0")
    digest.update(payload)
    return "zow:reply:" + digest.hexdigest()


def install_reply_cache(app: dash.Dash, build: str) -> None:
    """Serve kept replies before Dash or the routes run; keep new 200 replies.

    Call this *before* ``Compress(server)``: Flask runs ``after_request`` hooks in reverse
    order, so the hook registered first sees the reply last, compressed and complete."""
    server = app.server
    callback_path = f"{app.config.routes_pathname_prefix}_dash-update-component"
    namespace = f"{_app_version()}:{build}"

    @server.before_request
    def _send_kept_reply() -> Response | None:
        key = request_key(callback_path, namespace)
        if key is None:
            return None
        kept = cache.get(key)
        if kept is None:
            g.zow_reply_key = key
            return None
        body, headers = kept
        response = Response(body, status=200, headers=headers)
        response.headers[HIT_HEADER] = "hit"
        return response

    @server.after_request
    def _keep_reply(response: Response) -> Response:
        key = g.pop("zow_reply_key", None)
        if (key is None or response.status_code != 200 or response.direct_passthrough
                or response.is_streamed):
            return response
        body = response.get_data()
        if len(body) <= MAX_ENTRY_BYTES:
            headers = [(k, v) for k, v in response.headers.items()
                       if k.lower() not in ("content-length", "set-cookie")]
            cache.set(key, (body, headers))
        response.headers[HIT_HEADER] = "miss"
        return response


# ---------------------------------------------------------------------- static files
def static_file_key(request: Request) -> str:
    """flask-compress cache key: the file a static URL names, "" for anything else.

    Fingerprints and query strings are left out: they only bust browser caches, and URLs
    made up with other ones must not grow the cache."""
    if not request.path.startswith(STATIC_PREFIXES):
        return ""
    path, _ = check_fingerprint(request.path)
    return path


class StaticFileCache:
    """flask-compress cache backend that keeps compressed static files only.

    flask-compress asks the backend about every reply it compresses; keys of other replies
    end in ";" (``"<algorithm>;"`` from an empty :func:`static_file_key`) and are neither
    looked up nor kept, so dynamic replies can never be served from here."""

    MAX_FILES = 256  # a safety net: the app ships a few dozen files

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        return None if key.endswith(";") else self._files.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";") and len(self._files) < self.MAX_FILES:
            with self._lock:
                self._files[key] = value
