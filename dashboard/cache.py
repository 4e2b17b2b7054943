"""Shared response cache: in-process by default, Redis when ZOW_REDIS_URL is set, so that
replicas behind a load balancer share work."""

from __future__ import annotations

import os

from flask import Flask
from flask_caching import Cache

cache = Cache()


def init_cache(server: Flask) -> None:
    redis_url = os.environ.get("ZOW_REDIS_URL")
    config = (
        {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_DEFAULT_TIMEOUT": 3600}
        if redis_url
        else {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 500}
    )
    cache.init_app(server, config=config)
