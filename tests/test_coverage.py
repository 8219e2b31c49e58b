"""Coverage analytics and capacity versus demand, on tiny instances computed by hand."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pytest

from optimizer.analysis.coverage import (
    CENSUS_REGIONS,
    analyze_coverage,
    capacity_vs_demand,
    load_regions,
    projected_visits,
)
from optimizer.domain import Infusate, Roster, TimeOff
from optimizer.errors import DataError
from tests.conftest import make_nurse, make_patient

START = dt.date(2026, 11, 23)  # a Monday (ISO week 2026-W48)
TOLEDO = (41.65, -83.54)


@pytest.fixture(scope="module")
def provider():
    from geodata.travel import get_provider

    return get_provider("haversine")


def saline(pid: str, lat: float, lon: float, state: str, *, last_fill: dt.date = dt.date(2026, 11, 9)):
    """A saline patient due every 14 days: last fill 11-09 → due Mon 11-23, 12-07, 12-21, 01-04."""
    return make_patient(patient_id=pid, lat=lat, lon=lon, state=state, flow_ml_per_day=1.0,
                        last_fill_date=last_fill, last_fill_infusate=Infusate.SALINE,
                        next_infusate=Infusate.SALINE, visit_minutes=60)


def tiny_roster(*, time_off: bool = True) -> Roster:
    """Two Toledo nurses, three OH patients, three MI patients, one CA patient.

    N1: OH only (home-state license, no compact), Mondays, 3 visits a day → 3 a week.
    N2: OH + MI (single-state MI license), Mondays, 2 visits a day → 2 a week.
    Nobody may practice in CA. N1 is off on Monday 2026-12-21 (week 5).
    """
    patients = (
        saline("OH1", 41.60, -83.60, "OH"), saline("OH2", 41.70, -83.50, "OH"),
        saline("OH3", 41.66, -83.40, "OH"),
        saline("MI1", 42.30, -83.10, "MI"), saline("MI2", 42.40, -83.00, "MI"),
        saline("MI3", 42.25, -83.20, "MI"),
        saline("CA1", 34.05, -118.24, "CA"),
    )
    nurses = (
        make_nurse(nurse_id="N1", lat=TOLEDO[0], lon=TOLEDO[1], home_state="OH",
                   multistate_license=False, workdays=frozenset({0}), max_visits_per_day=3),
        make_nurse(nurse_id="N2", lat=TOLEDO[0], lon=TOLEDO[1] + 0.01, home_state="OH",
                   multistate_license=False, state_licenses=frozenset({"MI"}),
                   workdays=frozenset({0}), max_visits_per_day=2),
    )
    off = frozenset({TimeOff("N1", dt.date(2026, 12, 21))}) if time_off else frozenset()
    return Roster(patients, nurses, off)


# --------------------------------------------------------------------------- projection


def test_projected_visits_follow_the_14_day_cycle():
    p = saline("X", 41.6, -83.6, "OH")
    days = [d for d, _, _ in projected_visits(p, start=START, end=START + dt.timedelta(days=55))]
    assert days == [dt.date(2026, 11, 23), dt.date(2026, 12, 7), dt.date(2026, 12, 21), dt.date(2027, 1, 4)]


def test_overdue_refill_counts_once_on_the_first_day_then_the_cycle_restarts():
    p = saline("X", 41.6, -83.6, "OH", last_fill=dt.date(2026, 9, 1))  # due 09-15: long overdue
    out = projected_visits(p, start=START, end=START + dt.timedelta(days=20))
    assert [(d, od) for d, _, od in out] == [(START, True), (START + dt.timedelta(days=14), False)]


# --------------------------------------------------------------------------- capacity


def test_capacity_vs_demand_eight_weeks_with_the_known_shortage(provider):
    res = capacity_vs_demand(tiny_roster(), start=START, provider=provider)
    assert list(res.weeks["week"]) == [f"2026-W{w}" for w in range(48, 54)] + ["2027-W01", "2027-W02"]
    st = res.by_state.set_index(["week", "state"])

    # week 1: OH 3 due, N1's 3 serve them; MI 3 due, only N2's 2 can → 1 short
    oh, mi, ca = st.loc[("2026-W48", "OH")], st.loc[("2026-W48", "MI")], st.loc[("2026-W48", "CA")]
    assert (oh.demand_visits, oh.capacity_visits, oh.short_visits, oh.status) == (3, 3.0, 0, "tight")
    assert (mi.demand_visits, mi.capacity_visits, mi.short_visits, mi.status) == (3, 2.0, 1, "short")
    assert mi.utilization == pytest.approx(1.5)
    # nobody may practice in CA: a coverage gap, not a capacity shortage
    assert (ca.demand_visits, ca.no_nurse_visits, ca.short_visits, ca.status) == (1, 1, 0, "no_nurse")
    assert math.isinf(ca.utilization)

    # week 2: nothing due; both nurses' idle capacity (3 + 2) goes to their home state OH
    w2 = res.by_state[res.by_state.week == "2026-W49"]
    assert w2[["state", "demand_visits", "capacity_visits", "status"]].values.tolist() == [["OH", 0, 5.0, "ok"]]

    # week 5: N1 is off; N2's 2 visits for 6 due (+ CA) → 4 short in the Midwest
    reg = res.by_region.set_index(["week", "region"])
    mw = reg.loc[("2026-W52", "Midwest")]
    assert (mw.demand_visits, mw.capacity_visits, mw.served_visits, mw.short_visits) == (6, 2.0, 2, 4)
    assert mw.status == "short"
    allw = reg.loc[("2026-W52", "All")]
    assert (allw.demand_visits, allw.short_visits, allw.no_nurse_visits) == (7, 4, 1)

    # the weeks flagged short: every week with refills due (1, 3, 5, 7), never the empty ones
    short_weeks = sorted(set(res.short("region")["week"]))
    assert short_weeks == ["2026-W48", "2026-W50", "2026-W52", "2027-W01"]
    # nurse table: N1 had no capacity in week 5
    n1 = res.nurses.set_index(["week", "nurse_id"]).loc[("2026-W52", "N1")]
    assert (n1.workdays, n1.capacity_visits, n1.assigned_visits) == (0, 0, 0)


def test_no_shortage_without_time_off_when_capacity_suffices(provider):
    roster = tiny_roster(time_off=False)
    # give N2 a third visit a day: 3 + 3 = 6 = the Toledo/Detroit demand every other week
    nurses = (roster.nurses[0], replace(roster.nurses[1], max_visits_per_day=3))
    roster = Roster(roster.patients[:6], nurses)
    res = capacity_vs_demand(roster, start=START, provider=provider)
    assert res.short("state").empty
    assert set(res.by_state.status) <= {"ok", "tight"}


def test_a_region_table_is_read_as_an_input_table_with_located_problems(tmp_path):
    good = tmp_path / "regions.csv"
    good.write_text("state,region\r\noh,Great Lakes \r\n", encoding="utf-8")
    assert load_regions(str(good))["OH"] == "Great Lakes" and load_regions(str(good))["PA"] == "Northeast"
    bad = tmp_path / "bad.csv"
    bad.write_text("state,region\nOH,\nXX,Mars\n", encoding="utf-8")  # an empty region crashed (float nan)
    with pytest.raises(DataError) as err:
        load_regions(str(bad))
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "region"), (3, "state")]
    (tmp_path / "empty.csv").write_bytes(b"")  # crashed with pandas' EmptyDataError
    with pytest.raises(DataError, match="the file is empty"):
        load_regions(str(tmp_path / "empty.csv"))


def test_regions_default_to_the_census_regions():
    assert CENSUS_REGIONS["OH"] == CENSUS_REGIONS["MI"] == "Midwest"
    assert CENSUS_REGIONS["DC"] == "South" and CENSUS_REGIONS["NY"] == "Northeast"
    assert len(CENSUS_REGIONS) == 51


# --------------------------------------------------------------------------- coverage


def test_coverage_per_patient_state_and_county(provider):
    cov = analyze_coverage(tiny_roster(), provider=provider, as_of=START)
    pat = cov.patients.set_index("patient_id")
    # OH patients: both nurses (OH home-state license) near Toledo; MI patients: N2 only
    assert pat.loc["OH1", "reachable_nurses"] == 2 and not pat.loc["OH1", "single_nurse"]
    assert pat.loc["MI1", "reachable_nurses"] == 1 and pat.loc["MI1", "single_nurse"]
    assert pat.loc["MI1", "nurse_ids"] == "N2"
    assert pat.loc["CA1", "no_nurse"] and pat.loc["CA1", "gap"] == "no_licensed_nurse"
    assert pat.loc["OH1", "within_60min"] == 2

    st = cov.by_state.set_index("state")
    assert (st.loc["MI", "patients"], st.loc["MI", "licensed_nurses"], st.loc["MI", "single_nurse_patients"]) == (3, 1, 3)
    assert (st.loc["OH", "licensed_nurses"], st.loc["OH", "single_nurse_patients"]) == (2, 0)
    assert st.loc["CA", "no_nurse_patients"] == 1 and st.loc["CA", "covered_240min"] == 0.0
    assert st.loc["OH", "covered_60min"] == 1.0
    # counties: Lucas County OH (Toledo) holds OH1..OH3? at least the county table sums to the patients
    assert cov.by_county["patients"].sum() == 7
    assert set(cov.by_county["state"]) == {"OH", "MI", "CA"}


def test_chemo_cycle_needs_a_chemo_certified_nurse(provider):
    p = make_patient(patient_id="C1", lat=41.6, lon=-83.6, state="OH",
                     last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE)
    nurse = make_nurse(nurse_id="N9", lat=TOLEDO[0], lon=TOLEDO[1], chemo_certified=False)
    cov = analyze_coverage(Roster((p,), (nurse,)), provider=provider, as_of=START)
    row = cov.patients.iloc[0]
    # the next fill is saline, but the one after is floxuridine: she is not covered by N9
    assert row["needs_chemo"] and row["no_nurse"] and row["gap"] == "no_certified_nurse"


def test_leadership_view_bands_small_counts_and_rounds_nurse_homes(provider):
    view = analyze_coverage(tiny_roster(), provider=provider, as_of=START).leadership_view(small_cell=3)
    assert "patient_id" not in view.by_county.columns and "patients" not in view.by_county.columns
    assert set(view.by_county["patients_band"]) <= {"1–2", "3", "4", "5", "6", "7"}
    small = view.by_county[view.by_county["patients_band"] == "1–2"]
    assert small["covered_60min"].isna().all()
    assert list(view.nurses["lat"]) == [41.65, 41.65]
    assert view.totals["patients"] == 7 and view.totals["no_nurse_patients"] == 1


def test_api_coverage_refuses_wrong_options_before_any_work(tmp_path):
    from optimizer import api
    from optimizer.errors import UsageError

    good = __import__("pathlib").Path(__file__).resolve().parent / "data" / "good"
    roster, _ = api.load_data(good, as_of=START - dt.timedelta(days=3))
    for kwargs, needle in [({"weeks": 0}, "weeks must be a whole number from 1 to 52"),
                           ({"weeks": 10**6}, "weeks must be a whole number"),  # OverflowError deep in dates
                           ({"cutoffs": "60;120"}, "cutoffs must be a list of minutes"),
                           ({"cutoffs": [math.nan]}, "must be a finite number above 0"),  # int(nan) crashed
                           ({"cutoffs": [-5]}, "must be a finite number above 0"),
                           ({"map_cutoff": 0}, "must be a finite number above 0"),
                           ({"tiles": "nope"}, "--tiles 'nope' is no tile layer"),
                           ({"data": roster}, "data must be a data folder")]:
        args = {"data": good, "out": tmp_path / "c", "as_of": "2026-11-20", "backend": None, **kwargs}
        with pytest.raises(UsageError, match=needle):
            api.coverage(args.pop("data"), **args)
        assert not (tmp_path / "c").exists()
