"""ETL settings: where to fetch from, where to write, how patient to be.

Every setting has an environment variable (``ZOW_*``) and a CLI flag; the CLI wins.
The same code path runs against the live CBS/PDOK services, a local server that serves a
mirror (tests), or a recorded mirror on disk (``--mirror DIR``, no network at all).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.sources import KWB_TABLES, POLICE_TABLES, RIVM_TABLES, YEARS

__all__ = ["KWB_TABLES", "LIVE_HOSTS", "PDOK_LAYERS", "POLICE_TABLES", "RIVM_TABLES", "YEARS",
           "Settings"]

LIVE_HOSTS: dict[str, str] = {
    "opendata": "opendata.cbs.nl",
    "dataderden": "dataderden.cbs.nl",
    "pdok": "service.pdok.nl",
}


PDOK_LAYERS: dict[str, str] = {
    "gemeente": "gemeente_gegeneraliseerd",
    "wijk": "wijk_gegeneraliseerd",
    "buurt": "buurt_gegeneraliseerd",
}


def _env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name, default))


#: The data snapshot committed with the code (data/snapshot beside the packages): what
#: ``zow etl`` builds the store from when live CBS cannot be reached.
SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "data" / "snapshot"


@dataclass(frozen=True)
class Settings:
    """Everything the ETL needs to know about its surroundings."""

    opendata_url: str = field(
        default_factory=lambda: os.environ.get("ZOW_CBS_BASE_URL", "https://opendata.cbs.nl")
    )
    dataderden_url: str = field(
        default_factory=lambda: os.environ.get(
            "ZOW_CBS_DERDEN_URL", "https://dataderden.cbs.nl"
        )
    )
    pdok_url: str = field(
        default_factory=lambda: os.environ.get("ZOW_PDOK_BASE_URL", "https://service.pdok.nl")
    )
    store: Path = field(default_factory=lambda: _env_path("ZOW_STORE", "data/zow.duckdb"))
    cache_dir: Path = field(default_factory=lambda: _env_path("ZOW_CACHE_DIR", "data/cache"))
    mirror: Path | None = field(
        default_factory=lambda: (
            Path(os.environ["ZOW_MIRROR"]) if os.environ.get("ZOW_MIRROR") else None
        )
    )
    snapshot_dir: Path = field(
        default_factory=lambda: _env_path("ZOW_SNAPSHOT", str(SNAPSHOT_DIR))
    )
    refresh: bool = False
    timeout: float = field(default_factory=lambda: float(os.environ.get("ZOW_TIMEOUT", "60")))
    retries: int = field(default_factory=lambda: int(os.environ.get("ZOW_RETRIES", "4")))
    backoff: float = field(default_factory=lambda: float(os.environ.get("ZOW_BACKOFF", "1.0")))
    page_size: int = 1000  # WFS features per request
    years: tuple[int, ...] = YEARS

    def base_url(self, catalog: str) -> str:
        """The base URL that stands in for a live host ('opendata', 'dataderden', 'pdok')."""
        url = {
            "opendata": self.opendata_url,
            "dataderden": self.dataderden_url,
            "pdok": self.pdok_url,
        }[catalog]
        return url.rstrip("/")

    def with_server_root(self, root: str) -> Settings:
        """Point all three services at one server that serves hosts as top folders."""
        root = root.rstrip("/")
        return replace(
            self,
            opendata_url=f"{root}/{LIVE_HOSTS['opendata']}",
            dataderden_url=f"{root}/{LIVE_HOSTS['dataderden']}",
            pdok_url=f"{root}/{LIVE_HOSTS['pdok']}",
        )
