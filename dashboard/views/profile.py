"""The area profile's view: every indicator of one gemeente, wijk, buurt or NPLV focus
area, per subtheme, against its gemeente and the Netherlands, with a trend; for wijken also
the wijken most like it.

URL: ``/gebied/<code>?thema=wonen&lang=en`` (``thema``: the theme of the similar wijken).

A region is a version: its code within one indeling. The profile is about the code's latest
version; figures of an earlier version count only where the boundary-change detection says
it covers the same area, and a trend line never connects two different areas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from core.areas import (
    Aggregate,
    Area,
    areas_containing,
    areas_in_gemeente,
    is_area_id,
    load_areas,
)
from core.catalogue import SUBTHEMES, Indicator
from core.regions import LAND_CODE
from dashboard.data import Store
from dashboard.i18n import t
from dashboard.views.areas import area_values
from dashboard.views.common import Params, area_versions

Benchmark = Literal["better", "worse", "same"]
DEFAULT_SIMILAR_THEME = "wonen"

#: Columns with a larger share of missing values than this are left out of the similarity.
MAX_MISSING_SHARE = 0.5


@dataclass(frozen=True)
class ProfileView:
    """The profile of one code, in a language, with the theme of its similar wijken."""

    PATH: ClassVar[str] = "/gebied/"

    code: str
    lang: str = "nl"
    thema: str = DEFAULT_SIMILAR_THEME

    @classmethod
    def from_query(cls, code: Any, query: Mapping[str, Any]) -> tuple[ProfileView, list[str]]:
        params = Params(query)
        lang = params.lang()
        theme = params.get("thema")
        if theme and theme not in SUBTHEMES:
            params.reject("thema")
        if theme not in SUBTHEMES:
            theme = DEFAULT_SIMILAR_THEME
        raw = code.strip().upper()[:40] if isinstance(code, str) else ""
        return cls(raw, lang, theme), params.rejected

    def query(self) -> str:
        params = {**({"lang": "en"} if self.lang == "en" else {}),
                  **({"thema": self.thema} if self.thema != DEFAULT_SIMILAR_THEME else {})}
        return "?" + urlencode(params) if params else ""

    def url(self) -> str:
        return self.PATH + self.code + self.query()


def profile_href(code: str, lang: str, **extra: str) -> str:
    """A link to another profile in the same language."""
    params = {**({"lang": "en"} if lang == "en" else {}), **{k: v for k, v in extra.items() if v}}
    return ProfileView.PATH + code + ("?" + urlencode(params) if params else "")


# ------------------------------------------------------------------------- benchmark
def _missing(value: float | None) -> bool:
    return value is None or bool(pd.isna(value))


def benchmark_colour(
    value: float | None,
    reference: float | None,
    direction: str,
    tolerance: float = 0.0,
) -> Benchmark | None:
    """Is ``value`` better, worse or the same as ``reference``, given the indicator direction?

    ``direction`` is ``higher_better``, ``lower_better`` or ``neutral``. Neutral indicators,
    unknown directions and missing values give ``None``: no judgement, so no colour.
    Differences of at most ``tolerance`` count as the same.
    """
    if direction not in ("higher_better", "lower_better"):
        return None
    if _missing(value) or _missing(reference):
        return None
    difference = float(value) - float(reference)  # type: ignore[arg-type]
    if abs(difference) <= tolerance:
        return "same"
    higher = difference > 0
    return "better" if higher == (direction == "higher_better") else "worse"


def comparison(value: float | None, reference: float | None, tolerance: float = 0.0
               ) -> Literal["higher", "lower", "same"] | None:
    """Whether ``value`` is higher or lower than ``reference`` (direction-free)."""
    if _missing(value) or _missing(reference):
        return None
    difference = float(value) - float(reference)  # type: ignore[arg-type]
    if abs(difference) <= tolerance:
        return "same"
    return "higher" if difference > 0 else "lower"


# ---------------------------------------------------------------------------- trends
def trend_segments(frame: pd.DataFrame) -> list[list[tuple[int, float]]]:
    """Split a series into line segments that may each be drawn as one line.

    ``frame`` has columns ``year``, ``value`` and ``series`` (the definition series number),
    and optionally ``version`` (which area the figure is about, see :func:`area_versions`).
    A new segment starts where the series or the version changes; a missing value alone
    does not break the line. Rows without a value are ignored.
    """
    rows = frame.dropna(subset=["value"]).sort_values("year")
    versions = rows["version"] if "version" in rows else pd.Series(0, index=rows.index)
    segments: list[list[tuple[int, float]]] = []
    previous: tuple[Any, Any] | None = None
    for year, value, series, version in zip(rows["year"], rows["value"], rows["series"],
                                            versions, strict=True):
        if previous != (series, version):
            segments.append([])
        segments[-1].append((int(year), float(value)))
        previous = (series, version)
    return segments


# ------------------------------------------------------------------------ similarity
def similar_regions(
    matrix: pd.DataFrame,
    target: str,
    k: int = 5,
    max_missing: float = MAX_MISSING_SHARE,
) -> pd.DataFrame:
    """The ``k`` regions nearest to ``target`` on standardised indicators.

    ``matrix`` has one row per region (index = code) and one column per indicator. Columns
    missing for more than ``max_missing`` of the regions, columns the target has no value
    for and columns without spread are dropped; each remaining column is z-scored (mean 0,
    standard deviation 1 over all regions) and then missing values are filled with 0, the
    column mean. Regions with values for fewer than half of the kept columns are not
    candidates (they would look "average" by construction). Distance is Euclidean.

    Returns a frame with columns ``code`` and ``distance``, nearest first (ties by code);
    ``attrs["indicators"]`` lists the columns used. Empty when nothing can be compared.
    """
    empty = pd.DataFrame({"code": pd.Series(dtype=str), "distance": pd.Series(dtype=float)})
    empty.attrs["indicators"] = []
    if target not in matrix.index or matrix.empty or k <= 0:
        return empty
    data = matrix.apply(pd.to_numeric, errors="coerce").astype(float)
    data = data[~data.index.duplicated(keep="first")]
    keep = [
        column for column in data.columns
        if data[column].isna().mean() <= max_missing
        and not pd.isna(data.at[target, column])
        and data[column].std(ddof=0) > 0
    ]
    if not keep:
        return empty
    data = data[keep]
    observed = data.notna().sum(axis=1)
    z = (data - data.mean()) / data.std(ddof=0)
    z = z.fillna(0.0)
    distance = np.sqrt(((z - z.loc[target]) ** 2).sum(axis=1))
    result = pd.DataFrame({"code": distance.index.astype(str), "distance": distance.to_numpy()})
    eligible = (observed >= len(keep) / 2).to_numpy() & (result["code"] != target).to_numpy()
    result = result[eligible].sort_values(["distance", "code"], kind="stable").head(k)
    result = result.reset_index(drop=True)
    result.attrs["indicators"] = keep
    return result


# ------------------------------------------------------------------------- subject
@dataclass(frozen=True)
class Subject:
    """What the profile is about: a region version of the store, or a focus area."""

    code: str
    kind: str  # gemeente | wijk | buurt | area
    name: str
    year: int  # the indeling of the region (for an area: its reference indeling)
    gemeente_code: str | None
    gemeente_name: str | None
    area: Area | None = None

    @property
    def reference_code(self) -> str:
        """What the subject is compared with: its gemeente, or NL for a gemeente."""
        if self.kind == "gemeente" or not self.gemeente_code:
            return LAND_CODE
        return self.gemeente_code


def resolve_subject(db: Store, raw: str | None) -> Subject | None:
    """The subject for a code from the address (its latest version); None when unknown."""
    code = (raw or "").strip().upper()
    if not code:
        return None
    if is_area_id(code):
        area = load_areas().get(code)
        if area is None:
            return None
        year = max(area.years)
        gemeente = db.region(area.gemeente, year) or db.region(area.gemeente)
        return Subject(code, "area", area.name, year, area.gemeente,
                       gemeente["name"] if gemeente else area.gemeente, area)
    if len(code) > 12:
        return None
    region = db.region(code)
    if region is None or region["level"] not in ("gemeente", "wijk", "buurt"):
        return None
    gemeente_code, gemeente_name = region["gemeente_code"], region["gemeente_name"]
    if region["level"] == "gemeente":
        gemeente_code, gemeente_name = code, str(region["name"])
    return Subject(code, str(region["level"]), str(region["name"]), int(region["year"]),
                   gemeente_code, gemeente_name)


# ---------------------------------------------------------------------------- rows
@dataclass(frozen=True)
class Row:
    """One indicator line of the profile."""

    indicator: Indicator
    year: int | None
    value: float | None
    gemeente: float | None
    nl: float | None
    segments: list[list[tuple[int, float]]]
    aggregate: Aggregate | None = None
    other_area_years: tuple[int, ...] = ()  # figures under this code about another area
    gaps: tuple[tuple[int, str, str], ...] = ()  # (year, note nl, note en) not stored, why


def _value_at(frame: pd.DataFrame, indicator_id: str, year: int, code: str) -> float | None:
    hit = frame[(frame["indicator_id"] == indicator_id) & (frame["year"] == year)
                & (frame["code"] == code)]
    return None if hit.empty else float(hit["value"].iloc[0])


def _references(db: Store, subject: Subject) -> pd.DataFrame:
    codes = [c for c in dict.fromkeys([subject.gemeente_code, LAND_CODE]) if c]
    return db.values_of(codes, subject.year)


def region_rows(db: Store, subject: Subject) -> dict[str, list[Row]]:
    """Rows per subtheme for a gemeente, wijk or buurt (only indicators with a value)."""
    own = db.observations_of([subject.code])
    versions = area_versions(sorted({*db.years_of_code(subject.code), *own["region_year"]}),
                             lambda a, b: db.same_area(subject.code, a, b))
    own = own.assign(version=own["region_year"].map(versions))
    mine = versions.get(subject.year, 0)
    refs = _references(db, subject)
    gaps = db.gaps_of([subject.code])
    rows: dict[str, list[Row]] = {s: [] for s in SUBTHEMES}
    for indicator in db.catalogue.indicators:
        frame = own[own["indicator_id"] == indicator.id].sort_values("year")
        same = frame[frame["version"] == mine]
        if same.empty:
            continue
        missing = gaps[gaps["indicator_id"] == indicator.id]
        latest = same.iloc[-1]
        year = int(latest["year"])
        rows[indicator.subtheme].append(Row(
            indicator=indicator,
            year=year,
            value=float(latest["value"]),
            gemeente=_value_at(refs, indicator.id, year, subject.gemeente_code)
            if subject.gemeente_code and subject.kind != "gemeente" else None,
            nl=_value_at(refs, indicator.id, year, LAND_CODE),
            segments=trend_segments(same[["year", "value", "series", "version"]]),
            other_area_years=tuple(sorted({int(y) for y in
                                           frame.loc[frame["version"] != mine, "year"]})),
            gaps=tuple(zip(missing["year"].astype(int), missing["note_nl"], missing["note_en"],
                           strict=True)),
        ))
    return rows


@dataclass(frozen=True)
class Series:
    """One indicator of one region over the years (for the API)."""

    points: pd.DataFrame  # year, region_year, value, series, segment, source_table
    other_area: pd.DataFrame  # year, region_year, value: the code's figures on another area
    breaks: list[str]  # why the segments break (definition changes, boundary changes)


def series_of(db: Store, subject: Subject, indicator_id: str) -> Series:
    own = db.observations_of([subject.code])
    own = own[own["indicator_id"] == indicator_id].sort_values("year")
    versions = area_versions(sorted({*db.years_of_code(subject.code), *own["region_year"]}),
                             lambda a, b: db.same_area(subject.code, a, b))
    mine = versions.get(subject.year, 0)
    version = own["region_year"].map(versions)
    same = own[version == mine]
    segment, previous = [], None
    for series in same["series"]:
        segment.append(0 if previous is None else segment[-1] + (series != previous))
        previous = series
    points = same[["year", "region_year", "value", "series", "source_table"]].assign(
        segment=segment)
    indicator = db.indicators[indicator_id]
    breaks = [f"{s.years[0]}: {s.note.en}" for s in indicator.series[1:] if s.note]
    breaks += list(db.changes_of(subject.code)["note_en"].dropna())
    return Series(points.reset_index(drop=True),
                  own.loc[version != mine, ["year", "region_year", "value"]].reset_index(
                      drop=True), breaks)


def boundary_notes(db: Store, subject: Subject, lang: str) -> list[str]:
    """What happened to the area a code names: boundary changes the detection found, and
    gemeenten that merged into this one (derived from the indelingen, not written by hand)."""
    if subject.kind == "area":
        return []
    column = "note_en" if lang == "en" else "note_nl"
    notes = [str(n) for n in db.changes_of(subject.code)[column] if isinstance(n, str)]
    if subject.kind == "gemeente":
        mergers = db.mergers()
        notes += [str(n) for n in mergers.loc[mergers["new_code"] == subject.code, column]
                  if isinstance(n, str) and str(n) not in " ".join(notes)]
    return notes


def gap_notes(row: Row, lang: str) -> list[str]:
    """Figures of this row that were not stored, with the ETL's reason, per year."""
    return [f"{year}: {en if lang == 'en' else nl}" for year, nl, en in row.gaps]


def area_rows(db: Store, subject: Subject) -> dict[str, list[Row]]:
    """Rows per subtheme for a focus area: member (wijk or buurt) values aggregated per year
    (views.areas.area_values: counts summed, rates and averages weighted by their declared
    weight, see core.aggregation)."""
    area = subject.area
    assert area is not None
    values = area_values(db, area)
    refs = _references(db, subject)
    rows: dict[str, list[Row]] = {s: [] for s in SUBTHEMES}
    by_indicator = dict(tuple(values.groupby("indicator_id", sort=False)))
    for indicator in db.catalogue.indicators:
        frame = by_indicator.get(indicator.id)
        if frame is None:
            continue
        frame = frame.sort_values("year")
        latest = frame.iloc[-1]
        year = int(latest["year"])
        value = None if pd.isna(latest["value"]) else float(latest["value"])
        trend = frame.loc[frame["value"].notna(), ["year", "value", "series", "version"]]
        rows[indicator.subtheme].append(Row(
            indicator=indicator,
            year=year,
            value=value,
            gemeente=_value_at(refs, indicator.id, year, area.gemeente),
            nl=_value_at(refs, indicator.id, year, LAND_CODE),
            segments=trend_segments(trend) if not trend.empty else [],
            aggregate=Aggregate(value, int(latest["members"]), int(latest["covered"]),
                                latest["reason"] if isinstance(latest["reason"], str)
                                else None),
        ))
    return rows


def profile_rows(db: Store, subject: Subject) -> dict[str, list[Row]]:
    return area_rows(db, subject) if subject.kind == "area" else region_rows(db, subject)


def year_span(rows: dict[str, list[Row]]) -> tuple[int, int]:
    """The first and last year of any trend (the shared x-axis of the sparklines)."""
    years = [y for r in (x for rs in rows.values() for x in rs)
             for seg in r.segments for y, _ in seg]
    return (min(years), max(years)) if years else (2019, 2025)


def display_round(value: float | None) -> float | None:
    """A value as it is shown (so markers never contradict the printed numbers)."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), 0 if abs(value) >= 100 or float(value).is_integer() else 1)


def reference_name(subject: Subject, lang: str) -> str:
    """What the subject is compared with, by name."""
    if subject.reference_code == LAND_CODE:
        return t("nl", lang)
    return subject.gemeente_name or subject.reference_code


def unavailable_reason(db: Store, row: Row, lang: str) -> str | None:
    """Why a focus area has no value for this row (None when it has one)."""
    agg = row.aggregate
    if agg is None or agg.value is not None:
        return None
    weight = db.indicators.get(row.indicator.weight or "")
    key = {"not_aggregatable": "profile_not_aggregatable", "incomplete": "profile_incomplete_sum",
           "no_weights": "profile_no_weights"}.get(agg.reason or "", "no_data")
    return t(key, lang, covered=agg.covered, members=agg.members, year=row.year,
             weight=weight.label.get(lang).lower() if weight else "")


def other_area_note(row: Row, lang: str) -> str | None:
    """Figures under the code that are about another area, and so not in the trend."""
    if not row.other_area_years:
        return None
    return t("profile_other_area", lang, years=", ".join(str(y) for y in row.other_area_years))


@dataclass(frozen=True)
class Marker:
    """How a row compares with its reference, as the profile shows and says it."""

    kind: str  # better | worse | same | neutral | none | count
    symbol: str  # ▲ ▼ = – n.v.t.
    word: str  # "beter", "slechter" (shown beside the symbol), or ""
    said: str  # the whole comparison in words (screen readers, tooltip)


def marker(row: Row, subject: Subject, lang: str) -> Marker:
    if row.indicator.aggregation == "sum":
        return Marker("count", t("profile_na_short", lang), "",
                      t("profile_count_no_compare", lang))
    how, judged = judgement(row, subject)
    if how is None:
        return Marker("none", "–", "", t("no_data", lang))
    relation = t(f"profile_{how}", lang, reference=reference_name(subject, lang))
    word = {"better": t("profile_better", lang), "worse": t("profile_worse", lang),
            "same": t("profile_equal", lang), None: ""}[judged]
    said = f"{relation}, {word}" if judged else f"{relation} ({t('profile_no_judgement', lang)})"
    return Marker(judged or "neutral", {"higher": "▲", "lower": "▼", "same": "="}[how],
                  word if judged in ("better", "worse") else "", said)


def judgement(row: Row, subject: Subject) -> tuple[str | None, Benchmark | None]:
    """How the row's value compares with the subject's reference (higher/lower/same), and
    whether that is better or worse given the direction; (None, None) for counts."""
    if row.indicator.aggregation == "sum":
        return None, None
    reference = row.nl if subject.reference_code == LAND_CODE else row.gemeente
    shown, ref_shown = display_round(row.value), display_round(reference)
    return comparison(shown, ref_shown), benchmark_colour(shown, ref_shown,
                                                          row.indicator.direction)


def members(db: Store, subject: Subject) -> list[tuple[str, str]]:
    """(code, name) of a focus area's members in its reference indeling."""
    if subject.area is None:
        return []
    names = db.regions(subject.year).set_index("code")["name"]
    return [(code, str(names.get(code, code))) for code in subject.area.members_in(subject.year)]


def part_of(subject: Subject) -> list[Area]:
    """Focus areas a wijk or buurt lies wholly in (in its indeling), or that lie in a
    gemeente."""
    if subject.kind in ("wijk", "buurt"):
        return areas_containing(subject.code, subject.year)
    if subject.kind == "gemeente":
        return areas_in_gemeente(subject.code)
    return []


# ------------------------------------------------------------------- similar wijken
@dataclass(frozen=True)
class Similar:
    """The wijken most like one wijk on one theme, and what they were compared on."""

    found: pd.DataFrame  # code, name, gemeente_name, distance
    used: list[tuple[Indicator, int]] = field(default_factory=list)  # indicator, year


def similarity_matrix(db: Store, theme: str, indeling: int
                      ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Wijken (of one indeling) × rate/share indicators of a theme, the latest wijk-level
    year of each; absolute counts are left out, and so are figures of a code on another
    indeling that covers another area. Also the year used per indicator."""
    available = db.available()
    wijk = available[available["level"] == "wijk"]
    columns: dict[str, pd.Series] = {}
    years: dict[str, int] = {}
    for indicator in db.indicators_for(theme):
        if indicator.aggregation == "sum":
            continue
        have = wijk.loc[wijk["indicator_id"] == indicator.id, "year"]
        if have.empty:
            continue
        year = int(have.max())
        frame = db.values(indicator.id, year, "wijk")
        on = db.indeling(indicator.id, year, "wijk")
        if on is not None and on != indeling:
            same = [db.same_area(c, on, indeling) for c in frame["code"]]
            frame = frame[pd.Series(same, index=frame.index, dtype=bool)]
        columns[indicator.id] = frame.set_index("code")["value"]
        years[indicator.id] = year
    return pd.DataFrame(columns), years


def similar_wijken(db: Store, subject: Subject, theme: str, k: int = 5) -> Similar:
    matrix, years = similarity_matrix(db, theme, subject.year)
    result = similar_regions(matrix, subject.code, k=k)
    names = db.regions(subject.year, "wijk").set_index("code")
    found = result.assign(
        name=[names.at[c, "name"] if c in names.index else c for c in result["code"]],
        gemeente_name=[names.at[c, "gemeente_name"] if c in names.index else ""
                       for c in result["code"]],
    )
    used = [(db.indicators[i], years[i]) for i in result.attrs.get("indicators", [])]
    return Similar(found, used)
