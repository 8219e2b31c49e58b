"""Breaks and blocked intervals in the one schedule, the model's check and both backends (issue 11 items 3-4).

Times are minutes since midnight; a vehicle's break of 30 is due when its day is longer
than 360; lunch time (690, 810) is where the break is best placed.
"""

from __future__ import annotations

from dataclasses import replace

from optimizer.routing import Model
from optimizer.routing.timing import time_route
from tests.routing.conftest import line_model, run

BREAK = {"break_duration": 30, "break_after": 360, "break_preferred": (690, 810)}


def _three_long_visits(*, tw_late: int = 1140, exact: bool = False,
                       penalties: tuple[int, int, int] = (10**6, 10**6, 10**6), **vehicle) -> Model:
    """Depot at 0, visits A/B/C at 20/40/60 (travel = distance), 120 minutes each."""
    m = line_model([0, 20, 40, 60])
    m.add_vehicle(start=0, end=0, tw_early=480, tw_late=tw_late, cost_per_time=1, **vehicle)
    for loc, at, pen in zip((1, 2, 3), (500, 640, 780), penalties):
        m.add_visit(location=loc, tw_early=at if exact else 480, tw_late=at if exact else 1000, service=120,
                    required=False, penalty=pen)
    return m


def test_a_seven_hour_day_gets_its_break_between_visits_at_lunch():
    t = time_route([20, 20, 20, 60], [480] * 3, [1000] * 3, [120] * 3, earliest_departure=480,
                   latest_return=1140, **BREAK)
    assert t.feasible
    # A 500-620, B 640-760, break at C's door 780-810 (lunch), C 810-930, home 990
    assert (t.break_start, t.break_end) == (780, 810)
    assert t.starts == (500, 640, 810) and t.arrivals == (500, 640, 780)
    assert t.duration == 480 + 30
    # without the rule the same order is 30 minutes shorter and has no break
    plain = time_route([20, 20, 20, 60], [480] * 3, [1000] * 3, [120] * 3, earliest_departure=480,
                       latest_return=1140)
    assert plain.break_start is None and plain.duration == 480


def test_a_break_fits_in_waiting_for_free_and_a_short_day_has_none():
    # A must start by 500 and ends at 650; B opens at 710: the nurse waits 40 minutes at B's door
    t = time_route([20, 20, 20], [480, 710], [500, 1000], [150, 200], earliest_departure=480,
                   latest_return=1200, **BREAK)
    plain = time_route([20, 20, 20], [480, 710], [500, 1000], [150, 200], earliest_departure=480,
                       latest_return=1200)
    assert t.feasible and t.duration == plain.duration == 450 and t.return_time == plain.return_time
    assert t.break_start == 680 and t.break_end == 710  # in the wait, as near lunch as it allows
    short = time_route([20, 20, 20], [480, 480], [1000, 1000], [100, 100], earliest_departure=480,
                       latest_return=1200, **BREAK)
    assert short.feasible and short.duration <= 360 and short.break_start is None


def test_no_room_for_the_break_makes_the_order_infeasible():
    # windows pinned back to back: no gap between visits can hold 30 minutes
    t = time_route([20, 20, 20, 60], [500, 640, 780], [500, 640, 780], [120] * 3, earliest_departure=480,
                   latest_return=1140, **BREAK)
    assert not t.feasible and "break" in t.violations[-1]


def test_blocked_time_holds_no_visit_and_no_drive_but_waiting_across_it():
    # off 12:00-14:00; A 600-710, the 30-minute drive to B would cross noon
    t = time_route([20, 30, 20], [600, 480], [1000, 1000], [110, 60], earliest_departure=480,
                   latest_return=1140, blocked=[(720, 840)])
    assert t.feasible
    assert t.starts[0] + 110 <= 720  # A ends before noon ...
    assert t.arrivals[1] == 840 + 30 and t.starts[1] == 870  # ... and the drive to B waits for 14:00
    # a window that opens inside the time off: the nurse drives before noon and waits at the door
    t = time_route([20, 20, 20], [480, 700], [1000, 1000], [60, 60], earliest_departure=480,
                   latest_return=1140, blocked=[(720, 840)])
    assert t.feasible and t.arrivals[1] <= 720 and t.starts[1] == 840


def test_the_model_check_finds_a_missing_or_misplaced_break():
    m = _three_long_visits(**BREAK)
    sol = m.build_solution([(0, [0, 1, 2])])
    assert sol.ok and sol.routes[0].break_start == 780
    r = sol.routes[0]
    missing = replace(sol, routes=(replace(r, break_start=None),))
    assert any("has no break" in i for i in m.check(missing))
    on_a_visit = replace(sol, routes=(replace(r, break_start=650),))
    assert any("break overlaps visit" in i for i in m.check(on_a_visit))


def test_the_model_check_finds_a_visit_in_blocked_time():
    m = line_model([0, 20])
    m.add_vehicle(start=0, end=0, tw_early=480, tw_late=1140, blocked=[(720, 840)])
    m.add_visit(location=1, tw_early=480, tw_late=1000, service=60)
    sol = m.build_solution([(0, [0])])
    assert sol.ok
    forged = replace(sol, routes=(replace(sol.routes[0], starts=(700,), return_time=780,
                                          duration=780 - sol.routes[0].departure),))
    assert any("blocked" in i for i in m.check(forged))


def test_both_backends_plan_the_long_day_with_its_break(backend):
    m = _three_long_visits(**BREAK)
    sol = run(m, backend)
    assert sol.served == (0, 1, 2)
    (r,) = sol.routes
    assert r.break_start is not None and r.duration == 510
    ends = [s + 120 for s in r.starts]
    assert any(e <= r.break_start and r.break_start + 30 <= s for e, s in zip(ends, r.starts[1:]))


def test_both_backends_drop_a_visit_rather_than_the_break(backend):
    pens = (10**6, 10**6, 10**5)  # C is the cheapest to leave out
    relaxed = run(_three_long_visits(exact=True, penalties=pens), backend)
    assert relaxed.served == (0, 1, 2)  # the rule is what drops C
    sol = run(_three_long_visits(exact=True, penalties=pens, **BREAK), backend)
    assert sol.served == (0, 1) and sol.unserved == (2,)
    assert sol.routes[0].duration <= 360 and sol.routes[0].break_start is None


def test_both_backends_keep_visits_out_of_blocked_time(backend):
    m = line_model([0, 20, 40, 60])
    m.add_vehicle(start=0, end=0, tw_early=480, tw_late=1200, cost_per_time=1, blocked=[(600, 840)])
    for loc in (1, 2, 3):
        m.add_visit(location=loc, tw_early=480, tw_late=1100, service=60, required=False, penalty=10**6)
    sol = run(m, backend)
    assert sol.served == (0, 1, 2)
    (r,) = sol.routes
    assert all(s + 60 <= 600 or s >= 840 for s in r.starts)  # the model's check also covered the drives
    free = run(replace_blocked(m), backend)
    assert any(600 <= s < 840 for s in free.routes[0].starts)  # without the time off, the morning is used


def replace_blocked(m: Model) -> Model:
    """The same model, its only vehicle without blocked time."""
    out = line_model([0, 20, 40, 60])
    v = m.vehicles[0]
    out.add_vehicle(start=v.start, end=v.end, tw_early=v.tw_early, tw_late=v.tw_late,
                    cost_per_time=v.cost_per_time)
    for c in m.visits:
        out.add_visit(location=c.location, tw_early=c.tw_early, tw_late=c.tw_late, service=c.service,
                      required=c.required, penalty=c.penalty)
    return out


def test_every_schedule_the_timing_accepts_passes_the_model_check():
    """Random orders, windows, blocked time and breaks: what time_route calls feasible, the
    independent check of reported times accepts (and a break is there exactly when due)."""
    import random

    rng = random.Random(11)
    feasible = 0
    for _ in range(400):
        xs = [0] + [rng.randrange(0, 80) for _ in range(5)]
        m = line_model(xs)
        a = rng.randrange(500, 900)
        blocked = [(a, a + rng.randrange(10, 150))] if rng.random() < 0.6 else []
        m.add_vehicle(start=0, end=0, tw_early=480, tw_late=rng.randrange(900, 1200), blocked=blocked,
                      break_duration=rng.choice([0, 15, 30, 45]), break_after=rng.choice([None, 200, 360]),
                      break_preferred=(690, 810))
        for loc in range(1, 6):
            e = rng.randrange(480, 900)
            m.add_visit(location=loc, tw_early=e, tw_late=e + rng.randrange(0, 240),
                        service=rng.randrange(20, 130), required=False, penalty=1)
        order = rng.sample(range(5), rng.randrange(1, 6))
        s = m.schedule(0, order)
        if not s.feasible:
            continue
        feasible += 1
        sol = m.build_solution([(0, order)])
        assert m.check(sol) == [], (xs, blocked, order, m.check(sol))
        v = m.vehicles[0]
        due = v.break_after is not None and v.break_duration > 0 and s.duration > v.break_after
        assert (s.break_start is not None) == due
    assert feasible > 40
