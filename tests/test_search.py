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


ALIASED = pd.DataFrame({
    "code": ["GM0518", "WK051805", "GM1900", "GM0796"],
    "level": ["gemeente", "wijk", "gemeente", "gemeente"],
    "name": ["'s-Gravenhage", "Archipelbuurt", "Súdwest-Fryslân", "'s-Hertogenbosch"],
    "gemeente_code": ["GM0518", "GM0518", "GM1900", "GM0796"],
    "gemeente_name": ["'s-Gravenhage", "'s-Gravenhage", "Súdwest-Fryslân",
                      "'s-Hertogenbosch"],
})


def test_the_names_people_use_find_the_cbs_name() -> None:
    """'Den Haag' is 's-Gravenhage to CBS; 'Den Bosch' 's-Hertogenbosch."""
    assert list(search_regions(ALIASED, "Den Haag")["code"])[:2] == ["GM0518", "WK051805"]
    assert list(search_regions(ALIASED, "den bosch")["code"]) == ["GM0796"]
    assert search_regions(ALIASED, "The Hague")["code"].iloc[0] == "GM0518"


def test_accents_apostrophes_and_case_do_not_matter() -> None:
    assert list(search_regions(ALIASED, "sudwest")["code"]) == ["GM1900"]
    assert search_regions(ALIASED, "S-GRAVENHAGE")["code"].iloc[0] == "GM0518"
    assert list(search_regions(ALIASED, "'s-hertog")["code"]) == ["GM0796"]
