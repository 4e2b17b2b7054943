"""Shared fixtures: the CBS mirror and a local server over it, the store the real ETL builds
from it (once per session), and one app, one Store and one test client over that store.

Fixtures named here are the only definitions of ``db``, ``app`` and ``client``: a module
that needs something else names it differently.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browser, browser_context, live_app, page  # noqa: F401
from tests.cbs_server import MirrorServer

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("ZOW_TEST_MIRROR", ROOT.parent / "shared" / "cbs-mirror"))
OUTPUT = ROOT / "test-output"

needs_mirror = pytest.mark.skipif(
    not (MIRROR / "README.md").exists(), reason=f"CBS mirror not found at {MIRROR}"
)


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    if not (MIRROR / "README.md").exists():
        pytest.skip(f"CBS mirror not found at {MIRROR}")
    return MIRROR


@pytest.fixture
def mirror_server(mirror_dir: Path) -> Iterator[MirrorServer]:
    """A fresh local CBS/PDOK server over the mirror, pages of 5,000 rows."""
    with MirrorServer(mirror_dir, page_size=5000) as server:
        yield server


@pytest.fixture(scope="session")
def built_store(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real store, built once per session by the real ETL from the mirror."""
    from etl.pipeline import run_etl
    from etl.settings import Settings

    folder = tmp_path_factory.mktemp("store")
    settings = dataclasses.replace(
        Settings(), mirror=mirror_dir, store=folder / "zow.duckdb", cache_dir=folder / "cache"
    )
    return run_etl(settings).store


@pytest.fixture(scope="session")
def db(built_store: Path) -> Any:
    """The query layer over the built store."""
    from dashboard.data import open_store

    return open_store(str(built_store))


@pytest.fixture(scope="session")
def app(built_store: Path) -> Any:
    """The one app of the session, over the built store (the browser tests serve it too).
    Without the per-client rate limits: every request of the session comes from one
    address, far faster than a person (tests/test_serving.py checks the limits)."""
    from dashboard.app import create_app

    return create_app(built_store, rate_limits=False)


@pytest.fixture(scope="session")
def client(app: Any) -> Any:
    return app.server.test_client()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests leave screenshots and downloads for people to look at."""
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
