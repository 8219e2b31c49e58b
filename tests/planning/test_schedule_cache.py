"""The fast :func:`~optimizer.planning.schedule.schedule_order` changes no schedule (issue 14 item 4).

``schedule_order`` now reads each nurse-day's terms, each refill's stop and each leg once per
problem and keeps its recent answers (:class:`~optimizer.planning.schedule.ScheduleCache`), and
:func:`~optimizer.routing.timing.time_route` has a path for days without blocked time. The
reference is the old adapter: :func:`schedule_route` on the problem's nurse, patients, travel and
blocked time, read afresh at each call. On random orders of a synthetic roster with part-day time
off, breaks, kept visits with a cut arrival window and overnight-trip days (start and end away),
every schedule must be equal; a copy of the problem with other pins, and changed settings, are
answered for themselves, never from another's cache.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer import settings
from optimizer.domain import Horizon, TimeOff
from optimizer.io.roster import load_roster
from optimizer.planning.keep import Pins, _narrowed
from optimizer.planning.problem import build_problem
from optimizer.planning.schedule import schedule_order, schedule_route
from optimizer.planning.workday import blocked_minutes
from optimizer.routing.timing import time_route
from optimizer.rules.objective import visit_patient
from optimizer.studies.synth import generate, write

AS_OF = dt.date(2026, 11, 23)


def _reference(problem, k, order, start=None, end=None, lodging_units=0):
    """The adapter as it was: every input read at the call."""
    nd = problem.nurse_days[k]
    return schedule_route(
        nd.nurse, [visit_patient(problem, j) for j in order], problem.travel,
        home=problem.nurse_location[nd.nurse.nurse_id],
        locations=[problem.patient_location[problem.refills[j].patient_id] for j in order],
        blocked=blocked_minutes(problem.roster, nd.nurse, nd.day), start=start, end=end,
        lodging_units=lodging_units)


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    data = tmp_path_factory.mktemp("schedule")
    write(generate(120, 12, seed=5, as_of=AS_OF, states="OH;PA;WV", overdue_share=0.1, preferred_share=0.3), data)
    roster = load_roster(data, as_of=AS_OF)
    days = [AS_OF + dt.timedelta(days=i) for i in range(10)]
    rng = random.Random(1)
    part = {TimeOff(n.nurse_id, rng.choice(days), dt.time(h, 0), dt.time(h + 1, 30))
            for n, h in zip(roster.nurses, [9, 11, 12, 14, 10, 13] * 3)}
    roster = replace(roster, time_off=roster.time_off | part)
    p = build_problem(roster, Horizon(AS_OF, 10), provider=HaversineProvider())
    cands = p.candidates_by_refill()
    keep = {j: cands[j][0] for j in sorted(cands)[::5]}
    cut = {j: _narrowed(p.refills[j].patient, dt.time(10, 0)) for j in keep}
    return replace(p, pins=Pins(keep=keep, wanted=(), refill_of={}, conflicts={},
                                patients={j: c for j, c in cut.items() if c is not None}))


def _orders(problem, n, seed):
    """Random (nurse-day, order) pairs: the refills of a few candidates of the day, in random order."""
    rng = random.Random(seed)
    by_day: dict[int, list[int]] = {}
    for c in problem.candidates:
        by_day.setdefault(c.nurse_day, []).append(c.refill)
    days = sorted(by_day)
    out = []
    for _ in range(n):
        k = rng.choice(days)
        js = by_day[k]
        out.append((k, rng.sample(js, min(len(js), rng.randint(0, 6)))))
    return out


def test_schedule_order_equals_the_reference(problem):
    blocked_days = {k for k, nd in enumerate(problem.nurse_days)
                    if blocked_minutes(problem.roster, nd.nurse, nd.day)}
    assert blocked_days, "the roster must have part-day time off"
    seen = {"feasible": 0, "blocked": 0, "break": 0, "kept": 0}
    for k, order in _orders(problem, 1500, seed=2) * 2:  # twice: the second answers come from the cache
        got, want = schedule_order(problem, k, order), _reference(problem, k, order)
        assert got == want, (k, order)
        if want is not None:
            seen["feasible"] += 1
            seen["blocked"] += k in blocked_days
            seen["break"] += want.break_start is not None
            seen["kept"] += any(j in problem.pins.patients for j in order)
    assert all(seen.values()), seen


def test_trip_days_equal_the_reference(problem):
    rng = random.Random(3)
    locs = sorted(problem.patient_location.values())
    for k, order in _orders(problem, 400, seed=4):
        start = rng.choice([None, rng.choice(locs)])
        end = rng.choice([None, rng.choice(locs)])
        lodging = 0 if end is None else 12_345
        got = schedule_order(problem, k, order, start=start, end=end, lodging_units=lodging)
        assert got == _reference(problem, k, order, start, end, lodging), (k, order, start, end)


def test_a_copy_with_other_pins_and_changed_settings_are_answered_afresh(problem, monkeypatch):
    k, order = next((k, o) for k, o in _orders(problem, 500, seed=5)
                    if o and any(j in problem.pins.patients for j in o) and _reference(problem, k, o))
    plain = replace(problem, pins=None)  # shares the cache object until it is asked
    assert schedule_order(plain, k, order) == _reference(plain, k, order)
    assert schedule_order(problem, k, order) == _reference(problem, k, order)
    before = schedule_order(problem, k, order)
    monkeypatch.setattr(settings, "IRS_MILEAGE_RATE_PER_MILE", settings.IRS_MILEAGE_RATE_PER_MILE * 3)
    after = schedule_order(problem, k, order)
    assert after == _reference(problem, k, order) and after.cost_units > before.cost_units


def test_time_route_without_blocked_time_is_the_blocked_path():
    """A blocked interval before any time of the day changes nothing: the path for days without
    blocked time must give what the general one gives."""
    rng = random.Random(7)
    for _ in range(3000):
        n = rng.randint(0, 6)
        travel = [rng.randint(0, 90) for _ in range(n + 1)]
        early = [rng.randint(480, 900) for _ in range(n)]
        late = [e + rng.randint(0, 240) for e in early]
        service = [rng.choice([30, 45, 60, 120]) for _ in range(n)]
        kw = dict(earliest_departure=480, latest_return=rng.choice([1020, 1140, 1300]), soft_end=1020,
                  break_duration=rng.choice([0, 30]), break_after=360, break_preferred=(690, 780))
        free = time_route(travel, early, late, service, **kw)
        assert free == time_route(travel, early, late, service, blocked=((0, 1),), **kw)
