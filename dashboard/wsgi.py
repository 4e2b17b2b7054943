"""WSGI entry point for gunicorn: `gunicorn dashboard.wsgi:server` (`zow serve`).

gunicorn preloads this module in the master and forks the workers from it. Making the app
serves one request (``dashboard.app._claim_callbacks``), which opens the store; that DuckDB
connection is closed here again, so that no connection crosses the fork: each worker opens
its own on its first query (``dashboard.data.open_store``).
"""

from dashboard.app import create_app
from dashboard.data import open_store

app = create_app()
server = app.server


def _close_master_store() -> None:
    path = server.config.get("ZOW_STORE")
    if path is None or open_store.cache_info().currsize == 0:
        return
    open_store(str(path)).close()
    open_store.cache_clear()


_close_master_store()
