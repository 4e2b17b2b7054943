"""`zow serve` starts the production server unless asked for the development server, and
says which; without a store it says how to build one and starts nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import dashboard.app
from zow import cli


class Started(Exception):
    """Stands in for the process being replaced by gunicorn."""


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def execvp(file: str, argv: list[str]) -> None:
        seen.append(("gunicorn", argv))
        raise Started

    class DevApp:
        def run(self, **kwargs: Any) -> None:
            seen.append(("dev", kwargs))

    monkeypatch.delenv("ZOW_STORE", raising=False)  # serve sets it: restored afterwards
    monkeypatch.setattr(cli.os, "execvp", execvp)
    monkeypatch.setattr(dashboard.app, "create_app", lambda store, **kwargs: DevApp())
    return seen


def test_serve_runs_gunicorn_by_default(launches: list, tmp_path: Path) -> None:
    store = tmp_path / "zow.duckdb"
    store.write_bytes(b"")
    result = CliRunner().invoke(cli.app, ["serve", "--store", str(store), "--workers", "3"])
    assert isinstance(result.exception, Started)
    [(kind, argv)] = launches
    assert kind == "gunicorn"
    assert argv[1:4] == ["-m", "gunicorn", "dashboard.wsgi:server"]
    assert argv[argv.index("--workers") + 1] == "3"
    assert "(gunicorn, 3 workers)" in result.output
    # The worker class (gevent) and its timeouts come from the config module.
    assert argv[argv.index("--config") + 1] == "python:dashboard.gunicorn_conf"


def test_each_instance_has_its_own_control_socket(launches: list, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn's default control socket is one path per user: a second `zow serve` would
    take it over. Each host and port gets its own, in a folder only this user can use."""
    store = tmp_path / "zow.duckdb"
    store.write_bytes(b"")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path))
    sockets = []
    for port in ("8050", "8051"):
        CliRunner().invoke(cli.app, ["serve", "--store", str(store), "--port", port])
        argv = launches[-1][1]
        sockets.append(Path(argv[argv.index("--control-socket") + 1]))
    assert sockets[0] != sockets[1]
    assert all(s.parent == tmp_path / f"zow-{os.getuid()}" for s in sockets)
    assert sockets[0].parent.stat().st_mode & 0o777 == 0o700
    CliRunner().invoke(cli.app, ["serve", "--store", str(store), "--control-socket", "off"])
    assert "--no-control-socket" in launches[-1][1]
    assert "--control-socket" not in launches[-1][1]
    # A folder of someone else's (or open to others) is not used: the socket is off.
    sockets[0].parent.chmod(0o777)
    assert cli.control_socket_path("127.0.0.1", 8050) is None


def test_dev_server_only_when_asked(launches: list, tmp_path: Path) -> None:
    store = tmp_path / "zow.duckdb"
    store.write_bytes(b"")
    result = CliRunner().invoke(cli.app, ["serve", "--dev", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert launches == [("dev", {"host": "127.0.0.1", "port": 8050, "debug": False})]
    assert "Dash development server" in result.output


def test_serve_without_store_explains_and_starts_nothing(launches: list, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["serve", "--store", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "zow etl --mirror" in result.output
    assert launches == []
