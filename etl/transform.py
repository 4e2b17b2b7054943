"""Transform: pure functions from raw CBS tables to clean regions and observations.

Nothing here does I/O. Every function takes data frames (or plain lists of dicts as
CBS replies them) and returns new data frames, so each step can be tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.catalogue import Catalogue, CatalogueError, Indicator, Series
from core.regions import (
    display_name,
    gemeente_of,
    normalise_code,
    region_level,
    wijk_of,
)

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

    def resolve(self, stem: str) -> str | None:
        return self.keys.get(stem)


def resolve_stems(properties: list[dict[str, Any]]) -> StemIndex:
    """Map each topic's key stem to its key; stems used twice are ambiguous, not guessed."""
    seen: dict[str, list[str]] = {}
    for prop in properties:
        if prop.get("Type") != "Topic" or not prop.get("Key"):
            continue
        seen.setdefault(key_stem(prop["Key"]), []).append(prop["Key"])
    keys = {stem: found[0] for stem, found in seen.items() if len(found) == 1}
    ambiguous = frozenset(stem for stem, found in seen.items() if len(found) > 1)
    return StemIndex(keys=keys, ambiguous=ambiguous)


def period_year(period: str) -> int | None:
    """'2024JJ00' → 2024; months and quarters are not years → None."""
    period = period.strip()
    if re.fullmatch(r"\d{4}JJ00", period):
        return int(period[:4])
    return None


# ----------------------------------------------------------------- source frames
@dataclass
class SourceFrame:
    """One source's numbers for one year: rows are region codes, columns are stems."""

    source: str
    table: str
    year: int
    values: pd.DataFrame
    keys: dict[str, str]  # stem (or stem@offence) → key as the table spells it
    missing_keys: dict[str, str] = field(default_factory=dict)  # stem → why it has no values
    resolved: frozenset[str] = frozenset()  # stems the table's DataProperties define


def _code_column(frame: pd.DataFrame) -> pd.Series:
    # cbsodata.get_data would have replaced WijkenEnBuurten by titles; the typed set
    # keeps the key, and KWB also has Codering_3.
    source = frame["WijkenEnBuurten"] if "WijkenEnBuurten" in frame else frame["Codering_3"]
    return source.astype(str).map(normalise_code)


def kwb_frame(
    table: str, year: int, properties: list[dict[str, Any]], rows: pd.DataFrame
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
    values = values[~values.index.duplicated(keep="first")]
    return SourceFrame("kwb", table, year, values, keys, missing, frozenset(index.keys))


def police_frames(
    table: str, properties: list[dict[str, Any]], rows: pd.DataFrame
) -> dict[int, SourceFrame]:
    """Registered crimes per region and year; columns 'stem@offence'."""
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
    for year, part in work.groupby("year", sort=True):
        wide = part.pivot_table(
            index="region_code", columns="offence", values=list(measures), aggfunc="first"
        )
        wide.columns = [f"{stem}@{offence}" for stem, offence in wide.columns]
        keys = {col: measures[col.split("@")[0]] for col in wide.columns}
        frames[int(year)] = SourceFrame(
            "politie", table, int(year), wide, keys, resolved=frozenset(index.keys)
        )
    return frames


def keep_indeling(frame: SourceFrame, kwb_codes: pd.Index) -> tuple[SourceFrame, int]:
    """Keep only regions coded as in that year's KWB, at the levels the KWB lists.

    Third-party tables may report a year on another year's indeling (the police table on
    the newest one); a code from another indeling must not pose as that year's region."""
    known = set(kwb_codes)
    listed = {region_level(c) for c in known}

    def fits(code: str) -> bool:
        # The code itself, and the gemeente and wijk it lies in, where the KWB lists them.
        for part in (code, gemeente_of(code), wijk_of(code)):
            if part is not None and region_level(part) in listed and part not in known:
                return False
        return True

    codes = frame.values.index
    keep = np.array([fits(c) for c in codes], dtype=bool)
    kept = SourceFrame(frame.source, frame.table, frame.year, frame.values[keep],
                       frame.keys, frame.missing_keys, frame.resolved)
    return kept, int((~keep).sum())


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
        values = values[~values.index.duplicated(keep="first")]
        frames[int(year)] = SourceFrame(
            "rivm", table, int(year), values, dict(topics), resolved=frozenset(index.keys)
        )
    return frames


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


def compute_indicator_year(
    indicator: Indicator, year: int, frames: dict[tuple[str, int], SourceFrame]
) -> tuple[pd.DataFrame, Availability]:
    """Values of one indicator in one year, and a note saying what happened."""
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
    num_cols = _stem_columns(source, series.numerator, series.offence)
    unresolved = [c for c in series.numerator if c not in source.resolved]
    if unresolved:
        return empty, Availability(
            indicator.id, year, number, "unavailable", source.table, None,
            f"key stem {unresolved[0]} not in the DataProperties of {source.table}",
        )
    num_data, keys, notes = _columns(source, num_cols)
    numerator = sum_columns(num_data, num_cols)
    denominator = None
    if series.denominator:
        den_frame = frames.get((series.effective_denominator_source, year))
        if den_frame is None:
            return empty, Availability(
                indicator.id, year, number, "unavailable", source.table, None,
                f"no {series.effective_denominator_source} table for {year} (denominator)",
            )
        den_cols = list(series.denominator)
        unresolved = [c for c in den_cols if c not in den_frame.resolved]
        if unresolved:
            return empty, Availability(
                indicator.id, year, number, "unavailable", source.table, None,
                f"key stem {unresolved[0]} not in the DataProperties of {den_frame.table}",
            )
        den_data, den_keys, den_notes = _columns(den_frame, den_cols)
        notes += den_notes
        denominator = sum_columns(den_data, den_cols)
        keys_text = f"({'+'.join(keys)})/({'+'.join(den_keys)})"
    else:
        keys_text = "+".join(keys)
    values = apply_formula(series, numerator, denominator).replace([np.inf, -np.inf], np.nan)
    values = values.dropna()
    if indicator.is_percentage and series.formula == "share":
        # Shares of two CBS-rounded counts can pass 100 in tiny areas: not a real value.
        values = values[(values >= 0) & (values <= 100)]
    out = pd.DataFrame({"region_code": values.index.astype(str), "value": values.to_numpy()})
    status = "ok" if len(out) else "empty"
    reason = None
    if not len(out):
        reason = notes[0] if notes else f"{keys_text} has no values in {source.table} for {year}"
    return out, Availability(
        indicator.id, year, number, status, source.table, keys_text, reason, len(out)
    )


OBSERVATION_COLUMNS = [
    "year", "region_code", "indicator_id", "value", "series", "source_table", "source_key"
]


def build_observations(
    catalogue: Catalogue, frames: dict[tuple[str, int], SourceFrame], years: tuple[int, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All observations (long format) and one availability row per indicator and year."""
    parts: list[pd.DataFrame] = []
    notes: list[Availability] = []
    for indicator in catalogue.indicators:
        for year in years:
            values, note = compute_indicator_year(indicator, year, frames)
            notes.append(note)
            if len(values):
                values = values.assign(
                    year=year,
                    indicator_id=indicator.id,
                    series=note.series,
                    source_table=note.source_table,
                    source_key=note.source_keys,
                )
                parts.append(values)
    observations = (
        pd.concat(parts, ignore_index=True)[OBSERVATION_COLUMNS]
        if parts
        else pd.DataFrame(columns=OBSERVATION_COLUMNS)
    )
    observations = observations.astype(
        {"year": "int32", "series": "int16", "value": "float64"}
    )
    observations = observations.sort_values(["year", "indicator_id", "region_code"])
    availability = pd.DataFrame([n.__dict__ for n in notes])
    return observations.reset_index(drop=True), availability


def unresolved_indicators(availability: pd.DataFrame) -> list[str]:
    """Catalogue entries that resolved in no year at all (a catalogue error)."""
    resolved = availability[availability["status"] != "unavailable"]["indicator_id"]
    return sorted(set(availability["indicator_id"]) - set(resolved))


# ------------------------------------------------------------------------ regions
REGION_COLUMNS = ["year", "code", "level", "name", "gemeente_code"]


def regions_from_dimension(
    year: int, members: list[dict[str, Any]], priority: int
) -> pd.DataFrame:
    """Region rows from a WijkenEnBuurten dimension (Key, Title)."""
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
    """One row per (year, code); the best name wins, gaps filled from the same code's name
    in the nearest other year."""
    if not candidates:
        return pd.DataFrame(columns=REGION_COLUMNS)
    allrows = pd.concat(candidates, ignore_index=True)
    allrows = allrows.sort_values(["year", "code", "priority"])
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


# ------------------------------------------------------------ steps over raw tables
@dataclass
class SourceFrames:
    """What the source tables of a run give: numbers per (source, year), region rows from
    the tables' region dimensions, why sources are absent, and provenance notes."""

    frames: dict[tuple[str, int], SourceFrame] = field(default_factory=dict)
    regions: list[pd.DataFrame] = field(default_factory=list)
    absent: dict[tuple[str, int], str] = field(default_factory=dict)
    notes: dict[str, str | None] = field(default_factory=dict)  # table → provenance note
    warnings: list[str] = field(default_factory=list)  # for the person running the ETL

    def merge(self, other: SourceFrames) -> SourceFrames:
        return SourceFrames(
            {**self.frames, **other.frames},
            [*self.regions, *other.regions],
            {**self.absent, **other.absent},
            {**self.notes, **other.notes},
            [*self.warnings, *other.warnings],
        )


def _is_raw(fetched: Fetched) -> bool:
    return hasattr(fetched, "data")


def kwb_source_frames(kwb: dict[int, Fetched]) -> SourceFrames:
    """One frame per KWB year, and that year's regions from its WijkenEnBuurten dimension."""
    out = SourceFrames()
    for year, fetched in kwb.items():
        if not _is_raw(fetched):
            # Where it was looked for (URL, mirror) is in etl_run; here only what it means.
            out.absent[("kwb", year)] = f"{fetched.ref.table} not available (not published)"
            continue
        raw: RawTable = fetched  # type: ignore[assignment]
        out.frames[("kwb", year)] = kwb_frame(raw.ref.table, year, raw.properties, raw.data)
        out.regions.append(
            regions_from_dimension(year, raw.dimensions.get("WijkenEnBuurten", []), 1)
        )
        out.notes[raw.ref.table] = None
    return out


def police_source_frames(
    police: list[Fetched], years: tuple[int, ...], kwb: dict[tuple[str, int], SourceFrame]
) -> SourceFrames:
    """Registered crime per year, kept to the codes of that year's KWB indeling."""
    out = SourceFrames()
    for fetched in police:
        if not _is_raw(fetched):
            for year in years:
                out.absent[("politie", year)] = f"{fetched.ref.table} not available"
            continue
        raw: RawTable = fetched  # type: ignore[assignment]
        table = raw.ref.table
        dropped: dict[int, int] = {}
        for year, frame in police_frames(table, raw.properties, raw.data).items():
            if year not in years:
                continue
            kwb_frame_ = kwb.get(("kwb", year))
            if kwb_frame_ is not None:
                frame, dropped[year] = keep_indeling(frame, kwb_frame_.values.index)
            out.frames[("politie", year)] = frame
            out.regions.append(regions_with_values(raw, frame, 2))
        note = "; ".join(
            f"{year}: {n} region codes not in that year's KWB indeling left out"
            for year, n in sorted(dropped.items()) if n
        )
        out.notes[table] = note or None
        if note:
            out.warnings.append(f"[yellow]Politie {table}[/]: {note}")
    return out


def rivm_source_frames(rivm: list[Fetched], years: tuple[int, ...]) -> SourceFrames:
    """RIVM health estimates of adults (18+, point estimates) from the newest edition."""
    out = SourceFrames()
    for fetched in rivm:
        if not _is_raw(fetched):
            continue
        raw: RawTable = fetched  # type: ignore[assignment]
        table = raw.ref.table
        age = pick_dimension_key(
            raw.dimensions.get("Leeftijd", []), "18 jaar of ouder", "18 jaar en ouder"
        )
        margin = pick_dimension_key(raw.dimensions.get("Marges", []), "Waarde")
        frames = rivm_frames(table, raw.properties, raw.data, age, margin)
        for year, frame in frames.items():
            if year in years:
                out.frames[("rivm", year)] = frame
                out.regions.append(regions_with_values(raw, frame, 3))
        out.notes[table] = f"years {sorted(frames)}; 18+ {age}, {margin}"
        break
    return out


def regions_with_values(raw: RawTable, frame: SourceFrame, priority: int) -> pd.DataFrame:
    """Region rows for the codes a third-party table has values for in one year."""
    members = [
        m for m in raw.dimensions.get("WijkenEnBuurten", [])
        if normalise_code(m["Key"]) in frame.values.index
    ]
    return regions_from_dimension(frame.year, members, priority)


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


def drop_unobserved_orphans(
    regions: pd.DataFrame, observations: pd.DataFrame
) -> pd.DataFrame:
    """Wijken/buurten whose gemeente no source lists that year, and that carry no data,
    are noise from a boundary layer of another indeling: leave them out."""
    gm = set(zip(regions.loc[regions["level"] == "gemeente", "year"],
                 regions.loc[regions["level"] == "gemeente", "code"], strict=True))
    observed = set(zip(observations["year"], observations["region_code"], strict=True))
    keep = [
        level in ("land", "gemeente") or (year, gmc) in gm or (year, code) in observed
        for year, code, level, gmc in zip(
            regions["year"], regions["code"], regions["level"], regions["gemeente_code"],
            strict=True,
        )
    ]
    return regions[keep].reset_index(drop=True)
