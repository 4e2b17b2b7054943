"""Pages are pure functions of the (immutable) store and the URL: build each view once.

A release ships a new store file, and with it a new process, so nothing goes stale.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from flask import current_app

MAX_VIEWS = 512


def cached_layout(build: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Dash page ``layout(**query)`` so the same URL reuses the same component tree.

    Only string parameters take part (Dash passes the URL query as strings); anything
    else goes straight through uncached."""

    @lru_cache(maxsize=MAX_VIEWS)
    def _cached(store_path: str, items: tuple[tuple[str, str], ...]) -> Any:
        return build(**dict(items))

    @wraps(build)
    def layout(**query: Any) -> Any:
        if not all(isinstance(v, str) for v in query.values()):
            return build(**query)
        key = tuple(sorted((k, v[:200]) for k, v in query.items()))
        return _cached(str(current_app.config["ZOW_STORE"]), key)

    return layout
