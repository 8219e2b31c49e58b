"""Overnight trips (SPEC §5 routes, §6 nurse_days.csv; issue 13 item 1).

A nurse may drive out, stay the night near a far patient and continue her next workday
from there: the outbound day ends at the lodging, the return day (the next calendar day,
also one of her working days) starts there. A visit on either day is within reach when
the drive from her home *or from the lodging* is within ``max_drive_minutes_one_way``
(SPEC §5 eligibility); the lodging, per diem included
(:data:`optimizer.settings.LODGING_COST_PER_NIGHT_USD`), is priced in the outbound day's
one cost (:func:`optimizer.planning.schedule.schedule_route`), so the objective and the
plan's cost count it like any other cost of a nurse-day.

The day planner stays as it is; this pass runs on its routes:

1. every refill still missed (out of reach, no capacity, or an overdue refill no day trip
   makes; never one the next plan can make) is placed, most urgent first, by the option
   of least objective: inserted into a trip already made (its lodging fixed), or a new
   trip lodging at the patient's home, on an outbound day with the patient as the last
   stop or a return day with the patient among the first, the days' other visits kept;
2. trips are also made where they are cheaper than the day trips: two consecutive days
   of one nurse joined by a night near the last patient of the first (or the first
   patient of the second), and a placed visit moved into a trip's day, whenever the
   objective (:func:`optimizer.rules.objective.score`) falls.

Refill windows, licenses, certification, shifts, breaks, arrival windows and the cap on
visits all hold as on any day: each day is timed by the one schedule. A day of a trip
with no visit (the drive out, or home) is used for its drive, with its break at a rest
stop halfway when it is long (:func:`optimizer.planning.schedule.schedule_route`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from optimizer import settings
from optimizer.domain import Nurse
from optimizer.planning.fills import extend_with_next_fills, routes_of_plan
from optimizer.planning.greedy import Routes, greedy_routes, urgency_order
from optimizer.planning.keep import _narrowed  # the confirmed start ± 30 min, as pin_visits cuts it
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.planning.problem import Candidate, PlanningProblem
from optimizer.planning.schedule import RouteSchedule, schedule_order
from optimizer.rules.eligibility import Reason, is_certified_for, may_practice, within_reach
from optimizer.rules.objective import UNITS_PER_DOLLAR, score, visit_cost

__all__ = ["Trip", "TripOption", "lodging_units", "with_overnight_trips", "best_trip", "MAX_PASSES",
           "NEAREST_NURSES"]

#: Nurses tried per missed refill, nearest home first (a bound on the work).
NEAREST_NURSES: int = 6
#: Passes of trips and later fills at most (as :data:`optimizer.planning.fills.MAX_PASSES`).
MAX_PASSES: int = 12
#: Reasons a trip can overcome (license and certification it cannot; an absence neither).
_TRIP_REASONS = frozenset({Reason.OUT_OF_REACH, Reason.WINDOW_CLOSED, Reason.NO_CAPACITY_IN_WINDOW})


@dataclass(frozen=True, slots=True)
class Trip:
    """One night away: ``out_day`` (a nurse-day index) ends at ``lodging`` (a location index of
    the problem), ``back_day`` (the nurse's next calendar day) starts there."""

    nurse_id: str
    out_day: int
    back_day: int
    lodging: int


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


Move = tuple[int, dict[int, tuple[list[int], RouteSchedule]], Trip | None]
"""An option: (objective change, the new routes of the days it changes, the new trip if any)."""


def lodging_units() -> int:
    """One night's lodging and per diem in objective units (read at each call)."""
    return int(round(settings.LODGING_COST_PER_NIGHT_USD * UNITS_PER_DOLLAR))


def _units(problem: PlanningProblem, k: int, order: list[int], sched: RouteSchedule | None) -> int:
    """A day's objective units: its route cost (lodging included) and its visits' tier costs."""
    if sched is None or (not order and not sched.away):
        return 0
    return sched.objective_units + sum(visit_cost(problem, j, k) for j in order)


def _schedule(problem: PlanningProblem, k: int, order: list[int], trip: Trip) -> RouteSchedule | None:
    """Day ``k`` of ``trip`` (its outbound or its return day) with ``order``, by the one schedule."""
    if k == trip.out_day:
        return schedule_order(problem, k, order, end=trip.lodging, lodging_units=lodging_units())
    return schedule_order(problem, k, order, start=trip.lodging)


def _insert(problem: PlanningProblem, k: int, order: list[int], j: int, trip: Trip,
            ) -> tuple[list[int], RouteSchedule] | None:
    """Refill ``j`` into day ``k`` of ``trip`` where the day costs least; overdue refills only among
    the overdue ones at the front (an overdue refill is the first stop, SPEC §5)."""
    refills = problem.refills
    lead = next((i for i, x in enumerate(order) if not refills[x].overdue), len(order))
    best: tuple[int, list[int], RouteSchedule] | None = None
    for pos in (range(lead + 1) if refills[j].overdue else range(lead, len(order) + 1)):
        trial = order[:pos] + [j] + order[pos:]
        sched = _schedule(problem, k, trial, trip)
        if sched is not None and (best is None or sched.objective_units < best[0]):
            best = (sched.objective_units, trial, sched)
    return (best[1], best[2]) if best else None


def _may(problem: PlanningProblem, nurse: Nurse, j: int, k: int, lodging: int) -> bool:
    """Nurse-day ``k`` may make refill ``j`` on a trip lodging at ``lodging``: a day of the refill,
    license that day, certification, and the drive from home or from the lodging within reach."""
    r, nd = problem.refills[j], problem.nurse_days[k]
    if nd.day not in r.days or not may_practice(nurse, r.patient.state, on=nd.day):
        return False
    if not is_certified_for(nurse, r.patient.next_infusate):
        return False
    ploc = problem.patient_location[r.patient_id]
    home = problem.nurse_location[nurse.nurse_id]
    return within_reach(nurse, problem.travel(lodging, ploc)[0]) or within_reach(nurse, problem.travel(home, ploc)[0])


class _Trips:
    """The routes and the trips made so far, with the nurse-days of each nurse by date."""

    def __init__(self, problem: PlanningProblem, routes: Routes, trips: Iterable[Trip] = ()) -> None:
        self.problem = problem
        self.routes: Routes = dict(routes)
        self.trips: list[Trip] = list(trips)
        self.day_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
        self.cands = problem.candidates_by_refill()

    @property
    def busy(self) -> dict[int, Trip]:
        """Nurse-day index → the trip it belongs to."""
        return {k: t for t in self.trips for k in (t.out_day, t.back_day)}

    def order(self, k: int) -> list[int]:
        return list(self.routes.get(k, ([], None))[0])

    def units(self, k: int) -> int:
        order, sched = self.routes.get(k, ([], None))
        return _units(self.problem, k, list(order), sched)

    def pairs(self, nurse_id: str, k: int) -> list[tuple[int, int]]:
        """The (outbound, return) nurse-day pairs holding ``k``, both days free of trips."""
        busy, day = self.busy, self.problem.nurse_days[k].day
        out = []
        for a, b in ((day - timedelta(days=1), day), (day, day + timedelta(days=1))):
            ka, kb = self.day_of.get((nurse_id, a)), self.day_of.get((nurse_id, b))
            if ka is not None and kb is not None and ka not in busy and kb not in busy:
                out.append((ka, kb))
        return out

    def apply(self, move: Move) -> None:
        _, days, trip = move
        self.routes.update(days)
        if trip is not None:
            self.trips.append(trip)


def _into_trip(state: _Trips, j: int, trip: Trip, k: int) -> Move | None:
    """Refill ``j`` into day ``k`` of an existing ``trip``."""
    fit = _insert(state.problem, k, state.order(k), j, trip)
    if fit is None:
        return None
    return _units(state.problem, k, fit[0], fit[1]) - state.units(k), {k: fit}, None


def _new_trip(state: _Trips, j: int, nurse: Nurse, ka: int, kb: int, k: int) -> Move | None:
    """A new trip on days ``ka`` → ``kb`` lodging at refill ``j``'s patient, ``j`` made on day ``k``.

    The two days keep their visits where they still fit; else those of the other day, then
    those of both, are moved to other days from home (:func:`_rehome`), pinned visits never.
    """
    problem = state.problem
    trip = Trip(nurse.nurse_id, ka, kb, problem.patient_location[problem.refills[j].patient_id])
    other = kb if k == ka else ka
    here, there = state.order(k), state.order(other)
    best: Move | None = None
    for keep_here, keep_there in ((True, True), (True, False), (False, False)):
        if (not keep_here and not here) or (not keep_there and not there and not keep_here):
            continue
        fit = _insert(problem, k, here if keep_here else [], j, trip)
        rest = there if keep_there else []
        rest_s = _schedule(problem, other, rest, trip) if fit is not None else None
        if fit is None or rest_s is None:
            continue
        moved = [x for x, kept in ((here, keep_here), (there, keep_there)) if not kept for x in x]
        elsewhere = _rehome(state, moved, exclude={ka, kb}) if moved else (0, {})
        if elsewhere is None:
            continue
        new = _units(problem, k, fit[0], fit[1]) + _units(problem, other, rest, rest_s) + elsewhere[0]
        move = (new - state.units(ka) - state.units(kb), {**elsewhere[1], k: fit, other: (rest, rest_s)}, trip)
        if best is None or move[0] < best[0]:
            best = move
    return best


def _rehome(state: _Trips, refills: list[int], *, exclude: set[int]
            ) -> tuple[int, dict[int, tuple[list[int], RouteSchedule]]] | None:
    """Refills ``refills`` (taken off a trip's days) each inserted where it costs least on another
    day from home among its candidates; (objective change of those days, their routes), or
    ``None`` when one finds no room or is pinned."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    cands = state.cands
    busy = state.busy
    days: dict[int, tuple[list[int], RouteSchedule]] = {}
    delta = 0
    for x in refills:
        if x in pins:
            return None
        best: tuple[int, int, list[int], RouteSchedule] | None = None
        for k in cands.get(x, ()):
            if k in exclude or k in busy:
                continue
            order, sched = days.get(k) or state.routes.get(k, ([], None))
            base = _units(problem, k, list(order), sched)
            for pos in range(len(order) + 1):
                trial = [*order[:pos], x, *order[pos:]]
                s = schedule_order(problem, k, trial)
                if s is not None and (best is None or _units(problem, k, trial, s) - base < best[0]):
                    best = (_units(problem, k, trial, s) - base, k, trial, s)
        if best is None:
            return None
        delta += best[0]
        days[best[1]] = (best[2], best[3])
    return delta, days


def _nurses_for(problem: PlanningProblem, j: int) -> list[Nurse]:
    """Licensed (on some day of the refill) and certified nurses, nearest home first."""
    r = problem.refills[j]
    ploc = problem.patient_location[r.patient_id]
    ok = [n for n in problem.roster.nurses if is_certified_for(n, r.patient.next_infusate)
          and any(may_practice(n, r.patient.state, on=d) for d in r.days)]
    dist = {n.nurse_id: problem.travel(problem.nurse_location[n.nurse_id], ploc)[0] for n in ok}
    ok = [n for n in ok if dist[n.nurse_id] == dist[n.nurse_id]]  # reachable by road
    return sorted(ok, key=lambda n: (dist[n.nurse_id], n.nurse_id))[:NEAREST_NURSES]


def _options(state: _Trips, j: int) -> list[Move]:
    """Every way to make refill ``j`` on a trip: into a trip's day, or a new trip."""
    problem = state.problem
    out: list[Move] = []
    for trip in state.trips:
        nurse = problem.roster.nurse(trip.nurse_id)
        for k in (trip.out_day, trip.back_day):
            if _may(problem, nurse, j, k, trip.lodging):
                move = _into_trip(state, j, trip, k)
                if move is not None:
                    out.append(move)
    r = problem.refills[j]
    ploc = problem.patient_location[r.patient_id]
    for nurse in _nurses_for(problem, j):
        for d in r.days:
            k = state.day_of.get((nurse.nurse_id, d))
            if k is None or not _may(problem, nurse, j, k, ploc):
                continue
            for ka, kb in state.pairs(nurse.nurse_id, k):
                move = _new_trip(state, j, nurse, ka, kb, k)
                if move is not None:
                    out.append(move)
    return out


def _missed(problem: PlanningProblem, routes: Routes) -> list[int]:
    """Refills no route makes that a trip might: not deferrable, missed for reach or room."""
    placed = {j for order, _ in routes.values() for j in order}
    out = []
    for j in urgency_order(problem):
        r = problem.refills[j]
        if j in placed or r.deferrable or not r.days:
            continue
        blocked = problem.unplannable.get(r.patient_id)
        if blocked is None or blocked[0] in _TRIP_REASONS:
            out.append(j)
    return out


def _place_missed(state: _Trips) -> list[int]:
    """Place every missed refill a trip can make, by its least-objective option; returns them.

    The refills with the fewest options go first (then the most urgent), so a refill that only
    one trip can make is not left out by one that several could.
    """
    placed = []
    missed = _missed(state.problem, state.routes)
    count = {j: len(_options(state, j)) for j in missed}
    for j in sorted((j for j in missed if count[j]), key=lambda j: count[j]):  # stable: urgency next
        options = _options(state, j)
        if options:
            state.apply(min(options, key=lambda m: (m[0], sorted(m[1]))))
            placed.append(j)
    return placed


def _join_days(state: _Trips) -> None:
    """Join two consecutive days of a nurse by a night away where that is cheaper (lodging included):
    the night near the last patient of the first day, or the first patient of the second."""
    problem = state.problem
    for (nid, day), ka in sorted(state.day_of.items(), key=lambda x: (x[0][0], x[0][1])):
        kb = state.day_of.get((nid, day + timedelta(days=1)))
        a, b = state.order(ka), state.order(kb) if kb is not None else []
        if kb is None or not a or not b or ka in state.busy or kb in state.busy:
            continue
        best: Move | None = None
        for stop in (a[-1], b[0]):
            trip = Trip(nid, ka, kb, problem.patient_location[problem.refills[stop].patient_id])
            sa, sb = _schedule(problem, ka, a, trip), _schedule(problem, kb, b, trip)
            if sa is None or sb is None:
                continue
            delta = _units(problem, ka, a, sa) + _units(problem, kb, b, sb) - state.units(ka) - state.units(kb)
            if delta < 0 and (best is None or delta < best[0]):
                best = (delta, {ka: (a, sa), kb: (b, sb)}, trip)
        if best is not None:
            state.apply(best)


def _move_into_trips(state: _Trips) -> None:
    """Move a placed visit off a day trip into a trip's day where the objective falls."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    for trip in list(state.trips):
        nurse = problem.roster.nurse(trip.nurse_id)
        for k, (order, _) in sorted(state.routes.items()):
            if k in state.busy or not order:
                continue
            for j in list(order):
                if j in pins or j not in state.order(k):
                    continue
                _try_move(state, nurse, trip, j, k)


def _try_move(state: _Trips, nurse: Nurse, trip: Trip, j: int, k: int) -> None:
    """Move refill ``j`` from day ``k`` into a day of ``trip`` if the objective falls."""
    problem = state.problem
    days = problem.refills[j].days
    targets = [t for t in (trip.out_day, trip.back_day)
               if problem.nurse_days[t].day in days and _may(problem, nurse, j, t, trip.lodging)]
    if not targets:
        return
    rest = [x for x in state.order(k) if x != j]
    rest_s = schedule_order(problem, k, rest) if rest else None
    if rest and rest_s is None:
        return
    saved = state.units(k) - _units(problem, k, rest, rest_s)
    for t in targets:
        move = _into_trip(state, j, trip, t)
        if move is not None and move[0] < saved:
            days = dict(move[1])
            if rest:
                days[k] = (rest, rest_s)
            else:
                state.routes.pop(k, None)
            state.routes.update(days)
            return


def _keep_promises(state: _Trips) -> None:
    """Keep a confirmed visit (SPEC §4) that only an overnight trip can make: one its nurse cannot
    reach from home on its date (a conflict of reason ``capacity``) is made on that date by her,
    on a trip, at its confirmed time ± 30 min, where a trip fits; it is then a kept visit."""
    problem, pins = state.problem, state.problem.pins
    if pins is None:
        return
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
        trial = _Trips(replace(now, pins=kept), state.routes, state.trips)
        where = next((kk for kk, (o, _) in trial.routes.items() if j in o), None)
        if where is not None:
            if where in trial.busy:
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


def _moves_on(state: _Trips, j: int, nurse: Nurse, k: int) -> list[Move]:
    """The ways to make refill ``j`` on nurse-day ``k`` on a trip: into the trip ``k`` is a day of,
    or a new one."""
    problem = state.problem
    trip = state.busy.get(k)
    if trip is not None:
        ok = _may(problem, nurse, j, k, trip.lodging)
        move = _into_trip(state, j, trip, k) if ok else None
        return [move] if move is not None else []
    ploc = problem.patient_location[problem.refills[j].patient_id]
    if not _may(problem, nurse, j, k, ploc):
        return []
    moves = (_new_trip(state, j, nurse, ka, kb, k) for ka, kb in state.pairs(nurse.nurse_id, k))
    return [m for m in moves if m is not None]


def _passes(problem: PlanningProblem, routes: Routes) -> tuple[PlanningProblem, _Trips]:
    """Trips for the missed refills, cheaper trips, then the later fills their dates open, in passes."""
    state = _Trips(problem, routes)
    _keep_promises(state)
    for _ in range(MAX_PASSES):
        _place_missed(state)
        _join_days(state)
        _move_into_trips(state)
        ext = extend_with_next_fills(state.problem, state.routes)
        if ext is None:
            break
        busy = state.busy  # the later fills go on days from home; a trip's days stay as they are
        free = replace(ext, candidates=[c for c in ext.candidates if c.nurse_day not in busy])
        state = _Trips(ext, greedy_routes(free, routes=state.routes), state.trips)
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
    routes = routes_of_plan(problem, plan)
    before = score(problem, routes)[0]
    current, state = _passes(problem, routes)
    if not state.trips:
        return plan, problem
    current = _with_trip_candidates(current, state.routes)
    solver = dict(plan.solver)
    if "objective" in solver:
        solver["objective"] = score(current, state.routes)[0]
    solver["overnight_trips"] = len(state.trips)
    solver["objective_before_trips"] = before
    return plan_from_routes(current, state.routes, solver=solver), current


def best_trip(problem: PlanningProblem, plan: Plan, patient_id: str) -> TripOption | None:
    """The cheapest overnight trip that would make ``patient_id``'s missed refill, or ``None``.

    For ``alternatives.csv`` (kind ``overnight_trip``): priced on ``plan``'s routes as they
    are, whatever :data:`~optimizer.settings.OVERNIGHT_TRIPS` says.
    """
    routes = routes_of_plan(problem, plan)
    state = _Trips(problem, routes)
    placed = {j for order, _ in routes.values() for j in order}
    js = [j for j, r in enumerate(problem.refills) if r.patient_id == patient_id and j not in placed]
    options = [m for j in js for m in _options(state, j) if m[2] is not None]
    if not options:
        return None
    delta, days, trip = min(options, key=lambda m: (m[0], sorted(m[1])))
    assert trip is not None
    cost = sum(s.cost for _, s in days.values()) - sum(
        routes[k][1].cost for k in days if k in routes)
    nds = problem.nurse_days
    return TripOption(patient_id, trip.nurse_id, nds[trip.out_day].day.isoformat(),
                      nds[trip.back_day].day.isoformat(), round(cost, 2))
