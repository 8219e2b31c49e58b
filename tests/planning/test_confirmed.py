"""Confirmed visits (SPEC §4, issue 11 item 6): kept unless impossible, each conflict in changes.csv.

Tiny instances where the rule binds: without the pin, the planner would choose another
nurse, day or time.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer import api
from optimizer.domain import ConfirmedVisit, Horizon, Infusate, Roster, TimeOff
from optimizer.io.plan_writer import write_plan
from optimizer.planning.keep import pin_confirmed
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from tests.conftest import make_nurse, make_patient

MON = dt.date(2026, 11, 30)
TUE, WED = MON + dt.timedelta(days=1), MON + dt.timedelta(days=2)
PROVIDER = HaversineProvider()


def patient_due(pid: str, due: dt.date, **kw):
    """A saline patient in Columbus OH due on ``due`` (window due−3 .. due+1)."""
    base = dict(patient_id=pid, lat=39.96, lon=-83.00, state="OH", flow_ml_per_day=1.5,
                last_fill_date=due - dt.timedelta(days=14), last_fill_infusate=Infusate.HEPARINIZED_SALINE,
                next_infusate=Infusate.HEPARINIZED_SALINE, visit_minutes=60)
    base.update(kw)
    return make_patient(**base)


# N1 lives 60 km away; N2 next door: without a pin N2 makes the visit
FAR = make_nurse(nurse_id="N1", lat=40.50, lon=-83.00)
NEAR = make_nurse(nurse_id="N2", lat=39.97, lon=-83.00)


def solve(patients, nurses, confirmed, *, time_off=(), backend="ortools", tmp_path: Path | None = None):
    roster = Roster(tuple(patients), tuple(nurses), frozenset(time_off), confirmed_visits=tuple(confirmed))
    problem = pin_confirmed(build_problem(roster, Horizon(MON, 5), provider=PROVIDER))
    plan = plan_problem(problem, SolverOptions(backend=backend, time_limit=1, workers=1, greedy_part_max=0))
    if tmp_path is not None:
        write_plan(plan, tmp_path / "plan")
    return plan


def visit(plan, pid):
    return next(v for v in plan.visits if v.patient_id == pid)


def changes_csv(folder: Path) -> list[dict]:
    with (folder / "changes.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("backend", ["ortools", "greedy"])
def test_confirmed_visit_kept_even_when_another_nurse_is_cheaper(tmp_path, backend):
    p = patient_due("P1", WED)
    free = solve([p], [FAR, NEAR], [], backend=backend)
    assert visit(free, "P1").nurse_id == "N2"  # the pin binds
    plan = solve([p], [FAR, NEAR], [ConfirmedVisit("P1", "N1", TUE)], backend=backend, tmp_path=tmp_path)
    assert (visit(plan, "P1").nurse_id, visit(plan, "P1").date) == ("N1", TUE)
    assert plan.changes == [] and changes_csv(tmp_path / "plan") == []


def test_confirmed_nurse_now_off_is_replanned_with_reason_nurse_off(tmp_path):
    p = patient_due("P1", WED)
    plan = solve([p], [FAR, NEAR], [ConfirmedVisit("P1", "N1", TUE)], time_off=[TimeOff("N1", TUE)],
                 tmp_path=tmp_path)
    new = visit(plan, "P1")
    assert new.nurse_id == "N2"
    assert changes_csv(tmp_path / "plan") == [{
        "patient_id": "P1", "change": "moved", "old_nurse_id": "N1", "old_date": TUE.isoformat(),
        "new_nurse_id": "N2", "new_date": new.date.isoformat(), "reason": "nurse_off"}]


def test_part_day_time_off_over_the_confirmed_time_is_nurse_off():
    p = patient_due("P1", WED)
    off = TimeOff("N1", TUE, start=dt.time(12, 0), end=dt.time(18, 0))
    plan = solve([p], [FAR, NEAR], [ConfirmedVisit("P1", "N1", TUE, dt.time(14, 0))], time_off=[off])
    assert [(c.change, c.reason) for c in plan.changes] == [("moved", "nurse_off")]


def test_confirmed_start_kept_within_30_minutes():
    p = patient_due("P1", WED)
    free = solve([p], [FAR], [ConfirmedVisit("P1", "N1", WED)])
    assert visit(free, "P1").start.time() < dt.time(10, 0)  # unpinned: first thing in the morning
    plan = solve([p], [FAR], [ConfirmedVisit("P1", "N1", WED, dt.time(14, 0))])
    start = visit(plan, "P1").start
    assert start.date() == WED and dt.time(13, 30) <= start.time() <= dt.time(14, 30)
    assert plan.changes == []


def test_license_no_longer_valid_is_a_license_conflict():
    ny = patient_due("NY1", WED, lat=40.71, lon=-74.0, state="NY")
    ny_nurse = make_nurse(nurse_id="N3", lat=40.75, lon=-73.95, home_state="NY", multistate_license=False,
                          state_licenses=frozenset({"NY"}))
    lapsed = make_nurse(nurse_id="N4", lat=40.73, lon=-73.99, home_state="NJ", multistate_license=True)
    plan = solve([ny], [ny_nurse, lapsed], [ConfirmedVisit("NY1", "N4", TUE)])
    assert visit(plan, "NY1").nurse_id == "N3"
    assert [(c.change, c.old_nurse_id, c.reason) for c in plan.changes] == [("moved", "N4", "license")]


def test_a_full_day_moves_a_confirmed_visit_only_to_place_a_missed_refill():
    # N1 works Wednesday only, one visit a day; P1 is confirmed with N1 on Wednesday, but P2's
    # chemo fill can be made by N1 alone, while N2 (Thursday, not chemo-certified) can make P1's
    only_wed = make_nurse(nurse_id="N1", workdays=frozenset({2}), max_visits_per_day=1)
    thu_only = make_nurse(nurse_id="N2", lat=39.97, lon=-83.00, workdays=frozenset({3}), chemo_certified=False)
    p1 = patient_due("P1", WED)
    p2 = patient_due("P2", WED, next_infusate=Infusate.FLOXURIDINE, lat=39.95)
    plan = solve([p1, p2], [only_wed, thu_only], [ConfirmedVisit("P1", "N1", WED)])
    assert {v.patient_id for v in plan.visits} == {"P1", "P2"}
    assert [(c.patient_id, c.change, c.reason) for c in plan.changes] == [("P1", "moved", "capacity")]


def test_confirm_days_file_is_next_runs_input_and_its_visits_are_kept(tmp_path):
    data = tmp_path / "data"
    start = dt.date(2026, 1, 5)
    api.synth(data, patients=40, nurses=5, seed=3, as_of=dt.date(2026, 1, 1), plan_start=start)
    roster, _ = api.load_data(data, as_of=dt.date(2026, 1, 1))
    # trips in the first plan (the default): one nurse's trip of four nights holds promises on two
    # days in a row, kept together on one chain next week (optimizer.planning._promise_chain)
    first = api.plan(roster, start=start, days=7, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    away = {(d.nurse_id, d.date) for d in first.plan.nurse_days if d.ends_away}
    promised_away = {(v.nurse_id, v.date) for v in first.plan.visits
                     if v.date < start + dt.timedelta(days=3) and (v.nurse_id, v.date - dt.timedelta(days=1)) in away}
    assert len(promised_away) >= 2  # promises on two days of one trip, each after a night away
    api.write_plan_folder(first, tmp_path / "plan", with_map=False, confirm_days=3)
    with (tmp_path / "plan" / "confirmed_visits.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    early = [v for v in first.plan.visits if v.date < start + dt.timedelta(days=3)]
    assert rows and len(rows) == len(early)
    # a new nurse next door to every confirmed patient: unpinned, the next plan gives her their visits
    with (data / "nurses.csv").open(newline="") as fh:
        nurses = list(csv.DictReader(fh))
    with (data / "patients.csv").open(newline="") as fh:
        homes = {p["patient_id"]: p for p in csv.DictReader(fh)}
    extra = []
    for i, r in enumerate(rows):
        twin = dict(next(n for n in nurses if n["nurse_id"] == r["nurse_id"]))
        home = homes[r["patient_id"]]
        # next door, so she lives in the patient's state (her licenses are the original nurse's)
        twin.update(nurse_id=f"NEW{i}", lat=home["lat"], lon=home["lon"], zip=home.get("zip", ""),
                    home_state=home["state"])
        extra.append(twin)
    with (data / "nurses.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(dict.fromkeys([*nurses[0], "zip"])), restval="")
        w.writeheader()
        w.writerows(nurses + extra)
    opts = SolverOptions(max_iterations=300, workers=1)
    free_roster, _ = api.load_data(data, as_of=dt.date(2026, 1, 1))
    free = api.plan(free_roster, start=start, days=7, provider=PROVIDER, options=opts)
    key = {(v.patient_id, v.nurse_id, v.date) for v in early}
    assert key - {(v.patient_id, v.nurse_id, v.date) for v in free.plan.visits}
    (data / "confirmed_visits.csv").write_bytes((tmp_path / "plan" / "confirmed_visits.csv").read_bytes())
    again_roster, _ = api.load_data(data, as_of=dt.date(2026, 1, 1))
    again = api.plan(again_roster, start=start, days=7, provider=PROVIDER, options=opts)
    new = {v.patient_id: v for v in again.plan.visits}
    for r in rows:
        v = new[r["patient_id"]]
        assert (v.nurse_id, v.date.isoformat()) == (r["nurse_id"], r["date"])
        promised = dt.datetime.combine(v.date, dt.time.fromisoformat(r["start"]))
        assert abs((v.start - promised).total_seconds()) <= 30 * 60
    assert again.plan.changes == []
    api.write_plan_folder(again, tmp_path / "again", with_map=False)
    assert api.check(again_roster, tmp_path / "again", provider=PROVIDER) == []  # the rebuilt trip checks out


def test_a_confirmed_start_binds_its_visit_only_not_the_next_fill():
    weekly = replace(patient_due("P1", WED), prescribed_interval_days=7, last_fill_date=WED - dt.timedelta(days=7))
    roster = Roster((weekly,), (FAR,), confirmed_visits=(ConfirmedVisit("P1", "N1", WED, dt.time(14, 0)),))
    res = api.plan(roster, start=MON, days=14, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    fills = sorted((v.fill_no, v.date, v.start.time()) for v in res.plan.visits)
    assert [(n, d) for n, d, _ in fills] == [(1, WED), (2, WED + dt.timedelta(days=7))]
    assert dt.time(13, 30) <= fills[0][2] <= dt.time(14, 30)
    assert fills[1][2] < dt.time(11, 0)  # the next fill is timed by the patient's own window


def test_confirm_days_file_reads_back_with_ids_a_spreadsheet_would_take_for_formulas(tmp_path):
    # ids beginning with - = + @ are written spreadsheet-safe ('-P1); next week's run reads them as the ids
    data = tmp_path / "data"
    start = dt.date(2026, 1, 5)
    api.synth(data, patients=12, nurses=3, seed=5, as_of=dt.date(2026, 1, 1), plan_start=start)
    prefix = {"patients.csv": ("patient_id", "-"), "nurses.csv": ("nurse_id", "=")}
    for name, (col, mark) in prefix.items():
        with (data / name).open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            r[col] = mark + r[col]
        with (data / name).open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    for other in ("time_off.csv", "patient_away.csv", "confirmed_visits.csv"):
        (data / other).unlink(missing_ok=True)
    roster, _ = api.load_data(data, as_of=dt.date(2026, 1, 1))
    first = api.plan(roster, start=start, days=7, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    api.write_plan_folder(first, tmp_path / "plan", with_map=False, confirm_days=3)
    text = (tmp_path / "plan" / "confirmed_visits.csv").read_text()
    assert "'-P" in text and "'=N" in text  # spreadsheet-safe on disk
    (data / "confirmed_visits.csv").write_text(text)
    again, _ = api.load_data(data, as_of=dt.date(2026, 1, 1))
    promised = {(v.patient_id, v.nurse_id, v.date) for v in first.plan.visits if v.date < start + dt.timedelta(days=3)}
    assert promised and {(c.patient_id, c.nurse_id, c.date) for c in again.confirmed_visits} == promised


@pytest.mark.parametrize("backend", ["ortools", "greedy"])
def test_a_confirmed_start_outside_the_shift_is_listed_even_on_its_nurse_and_date(tmp_path, backend):
    # promised at 06:00, two hours before N2's shift: the visit is timed anew on the same
    # nurse-day (the only one that makes it on the due date), so the promise is not kept
    from optimizer.validate import check_plan
    p = patient_due("P1", WED)
    confirmed = [ConfirmedVisit("P1", "N2", WED, dt.time(6, 0))]
    plan = solve([p], [NEAR], confirmed, backend=backend, tmp_path=tmp_path)
    v = visit(plan, "P1")
    assert (v.nurse_id, v.date) == ("N2", WED) and v.start.time() >= dt.time(8, 0)
    assert [(c.change, c.old_nurse_id, c.old_date, c.new_nurse_id, c.new_date, c.reason) for c in plan.changes] \
        == [("moved", "N2", WED, "N2", WED, "nurse_off")]
    roster = Roster((p,), (NEAR,), confirmed_visits=tuple(confirmed))
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []


def test_a_confirmed_visit_timed_anew_before_the_replan_date_stays_listed(tmp_path):
    # the same promise at 06:00, the visit timed anew on its nurse and date; a re-plan from Thursday
    # copies the visit as it was and still says the promised time was not kept (it said nothing:
    # the visit on the same nurse and date counted as kept whatever its time)
    from optimizer.validate import check_plan
    confirmed = (ConfirmedVisit("P1", "N2", WED, dt.time(6, 0)),)
    roster = Roster((patient_due("P1", WED),), (NEAR,), confirmed_visits=confirmed)
    opts = SolverOptions(backend="greedy")
    write_plan(api.plan(roster, start=MON, days=5, provider=PROVIDER, options=opts).plan, tmp_path / "prev")
    new = api.replan(roster, tmp_path / "prev", start=WED + dt.timedelta(days=1), provider=PROVIDER,
                     options=opts).plan
    assert [(c.change, c.old_nurse_id, c.old_date, c.new_nurse_id, c.new_date, c.reason) for c in new.changes] \
        == [("moved", "N2", WED, "N2", WED, "nurse_off")]  # the previous plan's row, its reason kept
    write_plan(new, tmp_path / "new")
    assert check_plan(roster, tmp_path / "new", provider=PROVIDER, previous=tmp_path / "prev") == []


def test_a_confirmed_visit_of_the_next_fill_is_kept_and_not_listed(tmp_path):
    # a 14-day plan with --confirm-days 14 confirms both fills of a weekly patient; read back, the
    # second promise binds (without it NEAR makes fill 2) and changes.csv stays empty
    from optimizer.validate import check_plan
    weekly = replace(patient_due("P1", WED), prescribed_interval_days=7, last_fill_date=WED - dt.timedelta(days=7))
    nxt = WED + dt.timedelta(days=7)
    free = Roster((weekly,), (FAR, NEAR))
    res = api.plan(free, start=MON, days=14, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    assert {(v.fill_no, v.nurse_id) for v in res.plan.visits} == {(1, "N2"), (2, "N2")}  # the pins bind
    promised = (ConfirmedVisit("P1", "N1", WED, dt.time(14, 0)), ConfirmedVisit("P1", "N1", nxt, dt.time(15, 0)))
    roster = replace(free, confirmed_visits=promised)
    res = api.plan(roster, start=MON, days=14, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    got = sorted((v.fill_no, v.nurse_id, v.date, v.start.time()) for v in res.plan.visits)
    assert [g[:3] for g in got] == [(1, "N1", WED), (2, "N1", nxt)]
    assert dt.time(14, 30) <= got[1][3] <= dt.time(15, 30)  # the second promise's start binds too
    assert res.plan.changes == []
    api.write_plan_folder(res, tmp_path / "plan", with_map=False)
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []


def test_a_confirmed_visit_of_the_next_fill_that_cannot_be_kept_gets_its_true_reason(tmp_path):
    # fill 2 is floxuridine; the nurse promised for it is not chemo-certified: certification,
    # not window_moved, and the row names where fill 2 went (not fill 1's visit)
    from optimizer.validate import check_plan
    weekly = replace(patient_due("P1", WED), prescribed_interval_days=7, last_fill_date=WED - dt.timedelta(days=7),
                     last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE)
    nxt = WED + dt.timedelta(days=7)
    plain = replace(FAR, chemo_certified=False)
    roster = Roster((weekly,), (plain, NEAR), confirmed_visits=(ConfirmedVisit("P1", "N1", nxt),))
    res = api.plan(roster, start=MON, days=14, provider=PROVIDER, options=SolverOptions(backend="greedy"))
    fill2 = next(v for v in res.plan.visits if v.fill_no == 2)
    assert [(c.change, c.old_nurse_id, c.old_date, c.new_nurse_id, c.new_date, c.reason) for c in res.plan.changes] \
        == [("moved", "N1", nxt, "N2", fill2.date, "certification")]
    api.write_plan_folder(res, tmp_path / "plan", with_map=False)
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []
