"""A nurse-day's break in the printable itinerary and the nurse's .ics (issue 11 item 3)."""

from __future__ import annotations

import datetime as dt

import icalendar

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon, Roster
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import build_problem
from optimizer.report import export_ics, plan_report
from tests.conftest import make_nurse
from tests.planning.test_breaks_time_off import MON, _patient

PROVIDER = HaversineProvider()


def _long_day():
    pats = [_patient(f"P{i}", minutes=120, lat=39.96 + 0.01 * i) for i in range(3)]
    roster = Roster(tuple(pats), (make_nurse(),), frozenset())
    problem = build_problem(roster, Horizon(MON, 1), provider=PROVIDER)
    plan = plan_problem(problem, SolverOptions(backend="greedy", workers=1))
    (day,) = plan.nurse_days
    assert day.break_start is not None
    return plan, problem, day


def test_the_itinerary_shows_the_break_after_the_visit_it_follows():
    plan, problem, day = _long_day()
    html = plan_report(plan, problem, provider=PROVIDER, map_html="<p>map</p>").html
    line = f"Break {day.break_start:%H:%M}–{day.break_end:%H:%M}"
    assert html.count(line) == 2  # in the day's summary line and as a row of the itinerary
    row = html.index('<tr class="break">')
    before = max((v for v in plan.visits if v.end <= day.break_start), key=lambda v: v.seq)
    after = min((v for v in plan.visits if v.start >= day.break_end), key=lambda v: v.seq)
    assert html.index(f"{before.start:%H:%M}–{before.end:%H:%M}") < row < html.index(
        f"{after.start:%H:%M}–{after.end:%H:%M}")


def test_the_ics_has_a_break_event_at_the_nurse_wall_clock(tmp_path):
    plan, problem, day = _long_day()
    (path,) = export_ics(plan, problem, tmp_path, stamp=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    breaks = [e for e in events if str(e["SUMMARY"]).startswith("Break")]
    assert len(events) == len(plan.visits) + 1 and len(breaks) == 1
    assert breaks[0].decoded("DTSTART").replace(tzinfo=None) == day.break_start
    assert breaks[0].decoded("DTEND").replace(tzinfo=None) == day.break_end
