"""The domain core: region codes, the rank rule, sources and their attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.ranking import percentiles, ranks
from core.sources import ATTRIBUTION, cite, credits, publisher_of, table_url


def test_ranks_direction_ties_and_missing() -> None:
    values = pd.Series([5.0, 5.0, 3.0, np.nan, 9.0], index=list("abcde"))
    neutral = ranks(values, "neutral")
    assert neutral.to_dict() == pytest.approx(
        {"a": 2.0, "b": 2.0, "c": 4.0, "d": np.nan, "e": 1.0}, nan_ok=True)
    assert ranks(values, "higher_better").equals(neutral)
    lower = ranks(values, "lower_better")
    assert lower.to_dict() == pytest.approx(
        {"a": 2.0, "b": 2.0, "c": 1.0, "d": np.nan, "e": 4.0}, nan_ok=True)




def test_percentiles_count_equal_or_lower_values() -> None:
    assert list(percentiles(pd.Series([10.0, 40.0, 20.0, 20.0]))) == [25.0, 100.0, 75.0, 75.0]


def test_each_table_is_credited_to_its_publisher() -> None:
    assert publisher_of("85984NED").credit.nl == "CBS"
    assert publisher_of("47018NED").credit.nl == "Politie, via CBS"
    assert publisher_of("50090NED").credit.en == "RIVM, via CBS"
    assert table_url("47018NED") == "https://dataderden.cbs.nl/ODataFeed/odata/47018NED/"
    assert table_url("85984NED").startswith("https://opendata.cbs.nl/")
    assert credits(["85984NED"]) == ATTRIBUTION == "Bron: CBS (CC BY 4.0)"
    assert credits(["47018NED", "85984NED"]) == "Bron: CBS; Politie, via CBS (CC BY 4.0)"
    assert credits([], "en") == "Source: CBS (CC BY 4.0)"


def test_a_source_line_names_publisher_tables_and_period() -> None:
    assert cite(["85984NED"], "nl", 2024) == "Bron: CBS, 85984NED (2024)"
    assert cite(["47018NED", "85984NED"], "en", 2022) == \
        "Source: CBS, 85984NED; Police, via CBS, 47018NED (2022)"
