"""The query layer against the schema contract: every public method of ``Store`` runs on an
empty store of the current schema (``core.schema``) and answers "nothing", never an error.
A new query without a case here fails the test, so the contract and the queries cannot
drift apart."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from core.catalogue import load_catalogue
from core.schema import INDEXES, SCHEMA_VERSION, TABLES, VIEWS
from dashboard.data import Store

# How to call each public method, and what "nothing" looks like for it.
CALLS: dict[str, tuple[tuple[Any, ...], Any]] = {
    "query": (("SELECT count(*) AS n FROM observation",), lambda r: r["n"].iloc[0] == 0),
    "meta": ((), lambda r: r["schema_version"] == str(SCHEMA_VERSION)),
    "available": ((), lambda r: r.empty),
    "availability": ((), lambda r: r.empty),
    "indicators_for": (("wonen",), lambda r: r == []),
    "years_for": (("inwoners",), lambda r: r == []),
    "levels_with_values": (("inwoners", 2024), lambda r: r == []),
    "indeling": (("inwoners", 2024, "wijk"), lambda r: r is None),
    "source_tables": (("inwoners", 2024), lambda r: r == ()),
    "sources": ((), lambda r: r.empty),
    "boundary_layers": ((), lambda r: r == frozenset()),
    "boundary_codes": ((2024, "wijk"), lambda r: r == frozenset()),
    "drawable_codes": (("inwoners", 2024, "wijk", 2024), lambda r: r == frozenset()),
    "geometry_year": (("inwoners", 2024, "wijk"), lambda r: r is None),
    "levels_for": (("inwoners", 2024), lambda r: r == []),
    "map_years": (("inwoners",), lambda r: r == []),
    "geojson_text": ((2024, "wijk"), KeyError),
    "geojson_gzip": ((2024, "wijk"), KeyError),
    "geojson": ((2024, "wijk"), KeyError),
    "bounds": ((2024, "wijk", "GM0363"), lambda r: r is None),
    "regions": ((2024, "wijk"), lambda r: r.empty),
    "region": (("GM0363",), lambda r: r is None),
    "search_index": ((2024,), lambda r: r.empty and {"terms", "gemeente_terms"} <= set(r)),
    "region_years": ((), lambda r: r == {}),
    "years_of_code": (("GM0363",), lambda r: r == []),
    "region_changes": ((), lambda r: r.empty),
    "same_area": (("WK036301", 2022, 2024), lambda r: r is False),
    "mergers": ((), lambda r: r.empty),
    "changes_of": (("WK076201",), lambda r: r.empty),
    "gaps_of": ((["WK076201"],), lambda r: r.empty),
    "values": (("inwoners", 2024, "wijk"), lambda r: r.empty),
    "value": (("inwoners", 2024, "GM0363"), lambda r: r is None),
    "national": (("inwoners", 2024), lambda r: r is None),
    "observations_of": ((["GM0363"],), lambda r: r.empty),
    "values_of": ((["GM0363"], 2024), lambda r: r.empty),
    "api_regions": ((2024, "gemeente", None), lambda r: r.empty),
    "api_observations": (("inwoners", 2024, "gemeente", None), lambda r: r.empty),
}


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = Path(tmp_path_factory.mktemp("empty")) / "empty.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(TABLES)
        con.execute(VIEWS)
        con.execute(INDEXES)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?), ('catalogue', ?)",
                    [str(SCHEMA_VERSION), load_catalogue().model_dump_json()])
    return Store(path)


# Plumbing, not a query: closing the shared empty store would fail every case after it.
NOT_QUERIES = {"close"}


def public_methods() -> list[str]:
    return sorted(name for name, member in inspect.getmembers(Store)
                  if not name.startswith("_") and callable(member) and name not in NOT_QUERIES
                  and not isinstance(inspect.getattr_static(Store, name), property))


def test_every_query_has_a_case() -> None:
    assert set(public_methods()) == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_query_runs_on_an_empty_store_of_the_current_schema(empty_store: Store,
                                                            name: str) -> None:
    args, check = CALLS[name]
    method = getattr(empty_store, name)
    if isinstance(check, type) and issubclass(check, Exception):
        with pytest.raises(check):
            method(*args)
        return
    result = method(*args)
    assert check(result), (name, result)
    if isinstance(result, pd.DataFrame):
        assert len(result.columns) > 0  # the columns a reader expects are there
