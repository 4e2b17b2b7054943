"""A small read-only JSON API over the store: ``/api/v1/…``.

Every parameter is checked against a strict pattern first and then against the values the
store actually has, so nothing unexpected ever reaches SQL (which is parameterised anyway,
through ``Store.query``). Errors are JSON: ``{"error": "...", "parameter": "..."}`` with
status 400 (bad or missing parameter) or 404 (unknown indicator or path). Every reply
carries an ``attribution``: ``"Bron: CBS (CC BY 4.0)"``, or for observations every
publisher behind them (police and RIVM figures are published via CBS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from core.areas import LEVEL as AREA_LEVEL
from core.regions import LEVELS
from core.sources import ATTRIBUTION, credits
from dashboard.data import Store, StoreMissing, open_store
from dashboard.views.areas import api_areas, area_observations
from dashboard.views.common import records
from dashboard.views.profile import resolve_subject, series_of

API_LEVELS: tuple[str, ...] = (*LEVELS, AREA_LEVEL)  # focusgebied: the 20 NPLV areas
MAX_PARAM = 64
PATTERNS: dict[str, re.Pattern[str]] = {
    "indicator": re.compile(r"[a-z0-9_]{1,64}"),
    "year": re.compile(r"[0-9]{4}"),
    "level": re.compile(r"[a-z]{1,16}"),
    "gemeente": re.compile(r"GM[0-9]{4}"),
    "code": re.compile(r"GM[0-9]{4}|WK[0-9]{4}[0-9A-Z]{2}|BU[0-9]{4}[0-9A-Z]{4}"),
}

api = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, message: str, parameter: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status


def _reply(body: dict[str, Any], status: int = 200, attribution: str = ATTRIBUTION
           ) -> Response:
    response = jsonify({**body, "attribution": attribution})
    response.status_code = status
    response.headers["Cache-Control"] = "public, max-age=3600" if status == 200 else "no-store"
    return response


@api.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return _reply({"error": error.message, "parameter": error.parameter}, error.status)


@api.app_errorhandler(404)
@api.app_errorhandler(405)
def _not_found(error: HTTPException) -> Response | HTTPException:
    """JSON for unknown paths and methods under /api/; the rest of the app is untouched."""
    if request.path.startswith("/api/"):
        return _reply({"error": error.description or error.name, "parameter": None},
                      error.code or 404)
    return error


def _store() -> Store:
    try:
        return open_store(current_app.config["ZOW_STORE"])
    except StoreMissing as exc:
        raise ApiError("no data store on this server", None, 503) from exc


def _param(name: str, required: bool) -> str | None:
    """A query parameter that matches its pattern (or None when optional and absent)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise ApiError(f"missing required parameter '{name}'", name)
        return None
    if len(raw) > MAX_PARAM:
        raise ApiError(f"parameter '{name}' is too long (at most {MAX_PARAM} characters)", name)
    value = raw.strip()
    if name in ("gemeente", "code"):
        value = value.upper()
    if not PATTERNS[name].fullmatch(value):
        raise ApiError(f"parameter '{name}' is malformed: {_show(raw)}", name)
    return value


def _show(raw: str) -> str:
    """A bad value, shortened and made printable, to echo back in a message."""
    shown = raw[:24].encode("unicode_escape").decode("ascii")
    return repr(shown + ("…" if len(raw) > 24 else ""))


def _choice(name: str, value: str, allowed: list[Any]) -> None:
    if value not in [str(a) for a in allowed]:
        listing = ", ".join(str(a) for a in allowed) or "none"
        raise ApiError(f"'{name}' must be one of: {listing}", name)


def _region_years(db: Store) -> list[int]:
    return sorted({y for years in db.region_years().values() for y in years})


def _gemeente(db: Store, year: int) -> str | None:
    code = _param("gemeente", required=False)
    if code is None:
        return None
    found = db.region(code, year)
    if found is None or found["level"] != "gemeente":
        raise ApiError(f"no gemeente {code} in {year}", "gemeente")
    return code


def _indicator_json(db: Store, indicator_id: str) -> dict[str, Any]:
    ind = db.indicators[indicator_id]
    return {
        "id": ind.id,
        "subtheme": ind.subtheme,
        "label": ind.label.model_dump(),
        "unit": ind.unit.model_dump(),
        "definition": ind.definition.model_dump(),
        "direction": ind.direction,
        "aggregation": ind.aggregation,
        "is_percentage": bool(ind.is_percentage),
    }


@api.get("/")
def index() -> Response:
    return _reply({
        "endpoints": {
            "/api/v1/indicators": "the indicator catalogue with the years and levels that "
                                  "have values",
            "/api/v1/regions": "regions of one level in one year: ?year=&level=[&gemeente=]",
            "/api/v1/observations": "values of one indicator: "
                                    "?indicator=&year=&level=[&gemeente=]",
            "/api/v1/series": "one indicator of one region over the years, in segments "
                              "that never join two areas: ?indicator=&code=",
        },
    })


@api.get("/indicators")
def indicators() -> Response:
    db = _store()
    items = []
    for ind_id in db.indicators:
        years = [{"year": year, "levels": db.levels_with_values(ind_id, year),
                  "source_table": next(iter(db.source_tables(ind_id, year)), None)}
                 for year in db.years_for(ind_id)]
        items.append({**_indicator_json(db, ind_id), "years": years})
    return _reply({"count": len(items), "indicators": items})


@api.get("/regions")
def regions() -> Response:
    db = _store()
    year_text = _param("year", required=True)
    level = _param("level", required=True)
    assert year_text is not None and level is not None
    _choice("year", year_text, _region_years(db))
    year = int(year_text)
    _choice("level", level, list(API_LEVELS))
    gemeente = _gemeente(db, year)
    if level == AREA_LEVEL:
        areas = api_areas(db, year, gemeente)
        return _reply({"year": year, "level": level, "gemeente": gemeente,
                       "count": len(areas), "regions": areas})
    frame = db.api_regions(year, level, gemeente)
    return _reply({
        "year": year, "level": level, "gemeente": gemeente, "count": len(frame),
        "regions": records(frame),
    })


@dataclass(frozen=True)
class Observations:
    """One indicator's figures in a year at a level (within a gemeente), as validated."""

    indicator_id: str
    year: int
    level: str
    gemeente: str | None
    frame: pd.DataFrame
    tables: list[str]


def read_observations(db: Store) -> Observations:
    """The observations a request asks for (``indicator``, ``year``, ``level``,
    ``gemeente``), every parameter checked first; ApiError names the first bad one. The API
    and the data downloads serve exactly the same views through this."""
    indicator_id = _param("indicator", required=True)
    assert indicator_id is not None
    if indicator_id not in db.indicators:
        raise ApiError(f"unknown indicator '{indicator_id}'; see /api/v1/indicators",
                       "indicator", 404)
    year_text = _param("year", required=True)
    level = _param("level", required=True)
    assert year_text is not None and level is not None
    _choice("year", year_text, db.years_for(indicator_id))
    year = int(year_text)
    levels = db.levels_with_values(indicator_id, year)
    # Focus areas: aggregated from their wijken or buurten (views.areas).
    _choice("level", level, [*levels, AREA_LEVEL] if set(levels) - {"land", "gemeente"}
            else levels)
    if level == AREA_LEVEL:
        gemeente = _gemeente(db, year)
        frame = area_observations(db, indicator_id, year, gemeente)
    else:
        gemeente = _gemeente(db, db.indeling(indicator_id, year, level) or year)
        frame = db.api_observations(indicator_id, year, level, gemeente)
    tables = sorted({str(t) for t in frame["source_table"]}) or list(
        db.source_tables(indicator_id, year))
    return Observations(indicator_id, year, level, gemeente, frame, tables)


@api.get("/observations")
def observations() -> Response:
    db = _store()
    found = read_observations(db)
    return _reply({
        "indicator": _indicator_json(db, found.indicator_id),
        "year": found.year,
        "level": found.level,
        "gemeente": found.gemeente,
        "source_tables": found.tables,
        "count": len(found.frame),
        "observations": records(found.frame.drop(columns="source_table")),
    }, attribution=credits(found.tables))


@api.get("/series")
def series() -> Response:
    """One indicator of one region over the years: the figures about the area the code
    names now, in segments that never join two areas or two definitions, and the figures
    under the same code that are about another area, left out with the reason."""
    db = _store()
    indicator_id = _param("indicator", required=True)
    code = _param("code", required=True)
    assert indicator_id is not None and code is not None
    if indicator_id not in db.indicators:
        raise ApiError(f"unknown indicator '{indicator_id}'; see /api/v1/indicators",
                       "indicator", 404)
    subject = resolve_subject(db, code)
    if subject is None or subject.kind == "area":
        raise ApiError(f"no region {code}", "code", 404)
    found = series_of(db, subject, indicator_id)
    tables = sorted({str(t) for t in found.points["source_table"]})
    return _reply({
        "indicator": _indicator_json(db, indicator_id),
        "code": subject.code, "name": subject.name, "level": subject.kind,
        "indeling": subject.year,
        "points": records(found.points.drop(columns="source_table")),
        "other_area": records(found.other_area),
        "breaks": found.breaks,
        "source_tables": tables,
    }, attribution=credits(tables))


@api.get("/<path:rest>")
def unknown(rest: str) -> Response:
    """Unknown paths under /api/v1 (before the Dash pages' catch-all route sees them)."""
    raise ApiError("no such endpoint; see /api/v1/", None, 404)

