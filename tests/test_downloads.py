"""Downloads: CSV and Excel round trips against the store, the attribution inside every
file, the definitions sheet, and the map explorer's download route."""

from __future__ import annotations

import io
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient

from core.regions import LAND_CODE as NL_CODE
from dashboard.data import Store
from dashboard.downloads import (
    ATTRIBUTION,
    IndicatorNote,
    indicator_notes,
    to_csv,
    to_excel,
)
from dashboard.views import compare as cmp
from dashboard.views import map as mapview
from dashboard.views.compare import CompareView, TableKey
from dashboard.views.map import MapView


def read_csv(body: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype={"code": str})


def sheets(body: bytes) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}


# -------------------------------------------------------------------------- pure
NOTES = [
    IndicatorNote("a", "Aantal a", "aantal", "Definitie van a.", "neutral",
                  (("85984NED", 2024),)),
    IndicatorNote("b", "Aandeel b", "%", "Definitie van b.", "lower_better",
                  (("47018NED", 2023), ("47018NED", 2024))),
]


def test_source_text_groups_years_per_table() -> None:
    assert NOTES[1].source_text() == "47018NED (2023, 2024)"
    assert IndicatorNote("c", "", "", "", "neutral").source_text() == ""


def test_csv_format_bom_separator_decimals_and_attribution() -> None:
    frame = pd.DataFrame({"indicator_id": ["a", "b"], "naam": ["Één, twee", 'Zeg "hoi"'],
                          "waarde": [931298.0, 0.1 + 0.2], "leeg": [float("nan"), 1.0]})
    body = to_csv(frame, NOTES)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "indicator_id,naam,waarde,leeg,bron"
    # Whole numbers without '.0', fractions in full precision, '.' as decimal point.
    assert lines[1] == 'a,"Één, twee",931298,,Bron: CBS (CC BY 4.0); 85984NED (2024)'
    assert lines[2].startswith('b,"Zeg ""hoi""",0.30000000000000004,1,')
    # Police figures are the police's, published by CBS: the row says so.
    assert lines[2].endswith('"Bron: Politie, via CBS (CC BY 4.0); 47018NED (2023, 2024)"')
    assert lines[3] == ""  # a final CRLF, nothing after the table
    back = read_csv(body)
    assert back["waarde"].tolist() == [931298.0, 0.1 + 0.2]
    assert back["naam"].tolist() == ["Één, twee", 'Zeg "hoi"']
    assert back["bron"].str.startswith("Bron: ").all()


def test_csv_without_indicator_column_lists_all_tables_and_english_header() -> None:
    body = to_csv(pd.DataFrame({"code": ["GM0363"], "x": [1.5]}), NOTES, "en")
    back = read_csv(body)
    assert list(back.columns) == ["code", "x", "source"]
    # Every publisher behind the file, in the licensor's (Dutch) wording in every language.
    assert back.loc[0, "source"] == ("Bron: CBS; Politie, via CBS (CC BY 4.0); "
                                     "85984NED (2024); 47018NED (2023, 2024)")
    bare = read_csv(to_csv(pd.DataFrame({"x": [1]})))
    assert bare.loc[0, "bron"] == ATTRIBUTION


def test_excel_has_data_and_definitions() -> None:
    frame = pd.DataFrame({"indicator_id": ["a", "b"], "waarde": [1.5, float("nan")]})
    book = sheets(to_excel(frame, NOTES))
    assert list(book) == ["Gegevens", "Toelichting"]
    data = book["Gegevens"]
    assert data[0] == ["indicator_id", "waarde", "bron"]
    assert data[1][:2] == ["a", 1.5] and data[2][:2] == ["b", None]
    assert data[1][2] == f"{ATTRIBUTION}; 85984NED (2024)"
    notes = book["Toelichting"]
    assert notes[0] == ["indicator_id", "indicator", "definitie", "eenheid", "richting",
                        "brontabellen (jaren)"]
    assert notes[1] == ["a", "Aantal a", "Definitie van a.", "aantal", "neutraal",
                        "85984NED (2024)"]
    assert notes[2][4] == "lager is beter"
    credit = "Bron: CBS; Politie, via CBS (CC BY 4.0)"
    assert [c for row in notes for c in row if c == credit] == [credit]
    # Each table with its publisher and its own address (police: the dataderden catalogue).
    tables = {row[0]: row[1:3] for row in notes if row and row[0] in ("85984NED", "47018NED")}
    assert tables["85984NED"] == ["CBS", "https://opendata.cbs.nl/ODataFeed/odata/85984NED/"]
    assert tables["47018NED"] == ["Politie, via CBS",
                                  "https://dataderden.cbs.nl/ODataFeed/odata/47018NED/"]
    english = sheets(to_excel(frame, NOTES, "en"))
    assert list(english) == ["Data", "Definitions"]
    only_cbs = sheets(to_excel(frame.iloc[:1], NOTES[:1]))["Toelichting"]
    assert [c for row in only_cbs for c in row if c == ATTRIBUTION] == [ATTRIBUTION]


# ------------------------------------------------------------ against the real store
def test_indicator_notes_from_the_store(db: Store) -> None:
    notes = indicator_notes(db, ["inwoners", "misdrijven_totaal", "inwoners", "bogus"],
                            [2024], "nl")
    assert [n.id for n in notes] == ["inwoners", "misdrijven_totaal"]
    assert notes[0].sources == (("85984NED", 2024),)
    assert notes[0].label == "Aantal inwoners" and notes[0].definition
    assert notes[1].source_text() == "47018NED (2024)"
    assert indicator_notes(db, ["inwoners"], [2024], "en")[0].label == "Number of inhabitants"


def compare_download(db: Store) -> cmp.Download:
    view = CompareView("nl", ("GM0363", "WK0363AB", "GM0599"), 2024)
    found = cmp.download_for(db, view, TableKey("thema", "wonen"))
    assert found is not None
    return found


def check_compare_values(db: Store, frame: pd.DataFrame) -> None:
    columns = {c.rsplit("[", 1)[1].rstrip("]"): c for c in frame.columns if "[" in c}
    assert set(columns) == {"GM0363", "WK0363AB", "GM0599", NL_CODE}
    assert frame.set_index("indicator_id").at["inwoners", columns["GM0363"]] == 931298
    for row in frame.to_dict("records"):
        for code, column in columns.items():
            stored = db.value(row["indicator_id"], 2024, code)
            cell = row[column]
            if stored is None:
                assert cell is None or (isinstance(cell, float) and math.isnan(cell))
            else:
                assert cell == stored, (row["indicator_id"], code)


def test_compare_csv_round_trip(db: Store, output_dir: Path) -> None:
    found = compare_download(db)
    notes = indicator_notes(db, found.indicator_ids, found.years, "nl")
    body = to_csv(found.frame, notes)
    (output_dir / "test_vergelijking_wonen.csv").write_bytes(body)
    back = read_csv(body)
    check_compare_values(db, back)
    assert (back["jaar"] == 2024).all()
    assert back["bron"].str.contains("Bron: CBS").all()
    assert (back["bron"] == f"{ATTRIBUTION}; 85984NED (2024)").all()


def test_compare_excel_round_trip(db: Store, output_dir: Path) -> None:
    found = compare_download(db)
    notes = indicator_notes(db, found.indicator_ids, found.years, "nl")
    body = to_excel(found.frame, notes)
    (output_dir / "test_vergelijking_wonen.xlsx").write_bytes(body)
    data = pd.read_excel(io.BytesIO(body), sheet_name="Gegevens")
    check_compare_values(db, data)
    book = sheets(body)
    definitions = {row[0]: row for row in book["Toelichting"][1:] if row and row[0]}
    inwoners = definitions["inwoners"]
    assert inwoners[1] == "Aantal inwoners"
    assert inwoners[2] == db.indicators["inwoners"].definition.nl
    assert inwoners[3] == "aantal" and inwoners[5] == "85984NED (2024)"
    assert set(found.indicator_ids) <= set(definitions)
    assert any(row and row[0] == "Bron: CBS (CC BY 4.0)" for row in book["Toelichting"])


def test_ranking_csv_round_trip(db: Store) -> None:
    view = CompareView("en", ("GM0363", "WK0363AB"), 2024, "", "woz_waarde", "GM0363",
                       "woz_waarde", "koopwoningen")
    found = cmp.download_for(db, view, TableKey("ranking"))
    assert found is not None
    back = read_csv(to_csv(found.frame, indicator_notes(db, found.indicator_ids, [2024],
                                                        "en"), "en"))
    assert list(back.columns)[:3] == ["rank", "percentile", "code"]
    assert len(back) == 110
    for code, value in zip(back["code"], back["value"], strict=True):
        stored = db.value("woz_waarde", 2024, code)
        assert (stored is None and math.isnan(value)) or value == stored
    assert back.loc[0, "rank"] == 1 and back.loc[0, "percentile"] == 100
    assert (back["source"] == f"{ATTRIBUTION}; 85984NED (2024)").all()


# ----------------------------------------------------------------- map download route
def test_map_csv_route(client: FlaskClient, db: Store, output_dir: Path) -> None:
    response = client.get("/download/kaart.csv?indicator=inwoners&jaar=2024&niveau=wijk"
                          "&gemeente=GM0363")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="kaart_inwoners_2024_wijk_GM0363.csv"'
    (output_dir / "test_kaart.csv").write_bytes(response.data)
    back = read_csv(response.data)
    assert list(back.columns) == ["code", "naam", "gemeente_code", "gemeente", "indicator_id",
                                  "waarde", "eenheid", "positie", "jaar", "niveau", "bron"]
    assert len(back) == 110 and set(back["gemeente_code"]) == {"GM0363"}
    for code, value in zip(back["code"], back["waarde"], strict=True):
        assert value == db.value("inwoners", 2024, code)
    assert (back["bron"] == f"{ATTRIBUTION}; 85984NED (2024)").all()


def test_map_xlsx_route_gemeenten_in_english(client: FlaskClient, db: Store) -> None:
    response = client.get("/download/kaart.xlsx?indicator=inwoners&jaar=2024"
                          "&niveau=gemeente&lang=en")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    data = pd.read_excel(io.BytesIO(response.data), sheet_name="Data")
    assert len(data) == len(db.regions(2024, "gemeente"))
    amsterdam = data.set_index("code").loc["GM0363"]
    assert amsterdam["value"] == 931298 and amsterdam["name"] == "Amsterdam"
    notes = sheets(response.data)["Definitions"]
    assert notes[1][:2] == ["inwoners", "Number of inhabitants"]
    assert any(row and row[0] == ATTRIBUTION for row in notes)


def test_map_download_has_the_rows_of_the_map_table(db: Store) -> None:
    """The file and the grid beside the map are one table: the same regions in the same
    order with the same positions, the file at full precision."""
    view, _ = MapView.from_query({"indicator": "woz_waarde", "jaar": "2024", "niveau": "wijk",
                                  "gemeente": "GM0363"}, db)
    grid = mapview.table_frame(db, view)
    file = mapview.download_frame(db, view)
    assert len(grid) == len(file) == 110
    assert list(grid["code"]) == list(file["code"])
    assert (grid["value"].fillna(-1) == file["waarde"].round(2).fillna(-1)).all()
    assert file["waarde"].notna().sum() > 100
    # Neutral: highest first, but no position (a ranking of WOZ values judges nothing).
    assert file.iloc[0]["waarde"] == file["waarde"].max()
    assert file["positie"].isna().all() and grid["rank"].isna().all()
    # Lower is better: the lowest rate has position 1, in the grid and the file alike.
    view, _ = MapView.from_query({"indicator": "misdrijven_per_1000", "jaar": "2024",
                                  "niveau": "wijk", "gemeente": "GM0363"}, db)
    grid, file = mapview.table_frame(db, view), mapview.download_frame(db, view)
    assert list(grid["code"]) == list(file["code"]) and grid["rank"].equals(file["positie"])
    ranked = file.dropna(subset=["waarde"])
    assert ranked.iloc[0]["positie"] == 1 and ranked.iloc[0]["waarde"] == ranked["waarde"].min()


def test_text_that_would_run_as_a_formula_is_written_as_text() -> None:
    """Region names come from upstream data: '=HYPERLINK(...)' must stay a name, in CSV and
    in Excel (where openpyxl would turn a leading '=' into a live formula)."""
    frame = pd.DataFrame({"code": ["WK000001", "WK000002", "WK000003", "WK000004"],
                          "naam": ['=HYPERLINK("http://x","y")', "+31 Zuid", "-Oost",
                                   "@SUM(1)"],
                          "waarde": [-1.5, 2.0, 3.0, 4.0]})
    back = read_csv(to_csv(frame, NOTES))
    assert list(back["naam"]) == ["'=HYPERLINK(\"http://x\",\"y\")", "'+31 Zuid", "'-Oost",
                                  "'@SUM(1)"]
    assert list(back["waarde"]) == [-1.5, 2.0, 3.0, 4.0]  # numbers stay numbers
    book = openpyxl.load_workbook(io.BytesIO(to_excel(frame, NOTES)))
    cells = [c.value for c in book.worksheets[0]["B"][1:]]
    assert cells == ["'=HYPERLINK(\"http://x\",\"y\")", "'+31 Zuid", "'-Oost", "'@SUM(1)"]
    assert all(c.data_type == "s" for c in book.worksheets[0]["B"][1:])
    assert book.worksheets[0]["C2"].value == -1.5


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("indicator=nope", "indicator"),
        ("indicator=inwoners&jaar=1999", "jaar"),
        ("indicator=inwoners&jaar=2024&niveau=provincie", "niveau"),
        ("indicator=inwoners&gemeente=GM9999", "gemeente"),
        ("indicator=inwoners&lang=fr", "lang"),
        ("indicator=" + "x" * 500, "indicator"),
        ("indicator=inwoners'%20OR%201=1--", "indicator"),
    ],
)
def test_map_route_rejects_bad_parameters(client: FlaskClient, query: str,
                                          parameter: str) -> None:
    response = client.get(f"/download/kaart.csv?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and body["error"]
    assert body["attribution"] == ATTRIBUTION


def test_map_route_unknown_format(client: FlaskClient) -> None:
    assert client.get("/download/kaart.pdf").status_code == 404
