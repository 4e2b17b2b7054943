"""Known vulnerabilities in the installed packages; exits 1 on any.

pip-audit asks PyPI's per-release endpoint (/pypi/<name>/<version>/json). Where that cannot
be reached (this workplace's proxy answers 404 for it, OSV is blocked), pip-audit skips the
package. For those, PyPI's project endpoint (/pypi/<name>/json) is asked instead: it lists
the known vulnerabilities of the latest release, so it audits a package only when the
installed version is that latest release. Whatever neither could check is named as
NOT AUDITED: the step never claims "no vulnerabilities" for what it did not look at.

Run with the venv's python: ``.venv/bin/python .ci/audit.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, distributions, version
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PROJECT_URL = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 20
PROJECT = "zicht-op-wijken"  # this checkout, installed editable: nothing to audit


def run_pip_audit(folder: Path) -> list[dict]:
    out = folder / "audit.json"
    log = folder / "audit.log"
    with log.open("w") as err:
        rc = subprocess.call(
            [str(Path(sys.executable).with_name("pip-audit")), "--skip-editable",
             "--progress-spinner", "off", "--timeout", str(TIMEOUT), "--format", "json",
             "--output", str(out)],
            stderr=err,
        )
    try:
        return json.loads(out.read_text())["dependencies"]
    except (OSError, ValueError, KeyError):
        tail = log.read_text(errors="replace").strip().splitlines()[-1:]
        print(f"pip-audit: no report (exit {rc}): {tail}")
        return []


def latest_release_vulns(name: str, installed: str) -> tuple[str, list[dict] | None]:
    """(latest version, its vulnerabilities) from PyPI's project endpoint; None when the
    installed version is not the latest (the answer says nothing about it)."""
    with urllib.request.urlopen(PROJECT_URL.format(name=name), timeout=TIMEOUT) as reply:
        project = json.load(reply)
    latest = project["info"]["version"]
    try:
        same = Version(latest) == Version(installed)
    except InvalidVersion:
        same = latest == installed
    if not same:
        return latest, None
    return latest, [v for v in project.get("vulnerabilities", []) if not v.get("withdrawn")]


def report_vuln(name: str, installed: str, vuln_id: str, fixed: list[str]) -> None:
    print(f"pip-audit: VULNERABLE {name} {installed}: {vuln_id} "
          f"(fixed in: {', '.join(fixed) or 'no fix yet'})")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        deps = run_pip_audit(Path(tmp))
    vulnerable = 0
    audited = 0
    skipped: list[str] = []
    for dep in deps:
        if dep.get("vulns"):
            audited += 1
            vulnerable += 1
            for vuln in dep["vulns"]:
                report_vuln(dep["name"], dep["version"], vuln["id"], vuln.get("fix_versions", []))
        elif "skip_reason" not in dep:
            audited += 1
        elif "editable" not in dep["skip_reason"]:
            skipped.append(dep["name"])

    def fallback(name: str) -> tuple[str, str, str | None, list[dict] | None, str]:
        try:
            installed = version(name)
        except PackageNotFoundError:
            return name, "?", None, None, "not installed under this name"
        try:
            latest, vulns = latest_release_vulns(canonicalize_name(name), installed)
        except (OSError, ValueError, KeyError) as exc:
            return name, installed, None, None, f"PyPI project endpoint: {exc}"
        return name, installed, latest, vulns, ""

    if not deps:  # pip-audit gave no report at all: ask about every installed package
        own = canonicalize_name(PROJECT)
        skipped = sorted({d.metadata["Name"] for d in distributions()
                          if canonicalize_name(d.metadata["Name"]) != own})

    not_audited: list[str] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for name, installed, latest, vulns, why in pool.map(fallback, skipped):
            if vulns is None:
                not_audited.append(f"{name} {installed} ({why or f'latest is {latest}'})")
                continue
            audited += 1
            if vulns:
                vulnerable += 1
                for vuln in vulns:
                    report_vuln(name, installed, vuln["id"], vuln.get("fixed_in", []))

    print(f"pip-audit: {audited} packages audited, {vulnerable} with known vulnerabilities")
    if not_audited:
        print(f"pip-audit: {len(not_audited)} packages NOT AUDITED: {'; '.join(not_audited)}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
