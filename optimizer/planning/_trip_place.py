"""Placing the refills the day plan missed on overnight trips (:mod:`optimizer.planning.trips`): every
way a trip makes one refill (:func:`trip_options`), the refills to place (:func:`missed_refills`), placing
them in several orders (:func:`place_missed`), trips that drop nearer visits (:func:`swap_in`), and
ruin and recreate of a nurse's trips (:func:`rebuild_trips`); each move is judged by :func:`gain_of`,
the objective with every missed refill counted.
"""

from __future__ import annotations

from optimizer.domain import Nurse
from optimizer.planning._trip_state import (Move, TripState, fit_day, has_later, into_trip, may_make, new_trip,
                                            nurses_for, rehome, trip_days)
from optimizer.planning.greedy import Routes, urgency_order
from optimizer.planning.problem import PlanningProblem
from optimizer.planning.waypoints import chain_options, relodge_options
from optimizer.rules.eligibility import Reason
from optimizer.rules.objective import miss_penalty

__all__ = ["PLACE_ORDERS", "REBUILD_TRIES", "REBUILD_WORK", "SWAP_TRIES", "gain_of", "missed_refills", "moves_on", "trip_options",
           "place_missed", "rebuild_trips", "swap_in"]

#: Trips tried by :func:`swap_in` in one pass at most (each a copy of the routes and a few insertions).
SWAP_TRIES: int = 200
#: Nurses whose trips :func:`rebuild_trips` undoes and makes again in one pass at most.
REBUILD_TRIES: int = 12
#: Missed refills times nurses :func:`rebuild_trips` tries at most in one pass (each try places every
#: missed refill again: a large roster with many refills missed for room tries fewer nurses).
REBUILD_WORK: int = 600
#: Reasons a trip can overcome (license and certification it cannot; an absence neither).
_TRIP_REASONS = frozenset({Reason.OUT_OF_REACH, Reason.WINDOW_CLOSED, Reason.NO_CAPACITY_IN_WINDOW})


def trip_options(state: TripState, j: int) -> list[Move]:
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


def moves_on(state: TripState, j: int, nurse: Nurse, k: int) -> list[Move]:
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


def missed_refills(problem: PlanningProblem, routes: Routes) -> list[int]:
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


#: The orders :func:`place_missed` tries the missed refills in, by (deferrable, nights, options):
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


def place_missed(state: TripState) -> list[int]:
    """Place every missed refill a trip can make, by its least-objective option; returns them.

    Each order of :data:`PLACE_ORDERS` is tried on a copy of ``state`` (a refill that only one trip
    can make should not be left out by one that several could; a trip of several nights for one
    refill may take the days of two); the one whose objective, every missed refill counted
    (:func:`gain_of`), falls most is made, the first on a tie. Deferrable refills (:func:`missed_refills`) go
    last in every order.
    """
    problem = state.problem
    missed = missed_refills(problem, state.routes)
    info = {}
    for j in missed:
        options = trip_options(state, j)
        if options:
            info[j] = (problem.refills[j].deferrable, min(len(m[2]) for m in options), len(options))
    if not info:
        return []
    best: tuple[int, TripState, list[int]] | None = None
    for order in PLACE_ORDERS:
        trial = TripState(problem, state.routes, state.trips)
        placed = []
        for j in sorted(info, key=lambda j: _rank(order, *info[j])):  # stable: urgency next
            options = trip_options(trial, j)
            if options:
                trial.apply(min(options, key=lambda m: (m[0], sorted(m[1]))))
                placed.append(j)
        gain = gain_of(state, trial)
        if best is None or gain > best[0]:
            best = (gain, trial, placed)
    _, trial, placed = best
    state.routes, state.trips = trial.routes, trial.trips
    return placed


def gain_of(state: TripState, trial: TripState) -> int:
    """How much lower ``trial``'s objective is than ``state``'s, counting every refill with days that
    no route makes (out-of-reach ones too: :func:`score` counts refills with candidates only); read on
    the days whose routes differ."""
    problem = state.problem
    changed = [k for k in {*state.routes, *trial.routes} if state.routes.get(k) is not trial.routes.get(k)]
    before = {j for k in changed for j in state.routes.get(k, ((), None))[0]}
    after = {j for k in changed for j in trial.routes.get(k, ((), None))[0]}
    units = sum(trial.units(k) - state.units(k) for k in changed)
    units += sum(miss_penalty(problem, j) for j in before - after)
    units -= sum(miss_penalty(problem, j) for j in after - before)
    return -units


def swap_in(state: TripState) -> None:
    """Make room for far refills by missing fewer nearer ones (issue 13 item 1, a nurse alone in her
    region with every day full): a new trip for a missed refill whose days keep what fits and drop
    the rest (no other day has room for them), with the other missed refills its two days then reach
    put in; made when the objective counting every missed refill falls, i.e. the trip makes more
    refills than it drops (or as many, more urgent), at most :data:`SWAP_TRIES` trips tried."""
    problem = state.problem
    missed = [j for j in missed_refills(problem, state.routes) if not problem.refills[j].deferrable]
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
                    gain = gain_of(state, trial)
                    if gain > 0 and (best is None or gain > best[0]):
                        best = (gain, trial)
        if best is not None:
            state.routes, state.trips = best[1].routes, best[1].trips


def rebuild_trips(state: TripState) -> None:
    """Ruin and recreate (a trip made early for one far refill may hold the days several later ones
    needed): the nights of some nurses are undone, each of their days from then on starts and ends
    at home with the visits that still fit (the farthest off first; a confirmed one never, nor one
    a later fill hangs on), and every missed refill is placed again (:func:`place_missed`); kept
    when the objective counting every missed refill falls. One nurse at a time among those nearest a
    missed refill (:func:`~optimizer.planning._trip_state.nurses_for`), the most nights first, at
    most :data:`REBUILD_TRIES` and :data:`REBUILD_WORK` (undoing the nurses near a missed refill together measured
    no better on the rural preset and took twice the time)."""
    problem = state.problem
    missed = missed_refills(problem, state.routes)
    near = {n.nurse_id for j in missed for n in nurses_for(problem, j)}
    nights: dict[str, int] = {}
    for t in state.trips:
        if t.nurse_id in near:
            nights[t.nurse_id] = nights.get(t.nurse_id, 0) + 1
    tries = min(REBUILD_TRIES, REBUILD_WORK // max(1, len(missed)))
    for nurse_id in sorted(nights, key=lambda n: (-nights[n], n))[:tries]:
        _rebuild(state, nurse_id)


def _rebuild(state: TripState, nurse_id: str) -> None:
    """:func:`rebuild_trips` for nurse ``nurse_id``: made on a copy, kept when the objective falls."""
    problem = state.problem
    pins = problem.pins.keep if problem.pins is not None else {}
    mine = [t for t in state.trips if t.nurse_id == nurse_id]
    if not mine:
        return
    trial = TripState(problem, state.routes, [t for t in state.trips if t.nurse_id != nurse_id])
    for k in sorted({k for t in mine for k in (t.out_day, t.back_day)}):
        nurse = problem.nurse_days[k].nurse
        order = trial.order(k)
        far = [x for x in order if not may_make(problem, nurse, x, k, ())]  # reached from a lodging only
        fit = fit_day(trial, k, [x for x in order if x not in far], None, (None, None),
                      problem.nurse_location[nurse.nurse_id])
        if fit is None or any(has_later(problem, x) or x in pins for x in (*far, *fit[2])):
            return
        trial.routes[k] = (fit[0], fit[1])
    place_missed(trial)
    if gain_of(state, trial) > 0:
        state.routes, state.trips = trial.routes, trial.trips


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
