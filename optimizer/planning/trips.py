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
   trip's days keep their visits where they fit, else the farthest go to other days;
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
from optimizer.planning._trip_state import (NEAREST_NURSES, Move, Trip, TripState, day_units, has_later,
                                            into_trip, may_make, new_trip, nurses_for, rehome, schedule_day,
                                            state_of_plan, trip_days)
from optimizer.planning.fills import extend_with_next_fills, lodging_units, routes_of_plan, with_later_fills
from optimizer.planning.greedy import Routes, greedy_routes, urgency_order
from optimizer.planning.keep import _narrowed  # the confirmed start ± 30 min, as pin_visits cuts it
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import Candidate, PlanningProblem
from optimizer.planning.schedule import schedule_order
from optimizer.planning.waypoints import chain_options, relodge_options
from optimizer.rules.eligibility import Reason
from optimizer.rules.objective import miss_penalty, score

__all__ = ["Trip", "TripOption", "lodging_units", "with_overnight_trips", "with_fills_and_trips", "best_trip", "plan_trips", "MAX_PASSES",
           "NEAREST_NURSES", "LAST_TIMINGS"]

#: Passes of trips and later fills at most (as :data:`optimizer.planning.fills.MAX_PASSES`).
MAX_PASSES: int = 12
#: Trips tried by :func:`_swap_in` in one pass at most (each a copy of the routes and a few insertions).
SWAP_TRIES: int = 200
#: Reasons a trip can overcome (license and certification it cannot; an absence neither).
_TRIP_REASONS = frozenset({Reason.OUT_OF_REACH, Reason.WINDOW_CLOSED, Reason.NO_CAPACITY_IN_WINDOW})
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


def _options(state: TripState, j: int) -> list[Move]:
    """Every way to make refill ``j`` on a trip: into a trip's day (its night where it is, or moved to
    reach ``j``), a new trip of one night at the patient's home, else a longer one through waypoints."""
    problem = state.problem
    out: list[Move] = []
    for k in sorted(state.busy):
        nurse = problem.nurse_days[k].nurse
        if may_make(problem, nurse, j, k, state.ends(k)):
            move = into_trip(state, j, k)
            if move is not None:
                out.append(move)
    out += relodge_options(state, j)
    r = problem.refills[j]
    ploc = problem.patient_location[r.patient_id]
    for nurse in nurses_for(problem, j):
        days = [k for k in (state.day_of.get((nurse.nurse_id, d)) for d in r.days)
                if k is not None and may_make(problem, nurse, j, k, (ploc,))]
        mine = [m for k in days for ka, kb in state.pairs(nurse.nurse_id, k)
                for m in (new_trip(state, j, nurse, ka, kb, k),) if m is not None]
        if not mine:  # no night at the patient's home will do: a longer trip, through waypoints
            mine = [m for k in days for m in chain_options(state, j, nurse, k)]
        out += mine
    return out


def _missed(problem: PlanningProblem, routes: Routes) -> list[int]:
    """Refills no route makes that a trip might: missed for reach or room; a deferrable one (its window
    runs past the horizon) only when no day trip reaches it (the next plan would need a trip too),
    after the others."""
    placed = {j for order, _ in routes.values() for j in order}
    out, later = [], []
    for j in urgency_order(problem):
        r = problem.refills[j]
        if j in placed or not r.days:
            continue
        blocked = problem.unplannable.get(r.patient_id)
        if r.deferrable:
            if blocked is not None and blocked[0] is Reason.OUT_OF_REACH:
                later.append(j)
        elif blocked is None or blocked[0] in _TRIP_REASONS:
            out.append(j)
    return out + later


#: The orders :func:`_place_missed` tries the missed refills in, by (deferrable, nights, options):
#: the refills only a trip of several nights can make first (it needs the most consecutive free days);
#: those of fewest nights first (a long trip for one refill takes days several short ones could use);
#: fewest options first alone. Each a tie broken by urgency.
PLACE_ORDERS: tuple[str, ...] = ("long_first", "short_first", "fewest_options")


def _rank(order: str, deferrable: bool, nights: int, options: int) -> tuple:
    if order == "long_first":
        return deferrable, nights < 2, options
    if order == "short_first":
        return deferrable, nights, options
    return deferrable, options


def _place_missed(state: TripState) -> list[int]:
    """Place every missed refill a trip can make, by its least-objective option; returns them.

    Each order of :data:`PLACE_ORDERS` is tried on a copy of ``state`` (a refill that only one trip
    can make should not be left out by one that several could; a trip of several nights for one
    refill may take the days of two); the one whose objective, every missed refill counted
    (:func:`_gain`), falls most is made, the first on a tie. Deferrable refills (:func:`_missed`) go
    last in every order.
    """
    problem = state.problem
    missed = _missed(problem, state.routes)
    info = {}
    for j in missed:
        options = _options(state, j)
        if options:
            info[j] = (problem.refills[j].deferrable, min(len(m[2]) for m in options), len(options))
    if not info:
        return []
    best: tuple[int, TripState, list[int]] | None = None
    for order in PLACE_ORDERS:
        trial = TripState(problem, state.routes, state.trips)
        placed = []
        for j in sorted(info, key=lambda j: _rank(order, *info[j])):  # stable: urgency next
            options = _options(trial, j)
            if options:
                trial.apply(min(options, key=lambda m: (m[0], sorted(m[1]))))
                placed.append(j)
        gain = _gain(state, trial)
        if best is None or gain > best[0]:
            best = (gain, trial, placed)
    _, trial, placed = best
    state.routes, state.trips = trial.routes, trial.trips
    return placed


def _gain(state: TripState, trial: TripState) -> int:
    """How much lower ``trial``'s objective is than ``state``'s, counting every refill with days that
    no route makes (out-of-reach ones too: :func:`score` counts refills with candidates only); read on
    the days whose routes differ."""
    problem = state.problem
    changed = [k for k in {*state.routes, *trial.routes} if state.routes.get(k) is not trial.routes.get(k)]
    before = {j for k in changed for j in state.routes.get(k, ((), None))[0]}
    after = {j for k in changed for j in trial.routes.get(k, ((), None))[0]}
    units = sum(trial.units(k) - state.units(k) for k in changed)
    units += sum(miss_penalty(problem.refills[j]) for j in before - after)
    units -= sum(miss_penalty(problem.refills[j]) for j in after - before)
    return -units


def _swap_in(state: TripState) -> None:
    """Make room for far refills by missing fewer nearer ones (issue 13 item 1, a nurse alone in her
    region with every day full): a new trip for a missed refill whose days keep what fits and drop
    the rest (no other day has room for them), with the other missed refills its two days then reach
    put in; made when the objective counting every missed refill falls, i.e. the trip makes more
    refills than it drops (or as many, more urgent), at most :data:`SWAP_TRIES` trips tried."""
    problem = state.problem
    missed = [j for j in _missed(problem, state.routes) if not problem.refills[j].deferrable]
    tries = 0
    for j in missed:
        if any(j in order for order, _ in state.routes.values()):
            continue
        r = problem.refills[j]
        ploc = problem.patient_location[r.patient_id]
        best: tuple[int, TripState] | None = None
        for nurse in nurses_for(problem, j):
            for k in (state.day_of.get((nurse.nurse_id, d)) for d in r.days):
                if k is None or not may_make(problem, nurse, j, k, (ploc,)):
                    continue
                for ka, kb in state.pairs(nurse.nurse_id, k):
                    if tries >= SWAP_TRIES:
                        break
                    tries += 1
                    trial = _dropping_trip(state, j, nurse, ka, kb, k, missed)
                    if trial is None:
                        continue
                    gain = _gain(state, trial)
                    if gain > 0 and (best is None or gain > best[0]):
                        best = (gain, trial)
        if best is not None:
            state.routes, state.trips = best[1].routes, best[1].trips


def _dropping_trip(state: TripState, j: int, nurse: Nurse, ka: int, kb: int, k: int, missed: list[int]
                   ) -> TripState | None:
    """``state`` with a new trip on ``ka`` → ``kb`` lodging at refill ``j``'s patient, ``j`` on day
    ``k``, the two days' visits that no longer fit moved to other days where one has room and else
    left out, then each other missed refill put into the trip's days where it fits as they are (a
    copy; ``state`` is not changed)."""
    problem = state.problem
    fitted = trip_days(state, j, nurse, ka, kb, k)
    if fitted is None:
        return None
    trip, (k, here), (other, there) = fitted
    trial = TripState(problem, state.routes, state.trips)
    trial.apply((0, {k: (here[0], here[1]), other: (there[0], there[1])}, (trip,)))
    for day_k, off in ((k, here[2]), (other, there[2])):
        for x in off:  # each where another day has room, else left out (never one a later fill hangs on)
            elsewhere = rehome(trial, [x], problem.nurse_days[day_k].day, exclude={ka, kb})
            if elsewhere is not None:
                trial.routes.update(elsewhere[1])
            elif has_later(problem, x):
                return None
    for j2 in (*missed, *here[2], *there[2]):
        if j2 == j or any(j2 in order for order, _ in trial.routes.values()):
            continue
        for t in (ka, kb):
            if may_make(problem, nurse, j2, t, [x for x in trial.ends(t) if x is not None]):
                move = into_trip(trial, j2, t, make_room=False)
                if move is not None:
                    trial.apply(move)
                    break
    return trial


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
        cut = _narrowed(problem.refills[j].patient, w.start) if w.start is not None else None
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
        moves = _moves_on(trial, j, problem.roster.nurse(w.nurse_id), k)
        if moves:
            trial.apply(min(moves, key=lambda m: (m[0], sorted(m[1]))))
            state.problem, state.routes, state.trips = trial.problem, trial.routes, trial.trips


def _moves_on(state: TripState, j: int, nurse: Nurse, k: int) -> list[Move]:
    """The ways to make refill ``j`` on nurse-day ``k`` on a trip: into the trip ``k`` is a day of,
    or a new one (of one night at the patient's home, else of several through waypoints)."""
    problem = state.problem
    if k in state.busy:
        ok = may_make(problem, nurse, j, k, state.ends(k))
        move = into_trip(state, j, k) if ok else None
        if move is not None:
            return [move]
        return [m for m in relodge_options(state, j) if j in m[1].get(k, ((),))[0]]  # the night moved
    ploc = problem.patient_location[problem.refills[j].patient_id]
    if not may_make(problem, nurse, j, k, (ploc,)):
        return []
    moves = [m for ka, kb in state.pairs(nurse.nurse_id, k) for m in (new_trip(state, j, nurse, ka, kb, k),)
             if m is not None]
    return moves or chain_options(state, j, nurse, k)  # else a longer trip, through waypoints


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
        _place_missed(state)
        lap("place_missed")
        _swap_in(state)
        lap("swap_in")
        _join_days(state)
        lap("join_days")
        _move_into_trips(state)
        lap("move_into_trips")
        _place_missed(state)  # a trip joined or filled since may take one left out
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
    return (sum(miss_penalty(problem.refills[j]) for j in missed if j < first),
            score(problem, routes)[0] + sum(miss_penalty(problem.refills[j]) for j in missed if j not in with_cands))


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
        The plan and the problem it was made on (later fills included).
    """
    fills_plan, fills_problem = with_later_fills(problem, plan)
    on = settings.OVERNIGHT_TRIPS if enabled is None else enabled
    first = len(problem.refills)
    later_first = _trips(fills_problem, fills_plan, on, first)
    if not on or problem.provider is None:
        return later_first[:2]
    trips_first = _trips(problem, plan, on, first)
    if not trips_first[3]:  # no trip on the first fills alone: the same plan as with no trips
        return later_first[:2]
    return min(later_first, trips_first, key=lambda t: t[2])[:2]


def _trips(problem: PlanningProblem, plan: Plan, on: bool, first: int
           ) -> tuple[Plan, PlanningProblem, tuple[int, int], int]:
    """:func:`with_overnight_trips` with its :func:`_order_key` (``first``: the number of first fills)
    and its number of nights."""
    routes = routes_of_plan(problem, plan)
    if not on or problem.provider is None:
        return plan, problem, _order_key(problem, routes, first), 0
    before = score(problem, routes)[0]
    current, state = _passes(problem, routes)
    if not state.trips:
        return plan, problem, _order_key(problem, routes, first), 0
    current = _with_trip_candidates(current, state.routes)
    solver = dict(plan.solver)
    if "objective" in solver:
        solver["objective"] = score(current, state.routes)[0]
    solver["overnight_trips"] = len(state.trips)
    solver["objective_before_trips"] = before
    if "later_fills" in plan.solver or len(current.refills) > len(problem.refills):
        solver["later_fills"] = plan.solver.get("later_fills", 0) + len(current.refills) - len(problem.refills)
    return (plan_from_routes(current, state.routes, solver=solver), current,
            _order_key(current, state.routes, first), len(state.trips))


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
        its trips (``solver["overnight_trips"]`` counts them) and the problem it was made on.
    """
    on = settings.OVERNIGHT_TRIPS if enabled is None else enabled
    if not on or problem.provider is None:
        return plan, problem
    out_plan, out_problem, _, trips = _trips(problem, plan, on, len(problem.refills))
    return (out_plan, out_problem) if trips else (plan, problem)


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
    options = [m for j in js for m in _options(state, j) if m[2]]
    if not options:
        return None
    _, days, nights = min(options, key=lambda m: (m[0], sorted(m[1])))
    cost = sum(s.cost for _, s in days.values()) - sum(
        routes[k][1].cost for k in days if k in routes)
    nds = problem.nurse_days
    return TripOption(patient_id, nights[0].nurse_id, nds[nights[0].out_day].day.isoformat(),
                      nds[nights[-1].back_day].day.isoformat(), round(cost, 2), len(nights))
