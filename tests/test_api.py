"""The read-only JSON API: real values from the store, clear 400/404 errors, and a fuzz
test that no parameter (injection strings, huge strings, control characters) ever causes a
5xx or a non-JSON reply."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.data import Store

ATTRIBUTION = "Bron: CBS (CC BY 4.0)"


def get(client: FlaskClient, url: str, status: int = 200,
        attribution: str = ATTRIBUTION) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["attribution"] == attribution
    return body


# ---------------------------------------------------------------------- endpoints
def test_index_lists_endpoints(client: FlaskClient) -> None:
    body = get(client, "/api/v1/")
    assert set(body["endpoints"]) == {"/api/v1/indicators", "/api/v1/regions",
                                      "/api/v1/observations", "/api/v1/series"}


def test_indicators_catalogue_with_years(client: FlaskClient, db: Store) -> None:
    body = get(client, "/api/v1/indicators")
    assert body["count"] == len(db.indicators) == len(body["indicators"])
    by_id = {i["id"]: i for i in body["indicators"]}
    inwoners = by_id["inwoners"]
    assert inwoners["label"] == {"nl": "Aantal inwoners", "en": "Number of inhabitants"}
    assert inwoners["subtheme"] == "wonen" and inwoners["aggregation"] == "sum"
    assert inwoners["direction"] == "neutral" and inwoners["is_percentage"] is False
    years = {y["year"]: y for y in inwoners["years"]}
    assert sorted(years) == db.years_for("inwoners")
    assert years[2024]["levels"] == ["land", "gemeente", "wijk", "buurt"]
    assert years[2024]["source_table"] == "85984NED"
    crime = {y["year"]: y for y in by_id["misdrijven_totaal"]["years"]}
    assert crime[2024]["source_table"] == "47018NED"


def test_regions_of_amsterdam(client: FlaskClient, db: Store) -> None:
    body = get(client, "/api/v1/regions?year=2024&level=wijk&gemeente=GM0363")
    assert body["count"] == 110 == len(body["regions"])
    jordaan = next(r for r in body["regions"] if r["code"] == "WK0363AB")
    assert jordaan == {"code": "WK0363AB", "name": "Jordaan", "level": "wijk",
                       "gemeente_code": "GM0363", "gemeente_name": "Amsterdam"}
    all_gm = get(client, "/api/v1/regions?year=2024&level=gemeente")
    assert all_gm["count"] == len(db.regions(2024, "gemeente"))
    assert get(client, "/api/v1/regions?year=2024&level=land")["regions"][0]["code"] == "NL00"


def test_observations_amsterdam_inwoners(client: FlaskClient) -> None:
    body = get(client, "/api/v1/observations?indicator=inwoners&year=2024&level=gemeente"
                       "&gemeente=gm0363")
    assert body["count"] == 1
    # region_year: the indeling the code belongs to (the area the figure is about).
    assert body["observations"] == [{"code": "GM0363", "name": "Amsterdam",
                                     "gemeente_code": "GM0363", "region_year": 2024,
                                     "value": 931298.0, "series": 0}]
    assert body["source_tables"] == ["85984NED"]
    assert body["indicator"]["id"] == "inwoners" and body["year"] == 2024
    assert body["gemeente"] == "GM0363" and body["level"] == "gemeente"


def test_observations_equal_the_store(client: FlaskClient, db: Store) -> None:
    body = get(client, "/api/v1/observations?indicator=woz_waarde&year=2024&level=wijk")
    stored = db.values("woz_waarde", 2024, "wijk").dropna(subset=["value"])
    assert body["count"] == len(stored)
    expected = dict(zip(stored["code"], stored["value"], strict=True))
    assert {o["code"]: o["value"] for o in body["observations"]} == expected
    # The police's figures, published by CBS: attributed to the police, via CBS.
    crime = get(client, "/api/v1/observations?indicator=misdrijven_totaal&year=2023"
                        "&level=wijk&gemeente=GM0599",
                attribution="Bron: Politie, via CBS (CC BY 4.0)")
    assert crime["source_tables"] == ["47018NED"]
    for obs in crime["observations"]:
        assert obs["value"] == db.value("misdrijven_totaal", 2023, obs["code"])
    nl = get(client, "/api/v1/observations?indicator=inwoners&year=2024&level=land")
    assert nl["observations"][0]["value"] == db.value("inwoners", 2024, "NL00")


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/observations", "indicator"),
        ("/api/v1/observations?indicator=inwoners", "year"),
        ("/api/v1/observations?indicator=inwoners&year=2024", "level"),
        ("/api/v1/observations?indicator=inwoners&year=2018&level=wijk", "year"),
        ("/api/v1/observations?indicator=inwoners&year=twenty&level=wijk", "year"),
        ("/api/v1/observations?indicator=inwoners&year=2024&level=provincie", "level"),
        ("/api/v1/observations?indicator=woningvoorraad&year=2024&level=buurt", "level"),
        ("/api/v1/observations?indicator=inwoners&year=2024&level=wijk&gemeente=GM9999",
         "gemeente"),
        ("/api/v1/observations?indicator=inwoners&year=2024&level=wijk&gemeente=Amsterdam",
         "gemeente"),
        ("/api/v1/observations?indicator=Inwoners'%20OR%20'1'='1&year=2024&level=wijk",
         "indicator"),
        ("/api/v1/observations?indicator=inwoners;DROP%20TABLE%20observation&year=2024",
         "indicator"),
        ("/api/v1/regions", "year"),
        ("/api/v1/regions?year=2024", "level"),
        ("/api/v1/regions?year=1900&level=wijk", "year"),
        ("/api/v1/regions?year=2024&level=province", "level"),
        ("/api/v1/regions?year=2024&level=wijk&gemeente=GM0363%00", "gemeente"),
        ("/api/v1/regions?year=" + "9" * 100_000 + "&level=wijk", "year"),
    ],
)
def test_bad_parameters_are_400(client: FlaskClient, url: str, parameter: str) -> None:
    body = get(client, url, 400)
    assert body["parameter"] == parameter
    assert parameter in body["error"] and len(body["error"]) < 300


def test_unknown_indicator_is_404(client: FlaskClient) -> None:
    body = get(client, "/api/v1/observations?indicator=no_such_thing&year=2024&level=wijk",
               404)
    assert body["parameter"] == "indicator" and "unknown indicator" in body["error"]


def test_unknown_path_and_method(client: FlaskClient) -> None:
    assert get(client, "/api/v1/nothing/here", 404)["error"]
    response = client.post("/api/v1/indicators")
    assert response.status_code == 405 and response.get_json()["attribution"] == ATTRIBUTION
    # The rest of the app keeps its own 404s.
    assert client.get("/geo/2024/provincie.json").status_code == 404


def test_injection_is_refused_at_the_door_and_harmless_in_the_query_layer(
    client: FlaskClient, db: Store
) -> None:
    """The API refuses a hostile value before any query; and should one ever get through,
    the query layer passes it as a parameter, never as SQL."""
    hostile = "GM0363');DELETE FROM observation;--"
    get(client, "/api/v1/observations?indicator=inwoners&year=2024&level=gemeente"
                f"&gemeente={hostile}", 400)
    before = len(db.api_observations("inwoners", 2024, "gemeente", None))
    assert db.api_observations("inwoners", 2024, "gemeente", hostile).empty
    assert db.api_regions(2024, "gemeente", hostile).empty
    assert db.region(hostile) is None
    assert len(db.api_observations("inwoners", 2024, "gemeente", None)) == before > 300
    assert db.value("inwoners", 2024, "GM0363") == 931298


# --------------------------------------------------------------------------- fuzz
NASTY = [
    "", " ", "'", "\"", "' OR '1'='1", "1; DROP TABLE observation; --", "inwoners'--",
    "GM0363' OR 1=1 --", "2024 OR 1=1", "%", "_", "*", "\\", "\x00", "\n", "NULL",
    "../../etc/passwd", "<script>alert(1)</script>", "${jndi:ldap://x}", "🙂", "２０２４",
    "٢٠٢٤", "2024.0", "-1", "99999999999999999999", "wijk\x00", "GM0363\n", "inwoners ",
    "A" * 70_000, "9" * 5000,
]
VALID = ["inwoners", "woz_waarde", "2024", "2022", "wijk", "gemeente", "buurt", "land",
         "GM0363", "gm0363"]
values = st.one_of(st.sampled_from(NASTY), st.sampled_from(VALID), st.text(max_size=80),
                   st.text(min_size=1000, max_size=3000))
params = st.dictionaries(st.sampled_from(["indicator", "year", "level", "gemeente", "x"]),
                         values, max_size=5)
endpoints = st.sampled_from(["/api/v1/observations", "/api/v1/regions",
                             "/api/v1/indicators"])


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(endpoint=endpoints, query=params)
def test_fuzz_never_5xx_always_json(client: FlaskClient, endpoint: str,
                                    query: dict[str, str]) -> None:
    response = client.get(endpoint, query_string=query)
    assert response.status_code < 500, (endpoint, query, response.data[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["attribution"].startswith("Bron: ") and "CBS" in body["attribution"]
    if response.status_code >= 400:
        assert response.status_code in (400, 404)
        assert isinstance(body["error"], str) and body["error"]
        assert len(body["error"]) < 400  # huge input is not echoed back
    else:
        assert "error" not in body
