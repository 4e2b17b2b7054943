"""The ETL against a misbehaving CBS/PDOK: transient faults are survived, permanent ones fail
loudly (naming the table and URL) and never touch the previous store.

To stay quick these runs use year 2022 only, over a small mirror folder that holds just the
KWB 2022 table (85318NED) and the 2022 PDOK gemeente layer (symlinks into the real mirror;
police, RIVM and the other layers are then simply not published), and a two-indicator
catalogue.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from etl.extract import ExtractError
from etl.pipeline import RunResult, run_etl
from etl.settings import Settings
from etl.store import ValidationFailed
from tests.cbs_server import MirrorServer
from zow import cli

KWB_2022 = "85318NED"
TYPED = f"{KWB_2022}/TypedDataSet"
GEMEENTE_LAYER = "gemeente_gegeneraliseerd"

CATALOGUE_TOML = """
[[indicator]]
id = "inwoners"
subtheme = "wonen"
label = { nl = "Aantal inwoners", en = "Inhabitants" }
unit = { nl = "aantal", en = "number" }
direction = "neutral"
aggregation = "sum"
definition = { nl = "Inwoners op 1 januari.", en = "Inhabitants on 1 January." }
  [[indicator.series]]
  years = [2019, 2025]
  source = "kwb"
  numerator = ["AantalInwoners"]

[[indicator]]
id = "woningvoorraad"
subtheme = "wonen"
label = { nl = "Woningvoorraad", en = "Housing stock" }
unit = { nl = "aantal", en = "number" }
direction = "neutral"
aggregation = "sum"
definition = { nl = "Woningen op 1 januari.", en = "Dwellings on 1 January." }
  [[indicator.series]]
  years = [2019, 2025]
  source = "kwb"
  numerator = ["Woningvoorraad"]
"""


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def small_mirror(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small-mirror")
    for part in (
        Path("opendata.cbs.nl/ODataFeed/odata") / KWB_2022,
        Path("service.pdok.nl/cbs/gebiedsindelingen/2022/wfs/v1_0") / f"{GEMEENTE_LAYER}.geojson",
    ):
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        (root / part).symlink_to(mirror_dir / part)
    return root


@pytest.fixture(scope="module")
def catalogue_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalogue") / "indicators.toml"
    path.write_text(CATALOGUE_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def module_server(small_mirror: Path) -> Iterator[MirrorServer]:
    with MirrorServer(small_mirror, page_size=5000) as srv:
        yield srv


@pytest.fixture
def server(module_server: MirrorServer) -> Iterator[MirrorServer]:
    module_server.clear_faults()
    module_server.clear_log()
    yield module_server
    module_server.clear_faults()


def fault_settings(srv: MirrorServer, folder: Path, **changes: Any) -> Settings:
    settings = dataclasses.replace(
        Settings().with_server_root(srv.url),
        mirror=None,
        refresh=False,
        store=folder / "store" / "zow.duckdb",
        cache_dir=folder / "cache",
        years=(2022,),
        timeout=1.0,
        retries=2,
        backoff=0.05,
    )
    return dataclasses.replace(settings, **changes)


@pytest.fixture(scope="module")
def baseline(
    module_server: MirrorServer, catalogue_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> RunResult:
    """A run without faults: what every recovered run must equal."""
    folder = tmp_path_factory.mktemp("baseline")
    return run_etl(fault_settings(module_server, folder), catalogue_path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _good_store(baseline: RunResult, folder: Path) -> Path:
    """A copy of a good store where the failing run will try to write."""
    target = folder / "store" / "zow.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copyfile(baseline.store, target)
    return target


def _same_observations(a: pd.DataFrame, b: pd.DataFrame) -> None:
    keys = ["year", "indicator_id", "region_code"]
    pd.testing.assert_frame_equal(
        a.sort_values(keys).reset_index(drop=True), b.sort_values(keys).reset_index(drop=True)
    )


# ------------------------------------------------------------------------------- baseline


def test_baseline_run_through_the_server_has_all_2022_gemeenten_and_wijken(
    baseline: RunResult,
) -> None:
    inwoners = baseline.observations.query("indicator_id == 'inwoners'")
    assert inwoners["region_code"].str.startswith("GM").sum() == 345
    assert inwoners["region_code"].str.startswith("WK").sum() == 3340
    assert baseline.boundaries == {(2022, "gemeente"): 345}


# ------------------------------------------------------------------------------ recovery


@pytest.mark.parametrize(
    ("kind", "times", "opts"),
    [
        pytest.param("slow", 1, {"delay": 3.0}, id="slow-past-timeout-once"),
        pytest.param("status", 2, {"status": 503, "retry_after": 1}, id="503-retry-after-twice"),
        pytest.param("reset", 1, {}, id="connection-reset-mid-body-once"),
        pytest.param("truncate", 1, {}, id="truncated-json-once"),
    ],
)
def test_transient_fault_on_the_data_set_is_survived(
    server: MirrorServer,
    catalogue_path: Path,
    baseline: RunResult,
    tmp_path: Path,
    kind: str,
    times: int,
    opts: dict[str, Any],
) -> None:
    fault = server.add_fault(TYPED, kind, times=times, **opts)
    result = run_etl(fault_settings(server, tmp_path), catalogue_path)
    assert fault.times == 0  # the fault was hit as often as planned
    _same_observations(result.observations, baseline.observations)
    assert result.store.is_file()


def test_transient_fault_on_a_wfs_page_is_survived(
    server: MirrorServer, catalogue_path: Path, baseline: RunResult, tmp_path: Path
) -> None:
    page_1 = server.add_fault("startIndex=0", "truncate", times=1)
    page_3 = server.add_fault("startIndex=200", "reset", times=1)
    result = run_etl(fault_settings(server, tmp_path, page_size=100), catalogue_path)
    assert page_1.times == 0 and page_3.times == 0
    starts = [
        p.split("startIndex=")[1].split("&")[0]
        for p, status in server.requests
        if GEMEENTE_LAYER in p and status == 200
    ]
    assert sorted(set(starts), key=int) == ["0", "100", "200", "300"]
    assert result.boundaries[(2022, "gemeente")] == 345
    _same_observations(result.observations, baseline.observations)


# ----------------------------------------------------------------------------- permanent


@pytest.mark.parametrize(
    ("kind", "opts", "reason"),
    [
        pytest.param("status", {"status": 503}, "HTTP 503", id="503-forever"),
        pytest.param("reset", {}, "connection failed", id="reset-forever"),
        pytest.param("truncate", {}, "not valid JSON", id="truncated-forever"),
    ],
)
def test_permanent_fault_raises_naming_table_and_url_and_keeps_the_old_store(
    server: MirrorServer,
    catalogue_path: Path,
    baseline: RunResult,
    tmp_path: Path,
    kind: str,
    opts: dict[str, Any],
    reason: str,
) -> None:
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    server.add_fault(TYPED, kind, times=None, **opts)
    settings = fault_settings(server, tmp_path)
    with pytest.raises(ExtractError) as info:
        run_etl(settings, catalogue_path)
    message = str(info.value)
    assert TYPED in message
    assert f"{settings.opendata_url}/ODataFeed/odata/{TYPED}" in message
    assert reason in message
    assert _sha256(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["zow.duckdb"]
    assert (
        not (tmp_path / "cache/opendata.cbs.nl/ODataFeed/odata" / TYPED)
        .with_suffix(".json")
        .exists()
    )  # nothing half-fetched was cached


def test_permanent_timeout_is_reported_as_a_timeout_after_bounded_attempts(
    server: MirrorServer, catalogue_path: Path, tmp_path: Path
) -> None:
    server.add_fault(TYPED, "slow", times=None, delay=1.0)
    settings = fault_settings(server, tmp_path, timeout=0.25, retries=1)
    with pytest.raises(ExtractError) as info:
        run_etl(settings, catalogue_path)
    assert TYPED in str(info.value)
    assert "timed out after 0.25 s" in str(info.value)
    time.sleep(1.5)  # the server logs a request once its slow reply is done
    attempts = [p for p, _ in server.requests if TYPED in p]
    assert len(attempts) == 2  # retries=1: two tries in all, the retry layers do not multiply


def test_404_for_one_entity_set_is_a_clear_error_naming_it(
    server: MirrorServer, catalogue_path: Path, baseline: RunResult, tmp_path: Path
) -> None:
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    server.add_fault(f"{KWB_2022}/DataProperties", "404", times=None)
    with pytest.raises(ExtractError) as info:
        run_etl(fault_settings(server, tmp_path), catalogue_path)
    assert info.value.what == f"{KWB_2022}/DataProperties"
    assert info.value.reason == "HTTP 404"
    assert info.value.url.endswith(f"/ODataFeed/odata/{KWB_2022}/DataProperties")
    attempts = [p for p, _ in server.requests if f"{KWB_2022}/DataProperties" in p]
    assert len(attempts) == 1  # a 404 is an answer, not a hiccup: no retries
    assert _sha256(target) == before


def test_cli_failure_exits_1_and_says_the_store_is_untouched(
    server: MirrorServer,
    catalogue_path: Path,
    baseline: RunResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    monkeypatch.delenv("ZOW_MIRROR", raising=False)
    monkeypatch.setenv("ZOW_BACKOFF", "0.05")
    monkeypatch.setattr(cli.console, "width", 400)  # no wrapping inside the message
    server.add_fault(TYPED, "status", times=None, status=503)
    result = CliRunner().invoke(
        cli.app,
        [
            "etl",
            "--server",
            server.url,
            "--years",
            "2022",
            "--store",
            str(target),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--timeout",
            "1",
            "--retries",
            "1",
            "--catalogue",
            str(catalogue_path),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "ETL failed" in result.output
    assert f"{TYPED}: HTTP 503" in result.output
    assert "untouched" in result.output
    assert str(target) in result.output
    assert _sha256(target) == before


# --------------------------------------------------------------------- plausibility


@pytest.mark.parametrize("value", [1e308, -5_000], ids=["1e308", "minus-5000"])
def test_an_implausible_value_fails_the_run_naming_it_and_keeps_the_old_store(
    server: MirrorServer, catalogue_path: Path, baseline: RunResult, tmp_path: Path,
    value: float,
) -> None:
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    server.add_fault(TYPED, "patch", times=None, rows={"GM0363": {"AantalInwoners_5": value}})
    with pytest.raises(ValidationFailed) as info:
        run_etl(fault_settings(server, tmp_path), catalogue_path)
    message = str(info.value)
    assert f"inwoners 2022 GM0363 = {value:g} (85318NED AantalInwoners_5;" in message
    assert "implausible" in message
    assert _sha256(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["zow.duckdb"]
