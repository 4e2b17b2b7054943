"""The area profile's view model without a store: benchmark colours, trend segments and
area versions, similar wijken, the view's URL."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dashboard.views.profile import (
    ProfileView,
    area_versions,
    benchmark_colour,
    comparison,
    similar_regions,
    trend_segments,
)


# ------------------------------------------------------------------------- benchmark
@pytest.mark.parametrize(
    ("value", "reference", "direction", "expected"),
    [
        (12.0, 10.0, "higher_better", "better"),
        (8.0, 10.0, "higher_better", "worse"),
        (12.0, 10.0, "lower_better", "worse"),
        (8.0, 10.0, "lower_better", "better"),
        (10.0, 10.0, "lower_better", "same"),
        (10.0, 10.0, "higher_better", "same"),
        (12.0, 10.0, "neutral", None),
        (8.0, 10.0, "neutral", None),
        (12.0, 10.0, "sideways", None),
        (None, 10.0, "higher_better", None),
        (12.0, None, "lower_better", None),
        (float("nan"), 10.0, "higher_better", None),
        (12.0, np.nan, "higher_better", None),
    ],
)
def test_benchmark_colour(value, reference, direction, expected) -> None:
    assert benchmark_colour(value, reference, direction) == expected


def test_benchmark_colour_tolerance() -> None:
    assert benchmark_colour(10.04, 10.0, "lower_better", tolerance=0.05) == "same"
    assert benchmark_colour(10.06, 10.0, "lower_better", tolerance=0.05) == "worse"
    assert benchmark_colour(0, 0, "higher_better") == "same"  # zero is a value, not missing


def test_comparison_is_direction_free() -> None:
    assert comparison(3, 2) == "higher"
    assert comparison(1, 2) == "lower"
    assert comparison(2, 2) == "same"
    assert comparison(None, 2) is None
    assert comparison(2, float("nan")) is None


# ---------------------------------------------------------------------------- trends
def frame(rows: list[tuple[int, float | None, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "value", "series"])


def test_one_series_without_gaps_is_one_segment() -> None:
    segments = trend_segments(frame([(2022, 1.0, 0), (2020, 3.0, 0), (2021, 2.0, 0)]))
    assert segments == [[(2020, 3.0), (2021, 2.0), (2022, 1.0)]]


def test_trend_breaks_at_series_change() -> None:
    segments = trend_segments(frame([(2021, 5.0, 0), (2022, 6.0, 0), (2023, 9.0, 1),
                                     (2024, 9.5, 1)]))
    assert segments == [[(2021, 5.0), (2022, 6.0)], [(2023, 9.0), (2024, 9.5)]]


def test_trend_breaks_where_the_area_changes() -> None:
    """The same code, but 2023 and 2024 are about another area: two lines, never one."""
    data = frame([(2020, 1.0, 0), (2021, 2.0, 0), (2023, 4.0, 0), (2024, 5.0, 0)]).assign(
        version=[0, 0, 1, 1])
    assert trend_segments(data) == [[(2020, 1.0), (2021, 2.0)], [(2023, 4.0), (2024, 5.0)]]


def test_a_year_without_a_value_alone_does_not_break() -> None:
    """2023 has no observation but the area is the same: the line joins 2022 and 2024."""
    data = frame([(2022, 1.0, 0), (2023, None, 0), (2024, 3.0, 0)])
    assert trend_segments(data) == [[(2022, 1.0), (2024, 3.0)]]
    assert trend_segments(frame([(2022, 1.0, 0), (2024, 3.0, 0)])) == [[(2022, 1.0),
                                                                         (2024, 3.0)]]


def test_series_change_and_area_change_together_and_empty() -> None:
    data = frame([(2019, 1.0, 0), (2020, 1.5, 0), (2022, 2.0, 0), (2023, 3.0, 1)]).assign(
        version=[0, 0, 1, 1])
    assert trend_segments(data) == [[(2019, 1.0), (2020, 1.5)], [(2022, 2.0)], [(2023, 3.0)]]
    assert trend_segments(frame([])) == []


def test_area_versions_number_the_areas_a_code_covered() -> None:
    """2022 and 2023 cover the same area, 2024 another, 2025 the same as 2024."""
    same = {(2022, 2023): True, (2023, 2024): False, (2024, 2025): True}
    versions = area_versions([2025, 2022, 2024, 2023], lambda a, b: same[(a, b)])
    assert versions == {2022: 0, 2023: 0, 2024: 1, 2025: 1}
    assert area_versions([2024], lambda a, b: False) == {2024: 0}
    # Back to an earlier boundary is still a new version: nothing is connected across it.
    flip = area_versions([2020, 2021, 2022], lambda a, b: False)
    assert len(set(flip.values())) == 3


def test_profile_view_round_trips_its_url() -> None:
    view, rejected = ProfileView.from_query(" wk036301 ", {"lang": "en", "thema": "zorg"})
    assert rejected == [] and view == ProfileView("WK036301", "en", "zorg")
    assert view.url() == "/gebied/WK036301?lang=en&thema=zorg"
    again, _ = ProfileView.from_query("WK036301", dict(pair.split("=") for pair in
                                                       view.query()[1:].split("&")))
    assert again == view
    plain, rejected = ProfileView.from_query("GM0363", {"lang": "fr", "thema": "nope"})
    assert plain.url() == "/gebied/GM0363" and rejected == ["lang", "thema"]


# ------------------------------------------------------------------------ similarity
def test_similar_regions_picks_the_obviously_closest() -> None:
    matrix = pd.DataFrame(
        {"a": [10.0, 10.5, 30.0, 50.0, 11.0], "b": [1.0, 1.1, 5.0, 9.0, 3.0]},
        index=["WK01", "WK02", "WK03", "WK04", "WK05"],
    )
    result = similar_regions(matrix, "WK01", k=2)
    assert list(result["code"]) == ["WK02", "WK05"]
    assert result["distance"].is_monotonic_increasing
    assert "WK01" not in set(result["code"])
    assert result.attrs["indicators"] == ["a", "b"]


def test_similarity_is_on_standardised_columns() -> None:
    """Column b has a huge scale; unstandardised it would decide everything."""
    matrix = pd.DataFrame(
        {"a": [0.0, 0.0, 10.0, 10.0], "b": [0.0, 300.0, 10.0, 500.0]},
        index=["T", "SAME_A", "CLOSE_B", "X"],
    )
    result = similar_regions(matrix, "T", k=1)
    # Raw: CLOSE_B is 14 away, SAME_A 300. z-scored: SAME_A is 0 apart on a and 1.43 on b,
    # CLOSE_B 2 apart on a and 0.05 on b.
    assert result["code"].iloc[0] == "SAME_A"


def test_columns_with_too_many_missing_are_dropped_and_gaps_filled_with_mean() -> None:
    matrix = pd.DataFrame(
        {
            "kept": [1.0, 1.2, 5.0, 9.0, 1.1, 8.0],
            "sparse": [1.0, np.nan, np.nan, np.nan, np.nan, 1.0],  # 4 of 6 missing
            "gappy": [2.0, np.nan, 2.0, 7.0, 6.0, 2.0],
        },
        index=["T", "A", "B", "C", "D", "E"],
    )
    result = similar_regions(matrix, "T", k=5)
    assert result.attrs["indicators"] == ["kept", "gappy"]
    # A misses "gappy": after standardising that counts as the mean (z = 0).
    z_kept = (matrix["kept"] - matrix["kept"].mean()) / matrix["kept"].std(ddof=0)
    gappy = matrix["gappy"]
    z_gappy = ((gappy - gappy.mean()) / gappy.std(ddof=0)).fillna(0.0)
    expected = math.hypot(z_kept["A"] - z_kept["T"], z_gappy["A"] - z_gappy["T"])
    got = result.set_index("code").loc["A", "distance"]
    assert got == pytest.approx(expected)


def test_similar_regions_edge_cases() -> None:
    matrix = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [3.0, 3.0, 3.0]},
                          index=["T", "A", "EMPTY"])
    assert similar_regions(matrix, "UNKNOWN").empty
    # b has no spread and is dropped; EMPTY has no value on the one column left: no candidate
    result = similar_regions(matrix, "T", k=5)
    assert list(result["code"]) == ["A"]
    # the target lacks the only column: nothing to compare on
    lacking = pd.DataFrame({"a": [np.nan, 1.0, 2.0]}, index=["T", "A", "B"])
    assert similar_regions(lacking, "T").empty

