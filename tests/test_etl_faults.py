"""The ETL against a misbehaving CBS/PDOK: transient faults are survived, permanent ones fail
loudly (naming the table and URL) and never touch the previous store; malformed replies,
dripping servers, duplicate rows, implausible values, a full disk and a second run on the
same store all end as a clear error (issue 12).

To stay quick these runs use year 2022 only, over a small mirror folder that holds just the
KWB 2022 table (85318NED) and the 2022 PDOK gemeente layer (symlinks into the real mirror;
police, RIVM and the other layers are then simply not published), and a two-indicator
catalogue.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from etl.errors import SourceDataError
from etl.extract import ExtractError
from etl.pipeline import RunResult, run_etl
from etl.settings import Settings
from etl.store import ValidationFailed
from tests.cbs_server import MirrorServer
from tests.conftest import ROOT
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
        # The whole reply must come within the timeout (plus its length at 50 kB/s), and the
        # server encodes every reply anew: room for a loaded 2-core machine.
        timeout=5.0,
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
        pytest.param("slow", 1, {"delay": 6.0}, id="slow-past-timeout-once"),
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
    # The server logs a request once its slow reply is done: wait for both (a loaded
    # machine can take a while), then make sure no third one follows.
    deadline = time.monotonic() + 20
    while len([p for p, _ in server.requests if TYPED in p]) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)
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


def test_the_cached_replies_of_an_implausible_table_are_moved_aside_and_fetched_again(
    server: MirrorServer, catalogue_path: Path, baseline: RunResult, tmp_path: Path,
) -> None:
    server.add_fault(TYPED, "patch", times=None, rows={"GM0363": {"AantalInwoners_5": -5000}})
    settings = fault_settings(server, tmp_path)
    cached = tmp_path / "cache/opendata.cbs.nl/ODataFeed/odata" / TYPED
    with pytest.raises(ValidationFailed) as info:
        run_etl(settings, catalogue_path)
    assert "The cached replies of 85318NED are suspect: moved to" in str(info.value)
    assert not cached.with_suffix(".json").exists()
    aside = list((tmp_path / "cache/.suspect").rglob("TypedDataSet.json"))
    assert len(aside) == 1 and "-5000" in aside[0].read_text()
    # The fault is gone upstream: the next run fetches the set again and succeeds.
    server.clear_faults()
    server.clear_log()
    result = run_etl(settings, catalogue_path)
    assert any(TYPED in p for p, _ in server.requests)  # the suspect table again
    assert not any(GEMEENTE_LAYER in p for p, _ in server.requests)  # the rest: cached
    _same_observations(result.observations, baseline.observations)


def test_suspect_files_of_a_mirror_are_named_and_left_alone(
    small_mirror: Path, catalogue_path: Path, tmp_path: Path,
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(small_mirror, mirror, symlinks=True)
    kwb = mirror / "opendata.cbs.nl/ODataFeed/odata" / KWB_2022
    kwb.unlink()  # a link into the real mirror: replace it by a copy this test may change
    shutil.copytree(small_mirror / "opendata.cbs.nl/ODataFeed/odata" / KWB_2022, kwb)
    typed = kwb / "TypedDataSet.json"
    reply = json.loads(typed.read_text())
    for row in reply["value"]:
        if row["WijkenEnBuurten"].strip() == "GM0363":
            row["AantalInwoners_5"] = 1e308
    typed.write_text(json.dumps(reply))
    settings = dataclasses.replace(Settings(), mirror=mirror, store=tmp_path / "s/zow.duckdb",
                                   cache_dir=tmp_path / "cache", years=(2022,))
    with pytest.raises(ValidationFailed) as info:
        run_etl(settings, catalogue_path)
    message = str(info.value)
    assert "These mirror files are suspect (left as they are): " in message
    assert str(typed) in message
    assert typed.exists()


# --------------------------------------------------------------- malformed replies


@pytest.mark.parametrize(
    ("match", "body", "what", "reason"),
    [
        pytest.param(GEMEENTE_LAYER, {"type": "FeatureCollection"},
                     f"PDOK {GEMEENTE_LAYER} 2022",
                     "malformed WFS reply: no 'features' list (has ['type'])", id="wfs"),
        pytest.param(TYPED, {"odata.metadata": "x"}, TYPED,
                     "malformed OData reply: no 'value' list", id="odata"),
    ],
)
def test_a_malformed_reply_fails_the_run_naming_its_url_and_what_is_wrong(
    server: MirrorServer, catalogue_path: Path, baseline: RunResult, tmp_path: Path,
    match: str, body: dict[str, Any], what: str, reason: str,
) -> None:
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    server.add_fault(match, "body", times=None, body=body)
    settings = fault_settings(server, tmp_path)
    with pytest.raises(ExtractError) as info:
        run_etl(settings, catalogue_path)
    assert info.value.what == what
    assert reason in info.value.reason
    assert info.value.url.startswith(server.url)
    assert _sha256(target) == before
    assert not list((tmp_path / "cache").rglob(f"{match.split('/')[-1]}*"))  # not cached


def test_cli_a_malformed_reply_ends_as_etl_failed_without_a_traceback(
    server: MirrorServer, catalogue_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ZOW_MIRROR", raising=False)
    monkeypatch.setattr(cli.console, "width", 400)
    server.add_fault(TYPED, "body", times=None, body={"odata.metadata": "x"})
    result = CliRunner().invoke(cli.app, [
        "etl", "--server", server.url, "--years", "2022", "--store",
        str(tmp_path / "zow.duckdb"), "--cache-dir", str(tmp_path / "cache"),
        "--catalogue", str(catalogue_path)])
    assert result.exit_code == 1
    assert "ETL failed: 85318NED/TypedDataSet: malformed OData reply" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


# ------------------------------------------------------------------ slow drip


def test_a_dripping_reply_is_cut_at_the_timeout_not_after_every_byte(
    server: MirrorServer, catalogue_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12: 2.3 KB at 64 B/s took 36 s with --timeout 5, as the timeout bounded each
    socket read. Now the whole reply must arrive within it."""
    monkeypatch.delenv("ZOW_MIRROR", raising=False)
    monkeypatch.setattr(cli.console, "width", 400)
    server.add_fault(f"{KWB_2022}/DataProperties", "drip", times=None, rate=64)
    started = time.perf_counter()
    result = CliRunner().invoke(cli.app, [
        "etl", "--server", server.url, "--years", "2022", "--store",
        str(tmp_path / "zow.duckdb"), "--cache-dir", str(tmp_path / "cache"),
        "--catalogue", str(catalogue_path), "--timeout", "5", "--retries", "0"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert f"{KWB_2022}/DataProperties: timed out after 5 s (the whole reply" in result.output
    assert elapsed < 12  # one attempt, cut at 5.2 s (7 kB at 64 B/s would take 110 s)


# ----------------------------------------------------------------- duplicate rows


def test_two_different_rows_for_one_region_fail_the_run_naming_both(
    server: MirrorServer, catalogue_path: Path, baseline: RunResult, tmp_path: Path,
) -> None:
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    server.add_fault(TYPED, "duplicate", times=None, code="GM0363", key="AantalInwoners_5",
                     value=1)
    with pytest.raises(SourceDataError) as info:
        run_etl(fault_settings(server, tmp_path), catalogue_path)
    assert ("85318NED: 2 rows for GM0363 (2022) with different values: "
            "AantalInwoners_5 = 882633 and 1") in str(info.value)
    assert "suspect: moved to" in str(info.value)
    assert _sha256(target) == before


# -------------------------------------------------------------------- full disk


def test_a_full_disk_ends_as_etl_failed_and_keeps_the_old_store(
    small_mirror: Path, catalogue_path: Path, baseline: RunResult, tmp_path: Path,
) -> None:
    """The disk is 'full' for the child process: it may not write past 256 kB in any file
    (RLIMIT_FSIZE), so DuckDB's write of the new store fails midway."""
    target = _good_store(baseline, tmp_path)
    before = _sha256(target)
    limit = 256 * 1024

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOW_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "zow", "etl", "--mirror", str(small_mirror), "--years", "2022",
         "--store", str(target), "--cache-dir", str(tmp_path / "cache"),
         "--catalogue", str(catalogue_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, preexec_fn=full_disk, timeout=240,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "ETL failed: could not write the new store" in output
    assert "Traceback" not in output
    assert _sha256(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["zow.duckdb"]
