"""Re-plan after a change, changing as few visits as it can (SPEC §6 ``haiplan replan``).

A nurse calls out (a new time_off row), a referral arrives, a patient travels: the
previous plan is the starting point. Its visits before the re-plan date stay as they
were (copied, and the refills they made counted as made); from that date on, every
visit of the previous plan is pinned to its nurse and date
(:func:`optimizer.planning.keep.pin_visits`), so it moves only when it became
impossible (the reason: nurse off, holiday, patient away, license, certification,
window moved) or when moving it places a refill that would otherwise be missed
(``capacity``); the kept visits go back on their days in the previous order, each
overnight trip ahead that can be kept stays whole, the displaced and new refills are
inserted around them, and ``changes.csv`` lists every difference (a kept visit whose start
moved by more than ±30 min too: ``moved`` on its own nurse and date, :func:`_with_time_moves`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta

from optimizer import settings
from optimizer.domain import Horizon, Roster, TimeOff
from optimizer.planning.fills import MAX_PASSES, extend_with_next_fills
from optimizer.planning.keep import Change, Wanted, pin_visits, start_kept
from optimizer.planning.greedy import Routes, greedy_routes
from optimizer.planning.plan import NurseDayPlan, Plan, PlannedVisit, plan_from_routes
from optimizer.planning.planner import SolverOptions, move_kept_for_missed
from optimizer.planning.problem import PlanningProblem, build_problem, calendar_of
from optimizer.planning.schedule import schedule_order
from optimizer.planning.solve import GREEDY
from optimizer.planning.trips import with_overnight_trips
from optimizer.rules.objective import score
from optimizer.rules.windows import WindowRules, after_refill

__all__ = ["replan", "refilled_before", "wanted_from", "trips_under_way", "trips_ahead", "cut_short"]

log = logging.getLogger(__name__)


def refilled_before(roster: Roster, visits: Iterable[PlannedVisit], *, rules: WindowRules) -> Roster:
    """``roster`` with the refills that ``visits`` made counted as made (a patient's last fill
    moves to the visit's date), unless the roster already records a fill on or after it."""
    by_patient: dict[str, list[date]] = {}
    for v in sorted(visits, key=lambda v: v.date):
        by_patient.setdefault(v.patient_id, []).append(v.date)
    patients = []
    for p in roster.patients:
        for day in by_patient.get(p.patient_id, ()):
            if p.last_fill_date < day:
                p = after_refill(p, day, rules=rules)
        patients.append(p)
    return replace(roster, patients=tuple(patients))


def wanted_from(previous: Plan, roster: Roster, *, start: date, end: date) -> list[Wanted]:
    """The previous plan's visits from ``start`` to ``end`` as visits to keep; a confirmed visit
    of the roster gives its start time to the same visit, or is added when the plan lacks it."""
    confirmed = {(c.patient_id, c.nurse_id, c.date): c.start for c in roster.confirmed_visits}
    out = [Wanted(v.patient_id, v.nurse_id, v.date, confirmed.get((v.patient_id, v.nurse_id, v.date)))
           for v in previous.visits if start <= v.date <= end]
    planned = {v.patient_id for v in previous.visits if start <= v.date <= end}
    out += [Wanted(c.patient_id, c.nurse_id, c.date, c.start) for c in roster.confirmed_visits
            if start <= c.date <= end and c.patient_id not in planned]
    return out


def trips_under_way(previous: Plan, roster: Roster, *, start: date,
                    end: date) -> tuple[list[NurseDayPlan], list[PlannedVisit]]:
    """The nurse-days from ``start`` on that continue an overnight stay begun before it, and
    their visits: the nurse is away from home on the re-plan date, so these days are kept as
    they were (their start is the lodging). A day is not kept, nor the trip's later days, when
    the nurse is off that day (whole or part), it is a company holiday, or one of its patients
    is now away.
    """
    holidays = calendar_of(roster, Horizon(start, (end - start).days + 1))
    visits_of: dict[tuple[str, date], list[PlannedVisit]] = defaultdict(list)
    for v in previous.visits:
        visits_of[(v.nurse_id, v.date)].append(v)
    days_of: dict[str, list[NurseDayPlan]] = defaultdict(list)
    for d in previous.nurse_days:
        days_of[d.nurse_id].append(d)
    days: list[NurseDayPlan] = []
    for nurse_id, own in days_of.items():
        away = False  # whether the nurse spent the night before this day away
        for d in sorted(own, key=lambda d: d.date):
            if d.date >= start:
                if not away or d.date > end or d.date in holidays or roster.time_off_on(nurse_id, d.date) or any(
                        roster.is_away(v.patient_id, d.date) for v in visits_of[(nurse_id, d.date)]):
                    break
                days.append(d)
            away = d.ends_away
    return days, [v for d in days for v in visits_of[(d.nurse_id, d.date)]]


def cut_short(previous: Plan, carried: Iterable[NurseDayPlan], *, start: date, end: date) -> list[tuple[str, date]]:
    """(nurse, day) of each trip cut short by the re-plan: the nurse's last day kept (before
    ``start``, or carried by :func:`trips_under_way`) ends away from home and the day after it, from
    ``start`` on, is not carried (time off, a holiday, a patient now away). She spends that day's
    morning away from home: the new plan does not start a day from home then."""
    last: dict[str, NurseDayPlan] = {}
    for d in [*(d for d in previous.nurse_days if d.date < start), *carried]:
        if d.nurse_id not in last or d.date > last[d.nurse_id].date:
            last[d.nurse_id] = d
    out = []
    for nid, d in sorted(last.items()):
        nxt = d.date + timedelta(days=1)
        if d.ends_away and start <= nxt <= end:
            out.append((nid, nxt))
    return out


def _pinned_problem(roster: Roster, previous: Plan, carried: list[NurseDayPlan], under_way: list[PlannedVisit], *,
                    start: date, end: date, rules: WindowRules, provider, keep_before: bool
                    ) -> tuple[PlanningProblem, list[PlannedVisit]]:
    """The re-plan's problem from ``start`` with the previous plan's other visits pinned, and the
    visits kept as they were (before ``start``, and the ``carried`` days' ``under_way``)."""
    before = [v for v in previous.visits if v.date < start] + under_way if keep_before else []
    now = refilled_before(roster, before, rules=rules) if before else roster
    # the carried days are the nurse's already: the new plan does not use them; nor the day a
    # trip is cut short (she wakes up away from home, her way home is not planned)
    blocked = {TimeOff(d.nurse_id, d.date) for d in carried} | {
        TimeOff(nid, day) for nid, day in cut_short(previous, carried, start=start, end=end)}
    now = replace(now, time_off=now.time_off | blocked)
    problem = build_problem(now, Horizon(start, (end - start).days + 1), provider=provider, rules=rules)
    known = ({v.patient_id for v in previous.visits} | {u.patient_id for u in previous.unassigned}
             | {d.patient_id for d in previous.deferred})
    rest = replace(previous, visits=[v for v in previous.visits if v not in under_way])
    # a promise of the refill a carried day makes is not wanted once more (that refill is made): kept
    # when the carried visit is it, else listed as moved to it (_with_confirmed_conflicts). The same
    # refill: within half the shortest refill interval of the carried visit
    half = min(rules.prescribed_interval_days.values()) // 2
    made = defaultdict(list)
    for v in under_way:
        made[v.patient_id].append(v.date)
    promised = replace(roster, confirmed_visits=tuple(
        c for c in roster.confirmed_visits if not any(abs((c.date - d).days) < half for d in made[c.patient_id])))
    problem = pin_visits(problem, wanted_from(rest, promised, start=start, end=end), report_added=True,
                         known=known, refilled={v.patient_id for v in before})
    return problem, before


def trips_ahead(previous: Plan, problem: PlanningProblem, *,
                start: date) -> tuple[list[NurseDayPlan], list[PlannedVisit]]:
    """The previous plan's overnight trips that begin on or after ``start`` and can be kept whole,
    as they were, and their visits (the trips under way are :func:`trips_under_way`'s).

    Inserting the displaced refills first and rebuilding the trips after broke them: all 10 visits
    changed beyond a sick nurse's that the previous order left on the 1,000-patient bench were on
    trip days (bench/replan.py). A trip is kept when each of its days is still a working day of its nurse
    in ``problem`` (no time off, whole or part, no holiday) and each of its visits can be kept:
    ``problem``'s pins (:func:`optimizer.planning.keep.pin_visits`) keep it, or find nothing
    against it but the reach from her home (reason ``capacity``), at its confirmed start ± 30 min
    where one is given; and it is its patient's only visit from ``start`` on (a later fill is
    timed from it)."""
    pins = problem.pins
    if pins is None:
        return [], []
    works = {(nd.nurse.nurse_id, nd.day) for nd in problem.nurse_days}
    roster = problem.roster
    starts = {(v.patient_id, v.nurse_id, v.date): v.start for v in previous.visits}
    ok: dict[tuple[str, str, date], bool] = {}
    for i, w in enumerate(pins.wanted):
        why = pins.conflicts.get(i)
        key = (w.patient_id, w.nurse_id, w.date)
        at = starts.get(key)
        ok[key] = pins.refill_of.get(i) is not None and (why is None or why[0] == "capacity") and (
            w.start is None or (at is not None and start_kept(w.start, at.time())))
    ahead = Counter(v.patient_id for v in previous.visits if v.date >= start)
    visits_of: dict[tuple[str, date], list[PlannedVisit]] = defaultdict(list)
    for v in previous.visits:
        visits_of[(v.nurse_id, v.date)].append(v)
    days: list[NurseDayPlan] = []
    for chain in _chains(previous.nurse_days):
        if chain[0].date < start or not any(d.ends_away for d in chain):
            continue
        vs = [v for d in chain for v in visits_of[(d.nurse_id, d.date)]]
        if all((d.nurse_id, d.date) in works and not roster.time_off_on(d.nurse_id, d.date) for d in chain) \
                and all(ok.get((v.patient_id, v.nurse_id, v.date), False) and ahead[v.patient_id] == 1
                        for v in vs):
            days += chain
    return days, [v for d in days for v in visits_of[(d.nurse_id, d.date)]]


def _chains(days: Iterable[NurseDayPlan]) -> list[list[NurseDayPlan]]:
    """Each nurse's ``days`` in runs joined by nights away (a day trip is a run of one)."""
    out: list[list[NurseDayPlan]] = []
    last: dict[str, NurseDayPlan] = {}
    for d in sorted(days, key=lambda d: (d.nurse_id, d.date)):
        prev = last.get(d.nurse_id)
        if prev is not None and prev.ends_away and d.date == prev.date + timedelta(days=1):
            out[-1].append(d)
        else:
            out.append([d])
        last[d.nurse_id] = d
    return out


def _missed_and_moved(plan: Plan) -> tuple[int, int]:
    """A re-plan's refills not placed, then its visits moved or dropped: the fewer the better."""
    return len(plan.unassigned), sum(1 for c in plan.changes or () if c.change != "added")


Made = tuple[Plan, PlanningProblem, list[PlannedVisit], list[NurseDayPlan]]
"""A re-plan made (:func:`replan`'s ``made``): the plan, its problem, the visits and days kept as they were."""


def _with_trips_ahead(previous: Plan, problem: PlanningProblem, plan: Plan,
                      made: Callable[[list[NurseDayPlan], list[PlannedVisit]], Made], *, start: date) -> Made | None:
    """The re-plan with the previous plan's trips ahead kept whole (:func:`trips_ahead`) when it is
    better than ``plan`` (made without them) by (refills missed, then visits moved), else ``None``.

    A trip is a whole: inserting the displaced refills into its days, then rebuilding it, moved its
    other visits. Where that leaves one of the displaced refills unplaced, the trips whose days
    could take one of them are made anew as well (``made`` without them), and the best of the
    re-plans by (refills missed, visits moved) is kept: SPEC §5 ranks a refill made above a visit
    kept."""
    days, visits = trips_ahead(previous, problem, start=start)
    if not days:
        return None

    def keeping(free: set[tuple[str, date]]) -> frozenset[tuple[str, date]]:
        """The days of the trips none of whose days is in ``free``."""
        return frozenset((d.nurse_id, d.date) for c in _chains(days) if not any((d.nurse_id, d.date) in free for d in c)
                         for d in c)

    def made_keeping(keep: frozenset[tuple[str, date]]) -> Made:
        return made([d for d in days if (d.nurse_id, d.date) in keep],
                    [v for v in visits if (v.nurse_id, v.date) in keep])

    every = keeping(set())
    best = made_keeping(every)
    if len(best[0].unassigned) > len(plan.unassigned):  # the trips a missed refill could go on are not kept
        missed = {u.patient_id for u in best[0].unassigned}
        nds = problem.nurse_days
        keep = keeping({(nds[c.nurse_day].nurse.nurse_id, nds[c.nurse_day].day) for c in problem.candidates
                        if problem.refills[c.refill].patient_id in missed})
        if keep and keep != every:
            other = made_keeping(keep)
            if _missed_and_moved(other[0]) < _missed_and_moved(best[0]):
                best = other
    return best if _missed_and_moved(best[0]) < _missed_and_moved(plan) else None


def _as_they_were(problem: PlanningProblem, previous: Plan) -> Routes:
    """The kept visits on their nurse-days in the order the previous plan had them, each
    nurse-day whose order still schedules (a day that no longer does, or a trip's day now
    planned from home, is left to insertion). Inserting them one by one instead could fail
    where the previous order fit the arrival windows, and each failure moved a kept visit
    (``capacity``): 5 of the 15 visits changed beyond a sick nurse's on the 1,000-patient bench."""
    keep = problem.pins.keep if problem.pins is not None else {}
    seq = {(v.patient_id, v.nurse_id, v.date): v.seq for v in previous.visits}
    on: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for j, k in keep.items():
        nd = problem.nurse_days[k]
        on[k].append((seq.get((problem.refills[j].patient_id, nd.nurse.nurse_id, nd.day), 0), j))
    routes: Routes = {}
    for k, xs in on.items():
        order = [j for _, j in sorted(xs)]
        sched = schedule_order(problem, k, order)
        if sched is not None:
            routes[k] = (order, sched)
    return routes


def _around_kept(problem: PlanningProblem, previous: Plan) -> tuple[PlanningProblem, Plan]:
    """Kept visits first on their nurse-days (in the previous plan's order where it still fits:
    :func:`_as_they_were`), then the displaced and new refills by greedy insertion, a kept
    visit moved only to place a refill that would otherwise be missed
    (:func:`move_kept_for_missed`); then later fills (``fill_no`` 2, …) in passes
    (:mod:`optimizer.planning.fills`), each pinned where the previous plan had it."""
    seeded = _as_they_were(problem, previous)
    routes = greedy_routes(problem, routes=seeded) if seeded else greedy_routes(problem)
    moved = move_kept_for_missed(problem, routes)
    if score(problem, moved)[0] < score(problem, routes)[0]:
        routes = moved
    current = problem
    for _ in range(MAX_PASSES):
        ext = extend_with_next_fills(current, routes) if current.provider is not None else None
        if ext is None:
            break
        current = ext
        routes = greedy_routes(current, routes=routes)
    return current, plan_from_routes(current, routes, solver={
        "backend": GREEDY, "status": "feasible", "objective": score(current, routes)[0],
        "later_fills": len(current.refills) - len(problem.refills)})


def replan(
    roster: Roster,
    previous: Plan,
    *,
    start: date,
    provider,
    end: date | None = None,
    rules: WindowRules | None = None,
    options: SolverOptions | None = None,
    progress: Callable[[str], None] | None = None,
    keep_before: bool = True,
    overnight: bool | None = False,
) -> tuple[Plan, PlanningProblem]:
    """Re-plan ``roster`` from ``start`` with the fewest changes to ``previous``.

    Parameters
    ----------
    roster
        The inputs now (with the new time off, referrals, absences).
    previous
        The plan in force.
    start
        The re-plan date: visits before it stay as they were.
    provider
        Travel provider.
    end
        Last day of the new plan (default: the previous plan's last day).
    rules
        Window rules.
    options
        Solver options: with ``max_iterations`` (a deterministic run) no run time is recorded.
        The re-plan is built by insertion around the kept visits whatever the backend: with
        nearly every visit pinned, a routing solver could only reorder kept routes, at many
        times the run time (measured in bench/replan.py).
    progress
        Called with a line when the re-plan is made.
    keep_before
        Copy the previous plan's visits and nurse-days before ``start`` into the result and
        count the refills they made as made; without, the roster is taken as the truth of
        what was made (the simulation, which records every visit made or cancelled).
    overnight
        Make overnight trips (:mod:`optimizer.planning.trips`); the setting when ``None``;
        off by default (the closed-loop simulation plans day trips; ``haiplan replan`` passes
        ``None``). With trips on, the previous plan's trips ahead that can be kept whole are kept
        as they were (:func:`trips_ahead`, :func:`_with_trips_ahead`).

    Returns
    -------
    (Plan, PlanningProblem)
        The new plan (``changes`` lists every difference from ``start`` on) and the problem
        it solved (the horizon from ``start``).
    """
    rules = rules or WindowRules()
    opts = options or SolverOptions()
    prev_end = previous.horizon_start + timedelta(days=previous.horizon_days - 1)
    end = end or prev_end
    if end < start:
        raise ValueError(f"re-plan date {start} is after the plan's last day {end}")
    carried, under_way = trips_under_way(previous, roster, start=start, end=end) if keep_before else ([], [])
    t0 = time.perf_counter()

    def made(days: list[NurseDayPlan], visits: list[PlannedVisit]) -> Made:
        problem, before = _pinned_problem(roster, previous, carried + days, under_way + visits, start=start,
                                          end=end, rules=rules, provider=provider, keep_before=keep_before)
        problem, plan = _around_kept(problem, previous)
        # overnight trips (issue 13 item 1): a kept visit only a trip can make stays on one
        plan, problem = with_overnight_trips(problem, plan, enabled=overnight)
        return plan, problem, before, carried + days

    plan, problem, before, kept_days = made([], [])
    if keep_before and (settings.OVERNIGHT_TRIPS if overnight is None else overnight):
        plan, problem, before, kept_days = _with_trips_ahead(previous, problem, plan, made, start=start) or (
            plan, problem, before, kept_days)
    if not opts.max_iterations:
        plan.solver["runtime_s"] = round(time.perf_counter() - t0, 2)
    if progress is not None:
        progress(f"re-plan from {start}: {len(plan.visits)} visits, "
                 f"{sum(1 for c in plan.changes or () if c.change != 'added')} moved or dropped")
    plan.solver["replan_from"] = start.isoformat()
    plan.solver["kept_visits"] = len(problem.pins.keep) if problem.pins is not None else 0
    earlier = [d for d in previous.nurse_days if d.date < start] + kept_days if keep_before else []
    if not before and not earlier:
        return _with_time_moves(_with_confirmed_conflicts(plan, previous, roster), previous, start=start), problem
    first = min(previous.horizon_start, start)
    done = Counter(v.patient_id for v in before)  # fills made before: the new ones number on
    after = [replace(v, fill_no=v.fill_no + done[v.patient_id]) if done[v.patient_id] else v for v in plan.visits]
    plan = replace(
        plan,
        visits=sorted(before + after, key=lambda v: (v.nurse_id, v.date, v.seq)),
        nurse_days=sorted(earlier + plan.nurse_days,
                          key=lambda d: (d.nurse_id, d.date)),
        horizon_start=first, horizon_days=(end - first).days + 1)
    return _with_time_moves(_with_confirmed_conflicts(plan, previous, roster), previous, start=start), problem


def _with_confirmed_conflicts(plan: Plan, previous: Plan, roster: Roster) -> Plan:
    """``plan`` whose ``changes`` also list every confirmed visit of the horizon it does not keep
    (same patient, nurse and date, starting within ±30 min of the confirmed start when one was
    given) and lists nowhere else: the previous plan's row for it (a confirmed visit it had moved,
    or timed anew on its nurse and date, stays so, with the reason it gave), or ``capacity``;
    ``moved`` to the plan's visit of the patient nearest the confirmed date, ``dropped`` when there
    is none."""
    first = plan.horizon_start
    last = first + timedelta(days=plan.horizon_days - 1)
    starts: dict[tuple[str, str, date], list[datetime]] = defaultdict(list)
    for v in plan.visits:
        starts[(v.patient_id, v.nurse_id, v.date)].append(v.start)
    changes = list(plan.changes or [])
    listed = {(c.patient_id, c.old_nurse_id, c.old_date) for c in changes}
    was = {(c.patient_id, c.old_nurse_id, c.old_date): c for c in previous.changes or []}
    for cv in sorted(roster.confirmed_visits, key=lambda c: (c.date, c.patient_id, c.nurse_id)):
        key = (cv.patient_id, cv.nurse_id, cv.date)
        kept = any(cv.start is None or start_kept(cv.start, t.time()) for t in starts.get(key, ()))
        if not first <= cv.date <= last or kept or key in listed:
            continue
        mine = [v for v in plan.visits if v.patient_id == cv.patient_id]
        now = min(mine, key=lambda v: (abs((v.date - cv.date).days), v.date), default=None)
        reason = was[key].reason if key in was else "capacity"
        changes.append(Change(cv.patient_id, "moved" if now else "dropped", cv.nurse_id, cv.date,
                              now.nurse_id if now else "", now.date if now else None, reason))
        listed.add(key)
    return plan if len(changes) == len(plan.changes or []) else replace(plan, changes=changes)


def _with_time_moves(plan: Plan, previous: Plan, *, start: date) -> Plan:
    """``plan`` whose ``changes`` also list every visit from ``start`` on kept on its nurse and date
    whose start moved by more than ``settings.CONFIRMED_START_TOLERANCE_MINUTES`` from the previous
    plan's (SPEC §6: ``changes.csv`` lists every difference): ``moved`` on the same nurse and date,
    reason ``capacity`` (its day's route changed around it), unless a row already lists that visit as
    old (a confirmed visit timed anew, with the conflict's reason). The visits of a patient on one
    nurse-day are paired in start order."""
    was: dict[tuple[str, str, date], list[datetime]] = defaultdict(list)
    now: dict[tuple[str, str, date], list[datetime]] = defaultdict(list)
    for visits, starts in ((previous.visits, was), (plan.visits, now)):
        for v in visits:
            if v.date >= start:
                starts[(v.patient_id, v.nurse_id, v.date)].append(v.start)
    changes = list(plan.changes or [])
    listed = {(c.patient_id, c.old_nurse_id, c.old_date) for c in changes if c.change in ("moved", "dropped")}
    for key in sorted((was.keys() & now.keys()) - listed):
        if not all(start_kept(o.time(), n.time()) for o, n in zip(sorted(was[key]), sorted(now[key]))):
            pid, nurse_id, day = key
            changes.append(Change(pid, "moved", nurse_id, day, nurse_id, day, "capacity"))
    return plan if len(changes) == len(plan.changes or []) else replace(plan, changes=changes)
