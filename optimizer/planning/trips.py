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
   makes; never one the next plan can make) is placed, fewest options first, by the option
   of least objective: into a trip's day (its lodging fixed), or a new trip lodging at the
   patient's home (a trip may follow another: a day from one lodging to the next); a
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

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

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


Ends = tuple[int | None, int | None]
"""Where a nurse-day starts and ends: a lodging's location index, or ``None`` for home."""


def _schedule(problem: PlanningProblem, k: int, order: list[int], ends: Ends) -> RouteSchedule | None:
    """Day ``k`` with ``order`` from ``ends[0]`` to ``ends[1]`` by the one schedule, a night's lodging
    priced when it ends away."""
    start, end = ends
    return schedule_order(problem, k, order, start=start, end=end,
                          lodging_units=0 if end is None else lodging_units())


def _insert(problem: PlanningProblem, k: int, order: list[int], j: int, ends: Ends,
            ) -> tuple[list[int], RouteSchedule] | None:
    """Refill ``j`` into day ``k`` (from and to ``ends``) where the day costs least; overdue refills
    only among the overdue ones at the front (an overdue refill is the first stop, SPEC §5)."""
    refills = problem.refills
    lead = next((i for i, x in enumerate(order) if not refills[x].overdue), len(order))
    best: tuple[int, list[int], RouteSchedule] | None = None
    for pos in (range(lead + 1) if refills[j].overdue else range(lead, len(order) + 1)):
        trial = order[:pos] + [j] + order[pos:]
        sched = _schedule(problem, k, trial, ends)
        if sched is not None and (best is None or sched.objective_units < best[0]):
            best = (sched.objective_units, trial, sched)
    return (best[1], best[2]) if best else None


def _may(problem: PlanningProblem, nurse: Nurse, j: int, k: int, lodgings: Iterable[int | None]) -> bool:
    """Nurse-day ``k`` may make refill ``j`` on a trip lodging at ``lodgings``: a day of the refill,
    license that day, certification, and the drive from home or from a lodging within reach."""
    r, nd = problem.refills[j], problem.nurse_days[k]
    if nd.day not in r.days or not may_practice(nurse, r.patient.state, on=nd.day):
        return False
    if not is_certified_for(nurse, r.patient.next_infusate):
        return False
    ploc = problem.patient_location[r.patient_id]
    home = problem.nurse_location[nurse.nurse_id]
    return any(within_reach(nurse, problem.travel(home if x is None else x, ploc)[0]) for x in (None, *lodgings))


class _Trips:
    """The routes and the trips made so far, with the nurse-days of each nurse by date."""

    def __init__(self, problem: PlanningProblem, routes: Routes, trips: Iterable[Trip] = ()) -> None:
        self.problem = problem
        self.routes: Routes = dict(routes)
        self.trips: list[Trip] = list(trips)
        self.day_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
        self.by_date: dict[date, list[int]] = {}
        for k, nd in enumerate(problem.nurse_days):
            self.by_date.setdefault(nd.day, []).append(k)

    @property
    def busy(self) -> set[int]:
        """The nurse-days of trips (they start or end away from home)."""
        return {k for t in self.trips for k in (t.out_day, t.back_day)}

    def ends(self, k: int, extra: Trip | None = None) -> Ends:
        """Where day ``k`` starts and ends with the trips made (and ``extra``): a chain of trips
        has days that start at one lodging and end at the next."""
        start = end = None
        for t in (*self.trips, *((extra,) if extra is not None else ())):
            if t.back_day == k:
                start = t.lodging
            if t.out_day == k:
                end = t.lodging
        return start, end

    def order(self, k: int) -> list[int]:
        return list(self.routes.get(k, ([], None))[0])

    def units(self, k: int) -> int:
        order, sched = self.routes.get(k, ([], None))
        return _units(self.problem, k, list(order), sched)

    def pairs(self, nurse_id: str, k: int) -> list[tuple[int, int]]:
        """The (outbound, return) nurse-day pairs holding ``k``: consecutive working days, the first
        not ending away yet, the second not starting away yet (a trip may follow another)."""
        day = self.problem.nurse_days[k].day
        out = []
        for a, b in ((day - timedelta(days=1), day), (day, day + timedelta(days=1))):
            ka, kb = self.day_of.get((nurse_id, a)), self.day_of.get((nurse_id, b))
            if ka is not None and kb is not None and self.ends(ka)[1] is None and self.ends(kb)[0] is None:
                out.append((ka, kb))
        return out

    def apply(self, move: Move) -> None:
        _, days, trip = move
        self.routes.update(days)
        if trip is not None:
            self.trips.append(trip)


def _into_trip(state: _Trips, j: int, k: int) -> Move | None:
    """Refill ``j`` into day ``k`` of a trip made (its start and end as they are)."""
    fit = _insert(state.problem, k, state.order(k), j, state.ends(k))
    if fit is None:
        return None
    return _units(state.problem, k, fit[0], fit[1]) - state.units(k), {k: fit}, None


def _new_trip(state: _Trips, j: int, nurse: Nurse, ka: int, kb: int, k: int) -> Move | None:
    """A new trip on days ``ka`` → ``kb`` lodging at refill ``j``'s patient, ``j`` made on day ``k``.

    Each day keeps its visits where they still fit; else the visits farthest from the lodging
    go, one at a time, to other days from home (:func:`_fit`, :func:`_rehome`), pinned ones never.
    """
    problem = state.problem
    trip = Trip(nurse.nurse_id, ka, kb, problem.patient_location[problem.refills[j].patient_id])
    other = kb if k == ka else ka
    here = _fit(state, k, state.order(k), j, state.ends(k, trip), trip.lodging)
    there = _fit(state, other, state.order(other), None, state.ends(other, trip), trip.lodging) if here else None
    if here is None or there is None:
        return None
    moved: dict[int, tuple[list[int], RouteSchedule]] = {}
    delta = 0
    for day_k, off in ((k, here[2]), (other, there[2])):
        if not off:
            continue
        elsewhere = _rehome(_with_routes(state, moved), off, problem.nurse_days[day_k].day, exclude={ka, kb})
        if elsewhere is None:
            return None
        delta += elsewhere[0]
        moved.update(elsewhere[1])
    new = _units(problem, k, here[0], here[1]) + _units(problem, other, there[0], there[1]) + delta
    days = {**moved, k: (here[0], here[1]), other: (there[0], there[1])}
    return new - state.units(ka) - state.units(kb), days, trip


def _with_routes(state: _Trips, days: dict[int, tuple[list[int], RouteSchedule]]) -> _Trips:
    """``state`` with ``days``' routes (a view for a move being built; ``state`` is not changed)."""
    if not days:
        return state
    out = _Trips.__new__(_Trips)
    out.__dict__.update(state.__dict__)
    out.routes = {**state.routes, **days}
    return out


def _fit(state: _Trips, k: int, order: list[int], j: int | None, ends: Ends, lodging: int
         ) -> tuple[list[int], RouteSchedule, list[int]] | None:
    """Day ``k`` from and to ``ends`` with ``order`` (and ``j`` inserted where it costs least): the
    route, and the visits taken off it, farthest from ``lodging`` first, until it fits (``None``
    when it does not even with every unpinned visit off)."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    kept, off = list(order), []
    while True:
        if j is not None:
            fit = _insert(problem, k, kept, j, ends)
        else:
            sched = _schedule(problem, k, kept, ends)
            fit = (kept, sched) if sched is not None else None
        if fit is not None:
            return fit[0], fit[1], off
        movable = [x for x in kept if x not in pins]
        if not movable:
            return None
        x = max(movable, key=lambda x: (problem.travel(lodging, problem.patient_location[
            problem.refills[x].patient_id])[0], x))
        kept.remove(x)
        off.append(x)


def _rehome(state: _Trips, refills: list[int], day: date, *, exclude: set[int]
            ) -> tuple[int, dict[int, tuple[list[int], RouteSchedule]]] | None:
    """Refills ``refills`` (taken off a trip's day, ``day``) each inserted where it costs least on
    another day from home: another of its days, or the same date when the plan holds a later fill
    of the patient (whose window hangs on this date); (objective change of those days, their
    routes), or ``None`` when one finds no room or is pinned."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    busy = state.busy
    days: dict[int, tuple[list[int], RouteSchedule]] = {}
    delta = 0
    for x in refills:
        if x in pins:
            return None
        best: tuple[int, int, list[int], RouteSchedule] | None = None
        dates = (day,) if _has_later(problem, x) else problem.refills[x].days
        for k in (k for d in dates for k in state.by_date.get(d, ())):
            if k in exclude or k in busy or not _may(problem, problem.nurse_days[k].nurse, x, k, ()):
                continue
            order, sched = days.get(k) or state.routes.get(k, ([], None))
            fit = _insert(problem, k, list(order), x, (None, None))
            if fit is None:
                continue
            gain = _units(problem, k, fit[0], fit[1]) - _units(problem, k, list(order), sched)
            if best is None or gain < best[0]:
                best = (gain, k, fit[0], fit[1])
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
    for k in sorted(state.busy):
        nurse = problem.nurse_days[k].nurse
        if _may(problem, nurse, j, k, state.ends(k)):
            move = _into_trip(state, j, k)
            if move is not None:
                out.append(move)
    r = problem.refills[j]
    ploc = problem.patient_location[r.patient_id]
    for nurse in _nurses_for(problem, j):
        for d in r.days:
            k = state.day_of.get((nurse.nurse_id, d))
            if k is None or not _may(problem, nurse, j, k, (ploc,)):
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
        if kb is None or not a or not b or (ka, kb) not in state.pairs(nid, ka):
            continue
        best: Move | None = None
        for stop in (a[-1], b[0]):
            trip = Trip(nid, ka, kb, problem.patient_location[problem.refills[stop].patient_id])
            sa = _schedule(problem, ka, a, state.ends(ka, trip))
            sb = _schedule(problem, kb, b, state.ends(kb, trip))
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
    for k, (order, _) in sorted(state.routes.items()):
        if k in state.busy or not order:
            continue
        for j in list(order):
            if j not in pins and j in state.order(k):
                _try_move(state, j, k)


def _try_move(state: _Trips, j: int, k: int) -> None:
    """Move refill ``j`` from day ``k`` into a trip's day if the objective falls."""
    problem = state.problem
    day = problem.nurse_days[k].day  # the same date: a later fill's window stays as this date made it
    targets = [t for t in sorted(state.busy) if problem.nurse_days[t].day == day
               and _may(problem, problem.nurse_days[t].nurse, j, t, state.ends(t))]
    if not targets:
        return
    rest = [x for x in state.order(k) if x != j]
    rest_s = schedule_order(problem, k, rest) if rest else None
    if rest and rest_s is None:
        return
    saved = state.units(k) - _units(problem, k, rest, rest_s)
    for t in targets:
        move = _into_trip(state, j, t)
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
            if where in trial.busy or (_has_later(now, j) and now.nurse_days[where].day != w.date):
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


def _has_later(problem: PlanningProblem, j: int) -> bool:
    """Whether the plan holds a later fill of refill ``j``'s patient (its window hangs on ``j``'s date)."""
    r = problem.refills[j]
    return any(x.patient_id == r.patient_id and x.fill_no > r.fill_no for x in problem.refills)


def _moves_on(state: _Trips, j: int, nurse: Nurse, k: int) -> list[Move]:
    """The ways to make refill ``j`` on nurse-day ``k`` on a trip: into the trip ``k`` is a day of,
    or a new one."""
    problem = state.problem
    if k in state.busy:
        ok = _may(problem, nurse, j, k, state.ends(k))
        move = _into_trip(state, j, k) if ok else None
        return [move] if move is not None else []
    ploc = problem.patient_location[problem.refills[j].patient_id]
    if not _may(problem, nurse, j, k, (ploc,)):
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
        _place_missed(state)  # a trip joined or filled since may take one left out
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


def _state_of_plan(problem: PlanningProblem, plan: Plan) -> _Trips:
    """The routes and trips of ``plan`` (its days' start and end points) on ``problem``, each day
    timed by the one schedule; ``RuntimeError`` when a day does not fit it or a lodging is no
    patient's home of the problem."""
    k_of = {(nd.nurse.nurse_id, nd.day): k for k, nd in enumerate(problem.nurse_days)}
    j_of = {(r.patient_id, r.fill_no): j for j, r in enumerate(problem.refills)}
    at = {(round(problem.roster.patient(pid).lat, 6), round(problem.roster.patient(pid).lon, 6)): loc
          for pid, loc in problem.patient_location.items()}
    trips = []
    for d in plan.nurse_days:
        if d.ends_away and (d.nurse_id, d.date) in k_of:  # a re-plan's days before its horizon: left out
            loc = at.get((round(float(d.end_lat), 6), round(float(d.end_lon), 6)))
            nxt = k_of.get((d.nurse_id, d.date + timedelta(days=1)))
            if loc is None or nxt is None:
                raise RuntimeError(f"a trip of the plan on {d.date} ends at no patient's home of the problem")
            trips.append(Trip(d.nurse_id, k_of[(d.nurse_id, d.date)], nxt, loc))
    orders: dict[int, list[tuple[int, int]]] = {k: [] for t in trips for k in (t.out_day, t.back_day)}
    for v in plan.visits:
        if (v.nurse_id, v.date) in k_of:
            j = j_of.get((v.patient_id, v.fill_no))
            if j is None:  # a re-plan numbers its fills on from the visits before its horizon
                raise RuntimeError(f"a visit of the plan on {v.date} is no refill of the problem")
            orders.setdefault(k_of[(v.nurse_id, v.date)], []).append((v.seq, j))
    state = _Trips(problem, {}, trips)
    for k, seq in orders.items():
        order = [j for _, j in sorted(seq)]
        sched = _schedule(problem, k, order, state.ends(k))
        if sched is None:
            raise RuntimeError(f"bug: a planned route on nurse-day {k} is infeasible under the one schedule")
        state.routes[k] = (order, sched)
    return state


def best_trip(problem: PlanningProblem, plan: Plan, patient_id: str) -> TripOption | None:
    """The cheapest overnight trip that would make ``patient_id``'s missed refill, or ``None``.

    For ``alternatives.csv`` (kind ``overnight_trip``): priced on ``plan``'s routes and trips as
    they are, whatever :data:`~optimizer.settings.OVERNIGHT_TRIPS` says.
    """
    state = _state_of_plan(problem, plan)
    routes = state.routes
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
