"""The map explorer's view model without a browser: URL ⇄ view on the store built from the
mirror, and whether every view it resolves can be drawn."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from core.catalogue import SUBTHEMES
from core.regions import ALL_GEMEENTEN as ALL
from dashboard.data import Store
from dashboard.views import map as mapview
from dashboard.views.map import MapView


def _resolve(db: Store, **query: str) -> tuple[MapView, list[str]]:
    return MapView.from_query(query, db)


# ------------------------------------------------------------------------ URL ⇄ view
def test_defaults_without_query(db: Store) -> None:
    view, rejected = _resolve(db)
    assert rejected == []
    first = db.indicators_for("wonen")[0].id
    assert view == MapView(lang="nl", thema="wonen", indicator=first, jaar=2024, niveau="wijk",
                           gemeente=ALL, regio="", kaart="pdok")
    assert first == "inwoners"
    # The default year is the latest one the default indicator can be drawn in at wijk level.
    assert "wijk" in db.levels_for(view.indicator, view.jaar)
    assert view.jaar == max(y for y in db.years_for(view.indicator) if db.levels_for(first, y))


def test_unknown_values_are_rejected_and_listed(db: Store) -> None:
    view, rejected = _resolve(
        db, lang="fr", thema="sport", indicator="bestaat_niet", jaar="1800", niveau="straat",
        gemeente="GM9999", regio="WK999999", kaart="satelliet",
    )
    assert sorted(rejected) == sorted(
        ["lang", "thema", "indicator", "jaar", "niveau", "gemeente", "regio", "kaart"]
    )
    assert view == _resolve(db)[0]


@pytest.mark.parametrize(
    ("query", "rejected"),
    [
        ({"indicator": "bestaat_niet"}, ["indicator"]),
        ({"jaar": "1800"}, ["jaar"]),
        ({"jaar": "twintig"}, ["jaar"]),
        ({"jaar": "-2024"}, ["jaar"]),
        ({"gemeente": "GM9999"}, ["gemeente"]),
        ({"gemeente": "WK0363AB"}, ["gemeente"]),  # a wijk is not a gemeente
        ({"regio": "BU99999999"}, ["regio"]),
        ({"niveau": "provincie"}, ["niveau"]),
        ({"kaart": "google"}, ["kaart"]),
        ({"lang": "de"}, ["lang"]),
        ({"thema": "<script>"}, ["thema"]),
    ],
)
def test_each_unknown_value_falls_back_to_the_default(db: Store, query: dict, rejected: list):
    view, got = MapView.from_query(query, db)
    assert got == rejected
    default, _ = _resolve(db)
    key = next(iter(query))
    assert getattr(view, key) == getattr(default, key)


def test_empty_and_padded_values(db: Store) -> None:
    view, rejected = _resolve(db, indicator=" woz_waarde ", jaar=" 2024", gemeente="gm0363 ",
                              thema="", niveau="")
    assert rejected == []
    assert (view.indicator, view.thema, view.jaar, view.gemeente) == (
        "woz_waarde", "wonen", 2024, "GM0363")


def test_the_indicator_decides_the_subtheme(db: Store) -> None:
    view, rejected = _resolve(db, thema="wonen", indicator="misdrijven_per_1000")
    assert rejected == []
    assert (view.thema, view.indicator) == ("veiligheid", "misdrijven_per_1000")


def test_a_subtheme_alone_picks_its_first_indicator_with_a_map(db: Store) -> None:
    """The catalogue's first indicator of the subtheme that has figures on a map."""
    picked = 0
    for subtheme in SUBTHEMES:
        drawable = [i.id for i in db.catalogue.for_subtheme(subtheme) if db.map_years(i.id)]
        if not drawable:
            continue
        view, rejected = _resolve(db, thema=subtheme)
        assert rejected == []
        assert (view.thema, view.indicator) == (subtheme, drawable[0])
        picked += 1
    assert picked >= 5


def test_a_year_the_indicator_lacks_is_kept_as_a_wish_and_said(db: Store) -> None:
    """woz_waarde has no 2023 figures: the map shows the nearest year that has them, says
    so, and keeps 2023 in the URL so that the next indicator with 2023 returns to it."""
    years = db.map_years("woz_waarde")
    assert 2023 not in years and 2024 in years
    view, rejected = _resolve(db, indicator="woz_waarde", jaar="2023")
    assert rejected == []
    assert view.jaar in years and view.asked_jaar == 2023
    assert "jaar=2023" in view.query()
    assert any("2023" in n for n in mapview.notices(view, "nl"))
    back = mapview.changed(view, "indicator", "inwoners", db)
    assert back is not None and back.jaar == 2023 and back.asked_jaar == 0
    # Only the level is still said (inwoners 2023 has gemeenten only), not the year.
    assert [n for n in mapview.notices(back, "nl") if "Voor 2023" in n] == []
    for year in years:
        view, rejected = _resolve(db, indicator="woz_waarde", jaar=str(year))
        assert (view.jaar, view.asked_jaar, rejected) == (year, 0, [])


def test_a_year_no_table_has_is_rejected(db: Store) -> None:
    for year in ("1800", "2031", "twintig", "-2024"):
        view, rejected = _resolve(db, indicator="woz_waarde", jaar=year)
        assert rejected == ["jaar"] and view.asked_jaar == 0, year


def test_a_level_without_figures_is_kept_as_a_wish_and_returns(db: Store) -> None:
    """2023 has no wijk figures for inwoners: gemeenten are shown, the wish for wijken is
    kept, and back in 2024 the map is a wijk map again (issue: a forced change stuck)."""
    assert "wijk" not in db.levels_for("inwoners", 2023)
    view, rejected = _resolve(db, indicator="inwoners", jaar="2023", niveau="wijk")
    assert rejected == []
    assert view.niveau == "gemeente" and view.asked_niveau == "wijk"
    assert "niveau=wijk" in view.query()
    assert any("wijken" in n for n in mapview.notices(view, "nl"))
    back = mapview.changed(view, "jaar", 2024, db)
    assert back is not None
    assert (back.jaar, back.niveau, back.asked_niveau) == (2024, "wijk", "")
    view, rejected = _resolve(db, indicator="inwoners", jaar="2023")  # no niveau asked
    assert rejected == [] and view.asked_niveau == ""
    assert view.niveau in db.levels_for("inwoners", 2023)


def test_regio_must_exist_in_the_year(db: Store) -> None:
    code = db.regions(2024, "wijk")["code"].iloc[0]
    view, rejected = _resolve(db, regio=code.lower())
    assert rejected == []
    assert view.regio == code


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"indicator": "woz_waarde"},
        {"thema": "veiligheid", "indicator": "misdrijven_per_1000", "jaar": 2022},
        {"lang": "en", "gemeente": "GM0363", "regio": "WK0363AB", "kaart": "leeg"},
        {"indicator": "inwoners", "jaar": 2024, "niveau": "gemeente", "gemeente": "GM0599"},
        {"thema": "jeugd", "indicator": "aandeel_0_15", "niveau": "buurt", "gemeente": "GM0308"},
    ],
)
def test_query_round_trip(db: Store, changes: dict) -> None:
    default, _ = _resolve(db)
    view = default.with_changes(**changes)
    query = view.query()
    assert query.startswith("?")
    parsed = dict(parse_qsl(query[1:]))
    again, rejected = MapView.from_query(parsed, db)
    assert rejected == []
    assert again == view
    assert again.query() == query


def test_query_leaves_defaults_out(db: Store) -> None:
    default, _ = _resolve(db)
    parsed = dict(parse_qsl(default.query()[1:]))
    assert not {"lang", "gemeente", "kaart", "regio"} & parsed.keys()
    english = dict(parse_qsl(default.with_changes(lang="en").query()[1:]))
    assert english["lang"] == "en"


# -------------------------------------------------------- can the resolved view be drawn?
def _boundary_ids(db: Store, year: int, level: str) -> set[str]:
    return {f["id"] for f in db.geojson(year, level)["features"]}


def test_every_mappable_indicator_opens_on_a_map_with_boundaries(db: Store) -> None:
    undrawable = []
    for indicator in db.indicators:
        if not db.map_years(indicator):
            continue
        view, rejected = _resolve(db, indicator=indicator)
        assert view.indicator == indicator and rejected == []
        geo_year = db.geometry_year(indicator, view.jaar, view.niveau)
        if geo_year is None or (geo_year, view.niveau) not in db.boundary_layers():
            undrawable.append((indicator, view.jaar, view.niveau))
    assert undrawable == []


def test_rivm_2020_gemeenten_are_drawn_on_the_2019_layer_with_the_same_codes(db: Store) -> None:
    assert db.years_for("eenzaam") == [2020]
    assert db.geometry_year("eenzaam", 2020, "gemeente") == 2019
    frame = db.values("eenzaam", 2020, "gemeente")
    with_value = set(frame.loc[frame["value"].notna(), "code"])
    assert with_value and with_value <= _boundary_ids(db, 2019, "gemeente")


def test_year_choices_can_all_be_drawn(db: Store) -> None:
    undrawable = {i: [y for y in db.map_years(i) if not db.levels_for(i, y)]
                  for i in db.indicators}
    assert {i: ys for i, ys in undrawable.items() if ys} == {}


def test_an_indicator_that_cannot_be_drawn_is_rejected_from_the_map(db: Store) -> None:
    unmappable = [i for i in db.indicators if db.years_for(i) and not db.map_years(i)]
    for indicator in unmappable:
        view, rejected = _resolve(db, indicator=indicator)
        assert "indicator" in rejected and view.indicator != indicator


@pytest.mark.parametrize(
    ("indicator", "year", "level"),
    [
        ("inwoners", 2024, "wijk"),
        ("inwoners", 2024, "gemeente"),
        ("inwoners", 2022, "wijk"),
        ("woz_waarde", 2022, "wijk"),
        ("misdrijven_totaal", 2024, "wijk"),
        ("misdrijven_per_1000", 2022, "wijk"),
        ("misdrijven_totaal", 2022, "wijk"),
        ("misdrijven_totaal", 2022, "gemeente"),
    ],
)
def test_regions_with_values_have_boundaries(db: Store, indicator: str, year: int,
                                             level: str) -> None:
    assert level in db.levels_for(indicator, year)
    frame = db.values(indicator, year, level)
    with_value = set(frame.loc[frame["value"].notna(), "code"])
    assert with_value
    assert with_value <= _boundary_ids(db, db.geometry_year(indicator, year, level), level)


def test_buurten_are_offered_only_where_their_shapes_exist(db: Store) -> None:
    # The store has buurt shapes for Baarn (GM0308) only, values for ~14,500 buurten.
    assert "buurt" not in db.levels_for("inwoners", 2024)
    assert "buurt" in db.levels_for("inwoners", 2024, "GM0308")
    assert "buurt" not in db.levels_for("inwoners", 2024, "GM0363")
    view, rejected = _resolve(db, indicator="inwoners", niveau="buurt")
    assert view.niveau == "wijk" and view.asked_niveau == "buurt" and rejected == []
    view, rejected = _resolve(db, indicator="inwoners", niveau="buurt", gemeente="GM0308")
    assert view.niveau == "buurt" and rejected == []


