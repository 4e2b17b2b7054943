"""The tables' own Dutch texts (dashboard/assets/aggrid-locale-nl.js, built by
tools/aggrid-locale): taken from the locale package of the AG Grid version dash-ag-grid
ships, and asked for by Dutch pages only. (What a reader sees is checked in the browser
tests of the map and compare pages.)"""

from __future__ import annotations

import json
import re
from importlib.resources import files

from dashboard.components import grid_texts

ASSET = files("dashboard") / "assets" / "aggrid-locale-nl.js"


def test_locale_is_from_the_ag_grid_version_dash_ag_grid_ships() -> None:
    shipped = json.loads((files("dash_ag_grid") / "package-info.json").read_text())
    ag_grid = shipped["dependencies"]["ag-grid-community"].lstrip("^~=")
    found = re.search(r"@ag-grid-community/locale (\d+\.\d+\.\d+)", ASSET.read_text()[:400])
    assert found, "no locale version in the asset's banner"
    assert found.group(1) == ag_grid, (
        f"aggrid-locale-nl.js is from AG Grid {found.group(1)}, dash-ag-grid ships {ag_grid}: "
        "rebuild with `make aggrid-locale` after pinning that version in "
        "tools/aggrid-locale/package.json")


def test_only_dutch_pages_ask_for_the_dutch_texts() -> None:
    options = grid_texts("nl")
    function = options["getLocaleText"]["function"]
    assert function.split("(")[0] in ASSET.read_text()  # the asset defines what is asked
    assert grid_texts("en") == {}
