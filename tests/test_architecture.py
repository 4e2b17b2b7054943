"""The house rules, checked: SQL only in the query layer, no package cycle, view models
without Dash, page files that hold layout and callbacks only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"\b(SELECT|INSERT INTO|CREATE (TABLE|VIEW|INDEX)|DELETE FROM|UPDATE \w+ SET)\b")


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names of every module a file imports (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def strings(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_sql_lives_only_in_the_query_layer() -> None:
    """Every SQL string of the app is in dashboard/data.py (the schema it reads is
    core/schema.py, the writer etl/store.py)."""
    allowed = {ROOT / "dashboard" / "data.py"}
    found = {str(p.relative_to(ROOT)) for p in modules("dashboard") if p not in allowed
             and any(SQL.search(s) for s in strings(p))}
    assert found == set()
    assert any(SQL.search(s) for s in strings(ROOT / "dashboard" / "data.py"))


@pytest.mark.parametrize(("package", "forbidden"), [
    ("core", ("etl", "dashboard", "zow", "dash", "flask")),
    ("etl", ("dashboard", "zow", "dash")),
    ("dashboard", ("etl", "zow")),
])
def test_packages_depend_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    """core ← etl, core ← dashboard, and zow (the CLI) over both: no cycle."""
    bad = {str(p.relative_to(ROOT)): sorted(m for m in imported(p)
                                            if m.split(".")[0] in forbidden)
           for p in modules(package)}
    assert {k: v for k, v in bad.items() if v} == {}


def test_view_models_need_no_dash() -> None:
    bad = {str(p.relative_to(ROOT)): sorted(m for m in imported(p)
                                            if m.split(".")[0] in ("dash", "dash_ag_grid",
                                                                   "dash_bootstrap_components",
                                                                   "plotly", "flask"))
           for p in modules("dashboard/views")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_pages_are_short_and_read_the_store_through_views() -> None:
    """A page file holds layout and callbacks: under 300 lines, and it never queries the
    store itself (no Store.query, no frames built from observations)."""
    for path in modules("dashboard/pages"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) < 300, path.name
        assert "db.query(" not in text and "observations_of(" not in text, path.name
