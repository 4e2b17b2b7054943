"""The dashboard without a browser: URL ⇄ view on the real store, the map's classes and
colours on small hand-made series, and the boundary and health routes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import maps
from dashboard.app import create_app
from dashboard.data import SUBTHEMES, Store, open_store
from dashboard.state import ALL, MapView, resolve_map_view, with_changes

N_WIJKEN_2024 = 3393


@pytest.fixture(scope="module")
def db(built_store: Path) -> Store:
    return open_store(str(built_store))


@pytest.fixture(scope="module")
def client(built_store: Path):
    return create_app(built_store).server.test_client()


def _resolve(db: Store, **query: str) -> tuple[MapView, list[str]]:
    return resolve_map_view(query, db)


# ------------------------------------------------------------------------ URL ⇄ view
def test_defaults_without_query(db: Store) -> None:
    view, rejected = _resolve(db)
    assert rejected == []
    first = db.indicators_for("wonen")[0].id
    assert view == MapView(lang="nl", thema="wonen", indicator=first, jaar=2024, niveau="wijk",
                           gemeente=ALL, regio="", kaart="leeg")
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
    view, got = resolve_map_view(query, db)
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


def test_a_subtheme_alone_picks_its_first_indicator(db: Store) -> None:
    for subtheme in SUBTHEMES:
        choices = db.indicators_for(subtheme)
        if not choices:
            continue
        view, rejected = _resolve(db, thema=subtheme)
        assert rejected == []
        assert (view.thema, view.indicator) == (subtheme, choices[0].id)


def test_year_is_restricted_to_the_years_of_the_indicator(db: Store) -> None:
    assert db.years_for("eenzaam") == [2020]
    view, rejected = _resolve(db, indicator="eenzaam", jaar="2024")
    assert rejected == ["jaar"]
    assert view.jaar == 2020

    years = db.years_for("woz_waarde")
    assert 2023 not in years
    view, rejected = _resolve(db, indicator="woz_waarde", jaar="2023")
    assert rejected == ["jaar"]
    assert view.jaar in years
    for year in years:
        view, rejected = _resolve(db, indicator="woz_waarde", jaar=str(year))
        assert view.jaar == year
        assert "jaar" not in rejected


def test_level_is_restricted_to_the_levels_drawable_in_the_year(db: Store) -> None:
    # 2023 has values for wijken but no wijk boundaries in the mirror: gemeenten instead.
    assert "wijk" not in db.levels_for("inwoners", 2023)
    view, rejected = _resolve(db, indicator="inwoners", jaar="2023", niveau="wijk")
    assert rejected == ["niveau"]
    assert view.niveau == db.levels_for("inwoners", 2023)[0]
    view, rejected = _resolve(db, indicator="inwoners", jaar="2023")  # no niveau asked
    assert rejected == []
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
        {"lang": "en", "gemeente": "GM0363", "regio": "WK0363AB", "kaart": "osm"},
        {"indicator": "inwoners", "jaar": 2024, "niveau": "gemeente", "gemeente": "GM0599"},
        {"thema": "jeugd", "indicator": "aandeel_0_15", "niveau": "buurt", "gemeente": "GM0308"},
    ],
)
def test_query_round_trip(db: Store, changes: dict) -> None:
    default, _ = _resolve(db)
    view = with_changes(default, **changes)
    query = view.query()
    assert query.startswith("?")
    parsed = dict(parse_qsl(query[1:]))
    again, rejected = resolve_map_view(parsed, db)
    assert rejected == []
    assert again == view
    assert again.query() == query


def test_query_leaves_defaults_out(db: Store) -> None:
    default, _ = _resolve(db)
    parsed = dict(parse_qsl(default.query()[1:]))
    assert not {"lang", "gemeente", "kaart", "regio"} & parsed.keys()
    english = dict(parse_qsl(with_changes(default, lang="en").query()[1:]))
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
        if geo_year is None or (geo_year, view.niveau) not in db.boundary_keys():
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
    assert view.niveau == "wijk" and "niveau" in rejected
    view, rejected = _resolve(db, indicator="inwoners", niveau="buurt", gemeente="GM0308")
    assert view.niveau == "buurt" and rejected == []


# ------------------------------------------------------------------------------- maps
def test_classify_quantiles_and_palette() -> None:
    values = pd.Series(np.arange(1.0, 11.0))
    classes = maps.classify(values, "neutral")
    assert len(classes.breaks) == maps.N_CLASSES + 1
    assert classes.breaks[0] == 1.0 and classes.breaks[-1] == 10.0
    assert list(classes.breaks) == sorted(classes.breaks)
    assert classes.colours == maps.PALETTE
    assert maps.classify(values, "higher_better").colours == maps.PALETTE


def test_classify_reverses_palette_when_lower_is_better() -> None:
    values = pd.Series([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0])
    up = maps.classify(values, "higher_better")
    down = maps.classify(values, "lower_better")
    assert up.breaks == down.breaks
    assert down.colours == tuple(reversed(up.colours))
    # The favourable end is dark in both: highest class dark when higher is better,
    # lowest class dark when lower is better.
    assert up.colours[-1] == maps.PALETTE[-1]
    assert down.colours[0] == maps.PALETTE[-1]


def test_classify_ignores_missing_values() -> None:
    with_gaps = pd.Series([1.0, np.nan, 2.0, 3.0, None, 4.0, 5.0, 6.0])
    assert maps.classify(with_gaps, "neutral") == maps.classify(with_gaps.dropna(), "neutral")


def test_classify_with_ties_spreads_the_palette() -> None:
    tied = pd.Series([1.0, 1.0, 1.0, 1.0, 2.0])
    classes = maps.classify(tied, "neutral")
    assert classes.breaks[0] == 1.0 and classes.breaks[-1] == 2.0
    assert len(classes.colours) == len(classes.breaks) - 1 == 2
    assert classes.colours == (maps.PALETTE[0], maps.PALETTE[-1])


def test_classify_degenerate_series() -> None:
    same = maps.classify(pd.Series([7.0, 7.0, 7.0]), "neutral")
    assert len(same.colours) == 1 and len(same.breaks) == 2
    assert same.breaks[0] == 7.0 < same.breaks[1]
    empty = maps.classify(pd.Series([np.nan, np.nan]), "lower_better")
    assert empty.breaks == (0.0, 1.0)
    assert len(empty.colours) == 1


def test_class_index_covers_every_class_and_keeps_missing() -> None:
    values = pd.Series([10.0, np.nan, 1.0, 5.0, 2.0, 8.0, 3.0, np.nan, 9.0, 4.0, 6.0, 7.0],
                       index=list("abcdefghijkl"))
    classes = maps.classify(values, "neutral")
    idx = maps.class_index(values, classes)
    assert list(idx.index) == list(values.index)
    assert idx[values.isna()].isna().all()
    present = idx[values.notna()]
    assert present.min() == 0 and present.max() == len(classes.colours) - 1
    assert set(present) == set(range(len(classes.colours)))
    # Monotone: a larger value never falls in a lower class.
    order = values.dropna().sort_values().index
    assert present[order].is_monotonic_increasing
    # Each value lies inside its class's edges.
    for code, value in values.dropna().items():
        k = int(idx[code])
        assert classes.breaks[k] <= value <= classes.breaks[k + 1]


def test_class_index_of_ties_is_shared() -> None:
    values = pd.Series([2.0, 2.0, 2.0, 2.0, 9.0])
    idx = maps.class_index(values, maps.classify(values, "neutral"))
    assert list(idx) == [0, 0, 0, 0, 1]


def _colour_at(scale: list[list], position: float) -> str:
    """The colour a stepped Plotly colour scale gives a normalised position inside a band."""
    for (lo, colour), (hi, colour_hi) in itertools.pairwise(scale):
        if colour == colour_hi and lo <= position <= hi:
            return colour
    raise AssertionError(f"no band at {position}")


@pytest.mark.parametrize("direction", ["neutral", "lower_better"])
@pytest.mark.parametrize(
    "values",
    [list(range(20)), [1, 1, 1, 1, 2], [5, 5, 5], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]],
)
def test_colourscale_gives_each_class_its_colour(values: list, direction: str) -> None:
    classes = maps.classify(pd.Series(values, dtype=float), direction)
    scale = maps.colourscale(classes)
    k = len(classes.colours)
    assert len(scale) == 2 * k
    assert scale[0][0] == 0 and scale[-1][0] == 1
    assert [p for p, _ in scale] == sorted(p for p, _ in scale)
    # The figure maps class i to i/(k-1) of the scale (zmin=0, zmax=max(k-1, 1)).
    zmax = max(k - 1, 1)
    for i, colour in enumerate(classes.colours):
        assert _colour_at(scale, i / zmax) == colour


def test_class_labels_sit_in_the_middle_of_their_band() -> None:
    classes = maps.classify(pd.Series(np.arange(1.0, 11.0)), "neutral")
    ticks, labels = maps.class_labels(classes, "nl")
    k = len(classes.colours)
    assert len(ticks) == len(labels) == k
    for i, tick in enumerate(ticks):
        assert i * (k - 1) / k < tick < (i + 1) * (k - 1) / k
    assert labels[0] == "1 – 2,8"
    assert maps.class_labels(classes, "en")[1][0] == "1 – 2.8"


def test_ranks_direction_ties_and_missing() -> None:
    values = pd.Series([5.0, 5.0, 3.0, np.nan, 9.0], index=list("abcde"))
    neutral = maps.ranks(values, "neutral")
    assert neutral.to_dict() == pytest.approx(
        {"a": 2.0, "b": 2.0, "c": 4.0, "d": np.nan, "e": 1.0}, nan_ok=True)
    assert maps.ranks(values, "higher_better").equals(neutral)
    lower = maps.ranks(values, "lower_better")
    assert lower.to_dict() == pytest.approx(
        {"a": 2.0, "b": 2.0, "c": 1.0, "d": np.nan, "e": 4.0}, nan_ok=True)


def test_figure_carries_values_only(db: Store) -> None:
    indicator = db.indicators["woz_waarde"]
    frame = db.values("woz_waarde", 2024, "wijk")
    figure = maps.map_figure("/geo/2024/wijk.json", frame, indicator, "nl", None)
    go.Figure(figure)  # a valid Plotly figure, even though built as plain dicts
    base, values = figure["data"]
    assert base["geojson"] == values["geojson"] == "/geo/2024/wijk.json"
    assert len(values["locations"]) == len(frame) == N_WIJKEN_2024
    missing = frame["value"].isna().to_numpy()
    assert missing.any() and not missing.all()
    # The grey base lies under the regions without a value, and only there.
    assert set(base["locations"]) == set(frame.loc[missing, "code"])
    z = np.array([np.nan if v is None else v for v in values["z"]], dtype=float)
    assert np.array_equal(np.isnan(z), missing)
    assert all((c is None) == m for c, m in zip(values["customdata"], missing, strict=True))
    first = int(np.flatnonzero(~missing)[0])
    assert values["customdata"][first][0] == round(float(frame["value"].iloc[first]), 2)
    # Small enough to send on every change: no geometry inside.
    assert len(json.dumps(figure)) < 600_000


# ----------------------------------------------------------------------------- routes
def test_geojson_route(client, db: Store) -> None:
    response = client.get("/geo/2024/wijk.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == N_WIJKEN_2024
    ids = {f["id"] for f in data["features"]}
    assert ids == set(db.regions(2024, "wijk")["code"])
    assert "max-age" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert etag

    again = client.get("/geo/2024/wijk.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    stale = client.get("/geo/2024/wijk.json", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_geojson_route_compressed_and_revalidated(client) -> None:
    """Browsers ask gzip: the ETag they get back (Flask-Compress adds ':gzip') still
    revalidates to a 304."""
    response = client.get("/geo/2024/wijk.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    plain = client.get("/geo/2024/wijk.json")
    assert len(response.data) < len(plain.data) / 2
    etag = response.headers["ETag"]
    again = client.get("/geo/2024/wijk.json",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url", ["/geo/2024/straat.json", "/geo/1800/wijk.json", "/geo/2024/land.json"],
)
def test_geojson_route_unknown(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["schema_version"]
    assert body["built_at"]


def test_missing_store_is_reported_not_crashed(tmp_path: Path) -> None:
    client = create_app(tmp_path / "geen.duckdb").server.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "no store"
    page = client.get("/_dash-layout")
    assert page.status_code == 200
    assert b"zow etl" in page.data  # says how to build the store
