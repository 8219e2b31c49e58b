"""The state the overnight-trip pass works on (:mod:`optimizer.planning.trips`): the routes and the
nights away made so far, and the moves that change them.

A trip of one night or more is a chain of :class:`Trip` nights of one nurse on consecutive calendar
days, each one of her working days (a weekend or a holiday breaks a chain: she does not stay away
over a day she does not work). A day of the chain starts where the night before it was and ends
where the night after it is (a patient's home, or a waypoint on the way:
:mod:`optimizer.planning.waypoints`); each day is timed by the one schedule and each night priced
(:func:`optimizer.planning.fills.lodging_units`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from optimizer.domain import Nurse
from optimizer.planning.fills import lodging_units, plan_routes
from optimizer.planning.greedy import Routes
from optimizer.planning.plan import Plan
from optimizer.planning.problem import PlanningProblem
from optimizer.planning.schedule import RouteSchedule, schedule_order
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach
from optimizer.rules.objective import visit_cost

__all__ = ["Trip", "Move", "Ends", "Days", "TripState", "state_of_plan", "day_units", "fit_day", "rehome",
           "insert_refill", "may_make", "new_trip", "nurses_for", "has_later", "into_trip", "schedule_day", "with_routes", "with_trips",
           "NEAREST_NURSES"]

#: Nurses tried per missed refill, nearest home first (a bound on the work).
NEAREST_NURSES: int = 6


@dataclass(frozen=True, slots=True)
class Trip:
    """One night away: ``out_day`` (a nurse-day index) ends at ``lodging`` (a location index of
    the problem), ``back_day`` (the nurse's next calendar day) starts there."""

    nurse_id: str
    out_day: int
    back_day: int
    lodging: int


Days = dict[int, tuple[list[int], RouteSchedule]]
"""New routes of some nurse-days (by index)."""
Move = tuple[int, Days, tuple["Trip", ...]]
"""An option: (objective change, the new routes of the days it changes, the new nights away if any)."""


def day_units(problem: PlanningProblem, k: int, order: list[int], sched: RouteSchedule | None) -> int:
    """A day's objective units: its route cost (lodging included) and its visits' tier costs."""
    if sched is None or (not order and not sched.away):
        return 0
    return sched.objective_units + sum(visit_cost(problem, j, k) for j in order)


Ends = tuple[int | None, int | None]
"""Where a nurse-day starts and ends: a lodging's location index, or ``None`` for home."""


def schedule_day(problem: PlanningProblem, k: int, order: list[int], ends: Ends) -> RouteSchedule | None:
    """Day ``k`` with ``order`` from ``ends[0]`` to ``ends[1]`` by the one schedule, a night's lodging
    priced when it ends away."""
    start, end = ends
    return schedule_order(problem, k, order, start=start, end=end,
                          lodging_units=0 if end is None else lodging_units())


def insert_refill(problem: PlanningProblem, k: int, order: list[int], j: int, ends: Ends,
            ) -> tuple[list[int], RouteSchedule] | None:
    """Refill ``j`` into day ``k`` (from and to ``ends``) where the day costs least; overdue refills
    only among the overdue ones at the front (an overdue refill is the first stop, SPEC §5)."""
    refills = problem.refills
    lead = next((i for i, x in enumerate(order) if not refills[x].overdue), len(order))
    best: tuple[int, list[int], RouteSchedule] | None = None
    for pos in (range(lead + 1) if refills[j].overdue else range(lead, len(order) + 1)):
        trial = order[:pos] + [j] + order[pos:]
        sched = schedule_day(problem, k, trial, ends)
        if sched is not None and (best is None or sched.objective_units < best[0]):
            best = (sched.objective_units, trial, sched)
    return (best[1], best[2]) if best else None


def may_make(problem: PlanningProblem, nurse: Nurse, j: int, k: int, lodgings: Iterable[int | None]) -> bool:
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


class TripState:
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

    def ends(self, k: int, extra: Iterable[Trip] = ()) -> Ends:
        """Where day ``k`` starts and ends with the nights made (and ``extra``): a chain of nights
        has days that start at one lodging and end at the next."""
        start = end = None
        for t in (*self.trips, *extra):
            if t.back_day == k:
                start = t.lodging
            if t.out_day == k:
                end = t.lodging
        return start, end

    def order(self, k: int) -> list[int]:
        """Day ``k``'s refills in visit order (a copy)."""
        return list(self.routes.get(k, ([], None))[0])

    def units(self, k: int) -> int:
        """Day ``k``'s objective units as routed."""
        order, sched = self.routes.get(k, ([], None))
        return day_units(self.problem, k, list(order), sched)

    def free(self, k: int) -> bool:
        """Whether day ``k`` neither starts nor ends away yet."""
        return self.ends(k) == (None, None)

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
        """Make ``move``: its days' routes and its nights (a night after a day replaces the one there was)."""
        _, days, nights = move
        self.routes.update(days)
        after = {t.out_day for t in nights}
        self.trips = [t for t in self.trips if t.out_day not in after] + list(nights)


def into_trip(state: TripState, j: int, k: int, *, make_room: bool = True) -> Move | None:
    """Refill ``j`` into day ``k`` of a trip made (its start and end as they are); where it does not
    fit (and ``make_room``), the day's visits farthest from where it ends (or starts) go, one at a
    time, to other days from home (:func:`fit_day`, :func:`rehome`), pinned ones never."""
    problem = state.problem
    fit = insert_refill(problem, k, state.order(k), j, state.ends(k))
    if fit is not None:
        return day_units(problem, k, fit[0], fit[1]) - state.units(k), {k: fit}, ()
    if not make_room:
        return None
    start, end = state.ends(k)
    here = fit_day(state, k, state.order(k), j, (start, end), end if end is not None else start)
    if here is None:
        return None
    elsewhere = rehome(state, here[2], problem.nurse_days[k].day, exclude={k})
    if elsewhere is None:
        return None
    units = day_units(problem, k, here[0], here[1]) + elsewhere[0]
    return units - state.units(k), {**elsewhere[1], k: (here[0], here[1])}, ()


Fit = tuple[list[int], RouteSchedule, list[int]]
"""A day fitted by :func:`fit_day`: its refills in order, its schedule, and the visits taken off it."""


def trip_days(state: TripState, j: int, nurse: Nurse, ka: int, kb: int, k: int
              ) -> tuple[Trip, tuple[int, Fit], tuple[int, Fit]] | None:
    """A new trip on days ``ka`` → ``kb`` lodging at refill ``j``'s patient, ``j`` on day ``k``: the
    night, and each day (``k`` first) with the visits that still fit and those taken off it
    (:func:`fit_day`); ``None`` when a day does not fit even with every unpinned visit off."""
    problem = state.problem
    trip = Trip(nurse.nurse_id, ka, kb, problem.patient_location[problem.refills[j].patient_id])
    other = kb if k == ka else ka
    here = fit_day(state, k, state.order(k), j, state.ends(k, (trip,)), trip.lodging)
    there = fit_day(state, other, state.order(other), None, state.ends(other, (trip,)), trip.lodging) if here else None
    if here is None or there is None:
        return None
    return trip, (k, here), (other, there)


def rehome_all(state: TripState, offs: Iterable[tuple[int, list[int]]], exclude: set[int]
               ) -> tuple[int, Days] | None:
    """The visits taken off each day of ``offs`` (day, visits) to other days (:func:`rehome`, the
    days of ``exclude`` never): the objective change and the routes, or ``None`` when one finds no room."""
    delta, moved = 0, {}
    for k, off in offs:
        if off:
            elsewhere = rehome(with_routes(state, moved), off, state.problem.nurse_days[k].day, exclude=exclude)
            if elsewhere is None:
                return None
            delta += elsewhere[0]
            moved.update(elsewhere[1])
    return delta, moved


def new_trip(state: TripState, j: int, nurse: Nurse, ka: int, kb: int, k: int) -> Move | None:
    """A new trip on days ``ka`` → ``kb`` lodging at refill ``j``'s patient, ``j`` made on day ``k``.

    Each day keeps its visits where they still fit; else the visits farthest from the lodging
    go, one at a time, to other days from home (:func:`fit_day`, :func:`rehome`), pinned ones never.
    """
    fitted = trip_days(state, j, nurse, ka, kb, k)
    if fitted is None:
        return None
    trip, (k, here), (other, there) = fitted
    rest = rehome_all(state, ((k, here[2]), (other, there[2])), {ka, kb})
    if rest is None:
        return None
    problem = state.problem
    new = day_units(problem, k, here[0], here[1]) + day_units(problem, other, there[0], there[1]) + rest[0]
    days = {**rest[1], k: (here[0], here[1]), other: (there[0], there[1])}
    return new - state.units(ka) - state.units(kb), days, (trip,)


def with_routes(state: TripState, days: dict[int, tuple[list[int], RouteSchedule]]) -> TripState:
    """``state`` with ``days``' routes (a view for a move being built; ``state`` is not changed)."""
    if not days:
        return state
    out = TripState.__new__(TripState)
    out.__dict__.update(state.__dict__)
    out.routes = {**state.routes, **days}
    return out


def with_trips(state: TripState, trips: list[Trip]) -> TripState:
    """``state`` with ``trips`` for its nights (a view for a move being built; ``state`` is not changed)."""
    out = TripState.__new__(TripState)
    out.__dict__.update(state.__dict__)
    out.trips = list(trips)
    return out


def fit_day(state: TripState, k: int, order: list[int], j: int | None, ends: Ends, lodging: int
         ) -> tuple[list[int], RouteSchedule, list[int]] | None:
    """Day ``k`` from and to ``ends`` with ``order`` (and ``j`` inserted where it costs least): the
    route, and the visits taken off it, farthest from ``lodging`` first, until it fits (``None``
    when it does not even with every unpinned visit off)."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    kept, off = list(order), []
    while True:
        if j is not None:
            fit = insert_refill(problem, k, kept, j, ends)
        else:
            sched = schedule_day(problem, k, kept, ends)
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


def rehome(state: TripState, refills: list[int], day: date, *, exclude: set[int]
            ) -> tuple[int, dict[int, tuple[list[int], RouteSchedule]]] | None:
    """Refills ``refills`` (taken off a trip's day, ``day``) each inserted where it costs least on
    another day from home: another of its days, or the same date when the plan holds a later fill
    of the patient (whose window hangs on this date); (objective change of those days, their
    routes), or ``None`` when one finds no room or is pinned."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    busy = state.busy
    away_on: dict[date, set[int]] = {}
    for k in busy:
        away_on.setdefault(problem.nurse_days[k].day, set()).add(k)
    days: dict[int, tuple[list[int], RouteSchedule]] = {}
    delta = 0
    for x in refills:
        if x in pins:
            return None
        best: tuple[int, int, list[int], RouteSchedule] | None = None
        dates = (day,) if has_later(problem, x) else problem.refills[x].days
        for k in (k for d in dates for k in sorted(home_days(state, x, d) | away_on.get(d, set()))):
            if k in exclude:
                continue
            if k in busy:
                ends = state.ends(k)
                if not may_make(problem, problem.nurse_days[k].nurse, x, k, [e for e in ends if e is not None]):
                    continue
            else:
                ends = (None, None)
            order, sched = days.get(k) or state.routes.get(k, ([], None))
            fit = insert_refill(problem, k, list(order), x, ends)
            if fit is None:
                continue
            gain = day_units(problem, k, fit[0], fit[1]) - day_units(problem, k, list(order), sched)
            if best is None or gain < best[0]:
                best = (gain, k, fit[0], fit[1])
        if best is None:
            return None
        delta += best[0]
        days[best[1]] = (best[2], best[3])
    return delta, days


def home_days(state: TripState, j: int, day: date) -> frozenset[int]:
    """The nurse-days of ``day`` that may make refill ``j`` from home (:func:`may_make` with no
    lodging), read once per problem (:func:`rehome` asks for every visit it moves)."""
    problem = state.problem
    cache = problem._home_days
    if cache is None:
        cache = problem._home_days = {}
    out = cache.get((j, day))
    if out is None:
        out = cache[(j, day)] = frozenset(k for k in state.by_date.get(day, ()) if may_make(
            problem, problem.nurse_days[k].nurse, j, k, ()))
    return out


def has_later(problem: PlanningProblem, j: int) -> bool:
    """Whether the plan holds a later fill of refill ``j``'s patient (its window hangs on ``j``'s date)."""
    return problem.has_later_fill(j)


def nurses_for(problem: PlanningProblem, j: int) -> list[Nurse]:
    """Licensed (on some day of the refill) and certified nurses, nearest home first."""
    r = problem.refills[j]
    ploc = problem.patient_location[r.patient_id]
    ok = [n for n in problem.roster.nurses if is_certified_for(n, r.patient.next_infusate)
          and any(may_practice(n, r.patient.state, on=d) for d in r.days)]
    dist = {n.nurse_id: problem.travel(problem.nurse_location[n.nurse_id], ploc)[0] for n in ok}
    ok = [n for n in ok if dist[n.nurse_id] == dist[n.nurse_id]]  # reachable by road
    return sorted(ok, key=lambda n: (dist[n.nurse_id], n.nurse_id))[:NEAREST_NURSES]




def state_of_plan(problem: PlanningProblem, plan: Plan) -> TripState:
    """The routes and nights of ``plan`` on ``problem`` (:func:`optimizer.planning.fills.plan_routes`;
    a re-plan's days before its horizon left out)."""
    routes, nights = plan_routes(problem, plan, inside_only=True)
    return TripState(problem, routes, [Trip(nid, a, b, loc) for nid, a, b, loc in nights])
