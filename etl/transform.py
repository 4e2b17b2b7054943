"""Transform: pure functions from raw CBS tables to clean regions and observations.

Nothing here does I/O. Every function takes data frames (or plain lists of dicts as
CBS replies them) and returns new data frames, so each step can be tested alone.

Each table's region codes belong to one indeling, read from the ``MapYear`` of its region
dimension (a police table reports 2021 on the 2024 indeling). An observation keeps both
the period (``year``) and that indeling (``region_year``). A share or rate whose numerator
and denominator come from two indelingen is computed only for codes that are the same area
in both; every value that is not stored for a reason gets that reason as a *gap*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from core.catalogue import Catalogue, CatalogueError, Indicator, Series
from core.regions import LAND_CODE, display_name, gemeente_of, normalise_code, region_level
from etl.errors import SourceDataError

if TYPE_CHECKING:  # the raw tables extract hands over; transform itself does no I/O
    from etl.extract import Fetched, RawTable

SENTINEL_MAX = -99990  # PDOK/CBS negative codes (-99995, -99997, -99999999) mean "missing"
_KEY_SUFFIX = re.compile(r"_\d+$")


# ------------------------------------------------------------------------ cleaning
def strip_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip the padding CBS puts around codes and names ("GM0363    ")."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: v.strip() if isinstance(v, str) else v)
    return out


def to_number(values: pd.Series) -> pd.Series:
    """Numbers with CBS/PDOK missing codes made missing (never 0).

    Accepts typed values (null → NaN) and untyped strings as the UntypedDataSet and
    StatLine CSV give them: padded, with "." (and "x", "-", "") for unknown or secret.
    """
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.map(lambda v: v.strip() if isinstance(v, str) else v)
        numbers = pd.to_numeric(text.replace({".": None, "x": None, "-": None, "": None}),
                                errors="coerce")
    else:
        numbers = pd.to_numeric(values, errors="coerce")
    numbers = numbers.astype("float64")
    return numbers.mask(numbers <= SENTINEL_MAX)


# ------------------------------------------------------------------- key resolution
def key_stem(key: str) -> str:
    """'GemiddeldInkomenPerInwoner_83' → 'GemiddeldInkomenPerInwoner'."""
    return _KEY_SUFFIX.sub("", key)


@dataclass(frozen=True)
class StemIndex:
    """Stems of a table's topics, resolved from its DataProperties."""

    keys: dict[str, str]
    ambiguous: frozenset[str] = frozenset()
    units: dict[str, str | None] = field(default_factory=dict)  # stem → Unit as declared

    def resolve(self, stem: str) -> str | None:
        return self.keys.get(stem)


def resolve_stems(properties: list[dict[str, Any]]) -> StemIndex:
    """Map each topic's key stem to its key; stems used twice are ambiguous, not guessed."""
    seen: dict[str, list[str]] = {}
    units: dict[str, str | None] = {}
    for prop in properties:
        if prop.get("Type") != "Topic" or not prop.get("Key"):
            continue
        seen.setdefault(key_stem(prop["Key"]), []).append(prop["Key"])
        units[key_stem(prop["Key"])] = prop.get("Unit")
    keys = {stem: found[0] for stem, found in seen.items() if len(found) == 1}
    ambiguous = frozenset(stem for stem, found in seen.items() if len(found) > 1)
    return StemIndex(keys=keys, ambiguous=ambiguous,
                     units={stem: units[stem] for stem in keys})


def normal_unit(unit: str | None) -> str | None:
    """'per 1 000  inwoners ' → 'per 1 000 inwoners' (None where none is declared)."""
    if not unit or not str(unit).strip():
        return None
    return " ".join(str(unit).split()).casefold()


def table_indeling(properties: list[dict[str, Any]], table: str,
                   default: int | None = None) -> int:
    """The indeling a table's region codes belong to: the ``MapYear`` of its region
    dimension (GeoDimension or GeoDetail). ``default`` only where a table declares none
    (a KWB table is on its own year's indeling by definition)."""
    for prop in properties:
        if prop.get("Type") in ("GeoDimension", "GeoDetail") and prop.get("MapYear"):
            return int(prop["MapYear"])
    if default is not None:
        return default
    raise SourceDataError(
        f"{table}: its region dimension declares no MapYear, so its region codes cannot be "
        "placed in an indeling", (table,))


def period_year(period: str) -> int | None:
    """'2024JJ00' → 2024; months and quarters are not years → None."""
    period = period.strip()
    if re.fullmatch(r"\d{4}JJ00", period):
        return int(period[:4])
    return None


# -------------------------------------------------------------- duplicate rows
def without_duplicates(frame: pd.DataFrame, keys: list[str], table: str, period: str,
                       names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per ``keys`` (region, and period or offence). Rows that repeat another
    exactly are dropped; rows that contradict it (same region and period, different values)
    fail the run: no silent first-wins."""
    dup = frame.duplicated(keys, keep=False)
    if not dup.any():
        return frame
    part = frame[dup]
    values = [c for c in frame.columns if c not in keys]
    differing = part.groupby(keys, dropna=False)[values].nunique(dropna=False) > 1
    bad = differing[differing.any(axis=1)]
    if len(bad):
        where, columns = bad.index[0], bad.columns[bad.iloc[0].to_numpy()]
        where = where if isinstance(where, tuple) else (where,)
        rows = part[(part[keys] == pd.Series(where, index=keys)).all(axis=1)]
        column = columns[0]
        seen = " and ".join(f"{v:g}" if isinstance(v, float) else str(v)
                            for v in rows[column].tolist())
        key = (names or {}).get(column, column)
        raise SourceDataError(
            f"{table}: {len(rows)} rows for {' '.join(map(str, where))} ({period}) with "
            f"different values: {key} = {seen}"
            + (f"; {len(bad)} such regions in all" if len(bad) > 1 else ""),
            (table,),
        )
    return frame.drop_duplicates(keys, keep="first")


# ----------------------------------------------------------------- source frames
@dataclass
class SourceFrame:
    """One source's numbers for one period: rows are region codes (of the table's indeling),
    columns are stems."""

    source: str
    table: str
    year: int  # the period
    values: pd.DataFrame
    keys: dict[str, str]  # stem (or stem@offence) → key as the table spells it
    missing_keys: dict[str, str] = field(default_factory=dict)  # stem → why it has no values
    resolved: frozenset[str] = frozenset()  # stems the table's DataProperties define
    indeling: int | None = None  # the indeling of its region codes; None: its own year
    units: dict[str, str | None] = field(default_factory=dict)  # stem → declared unit

    @property
    def region_year(self) -> int:
        return self.year if self.indeling is None else self.indeling


def _code_column(frame: pd.DataFrame) -> pd.Series:
    # cbsodata.get_data would have replaced WijkenEnBuurten by titles; the typed set
    # keeps the key, and KWB also has Codering_3.
    source = frame["WijkenEnBuurten"] if "WijkenEnBuurten" in frame else frame["Codering_3"]
    return source.astype(str).map(normalise_code)


def kwb_frame(
    table: str, year: int, properties: list[dict[str, Any]], rows: pd.DataFrame,
    indeling: int | None = None,
) -> SourceFrame:
    """The KWB TypedDataSet of one year as numbers per region, columns named by stem."""
    index = resolve_stems(properties)
    codes = _code_column(rows)
    columns: dict[str, pd.Series] = {}
    keys: dict[str, str] = {}
    missing: dict[str, str] = {}
    for stem, key in index.keys.items():
        if key in ("Gemeentenaam_1", "SoortRegio_2", "Codering_3"):
            continue
        if key not in rows.columns:
            missing[stem] = f"{key} is in the DataProperties of {table} but not in its data"
            continue
        columns[stem] = to_number(rows[key]).set_axis(codes)
        keys[stem] = key
    for stem in index.ambiguous:
        missing[stem] = f"stem {stem} is ambiguous in {table}"
    values = pd.DataFrame(columns, index=pd.Index(codes, name="region_code"))
    if values.index.duplicated().any():
        values = without_duplicates(values.reset_index(), ["region_code"], table, str(year),
                                    {stem: key for stem, key in keys.items()}
                                    ).set_index("region_code")
    return SourceFrame("kwb", table, year, values, keys, missing, frozenset(index.keys),
                       indeling, index.units)


def police_frames(
    table: str, properties: list[dict[str, Any]], rows: pd.DataFrame,
    indeling: int | None = None,
) -> dict[int, SourceFrame]:
    """Registered crimes per region and year; columns 'stem@offence'. Every period is on
    the table's one indeling."""
    index = resolve_stems(properties)
    frames: dict[int, SourceFrame] = {}
    if rows.empty:
        return frames
    work = pd.DataFrame(
        {
            "region_code": _code_column(rows),
            "year": rows["Perioden"].astype(str).map(period_year),
            "offence": rows["SoortMisdrijf"].astype(str).str.strip(),
        }
    )
    measures = {stem: key for stem, key in index.keys.items() if key in rows.columns}
    for stem, key in measures.items():
        work[stem] = to_number(rows[key])
    work = work.dropna(subset=["year"])
    work = without_duplicates(work, ["region_code", "year", "offence"], table,
                              "per period and offence", measures)
    for year, part in work.groupby("year", sort=True):
        wide = part.pivot_table(
            index="region_code", columns="offence", values=list(measures), aggfunc="first"
        )
        wide.columns = [f"{stem}@{offence}" for stem, offence in wide.columns]
        keys = {col: measures[col.split("@")[0]] for col in wide.columns}
        frames[int(year)] = SourceFrame(
            "politie", table, int(year), wide, keys, resolved=frozenset(index.keys),
            indeling=indeling, units=index.units,
        )
    return frames


def pick_dimension_key(dimension: list[dict[str, Any]], *titles: str) -> str | None:
    """The key of the dimension member whose title matches one of the given titles."""
    wanted = {t.lower() for t in titles}
    for member in dimension:
        if str(member.get("Title", "")).strip().lower() in wanted:
            return str(member["Key"]).strip()
    return None


def rivm_frames(
    table: str,
    properties: list[dict[str, Any]],
    rows: pd.DataFrame,
    age_key: str | None,
    margin_key: str | None,
    indeling: int | None = None,
) -> dict[int, SourceFrame]:
    """RIVM health estimates for adults (18+), point estimates, per region and year."""
    index = resolve_stems(properties)
    frames: dict[int, SourceFrame] = {}
    if rows.empty:
        return frames
    mask = pd.Series(True, index=rows.index)
    if age_key is not None and "Leeftijd" in rows:
        mask &= rows["Leeftijd"].astype(str).str.strip() == age_key
    if margin_key is not None and "Marges" in rows:
        mask &= rows["Marges"].astype(str).str.strip() == margin_key
    rows = rows[mask]
    years = rows["Perioden"].astype(str).map(period_year)
    codes = _code_column(rows)
    topics = {
        stem: key
        for stem, key in index.keys.items()
        if key in rows.columns and key not in ("Gemeentenaam_1", "SoortRegio_2", "Codering_3")
    }
    for year in sorted(y for y in years.dropna().unique()):
        sel = years == year
        values = pd.DataFrame(
            {stem: to_number(rows.loc[sel, key]).to_numpy() for stem, key in topics.items()},
            index=pd.Index(codes[sel].to_numpy(), name="region_code"),
        )
        if values.index.duplicated().any():
            values = without_duplicates(values.reset_index(), ["region_code"], table,
                                        str(int(year)), topics).set_index("region_code")
        frames[int(year)] = SourceFrame(
            "rivm", table, int(year), values, dict(topics), resolved=frozenset(index.keys),
            indeling=indeling, units=index.units,
        )
    return frames


# ---------------------------------------------------------------------- geography
@dataclass(frozen=True)
class Geography:
    """What arithmetic needs to know about the indelingen: the gemeenten of each (for
    national totals from complete coverage) and which codes are the same area in two."""

    gemeenten: dict[int, frozenset[str]] = field(default_factory=dict)
    #: (a, b) → the codes that cover the same area in indelingen a and b (a < b)
    same: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)

    def same_area_codes(self, a: int, b: int) -> frozenset[str] | None:
        """Codes that are the same area in ``a`` and ``b`` (None: every code, a == b)."""
        if a == b:
            return None
        return self.same.get((min(a, b), max(a, b)), frozenset()) | {LAND_CODE}


def _isin(index: pd.Index, codes: frozenset[str] | set[str]) -> np.ndarray:
    # Membership by Python set: pandas' isin on Arrow strings builds a scalar per value.
    values = index.to_numpy(dtype=object)
    return np.fromiter((code in codes for code in values), dtype=bool, count=len(values))


def geography_of(regions: pd.DataFrame,
                 same: dict[tuple[int, int], frozenset[str]] | None = None) -> Geography:
    gm = regions[regions["level"] == "gemeente"]
    gemeenten = {int(y): frozenset(part["code"]) for y, part in gm.groupby("year")}
    return Geography(gemeenten, same or {})


# -------------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Availability:
    indicator_id: str
    year: int
    series: int | None
    status: str  # "ok", "empty" or "unavailable"
    source_table: str | None
    source_keys: str | None
    reason: str | None
    n_values: int = 0
    region_year: int | None = None  # the indeling of the values
    n_withheld: int = 0  # regions with a gap (see gaps)
    national: str | None = field(default=None, compare=False)  # how NL00 was computed
    gaps: pd.DataFrame | None = field(default=None, compare=False, repr=False)


AVAILABILITY_COLUMNS = ["indicator_id", "year", "series", "status", "source_table",
                        "source_keys", "reason", "n_values", "region_year", "n_withheld"]
GAP_COLUMNS = ["year", "region_year", "region_code", "indicator_id", "reason", "note_nl",
               "note_en"]


def _stem_columns(frame: SourceFrame, stems: tuple[str, ...], offence: str | None) -> list[str]:
    return [f"{s}@{offence}" if offence is not None else s for s in stems]


def _why_missing(frame: SourceFrame, column: str) -> str:
    """Why a column that the DataProperties define has no values in this frame."""
    stem = column.split("@")[0]
    if stem in frame.missing_keys:
        return frame.missing_keys[stem]
    if "@" in column:
        return f"offence {column.split('@')[1]} not in {frame.table} for {frame.year}"
    return f"{stem} has no values in {frame.table} for {frame.year}"


def _columns(frame: SourceFrame, columns: list[str]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The needed columns (all-missing where the table defines a key but has no values),
    the keys as the table spells them, and notes on what had no values."""
    data = frame.values.reindex(columns=columns)
    keys, notes = [], []
    for col in columns:
        stem = col.split("@")[0]
        key = frame.keys.get(col) or frame.keys.get(stem) or stem
        keys.append(key + (f"[{col.split('@')[1]}]" if "@" in col else ""))
        if col not in frame.values.columns:
            notes.append(_why_missing(frame, col))
    return data, keys, notes


def sum_columns(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Row sums that stay missing when any part is missing (a partial sum is wrong)."""
    return frame[columns].sum(axis=1, min_count=len(columns)).where(
        frame[columns].notna().all(axis=1)
    )


def apply_formula(series: Series, numerator: pd.Series, denominator: pd.Series | None) -> pd.Series:
    """Compute a series' values from its (already summed) numerator and denominator."""
    if series.formula in ("value", "sum"):
        return numerator
    assert denominator is not None
    denominator = denominator.reindex(numerator.index)
    scale = 100.0 if series.formula == "share" else 1000.0
    valid = denominator > 0
    return (numerator / denominator.where(valid) * scale).astype("float64")


def with_national_total(values: pd.Series, gemeenten: frozenset[str]) -> tuple[pd.Series, int]:
    """A count series with NL00 as published or, where it is not, as the sum over every
    gemeente of the indeling when each has a value; also how many gemeenten were summed
    (0: NL00 as it was)."""
    if LAND_CODE in values.index and pd.notna(values.get(LAND_CODE)):
        return values, 0
    if not gemeenten:
        return values, 0
    part = values.reindex(sorted(gemeenten))
    if part.isna().any():
        return values, 0
    out = values.drop(LAND_CODE, errors="ignore")
    out = pd.concat([out, pd.Series([float(part.sum())], index=[LAND_CODE])])
    return out.rename_axis(values.index.name), len(gemeenten)


def _check_units(indicator: Indicator, frame: SourceFrame, stems: tuple[str, ...],
                 expected: str, role: str) -> None:
    """Units as declared: a key whose DataProperties name another unit than the catalogue
    expects would be read as something it is not."""
    for stem in stems:
        unit = normal_unit(frame.units.get(stem))
        if unit is not None and unit != normal_unit(expected):
            key = frame.keys.get(stem, stem)
            raise SourceDataError(
                f"unit: {indicator.id} {frame.year}: {frame.table} {key} ({role}) is in "
                f"{frame.units.get(stem)!r}, the catalogue expects {expected!r}",
                (frame.table,),
            )


def _is_published(series: Series, frame: SourceFrame) -> bool:
    """Whether the table publishes the share or rate itself under the numerator's stem
    (its unit is % or "per 1 000 …"): then CBS's figure is used, not a computed one."""
    if series.formula not in ("share", "per_1000") or len(series.numerator) != 1:
        return False
    unit = normal_unit(frame.units.get(series.numerator[0])) or ""
    return unit == "%" if series.formula == "share" else unit.startswith("per 1 000")


def _gap_rows(codes: list[str], year: int, region_year: int, indicator_id: str, reason: str,
              notes: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "year": year, "region_year": region_year, "region_code": codes,
        "indicator_id": indicator_id, "reason": reason,
        "note_nl": [n for n, _ in notes], "note_en": [e for _, e in notes],
    }, columns=GAP_COLUMNS)


def compute_indicator_year(
    indicator: Indicator,
    year: int,
    frames: dict[tuple[str, int], SourceFrame],
    geography: Geography | None = None,
) -> tuple[pd.DataFrame, Availability]:
    """Values of one indicator in one year, and a note saying what happened (with the
    regions whose value was withheld, and why, in ``note.gaps``)."""
    geography = geography or Geography()
    found = indicator.series_for(year)
    empty = pd.DataFrame(columns=["region_code", "value"])
    if found is None:
        return empty, Availability(
            indicator.id, year, None, "unavailable", None, None, "no series covers this year"
        )
    number, series = found
    source = frames.get((series.source, year))
    if source is None:
        return empty, Availability(
            indicator.id, year, number, "unavailable", None, None,
            f"no {series.source} table for {year}",
        )
    region_year = source.region_year
    num_cols = _stem_columns(source, series.numerator, series.offence)
    unresolved = [c for c in series.numerator if c not in source.resolved]
    if unresolved:
        return empty, Availability(
            indicator.id, year, number, "unavailable", source.table, None,
            f"key stem {unresolved[0]} not in the DataProperties of {source.table}",
            region_year=region_year,
        )
    num_data, keys, notes = _columns(source, num_cols)
    numerator = sum_columns(num_data, num_cols)
    counts = series.formula in ("sum", "share", "per_1000") or indicator.aggregation == "sum"
    published = _is_published(series, source)
    if series.formula == "value" and not published:
        _check_units(indicator, source, series.numerator, indicator.unit.nl, "value")
    elif not published:
        _check_units(indicator, source, series.numerator, "aantal", "numerator")
    summed = 0
    if counts and not published:
        numerator, summed = with_national_total(
            numerator, geography.gemeenten.get(region_year, frozenset()))
    gaps: list[pd.DataFrame] = []
    if published:
        values = numerator
        keys_text = f"{'+'.join(keys)} (published by CBS)"
    elif series.denominator:
        den_frame = frames.get((series.effective_denominator_source, year))
        if den_frame is None:
            return empty, Availability(
                indicator.id, year, number, "unavailable", source.table, None,
                f"no {series.effective_denominator_source} table for {year} (denominator)",
                region_year=region_year,
            )
        den_cols = list(series.denominator)
        unresolved = [c for c in den_cols if c not in den_frame.resolved]
        if unresolved:
            return empty, Availability(
                indicator.id, year, number, "unavailable", source.table, None,
                f"key stem {unresolved[0]} not in the DataProperties of {den_frame.table}",
                region_year=region_year,
            )
        _check_units(indicator, den_frame, series.denominator, "aantal", "denominator")
        den_data, den_keys, den_notes = _columns(den_frame, den_cols)
        notes += den_notes
        denominator, den_summed = with_national_total(
            sum_columns(den_data, den_cols),
            geography.gemeenten.get(den_frame.region_year, frozenset()))
        summed = summed or den_summed
        keys_text = f"({'+'.join(keys)})/({'+'.join(den_keys)})"
        numerator, other = _same_geography(numerator, denominator, source, den_frame, geography)
        if other:
            gaps.append(_gap_rows(
                other, year, region_year, indicator.id, "other_area",
                [(f"Niet berekend: de teller ({source.table}) telt op de indeling van "
                  f"{source.region_year}, de noemer ({den_frame.table}) op die van "
                  f"{den_frame.region_year}, en daarin is {code} niet hetzelfde gebied.",
                  f"Not computed: the numerator ({source.table}) is on the "
                  f"{source.region_year} indeling, the denominator ({den_frame.table}) on the "
                  f"{den_frame.region_year} one, and {code} is not the same area in both.")
                 for code in other]))
        numerator, small = _enough_denominator(numerator, denominator, series)
        if len(small):
            least = series.effective_min_denominator
            gaps.append(_gap_rows(
                list(small.index), year, region_year, indicator.id, "small_denominator",
                [(f"Niet getoond: de noemer is {d:,.0f}, minder dan {least}; CBS rondt kleine "
                  "aantallen af op 5, dus het cijfer zegt dan vooral iets over de afronding."
                  .replace(",", "."),
                  f"Not shown: the denominator is {d:,.0f}, less than {least}; CBS rounds "
                  "small counts to 5, so the figure would mostly show the rounding.")
                 for d in small]))
        values = apply_formula(series, numerator, denominator)
    else:
        values = numerator
        keys_text = "+".join(keys)
    values = values.replace([np.inf, -np.inf], np.nan).dropna()
    if indicator.is_percentage and series.formula == "share" and not published:
        # Shares of two CBS-rounded counts can pass 100 in tiny areas: not a real value.
        values = values[(values >= 0) & (values <= 100)]
    out = pd.DataFrame({"region_code": values.index.astype(str), "value": values.to_numpy()})
    status = "ok" if len(out) else "empty"
    reason = None
    if not len(out):
        reason = notes[0] if notes else f"{keys_text} has no values in {source.table} for {year}"
    gap_frame = pd.concat(gaps, ignore_index=True) if gaps else None
    national = (f"NL00 = sum over the {summed} gemeenten of the {region_year} indeling"
                if summed and LAND_CODE in set(out["region_code"]) else None)
    return out, Availability(
        indicator.id, year, number, status, source.table, keys_text, reason, len(out),
        region_year, 0 if gap_frame is None else len(gap_frame), national, gap_frame,
    )


def _same_geography(numerator: pd.Series, denominator: pd.Series, source: SourceFrame,
                    den_frame: SourceFrame, geography: Geography
                    ) -> tuple[pd.Series, list[str]]:
    """The numerator kept to codes that are the same area in its indeling and the
    denominator's; and the codes (with both values) that are not."""
    same = geography.same_area_codes(den_frame.region_year, source.region_year)
    if same is None:
        return numerator, []
    keep = _isin(numerator.index, same)
    both = numerator.notna() & _isin(numerator.index, set(denominator.dropna().index))
    other = sorted(numerator.index[both & ~keep])
    return numerator[keep], other


def _enough_denominator(numerator: pd.Series, denominator: pd.Series, series: Series
                        ) -> tuple[pd.Series, pd.Series]:
    """The numerator kept to regions whose denominator reaches the series' minimum, and the
    denominators of those it withholds (small numbers; NL00 is never small)."""
    least = series.effective_min_denominator
    if least is None:
        return numerator, pd.Series(dtype="float64")
    den = denominator.reindex(numerator.index)
    small = numerator.notna() & den.notna() & (den > 0) & (den < least)
    small &= numerator.index != LAND_CODE
    return numerator[~small], den[small]


class Computed(NamedTuple):
    observations: pd.DataFrame
    availability: pd.DataFrame
    gaps: pd.DataFrame


OBSERVATION_COLUMNS = [
    "year", "region_year", "region_code", "indicator_id", "value", "series", "source_table",
    "source_key",
]


def build_observations(
    catalogue: Catalogue,
    frames: dict[tuple[str, int], SourceFrame],
    years: tuple[int, ...],
    geography: Geography | None = None,
) -> Computed:
    """All observations (long format), one availability row per indicator and year, and
    the gaps: values withheld for a region, with the reason."""
    geography = geography or Geography()
    parts: list[pd.DataFrame] = []
    notes: list[Availability] = []
    gaps: list[pd.DataFrame] = []
    for indicator in catalogue.indicators:
        for year in years:
            values, note = compute_indicator_year(indicator, year, frames, geography)
            notes.append(note)
            if note.gaps is not None:
                gaps.append(note.gaps)
            if len(values):
                source_key = pd.Series(note.source_keys, index=values.index, dtype=object)
                if note.national:
                    source_key[values["region_code"] == LAND_CODE] += f"; {note.national}"
                values = values.assign(
                    year=year,
                    region_year=note.region_year,
                    indicator_id=indicator.id,
                    series=note.series,
                    source_table=note.source_table,
                    source_key=source_key,
                )
                parts.append(values)
    observations = (
        pd.concat(parts, ignore_index=True)[OBSERVATION_COLUMNS]
        if parts
        else pd.DataFrame(columns=OBSERVATION_COLUMNS)
    )
    observations = observations.astype(
        {"year": "int32", "region_year": "int32", "series": "int16", "value": "float64"}
    )
    availability = pd.DataFrame(
        [{k: getattr(n, k) for k in AVAILABILITY_COLUMNS} for n in notes],
        columns=AVAILABILITY_COLUMNS,
    )
    observations, availability = add_national_means(observations, availability, catalogue,
                                                    geography)
    observations = observations.sort_values(["year", "indicator_id", "region_code"])
    gap_frame = (pd.concat(gaps, ignore_index=True) if gaps
                 else pd.DataFrame(columns=GAP_COLUMNS))
    gap_frame = gap_frame.astype({"year": "int32", "region_year": "int32"})
    return Computed(observations.reset_index(drop=True), availability, gap_frame)


def add_national_means(
    observations: pd.DataFrame, availability: pd.DataFrame, catalogue: Catalogue,
    geography: Geography,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NL00 for weighted means that CBS does not publish: the mean over every gemeente of
    the indeling, weighted by the indicator's weight, where each gemeente has both."""
    if observations.empty:
        return observations, availability
    have_nl = set(zip(observations.loc[observations["region_code"] == LAND_CODE,
                                       "indicator_id"],
                      observations.loc[observations["region_code"] == LAND_CODE, "year"],
                      strict=True))
    by_key = {key: part for key, part in observations.groupby(["indicator_id", "year"])}
    added: list[dict[str, Any]] = []
    for indicator in catalogue.indicators:
        if indicator.aggregation != "weighted_mean" or indicator.weight is None:
            continue
        for (ind_id, year), part in by_key.items():
            if ind_id != indicator.id or (ind_id, year) in have_nl:
                continue
            region_year = int(part["region_year"].iloc[0])
            weights = by_key.get((indicator.weight, year))
            gemeenten = sorted(geography.gemeenten.get(region_year, ()))
            if weights is None or not gemeenten:
                continue
            weights = weights[weights["region_year"] == region_year]
            v = part.set_index("region_code")["value"].reindex(gemeenten)
            w = weights.set_index("region_code")["value"].reindex(gemeenten)
            if v.isna().any() or w.isna().any() or w.sum() <= 0:
                continue
            first = part.iloc[0]
            added.append({
                "year": year, "region_year": region_year, "region_code": LAND_CODE,
                "indicator_id": ind_id, "value": float((v * w).sum() / w.sum()),
                "series": first["series"], "source_table": first["source_table"],
                "source_key": f"{first['source_key']}; NL00 = mean over the {len(gemeenten)} "
                              f"gemeenten of the {region_year} indeling, weighted by "
                              f"{indicator.weight}",
            })
    if not added:
        return observations, availability
    extra = pd.DataFrame(added, columns=OBSERVATION_COLUMNS).astype(observations.dtypes)
    counted = extra.groupby(["indicator_id", "year"]).size()
    availability = availability.copy()
    key = list(zip(availability["indicator_id"], availability["year"], strict=True))
    availability["n_values"] += [int(counted.get(k, 0)) for k in key]
    return pd.concat([observations, extra], ignore_index=True), availability


def unresolved_indicators(availability: pd.DataFrame) -> list[str]:
    """Catalogue entries that resolved in no year at all (a catalogue error)."""
    resolved = availability[availability["status"] != "unavailable"]["indicator_id"]
    return sorted(set(availability["indicator_id"]) - set(resolved))


# ------------------------------------------------------------------------ regions
REGION_COLUMNS = ["year", "code", "level", "name", "gemeente_code"]


def regions_from_dimension(
    year: int, members: list[dict[str, Any]], priority: int
) -> pd.DataFrame:
    """Region rows of one indeling (``year``) from a WijkenEnBuurten dimension."""
    rows = []
    for member in members:
        code = normalise_code(str(member["Key"]))
        level = region_level(code)
        if level is None:
            continue
        name = display_name(member.get("Title"), code)
        if name is not None and name.upper() == code:
            name = None  # some third-party tables title regions by their code
        rows.append((year, code, level, name, gemeente_of(code), priority))
    return pd.DataFrame(rows, columns=[*REGION_COLUMNS, "priority"])


def combine_regions(candidates: list[pd.DataFrame], gemeente_names: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """One row per (indeling, code), the Netherlands in every indeling; the best name wins,
    gaps filled from the same code's name in the nearest other indeling."""
    if not candidates:
        return pd.DataFrame(columns=REGION_COLUMNS)
    allrows = pd.concat(candidates, ignore_index=True)
    years = sorted(allrows["year"].unique())
    land = pd.DataFrame({"year": years, "code": LAND_CODE, "level": "land",
                         "name": "Nederland", "gemeente_code": None, "priority": 99})
    allrows = pd.concat([allrows, land], ignore_index=True)
    allrows = allrows.sort_values(["year", "code", "priority"], kind="stable")
    named = allrows.dropna(subset=["name"]).drop_duplicates(["year", "code"])
    regions = allrows.drop_duplicates(["year", "code"])[["year", "code", "level", "gemeente_code"]]
    regions = regions.merge(named[["year", "code", "name"]], on=["year", "code"], how="left")
    if regions["name"].isna().any():
        by_code = named[["year", "code", "name"]].rename(columns={"year": "name_year"})
        gaps = regions[regions["name"].isna()][["year", "code"]].merge(by_code, on="code")
        if len(gaps):
            gaps["distance"] = (gaps["year"] - gaps["name_year"]).abs()
            best = gaps.sort_values(["year", "code", "distance", "name_year"], ascending=[
                True, True, True, False]).drop_duplicates(["year", "code"])
            fill = best.set_index(["year", "code"])["name"]
            key = pd.MultiIndex.from_frame(regions[["year", "code"]])
            regions["name"] = regions["name"].fillna(pd.Series(fill.reindex(key).to_numpy(),
                                                               index=regions.index))
    regions["name"] = regions["name"].fillna(regions["code"])
    regions.loc[regions["level"] == "land", "name"] = "Nederland"
    regions["year"] = regions["year"].astype("int32")
    return regions[REGION_COLUMNS].sort_values(["year", "code"]).reset_index(drop=True)


def drop_unobserved_orphans(
    regions: pd.DataFrame, observations: pd.DataFrame
) -> pd.DataFrame:
    """Wijken/buurten whose gemeente no source lists in that indeling, and that carry no
    data, are noise from a boundary layer: leave them out."""
    gm = regions.loc[regions["level"] == "gemeente", ["year", "code"]]
    homed = pd.MultiIndex.from_frame(regions[["year", "gemeente_code"]]).isin(
        pd.MultiIndex.from_frame(gm))
    observed = pd.MultiIndex.from_frame(regions[["year", "code"]]).isin(
        pd.MultiIndex.from_frame(observations[["region_year", "region_code"]].drop_duplicates()))
    keep = regions["level"].isin(["land", "gemeente"]).to_numpy() | homed | observed
    return regions[keep].reset_index(drop=True)


# ------------------------------------------------------------ steps over raw tables
@dataclass
class SourceFrames:
    """What the source tables of a run give: numbers per (source, period), region rows from
    the tables' region dimensions (on each table's indeling), why sources are absent, and
    provenance per table."""

    frames: dict[tuple[str, int], SourceFrame] = field(default_factory=dict)
    regions: list[pd.DataFrame] = field(default_factory=list)
    absent: dict[tuple[str, int], str] = field(default_factory=dict)
    notes: dict[str, str | None] = field(default_factory=dict)  # table → provenance note
    indelingen: dict[str, int] = field(default_factory=dict)  # table → its indeling
    warnings: list[str] = field(default_factory=list)  # for the person running the ETL

    def merge(self, other: SourceFrames) -> SourceFrames:
        return SourceFrames(
            {**self.frames, **other.frames},
            [*self.regions, *other.regions],
            {**self.absent, **other.absent},
            {**self.notes, **other.notes},
            {**self.indelingen, **other.indelingen},
            [*self.warnings, *other.warnings],
        )


def _is_raw(fetched: Fetched) -> bool:
    return hasattr(fetched, "data")


def kwb_source_frames(kwb: dict[int, Fetched]) -> SourceFrames:
    """One frame per KWB year, and the regions of its indeling from its dimension."""
    out = SourceFrames()
    for year, fetched in kwb.items():
        if not _is_raw(fetched):
            # Where it was looked for (URL, mirror) is in etl_run; here only what it means.
            out.absent[("kwb", year)] = f"{fetched.ref.table} not available (not published)"
            continue
        raw: RawTable = fetched  # type: ignore[assignment]
        indeling = table_indeling(raw.properties, raw.ref.table, default=year)
        out.frames[("kwb", year)] = kwb_frame(raw.ref.table, year, raw.properties, raw.data,
                                              indeling)
        out.regions.append(
            regions_from_dimension(indeling, raw.dimensions.get("WijkenEnBuurten", []), 1)
        )
        out.notes[raw.ref.table] = None
        out.indelingen[raw.ref.table] = indeling
    return out


def police_source_frames(police: list[Fetched], years: tuple[int, ...]) -> SourceFrames:
    """Registered crime per period, every period on the table's own indeling."""
    out = SourceFrames()
    for fetched in police:
        if not _is_raw(fetched):
            for year in years:
                out.absent[("politie", year)] = f"{fetched.ref.table} not available"
            continue
        raw: RawTable = fetched  # type: ignore[assignment]
        table = raw.ref.table
        indeling = table_indeling(raw.properties, table)
        out.indelingen[table] = indeling
        frames = police_frames(table, raw.properties, raw.data, indeling)
        kept = {year: frame for year, frame in frames.items() if year in years}
        out.frames.update({("politie", year): frame for year, frame in kept.items()})
        if kept:
            out.regions.append(
                regions_from_dimension(indeling, raw.dimensions.get("WijkenEnBuurten", []), 2))
        out.notes[table] = f"periods {sorted(frames)} on the {indeling} indeling"
    return out


def rivm_source_frames(rivm: list[Fetched], years: tuple[int, ...]) -> SourceFrames:
    """RIVM health estimates of adults (18+, point estimates) from the newest edition."""
    out = SourceFrames()
    for fetched in rivm:
        if not _is_raw(fetched):
            continue
        raw: RawTable = fetched  # type: ignore[assignment]
        table = raw.ref.table
        indeling = table_indeling(raw.properties, table)
        out.indelingen[table] = indeling
        age = pick_dimension_key(
            raw.dimensions.get("Leeftijd", []), "18 jaar of ouder", "18 jaar en ouder"
        )
        margin = pick_dimension_key(raw.dimensions.get("Marges", []), "Waarde")
        frames = rivm_frames(table, raw.properties, raw.data, age, margin, indeling)
        kept = {year: frame for year, frame in frames.items() if year in years}
        out.frames.update({("rivm", year): frame for year, frame in kept.items()})
        if kept:
            out.regions.append(
                regions_from_dimension(indeling, raw.dimensions.get("WijkenEnBuurten", []), 3))
        out.notes[table] = (f"periods {sorted(frames)} on the {indeling} indeling; "
                            f"18+ {age}, {margin}")
        break
    return out


def require_resolved(availability: pd.DataFrame, every_year: bool = True) -> list[str]:
    """A catalogue entry that resolves in no year of any available table is an error when
    the run covers every year; a run over some years cannot tell a typo from a topic those
    years lack, so then the entries are only returned (to be reported)."""
    unresolved = unresolved_indicators(availability)
    if unresolved and every_year:
        raise CatalogueError(
            "these catalogue entries resolve in no year of any available table: "
            + ", ".join(unresolved)
        )
    return unresolved


def explain_absence(
    availability: pd.DataFrame, catalogue: Catalogue, absent: dict[tuple[str, int], str]
) -> pd.DataFrame:
    """Say *why* an indicator-year is unavailable: a source table the service lacks wins
    over the generic reason."""

    def reason(row: Any) -> Any:
        if row.status != "unavailable" or row.series is None or pd.isna(row.series):
            return row.reason
        series = catalogue.by_id[row.indicator_id].series[int(row.series)]
        if (series.source, row.year) in absent:
            return absent[(series.source, row.year)]
        if row.reason and row.reason.startswith(f"no {series.source} table"):
            return row.reason  # the numerator's own source lacks the year: say that first
        if (series.effective_denominator_source, row.year) in absent:
            return absent[(series.effective_denominator_source, row.year)]
        return row.reason

    out = availability.copy()
    out["reason"] = [reason(row) for row in availability.itertuples()]
    return out
