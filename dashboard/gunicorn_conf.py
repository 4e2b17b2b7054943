"""gunicorn settings for `zow serve --prod`."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Each worker builds its caches for the default view before it accepts requests."""
    from dashboard.warmup import warm
    from dashboard.wsgi import app

    try:
        warm(app)
    except Exception as exc:  # a cold cache is slower, never a reason not to serve
        worker.log.warning("cache warm-up failed: %s", exc)
