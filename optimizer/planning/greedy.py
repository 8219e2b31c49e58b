"""Greedy baseline: what a careful planner does by hand (SPEC §5, issue 3 item 7).

Most urgent refill first; for it, the day the objective prefers (its due date where
a nurse works, else the nearest day, a day late rather than early on a fill that
ends a floxuridine course: :func:`optimizer.rules.objective.day_cost`) and on that
day the nearest eligible nurse with room, inserting the visit where it adds the least
cost to her route (the one route cost, :mod:`optimizer.planning.schedule`), an overdue refill
only at the front. Produces the same :class:`~optimizer.planning.plan.Plan` as the
optimizer, so both are validated and compared the same way.
"""

from __future__ import annotations

import itertools
import time as _time
from collections.abc import Iterable, Mapping

import numpy as np

from optimizer import settings
from optimizer.planning.plan import Plan, plan_from_routes
from optimizer.rules.objective import UNITS_PER_CENT, day_cost, keep_cost, refill_penalty, score, visit_cost
from optimizer.planning.problem import PlanningProblem
from optimizer.planning.schedule import RouteSchedule, schedule_order

__all__ = ["Routes", "greedy_routes", "plan_greedy", "insert_with_ejection", "urgency_order", "improve_days",
           "drop_deferrable"]

Routes = dict[int, tuple[list[int], RouteSchedule]]
"""Scheduled routes by nurse-day index: (refill indices in order, schedule)."""


def urgency_order(problem: PlanningProblem, among: Iterable[int] | None = None) -> list[int]:
    """Refill indices, most urgent first: kept visits (pinned), overdue, then by window end, pump empty date.

    ``among``: only these refills, in the order the whole list has them (a part of a national
    plan sorts its few dozen refills, not all thousands, once per part and round).
    """
    keep = problem.pins.keep if problem.pins is not None else {}
    refills = problem.refills
    return sorted(
        range(len(refills)) if among is None else sorted(set(among)),  # by index: ties keep the same order
        key=lambda j: (j not in keep, not refills[j].overdue, refills[j].window.end,
                       refills[j].window.empty, refills[j].patient_id),
    )


def greedy_routes(
    problem: PlanningProblem,
    *,
    routes: Routes | None = None,
) -> Routes:
    """Routes by nurse-day index, built greedily (optionally on top of ``routes``).

    From scratch, two constructions are made — each refill on the day the objective
    prefers, and each on the earliest feasible day (which packs tight regions best) —
    each completed by :func:`insert_with_ejection` and moved toward the due dates by
    :func:`improve_days`; the one with the lower objective is kept. On top of given
    routes, the refills they leave out are inserted on the preferred days.
    """
    if routes:
        return drop_deferrable(problem, _construct(problem, dict(routes), earliest=False))
    best: tuple[int, Routes] | None = None
    cands = problem.candidates_by_refill()
    keys = _Keys(problem, cands, cands)  # both constructions and both improvements read them
    for earliest in (False, True):
        built = _construct(problem, {}, earliest=earliest, keys=keys)
        placed = {j for order, _ in built.values() for j in order}
        built = insert_with_ejection(problem, built, [j for j in cands if j not in placed])
        built = drop_deferrable(problem, improve_days(problem, built, keys=keys))
        total = score(problem, built)[0]
        if best is None or total < best[0]:
            best = (total, built)
    assert best is not None
    return best[1]


class _Keys:
    """The greedy's orders of each refill's candidate nurse-days, computed at once with numpy.

    The same orders as sorting each refill's candidates with the scalar keys (the visit tiers
    of :func:`optimizer.rules.objective.visit_cost`, the day, the minutes from the nurse's home,
    the nurse id; or the day cost, the minutes, the nurse-day), which took half a minute at
    5,000 patients: the day cost is read once per (refill, day), the minutes in one gather.
    """

    def __init__(self, problem: PlanningProblem, cands: Mapping[int, list[int]], refills: Iterable[int]) -> None:
        js = [j for j in refills if cands.get(j)]
        self.row = {j: i for i, j in enumerate(js)}
        lens = np.array([len(cands[j]) for j in js], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        rows = np.repeat(np.arange(len(js), dtype=np.int64), lens)
        jj = np.repeat(np.array(js, dtype=np.int64), lens)
        kk = np.fromiter(itertools.chain.from_iterable(cands[j] for j in js), dtype=np.int64, count=int(lens.sum()))
        rank, nurse_all, home, slot_all, ordinal_all = _day_arrays(problem)
        nurse = nurse_all[kk]
        ploc = np.array([problem.patient_location[problem.refills[j].patient_id] for j in js], dtype=np.int64)
        self.minutes = np.asarray(problem.minutes[home[kk], ploc[rows]], dtype=float) if kk.size else np.zeros(0)
        slot = slot_all[kk]
        self.ordinal = ordinal_all[kk]
        pairs, first, inverse = np.unique(np.column_stack([rows, slot]), axis=0, return_index=True,
                                          return_inverse=True)
        day = np.array([day_cost(problem, int(jj[i]), int(kk[i])) for i in first], dtype=np.int64)
        self.day = day[np.asarray(inverse).ravel()]
        self.keep = np.zeros(kk.size, dtype=np.int64)
        for j in (problem.pins.keep if problem.pins is not None else ()):
            if j in self.row:
                at = slice(self.starts[self.row[j]], self.starts[self.row[j] + 1])
                self.keep[at] = [keep_cost(problem, j, int(k)) for k in kk[at]]
        pref = np.array([-2 if not problem.refills[j].patient.preferred_nurse_id
                         else rank.get(problem.refills[j].patient.preferred_nurse_id, -1) for j in js], dtype=np.int64)
        other = (pref[rows] != -2) & (pref[rows] != nurse)
        self.visit = (self.day + other * settings.COST_NOT_PREFERRED_NURSE + self.keep) * UNITS_PER_CENT
        self.kk, self.rows, self.nurse = kk, rows, nurse
        self._orders: dict[bool | None, np.ndarray] = {}
        self._unreachable: set[int] | None = None

    def _segments(self, order: np.ndarray, j: int) -> np.ndarray:
        i = self.row[j]
        return order[self.starts[i]:self.starts[i + 1]]

    def preferred(self, j: int, *, earliest: bool) -> list[int]:
        """``j``'s candidate nurse-days in :func:`_construct`'s order: keep tier, visit tiers (none
        when ``earliest``), day, minutes from the nurse's home, nurse id."""
        if earliest not in self._orders:
            tiers = np.zeros_like(self.visit) if earliest else self.visit
            self._orders[earliest] = np.lexsort((self.nurse, self.minutes, self.ordinal, tiers, self.keep, self.rows))
        return self.kk[self._segments(self._orders[earliest], j)].tolist()

    def by_day(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """``j``'s candidate nurse-days by day cost, minutes from the nurse's home, index; and their day costs."""
        if None not in self._orders:
            self._orders[None] = np.lexsort((self.kk, self.minutes, self.day, self.rows))
        at = self._segments(self._orders[None], j)
        return self.kk[at], self.day[at]

    def has(self, j: int) -> bool:
        """Whether ``j``'s orders are here (its candidates were given, none unreachable: a nan
        minute would not sort as the scalar keys do)."""
        if self._unreachable is None:
            self._unreachable = set(self.rows[~np.isfinite(self.minutes)].tolist())
        i = self.row.get(j)
        return i is not None and i not in self._unreachable


_DayArrays = tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: the last problem's nurse-day arrays: (nurse_days, nurse_location, arrays); a part of a plan shares them
_DAYS: list[tuple[object, object, _DayArrays]] = []


def _day_arrays(problem: PlanningProblem) -> _DayArrays:
    """Per nurse-day of ``problem``: the nurse ids' ranks, each day's nurse rank, home location, slot
    (day index and date) and date ordinal; computed once per nurse-day list (each part of a national
    plan made them again for all 5,748 nurse-days)."""
    nds, locs = problem.nurse_days, problem.nurse_location
    if _DAYS and _DAYS[0][0] is nds and _DAYS[0][1] is locs and len(_DAYS[0][2][1]) == len(nds):
        return _DAYS[0][2]
    ids = [nd.nurse.nurse_id for nd in nds]
    rank = {nid: r for r, nid in enumerate(sorted(set(ids)))}
    out = (rank, np.array([rank[n] for n in ids], dtype=np.int64),
           np.array([locs[n] for n in ids], dtype=np.int64),
           np.array([nd.index * 1_000_000 + nd.day.toordinal() for nd in nds], dtype=np.int64),
           np.array([nd.day.toordinal() for nd in nds], dtype=np.int64))
    _DAYS[:] = [(nds, locs, out)]
    return out


def _construct(problem: PlanningProblem, routes: Routes, *, earliest: bool, keys: _Keys | None = None) -> Routes:
    """Insert every refill ``routes`` leaves out, most urgent first, on its first nurse-day with
    room in order of preference: the objective's visit tiers — day, then continuity — (or the
    earliest day), then the nearest nurse (the orders of :class:`_Keys`)."""
    served = {j for order, _ in routes.values() for j in order}
    cands = problem.candidates_by_refill()
    todo = urgency_order(problem, among=(j for j in cands if j not in served))
    keys = keys or _Keys(problem, cands, todo)
    for j in todo:
        for k in (keys.preferred(j, earliest=earliest) if keys.has(j) else _slow_order(problem, j, cands[j], earliest)):
            if _not_worth(problem, j, k):
                continue
            fit = _best_insertion(problem, k, routes.get(k, ([], None))[0], j)
            if fit is not None:
                routes[k] = fit
                break
    return routes


def _not_worth(problem: PlanningProblem, j: int, k: int) -> bool:
    """Whether making deferrable refill ``j`` on nurse-day ``k`` costs at least as much in the visit
    tiers alone as leaving it to the next plan (a day early that the next plan makes on its due date)."""
    return problem.refills[j].deferrable and visit_cost(problem, j, k) >= refill_penalty(problem, j)


def drop_deferrable(problem: PlanningProblem, routes: Routes) -> Routes:
    """``routes`` without the deferrable refills whose visit costs more than leaving them to the next
    plan (:func:`~optimizer.rules.objective.miss_penalty`): the visit's tiers plus what its route
    saves without it. The objective falls with each one left out. Days of an overnight trip keep
    their visits (the trip is planned around them)."""
    routes = dict(routes)
    for k in sorted(routes):
        if routes[k][1].away:
            continue
        for j in [x for x in routes[k][0] if problem.refills[x].deferrable]:
            order, sched = routes[k]
            penalty = refill_penalty(problem, j)
            if visit_cost(problem, j, k) + sched.objective_units <= penalty:
                continue  # leaving it out saves at most its tiers and the whole route: not enough
            rest = [x for x in order if x != j]
            rest_s = schedule_order(problem, k, rest) if rest else None
            if rest and rest_s is None:
                continue
            if _total(problem, k, order, sched) - _total(problem, k, rest, rest_s) > penalty:
                if rest:
                    routes[k] = (rest, rest_s)  # type: ignore[assignment]
                else:
                    del routes[k]
                    break
    return routes


def _slow_order(problem: PlanningProblem, j: int, ks: list[int], earliest: bool) -> list[int]:
    """:meth:`_Keys.preferred` by the scalar keys (a refill with an unreachable candidate: nan minutes)."""
    ploc = problem.patient_location[problem.refills[j].patient_id]

    def key(k: int) -> tuple:
        nd = problem.nurse_days[k]
        return (keep_cost(problem, j, k), 0 if earliest else visit_cost(problem, j, k), nd.day,
                problem.minutes[problem.nurse_location[nd.nurse.nurse_id], ploc], nd.nurse.nurse_id)

    return sorted(ks, key=key)


def _distance(problem: PlanningProblem, k: int, j: int) -> float:
    """Minutes from the home of nurse-day ``k``'s nurse to refill ``j``'s patient."""
    return float(problem.minutes[problem.nurse_location[problem.nurse_days[k].nurse.nurse_id],
                                 problem.patient_location[problem.refills[j].patient_id]])


def _total(problem: PlanningProblem, k: int, order: list[int], sched: RouteSchedule | None) -> int:
    """Objective units of one nurse-day's route with its visits' tier costs (0 when empty)."""
    if not order or sched is None:
        return 0
    return sched.objective_units + sum(visit_cost(problem, j, k) for j in order)


def _by_day(problem: PlanningProblem, j: int, cands: Mapping[int, list[int]], keys: _Keys | None) -> list[int]:
    """``j``'s candidate nurse-days by day cost, minutes from the nurse's home, index."""
    if keys is not None and keys.has(j):
        return keys.by_day(j)[0].tolist()
    return sorted(cands.get(j, ()), key=lambda x: (day_cost(problem, j, x), _distance(problem, x, j), x))


def _relocate(problem: PlanningProblem, routes: Routes, j: int, k: int, k2: int,
              cands: dict[int, list[int]], tries: int, keys: _Keys | None = None) -> bool:
    """Move refill ``j`` from nurse-day ``k`` to ``k2``, directly or by moving one visit of ``k2``
    elsewhere, when the objective falls; updates ``routes`` and returns whether it moved."""
    order, sched = routes[k]
    rest = [x for x in order if x != j]
    rest_s = schedule_order(problem, k, rest) if rest else None
    if rest and rest_s is None:
        return False
    gain = _total(problem, k, order, sched) - _total(problem, k, rest, rest_s)
    o2, s2 = routes.get(k2, ([], None))
    before2 = _total(problem, k2, o2, s2)
    fit = _best_insertion(problem, k2, o2, j)
    if fit is not None:
        if _total(problem, k2, *fit) - before2 < gain:
            routes[k], routes[k2] = (rest, rest_s), fit  # type: ignore[assignment]
            return True
        return False
    for v in o2:  # make room: move one of k2's visits to another nurse-day
        less = [x for x in o2 if x != v]
        fit = _best_insertion(problem, k2, less, j)
        if fit is None:
            continue
        alts = [x for x in _by_day(problem, v, cands, keys) if x != k2]
        for k3 in alts[:tries]:
            o3, s3 = (rest, rest_s) if k3 == k else routes.get(k3, ([], None))
            fit3 = _best_insertion(problem, k3, o3, v)
            if fit3 is None:
                continue
            cost = _total(problem, k2, *fit) - before2 + _total(problem, k3, *fit3) - _total(problem, k3, o3, s3)
            if cost < gain:
                routes[k] = (rest, rest_s)  # type: ignore[assignment]
                routes[k2], routes[k3] = fit, fit3
                return True
    return False


class _Tracked(dict):
    """Routes that remember which nurse-days were written since ``changed`` was cleared."""

    def __init__(self, routes: Routes) -> None:
        super().__init__(routes)
        self.changed: set[int] = set()

    def __setitem__(self, key: int, value: tuple[list[int], RouteSchedule]) -> None:
        self.changed.add(key)
        super().__setitem__(key, value)


def improve_days(problem: PlanningProblem, routes: Routes, *, tries: int = 6, keys: _Keys | None = None) -> Routes:
    """Move visits to the days the objective prefers (due date first, never early on a fill that
    ends a floxuridine course when a later day can take it): each visit off its best day, costliest
    first, is relocated to a nurse-day of lower day cost — into room there, or by moving one of that
    route's visits elsewhere — whenever the objective (:func:`optimizer.rules.objective.score`) falls.

    Parameters
    ----------
    problem
        The planning problem.
    routes
        Feasible routes; the result is feasible and scores no worse.
    tries
        Nurse-days tried per visit and per moved visit (a bound on the work).
    keys
        The candidates' orders (:class:`_Keys`) when the caller has them.
    """
    routes = _Tracked(routes)
    cands = problem.candidates_by_refill()
    where = {j: k for k, (o, _) in routes.items() for j in o}
    keys = keys or _Keys(problem, cands, where)
    for j in sorted(where, key=lambda j: (-day_cost(problem, j, where[j]), j)):
        k = where[j]
        here = day_cost(problem, j, k)
        if keys.has(j):
            ks, costs = keys.by_day(j)
            better = ks[costs < here][:tries].tolist()
        else:
            better = [x for x in _by_day(problem, j, cands, keys) if day_cost(problem, j, x) < here]
        for k2 in better[:tries]:
            if _relocate(problem, routes, j, k, k2, cands, tries, keys):
                for kk in routes.changed:  # only the routes the move wrote (was: all, per move)
                    where.update((x, kk) for x in routes[kk][0])
                routes.changed.clear()
                break
    return {k: r for k, r in routes.items() if r[0]}


def plan_greedy(problem: PlanningProblem) -> Plan:
    """The greedy baseline plan."""
    t0 = _time.perf_counter()
    routes = greedy_routes(problem)
    return plan_from_routes(problem, routes, solver={
        "backend": "greedy", "status": "feasible", "runtime_s": round(_time.perf_counter() - t0, 3)})


def _best_insertion(problem: PlanningProblem, k: int, order: list[int], j: int
                    ) -> tuple[list[int], RouteSchedule] | None:
    """Refill ``j`` inserted into nurse-day ``k``'s ``order`` where the route costs least
    (first such position on ties), or ``None`` if no position is feasible. An overdue refill
    goes only among the overdue ones at the front of the route, any other only after them
    (an overdue refill is the first stop of its route, SPEC §5)."""
    best: tuple[int, list[int], RouteSchedule] | None = None
    refills = problem.refills
    lead = next((i for i, x in enumerate(order) if not refills[x].overdue), len(order))
    for pos in (range(lead + 1) if refills[j].overdue else range(lead, len(order) + 1)):
        trial = order[:pos] + [j] + order[pos:]
        sched = schedule_order(problem, k, trial)
        if sched is not None and (best is None or sched.objective_units < best[0]):
            best = (sched.objective_units, trial, sched)
    return (best[1], best[2]) if best else None


def insert_with_ejection(
    problem: PlanningProblem,
    routes: Routes,
    refills: list[int],
) -> Routes:
    """Place ``refills`` that plain insertion cannot: eject one visit from a candidate
    route to make room, and re-insert the ejected visit elsewhere (an ejection chain of
    depth one). Returns the updated routes; refills that still do not fit stay out."""
    routes = dict(routes)
    cands = problem.candidates_by_refill()
    for j in refills:
        if any(j in o for o, _ in routes.values()):
            continue
        done = False
        for k in sorted(cands.get(j, ()), key=lambda k, j=j: (day_cost(problem, j, k), k)):
            if _not_worth(problem, j, k):
                continue
            order = routes.get(k, ([], None))[0]
            fit = _best_insertion(problem, k, order, j)
            if fit is not None:
                routes[k] = fit
                done = True
                break
            for v in order:
                rest = [x for x in order if x != v]
                fit = _best_insertion(problem, k, rest, j)
                if fit is None:
                    continue
                for k2 in cands.get(v, ()):
                    if k2 == k:
                        continue
                    fit2 = _best_insertion(problem, k2, routes.get(k2, ([], None))[0], v)
                    if fit2 is not None:
                        routes[k], routes[k2] = fit, fit2
                        done = True
                        break
                if done:
                    break
            if done:
                break
    return drop_deferrable(problem, routes)
