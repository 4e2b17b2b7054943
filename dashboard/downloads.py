"""Downloads: tables as CSV and Excel, always with the CBS attribution inside the file.

CSV format (one design for every download):

* UTF-8 with a byte-order mark, so Excel opens accents correctly; RFC 4180 quoting, CRLF.
* ``,`` as separator and ``.`` as decimal point (machine-readable everywhere; numbers are
  written in full precision, whole numbers without ``.0``; no thousands separators).
* No comment lines: the file is one rectangular table that any CSV reader loads. The
  attribution is the **last column**, ``bron`` (``source`` in English), on every row:
  ``Bron: CBS (CC BY 4.0); 85984NED (2024)`` — the publisher(s) and the table(s) and
  year(s) the row's values come from (police and RIVM figures: ``Politie, via CBS``,
  ``RIVM, via CBS``).
* Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return; region names come from upstream data) is written with a
  leading ``'``, in CSV and Excel alike (OWASP's advice on CSV injection).

Excel (.xlsx): the same table on the first sheet (numbers as numbers), and a second sheet
``Toelichting`` (``Definitions`` in English) with per indicator its id, label, definition,
unit, direction and source tables and years, followed by the attribution
(``Bron: CBS (CC BY 4.0)``, or every publisher behind the file) and each table's address.

Flask routes for the map explorer (same parameters as the map page, validated by
``dashboard.views.map.MapView``)::

    /download/kaart.csv?indicator=inwoners&jaar=2024&niveau=wijk&gemeente=GM0363&lang=nl
    /download/kaart.xlsx?…

and for the NPLV monitor (``dashboard.views.monitor.MonitorView``; one row per focus area
and indicator of the subtheme)::

    /download/nplv.csv?thema=werk_inkomen&lang=en&dialect=nl
    /download/nplv.xlsx?thema=werk_inkomen
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.sources import ATTRIBUTION, LICENCE_URL, credits, publisher_of, table_url
from dashboard.data import Store, StoreMissing, open_store
from dashboard.i18n import t
from dashboard.views import monitor as monitor_view
from dashboard.views.map import MapView, download_frame, download_stem

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DIRECTIONS = ("higher_better", "lower_better", "neutral")


@dataclass(frozen=True)
class IndicatorNote:
    """What the Toelichting sheet says about one indicator."""

    id: str
    label: str
    unit: str
    definition: str
    direction: str
    sources: tuple[tuple[str, int], ...] = ()  # (CBS table, year)

    def source_text(self) -> str:
        """'85984NED (2024); 47018NED (2023, 2024)'."""
        years: dict[str, list[int]] = {}
        for table, year in self.sources:
            years.setdefault(table, []).append(int(year))
        return "; ".join(f"{table} ({', '.join(str(y) for y in sorted(set(ys)))})"
                         for table, ys in years.items())


def indicator_notes(db: Store, indicator_ids: Iterable[str], years: Iterable[int],
                    lang: str) -> list[IndicatorNote]:
    """Notes for these indicators, with the source tables their values of these years
    come from."""
    ids = [i for i in dict.fromkeys(indicator_ids) if i in db.indicators]
    wanted = {int(y) for y in years}
    notes = []
    for ind_id in ids:
        ind = db.indicators[ind_id]
        sources = tuple((table, year) for year in sorted(wanted)
                        for table in db.source_tables(ind_id, year))
        notes.append(IndicatorNote(ind.id, ind.label.get(lang), ind.unit.get(lang),
                                   ind.definition.get(lang), ind.direction, sources))
    return notes


def _tables(notes: Sequence[IndicatorNote]) -> list[str]:
    return sorted({table for n in notes for table, _ in n.sources})


def attribution_column(frame: pd.DataFrame, meta: Sequence[IndicatorNote]) -> list[str]:
    """The ``bron`` cell of each row: the publisher(s) and the tables behind the row."""
    def cell(notes: Sequence[IndicatorNote]) -> str:
        tables = "; ".join(dict.fromkeys(n.source_text() for n in notes if n.sources))
        credit = credits(_tables(notes))  # the licensor's wording, in every language
        return f"{credit}; {tables}" if tables else credit

    by_id = {n.id: n for n in meta}
    if "indicator_id" in frame.columns:
        return [cell([by_id[i]] if i in by_id and by_id[i].sources else meta)
                for i in frame["indicator_id"]]
    return [cell(meta)] * len(frame)


def with_attribution(frame: pd.DataFrame, meta: Sequence[IndicatorNote] = (),
                     lang: str = "nl") -> pd.DataFrame:
    out = frame.copy()
    out[t("file_source_column", lang)] = attribution_column(frame, meta)
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made plain text with a leading quote."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _plain(value: Any) -> str:
    """A cell as CSV text: full precision, whole numbers without '.0', empty when missing."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, str):
        return defused(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if number != number:
            return ""
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    return str(value)


def to_csv(frame: pd.DataFrame, meta: Sequence[IndicatorNote] = (), lang: str = "nl",
           dutch: bool = False) -> bytes:
    """The frame as CSV bytes (UTF-8 with BOM, ``,`` and ``.``), attribution column last.

    ``dutch``: as Excel in a Dutch locale reads it: ``;`` between fields, ``,`` as the
    decimal mark (a ``.`` CSV opens there with 1.5 read as a date or 15)."""
    out = with_attribution(frame, meta, lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if dutch else ",", lineterminator="\r\n")
    writer.writerow([defused(str(c)) for c in out.columns])
    for row in out.itertuples(index=False, name=None):
        cells = [_plain(v) for v in row]
        if dutch:
            cells = [c.replace(".", ",") if _is_number(v) else c
                     for c, v in zip(cells, row, strict=True)]
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _is_number(value: Any) -> bool:
    return (not isinstance(value, bool | str) and isinstance(value, int | float)) or (
        hasattr(value, "dtype") and not isinstance(value, str))


def _excel_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return defused(value)


def to_excel(frame: pd.DataFrame, indicators_meta: Sequence[IndicatorNote],
             lang: str = "nl") -> bytes:
    """An .xlsx with the table (and its ``bron`` column) on the first sheet and the
    definitions plus 'Bron: CBS (CC BY 4.0)' on the second."""
    from openpyxl import Workbook

    out = with_attribution(frame, indicators_meta, lang)
    book = Workbook()
    data = book.active
    data.title = t("file_data_sheet", lang)
    data.append([defused(str(c)) for c in out.columns])
    for row in out.itertuples(index=False, name=None):
        data.append([_excel_value(v) for v in row])
    _style(data, widths=[max(10, min(48, len(str(c)) + 2)) for c in out.columns])

    notes = book.create_sheet(t("file_notes_sheet", lang))
    notes.append([t(f"file_{k}", lang) for k in
                  ("indicator_id", "label", "definition", "unit", "direction", "sources")])
    for note in indicators_meta:
        notes.append([_excel_value(v) for v in (
            note.id, note.label, note.definition, note.unit,
            t(note.direction, lang) if note.direction in DIRECTIONS else note.direction,
            note.source_text())])
    tables = _tables(indicators_meta)
    notes.append([])
    notes.append([credits(tables)])
    notes.append([t("file_licence", lang).format(url=LICENCE_URL)])
    for table in tables:
        notes.append([table, publisher_of(table).credit.get(lang), table_url(table)])
    notes.append([t("file_made", lang).format(day=date.today().isoformat())])
    _style(notes, widths=[28, 40, 80, 18, 16, 36])
    notes.cell(row=len(indicators_meta) + 3, column=1).font = Font(bold=True)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _style(sheet: Any, widths: Sequence[int]) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def send(frame: pd.DataFrame, notes: Sequence[IndicatorNote], stem: str, fmt: str,
         lang: str) -> dict[str, Any]:
    """What a ``dcc.Download`` needs (the ``dcc.send_bytes`` dictionary)."""
    from dash import dcc

    if fmt == "xlsx":
        return dcc.send_bytes(to_excel(frame, notes, lang), f"{stem}.xlsx", type=XLSX_MIMETYPE)
    return dcc.send_bytes(to_csv(frame, notes, lang), f"{stem}.csv", type=CSV_MIMETYPE)


# --------------------------------------------------------------------- map downloads
MAP_PARAMS: tuple[str, ...] = ("thema", "indicator", "jaar", "niveau", "gemeente", "lang")
DIALECTS = ("", "nl")  # dialect=nl: the CSV as Dutch Excel reads it

downloads = Blueprint("downloads", __name__)


def _error(message: str, parameter: str | None, status: int = 400) -> Response:
    response = jsonify({"error": message, "parameter": parameter, "attribution": ATTRIBUTION})
    response.status_code = status
    return response


def _attachment(frame: pd.DataFrame, notes: Sequence[IndicatorNote], lang: str,
                dialect: str, stem: str, fmt: str) -> Response:
    """A frame as a CSV (``dialect=nl``: for Dutch Excel) or Excel file to download."""
    if fmt == "xlsx":
        body, mimetype = to_excel(frame, notes, lang), XLSX_MIMETYPE
    else:
        body, mimetype = to_csv(frame, notes, lang, dutch=dialect == "nl"), CSV_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_view(fmt: str, params: tuple[str, ...], view_type: Any
               ) -> tuple[Store, Any, str] | Response:
    """The store, the page's view and the CSV dialect a page's download asks for, read
    from the same URL parameters as the page; or the error reply."""
    if fmt not in ("csv", "xlsx"):
        return _error("format must be csv or xlsx", "format", 404)
    query = {k: request.args.get(k, "") for k in params if k in request.args}
    dialect = request.args.get("dialect", "")
    if dialect not in DIALECTS:
        return _error("dialect must be nl (or left out)", "dialect")
    too_long = next((k for k, v in query.items() if len(v) > 100), None)
    if too_long:
        return _error("parameter value too long", too_long)
    try:
        db = open_store(current_app.config["ZOW_STORE"])
    except StoreMissing:
        return _error("no data store", None, 503)
    view, rejected = view_type.from_query(query, db)
    if rejected:
        return _error(f"unknown or unavailable value for: {', '.join(rejected)}", rejected[0])
    return db, view, dialect


@downloads.get("/download/kaart.<fmt>")
def map_download(fmt: str) -> Response:
    """The map explorer's table as CSV or Excel, for the same URL parameters as the map."""
    read = _page_view(fmt, MAP_PARAMS, MapView)
    if isinstance(read, Response):
        return read
    db, view, dialect = read
    notes = indicator_notes(db, [view.indicator], [view.jaar], view.lang)
    return _attachment(download_frame(db, view), notes, view.lang, dialect,
                       download_stem(view), fmt)


@downloads.get("/download/gegevens.<fmt>")
def data_download(fmt: str) -> Response:
    """Any view the API serves (``/api/v1/observations``: indicator, year, level,
    gemeente), as CSV or Excel: buurten without shapes, the national level, any year."""
    from dashboard.api import ApiError, read_observations

    if fmt not in ("csv", "xlsx"):
        return _error("format must be csv or xlsx", "format", 404)
    lang = request.args.get("lang", "nl")
    dialect = request.args.get("dialect", "")
    if lang not in ("nl", "en") or dialect not in DIALECTS:
        return _error("lang must be nl or en; dialect nl or left out", "lang")
    try:
        db = open_store(current_app.config["ZOW_STORE"])
        found = read_observations(db)
    except StoreMissing:
        return _error("no data store", None, 503)
    except ApiError as exc:
        return _error(exc.message, exc.parameter, exc.status)
    indicator = db.indicators[found.indicator_id]
    en = lang == "en"
    frame = pd.DataFrame({
        "code": found.frame["code"],
        "name" if en else "naam": found.frame["name"],
        "municipality_code" if en else "gemeente_code": found.frame["gemeente_code"],
        "indicator_id": found.indicator_id,
        "value" if en else "waarde": found.frame["value"],
        "unit" if en else "eenheid": indicator.unit.get(lang),
        "year" if en else "jaar": found.year,
        # The indeling the code belongs to: the area the figure is about.
        "indeling": found.frame["region_year"],
        "series" if en else "reeks": found.frame["series"],
        "level" if en else "niveau": found.level,
    })
    notes = indicator_notes(db, [found.indicator_id], [found.year], lang)
    where = f"_{found.gemeente}" if found.gemeente else ""
    stem = f"gegevens_{found.indicator_id}_{found.year}_{found.level}{where}"
    return _attachment(frame, notes, lang, dialect, stem, fmt)


MONITOR_PARAMS: tuple[str, ...] = ("thema", "lang")


@downloads.get("/download/nplv.<fmt>")
def monitor_download(fmt: str) -> Response:
    """The NPLV monitor of one subtheme as CSV or Excel: every focus area and indicator,
    with its gemeente and NL, the gaps, their change and the reasons where there is none."""
    read = _page_view(fmt, MONITOR_PARAMS, monitor_view.MonitorView)
    if isinstance(read, Response):
        return read
    db, view, dialect = read
    frame = monitor_view.download_frame(db, view)
    cells = monitor_view.monitor_frame(db, view.thema)
    notes = indicator_notes(db, cells["indicator_id"], cells["year"].dropna().astype(int),
                            view.lang)
    return _attachment(frame, notes, view.lang, dialect, monitor_view.download_stem(view),
                       fmt)
