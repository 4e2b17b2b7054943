"""A small read-only JSON API over the store: ``/api/v1/…``.

Every parameter is checked against a strict pattern first and then against the values the
store actually has, so nothing unexpected ever reaches SQL (which is parameterised anyway,
through ``Store.query``). Errors are JSON: ``{"error": "...", "parameter": "..."}`` with
status 400 (bad or missing parameter) or 404 (unknown indicator or path). Every reply
carries ``"attribution": "Bron: CBS (CC BY 4.0)"``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.data import LEVELS, Store, StoreMissing, open_store

ATTRIBUTION = "Bron: CBS (CC BY 4.0)"
API_LEVELS: tuple[str, ...] = ("land", *LEVELS)
MAX_PARAM = 64
PATTERNS: dict[str, re.Pattern[str]] = {
    "indicator": re.compile(r"[a-z0-9_]{1,64}"),
    "year": re.compile(r"[0-9]{4}"),
    "level": re.compile(r"[a-z]{1,16}"),
    "gemeente": re.compile(r"GM[0-9]{4}"),
}

api = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, message: str, parameter: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status


def _reply(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify({**body, "attribution": ATTRIBUTION})
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
    if name == "gemeente":
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
    frame = db.query("SELECT DISTINCT year FROM region ORDER BY year")
    return [int(y) for y in frame["year"]]


def _gemeente(db: Store, year: int) -> str | None:
    code = _param("gemeente", required=False)
    if code is None:
        return None
    frame = db.query(
        "SELECT code FROM region WHERE year = ? AND code = ? AND level = 'gemeente'",
        [year, code],
    )
    if frame.empty:
        raise ApiError(f"no gemeente {code} in {year}", "gemeente")
    return code


def _indicator_json(db: Store, indicator_id: str) -> dict[str, Any]:
    ind = db.indicators[indicator_id]
    return {
        "id": ind.id,
        "subtheme": ind.subtheme,
        "label": {"nl": ind.label_nl, "en": ind.label_en},
        "unit": {"nl": ind.unit_nl, "en": ind.unit_en},
        "definition": {"nl": ind.definition_nl, "en": ind.definition_en},
        "direction": ind.direction,
        "aggregation": ind.aggregation,
        "is_percentage": bool(ind.is_percentage),
    }


def _sources(db: Store) -> dict[tuple[str, int], str]:
    frame = db.query(
        "SELECT indicator_id, year, source_table FROM availability WHERE status = 'ok'"
    )
    return {(str(i), int(y)): str(t) for i, y, t in
            zip(frame["indicator_id"], frame["year"], frame["source_table"], strict=True)
            if isinstance(t, str)}


@api.get("/")
def index() -> Response:
    return _reply({
        "endpoints": {
            "/api/v1/indicators": "the indicator catalogue with the years and levels that "
                                  "have values",
            "/api/v1/regions": "regions of one level in one year: ?year=&level=[&gemeente=]",
            "/api/v1/observations": "values of one indicator: "
                                    "?indicator=&year=&level=[&gemeente=]",
        },
    })


@api.get("/indicators")
def indicators() -> Response:
    db = _store()
    av = db.available()
    sources = _sources(db)
    items = []
    for ind_id in db.indicators:
        rows = av[av["indicator_id"] == ind_id]
        years = []
        for year in sorted({int(y) for y in rows["year"]}):
            at = rows[rows["year"] == year]
            years.append({
                "year": year,
                "levels": [lv for lv in API_LEVELS if lv in set(at["level"])],
                "source_table": sources.get((ind_id, year)),
            })
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
    frame = db.query(
        "SELECT r.code, r.name, r.level, r.gemeente_code, g.name AS gemeente_name "
        "FROM region r LEFT JOIN region g ON g.year = r.year AND g.code = r.gemeente_code "
        "WHERE r.year = ? AND r.level = ? AND (? IS NULL OR r.gemeente_code = ?) "
        "ORDER BY r.code",
        [year, level, gemeente, gemeente],
    )
    return _reply({
        "year": year, "level": level, "gemeente": gemeente, "count": len(frame),
        "regions": _records(frame),
    })


@api.get("/observations")
def observations() -> Response:
    db = _store()
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
    av = db.available()
    levels = set(av.loc[(av["indicator_id"] == indicator_id) & (av["year"] == year), "level"])
    _choice("level", level, [lv for lv in API_LEVELS if lv in levels])
    gemeente = _gemeente(db, year)
    frame = db.query(
        "SELECT r.code, r.name, r.gemeente_code, o.value, o.series, o.source_table "
        "FROM observation o JOIN region r ON r.year = o.year AND r.code = o.region_code "
        "WHERE o.indicator_id = ? AND o.year = ? AND r.level = ? "
        "AND (? IS NULL OR r.gemeente_code = ?) ORDER BY r.code",
        [indicator_id, year, level, gemeente, gemeente],
    )
    tables = sorted({str(t) for t in frame["source_table"]}) or [
        t for t in [_sources(db).get((indicator_id, year))] if t]
    return _reply({
        "indicator": _indicator_json(db, indicator_id),
        "year": year,
        "level": level,
        "gemeente": gemeente,
        "source_tables": tables,
        "count": len(frame),
        "observations": _records(frame.drop(columns="source_table")),
    })


@api.get("/<path:rest>")
def unknown(rest: str) -> Response:
    """Unknown paths under /api/v1 (before the Dash pages' catch-all route sees them)."""
    raise ApiError("no such endpoint; see /api/v1/", None, 404)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (None if v is None or (isinstance(v, float) and v != v) or v is pd.NA
                        else (v.item() if hasattr(v, "item") else v))
                    for k, v in row.items()})
    return out
