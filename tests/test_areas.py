"""NPLV focus areas: the data file, its validation, honest aggregation, and real codes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from core.areas import REFERENCE_YEAR, Aggregate, aggregate, is_area_id, load_areas
from dashboard.data import Store

EXPECTED = {
    "Leeuwarden Oost", "Groningen Noord", "Arnhem Oost", "Heerlen Noord", "Breda Noord",
    "Eindhoven Woensel-Zuid", "Tilburg Noordwest", "Schiedam Nieuwland-Oost", "Rotterdam-Zuid",
    "Den Haag Zuidwest", "Amsterdam Zuidoost", "Amsterdam Nieuw-West", "Zaandam Oost",
    "Lelystad Oost", "Utrecht Overvecht", "Nieuwegein Centrale As", "Vlaardingen West",
    "Delft West", "Dordrecht West", "Roosendaal-stad",
}


# ------------------------------------------------------------------------ the file
def test_all_twenty_focus_areas_are_seeded() -> None:
    areas = load_areas()
    assert len(areas) == 20
    assert {a.name for a in areas.values()} == EXPECTED
    assert "NPLV-ARNHEM-OOST" in areas
    for area_id, area in areas.items():
        assert re.fullmatch(r"NPLV-[A-Z0-9]+(-[A-Z0-9]+)*", area_id)
        assert is_area_id(area_id)
        assert area.members_in(REFERENCE_YEAR), area_id
        assert area.composition in ("public", "approximate")
        assert area.source.nl and area.source.en
        assert all(code.startswith("WK" + area.gemeente[2:])
                   for year in area.years for code in area.members_in(year))


def test_uncertain_compositions_are_marked_approximate() -> None:
    areas = load_areas()
    public = {a.name for a in areas.values() if not a.approximate}
    # only areas whose wijken are known one to one are "public"
    assert public <= {"Arnhem Oost", "Utrecht Overvecht"}
    assert areas["NPLV-LELYSTAD-OOST"].approximate  # Waterwijk-Landerijen is larger


def test_members_in_unknown_year_is_empty() -> None:
    assert load_areas()["NPLV-ARNHEM-OOST"].members_in(1999) == ()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "areas.toml"
    path.write_text(text, encoding="utf-8")
    return path


VALID = """
[[area]]
id = "NPLV-TEST"
name = "Test"
gemeente = "GM0202"
composition = "approximate"
source = { nl = "bron", en = "source" }
  [area.members]
  2024 = ["WK020207", "WK020210"]
"""


def test_a_valid_file_loads(tmp_path: Path) -> None:
    areas = load_areas(write(tmp_path, VALID))
    assert areas["NPLV-TEST"].members_in(2024) == ("WK020207", "WK020210")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('2024 = ["WK020207", "WK020210"]', '2022 = ["WK020207"]'),  # no 2024 indeling
        ('"WK020210"', '"WK036303"'),  # a wijk of another gemeente
        ('"WK020210"', '"WK020207"'),  # duplicate member
        ('"WK020210"', '"BU02020700"'),  # not a wijk code
        ('composition = "approximate"', 'composition = "roughly"'),
        ('id = "NPLV-TEST"', 'id = "ARNHEM"'),
        ('gemeente = "GM0202"', 'gemeente = "0202"'),
        ('2024 = ["WK020207", "WK020210"]', "2024 = []"),
        ('source = { nl = "bron", en = "source" }', 'source = { nl = "bron" }'),
    ],
)
def test_invalid_files_are_refused(tmp_path: Path, old: str, new: str) -> None:
    assert old in VALID
    with pytest.raises(ValidationError):
        load_areas(write(tmp_path, VALID.replace(old, new)))


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_areas(write(tmp_path, VALID + VALID))


# --------------------------------------------------------------------- aggregation
def values(*pairs: tuple[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame({"code": [c for c, _ in pairs],
                         "value": [np.nan if v is None else v for _, v in pairs]})


def weights(*pairs: tuple[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame({"code": [c for c, _ in pairs],
                         "weight": [np.nan if v is None else v for _, v in pairs]})


def test_sum_of_counts() -> None:
    result = aggregate(values(("A", 100), ("B", 250), ("C", 0)), None, "sum")
    assert result == Aggregate(350.0, 3, 3, None)
    assert result.complete


def test_sum_with_a_missing_member_is_not_a_number() -> None:
    """A partial total would understate the group: say so instead."""
    result = aggregate(values(("A", 100), ("B", None), ("C", 50)), None, "sum")
    assert result.value is None
    assert (result.members, result.covered, result.reason) == (3, 2, "incomplete")
    assert not result.complete
    assert aggregate(values(("A", None)), None, "sum").reason == "no_values"


def test_weighted_mean_by_denominator() -> None:
    # 10% of 1000 and 40% of 3000: 1300 of 4000 = 32.5%, not the plain mean 25%
    result = aggregate(values(("A", 10), ("B", 40)), weights(("A", 1000), ("B", 3000)),
                       "weighted_mean")
    assert result.value == pytest.approx(32.5)
    assert result.complete and result.reason is None


def test_weighted_mean_with_missing_value_or_weight_reports_coverage() -> None:
    result = aggregate(
        values(("A", 10), ("B", None), ("C", 40), ("D", 99)),
        weights(("A", 1000), ("B", 500), ("C", 3000), ("D", None)),
        "weighted_mean",
    )
    assert result.value == pytest.approx(32.5)  # B (no value) and D (no weight) left out
    assert (result.members, result.covered, result.reason) == (4, 2, "incomplete")
    assert not result.complete


def test_weighted_mean_weight_table_missing_a_member_entirely() -> None:
    result = aggregate(values(("A", 10), ("B", 20)), weights(("A", 5)), "weighted_mean")
    assert result.value == pytest.approx(10)
    assert (result.covered, result.reason) == (1, "incomplete")


def test_weighted_mean_without_weights() -> None:
    assert aggregate(values(("A", 10)), None, "weighted_mean").reason == "no_weights"
    result = aggregate(values(("A", 10)), weights(("A", None)), "weighted_mean")
    assert result.value is None and result.reason == "no_weights"
    assert aggregate(values(("A", None)), weights(("A", 3)), "weighted_mean").reason == \
        "no_values"
    zero = aggregate(values(("A", 10), ("B", 20)), weights(("A", 0), ("B", 0)),
                     "weighted_mean")
    assert zero.value is None


def test_none_cannot_be_aggregated() -> None:
    """Medians and averages are shown as not available, never as a wrong number."""
    result = aggregate(values(("A", 300), ("B", 400)), None, "none")
    assert result.value is None and result.reason == "not_aggregatable"


def test_unknown_aggregation_raises() -> None:
    with pytest.raises(ValueError, match="unknown aggregation"):
        aggregate(values(("A", 1)), None, "median")


# -------------------------------------------------------------- against the store
def test_every_area_code_exists_in_the_built_store(db: Store) -> None:
    for area in load_areas().values():
        gemeente = db.region(area.gemeente, REFERENCE_YEAR)
        assert gemeente is not None and gemeente["level"] == "gemeente", area.id
        for year in area.years:
            wijken = db.regions(year, "wijk").set_index("code")
            for code in area.members_in(year):
                assert code in wijken.index, f"{area.id}: {code} not a wijk in {year}"
                assert wijken.at[code, "gemeente_code"] == area.gemeente, (area.id, code)
        # the 2024 indeling is always there
        assert set(area.members_in(REFERENCE_YEAR)) <= set(db.regions(REFERENCE_YEAR,
                                                                      "wijk")["code"])


def test_named_compositions_match_the_region_table(db: Store) -> None:
    names = db.regions(REFERENCE_YEAR, "wijk").set_index("code")["name"]
    areas = load_areas()
    arnhem = {names[c] for c in areas["NPLV-ARNHEM-OOST"].members_in(REFERENCE_YEAR)}
    assert arnhem == {"Klarendal", "Geitenkamp", "Presikhaaf-West", "Malburgen-West",
                      "Malburgen-Oost (Noord)", "Malburgen-Oost (Zuid)", "Arnhemse Broek"}
    lelystad = {names[c] for c in areas["NPLV-LELYSTAD-OOST"].members_in(REFERENCE_YEAR)}
    assert lelystad == {"Zuiderzeewijk", "Atolwijk", "Boswijk", "Waterwijk-Landerijen"}
    overvecht = [names[c] for c in areas["NPLV-UTRECHT-OVERVECHT"].members_in(REFERENCE_YEAR)]
    assert [re.sub(r"^Wijk \d+ ", "", n) for n in overvecht] == ["Overvecht"]


def test_aggregate_over_store_values(db: Store) -> None:
    """The group's inhabitants are the sum of its wijken, as the store has them."""
    area = load_areas()["NPLV-ARNHEM-OOST"]
    members = pd.DataFrame({"code": list(area.members_in(2024))})
    frame = db.values("inwoners", 2024, "wijk")
    vals = members.merge(frame[["code", "value"]], on="code", how="left")
    result = aggregate(vals, None, "sum")
    stored = db.values_of(list(area.members_in(2024)), 2024, 2024)
    expected = stored.loc[stored["indicator_id"] == "inwoners", "value"].sum()
    assert result.complete
    assert result.value == pytest.approx(float(expected))
