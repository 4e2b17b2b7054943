"""Numbers across years and boundaries (issue 10), on the store built from the mirror: no
figure on any page, in the API or a download combines or connects two region versions that
cover different areas. The cases are the ones the ETL's boundary-change detection found,
not a list written here."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dashboard.data import Store
from dashboard.views import profile as pv
from dashboard.views.compare import CompareView, compare_values

MAX_CASES = 40  # enough to be a real sample, few enough to stay fast


@pytest.fixture(scope="module")
def changed(db: Store) -> pd.DataFrame:
    """Codes the detection found to name another area between two indelingen, where both
    versions of the code have figures."""
    changes = db.region_changes()
    steps = changes[~changes["same_area"] & changes["method"].isin(
        ["geometry", "counts", "geometry+counts", "codes"])]
    assert len(steps) >= 50  # Vlierden/Deurne, Weesp/Amsterdam and many more
    cases = []
    for code, a, b in zip(steps["code"], steps["from_year"], steps["to_year"], strict=True):
        years = set(db.observations_of([code])["region_year"])
        if {int(a), int(b)} <= years:
            cases.append((code, int(a), int(b)))
    assert len(cases) >= 10
    return pd.DataFrame(cases[:MAX_CASES], columns=["code", "from_year", "to_year"])


def test_the_detection_finds_the_known_cases(db: Store, changed: pd.DataFrame) -> None:
    assert not db.same_area("WK076201", 2022, 2024)  # Vlierden (2022) is not Deurne (2024)
    assert not db.same_area("GM0363", 2022, 2023)  # Weesp joined Amsterdam
    mergers = db.mergers()
    weesp = mergers[mergers["old_code"] == "GM0457"].iloc[0]
    assert (weesp["new_code"], int(weesp["year"])) == ("GM0363", 2023)


def test_profile_trends_never_connect_two_areas(db: Store, changed: pd.DataFrame) -> None:
    for code in changed["code"].unique():
        subject = pv.resolve_subject(db, code)
        assert subject is not None
        own = db.observations_of([code])
        for rows in pv.region_rows(db, subject).values():
            for row in rows:
                figures = own[own["indicator_id"] == row.indicator.id].set_index("year")
                for segment in row.segments:
                    versions = [int(figures.at[y, "region_year"]) for y, _ in segment]
                    # every point of a line is about the area the code names now
                    assert all(db.same_area(code, v, subject.year) for v in versions), (
                        code, row.indicator.id, segment)
                for year in row.other_area_years:  # what was left out was another area
                    assert not db.same_area(code, int(figures.at[year, "region_year"]),
                                            subject.year)


def test_api_series_segments_never_connect_two_areas(client: Any, db: Store,
                                                     changed: pd.DataFrame) -> None:
    for code in changed["code"].unique()[:15]:
        indicator = str(db.observations_of([code])["indicator_id"].iloc[0])
        body = client.get(f"/api/v1/series?indicator={indicator}&code={code}").get_json()
        indeling = body["indeling"]
        assert all(db.same_area(code, p["region_year"], indeling) for p in body["points"])
        assert all(not db.same_area(code, p["region_year"], indeling)
                   for p in body["other_area"])
        if body["other_area"]:
            assert body["breaks"], code  # and it says why


def test_compare_shows_only_figures_of_the_area_of_its_year(db: Store,
                                                             changed: pd.DataFrame) -> None:
    for code, first, _ in changed.itertuples(index=False):
        if db.region(code, first) is None:
            continue
        values = compare_values(db, CompareView(regios=(code,), jaar=first))
        mine = values[values["code"] == code]
        assert all(db.same_area(code, int(r), first) for r in mine["region_year"])


def test_no_stored_rate_combines_two_areas(db: Store) -> None:
    """A rate over two indelingen (police on 2024, inhabitants of the period's) exists only
    where the code is the same area in both; where not, the gap says why."""
    for indicator in ("misdrijven_per_1000",):
        figures = db.query("SELECT year, region_year, region_code AS code FROM observation "
                           "WHERE indicator_id = ? AND year <> region_year", [indicator])
        assert len(figures) > 1000
        assert all(db.same_area(c, int(y), int(r)) for y, r, c in
                   figures[["year", "region_year", "code"]].itertuples(index=False))
    gaps = db.gaps_of(["WK076201"])
    assert set(gaps.loc[gaps["indicator_id"] == "misdrijven_per_1000", "reason"]) == {
        "other_area"}


def test_regions_of_a_year_are_that_years_indeling(client: Any) -> None:
    """2021 had 352 gemeenten (not the police table's 342 of 2024, with GM1992 of 2023)."""
    body = client.get("/api/v1/regions?year=2021&level=gemeente").get_json()
    codes = {r["code"] for r in body["regions"]}
    assert body["count"] == 352 and "GM1992" not in codes and "GM0457" in codes


def test_mergers_are_named_on_the_gemeente_profile(db: Store) -> None:
    mergers = db.mergers()
    assert len(mergers) >= 10
    for new_code, group in mergers.groupby("new_code"):
        subject = pv.resolve_subject(db, str(new_code))
        if subject is None:
            continue
        said = " ".join(pv.boundary_notes(db, subject, "nl"))
        for old in group["old_name"]:
            assert old in said, (new_code, old)
