"""Caches: the shared reply cache (in-process by default, Redis when ZOW_REDIS_URL is set, so
that replicas behind a load balancer share work), and compressed static files."""

from __future__ import annotations

import os
import threading

from dash.fingerprint import check_fingerprint
from flask import Flask, Request
from flask_caching import Cache

cache = Cache()

# Dash's scripts and our assets: fingerprinted or versioned URLs, the same bytes for the
# life of the process. Everything else is compressed per reply (or kept whole by
# dashboard.responsecache, already compressed).
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
    # (plotly.min.js is 4.8 MB: 40-150 ms of CPU per compression).
    server.config["COMPRESS_CACHE_KEY"] = static_file_key
    server.config["COMPRESS_CACHE_BACKEND"] = StaticFileCache


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
