"""Pure transforms: cleaning CBS values and codes, resolving keys, computing indicators."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.catalogue import Catalogue, Indicator, Series
from core.regions import display_name, gemeente_of, normalise_code, region_level, wijk_of
from etl.errors import SourceDataError
from etl.transform import (
    Geography,
    SourceFrame,
    add_national_means,
    apply_formula,
    build_observations,
    combine_regions,
    compute_indicator_year,
    key_stem,
    kwb_frame,
    period_year,
    police_frames,
    regions_from_dimension,
    resolve_stems,
    rivm_frames,
    strip_text,
    sum_columns,
    table_indeling,
    to_number,
    unresolved_indicators,
    with_national_total,
)

# ------------------------------------------------------------------------------- helpers


def _text(value: str) -> dict[str, str]:
    return {"nl": value, "en": value}


def make_indicator(ind_id: str, *series: dict[str, Any], **extra: Any) -> Indicator:
    """A catalogue entry with only what the transforms look at."""
    return Indicator.model_validate(
        {
            "id": ind_id,
            "subtheme": "wonen",
            "label": _text(ind_id),
            "unit": _text("aantal"),
            "direction": "neutral",
            "definition": _text(ind_id),
            "aggregation": extra.pop("aggregation", "none"),
            "series": list(series),
            **extra,
        }
    )


def kwb_source(
    year: int,
    table: str,
    values: dict[str, dict[str, float | None]],
    defined_without_data: dict[str, str] | None = None,
) -> SourceFrame:
    """A KWB SourceFrame: {stem: {region: value}}; keys get a table-specific suffix.

    ``defined_without_data``: stems the DataProperties define but the data lacks → why.
    """
    frame = pd.DataFrame(values, dtype="float64")
    frame.index.name = "region_code"
    keys = {stem: f"{stem}_{n + 5}" for n, stem in enumerate(values)}
    missing = dict(defined_without_data or {})
    return SourceFrame(
        "kwb", table, year, frame, keys, missing, resolved=frozenset(values) | frozenset(missing)
    )


def topic(key: str) -> dict[str, Any]:
    return {"Type": "Topic", "Key": key, "Title": key}


# ------------------------------------------------------------------------------ cleaning


def test_strip_text_removes_cbs_padding_from_codes_and_names() -> None:
    raw = pd.DataFrame(
        {
            "WijkenEnBuurten": ["GM0363    ", "WK036300  "],
            "Gemeentenaam_1": ["Amsterdam" + " " * 31, "Amsterdam" + " " * 31],
            "AantalInwoners_5": [931298, 4550],
        }
    )
    clean = strip_text(raw)
    assert clean["WijkenEnBuurten"].tolist() == ["GM0363", "WK036300"]
    assert clean["Gemeentenaam_1"].tolist() == ["Amsterdam", "Amsterdam"]
    assert clean["AantalInwoners_5"].tolist() == [931298, 4550]
    assert raw["WijkenEnBuurten"].iloc[0] == "GM0363    "  # input not modified


def test_sentinels_and_dots_become_missing_not_zero() -> None:
    raw = pd.Series([None, ".", "       .", "-99997", -99999999, "x", "-", ""], dtype=object)
    numbers = to_number(raw)
    assert numbers.dtype == "float64"
    assert numbers.isna().all()
    assert not (numbers == 0).any()


def test_typed_sentinels_become_missing_and_real_zero_stays_zero() -> None:
    numbers = to_number(pd.Series([12.5, None, -99997.0, -99999999.0, 0.0, -3.0]))
    assert numbers.iloc[0] == 12.5
    assert numbers.iloc[1:4].isna().all()
    assert numbers.iloc[4] == 0.0
    assert numbers.iloc[5] == -3.0  # a real negative (e.g. a change) is not a sentinel


@pytest.mark.parametrize("dtype", [object, "string"])
def test_padded_untyped_strings_parse_as_numbers(dtype: Any) -> None:
    numbers = to_number(pd.Series(["    76.1", "       0", "  1234", "       ."], dtype=dtype))
    assert numbers.iloc[:3].tolist() == [76.1, 0.0, 1234.0]
    assert math.isnan(numbers.iloc[3])


# --------------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("code", "level", "gemeente", "wijk"),
    [
        ("NL00", "land", None, None),
        ("GM0363", "gemeente", "GM0363", None),
        ("WK036300", "wijk", "GM0363", None),
        ("WK0363AA", "wijk", "GM0363", None),
        ("BU03630000", "buurt", "GM0363", "WK036300"),
        ("BU0363AA01", "buurt", "GM0363", "WK0363AA"),
        ("PV27", None, None, None),
    ],
)
def test_region_level_gemeente_and_wijk_follow_from_the_code(
    code: str, level: str | None, gemeente: str | None, wijk: str | None
) -> None:
    assert region_level(code) == level
    assert gemeente_of(code) == gemeente
    assert wijk_of(code) == wijk


def test_normalise_code_strips_padding_and_maps_every_national_code_to_nl00() -> None:
    assert normalise_code("NL01      ") == "NL00"
    assert normalise_code("NL00") == "NL00"
    assert normalise_code("GM0363    ") == "GM0363"
    assert normalise_code(" wk036300 ") == "WK036300"


def test_display_name_drops_the_cbs_wijk_prefix_only_for_wijken() -> None:
    assert display_name("Wijk 00 Annen", "WK168000") == "Annen"
    assert display_name("Wijk AA Centrum  ", "WK0363AA") == "Centrum"
    assert display_name("Wijk 00 Annen", "GM1680") == "Wijk 00 Annen"
    assert display_name("  Aa en Hunze  ", "GM1680") == "Aa en Hunze"
    assert display_name("   ", "GM1680") is None
    assert display_name(None, "GM1680") is None


# ------------------------------------------------------------------------- key resolution


def test_key_stem_drops_only_the_numeric_suffix() -> None:
    assert key_stem("GemiddeldInkomenPerInwoner_83") == "GemiddeldInkomenPerInwoner"
    assert key_stem("k_0Tot15Jaar_8") == "k_0Tot15Jaar"
    assert key_stem("WijkenEnBuurten") == "WijkenEnBuurten"


def test_resolve_stems_finds_the_same_stem_under_different_suffixes_per_year() -> None:
    props_2023 = [
        {"Type": "GeoDetail", "Key": "WijkenEnBuurten"},
        topic("GemiddeldInkomenPerInwoner_72"),
    ]
    props_2024 = [topic("AantalInwoners_5"), topic("GemiddeldInkomenPerInwoner_83")]
    idx_2023, idx_2024 = resolve_stems(props_2023), resolve_stems(props_2024)
    assert idx_2023.resolve("GemiddeldInkomenPerInwoner") == "GemiddeldInkomenPerInwoner_72"
    assert idx_2024.resolve("GemiddeldInkomenPerInwoner") == "GemiddeldInkomenPerInwoner_83"
    assert idx_2023.resolve("WijkenEnBuurten") is None  # dimensions are not topics


def test_ambiguous_stem_is_reported_and_not_resolved() -> None:
    index = resolve_stems([topic("Mannen_6"), topic("Mannen_80"), topic("Vrouwen_7")])
    assert index.ambiguous == frozenset({"Mannen"})
    assert index.resolve("Mannen") is None
    assert index.resolve("Vrouwen") == "Vrouwen_7"


@pytest.mark.parametrize(
    ("period", "year"),
    [("2024JJ00", 2024), ("  2021JJ00 ", 2021), ("2024MM01", None), ("2024KW02", None)],
)
def test_period_year_reads_whole_years_only(period: str, year: int | None) -> None:
    assert period_year(period) == year


# ------------------------------------------------------------------------- source frames


def test_kwb_frame_keys_by_stem_and_explains_missing_and_ambiguous_keys() -> None:
    props = [
        {"Type": "GeoDetail", "Key": "WijkenEnBuurten"},
        topic("Gemeentenaam_1"),
        topic("AantalInwoners_5"),
        topic("Woningvoorraad_35"),  # in the DataProperties, not in the data
        topic("Mannen_6"),
        topic("Mannen_60"),
    ]
    rows = pd.DataFrame(
        {
            "WijkenEnBuurten": ["GM0363    ", "WK036300  ", "NL01      "],
            "Gemeentenaam_1": ["Amsterdam   ", "Amsterdam   ", "Nederland   "],
            "AantalInwoners_5": [931298, None, -99997],
            "Mannen_6": [1, 2, 3],
            "Mannen_60": [1, 2, 3],
        }
    )
    frame = kwb_frame("85984NED", 2024, props, rows)
    assert list(frame.values.index) == ["GM0363", "WK036300", "NL00"]
    assert list(frame.values.columns) == ["AantalInwoners"]
    assert frame.values.loc["GM0363", "AantalInwoners"] == 931298
    assert frame.values["AantalInwoners"].iloc[1:].isna().all()
    assert frame.keys == {"AantalInwoners": "AantalInwoners_5"}
    assert "Woningvoorraad_35" in frame.missing_keys["Woningvoorraad"]
    assert "ambiguous" in frame.missing_keys["Mannen"]
    assert {"AantalInwoners", "Woningvoorraad"} <= frame.resolved
    assert "Mannen" not in frame.resolved


def test_police_frames_split_years_and_name_columns_by_offence() -> None:
    props = [topic("GeregistreerdeMisdrijven_1")]
    rows = pd.DataFrame(
        {
            "WijkenEnBuurten": ["GM0363    ", "GM0363    ", "GM0363    ", "WK036300  "],
            "Perioden": ["2022JJ00", "2023JJ00", "2023MM01", "2023JJ00"],
            "SoortMisdrijf": ["0.0.0 ", "0.0.0 ", "0.0.0 ", "0.0.0 "],
            "GeregistreerdeMisdrijven_1": [100, 120, 9, None],
        }
    )
    frames = police_frames("47018NED", props, rows)
    assert sorted(frames) == [2022, 2023]  # the month row made no year of its own
    col = "GeregistreerdeMisdrijven@0.0.0"
    assert frames[2022].values.loc["GM0363", col] == 100
    assert frames[2023].values.loc["GM0363", col] == 120
    assert frames[2023].keys[col] == "GeregistreerdeMisdrijven_1"


def test_rivm_frames_keep_adults_and_point_estimates_and_map_nl01() -> None:
    props = [topic("Roker_4")]
    rows = pd.DataFrame(
        {
            "WijkenEnBuurten": ["NL01      ", "GM0363    ", "GM0363    ", "GM0363    "],
            "Perioden": ["2020JJ00", "2020JJ00", "2020JJ00", "2016JJ00"],
            "Leeftijd": ["20300", "20300", "53105", "20300"],
            "Marges": ["MW00000", "MW00000", "MW00000", "MW00000"],
            "Roker_4": ["    19.8", "    21.0", "    99.0", "       ."],
        }
    )
    frames = rivm_frames("50090NED", props, rows, age_key="20300", margin_key="MW00000")
    assert sorted(frames) == [2016, 2020]
    assert frames[2020].values.loc["NL00", "Roker"] == pytest.approx(19.8)
    assert frames[2020].values.loc["GM0363", "Roker"] == pytest.approx(21.0)
    assert math.isnan(frames[2016].values.loc["GM0363", "Roker"])


# -------------------------------------------------------------------------------- formulas


def _series(formula: str, denominator: tuple[str, ...] = ("B",)) -> Series:
    return Series(
        years=(2019, 2025), source="kwb", formula=formula, numerator=("A",), denominator=denominator
    )


def test_share_with_zero_or_missing_denominator_is_missing() -> None:
    num = pd.Series([5.0, 5.0, 5.0], index=["GM1", "GM2", "GM3"])
    den = pd.Series([20.0, 0.0, np.nan], index=["GM1", "GM2", "GM3"])
    out = apply_formula(_series("share"), num, den)
    assert out["GM1"] == pytest.approx(25.0)
    assert out[["GM2", "GM3"]].isna().all()


def test_per_1000_scales_by_thousand_and_missing_region_in_denominator_is_missing() -> None:
    num = pd.Series([5.0, 7.0], index=["GM1", "GM2"])
    den = pd.Series([2000.0], index=["GM1"])  # GM2 has no denominator at all
    out = apply_formula(_series("per_1000"), num, den)
    assert out["GM1"] == pytest.approx(2.5)
    assert math.isnan(out["GM2"])


def test_sum_stays_missing_when_a_part_is_missing() -> None:
    frame = pd.DataFrame(
        {"a": [1.0, 2.0, np.nan], "b": [3.0, np.nan, np.nan]}, index=["GM1", "GM2", "GM3"]
    )
    total = sum_columns(frame, ["a", "b"])
    assert total["GM1"] == 4.0
    assert total[["GM2", "GM3"]].isna().all()


# ------------------------------------------------------------------------------ indicators


def test_indicator_value_present_gives_ok_with_source_key() -> None:
    ind = make_indicator(
        "inwoners", {"years": [2019, 2025], "source": "kwb", "numerator": ["AantalInwoners"]}
    )
    frames = {
        ("kwb", 2024): kwb_source(
            2024, "85984NED", {"AantalInwoners": {"GM0363": 931298.0, "GM0014": None}}
        )
    }
    values, note = compute_indicator_year(ind, 2024, frames)
    assert note.status == "ok"
    assert note.source_table == "85984NED"
    assert note.source_keys == "AantalInwoners_5"
    assert note.n_values == 1
    assert values.to_dict("records") == [{"region_code": "GM0363", "value": 931298.0}]


def test_missing_stem_is_unavailable_with_reason_naming_stem_and_table() -> None:
    ind = make_indicator(
        "inkomen",
        {"years": [2019, 2025], "source": "kwb", "numerator": ["GemiddeldInkomenPerInwoner"]},
    )
    frames = {("kwb", 2022): kwb_source(2022, "85318NED", {"AantalInwoners": {"GM0363": 1.0}})}
    values, note = compute_indicator_year(ind, 2022, frames)
    assert values.empty
    assert note.status == "unavailable"
    assert "GemiddeldInkomenPerInwoner" in note.reason
    assert "85318NED" in note.reason


def test_key_defined_but_without_data_is_empty_with_the_frames_reason() -> None:
    ind = make_indicator(
        "woningen", {"years": [2019, 2025], "source": "kwb", "numerator": ["Woningvoorraad"]}
    )
    frames = {
        ("kwb", 2024): kwb_source(
            2024,
            "85984NED",
            {"AantalInwoners": {"GM0363": 1.0}},
            defined_without_data={"Woningvoorraad": "Woningvoorraad_35 is not in the data"},
        )
    }
    values, note = compute_indicator_year(ind, 2024, frames)
    assert values.empty
    assert note.status == "empty"
    assert note.reason == "Woningvoorraad_35 is not in the data"


def test_all_missing_values_give_empty_not_zero_rows() -> None:
    ind = make_indicator(
        "inwoners", {"years": [2019, 2025], "source": "kwb", "numerator": ["AantalInwoners"]}
    )
    frames = {
        ("kwb", 2022): kwb_source(
            2022, "85318NED", {"AantalInwoners": {"GM0363": None, "GM0014": None}}
        )
    }
    values, note = compute_indicator_year(ind, 2022, frames)
    assert values.empty
    assert note.status == "empty"
    assert "85318NED" in note.reason


def test_missing_source_table_for_year_is_unavailable() -> None:
    ind = make_indicator(
        "inwoners", {"years": [2019, 2025], "source": "kwb", "numerator": ["AantalInwoners"]}
    )
    _, note = compute_indicator_year(ind, 2021, {})
    assert note.status == "unavailable"
    assert note.series == 0
    assert "2021" in note.reason


def test_missing_police_offence_is_unavailable_with_reason_naming_the_offence() -> None:
    ind = make_indicator(
        "woninginbraak",
        {
            "years": [2019, 2025],
            "source": "politie",
            "numerator": ["GeregistreerdeMisdrijven"],
            "offence": "1.1.1",
        },
    )
    police = SourceFrame(
        "politie",
        "47018NED",
        2023,
        pd.DataFrame(
            {"GeregistreerdeMisdrijven@0.0.0": [100.0]},
            index=pd.Index(["GM0363"], name="region_code"),
        ),
        {"GeregistreerdeMisdrijven@0.0.0": "GeregistreerdeMisdrijven_1"},
        resolved=frozenset({"GeregistreerdeMisdrijven"}),
    )
    values, note = compute_indicator_year(ind, 2023, {("politie", 2023): police})
    assert values.empty
    assert note.status == "empty"  # the measure exists; this offence has no rows
    assert "offence 1.1.1" in note.reason
    assert "47018NED" in note.reason


def test_police_per_1000_uses_kwb_denominator_and_names_both_keys() -> None:
    ind = make_indicator(
        "misdrijven_per_1000",
        {
            "years": [2019, 2025],
            "source": "politie",
            "formula": "per_1000",
            "numerator": ["GeregistreerdeMisdrijven"],
            "offence": "0.0.0",
            "denominator": ["AantalInwoners"],
            "denominator_source": "kwb",
        },
    )
    police = SourceFrame(
        "politie",
        "47018NED",
        2024,
        pd.DataFrame(
            {"GeregistreerdeMisdrijven@0.0.0": [500.0, 3.0]},
            index=pd.Index(["GM0363", "WK036300"], name="region_code"),
        ),
        {"GeregistreerdeMisdrijven@0.0.0": "GeregistreerdeMisdrijven_1"},
        resolved=frozenset({"GeregistreerdeMisdrijven"}),
    )
    kwb = kwb_source(2024, "85984NED", {"AantalInwoners": {"GM0363": 10000.0, "WK036300": 0.0}})
    values, note = compute_indicator_year(
        ind, 2024, {("politie", 2024): police, ("kwb", 2024): kwb}
    )
    assert note.status == "ok"
    assert values.set_index("region_code")["value"].to_dict() == {"GM0363": 50.0}
    assert note.source_keys == "(GeregistreerdeMisdrijven_1[0.0.0])/(AantalInwoners_5)"


def test_percentage_share_above_100_from_rounded_counts_is_dropped() -> None:
    ind = make_indicator(
        "aandeel",
        {
            "years": [2019, 2025],
            "source": "kwb",
            "formula": "share",
            "numerator": ["A"],
            "denominator": ["B"],
        },
        is_percentage=True,
    )
    frames = {
        ("kwb", 2022): kwb_source(
            2022, "85318NED", {"A": {"WK1": 55.0, "WK2": 60.0}, "B": {"WK1": 50.0, "WK2": 120.0}}
        )
    }
    values, _ = compute_indicator_year(ind, 2022, frames)
    assert values.set_index("region_code")["value"].to_dict() == {"WK2": 50.0}


def test_definition_break_gives_series_0_before_and_series_1_after() -> None:
    ind = make_indicator(
        "inkomen",
        {"years": [2019, 2022], "source": "kwb", "numerator": ["InkomenOud"]},
        {"years": [2023, 2025], "source": "kwb", "numerator": ["InkomenNieuw"]},
    )
    frames = {
        ("kwb", 2022): kwb_source(2022, "85318NED", {"InkomenOud": {"GM0363": 30.0}}),
        ("kwb", 2023): kwb_source(2023, "85618NED", {"InkomenNieuw": {"GM0363": 35.0}}),
    }
    catalogue = Catalogue(indicators=(ind,))
    obs, availability, _ = build_observations(catalogue, frames, (2022, 2023))
    assert obs.set_index("year")["series"].to_dict() == {2022: 0, 2023: 1}
    assert obs.set_index("year")["source_table"].to_dict() == {2022: "85318NED", 2023: "85618NED"}
    assert availability.set_index("year")["series"].to_dict() == {2022: 0, 2023: 1}


def _two_indicator_setup() -> tuple[Catalogue, dict[tuple[str, int], SourceFrame]]:
    catalogue = Catalogue(
        indicators=(
            make_indicator(
                "inwoners",
                {"years": [2019, 2025], "source": "kwb", "numerator": ["AantalInwoners"]},
                aggregation="sum",
            ),
            make_indicator(
                "woningen",
                {"years": [2019, 2025], "source": "kwb", "numerator": ["Woningvoorraad"]},
                aggregation="sum",
            ),
        )
    )
    frames = {
        ("kwb", year): kwb_source(
            year,
            "T",
            {
                "AantalInwoners": {"WK036300": 4550.0, "GM0363": 900000.0, "GM0014": None},
                "Woningvoorraad": {"GM0014": 100000.0, "GM0363": 450000.0, "WK036300": 2991.0},
            },
        )
        for year in (2024, 2022)
    }
    return catalogue, frames


def test_build_observations_has_no_duplicates_and_is_deterministic() -> None:
    catalogue, frames = _two_indicator_setup()
    first, avail_1, _ = build_observations(catalogue, frames, (2024, 2022))
    second, avail_2, _ = build_observations(
        catalogue, dict(reversed(frames.items())), (2024, 2022))
    assert not first.duplicated(["year", "region_code", "indicator_id"]).any()
    assert len(first) == 2 * (2 + 3)  # GM0014 has no inwoners: no row, not a 0
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(avail_1, avail_2)
    keys = list(zip(first["year"], first["indicator_id"], first["region_code"], strict=True))
    assert keys == sorted(keys)


def test_unresolved_indicators_lists_those_unavailable_in_every_year() -> None:
    availability = pd.DataFrame(
        {
            "indicator_id": ["a", "a", "b", "b", "c"],
            "year": [2022, 2023, 2022, 2023, 2022],
            "status": ["unavailable", "unavailable", "unavailable", "ok", "empty"],
        }
    )
    assert unresolved_indicators(availability) == ["a"]


# --------------------------------------------------------------------------------- regions


def test_combine_regions_fills_a_name_that_is_its_code_from_another_year() -> None:
    kwb_2022 = regions_from_dimension(
        2022,
        [
            {"Key": "GM0363    ", "Title": "Amsterdam"},
            {"Key": "WK036300  ", "Title": "Wijk 00 Burgwallen-Oude Zijde"},
        ],
        priority=1,
    )
    rivm_2020 = regions_from_dimension(
        2020,
        [
            {"Key": "NL01      ", "Title": "Nederland"},
            {"Key": "GM0363    ", "Title": "Amsterdam"},
            {"Key": "WK036300  ", "Title": "WK036300"},
        ],  # RIVM titles wijken by their code
        priority=3,
    )
    regions = combine_regions([kwb_2022, rivm_2020])
    names = regions.set_index(["year", "code"])["name"]
    assert names[(2020, "WK036300")] == "Burgwallen-Oude Zijde"
    assert names[(2022, "WK036300")] == "Burgwallen-Oude Zijde"
    assert names[(2020, "NL00")] == "Nederland"
    assert not regions.duplicated(["year", "code"]).any()
    assert regions.set_index(["year", "code"])["gemeente_code"][(2020, "WK036300")] == "GM0363"


def test_combine_regions_prefers_better_source_and_nearest_year_name() -> None:
    def rows(year: int, name: str | None, priority: int) -> pd.DataFrame:
        return pd.DataFrame(
            [(year, "WK036300", "wijk", name, "GM0363", priority)],
            columns=["year", "code", "level", "name", "gemeente_code", "priority"],
        )

    regions = combine_regions(
        [
            rows(2024, "Nieuwe naam", 2),
            rows(2024, "Beste naam", 1),
            rows(2019, "Oude naam", 1),
            rows(2023, None, 2),
            rows(2020, None, 3),
        ]
    )
    names = regions.set_index("year")["name"].to_dict()
    assert names == {2019: "Oude naam", 2020: "Oude naam", 2023: "Beste naam", 2024: "Beste naam"}


def test_unnamed_region_without_any_name_keeps_its_code() -> None:
    regions = combine_regions(
        [regions_from_dimension(2020, [{"Key": "BU03630000", "Title": "BU03630000"}], priority=3)]
    )
    assert regions.set_index("code")["name"]["BU03630000"] == "BU03630000"


# ----------------------------------------------------------------------- indelingen


def test_a_tables_indeling_is_the_mapyear_of_its_region_dimension_not_its_period() -> None:
    police = [{"Type": "Dimension", "Key": "SoortMisdrijf"},
              {"Type": "GeoDimension", "Key": "WijkenEnBuurten", "MapYear": 2024},
              {"Type": "TimeDimension", "Key": "Perioden"}]
    kwb = [{"Type": "GeoDetail", "Key": "WijkenEnBuurten", "MapYear": 2022}]
    assert table_indeling(police, "47018NED") == 2024
    assert table_indeling(kwb, "85318NED", default=2021) == 2022
    assert table_indeling([], "85318NED", default=2022) == 2022  # a KWB table: its year
    with pytest.raises(SourceDataError, match=r"47018NED.*no MapYear"):
        table_indeling(police[:1], "47018NED")


def test_police_periods_all_carry_the_tables_indeling() -> None:
    rows = pd.DataFrame({
        "WijkenEnBuurten": ["WK076201  ", "WK076201  "],
        "Perioden": ["2022JJ00", "2024JJ00"],
        "SoortMisdrijf": ["0.0.0 ", "0.0.0 "],
        "GeregistreerdeMisdrijven_1": [680, 636],
    })
    frames = police_frames("47018NED", [topic("GeregistreerdeMisdrijven_1")], rows, 2024)
    assert {y: f.region_year for y, f in frames.items()} == {2022: 2024, 2024: 2024}


def _crime_setup(same: frozenset[str]) -> tuple[Indicator, dict[tuple[str, int], SourceFrame],
                                                 Geography]:
    """Crimes of 2022 on the 2024 indeling over inhabitants of the 2022 indeling."""
    ind = make_indicator(
        "misdrijven_per_1000",
        {"years": [2019, 2025], "source": "politie", "formula": "per_1000",
         "numerator": ["GeregistreerdeMisdrijven"], "offence": "0.0.0",
         "denominator": ["AantalInwoners"], "denominator_source": "kwb"},
        aggregation="weighted_mean", weight="inwoners", bounds=[0, 100_000],
    )
    police = SourceFrame(
        "politie", "47018NED", 2022,
        pd.DataFrame({"GeregistreerdeMisdrijven@0.0.0": [680.0, 100.0, 3.0, 50.0, 833.0]},
                     index=pd.Index(["WK076201", "WK076200", "BU07620001", "GM0762", "NL00"],
                                    name="region_code")),
        {"GeregistreerdeMisdrijven@0.0.0": "GeregistreerdeMisdrijven_1"},
        resolved=frozenset({"GeregistreerdeMisdrijven"}), indeling=2024,
    )
    kwb = kwb_source(2022, "85318NED", {"AantalInwoners": {
        "WK076201": 1460.0, "WK076200": 2000.0, "BU07620001": 25.0, "GM0762": 3485.0}})
    geography = Geography(gemeenten={2022: frozenset({"GM0762"})},
                          same={(2022, 2024): same})
    return ind, {("politie", 2022): police, ("kwb", 2022): kwb}, geography


def test_a_rate_over_two_indelingen_is_computed_only_where_the_code_is_the_same_area() -> None:
    ind, frames, geography = _crime_setup(frozenset({"WK076200", "GM0762"}))
    values, note = compute_indicator_year(ind, 2022, frames, geography)
    got = values.set_index("region_code")["value"].to_dict()
    assert got["WK076200"] == pytest.approx(50.0)  # the same area: 100 / 2,000
    assert "WK076201" not in got  # Vlierden 2022 ≠ Deurne 2024: 680 / 1,460 is no rate
    assert note.region_year == 2024  # the values are on the numerator's (police) indeling
    gaps = note.gaps.set_index("region_code")
    assert gaps.loc["WK076201", "reason"] == "other_area"
    assert "2024" in gaps.loc["WK076201", "note_en"] and "2022" in gaps.loc["WK076201", "note_en"]
    # Without any same-area verdict nothing crosses the indelingen (but NL00 always does).
    ind, frames, geography = _crime_setup(frozenset())
    values, _ = compute_indicator_year(ind, 2022, frames, geography)
    assert set(values["region_code"]) == {"NL00"}


def test_a_computed_rate_below_the_minimum_denominator_is_withheld_with_its_reason() -> None:
    ind, frames, geography = _crime_setup(frozenset({"WK076200", "BU07620001", "GM0762"}))
    values, note = compute_indicator_year(ind, 2022, frames, geography)
    assert "BU07620001" not in set(values["region_code"])  # 25 inhabitants < 50
    gap = note.gaps.set_index("region_code").loc["BU07620001"]
    assert gap["reason"] == "small_denominator"
    assert "25" in gap["note_en"] and "50" in gap["note_en"]
    # WK076201 is withheld too, but for another reason: it is not the same area.
    assert note.n_withheld == len(note.gaps) == 2
    assert set(note.gaps["reason"]) == {"small_denominator", "other_area"}


def test_national_rate_from_national_totals_of_numerator_and_denominator() -> None:
    ind, frames, geography = _crime_setup(frozenset({"GM0762"}))
    values, note = compute_indicator_year(ind, 2022, frames, geography)
    # KWB 2022 has no NL00 row: its inhabitants are the sum of every gemeente (one here).
    assert values.set_index("region_code")["value"]["NL00"] == pytest.approx(833 / 3485 * 1000)
    assert note.national is not None and "1 gemeenten" in note.national


def test_national_total_needs_every_gemeente_and_keeps_a_published_one() -> None:
    values = pd.Series({"GM0001": 10.0, "GM0002": 5.0}, name="v")
    total, n = with_national_total(values, frozenset({"GM0001", "GM0002"}))
    assert total["NL00"] == 15.0 and n == 2
    partial, n = with_national_total(values, frozenset({"GM0001", "GM0002", "GM0003"}))
    assert "NL00" not in partial.index and n == 0  # GM0003 lacks a value: no national sum
    published = pd.concat([values, pd.Series({"NL00": 99.0})])
    kept, n = with_national_total(published, frozenset({"GM0001", "GM0002"}))
    assert kept["NL00"] == 99.0 and n == 0


def test_national_weighted_mean_of_gemeenten_where_cbs_publishes_none() -> None:
    catalogue = Catalogue(indicators=(
        make_indicator("woningvoorraad", {"years": [2019, 2025], "source": "kwb",
                                          "numerator": ["Woningvoorraad"]},
                       aggregation="sum"),
        make_indicator("koopwoningen", {"years": [2019, 2025], "source": "kwb",
                                        "numerator": ["Koopwoningen"]},
                       aggregation="weighted_mean", weight="woningvoorraad",
                       is_percentage=True),
    ))
    frames = {("kwb", 2022): kwb_source(2022, "85318NED", {
        "Woningvoorraad": {"GM0001": 100.0, "GM0002": 300.0},
        "Koopwoningen": {"GM0001": 40.0, "GM0002": 60.0}})}
    geography = Geography(gemeenten={2022: frozenset({"GM0001", "GM0002"})})
    obs, availability, _ = build_observations(catalogue, frames, (2022,), geography)
    nl = obs[obs["region_code"] == "NL00"].set_index("indicator_id")
    assert nl.loc["woningvoorraad", "value"] == 400.0
    assert nl.loc["koopwoningen", "value"] == pytest.approx((40 * 100 + 60 * 300) / 400)
    assert "weighted by woningvoorraad" in nl.loc["koopwoningen", "source_key"]
    assert availability.set_index("indicator_id").loc["koopwoningen", "n_values"] == 3
    # A gemeente without a value: no national mean.
    without = obs[(obs["region_code"] != "NL00")
                  & ~((obs["region_code"] == "GM0002") & (obs["indicator_id"] == "koopwoningen"))]
    obs, _ = add_national_means(without, availability, catalogue, geography)
    assert not ((obs["region_code"] == "NL00") & (obs["indicator_id"] == "koopwoningen")).any()


def test_a_percentage_cbs_publishes_is_used_instead_of_the_formula() -> None:
    ind = make_indicator(
        "aandeel_65_plus",
        {"years": [2019, 2025], "source": "kwb", "formula": "share",
         "numerator": ["k_65JaarOfOuder"], "denominator": ["AantalInwoners"]},
        is_percentage=True,
    )
    frame = kwb_source(2019, "84583NED", {"k_65JaarOfOuder": {"BU1": 20.0, "BU2": 7.0},
                                          "AantalInwoners": {"BU1": 10.0, "BU2": 400.0}})
    frame.units.update({"k_65JaarOfOuder": "%", "AantalInwoners": "aantal"})
    values, note = compute_indicator_year(ind, 2019, {("kwb", 2019): frame})
    # CBS's own 20% for a buurt of 10 people: kept (its publication rules, not our formula).
    assert values.set_index("region_code")["value"].to_dict() == {"BU1": 20.0, "BU2": 7.0}
    assert "published by CBS" in note.source_keys


def test_a_key_in_another_unit_than_the_catalogue_says_fails_naming_table_and_key() -> None:
    ind = make_indicator("inwoners", {"years": [2019, 2025], "source": "kwb",
                                      "numerator": ["AantalInwoners"]}, aggregation="sum")
    frame = kwb_source(2024, "85984NED", {"AantalInwoners": {"GM0363": 55.0}})
    frame.units["AantalInwoners"] = "%"
    with pytest.raises(SourceDataError, match=r"85984NED AantalInwoners_5.*'%'.*'aantal'"):
        compute_indicator_year(ind, 2024, {("kwb", 2024): frame})


def test_regions_get_the_netherlands_in_every_indeling() -> None:
    regions = combine_regions([regions_from_dimension(
        2023, [{"Key": "GM0363    ", "Title": "Amsterdam"}], priority=1)])
    assert regions[["year", "code", "name"]].values.tolist() == [
        [2023, "GM0363", "Amsterdam"], [2023, "NL00", "Nederland"]]


def test_a_row_repeated_exactly_is_dropped_and_a_contradicting_one_fails() -> None:
    props = [topic("AantalInwoners_5")]
    same = pd.DataFrame({"WijkenEnBuurten": ["GM0363  ", "GM0363  ", "GM0014  "],
                         "AantalInwoners_5": [882633, 882633, 5]})
    frame = kwb_frame("85318NED", 2022, props, same)
    assert frame.values["AantalInwoners"].to_dict() == {"GM0363": 882633.0, "GM0014": 5.0}
    other = same.assign(AantalInwoners_5=[882633, 1, 5])
    with pytest.raises(SourceDataError, match=r"85318NED: 2 rows for GM0363 \(2022\) with "
                                              r"different values: AantalInwoners_5 = 882633 "
                                              r"and 1") as info:
        kwb_frame("85318NED", 2022, props, other)
    assert info.value.tables == ("85318NED",)
    rivm = pd.DataFrame({"WijkenEnBuurten": ["GM0363", "GM0363"], "Perioden": ["2020JJ00"] * 2,
                         "Roker_4": ["    19.8", "    21.0"]})
    with pytest.raises(SourceDataError, match=r"50090NED: 2 rows for GM0363 \(2020\)"):
        rivm_frames("50090NED", [topic("Roker_4")], rivm, None, None)
