"""Overnight trips (SPEC §5 routes, §6 nurse_days.csv; issue 13 item 1).

A nurse may drive out, stay the night near a far patient and continue her next workday
from there: the outbound day ends at the lodging, the return day (the next calendar day,
also one of her working days) starts there; a trip of several nights is a chain of such
nights (:mod:`optimizer.planning._trip_state`), never over a day she does not work. A visit on either day is within reach when
the drive from her home *or from the lodging* is within ``max_drive_minutes_one_way``
(SPEC §5 eligibility); the lodging, per diem included
(:data:`optimizer.settings.LODGING_COST_PER_NIGHT_USD`), is priced in the outbound day's
one cost (:func:`optimizer.planning.schedule.schedule_route`), so the objective and the
plan's cost count it like any other cost of a nurse-day.

The day planner stays as it is; this pass runs on its routes:

1. every refill still missed (out of reach, no capacity, or an overdue refill no day trip
   makes; one the next plan can make only when no day trip reaches it, last) is placed, those only a trip of several nights
   can make first, then fewest options first, by the option of least objective: into a
   trip's day (its lodging fixed, or the night moved to reach the patient), a new trip
   lodging at the patient's home (a trip may follow another: a day from one lodging to
   the next), or, where no night at her home will do (she lies farther than a working
   day's drive), a trip of up to :data:`optimizer.planning.waypoints.MAX_NIGHTS` nights on
   consecutive working days through waypoints (:mod:`optimizer.planning.waypoints`); a
   trip's days keep their visits where they fit, else the farthest go to other days; the
   refills are placed in several orders and the best kept, then each nurse's trips near a
   refill still missed are undone and made again where that misses fewer
   (:mod:`optimizer.planning._trip_place`);
2. trips are also made where they are cheaper than the day trips: two consecutive days
   of one nurse joined by a night near the last patient of the first (or the first
   patient of the second), and a placed visit moved into a trip's day, whenever the
   objective (:func:`optimizer.rules.objective.score`) falls; 3. a confirmed visit only a trip
   can make is kept on one (its nurse, its date, its time ± 30 min).

Refill windows, licenses, certification, shifts, breaks, arrival windows and the cap on
visits all hold as on any day: each day is timed by the one schedule. A day of a trip
with no visit (the drive out, or home) is used for its drive, with its break at a rest
stop halfway when it is long (:func:`optimizer.planning.schedule.schedule_route`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta

from optimizer import settings
from optimizer.planning._promise_chain import keep_promised_chains
from optimizer.planning._trip_defer import defer_to_next_trips
from optimizer.planning._trip_place import moves_on, place_missed, rebuild_trips, swap_in, trip_options
from optimizer.planning._trip_state import (NEAREST_NURSES, Move, Trip, TripState, day_units, has_later, into_trip,
                                            may_make, schedule_day, state_of_plan)
from optimizer.planning.fills import extend_with_next_fills, lodging_units, routes_of_plan, with_later_fills
from optimizer.planning.greedy import Routes, greedy_routes
from optimizer.planning.keep import _narrowed, _shift  # the confirmed start ± 30 min, as pin_visits cuts it
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import Candidate, PlanningProblem
from optimizer.planning.schedule import schedule_order
from optimizer.rules.objective import miss_penalty, score

__all__ = ["Trip", "TripOption", "lodging_units", "with_overnight_trips", "with_fills_and_trips", "best_trip", "plan_trips", "MAX_PASSES",
           "NEAREST_NURSES", "LAST_TIMINGS"]

#: Passes of trips and later fills at most (as :data:`optimizer.planning.fills.MAX_PASSES`).
MAX_PASSES: int = 12
#: Seconds of the last trips pass, by step (the bench prints them).
LAST_TIMINGS: dict[str, float] = {}


@dataclass(frozen=True, slots=True)
class TripOption:
    """The best overnight trip for one refill (``alternatives.csv`` kind ``overnight_trip``).

    ``extra_cost`` is the dollars the plan's cost rises by (lodging included).
    """

    patient_id: str
    nurse_id: str
    out_date: str
    back_date: str
    extra_cost: float
    nights: int = 1


def _join_days(state: TripState) -> None:
    """Join two consecutive days of a nurse by a night away where that is cheaper (lodging included):
    the night near the last patient of the first day, or the first patient of the second."""
    problem = state.problem
    for (nid, day), ka in sorted(state.day_of.items(), key=lambda x: (x[0][0], x[0][1])):
        kb = state.day_of.get((nid, day + timedelta(days=1)))
        a, b = state.order(ka), state.order(kb) if kb is not None else []
        if kb is None or not a or not b or not _may_save(problem, nid, a[-1], b[0]):
            continue
        if (ka, kb) not in state.pairs(nid, ka):
            continue
        best: Move | None = None
        for stop in (a[-1], b[0]):
            trip = Trip(nid, ka, kb, problem.patient_location[problem.refills[stop].patient_id])
            sa = schedule_day(problem, ka, a, state.ends(ka, (trip,)))
            sb = schedule_day(problem, kb, b, state.ends(kb, (trip,)))
            if sa is None or sb is None:
                continue
            delta = day_units(problem, ka, a, sa) + day_units(problem, kb, b, sb) - state.units(ka) - state.units(kb)
            if delta < 0 and (best is None or delta < best[0]):
                best = (delta, {ka: (a, sa), kb: (b, sb)}, (trip,))
        if best is not None:
            state.apply(best)


def _may_save(problem: PlanningProblem, nurse_id: str, last: int, first: int) -> bool:
    """Whether a night between a day ending at refill ``last`` and the next starting at ``first`` can
    cost less than the two drives home and back it saves: their minutes (and a break each day may
    no longer need) at the overtime rate and their miles, at most (a bound: joining changes
    nothing else of the two days)."""
    loc = problem.patient_location
    home = problem.nurse_location[nurse_id]
    a, b = loc[problem.refills[last].patient_id], loc[problem.refills[first].patient_id]
    (m1, k1), (m2, k2), (m3, k3) = problem.travel(a, home), problem.travel(home, b), problem.travel(a, b)
    nurse = problem.roster.nurse(nurse_id)
    minutes, km = m1 + m2 - m3 + 2 * nurse.break_minutes, k1 + k2 - k3
    most = (minutes / 60 * nurse.hourly_cost * settings.OVERTIME_MULTIPLIER
            + km / settings.KM_PER_MILE * settings.IRS_MILEAGE_RATE_PER_MILE)
    return not most < settings.LODGING_COST_PER_NIGHT_USD  # nan (no road): tried


def _move_into_trips(state: TripState) -> None:
    """Move a placed visit off a day trip into a trip's day where the objective falls."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    for k, (order, _) in sorted(state.routes.items()):
        if k in state.busy or not order:
            continue
        for j in list(order):
            if j not in pins and j in state.order(k):
                _try_move(state, j, k)


def _try_move(state: TripState, j: int, k: int) -> None:
    """Move refill ``j`` from day ``k`` into a trip's day if the objective falls."""
    problem = state.problem
    day = problem.nurse_days[k].day  # the same date: a later fill's window stays as this date made it
    targets = [t for t in sorted(state.busy) if problem.nurse_days[t].day == day
               and may_make(problem, problem.nurse_days[t].nurse, j, t, state.ends(t))]
    if not targets:
        return
    rest = [x for x in state.order(k) if x != j]
    rest_s = schedule_order(problem, k, rest) if rest else None
    if rest and rest_s is None:
        return
    saved = state.units(k) - day_units(problem, k, rest, rest_s)
    for t in targets:
        move = into_trip(state, j, t, make_room=False)  # no visit moved elsewhere
        if move is not None and move[0] < saved:
            days = dict(move[1])
            if rest:
                days[k] = (rest, rest_s)
            else:
                state.routes.pop(k, None)
            state.routes.update(days)
            return


def _keep_promises(state: TripState) -> None:
    """Keep a confirmed visit (SPEC §4) that only an overnight trip can make: one its nurse cannot
    reach from home on its date (a conflict of reason ``capacity``) is made on that date by her,
    on a trip, at its confirmed time ± 30 min, where a trip fits; it is then a kept visit."""
    if state.problem.pins is None:
        return
    keep_promised_chains(state)  # a nurse's promises of consecutive days together, on one chain
    problem, pins = state.problem, state.problem.pins
    for i, (reason, _) in sorted(pins.conflicts.items()):
        j, w = pins.refill_of.get(i), pins.wanted[i]
        k = state.day_of.get((w.nurse_id, w.date))
        if reason != "capacity" or j is None or k is None or j in state.problem.pins.keep:
            continue
        cut = _narrowed(problem.refills[j].patient, w.start, _shift(problem, w, j)) if w.start is not None else None
        if w.start is not None and cut is None:
            continue
        now = state.problem
        kept = replace(now.pins, keep={**now.pins.keep, j: k},
                       patients={**now.pins.patients, **({j: cut} if cut is not None else {})})
        trial = TripState(replace(now, pins=kept), state.routes, state.trips)
        where = next((kk for kk, (o, _) in trial.routes.items() if j in o), None)
        if where is not None:
            if where in trial.busy or (has_later(now, j) and now.nurse_days[where].day != w.date):
                continue
            rest = [x for x in trial.order(where) if x != j]
            rest_s = schedule_order(trial.problem, where, rest) if rest else None
            if rest and rest_s is None:
                continue
            if rest:
                trial.routes[where] = (rest, rest_s)
            else:
                trial.routes.pop(where)
        moves = moves_on(trial, j, problem.roster.nurse(w.nurse_id), k)
        if moves:
            trial.apply(min(moves, key=lambda m: (m[0], sorted(m[1]))))
            state.problem, state.routes, state.trips = trial.problem, trial.routes, trial.trips


def _passes(problem: PlanningProblem, routes: Routes) -> tuple[PlanningProblem, TripState]:
    """Trips for the missed refills, cheaper trips, then the later fills their dates open, in passes."""
    LAST_TIMINGS.clear()
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        LAST_TIMINGS[step] = LAST_TIMINGS.get(step, 0.0) + now - clock
        clock = now

    state = TripState(problem, routes)
    _keep_promises(state)
    lap("keep_promises")
    for _ in range(MAX_PASSES):
        place_missed(state)
        lap("place_missed")
        swap_in(state)
        lap("swap_in")
        rebuild_trips(state)
        lap("rebuild_trips")
        _join_days(state)
        lap("join_days")
        _move_into_trips(state)
        lap("move_into_trips")
        place_missed(state)  # a trip joined or filled since may take one left out
        lap("place_missed")
        ext = extend_with_next_fills(state.problem, state.routes)
        if ext is None:
            break
        busy = state.busy  # the later fills go on days from home; a trip's days stay as they are
        free = replace(ext, candidates=[c for c in ext.candidates if c.nurse_day not in busy])
        state = TripState(ext, greedy_routes(free, routes=state.routes), state.trips)
        lap("later_fills")
    return state.problem, state


def _with_trip_candidates(problem: PlanningProblem, routes: Routes) -> PlanningProblem:
    """``problem`` with every (refill, nurse-day) a route makes among its candidates (a trip's
    visits are eligible from the lodging), so the score counts them like any other."""
    have = {(c.refill, c.nurse_day) for c in problem.candidates}
    more = [Candidate(j, k) for k, (order, _) in routes.items() for j in order if (j, k) not in have]
    if not more:
        return problem
    cands = sorted([*problem.candidates, *more], key=lambda c: (c.refill, c.nurse_day))
    return replace(problem, candidates=cands)


def _order_key(problem: PlanningProblem, routes: Routes, first: int) -> tuple[int, int]:
    """How the two orders of :func:`with_fills_and_trips` compare: the penalties of the first fills
    (the ``first`` refills, the same in both) missed, those no day trip reaches too, then the
    objective (:func:`~optimizer.rules.objective.score`) with every missed refill counted. A later
    fill exists only when its predecessor was made, so its miss is weighed after the first fills'."""
    placed = {j for order, _ in routes.values() for j in order}
    with_cands = problem.candidates_by_refill()
    missed = [j for j in range(len(problem.refills)) if j not in placed]
    return (sum(miss_penalty(problem, j) for j in missed if j < first),
            score(problem, routes)[0] + sum(miss_penalty(problem, j) for j in missed if j not in with_cands))


def with_fills_and_trips(problem: PlanningProblem, plan: Plan, *,
                         enabled: bool | None = None) -> tuple[Plan, PlanningProblem]:
    """``plan`` of the first fills with its later fills (:func:`optimizer.planning.fills.with_later_fills`)
    and overnight trips (:func:`with_overnight_trips`), in the better of two orders.

    The later fills first, then trips: a first fill with a later fill in the horizon may then only
    move to another nurse on its date (the later fill's window hangs on it), so a trip in a region of
    one nurse finds her days full. Trips first, on the first fills alone (the passes add the later
    fills their dates open): the first fills move freely, the later fills take what is left. Both
    are made when trips are on; the one with fewer first fills missed, then the lower objective
    (:func:`_order_key`), is kept (the first on a tie).

    Parameters
    ----------
    problem
        The problem of the first fills (:func:`optimizer.planning.problem.build_problem`).
    plan
        Its plan, by any backend.
    enabled
        Make trips; :data:`optimizer.settings.OVERNIGHT_TRIPS` when ``None``.

    Returns
    -------
    (Plan, PlanningProblem)
        The plan and the problem it was made on (later fills included); with trips on, the refills
        only a trip after the horizon can make are deferred (:mod:`optimizer.planning._trip_defer`).
    """
    fills_plan, fills_problem = with_later_fills(problem, plan)
    on = settings.OVERNIGHT_TRIPS if enabled is None else enabled
    if not on or problem.provider is None:
        return fills_plan, fills_problem
    later_first = _trips(fills_problem, fills_plan)
    trips_first = _trips(problem, plan)
    if trips_first is None:  # no trip on the first fills alone: the same plan as with no trips
        made = later_first[:2] if later_first else (fills_plan, fills_problem)
    else:
        if later_first is None:
            later_first = fills_plan, fills_problem, routes_of_plan(fills_problem, fills_plan)
        first = len(problem.refills)
        made = min(later_first, trips_first, key=lambda t: _order_key(t[1], t[2], first))[:2]
    return defer_to_next_trips(made[1], made[0]), made[1]


def _trips(problem: PlanningProblem, plan: Plan) -> tuple[Plan, PlanningProblem, Routes] | None:
    """:func:`with_overnight_trips` with the routes of its plan, or ``None`` when no trip is made."""
    routes = routes_of_plan(problem, plan)
    before = score(problem, routes)[0]
    current, state = _passes(problem, routes)
    if not state.trips:
        return None
    current = _with_trip_candidates(current, state.routes)
    solver = dict(plan.solver)
    if "objective" in solver:
        solver["objective"] = score(current, state.routes)[0]
    solver["overnight_trips"] = len(state.trips)
    solver["objective_before_trips"] = before
    if "later_fills" in plan.solver or len(current.refills) > len(problem.refills):
        solver["later_fills"] = plan.solver.get("later_fills", 0) + len(current.refills) - len(problem.refills)
    return plan_from_routes(current, state.routes, solver=solver), current, state.routes


def with_overnight_trips(problem: PlanningProblem, plan: Plan, *,
                         enabled: bool | None = None) -> tuple[Plan, PlanningProblem]:
    """``plan`` with overnight trips where they place a missed refill or cost less (module docs).

    Parameters
    ----------
    problem
        The problem ``plan`` was made on (later fills included).
    plan
        A plan of day trips, by any backend.
    enabled
        Make trips; :data:`optimizer.settings.OVERNIGHT_TRIPS` when ``None``.

    Returns
    -------
    (Plan, PlanningProblem)
        ``plan`` and ``problem`` unchanged when trips are off or none helps; else the plan with
        its trips (``solver["overnight_trips"]`` counts them) and the problem it was made on. With
        trips on, the refills only a trip after the horizon can make are deferred
        (:mod:`optimizer.planning._trip_defer`).
    """
    on = settings.OVERNIGHT_TRIPS if enabled is None else enabled
    if not on or problem.provider is None:
        return plan, problem
    made = _trips(problem, plan)
    plan, problem = made[:2] if made else (plan, problem)
    return defer_to_next_trips(problem, plan), problem


def plan_trips(problem: PlanningProblem, plan: Plan) -> TripState:
    """The routes and trips of ``plan`` on ``problem``, read once to price many refills on
    (:func:`best_trip` with ``trips=``; neither ``problem`` nor ``plan`` is changed)."""
    return state_of_plan(problem, plan)


def best_trip(problem: PlanningProblem, plan: Plan, patient_id: str, *,
              trips: TripState | None = None) -> TripOption | None:
    """The cheapest overnight trip (one night or more) that would make ``patient_id``'s missed refill,
    or ``None``.

    For ``alternatives.csv`` (kind ``overnight_trip``): priced on ``plan``'s routes and trips as
    they are, whatever :data:`~optimizer.settings.OVERNIGHT_TRIPS` says; ``trips`` is the plan as
    :func:`plan_trips` read it (read here when ``None``), so a caller pricing every unassigned
    refill reads the plan once.
    """
    state = trips if trips is not None else plan_trips(problem, plan)
    routes = state.routes
    placed = {j for order, _ in routes.values() for j in order}
    js = [j for j, r in enumerate(problem.refills) if r.patient_id == patient_id and j not in placed]
    options = [m for j in js for m in trip_options(state, j) if m[2]]
    if not options:
        return None
    _, days, nights = min(options, key=lambda m: (m[0], sorted(m[1])))
    cost = sum(s.cost for _, s in days.values()) - sum(
        routes[k][1].cost for k in days if k in routes)
    nds = problem.nurse_days
    return TripOption(patient_id, nights[0].nurse_id, nds[nights[0].out_day].day.isoformat(),
                      nds[nights[-1].back_day].day.isoformat(), round(cost, 2), len(nights))
