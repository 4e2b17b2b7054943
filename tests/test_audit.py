"""The CI audit step (.ci/audit.py): a vulnerability PyPI reports fails it; a package it
cannot speak for is named as not audited, never counted as clean."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

AUDIT = Path(__file__).resolve().parents[1] / ".ci" / "audit.py"

# What PyPI's project endpoint answers, per package: latest version and its vulnerabilities.
PROJECTS = {
    "leaky": {"info": {"version": "2.0"}, "vulnerabilities": [
        {"id": "PYSEC-0000-1", "fixed_in": ["2.1"], "withdrawn": None}]},
    "patched": {"info": {"version": "3.0"}, "vulnerabilities": [
        {"id": "GHSA-withdrawn", "fixed_in": [], "withdrawn": "2026-01-01T00:00:00"}]},
    "moved-on": {"info": {"version": "5.0"}, "vulnerabilities": []},
}
INSTALLED = {"leaky": "2.0", "patched": "3.0", "moved-on": "4.2", "gone": "1.0"}


@pytest.fixture
def audit(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    class PyPI(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.split("/")[2]
            body = json.dumps(PROJECTS[name]).encode() if name in PROJECTS else b"{}"
            self.send_response(200 if name in PROJECTS else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), PyPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    spec = importlib.util.spec_from_file_location("ci_audit", AUDIT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "PROJECT_URL",
                        f"http://127.0.0.1:{server.server_port}/pypi/{{name}}/json")
    monkeypatch.setattr(module, "version", INSTALLED.__getitem__)
    yield module
    server.shutdown()


def skipped(*names: str) -> list[dict]:
    """pip-audit's report when its own service could not be reached."""
    return [{"name": n, "skip_reason": f"Dependency not found on PyPI and could not be "
                                       f"audited: {n} ({INSTALLED[n]})"} for n in names]


def test_latest_release_vulnerability_fails_the_step(audit: ModuleType, monkeypatch:
                                                     pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(audit, "run_pip_audit", lambda folder: skipped("leaky", "patched"))
    assert audit.main() == 1
    out = capsys.readouterr().out
    assert "VULNERABLE leaky 2.0: PYSEC-0000-1 (fixed in: 2.1)" in out
    assert "patched" not in out.split("VULNERABLE", 1)[1]  # a withdrawn advisory is no finding
    assert "2 packages audited, 1 with known vulnerabilities" in out


def test_older_or_unknown_release_is_named_not_audited(audit: ModuleType, monkeypatch:
                                                       pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(audit, "run_pip_audit", lambda folder: skipped("patched", "moved-on",
                                                                       "gone"))
    assert audit.main() == 0
    out = capsys.readouterr().out
    assert "1 packages audited, 0 with known vulnerabilities" in out
    assert "2 packages NOT AUDITED" in out
    assert "moved-on 4.2 (latest is 5.0)" in out
    assert "gone 1.0 (PyPI project endpoint: HTTP Error 404" in out


def test_pip_audit_findings_fail_the_step_without_asking_pypi(
        audit: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    report = [{"name": "jinja2", "version": "3.1.2", "vulns": [
        {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]},
        {"name": "flask", "version": "3.1.3", "vulns": []}]
    monkeypatch.setattr(audit, "run_pip_audit", lambda folder: report)
    assert audit.main() == 1
    out = capsys.readouterr().out
    assert "VULNERABLE jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in: 3.1.3)" in out
    assert "2 packages audited, 1 with known vulnerabilities" in out
