"""Fuzzing the server with hypothesis: callback requests (malformed ones and well-formed ones
with odd values), map-page URLs and the JSON API. Never a 5xx; a 4xx always carries a JSON
``{"error": ...}``; and afterwards the store still holds every observation.

Uses the Flask test client (no sockets) on the store the real ETL builds from the mirror.
Payloads are built from the app's own callback map and the page layout the pages router
returns, exactly as the browser builds them, so they follow the app as it changes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.data import open_store
from dashboard.security import MAX_CALLBACK_BYTES
from tests.dash_requests import CALLBACK, ROUTER_OUTPUT, payload, prop_id, route

FUZZ = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples every run: CI failures can be replayed
)

# ------------------------------------------------------------------------ strategies
NASTY = [
    "'; DROP TABLE observation; --",
    "' OR '1'='1",
    "1; DELETE FROM region",
    "GM0363", "WK036300", "BU03630000", "NL00", "NL", "GM9999", "gm0363",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "../../etc/passwd", "${jndi:ldap://x/a}", "{{7*7}}", "%00", "\x00", "\u202e", "🙂",
    "", " ", "2024", "-1", "0", "1e309", "NaN", "null", "true", "[]", "{}",
    "x" * 100_000,
]
nasty_text = st.sampled_from(NASTY) | st.text(max_size=40)
json_scalar = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True) | nasty_text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=10) | st.sampled_from(["points", "rowId", "location",
                                                            "jaar", "lang", "startRow"]),
                      inner, max_size=4),
    max_leaves=12,
)


# -------------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def store_stays_intact(app: Any) -> Iterator[None]:
    """After every fuzzer: nothing it sent dropped or changed anything, and the app still
    answers."""
    before = observation_count(app)
    yield
    assert observation_count(app) == before > 0
    assert app.server.test_client().get("/healthz").status_code == 200


def observation_count(app: Any) -> int:
    db = open_store(app.server.config["ZOW_STORE"])
    return int(db.query("SELECT count(*) AS n FROM observation")["n"].iloc[0])


# ------------------------------------------------------------------- payload helpers
def server_callbacks(app: Any) -> dict[str, dict[str, Any]]:
    """Server-side callbacks without pattern-matching ids (those the fuzzer can fill)."""
    return {
        k: v for k, v in app.callback_map.items()
        if callable(v.get("callback"))
        and not any(d["id"].startswith("{") for d in v["inputs"] + v["state"])
    }


def find_callback(app: Any, input_prop: str, state_prop: str | None = None) -> str:
    for output, spec in server_callbacks(app).items():
        if input_prop in {prop_id(d) for d in spec["inputs"]} and (
            state_prop is None or state_prop in {prop_id(d) for d in spec["state"]}
        ):
            return output
    raise LookupError(f"no callback with input {input_prop}")


def walk(node: Any) -> Any:
    """Every component (dict with props) in a serialised Dash layout."""
    if isinstance(node, dict):
        if "props" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@pytest.fixture(scope="module")
def map_page(client: Any, app: Any) -> dict[str, dict[str, Any]]:
    """Props of every component with an id on the map page, as the browser has them."""
    response = route(client, app, "/")
    assert response.status_code == 200
    layout = response.get_json()["response"]["_pages_content"]["children"]
    return {c["props"]["id"]: c["props"] for c in walk(layout)
            if isinstance(c["props"].get("id"), str)}


@pytest.fixture(scope="module")
def change_view(app: Any, map_page: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The map page's main callback and what the browser would send it right now."""
    output = find_callback(app, "indicator.value", "view.data")
    spec = app.callback_map[output]
    values = {}
    for dep in spec["inputs"] + spec["state"]:
        props = map_page.get(dep["id"], {})
        if dep["property"] in props:
            values[prop_id(dep)] = props[dep["property"]]
    assert isinstance(values["view.data"], dict)
    return {"output": output, "spec": spec, "values": values}


def assert_sane(response: Any, *, allowed: tuple[int, ...] | None = None) -> None:
    """No server error; a client error explains itself in JSON."""
    status = response.status_code
    assert status < 500, response.data[:500]
    if 400 <= status < 500:
        body = response.get_json(silent=True)
        assert isinstance(body, dict), response.data[:200]
        assert isinstance(body.get("error"), str) and body["error"], body
        assert "Traceback" not in body["error"]
    if allowed is not None:
        assert status in allowed, (status, response.data[:300])


# -------------------------------------------------------------- malformed payloads
KEYS = ["output", "outputs", "inputs", "state", "changedPropIds"]


@st.composite
def mutated(draw: Any, base: dict[str, Any]) -> Any:
    """A real change_view request with its structure broken in one or two places."""
    body = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.sampled_from(KEYS))
        how = draw(st.sampled_from(["drop", "replace", "item", "truncate", "extend"]))
        if how == "drop":
            body.pop(key, None)
        elif how == "replace" or not isinstance(body.get(key), list) or not body[key]:
            body[key] = draw(json_value)
        elif how == "item":
            index = draw(st.integers(0, len(body[key]) - 1))
            item = body[key][index]
            if isinstance(item, dict) and draw(st.booleans()):
                item[draw(st.sampled_from(["id", "property"]))] = draw(json_value)
            else:
                body[key][index] = draw(json_value)
        elif how == "truncate":
            body[key] = body[key][: draw(st.integers(0, len(body[key]) - 1))]
        else:
            body[key] = body[key] + draw(st.lists(json_value, min_size=1, max_size=3))
    return body


def test_malformed_callback_requests(client: Any, app: Any, change_view: dict) -> None:
    base = payload(app, change_view["output"], change_view["values"], ["indicator.value"])
    other_outputs = st.sampled_from([*app.callback_map, "", "x.y", "..a.b...c.d.."])

    @FUZZ
    @given(
        body=st.one_of(
            mutated(base),
            json_value,
            st.fixed_dictionaries({"output": other_outputs}, optional={
                "inputs": json_value, "state": json_value, "outputs": json_value,
                "changedPropIds": json_value}),
        )
    )
    def check(body: Any) -> None:
        response = client.post(CALLBACK, data=json.dumps(body),
                               content_type="application/json")
        assert_sane(response)

    check()


def test_callback_requests_that_are_not_json(client: Any) -> None:
    @FUZZ
    @given(
        raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode)
        | st.sampled_from([b"", b"{", b"[" * 50_000, b'{"output": "' + b"x" * 300_000 + b'"}',
                           b"\xff\xfe{}", b'{"a": NaN}', b"null", b"1e999"]),
        content_type=st.sampled_from(["application/json", "text/plain", "",
                                      "application/x-www-form-urlencoded",
                                      "application/json; charset=latin-1"]),
    )
    def check(raw: bytes, content_type: str) -> None:
        response = client.post(CALLBACK, data=raw, content_type=content_type)
        assert_sane(response)
        assert response.status_code == 400

    check()


# ----------------------------------------------------- change_view with odd values
def view_states(valid: dict[str, Any]) -> Any:
    """The ``view`` store as the browser could hold it after tampering."""
    key = st.sampled_from(sorted(valid)) | st.text(max_size=8)
    return st.one_of(
        st.just(valid),
        json_value,
        st.builds(lambda k, v: {**valid, k: v}, key, json_value),
        st.builds(lambda k: {kk: vv for kk, vv in valid.items() if kk != k}, key),
        st.dictionaries(key, json_value, max_size=6),
    )


def values_for(prop: str, current: Any, page: dict[str, dict[str, Any]]) -> Any:
    """Real values the control can take, and garbage of every shape."""
    component = prop.split(".", 1)[0]
    real = [o["value"] for o in page.get(component, {}).get("options", [])
            if isinstance(o, dict) and "value" in o][:50]
    shapes = {
        "map.clickData": st.fixed_dictionaries(
            {"points": st.lists(st.fixed_dictionaries({"location": json_value}), max_size=2)
             | json_value}),
        "table.cellClicked": st.fixed_dictionaries({"rowId": json_value, "colId": json_value}),
        "kaart.value": st.lists(st.sampled_from(["osm", "leeg"]) | json_value, max_size=3),
    }
    options = [st.just(current), json_value]
    if real:
        options.append(st.sampled_from(real))
    if prop in shapes:
        options.append(shapes[prop])
    return st.one_of(*options)


def test_change_view_with_odd_values(client: Any, app: Any, change_view: dict,
                                     map_page: dict) -> None:
    spec, base = change_view["spec"], change_view["values"]
    inputs = [prop_id(d) for d in spec["inputs"]]
    strategies = {p: values_for(p, base.get(p), map_page) for p in inputs}
    strategies["view.data"] = view_states(base["view.data"])
    strategies["geometry-key.data"] = st.one_of(st.just(base.get("geometry-key.data")),
                                                json_value)

    @FUZZ
    @given(
        changed=st.lists(st.sampled_from(inputs), min_size=1, max_size=2, unique=True),
        values=st.fixed_dictionaries(strategies),
    )
    def check(changed: list[str], values: dict[str, Any]) -> None:
        data = json.dumps(payload(app, change_view["output"], values, changed)).encode()
        response = client.post(CALLBACK, data=data, content_type="application/json")
        # 200 with new props, or 204 when nothing changes (PreventUpdate); a body over the
        # cap (a few of the 100,000-character strings) is refused whole, before any work.
        over = len(data) > MAX_CALLBACK_BYTES
        assert_sane(response, allowed=(400,) if over else (200, 204))

    check()


def test_change_view_with_injection_in_every_input(client: Any, app: Any,
                                                   change_view: dict) -> None:
    spec, base = change_view["spec"], change_view["values"]
    for dep in spec["inputs"]:
        for value in ["'; DROP TABLE observation; --", "x" * 100_000, {"points": [1]},
                      [{"rowId": None}], 12.5, -(2**80), True]:
            values = {**base, prop_id(dep): value}
            body = payload(app, change_view["output"], values, [prop_id(dep)])
            assert_sane(client.post(CALLBACK, json=body), allowed=(200, 204))


# ------------------------------------------------------------- the table's row blocks
ROW_NUMBERS = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 2**70, -(2**70),
               -5, 0, 99, 10**9, "12", "x", "NaN", "Infinity", True, None, [], {}]
row_number = st.sampled_from(ROW_NUMBERS) | st.integers() | st.floats() | json_value
grid_request = st.fixed_dictionaries({}, optional={
    "startRow": row_number,
    "endRow": row_number,
    "sortModel": st.lists(st.fixed_dictionaries({}, optional={
        "colId": st.sampled_from(["naam", "waarde", "code"]) | json_value,
        "sort": st.sampled_from(["asc", "desc"]) | json_value}) | json_value, max_size=3)
    | json_value,
    "filterModel": st.dictionaries(
        st.sampled_from(["naam", "waarde"]) | st.text(max_size=6),
        st.fixed_dictionaries({}, optional={
            "filterType": st.sampled_from(["number", "text"]) | json_value,
            "type": st.sampled_from(["contains", "equals", "greaterThan", "inRange",
                                     "blank"]) | json_value,
            "filter": row_number, "filterTo": row_number,
            "operator": st.sampled_from(["AND", "OR"]) | json_value,
            "conditions": st.lists(json_value, max_size=2) | json_value}) | json_value,
        max_size=3) | json_value,
}) | json_value


@pytest.fixture(scope="module")
def table_rows(app: Any, map_page: dict) -> Any:
    """Post one getRowsRequest for the map table, with the page's own view."""
    output = find_callback(app, "table.getRowsRequest", "view.data")
    view = map_page["view"]["data"]

    def post(client: Any, request: Any) -> Any:
        body = payload(app, output, {"table.getRowsRequest": request, "view.data": view},
                       ["table.getRowsRequest"])
        # json.dumps writes NaN and Infinity as JavaScript does: Python's parser reads them.
        return client.post(CALLBACK, data=json.dumps(body), content_type="application/json")

    return post


def test_table_rows_with_nan_infinity_and_worse(client: Any, table_rows: Any) -> None:
    """Issue 12: startRow/endRow of NaN or Infinity gave a 500. Now any row numbers answer
    a valid block (clamped; unreadable numbers count as absent)."""
    for start in ROW_NUMBERS:
        for end in (float("nan"), float("inf"), 50, "y"):
            response = table_rows(client, {"startRow": start, "endRow": end})
            assert_sane(response, allowed=(200,))
            block = response.get_json()["response"]["table"]["getRowsResponse"]
            assert len(block["rowData"]) <= 500 and block["rowCount"] >= 0

    @FUZZ
    @given(request=grid_request)
    def check(request: Any) -> None:
        assert_sane(table_rows(client, request), allowed=(200, 204))

    check()


def test_every_server_callback_with_odd_values(client: Any, app: Any) -> None:
    """Every other server-side callback (those of other pages too) with arbitrary values."""
    skip = {ROUTER_OUTPUT}
    callbacks = {k: v for k, v in server_callbacks(app).items() if k not in skip}
    names = sorted(callbacks)

    @settings(FUZZ, max_examples=60)
    @given(data=st.data(), output=st.sampled_from(names))
    def check(data: Any, output: str) -> None:
        spec = callbacks[output]
        props = [prop_id(d) for d in spec["inputs"] + spec["state"]]
        values = {p: data.draw(json_value, label=p) for p in props
                  if data.draw(st.booleans(), label=f"{p} set")}
        inputs = [prop_id(d) for d in spec["inputs"]]
        changed = data.draw(st.lists(st.sampled_from(inputs), max_size=2, unique=True)
                            if inputs else st.just([]))
        response = client.post(CALLBACK, json=payload(app, output, values, changed))
        assert_sane(response, allowed=(200, 204))

    check()


# ------------------------------------------------------------------ map page URLs
QUERY_KEYS = ["lang", "thema", "indicator", "jaar", "niveau", "gemeente", "regio", "kaart"]
query_values = st.sampled_from(["nl", "en", "wonen", "veiligheid", "inwoners", "2024",
                                "2019", "wijk", "gemeente", "GM0363", "WK036300", "osm",
                                "leeg"]) | nasty_text.filter(lambda s: len(s) < 5000)
queries = st.lists(
    st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=8), query_values), max_size=6
).map(lambda pairs: "?" + urlencode(pairs))


def test_map_page_with_random_queries(client: Any) -> None:
    @FUZZ
    @given(query=queries | st.text(max_size=100).map(lambda s: "?" + s))
    def check(query: str) -> None:
        response = client.get("/" + query)
        assert_sane(response, allowed=(200,))

    check()


def test_pages_router_with_random_urls(client: Any, app: Any) -> None:
    """The layout the router builds for a URL (this runs the page's layout function)."""
    paths = ["/", "/gebied/GM0363", "/gebied/WK036300", "/gebied/NOPE", "/vergelijken",
             "/nope", "/gebied/", "/gebied/'; DROP TABLE observation; --"]

    # Each example builds a whole page (0.2-1.5 s), so fewer examples than elsewhere.
    @settings(FUZZ, max_examples=25)
    @given(pathname=st.sampled_from(paths) | st.text(max_size=30).map(lambda s: "/" + s),
           search=queries | st.sampled_from(["", "?", "?&&", "?a", "?%ZZ", "x"]))
    def check(pathname: str, search: str) -> None:
        assert_sane(route(client, app, pathname, search), allowed=(200,))

    check()


def test_pages_router_with_odd_values(client: Any, app: Any) -> None:
    @settings(FUZZ, max_examples=60)
    @given(pathname=json_value | nasty_text.map(lambda s: "/" + s), search=json_value)
    def check(pathname: Any, search: Any) -> None:
        body = payload(app, ROUTER_OUTPUT, {"_pages_location.pathname": pathname,
                                            "_pages_location.search": search},
                       ["_pages_location.pathname"])
        response = client.post(CALLBACK, json=body)
        assert_sane(response)
        browser_like = isinstance(pathname, str) and pathname.startswith("/")
        if not (browser_like and isinstance(search, str | None)):
            assert response.status_code == 400

    check()


# --------------------------------------------------------------------- JSON API
def has_route(app: Any, rule: str) -> bool:
    return any(r.rule == rule for r in app.server.url_map.iter_rules())


API_PARAMS = {
    "indicator": st.sampled_from(["inwoners", "huishoudens", "woz", "INWONERS"]),
    "year": st.sampled_from(["2024", "2023", "2019", "1900", "20240", "０２４"]),
    "level": st.sampled_from(["gemeente", "wijk", "buurt", "land", "provincie"]),
    "gemeente": st.sampled_from(["GM0363", "GM9999", "gm0363", "NL"]),
    "lang": st.sampled_from(["nl", "en", "fr"]),
}


def api_queries(names: list[str]) -> Any:
    value = st.one_of(nasty_text.filter(lambda s: len(s) < 3000), *API_PARAMS.values())
    return st.dictionaries(st.sampled_from(names) | st.text(max_size=8), value, max_size=6)


@pytest.mark.parametrize(("path", "examples"), [("/api/v1/observations", 100),
                                                ("/api/v1/regions", 40),
                                                ("/api/v1/indicators", 10)])
def test_api_with_random_parameters(client: Any, app: Any, path: str, examples: int) -> None:
    assert has_route(app, path), f"{path} is not a route"

    @settings(FUZZ, max_examples=examples)
    @given(query=api_queries(list(API_PARAMS)))
    def check(query: dict[str, str]) -> None:
        response = client.get(path + "?" + urlencode(query))
        assert_sane(response)
        if response.status_code == 200:
            assert response.is_json

    check()


def test_map_download_with_random_parameters(client: Any, app: Any) -> None:
    assert has_route(app, "/download/kaart.<fmt>")

    @settings(FUZZ, max_examples=40)
    @given(fmt=st.sampled_from(["csv", "csv", "xlsx", "exe", "CSV"]),
           query=st.lists(st.tuples(st.sampled_from(QUERY_KEYS), query_values), max_size=5))
    def check(fmt: str, query: list[tuple[str, str]]) -> None:
        response = client.get(f"/download/kaart.{fmt}?" + urlencode(query))
        assert_sane(response)

    check()

