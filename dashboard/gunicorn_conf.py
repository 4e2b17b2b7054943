"""gunicorn settings for `zow serve --prod` (and the Docker image, which runs it).

Slow clients: the app is exposed directly (no buffering proxy in front by default), so the
workers must not block on a client's socket. gunicorn's ``gevent`` worker serves every
connection in its own greenlet: a client that sends its headers or body a byte at a time,
or announces a body it never sends, holds a greenlet (a few KB), never the worker, and the
other users go on being served. On top of that, every wait on a client is bounded:

* headers: a connection waits ``keepalive`` (10) seconds for a request to begin, and a
  request that has begun has 10 s more to send its whole head
  (``dashboard.gunicorn_worker``: gunicorn's gevent worker, with the two timed apart);
* body: ``dashboard.serving`` reads a request's body within ``BODY_SECONDS`` before the app
  sees it (408 otherwise), so a lying ``Content-Length`` costs nothing but a socket for a
  few seconds;
* sizes: the request line and headers are capped by gunicorn's own limits (4 KB line,
  100 fields of 8 KB), the body by ``dashboard.serving.MAX_BODY_BYTES``.

The app is synchronous (Flask/Dash over a read-only DuckDB store): within one worker
greenlets run one at a time and only switch on socket I/O, so a request's Python code and
queries run as in a sync worker. DuckDB connections are opened per worker, after the fork
(``dashboard.wsgi`` closes the one the preloaded app opened in the master).
"""

from __future__ import annotations

from typing import Any

worker_class = "dashboard.gunicorn_worker.ZowGeventWorker"  # gunicorn's gevent worker
worker_connections = 1000  # open connections per worker, slow ones included
# Seconds an idle kept-alive connection stays open: longer than people usually pause between
# two clicks of a burst, so that the server rarely closes a connection just as the browser
# sends on it. nginx in front reuses its connections for less time (deploy/nginx.conf).
keepalive = 10
timeout = 60  # a worker silent for this long (stuck in a request) is killed and replaced
graceful_timeout = 20


def post_worker_init(worker: Any) -> None:
    """Each worker builds its caches for the default view before it accepts requests."""
    from dashboard.warmup import warm
    from dashboard.wsgi import app

    try:
        warm(app)
    except Exception as exc:  # a cold cache is slower, never a reason not to serve
        worker.log.warning("cache warm-up failed: %s", exc)
