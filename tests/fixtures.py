"""A small synthetic store, written with the real store writer (as datasette's tests/fixtures.py).

``build_synthetic_store(path)`` writes it; the constants below describe what is in it, so
tests can assert on known values without reading the mirror or running the ETL.

Two KWB indelingen, 2022 and 2024, and a police-like table that reports the periods 2022
and 2024 on the 2024 indeling (as the real police table does). Between them:

- Weesp (GM0457) joins Amsterdam (GM0363): gone from the 2024 indeling, so Amsterdam 2022
  and Amsterdam 2024 are different areas (``region_change``), and ``gemeente_merger`` says so.
- Deurne's wijk WK076201 is the small "Vlierden" in 2022 and the large "Deurne" in 2024:
  the same code, another area.
- WK036303 "Westpoort" (2024) has no values at all.

Every gemeente is a square on a 20 x 16 grid over the Netherlands; wijken and buurten are
parts of their gemeente's square, so every geometry is valid and neighbours share borders.

    python -m tests.fixtures /tmp/synthetic.duckdb      # write one to look at
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from core.catalogue import Catalogue
from etl.boundaries import to_geojson
from etl.store import StoreContent, write_store

# --------------------------------------------------------------------------- constants
YEARS: tuple[int, ...] = (2022, 2024)  # the indelingen (and KWB years)
POLICE_YEARS: tuple[int, ...] = (2022, 2024)  # police periods, all on the 2024 indeling
POLICE_INDELING = 2024
KWB_TABLES = {2022: "85318NED", 2024: "85984NED"}
POLICE_TABLE = "47018NED"

AMSTERDAM, WEESP, DEURNE, UTRECHT, BAARN = "GM0363", "GM0457", "GM0762", "GM0344", "GM0308"
DETAILED = (AMSTERDAM, WEESP, DEURNE, UTRECHT, BAARN)  # gemeenten with several wijken
N_FILLER = 296  # further gemeenten GM1001…, one wijk each: the validator wants ≥ 300
N_GEMEENTEN = {2022: 301, 2024: 300}  # Weesp only in 2022

CHANGED_WIJK = "WK076201"  # Vlierden (2022) → Deurne (2024): not the same area
# Every code in both indelingen that is NOT the same area in 2022 and 2024 (region_change).
CHANGED_CODES: tuple[str, ...] = ("GM0363", "WK036302", "WK076200", "WK076201")
MERGER = {"year": 2024, "old_code": WEESP, "old_name": "Weesp",
          "new_code": AMSTERDAM, "new_name": "Amsterdam"}
EMPTY_REGION = (2024, "WK036303")  # Westpoort: a region without any value
SMALL_BUURT = (2024, "BU03440000")  # 40 inhabitants: its crime rate is withheld
# Values not stored, and why (observation_gap): (year, code, indicator) → reason.
GAPS: dict[tuple[int, str, str], str] = {
    (2022, AMSTERDAM, "misdrijven_per_1000"): "other_area",
    (2022, CHANGED_WIJK, "misdrijven_per_1000"): "other_area",
    (2024, "BU03440000", "misdrijven_per_1000"): "small_denominator",
}

# Detailed wijken per indeling: code → (name, part of the gemeente square as (x0, y0, x1, y1)
# in 0..1 of the square).
WIJKEN: dict[int, dict[str, tuple[str, tuple[float, float, float, float]]]] = {
    2022: {
        "WK036300": ("Centrum", (0, 0, 0.5, 0.5)),
        "WK036301": ("West", (0, 0.5, 0.5, 1)),
        "WK036302": ("Oost", (0.5, 0, 1, 1)),
        "WK045700": ("Weesp", (0, 0, 1, 1)),
        "WK076200": ("Deurne-Centrum", (0, 0, 0.75, 1)),
        "WK076201": ("Vlierden", (0.75, 0, 1, 1)),
        "WK034400": ("Binnenstad", (0, 0, 0.5, 1)),
        "WK034401": ("Oost", (0.5, 0, 1, 1)),
        "WK030800": ("Baarn-Centrum", (0, 0, 0.5, 1)),
        "WK030801": ("Baarn-Zuid", (0.5, 0, 1, 1)),
    },
    2024: {
        "WK036300": ("Centrum", (0, 0, 0.5, 0.5)),
        "WK036301": ("West", (0, 0.5, 0.5, 1)),
        "WK036302": ("Oost", (0.5, 0, 1, 0.75)),
        "WK036303": ("Westpoort", (0.5, 0.75, 1, 1)),
        "WK036304": ("Weesp", (1, 0, 2, 1)),  # Weesp's square, now part of Amsterdam
        "WK076200": ("Vlierden", (0.75, 0, 1, 1)),
        "WK076201": ("Deurne", (0, 0, 0.75, 1)),
        "WK034400": ("Binnenstad", (0, 0, 0.5, 1)),
        "WK034401": ("Oost", (0.5, 0, 1, 1)),
        "WK030800": ("Baarn-Centrum", (0, 0, 0.5, 1)),
        "WK030801": ("Baarn-Zuid", (0.5, 0, 1, 1)),
    },
}
# Buurten of Baarn (both years, the same) and Utrecht (2024 only): halves of their wijk.
BUURTEN: dict[int, dict[str, tuple[str, str]]] = {
    2022: {"BU03080000": ("Centrum-Noord", "WK030800"), "BU03080001": ("Centrum-Zuid", "WK030800"),
           "BU03080100": ("Zuid-West", "WK030801"), "BU03080101": ("Zuid-Oost", "WK030801")},
    2024: {"BU03080000": ("Centrum-Noord", "WK030800"), "BU03080001": ("Centrum-Zuid", "WK030800"),
           "BU03080100": ("Zuid-West", "WK030801"), "BU03080101": ("Zuid-Oost", "WK030801"),
           "BU03440000": ("Domplein", "WK034400"), "BU03440001": ("Oudwijk", "WK034400")},
}

# Known values: (indicator, year, code) → value. Filler gemeenten GM1001+n have
# inwoners 10_000 + 100 n and woningvoorraad 4_500 + 40 n in both years.
INHABITANTS: dict[tuple[int, str], float] = {
    (2022, AMSTERDAM): 882_633, (2024, AMSTERDAM): 931_298,
    (2022, WEESP): 20_000,
    (2022, DEURNE): 32_000, (2024, DEURNE): 32_500,
    (2022, UTRECHT): 361_000, (2024, UTRECHT): 374_000,
    (2022, BAARN): 24_876, (2024, BAARN): 25_065,
    (2022, "WK076201"): 1_460, (2024, "WK076201"): 13_800,
    (2022, "WK076200"): 30_540, (2024, "WK076200"): 18_700,
    (2022, "WK036300"): 90_000, (2024, "WK036300"): 91_000,
    (2022, "WK036301"): 400_000, (2024, "WK036301"): 410_000,
    (2022, "WK036302"): 392_633, (2024, "WK036302"): 410_298,
    (2024, "WK036304"): 20_000,
    (2022, "WK045700"): 20_000,
    (2022, "WK034400"): 200_000, (2024, "WK034400"): 210_000,
    (2022, "WK034401"): 161_000, (2024, "WK034401"): 164_000,
    (2022, "WK030800"): 12_000, (2024, "WK030800"): 12_100,
    (2022, "WK030801"): 12_876, (2024, "WK030801"): 12_965,
    (2022, "BU03080000"): 6_000, (2024, "BU03080000"): 6_050,
    (2022, "BU03080001"): 6_000, (2024, "BU03080001"): 6_050,
    (2022, "BU03080100"): 6_438, (2024, "BU03080100"): 6_480,
    (2022, "BU03080101"): 6_438, (2024, "BU03080101"): 6_485,
    (2024, "BU03440000"): 40, (2024, "BU03440001"): 209_960,  # a buurt of 40 people
}
CRIMES: dict[tuple[int, str], float] = {  # police periods, 2024 indeling
    (2022, AMSTERDAM): 80_000, (2024, AMSTERDAM): 82_000,
    (2022, DEURNE): 1_500, (2024, DEURNE): 1_400,
    (2022, "WK076201"): 680, (2024, "WK076201"): 640,
    (2022, "WK036300"): 20_000, (2024, "WK036300"): 21_000,
    (2022, UTRECHT): 30_000, (2024, UTRECHT): 29_000,
    (2022, BAARN): 1_100, (2024, BAARN): 1_000,
    (2024, "BU03440000"): 12,  # 40 inhabitants: no rate (below the minimum denominator)
}
INDICATOR_IDS: tuple[str, ...] = (
    "inwoners", "woningvoorraad", "koopwoningen", "woz_waarde", "inkomen_per_inwoner",
    "misdrijven_totaal", "misdrijven_per_1000",
)
NATIONAL = "NL00"
MIN_DENOMINATOR = 50  # core.catalogue.DEFAULT_MIN_DENOMINATOR

CATALOGUE: dict[str, Any] = {"indicators": [
    {"id": "inwoners", "subtheme": "wonen", "direction": "neutral", "aggregation": "sum",
     "label": {"nl": "Aantal inwoners", "en": "Number of inhabitants"},
     "unit": {"nl": "aantal", "en": "number"},
     "definition": {"nl": "Inwoners op 1 januari.", "en": "Inhabitants on 1 January."},
     "series": [{"years": [2019, 2025], "source": "kwb", "numerator": ["AantalInwoners"]}]},
    {"id": "woningvoorraad", "subtheme": "wonen", "direction": "neutral", "aggregation": "sum",
     "label": {"nl": "Woningvoorraad", "en": "Housing stock"},
     "unit": {"nl": "aantal", "en": "number"},
     "definition": {"nl": "Woningen op 1 januari.", "en": "Dwellings on 1 January."},
     "series": [{"years": [2019, 2025], "source": "kwb", "numerator": ["Woningvoorraad"]}]},
    {"id": "koopwoningen", "subtheme": "wonen", "direction": "neutral",
     "aggregation": "weighted_mean", "weight": "woningvoorraad", "is_percentage": True,
     "label": {"nl": "Koopwoningen", "en": "Owner-occupied dwellings"},
     "unit": {"nl": "%", "en": "%"},
     "definition": {"nl": "Percentage koopwoningen.", "en": "Share of owner-occupied dwellings."},
     "series": [{"years": [2019, 2025], "source": "kwb", "numerator": ["Koopwoningen"]}]},
    {"id": "woz_waarde", "subtheme": "wonen", "direction": "neutral",
     "aggregation": "weighted_mean", "weight": "woningvoorraad",
     "label": {"nl": "Gemiddelde WOZ-waarde", "en": "Average WOZ value"}, "bounds": [0, 10_000],
     "unit": {"nl": "x 1 000 euro", "en": "x 1,000 euro"},
     "definition": {"nl": "Gemiddelde WOZ-waarde van woningen.", "en": "Average WOZ value."},
     "series": [{"years": [2019, 2025], "source": "kwb",
                 "numerator": ["GemiddeldeWOZWaardeVanWoningen"]}]},
    {"id": "inkomen_per_inwoner", "subtheme": "werk_inkomen", "direction": "higher_better",
     "aggregation": "weighted_mean", "weight": "inwoners",
     "label": {"nl": "Gemiddeld inkomen per inwoner", "en": "Average income per inhabitant"},
     "bounds": [0, 1_000],
     "unit": {"nl": "x 1 000 euro", "en": "x 1,000 euro"},
     "definition": {"nl": "Inkomen per inwoner.", "en": "Income per inhabitant."},
     "series": [{"years": [2019, 2025], "source": "kwb",
                 "numerator": ["GemiddeldInkomenPerInwoner"]}]},
    {"id": "misdrijven_totaal", "subtheme": "veiligheid", "direction": "lower_better",
     "aggregation": "sum",
     "label": {"nl": "Geregistreerde misdrijven", "en": "Registered crimes"},
     "unit": {"nl": "aantal", "en": "number"},
     "definition": {"nl": "Misdrijven per jaar.", "en": "Crimes per year."},
     "series": [{"years": [2019, 2025], "source": "politie", "offence": "0.0.0",
                 "numerator": ["GeregistreerdeMisdrijven"]}]},
    {"id": "misdrijven_per_1000", "subtheme": "veiligheid", "direction": "lower_better",
     "aggregation": "weighted_mean", "weight": "inwoners",
     "label": {"nl": "Misdrijven per 1 000 inwoners", "en": "Crimes per 1,000 inhabitants"},
     "unit": {"nl": "per 1 000 inwoners", "en": "per 1,000 inhabitants"},
     "bounds": [0, 100_000],
     "definition": {"nl": "Misdrijven per 1 000 inwoners.", "en": "Crimes per 1,000."},
     "series": [{"years": [2019, 2025], "source": "politie", "offence": "0.0.0",
                 "formula": "per_1000", "numerator": ["GeregistreerdeMisdrijven"],
                 "denominator": ["AantalInwoners"], "denominator_source": "kwb"}]},
]}

_NAMES = {AMSTERDAM: "Amsterdam", WEESP: "Weesp", DEURNE: "Deurne", UTRECHT: "Utrecht",
          BAARN: "Baarn"}
_CELL = (0.18, 0.15)  # degrees lon, lat of one gemeente square (20 x 16 of them)
_ORIGIN = (3.4, 50.75)


# ----------------------------------------------------------------------------- regions
@cache
def filler_codes() -> tuple[str, ...]:
    return tuple(f"GM{1001 + n:04d}" for n in range(N_FILLER))


@cache
def _grid_position() -> dict[str, int]:
    return {c: i for i, c in enumerate([AMSTERDAM, WEESP, DEURNE, UTRECHT, BAARN,
                                         *filler_codes()])}


def gemeenten(year: int) -> dict[str, str]:
    """code → name of the gemeenten of one indeling."""
    out = {c: n for c, n in _NAMES.items() if not (c == WEESP and year >= 2024)}
    out.update({c: f"Gemeente {c[2:]}" for c in filler_codes()})
    return out


def _square(code: str) -> tuple[float, float, float, float]:
    """The gemeente's square, row by row from the south-west; Weesp's lies just east of
    Amsterdam's, so Amsterdam 2024 (with Weesp) is the two side by side."""
    row, col = divmod(_grid_position()[code], 20)
    x0, y0 = _ORIGIN[0] + col * _CELL[0], _ORIGIN[1] + row * _CELL[1]
    return x0, y0, x0 + _CELL[0], y0 + _CELL[1]


def _part(square: tuple[float, float, float, float],
          part: tuple[float, float, float, float]) -> shapely.Polygon:
    x0, y0, x1, y1 = square
    w, h = x1 - x0, y1 - y0
    return shapely.box(x0 + part[0] * w, y0 + part[1] * h, x0 + part[2] * w, y0 + part[3] * h)


def _shapes(year: int) -> dict[str, dict[str, shapely.Geometry]]:
    """level → code → shape for one indeling."""
    gm = {code: shapely.box(*_square(code)) for code in gemeenten(year)}
    if year >= 2024:  # Amsterdam took in Weesp
        gm[AMSTERDAM] = shapely.box(*_square(AMSTERDAM)[:2], *_square(WEESP)[2:])
    wk: dict[str, shapely.Geometry] = {}
    for code, (_, part) in WIJKEN[year].items():
        wk[code] = _part(_square(code.replace("WK", "GM")[:6]), part)
    for code in filler_codes():
        wk[f"WK{code[2:]}00"] = gm[code]
    bu: dict[str, shapely.Geometry] = {}
    for code, (_, wijk) in BUURTEN[year].items():
        minx, miny, maxx, maxy = wk[wijk].bounds
        half = (0, 0, 1, 0.5) if code.endswith("0") else (0, 0.5, 1, 1)
        bu[code] = _part((minx, miny, maxx, maxy), half)
    return {"gemeente": gm, "wijk": wk, "buurt": bu}


def region_rows(year: int) -> pd.DataFrame:
    rows = [(year, NATIONAL, "land", "Nederland", None)]
    rows += [(year, c, "gemeente", n, c) for c, n in gemeenten(year).items()]
    rows += [(year, c, "wijk", n, "GM" + c[2:6]) for c, (n, _) in WIJKEN[year].items()]
    rows += [(year, f"WK{c[2:]}00", "wijk", f"Wijk {c[2:]}", c) for c in filler_codes()]
    rows += [(year, c, "buurt", n, "GM" + c[2:6]) for c, (n, _) in BUURTEN[year].items()]
    return pd.DataFrame(rows, columns=["year", "code", "level", "name", "gemeente_code"])


# ------------------------------------------------------------------------ observations
def _filler_value(code: str, base: float, step: float) -> float:
    return base + step * (int(code[2:]) - 1001)


def inhabitants(year: int, code: str) -> float | None:
    """The synthetic number of inhabitants (None: the region has no value)."""
    if (year, code) in INHABITANTS:
        return INHABITANTS[(year, code)]
    if code.startswith("GM1") or code.startswith("WK1"):
        return _filler_value(code[:6].replace("WK", "GM"), 10_000, 100)
    if code == NATIONAL:
        return sum(inhabitants(year, c) or 0 for c in gemeenten(year))
    return None


def dwellings(year: int, code: str) -> float | None:
    people = inhabitants(year, code)
    return None if people is None else round(people * 0.45)


def _observations(changes: pd.DataFrame) -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []

    def add(year: int, region_year: int, code: str, ind: str, value: float | None,
            table: str, key: str) -> None:
        if value is not None:
            rows.append((year, region_year, code, ind, float(value), 0, table, key))

    for year in YEARS:
        table = KWB_TABLES[year]
        codes = region_rows(year)["code"]
        for code in codes:
            if (year, code) == EMPTY_REGION:
                continue
            add(year, year, code, "inwoners", inhabitants(year, code), table, "AantalInwoners_5")
            add(year, year, code, "woningvoorraad", dwellings(year, code), table,
                "Woningvoorraad_35")
            if not code.startswith("BU"):
                own = 30.0 + (sum(map(ord, code)) % 50)
                add(year, year, code, "koopwoningen", own, table, "Koopwoningen_47")
                add(year, year, code, "woz_waarde", 250.0 + (sum(map(ord, code)) % 300),
                    table, "GemiddeldeWOZWaardeVanWoningen_39")
            if year == 2024 and code.startswith(("GM", "NL")):
                add(year, year, code, "inkomen_per_inwoner", 30.0 + (sum(map(ord, code)) % 20),
                    table, "GemiddeldInkomenPerInwoner_83")
    same_area = _same_area_codes(changes)
    for year in POLICE_YEARS:
        for (period, code), crimes in CRIMES.items():
            if period != year:
                continue
            add(year, POLICE_INDELING, code, "misdrijven_totaal", crimes, POLICE_TABLE,
                "GeregistreerdeMisdrijven_1[0.0.0]")
            people = inhabitants(year, code)
            # Same-geography arithmetic and small numbers: see GAPS.
            if (people and people >= MIN_DENOMINATOR
                    and (year == POLICE_INDELING or code in same_area)):
                add(year, POLICE_INDELING, code, "misdrijven_per_1000", crimes / people * 1000,
                    POLICE_TABLE, "(GeregistreerdeMisdrijven_1[0.0.0])/(AantalInwoners_5)")
    return pd.DataFrame(rows, columns=["year", "region_year", "region_code", "indicator_id",
                                       "value", "series", "source_table", "source_key"])


def _same_area_codes(changes: pd.DataFrame) -> set[str]:
    return set(changes.loc[changes["same_area"], "code"])


def _region_changes() -> pd.DataFrame:
    first, last = YEARS
    a, b = region_rows(first), region_rows(last)
    shapes_a, shapes_b = _shapes(first), _shapes(last)
    rows = []
    later = set(b["code"])
    for code, level in zip(a["code"], a["level"], strict=True):
        if code not in later:
            continue
        if level == "land":
            rows.append((code, level, first, last, True, "codes", None,
                         "Heel Nederland.", "All of the Netherlands."))
            continue
        ga, gb = shapes_a[level][code], shapes_b[level][code]
        overlap = ga.intersection(gb).area / ga.union(gb).area
        same = overlap >= 0.95
        note_nl = (f"Zelfde gebied in {first} en {last}." if same
                   else f"Ander gebied in {last} dan in {first}.")
        note_en = (f"Same area in {first} and {last}." if same
                   else f"A different area in {last} than in {first}.")
        rows.append((code, level, first, last, same, "geometry", round(overlap, 4),
                     note_nl, note_en))
    return pd.DataFrame(rows, columns=["code", "level", "from_year", "to_year", "same_area",
                                       "method", "overlap", "note_nl", "note_en"])


def _gaps() -> pd.DataFrame:
    notes = {
        "other_area": ("Niet berekend: teller en noemer horen bij een ander gebied.",
                       "Not computed: numerator and denominator belong to different areas."),
        "small_denominator": ("Niet getoond: de noemer is kleiner dan 50.",
                              "Not shown: the denominator is below 50."),
    }
    rows = [(year, POLICE_INDELING, code, ind, reason, *notes[reason])
            for (year, code, ind), reason in GAPS.items()]
    return pd.DataFrame(rows, columns=["year", "region_year", "region_code", "indicator_id",
                                       "reason", "note_nl", "note_en"])


def _availability(observations: pd.DataFrame) -> pd.DataFrame:
    rows = []
    withheld = pd.Series([(y, i) for y, _, i in GAPS]).value_counts()
    for ind in INDICATOR_IDS:
        police = ind.startswith("misdrijven")
        for year in YEARS:
            part = observations[(observations["indicator_id"] == ind)
                                & (observations["year"] == year)]
            table = POLICE_TABLE if police else KWB_TABLES[year]
            region_year = POLICE_INDELING if police else year
            if len(part):
                rows.append((ind, year, 0, "ok", table, part["source_key"].iloc[0], None,
                             len(part), region_year, int(withheld.get((year, ind), 0))))
            else:
                rows.append((ind, year, 0, "unavailable", table, None,
                             f"key stem not in the DataProperties of {table}", 0,
                             region_year, 0))
    return pd.DataFrame(rows, columns=["indicator_id", "year", "series", "status",
                                       "source_table", "source_keys", "reason", "n_values",
                                       "region_year", "n_withheld"])


def _runs() -> pd.DataFrame:
    rows = [(KWB_TABLES[y], "opendata.cbs.nl", "kwb", "CBS",
             f"Kerncijfers wijken en buurten {y}", None, y, 1000,
             "2025-01-01T00:00:00+00:00", "ok", None) for y in YEARS]
    rows.append((POLICE_TABLE, "dataderden.cbs.nl", "politie", "Politie, via CBS",
                 "Geregistreerde misdrijven", None, POLICE_INDELING, 1000,
                 "2025-01-01T00:00:00+00:00", "ok", None))
    rows += [(f"gebiedsindelingen/{y}/{level}_gegeneraliseerd", "service.pdok.nl", "pdok",
              "CBS / Kadaster, via PDOK", f"CBS gebiedsindelingen {y}, {level}", None, y, 0,
              None, "ok", None) for y in YEARS for level in ("gemeente", "wijk", "buurt")]
    return pd.DataFrame(rows, columns=["source_table", "catalog", "source", "publisher",
                                       "title", "modified", "indeling", "rows", "fetched_at",
                                       "status", "note"])


def synthetic_content() -> StoreContent:
    """The synthetic store as the writer takes it."""
    regions = pd.concat([region_rows(y) for y in YEARS], ignore_index=True)
    changes = _region_changes()
    observations = _observations(changes)
    boundaries: dict[tuple[int, str], gpd.GeoDataFrame] = {}
    geojson: dict[tuple[int, str], str] = {}
    for year in YEARS:
        names = region_rows(year).set_index("code")["name"]
        for level, shapes in _shapes(year).items():
            frame = gpd.GeoDataFrame(
                {"code": list(shapes), "name": [names[c] for c in shapes]},
                geometry=list(shapes.values()), crs="EPSG:4326",
            ).sort_values("code").reset_index(drop=True)
            boundaries[(year, level)] = frame
            geojson[(year, level)] = to_geojson(frame)
    return StoreContent(
        regions=regions,
        observations=observations,
        availability=_availability(observations),
        boundaries=boundaries,
        geojson=geojson,
        runs=_runs(),
        meta={"source": "synthetic (tests/fixtures.py)"},
        region_changes=changes,
        mergers=pd.DataFrame([{**MERGER, "method": "geometry", "area_share": 1.0,
                               "note_nl": "Weesp ging op in Amsterdam (indeling 2024).",
                               "note_en": "Weesp joined Amsterdam (2024 indeling)."}]),
        gaps=_gaps(),
    )


def synthetic_catalogue() -> Catalogue:
    return Catalogue.model_validate(CATALOGUE)


def build_synthetic_store(path: Path) -> Path:
    """Write the synthetic store to ``path`` with the real writer (validation included)."""
    return write_store(synthetic_content(), synthetic_catalogue(), Path(path))


if __name__ == "__main__":
    print(build_synthetic_store(Path(sys.argv[1] if len(sys.argv) > 1 else "synthetic.duckdb")))
