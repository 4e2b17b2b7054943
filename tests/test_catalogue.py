"""The shipped indicator catalogue loads, is complete, and its keys resolve in the CBS tables."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.catalogue import (
    COUNT_CEILING,
    DEFAULT_CATALOGUE,
    DEFAULT_MIN_DENOMINATOR,
    SUBTHEMES,
    Catalogue,
    CatalogueError,
    Series,
    load_catalogue,
)

MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "cbs-mirror"
KWB_2024 = MIRROR / "opendata.cbs.nl" / "ODataFeed" / "odata" / "85984NED"
RIVM = MIRROR / "dataderden.cbs.nl" / "ODataFeed" / "odata" / "50090NED"
POLICE = MIRROR / "dataderden.cbs.nl" / "ODataFeed" / "odata" / "47018NED"

needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"CBS mirror not found: {MIRROR}")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# --- the shipped catalogue -------------------------------------------------------------------


def test_shipped_catalogue_loads(catalogue: Catalogue) -> None:
    assert DEFAULT_CATALOGUE.is_file()
    assert catalogue.indicators


def test_counts_per_subtheme(catalogue: Catalogue) -> None:
    assert len(catalogue.indicators) >= 56
    for subtheme in SUBTHEMES:
        assert len(catalogue.for_subtheme(subtheme)) >= 8, subtheme


def test_base_indicators_exist(catalogue: Catalogue) -> None:
    expected = {
        "inwoners": "AantalInwoners",
        "huishoudens": "HuishoudensTotaal",
        "woningvoorraad": "Woningvoorraad",
    }
    for ind_id, stem in expected.items():
        ind = catalogue.by_id[ind_id]
        assert ind.aggregation == "sum"
        assert all(s.source == "kwb" and s.numerator == (stem,) for s in ind.series)


def test_weights_exist_and_are_summed(catalogue: Catalogue) -> None:
    weighted = [i for i in catalogue.indicators if i.aggregation == "weighted_mean"]
    assert weighted
    for ind in weighted:
        assert ind.weight in catalogue.by_id, f"{ind.id}: unknown weight {ind.weight!r}"
        assert catalogue.by_id[ind.weight].aggregation == "sum", f"{ind.id}: weight not a count"


def test_averages_over_a_known_population_are_weighted_by_it(catalogue: Catalogue) -> None:
    weights = {i.id: i.weight for i in catalogue.indicators}
    assert weights["woz_waarde"] == "woningvoorraad"  # average over dwellings
    assert weights["inkomen_per_inwoner"] == "inwoners"
    assert weights["huishoudensgrootte"] == "huishoudens"
    for distance in ("afstand_tot_school", "afstand_tot_huisarts",
                     "afstand_tot_kinderdagverblijf"):
        assert weights[distance] == "inwoners", distance  # CBS: averaged over inhabitants
    # Medians cannot be combined, and densities would need an area weight.
    for unweighted in ("mediaan_vermogen", "bevolkingsdichtheid", "personenautos_per_km2"):
        assert catalogue.by_id[unweighted].aggregation == "none", unweighted


def test_every_value_has_a_plausible_range(catalogue: Catalogue) -> None:
    for ind in catalogue.indicators:
        if ind.unit.nl.startswith("per ") or ind.aggregation != "none":
            assert ind.value_bounds is not None, ind.id
        low, high = ind.value_bounds or (0, 1)
        assert low < high, ind.id
    assert catalogue.by_id["inwoners"].value_bounds == (0, COUNT_CEILING)
    assert catalogue.by_id["koopwoningen"].value_bounds == (0, 100)


def test_computed_shares_and_rates_have_a_minimum_denominator(catalogue: Catalogue) -> None:
    for ind in catalogue.indicators:
        for series in ind.series:
            if series.formula in ("share", "per_1000"):
                assert series.effective_min_denominator == DEFAULT_MIN_DENOMINATOR
            else:
                assert series.effective_min_denominator is None


def test_shares_are_percentages(catalogue: Catalogue) -> None:
    for ind in catalogue.indicators:
        if any(s.formula == "share" for s in ind.series):
            assert ind.is_percentage, ind.id


def test_later_series_explain_their_break(catalogue: Catalogue) -> None:
    for ind in catalogue.indicators:
        spans = sorted(ind.series, key=lambda s: s.years)
        for series in spans[1:]:
            assert series.note is not None, f"{ind.id}: series {series.years} has no note"


def test_every_indicator_reaches_2024(catalogue: Catalogue) -> None:
    for ind in catalogue.indicators:
        assert ind.series_for(2024) is not None, ind.id


# --- invalid catalogues ----------------------------------------------------------------------

GOOD = """
[[indicator]]
id = "{id}"
subtheme = "{subtheme}"
label = {{ nl = "Inwoners", en = "Inhabitants" }}
unit = {{ nl = "aantal", en = "number" }}
direction = "neutral"
aggregation = "sum"
definition = {{ nl = "Aantal inwoners.", en = "Number of inhabitants." }}
{series}
"""

KWB_SERIES = """
  [[indicator.series]]
  years = [{first}, {last}]
  source = "kwb"
  formula = "value"
  numerator = ["AantalInwoners"]
"""


def _indicator(id: str = "inwoners", subtheme: str = "wonen", series: str | None = None) -> str:
    if series is None:
        series = KWB_SERIES.format(first=2019, last=2025)
    return GOOD.format(id=id, subtheme=subtheme, series=series)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_catalogue_is_valid(tmp_path: Path) -> None:
    cat = load_catalogue(_write(tmp_path, _indicator()))
    assert [i.id for i in cat.indicators] == ["inwoners"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _indicator() + _indicator(), "duplicate indicator ids: inwoners", id="duplicate-id"
        ),
        pytest.param(_indicator(subtheme="sport"), "indicators.0.subtheme", id="unknown-subtheme"),
        pytest.param(
            _indicator(
                series="""
  [[indicator.series]]
  years = [2019, 2025]
  source = "kwb"
  formula = "share"
  numerator = ["k_0Tot15Jaar"]
"""
            ),
            "formula 'share' needs a denominator",
            id="share-without-denominator",
        ),
        pytest.param(
            _indicator(
                series=KWB_SERIES.format(first=2019, last=2022)
                + KWB_SERIES.format(first=2022, last=2025)
            ),
            "series years overlap",
            id="overlapping-years",
        ),
        pytest.param(
            _indicator(
                series="""
  [[indicator.series]]
  years = [2019, 2025]
  source = "politie"
  formula = "value"
  numerator = ["GeregistreerdeMisdrijven"]
"""
            ),
            "'offence' is required for source 'politie'",
            id="politie-without-offence",
        ),
        pytest.param(
            _indicator().replace('direction = "neutral"', "direction = neutral"),
            "not valid TOML",
            id="bad-toml",
        ),
        pytest.param(
            _indicator().replace(
                'aggregation = "sum"', 'aggregation = "weighted_mean"\nweight = "nergens"'
            ),
            "weight 'nergens' is not an indicator id",
            id="unknown-weight",
        ),
        pytest.param(
            _indicator().replace('nl = "aantal"', 'nl = "per 1 000 inwoners"'),
            "is a rate: state its 'bounds'",
            id="rate-without-bounds",
        ),
        pytest.param(
            _indicator().replace('aggregation = "sum"',
                                 'aggregation = "sum"\nis_percentage = true\nbounds = [0, 120]'),
            "a percentage lies within 0–100",
            id="percentage-bounds-past-100",
        ),
        pytest.param(
            _indicator(series=KWB_SERIES.format(first=2019, last=2025)
                       + "  min_denominator = 20\n"),
            "has no denominator to set a minimum for",
            id="minimum-without-denominator",
        ),
    ],
)
def test_invalid_catalogue_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CatalogueError, match=re.escape(message)) as excinfo:
        load_catalogue(path)
    assert str(path) in str(excinfo.value)


def test_unknown_subtheme_names_the_value(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"subtheme[\s\S]*'sport'"):
        load_catalogue(_write(tmp_path, _indicator(subtheme="sport")))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(CatalogueError, match="indicator catalogue not found") as excinfo:
        load_catalogue(path)
    assert str(path) in str(excinfo.value)


# --- keys resolve in the real DataProperties ---------------------------------------------------


def _stems(table: Path) -> Counter[str]:
    """Topic key stems (key minus its `_N` suffix) of a table's DataProperties, with counts."""
    rows = json.loads((table / "DataProperties.json").read_text(encoding="utf-8"))["value"]
    return Counter(re.sub(r"_\d+$", "", row["Key"]) for row in rows if row.get("Type") == "Topic")


def _stems_by_source(series: Series) -> Iterator[tuple[str, str]]:
    for stem in series.numerator:
        yield series.source, stem
    for stem in series.denominator:
        yield series.effective_denominator_source, stem


@needs_mirror
def test_kwb_stems_resolve_in_85984ned(catalogue: Catalogue) -> None:
    stems = _stems(KWB_2024)
    assert len(stems) > 100
    problems = []
    for ind in catalogue.indicators:
        for series in ind.series:
            if not series.covers(2024):
                continue
            for source, stem in _stems_by_source(series):
                if source == "kwb" and stems[stem] != 1:
                    problems.append(f"{ind.id}: {stem!r} occurs {stems[stem]} times")
    assert not problems, "\n".join(problems)


@needs_mirror
def test_rivm_stems_resolve_in_50090ned(catalogue: Catalogue) -> None:
    stems = _stems(RIVM)
    problems = [
        f"{ind.id}: {stem!r}"
        for ind in catalogue.indicators
        for series in ind.series
        for source, stem in _stems_by_source(series)
        if source == "rivm" and stems[stem] != 1
    ]
    assert not problems, "\n".join(problems)


@needs_mirror
def test_police_stems_resolve_in_47018ned(catalogue: Catalogue) -> None:
    stems = _stems(POLICE)
    used = {
        stem
        for ind in catalogue.indicators
        for series in ind.series
        for source, stem in _stems_by_source(series)
        if source == "politie"
    }
    assert used
    assert all(stems[stem] == 1 for stem in used), used
