"""The validator on a re-plan's folder: a fill not made before the re-plan date whose window closed
before it is overdue from that date on (SPEC §5 overdue refills, §6 ``haiplan replan``), though the
folder's horizon starts with the previous plan's days."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace

from optimizer.domain import Roster, TimeOff
from optimizer.io.plan_writer import write_plan
from optimizer.planning.replan import replan
from optimizer.validate import check_plan
from tests.conftest import make_patient
import pytest

from tests.planning.test_replan import NURSES, OPTS, PATIENTS, PROVIDER, SPARE, busiest_day, day, first_plan, patient_due


def _rows(path):
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows, list(rows[0].keys()) if rows else []


def _write(path, rows, header):
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def _replanned(tmp_path, *extra):
    previous = first_plan(Roster(PATIENTS, NURSES))
    roster = Roster(PATIENTS + extra, NURSES)
    new, _ = replan(roster, previous, start=day(3), provider=PROVIDER, options=OPTS)
    write_plan(new, tmp_path / "p")
    return roster, new, tmp_path / "p"


def test_a_refill_overdue_at_the_replan_date_is_planned_flagged_and_valid(tmp_path):
    late = patient_due("LATE", day(0), lat=39.97, lon=-83.01)  # window day(-3)..day(1): closed before day(3)
    roster, new, folder = _replanned(tmp_path, late)
    (v,) = [v for v in new.visits if v.patient_id == "LATE"]
    assert v.date >= day(3) and v.date > v.window_end and v.alarm  # outside its window, as an overdue refill
    assert json.loads((folder / "summary.json").read_text())["solver"]["replan_from"] == day(3).isoformat()
    assert check_plan(roster, folder, provider=PROVIDER) == []
    rows, header = _rows(folder / "visits.csv")  # corruption: the alarm flag dropped
    for r in rows:
        if r["patient_id"] == "LATE":
            r["alarm"] = ""
    _write(folder / "visits.csv", rows, header)
    assert {x.rule for x in check_plan(roster, folder, provider=PROVIDER)} == {"alarm"}


def test_a_refill_overdue_at_the_replan_date_that_no_nurse_may_make_is_window_closed(tmp_path):
    hi = make_patient(patient_id="HI1", lat=21.31, lon=-157.86, state="HI",
                      last_fill_date=day(0) - (day(14) - day(0)))  # due day(0): window closed before day(3)
    roster, new, folder = _replanned(tmp_path, hi)
    (u,) = [u for u in new.unassigned if u.patient_id == "HI1"]
    assert u.reason.value == "window_closed"
    assert check_plan(roster, folder, provider=PROVIDER) == []
    rows, header = _rows(folder / "unassigned.csv")  # corruption: a reason true over the old horizon only
    for r in rows:
        if r["patient_id"] == "HI1":
            r["reason"] = "no_licensed_nurse"
    _write(folder / "unassigned.csv", rows, header)
    assert {x.rule for x in check_plan(roster, folder, provider=PROVIDER)} == {"reason"}


def test_patient_away_from_the_replan_date_on_is_a_true_reason(tmp_path):
    # a referral due day(3) (window day(0)..day(4)) away from day(3) on: the days of its window the
    # re-plan may use are all away; that she was home before the re-plan date does not count
    from optimizer.domain import PatientAway
    trip = patient_due("TRIP", day(3), lat=39.97, lon=-83.01)
    previous = first_plan(Roster(PATIENTS, NURSES))
    roster = Roster(PATIENTS + (trip,), NURSES, patient_away=(PatientAway("TRIP", day(3), day(9)),))
    new, _ = replan(roster, previous, start=day(3), provider=PROVIDER, options=OPTS)
    (u,) = [u for u in new.unassigned if u.patient_id == "TRIP"]
    assert u.reason.value == "patient_away"
    write_plan(new, tmp_path / "p")
    assert check_plan(roster, tmp_path / "p", provider=PROVIDER) == []


def test_a_patient_made_inactive_keeps_her_visits_before_the_replan_date_and_they_are_checked(tmp_path):
    # a patient visited before the re-plan date, then set inactive: her visit is history (kept, and
    # checked as any: she is still in patients.csv); another's visit from the date on is dropped
    previous = first_plan(Roster(PATIENTS, NURSES))
    shared = {(v.nurse_id, v.date) for v in previous.visits
              if sum(1 for w in previous.visits if (w.nurse_id, w.date) == (v.nurse_id, v.date)) > 1}
    past = next(v for v in previous.visits if v.date < day(2) and (v.nurse_id, v.date) in shared)
    later = next(v for v in previous.visits if v.date >= day(2))
    gone = {past.patient_id, later.patient_id}
    roster = Roster(tuple(replace(p, active=False) if p.patient_id in gone else p for p in PATIENTS), NURSES)
    new, _ = replan(roster, previous, start=day(2), provider=PROVIDER, options=OPTS)
    assert (past.patient_id, past.nurse_id, past.date) in {(v.patient_id, v.nurse_id, v.date) for v in new.visits}
    assert later.patient_id not in {v.patient_id for v in new.visits}
    assert [(c.patient_id, c.change, c.old_nurse_id, c.old_date, c.reason) for c in new.changes] == [
        (later.patient_id, "dropped", later.nurse_id, later.date, "patient_inactive")]
    write_plan(new, tmp_path / "p")
    folder = tmp_path / "p"
    assert check_plan(roster, folder, provider=PROVIDER) == []
    rows, header = _rows(folder / "visits.csv")  # corruption: her kept visit's leg misstated
    for r in rows:
        if r["patient_id"] == past.patient_id:
            r["travel_km"] = str(float(r["travel_km"]) + 5)
    _write(folder / "visits.csv", rows, header)
    assert {(x.rule, x.patient_id) for x in check_plan(roster, folder, provider=PROVIDER)} == {
        ("travel", past.patient_id)}


def test_a_visit_of_an_inactive_patient_from_the_replan_date_on_is_an_unknown_patient(tmp_path):
    # the same kept visit, with the folder's re-plan date moved before it: no longer history
    previous = first_plan(Roster(PATIENTS, NURSES))
    past = next(v for v in previous.visits if v.date == day(1))
    roster = Roster(tuple(replace(p, active=False) if p.patient_id == past.patient_id else p
                          for p in PATIENTS), NURSES)
    new, _ = replan(roster, previous, start=day(2), provider=PROVIDER, options=OPTS)
    write_plan(new, tmp_path / "p")
    folder = tmp_path / "p"
    assert check_plan(roster, folder, provider=PROVIDER) == []
    summary = json.loads((folder / "summary.json").read_text())  # corruption: re-plan date on her visit
    summary["solver"]["replan_from"] = day(1).isoformat()
    (folder / "summary.json").write_text(json.dumps(summary))
    assert ("unknown_patient", past.patient_id) in {
        (x.rule, x.patient_id) for x in check_plan(roster, folder, provider=PROVIDER)}


def _lie(kind, moved, stays):
    """A changes.csv row that visits.csv contradicts: ``moved`` is a true moved row, ``stays`` a visit
    the re-plan did not touch."""
    return {
        "dropped": [stays["patient_id"], "dropped", stays["nurse_id"], stays["date"], "", "", "window_moved"],
        "moved_still_there": [stays["patient_id"], "moved", stays["nurse_id"], stays["date"],
                              moved["new_nurse_id"], moved["new_date"], "capacity"],
        "moved_not_there": [moved["patient_id"], "moved", moved["old_nurse_id"], moved["old_date"],
                            "N2" if moved["new_nurse_id"] == "N1" else "N1", moved["new_date"], "nurse_off"],
        "kept_not_there": [moved["patient_id"], "kept", moved["old_nurse_id"], moved["old_date"],
                           moved["old_nurse_id"], moved["old_date"], ""],
    }[kind]


@pytest.mark.parametrize("kind", ["dropped", "moved_still_there", "moved_not_there", "kept_not_there"])
def test_a_changes_row_that_visits_csv_contradicts_is_reported(tmp_path, kind):
    # a call-out moves the sick nurse's visits; a row added to changes.csv saying a visit was dropped
    # or moved while it is still in visits.csv on its old nurse and date (or moved or kept to a visit
    # that is not there) is false
    roster = Roster(PATIENTS, NURSES + (SPARE,))
    previous = first_plan(roster)
    nurse, sick_day = busiest_day(previous)
    sick = Roster(PATIENTS, NURSES + (SPARE,), frozenset({TimeOff(nurse, sick_day)}))
    new, _ = replan(sick, previous, start=day(1), provider=PROVIDER, options=OPTS)
    folder = tmp_path / "p"
    write_plan(new, folder)
    assert check_plan(sick, folder, provider=PROVIDER) == []
    changes, header = _rows(folder / "changes.csv")
    moved = next(c for c in changes if c["change"] == "moved")
    listed = {c["patient_id"] for c in changes}
    stays = next(v for v in _rows(folder / "visits.csv")[0]
                 if v["patient_id"] not in listed and v["date"] >= day(1).isoformat())
    with (folder / "changes.csv").open("a", newline="") as fh:  # corruption: one false row
        csv.writer(fh).writerow(_lie(kind, moved, stays))
    assert {x.rule for x in check_plan(sick, folder, provider=PROVIDER)} == {"change_visit"}


# ---- the re-plan against the plan it replaced (haiplan check --previous) ----

def _call_out(tmp_path):
    """A plan, then a re-plan from day(1) after its busiest nurse-day's nurse calls out and a
    referral arrives: (roster, previous plan folder, re-plan folder)."""
    roster = Roster(PATIENTS, NURSES + (SPARE,))
    previous = first_plan(roster)
    write_plan(previous, tmp_path / "old")
    nurse, sick_day = busiest_day(previous)
    sick = Roster(PATIENTS + (patient_due("NEW", day(3), lat=39.97, lon=-83.01),), NURSES + (SPARE,),
                  frozenset({TimeOff(nurse, sick_day)}))
    new, _ = replan(sick, previous, start=day(1), provider=PROVIDER, options=OPTS)
    write_plan(new, tmp_path / "p")
    return sick, tmp_path / "old", tmp_path / "p"


def _rules_against(roster, folder, old):
    return {x.rule for x in check_plan(roster, folder, provider=PROVIDER, previous=old)}


def test_a_real_replan_after_a_call_out_checks_clean_against_the_previous_plan(tmp_path):
    roster, old, folder = _call_out(tmp_path)
    changes, _ = _rows(folder / "changes.csv")
    assert {c["change"] for c in changes} == {"moved", "added"}  # the sick nurse's visits, the referral
    assert check_plan(roster, folder, provider=PROVIDER, previous=old) == []


def test_a_history_visit_whose_start_changed_is_reported(tmp_path):
    roster, old, folder = _call_out(tmp_path)
    rows, header = _rows(folder / "visits.csv")
    past = next(r for r in rows if r["date"] < day(1).isoformat())
    for c in ("arrival", "start", "end"):  # corruption: the visit made before the re-plan date, 10 min later
        past[c] = (dt.datetime.fromisoformat(past[c]) + dt.timedelta(minutes=10)).isoformat()
    _write(folder / "visits.csv", rows, header)
    found = check_plan(roster, folder, provider=PROVIDER, previous=old)
    assert ("history_changed", past["patient_id"]) in {(x.rule, x.patient_id) for x in found}
    assert "history_changed" not in {x.rule for x in check_plan(roster, folder, provider=PROVIDER)}


def test_a_visit_moved_from_the_replan_date_on_without_a_changes_row_is_unlisted(tmp_path):
    roster, old, folder = _call_out(tmp_path)
    listed = {c["patient_id"] for c in _rows(folder / "changes.csv")[0]}
    rows, header = _rows(folder / "visits.csv")
    v = next(r for r in rows if r["date"] >= day(1).isoformat() and r["patient_id"] not in listed)
    v["nurse_id"] = "N3" if v["nurse_id"] != "N3" else "N1"  # corruption: another nurse, no changes row
    _write(folder / "visits.csv", rows, header)
    found = {(x.rule, x.patient_id) for x in check_plan(roster, folder, provider=PROVIDER, previous=old)}
    assert ("change_unlisted", v["patient_id"]) in found  # other rules (the nurse-days) fire too


@pytest.mark.parametrize("kind", ["dropped_never_had", "added_already_had"])
def test_a_changes_row_that_the_previous_plan_contradicts_is_reported(tmp_path, kind):
    roster, old, folder = _call_out(tmp_path)
    listed = {c["patient_id"] for c in _rows(folder / "changes.csv")[0]}
    stays = next(r for r in _rows(folder / "visits.csv")[0]
                 if r["date"] >= day(1).isoformat() and r["patient_id"] not in listed)
    had = {(r["patient_id"], r["nurse_id"], r["date"]) for r in _rows(old / "visits.csv")[0]}
    never = next((stays["patient_id"], "N3", day(i).isoformat()) for i in range(4, 0, -1)
                 if (stays["patient_id"], "N3", day(i).isoformat()) not in had)
    row = {"dropped_never_had": [never[0], "dropped", never[1], never[2], "", "", "nurse_off"],
           "added_already_had": [stays["patient_id"], "added", "", "", stays["nurse_id"], stays["date"],
                                 "referral"]}[kind]
    with (folder / "changes.csv").open("a", newline="") as fh:  # corruption: one false row
        csv.writer(fh).writerow(row)
    assert check_plan(roster, folder, provider=PROVIDER) == []  # visits.csv alone cannot tell
    assert _rules_against(roster, folder, old) == {"change_previous"}


def test_a_kept_visit_whose_start_moved_beyond_the_tolerance_without_its_changes_row_is_unlisted(tmp_path):
    # the referral delays a kept visit by more than ±30 min on its nurse and date: the re-plan lists it
    # (moved, the same nurse and date); without that row the time move is a difference changes.csv misses
    roster, old, folder = _call_out(tmp_path)
    changes, header = _rows(folder / "changes.csv")
    (retimed,) = [c for c in changes if (c["old_nurse_id"], c["old_date"]) == (c["new_nurse_id"], c["new_date"])]
    assert retimed["change"] == "moved" and retimed["reason"] == "capacity"
    _write(folder / "changes.csv", [c for c in changes if c is not retimed], header)  # corruption: row left out
    assert check_plan(roster, folder, provider=PROVIDER) == []  # visits.csv alone cannot tell
    found = check_plan(roster, folder, provider=PROVIDER, previous=old)
    assert [(x.rule, x.patient_id, x.date) for x in found] == [
        ("change_unlisted", retimed["patient_id"], retimed["old_date"])]


@pytest.mark.parametrize("minutes, rules", [(30, set()), (31, {"change_unlisted"})])
def test_a_start_moved_since_the_previous_plan_is_a_change_beyond_the_tolerance_only(tmp_path, minutes, rules):
    # the previous plan had an unlisted visit from the re-plan date on earlier by ``minutes``: within
    # ±30 min the same visit, beyond it a time move changes.csv does not list
    roster, old, folder = _call_out(tmp_path)
    listed = {c["patient_id"] for c in _rows(folder / "changes.csv")[0]}
    stays = next(r for r in _rows(folder / "visits.csv")[0]
                 if r["date"] >= day(1).isoformat() and r["patient_id"] not in listed)
    rows, header = _rows(old / "visits.csv")
    (was,) = [r for r in rows if (r["patient_id"], r["nurse_id"], r["date"]) ==
              (stays["patient_id"], stays["nurse_id"], stays["date"])]
    assert was["start"] == stays["start"]
    for c in ("arrival", "start", "end"):  # corruption: the previous plan had it at another time
        was[c] = (dt.datetime.fromisoformat(was[c]) - dt.timedelta(minutes=minutes)).isoformat()
    _write(old / "visits.csv", rows, header)
    assert _rules_against(roster, folder, old) == rules


@pytest.mark.parametrize("kind", ["moved_never_had", "moved_history_on_its_day", "added_history"])
def test_a_changes_row_dated_before_the_replan_date_is_checked_against_the_previous_plan(tmp_path, kind):
    # before the re-plan date nothing changes: a row there that no confirmed visit explains is false,
    # though visits.csv alone cannot tell (the visit it names is there as the row says)
    roster, old, folder = _call_out(tmp_path)
    past = next(r for r in _rows(folder / "visits.csv")[0] if r["date"] < day(1).isoformat())
    other = "N3" if past["nurse_id"] != "N3" else "N1"
    row = {"moved_never_had": [past["patient_id"], "moved", other, past["date"], past["nurse_id"], past["date"],
                               "nurse_off"],
           "moved_history_on_its_day": [past["patient_id"], "moved", past["nurse_id"], past["date"],
                                        past["nurse_id"], past["date"], "capacity"],
           "added_history": [past["patient_id"], "added", "", "", past["nurse_id"], past["date"], "referral"]}[kind]
    with (folder / "changes.csv").open("a", newline="") as fh:  # corruption: one false row
        csv.writer(fh).writerow(row)
    assert check_plan(roster, folder, provider=PROVIDER) == []
    found = check_plan(roster, folder, provider=PROVIDER, previous=old)
    assert [(x.rule, x.patient_id) for x in found] == [("change_previous", past["patient_id"])]


def test_previous_given_for_a_plan_that_is_no_replan_is_a_usage_error(tmp_path):
    from optimizer.errors import UsageError
    roster, old, _ = _call_out(tmp_path)
    with pytest.raises(UsageError, match="no re-plan"):
        check_plan(Roster(PATIENTS, NURSES + (SPARE,)), old, provider=PROVIDER, previous=old)
