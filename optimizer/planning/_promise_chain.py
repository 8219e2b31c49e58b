"""Keep a nurse's confirmed visits that only a trip of several nights made (issue 11 item 6, issue 13 item 1).

A plan's first days, written as ``confirmed_visits.csv`` (``haiplan plan --confirm-days``), may hold
visits of one trip of several nights: a nurse drives out, visits far patients on two or three days,
lodging on the way, and drives home. Next week's plan reads the promises, not the trip: each far
promise alone is out of her reach from home (a conflict of reason ``capacity``), and rebuilding a trip
around one promise at a time (:func:`optimizer.planning.trips._keep_promises`) takes the days the
next promise needs. Here a nurse's capacity conflicts on consecutive calendar days are kept together:
one chain of nights over their days (with up to :data:`OUTER_DAYS` days before to drive out and after
to drive home, their nights on the way), each night between two days of promises at the home of the
last promised patient of its day, of the first of the next, or a waypoint near the latter, every promise at its confirmed time ± 30 min; the day's other visits stay where they fit,
else go to other days (:func:`~optimizer.planning._trip_state.rehome`). The cheapest chain is made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import time, timedelta
from itertools import product

from optimizer.domain import Nurse
from optimizer.planning._trip_state import (Days, Move, Trip, TripState, day_units, insert_refill, rehome_all,
                                            schedule_day)
from optimizer.planning.keep import _narrowed, _shift  # the confirmed start ± 30 min, as pin_visits cuts it
from optimizer.planning.waypoints import lodgings_on_the_way

__all__ = ["keep_promised_chains", "OUTER_DAYS", "INNER_WAYPOINTS"]

#: Days before the first promise (to drive out) and after the last (to drive home) a chain may take.
OUTER_DAYS: int = 2
#: Waypoints tried for a night between two days of promises, besides the two patients' homes.
#: Five, not three: a Memphis nurse on Central time keeping promises in Maryland and Pennsylvania
#: (Eastern) had slept at a place beyond the third on the way (tests/planning/test_confirmed.py, the
#: confirm-days round trip); with three no chain rebuilt her trip, with five one does.
INNER_WAYPOINTS: int = 5

Promise = tuple[int, int, object]
"""A promise to keep: (refill, nurse-day, the patient cut to the confirmed start ± 30 min or ``None``)."""


def _promises(state: TripState) -> dict[str, list[tuple[Promise, time]]]:
    """The capacity conflicts of each nurse that a trip might keep, with their confirmed starts."""
    problem, pins = state.problem, state.problem.pins
    out: dict[str, list[tuple[Promise, time]]] = defaultdict(list)
    if pins is None:
        return out
    for i, (reason, _) in sorted(pins.conflicts.items()):
        j, w = pins.refill_of.get(i), pins.wanted[i]
        k = state.day_of.get((w.nurse_id, w.date))
        if reason != "capacity" or j is None or k is None or j in pins.keep:
            continue
        cut = _narrowed(problem.refills[j].patient, w.start, _shift(problem, w, j)) if w.start is not None else None
        if w.start is not None and cut is None:
            continue
        out[w.nurse_id].append(((j, k, cut), w.start or time(0)))
    return out


def keep_promised_chains(state: TripState) -> None:
    """Keep each nurse's promises of consecutive days on one chain of nights where one fits (module docs).

    A nurse with a single promise to keep is left to the one-promise moves; ``state`` changes only
    where a chain is made (its problem then pins the promises, as :func:`_keep_promises` does).
    """
    for nid, items in sorted(_promises(state).items()):
        if len(items) < 2:
            continue
        trial = _pinned(state, [p for p, _ in items])
        if trial is None:
            continue
        move = _best_chain(trial, nid, items)
        if move is not None:
            trial.apply(move)
            state.problem, state.routes, state.trips = trial.problem, trial.routes, trial.trips


def _pinned(state: TripState, promises: list[Promise]) -> TripState | None:
    """``state``'s routes with the promised refills pinned to their days and taken off the days they
    are on (``None`` when a day left behind no longer fits)."""
    pins = state.problem.pins
    assert pins is not None
    kept = replace(pins, keep={**pins.keep, **{j: k for j, k, _ in promises}},
                   patients={**pins.patients, **{j: c for j, _, c in promises if c is not None}})
    trial = TripState(replace(state.problem, pins=kept), state.routes, state.trips)
    gone = {j for j, _, _ in promises}
    for k, (order, _) in list(trial.routes.items()):
        if gone.isdisjoint(order):
            continue
        rest = [x for x in order if x not in gone]
        if not rest and k not in trial.busy:
            trial.routes.pop(k)
            continue
        sched = schedule_day(trial.problem, k, rest, trial.ends(k))  # a trip's day keeps its drive
        if sched is None:
            return None
        trial.routes[k] = (rest, sched)
    return trial


def _best_chain(state: TripState, nid: str, items: list[tuple[Promise, time]]) -> Move | None:
    """The cheapest chain of nights of nurse ``nid`` over the days of ``items`` (consecutive calendar
    days, free of trips), with up to :data:`OUTER_DAYS` days before and after to drive out and home
    (their nights at waypoints, :func:`optimizer.planning.waypoints.lodgings_on_the_way`); ``None``
    when none fits."""
    problem = state.problem
    nds = problem.nurse_days
    nurse = problem.roster.nurse(nid)
    home = problem.nurse_location[nid]
    on: dict[int, list[int]] = defaultdict(list)
    for (j, k, _), _start in sorted(items, key=lambda x: (nds[x[0][1]].day, x[1])):
        on[k].append(j)
    days = sorted(on, key=lambda k: nds[k].day)
    if any(nds[b].day - nds[a].day != timedelta(days=1) for a, b in zip(days, days[1:])):
        return None
    loc = problem.patient_location
    first = loc[problem.refills[on[days[0]][0]].patient_id]
    last = loc[problem.refills[on[days[-1]][-1]].patient_id]
    pid, back = problem.refills[on[days[0]][0]].patient_id, problem.refills[on[days[-1]][-1]].patient_id

    def run(step: int) -> list[int]:
        out, day = [], nds[days[0] if step < 0 else days[-1]].day
        for n in range(1, OUTER_DAYS + 1):
            k = state.day_of.get((nid, day + timedelta(days=step * n)))
            if k is None or not state.free(k):
                break
            out.append(k)
        return out

    befores, afters = run(-1), run(1)
    best: Move | None = None
    for n_pre in range(len(befores) + 1):
        for n_post in range(len(afters) + 1):
            pre, post = befores[:n_pre][::-1], afters[:n_post]
            chain = [*pre, *days, *post]
            if len(chain) < 2 or not all(state.free(k) for k in days):
                continue
            inner = [_between(state, nurse, problem.refills[on[a][-1]].patient_id,
                              problem.refills[on[b][0]].patient_id) for a, b in zip(days, days[1:])]
            # outer nights: toward the first promise before it, toward home after the last
            out_way = [lodgings_on_the_way(state, nurse, home, first, pid) for _ in pre[:-1]]
            home_way = [lodgings_on_the_way(state, nurse, last, home, back) for _ in post[:-1]]
            for combo in product(*out_way, *inner, *home_way):
                ls = [*combo[:len(out_way)], *([first] if pre else []), *combo[len(out_way):len(out_way) + len(inner)],
                      *([last] if post else []), *combo[len(out_way) + len(inner):]]
                nights = tuple(Trip(nid, a, b, x) for (a, b), x in zip(zip(chain, chain[1:]), ls))
                move = _chain_move(state, chain, on, nights)
                if move is not None and (best is None or move[0] < best[0]):
                    best = move
    return best


def _between(state: TripState, nurse: Nurse, last: str, first: str) -> list[int]:
    """Lodgings for the night between a day ending at patient ``last`` and one starting at ``first``:
    either one's home, then the places on the way nearest ``first`` (:data:`INNER_WAYPOINTS`)."""
    loc = state.problem.patient_location
    a, b = loc[last], loc[first]
    near_b = lodgings_on_the_way(state, nurse, a, b, first)[:INNER_WAYPOINTS]
    return list(dict.fromkeys([a, b, *near_b]))


def _chain_move(state: TripState, chain: list[int], on: dict[int, list[int]], nights: tuple[Trip, ...]
                ) -> Move | None:
    """The chain's days with their promises (in confirmed order) and as many of their other visits as
    fit; the rest to other days (:func:`rehome`)."""
    problem = state.problem
    routes: Days = {}
    off: list[tuple[int, list[int]]] = []
    for k in chain:
        ends = state.ends(k, nights)
        order = list(on.get(k, []))
        sched = schedule_day(problem, k, order, ends) if order else None
        if order and sched is None:
            return None
        left = []
        for x in state.order(k):
            fit = insert_refill(problem, k, order, x, ends)
            if fit is None:
                left.append(x)
            else:
                order, sched = fit
        if sched is None:
            sched = schedule_day(problem, k, [], ends)
            if sched is None:
                return None
        routes[k] = (order, sched)
        off.append((k, left))
    rest = rehome_all(state, off, set(chain))
    if rest is None:
        return None
    new = sum(day_units(problem, k, o, s) for k, (o, s) in routes.items()) + rest[0]
    return new - sum(state.units(k) for k in chain), {**rest[1], **routes}, nights

