"""The validator on confirmed visits (SPEC §4): a second promise for one refill, dropped once the
first is kept, is dropped for ``window_moved`` (after the kept visit the pump is full and its next
window lies ahead), which the inputs make true."""

from __future__ import annotations

import csv
import datetime as dt

from optimizer.domain import ConfirmedVisit, Roster
from optimizer.io.plan_writer import write_plan
from optimizer.validate import check_plan
from tests.planning.test_confirmed import NEAR, PROVIDER, TUE, WED, patient_due, solve


def test_a_second_promise_for_one_refill_dropped_as_window_moved_checks_out(tmp_path):
    p = patient_due("P1", WED)  # window Sunday..Thursday
    confirmed = (ConfirmedVisit("P1", "N2", TUE, dt.time(9, 0)), ConfirmedVisit("P1", "N2", WED))
    plan = solve([p], [NEAR], confirmed, backend="greedy")
    assert [(v.nurse_id, v.date) for v in plan.visits] == [("N2", TUE)]
    assert [(c.change, c.old_date, c.reason) for c in plan.changes] == [("dropped", WED, "window_moved")]
    write_plan(plan, tmp_path / "plan")
    roster = Roster((p,), (NEAR,), confirmed_visits=confirmed)
    assert check_plan(roster, tmp_path / "plan", provider=PROVIDER) == []


def test_window_moved_is_still_refused_when_no_kept_promise_makes_the_fill(tmp_path):
    p = patient_due("P1", WED)
    confirmed = (ConfirmedVisit("P1", "N2", TUE, dt.time(9, 0)), ConfirmedVisit("P1", "N2", WED))
    plan = solve([p], [NEAR], confirmed, backend="greedy")
    write_plan(plan, tmp_path / "plan")
    # the same folder judged against a roster that promised only the dropped visit
    roster = Roster((p,), (NEAR,), confirmed_visits=(ConfirmedVisit("P1", "N2", WED),))
    kinds = [v.rule for v in check_plan(roster, tmp_path / "plan", provider=PROVIDER)]
    assert "change_reason" in kinds
