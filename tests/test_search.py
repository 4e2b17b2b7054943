"""The one region search behind every search box."""

from __future__ import annotations

import pandas as pd

from dashboard.views.search import options, search_regions

INDEX = pd.DataFrame({
    "code": ["GM0001", "WK000101", "BU00010101", "GM0002"],
    "level": ["gemeente", "wijk", "buurt", "gemeente"],
    "name": ["Noord", "Noordkwartier", "Noord-Oost", "Zuid"],
    "gemeente_code": ["GM0001", "GM0001", "GM0001", "GM0002"],
    "gemeente_name": ["Noord", "Noord", "Noord", "Zuid"],
})


def test_exact_code_first_then_names_by_level() -> None:
    assert list(search_regions(INDEX, "noord")["code"]) == ["GM0001", "WK000101",
                                                            "BU00010101"]
    assert list(search_regions(INDEX, "bu00010101")["code"]) == ["BU00010101"]


def test_without_text_the_gemeenten_by_name() -> None:
    assert list(search_regions(INDEX, "")["code"]) == ["GM0001", "GM0002"]
    assert list(search_regions(INDEX, None)["code"]) == ["GM0001", "GM0002"]


def test_text_is_plain_text_not_a_pattern() -> None:
    assert search_regions(INDEX, "(.*").empty


def test_levels_limit_the_hits() -> None:
    assert list(search_regions(INDEX, "noord", levels=("gemeente", "wijk"))["code"]) == [
        "GM0001", "WK000101"]


def test_chosen_regions_stay_listed_first() -> None:
    found = options(INDEX, "zuid", "nl", selected=["WK000101"])
    assert [o["value"] for o in found] == ["WK000101", "GM0002"]
    assert found[0]["label"] == "Noordkwartier (wijk, Noord) · WK000101"
    assert options(INDEX, "zuid", "en")[0]["label"] == "Zuid (municipality) · GM0002"
