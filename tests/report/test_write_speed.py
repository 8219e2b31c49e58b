"""The plan folder's faster pieces write what they wrote (issue 14 item 4).

``write_plan`` takes each record's fields as they are (``dataclasses.astuple`` deep-copied every
value: a second at 5,000 patients) and the calendars' ``VTIMEZONE`` blocks keep each zone's
offset changes per year (one year of days walked per nurse file before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import astuple

from optimizer.io.plan_writer import _row
from optimizer.planning.keep import Change
from optimizer.planning.plan import Deferred, NurseDayPlan, PlannedVisit, Unassigned
from optimizer.report import _tz
from optimizer.rules.eligibility import Reason

DAY = dt.date(2026, 12, 7)
AT = dt.datetime(2026, 12, 7, 9, 30)


def test_rows_are_astuple_of_every_plan_record() -> None:
    records = [
        PlannedVisit("N1", DAY, 1, "P1", "PA", "floxuridine", AT, AT, AT, 12, 3.456, DAY, DAY, DAY, DAY, 2,
                     alarm="pump_empty", fill_no=2, patient_name="A", address="1 Main St", phone="555",
                     notes="=x", nurse_name="B"),
        NurseDayPlan("N1", DAY, 3, AT, AT, 80, 90.5, 400, 0, 321.45, AT, AT, 40.1, -79.2, 40.3, -79.4, 95.0),
        NurseDayPlan("N2", DAY, 0, AT, AT, 0, 0.0, 0, 0, 0.0),
        Unassigned("P2", "OH", DAY, DAY, DAY, Reason.NO_CAPACITY_IN_WINDOW, "no room", 1),
        Deferred("P3", "WV", DAY, DAY, DAY, "next plan"),
        Change("P4", "moved", "N1", DAY, "N2", None, "capacity"),
    ]
    for rec in records:
        assert _row(rec) == astuple(rec)
        assert [type(v) for v in _row(rec)] == [type(v) for v in astuple(rec)]


def test_vtimezone_is_the_same_when_asked_again() -> None:
    _tz._transitions.cache_clear()
    first = _tz.vtimezone("America/New_York", [2026, 2027])
    assert _tz.vtimezone("America/New_York", [2026, 2027]) == first
    assert _tz._transitions.cache_info().hits > 0
    assert "BEGIN:DAYLIGHT" in first and "TZOFFSETTO:-0400" in first
