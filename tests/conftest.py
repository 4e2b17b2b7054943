"""Shared fixtures: the CBS mirror and a local server over it, the store the real ETL builds
from it, a small synthetic store, and one app, one Store and one test client.

The full ETL runs once per session (``etl_run``), over HTTP from the fake CBS/PDOK server:
the code path of a live run. Everything that needs the real store takes ``built_store``.
Fixtures named here are the only definitions of ``db``, ``app`` and ``client``: a module
that needs something else names it differently.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import browser, browser_context, live_app, page  # noqa: F401
from tests.cbs_server import MirrorServer

if TYPE_CHECKING:
    from etl.pipeline import RunResult
    from etl.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("ZOW_TEST_MIRROR", ROOT.parent / "shared" / "cbs-mirror"))
OUTPUT = ROOT / "test-output"

HAS_MIRROR = (MIRROR / "README.md").exists()
# What needs the mirror itself: the ETL from it. Everything that only needs the real data
# (dashboard, API, downloads, browser) runs on the committed snapshot without it.
MIRROR_MISSING = (f"CBS mirror not found at {MIRROR} (ZOW_TEST_MIRROR): this test runs the "
                  "ETL over it")
needs_mirror = pytest.mark.skipif(not HAS_MIRROR, reason=MIRROR_MISSING)
# The session's one ETL run happens in the setup of whichever test needs it first; on a
# loaded machine it can take minutes. Those tests get this on top of their own timeout.
ETL_BUILD_SECONDS = 900


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    default = float(config.getini("timeout") or 0)
    for item in items:
        uses_build = {"etl_run", "built_store"} & set(getattr(item, "fixturenames", ()))
        if uses_build and default and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(default + ETL_BUILD_SECONDS))


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    if not HAS_MIRROR:
        pytest.skip(MIRROR_MISSING)
    return MIRROR


@pytest.fixture
def mirror_server(mirror_dir: Path) -> Iterator[MirrorServer]:
    """A fresh local CBS/PDOK server over the mirror, pages of 5,000 rows."""
    with MirrorServer(mirror_dir, page_size=5000) as server:
        yield server


@dataclass
class EtlRun:
    """The session's one full ETL run: its result, its settings and what it asked for."""

    result: RunResult
    settings: Settings
    requests: list[tuple[str, int]]  # (path and query, status) as the server saw them


@pytest.fixture(scope="session")
def etl_run(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> EtlRun:
    """The real ETL, every year, once per session, over HTTP from the fake CBS/PDOK server
    (pages, retries, the disk cache: the live code path)."""
    from etl.pipeline import run_etl
    from etl.settings import Settings

    folder = tmp_path_factory.mktemp("store")
    with MirrorServer(mirror_dir, page_size=5000) as server:
        settings = dataclasses.replace(
            Settings().with_server_root(server.url),
            mirror=None,
            refresh=False,
            store=folder / "zow.duckdb",
            cache_dir=folder / "cache",
            timeout=30.0,
            retries=2,
            backoff=0.05,
        )
        result = run_etl(settings)
        return EtlRun(result, settings, server.requests)


@pytest.fixture(scope="session")
def built_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Path:
    """The real store, built once per session by the real ETL from the mirror. Without the
    mirror (a fresh clone elsewhere), the store loaded from the committed data snapshot
    (data/snapshot), which CI checks holds exactly what the ETL builds
    (tests/test_snapshot.py)."""
    if HAS_MIRROR:
        return request.getfixturevalue("etl_run").result.store
    from etl.settings import SNAPSHOT_DIR
    from etl.snapshot import load

    path = tmp_path_factory.mktemp("snapshot-store") / "zow.duckdb"
    load(SNAPSHOT_DIR, path)
    return path


@pytest.fixture(scope="session")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small synthetic store of tests/fixtures.py (real writer, known values; < 1 s)."""
    from tests.fixtures import build_synthetic_store

    return build_synthetic_store(tmp_path_factory.mktemp("synthetic") / "zow.duckdb")


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
