"""gunicorn's gevent worker, with the wait for a request and the reading of its head timed
apart (``worker_class`` in dashboard/gunicorn_conf.py).

gunicorn's gevent worker reads each request on a connection under one timeout of
``keepalive`` seconds, counted from the end of the previous reply: the idle time and the
time to send the head share it. When the worker's greenlets are held up (a long request's
Python code runs without yielding) a request that arrived in time can be cut off with its
connection, unanswered, because the timeout fires before its head is read. Here the
connection waits up to ``keepalive`` seconds for a request to begin (then closes, as
before), and a request that has begun has ``HEAD_SECONDS`` to send its whole head.
"""

from __future__ import annotations

from typing import Any

import gevent
from gevent import select
from gunicorn.workers.ggevent import GeventWorker

#: Seconds a client has to send a request's line and headers, once it has begun.
HEAD_SECONDS = 10.0


class ZowGeventWorker(GeventWorker):
    """gevent worker: idle connections and slow request heads have separate timeouts."""

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        gevent.getcurrent().zow_client = client  # for timeout_ctx, in this greenlet
        super().handle(listener, client, addr)

    def timeout_ctx(self) -> gevent.Timeout:
        client = getattr(gevent.getcurrent(), "zow_client", None)
        if client is None:
            return super().timeout_ctx()
        if not _readable(client, self.cfg.keepalive):
            # Idle for the whole keep-alive time: end the connection (the silent timeout
            # fires at once, the worker sees no request and closes it).
            return gevent.Timeout(0.001, False)
        return gevent.Timeout(HEAD_SECONDS, False)


def _readable(sock: Any, seconds: float) -> bool:
    """Whether ``sock`` has data (or its end) within ``seconds``; asked once more at the
    deadline, so that a request that came while this greenlet waited its turn counts."""
    try:
        return bool(select.select([sock], [], [], seconds)[0]
                    or select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):  # closed under us: let the parser find out
        return True
