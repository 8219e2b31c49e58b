"""The model's own check of a solution, and the fitting of routes to breaks and blocked time.

:func:`check_solution` is :meth:`Model.check`: every rule of the model verified
from the model and the solution's reported times alone (it does not call the
schedule). :func:`fit_routes` is for backends that model neither breaks nor
blocked time (PyVRP; OR-Tools here, which plans within the conservative windows
of :meth:`ModelArrays.solver_windows`): a route the one schedule rejects only
because of them loses the visits that cost least to leave out until it fits;
those visits are unserved and priced as such. :func:`order_first` is for
backends that do not model the ``first`` flag of a visit (PyVRP): it moves the
flagged visits to the front of their route and cuts what that move breaks the
same way. Nothing is re-timed behind the solver's back: the routes returned are
what the solution holds, timed by the one schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .entities import Vehicle
from .solution import Route, Solution
from .timing import UNREACHABLE, clear_after, normalise_blocked

if TYPE_CHECKING:
    from .model import Model

__all__ = ["check_solution", "cost_breakdown", "fit_routes", "cut_to_rules", "first_out_of_order", "order_first",
           "require_known", "unserved_of"]


def check_solution(model: "Model", solution: Solution) -> list[str]:
    """Every violated rule of the model in ``solution``; empty when it is feasible.

    Checks, from the model alone: known vehicles and visits, each vehicle
    used at most once, each visit served at most once, allowed vehicles,
    reachable arcs, reported times consistent with travel (arrival, waiting,
    service), visit and vehicle time windows, maximum duration, maximum
    visits, capacity, blocked intervals (no service or drive in them), the
    break of a long route (there, and clear of services, drives and blocked
    time), visits flagged ``first`` ahead of every other visit of their route,
    group cardinality, required visits and groups served, and that
    ``unserved`` lists exactly what is not served.
    """
    model.validate()
    issues: list[str] = []
    seen_vehicles: set[int] = set()
    served: dict[int, int] = {}
    for r in solution.routes:
        v = r.vehicle
        if not 0 <= v < model.num_vehicles:
            issues.append(f"route on unknown vehicle {v}")
            continue
        if v in seen_vehicles:
            issues.append(f"vehicle {v} has more than one route")
        seen_vehicles.add(v)
        if len(r.starts) != len(r.visits):
            issues.append(f"vehicle {v}: {len(r.starts)} start times for {len(r.visits)} visits")
            continue
        bad = [c for c in r.visits if not 0 <= c < model.num_visits]
        if bad:
            issues.append(f"vehicle {v}: unknown visits {bad}")
            continue
        for c in r.visits:
            if c in served:
                issues.append(f"visit {c} served twice (vehicles {served[c]} and {v})")
            served[c] = v
            if not model.is_allowed(c, v):
                issues.append(f"visit {c} on vehicle {v}, which is not allowed")
        issues += _check_times(model, r)
        issues += _check_limits(model, r)
        issues += [f"vehicle {v}: visit {c} is flagged first but follows visit {prev}"
                   for prev, c in first_out_of_order(model, r.visits)]
    for gid, g in enumerate(model.groups):
        n = sum(c in served for c in g.visits)
        if n > 1:
            issues.append(f"group {gid}: {n} alternatives served, at most one allowed")
    for item in model.items():
        if item.required and not any(c in served for c in item.visits):
            what = f"group {item.group}" if item.group is not None else f"visit {item.visits[0]}"
            issues.append(f"required {what} not served")
    expected = unserved_of(model, set(served))
    if sorted(solution.unserved) != expected:
        issues.append(f"unserved lists {sorted(solution.unserved)[:10]}..., expected {expected[:10]}...")
    return issues


def _check_times(model: "Model", r: Route) -> list[str]:
    """Travel, windows, blocked time and the break of one route's reported times."""
    dur = model.duration
    v, veh = r.vehicle, model.vehicles[r.vehicle]
    visits = model.visits
    blocked = normalise_blocked(veh.blocked)
    issues: list[str] = []
    if r.departure < veh.tw_early:
        issues.append(f"vehicle {v} departs at {r.departure} < tw_early {veh.tw_early}")
    brk = None if r.break_start is None else (r.break_start, r.break_start + veh.break_duration)
    locs = [veh.start] + [visits[c].location for c in r.visits] + [veh.end]
    ends = [r.departure] + [s + visits[c].service for c, s in zip(r.visits, r.starts)]
    nexts = list(r.starts) + [r.return_time]
    for k, (c, start) in enumerate(zip(r.visits, r.starts)):
        vis = visits[c]
        if start < vis.tw_early or start > vis.tw_late:
            issues.append(f"visit {c} starts at {start} outside [{vis.tw_early}, {vis.tw_late}]")
        if clear_after(start, vis.service, blocked) != start:
            issues.append(f"visit {c} at {start} overlaps a blocked interval of vehicle {v}")
        if brk is not None and brk[0] < start + vis.service and start < brk[1]:
            issues.append(f"vehicle {v}: the break overlaps visit {c}")
    for k in range(len(locs) - 1):
        travel = int(dur[locs[k], locs[k + 1]])
        what = f"visit {r.visits[k]}" if k < len(r.visits) else "its end"
        if travel >= UNREACHABLE:
            issues.append(f"vehicle {v}: unreachable arc {locs[k]}->{locs[k + 1]} to {what}")
        elif not _drive_fits(ends[k], nexts[k], travel, blocked, brk):
            issues.append(f"vehicle {v}: {what} at {nexts[k]} before arrival: no room to drive {travel} "
                          f"from {ends[k]} (travel, break or blocked time)")
    if r.return_time > veh.tw_late:
        issues.append(f"vehicle {v} returns at {r.return_time} > tw_late {veh.tw_late}")
    issues += _check_break(veh, r, brk, blocked)
    return issues


def _drive_fits(lo: int, hi: int, travel: int, blocked: tuple[tuple[int, int], ...],
                brk: tuple[int, int] | None) -> bool:
    """A drive of ``travel`` fits in ``[lo, hi]`` in one piece, clear of blocked time and the break."""
    spans = blocked if brk is None else normalise_blocked([*blocked, brk])
    d = clear_after(lo, travel, spans)
    return d + travel <= hi


def _check_break(veh: Vehicle, r: Route, brk: tuple[int, int] | None,
                 blocked: tuple[tuple[int, int], ...]) -> list[str]:
    needed = (veh.break_after is not None and veh.break_duration > 0 and r.visits
              and r.return_time - r.departure > veh.break_after)
    if not needed:
        return []
    if brk is None:
        return [f"vehicle {r.vehicle}: a route of {r.return_time - r.departure} > {veh.break_after} "
                "has no break"]
    issues = []
    if brk[0] < r.departure or brk[1] > r.return_time:
        issues.append(f"vehicle {r.vehicle}: break {brk} outside the route [{r.departure}, {r.return_time}]")
    if clear_after(brk[0], veh.break_duration, blocked) != brk[0]:
        issues.append(f"vehicle {r.vehicle}: break {brk} overlaps a blocked interval")
    return issues


def _check_limits(model: "Model", r: Route) -> list[str]:
    v, veh = r.vehicle, model.vehicles[r.vehicle]
    issues = []
    if r.duration != r.return_time - r.departure:
        issues.append(f"vehicle {v}: duration {r.duration} != return - departure")
    if veh.max_duration is not None and r.return_time - r.departure > veh.max_duration:
        issues.append(f"vehicle {v}: duration {r.return_time - r.departure} > max_duration {veh.max_duration}")
    if veh.max_visits is not None and len(r.visits) > veh.max_visits:
        issues.append(f"vehicle {v}: {len(r.visits)} visits > max_visits {veh.max_visits}")
    if veh.capacity is not None:
        load = sum(model.visits[c].demand for c in r.visits)
        if load > veh.capacity:
            issues.append(f"vehicle {v}: load {load} > capacity {veh.capacity}")
    return issues


def fit_routes(model: "Model", routes: Sequence[tuple[int, Sequence[int]]]) -> list[tuple[int, list[int]]]:
    """``routes`` with each route the break or blocked time makes infeasible cut until it fits.

    Only routes of vehicles with breaks or blocked intervals that the one schedule
    rejects, and accepts without the breaks and blocked time, are touched; each loses, one at a time, the visit whose leaving out
    costs least (its item's penalty; the required penalty for a required item),
    preferring removals that make the route feasible. Other routes are returned
    as they are (a problem there is the check's to report).
    """
    penalty = _penalties(model)
    out: list[tuple[int, list[int]]] = []
    for v, visits in routes:
        seq = [int(c) for c in visits]
        veh = model.vehicles[int(v)] if 0 <= int(v) < model.num_vehicles else None
        if veh is not None and veh.has_breaks_or_blocks:
            if not model.schedule(int(v), seq, relaxed=True).feasible:
                out.append((int(v), seq))  # broken without breaks too: the check reports it
                continue
            seq = _cut(model, int(v), seq, penalty, relaxed=False)
        if seq:
            out.append((int(v), seq))
    return out


def cut_to_rules(model: "Model",
                 routes: Sequence[tuple[int, Sequence[int]]]) -> tuple[list[tuple[int, list[int]]], list[int]]:
    """``routes`` with each route that breaks a rule on its own cut until it keeps them, and the visits cut.

    For an answer its backend knows to be infeasible (PyVRP's penalised best when it found no
    feasible solution): a route the one schedule rejects (windows, return, maximum duration,
    breaks, blocked time), or that serves a visit its vehicle may not, or more than
    ``max_visits`` or its ``capacity``, loses, one at a time, the visit whose leaving out costs
    least (preferring removals that make it keep the rules), as :func:`fit_routes` does. What
    is cut is unserved (unless re-inserted, :func:`~optimizer.routing.construct.reinsert`), rather
    than a solution :func:`check_solution` rejects.
    """
    penalty = _penalties(model)
    out: list[tuple[int, list[int]]] = []
    cut: list[int] = []
    for v, visits in routes:
        seq = _cut(model, int(v), [int(c) for c in visits], penalty, relaxed=False, limits=True)
        cut += [int(c) for c in visits if int(c) not in seq]
        if seq:
            out.append((int(v), seq))
    return out, cut


def first_out_of_order(model: "Model", visits: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs ``(non-first visit, first visit after it)`` that break the ``first`` flag in one
    visit order: each flagged visit that some unflagged visit precedes, with the first such
    unflagged visit. Empty when the flagged visits lead the route."""
    flags = model.visits
    lead: int | None = None
    out: list[tuple[int, int]] = []
    for c in visits:
        if not flags[c].first:
            lead = c if lead is None else lead
        elif lead is not None:
            out.append((lead, c))
    return out


def order_first(model: "Model", routes: Sequence[tuple[int, Sequence[int]]]) -> list[tuple[int, list[int]]]:
    """``routes`` with the visits flagged ``first`` moved, in their order, to the front of their route.

    For backends that do not model the flag. A route the move makes infeasible
    under the one schedule without breaks and blocked time (which
    :func:`fit_routes` fits next), though it was feasible as it came, loses, one
    at a time, the visit whose leaving out costs least until it fits, as
    :func:`fit_routes` does; those visits are unserved. Routes already in order
    are returned as they are.
    """
    penalty: dict[int, int] | None = None
    out: list[tuple[int, list[int]]] = []
    for v, visits in routes:
        seq = [int(c) for c in visits]
        known = 0 <= int(v) < model.num_vehicles and all(0 <= c < model.num_visits for c in seq)
        if not known or not first_out_of_order(model, seq):  # unknown indices: the check's to report
            out.append((int(v), seq))
            continue
        flags = model.visits
        moved = [c for c in seq if flags[c].first] + [c for c in seq if not flags[c].first]
        if model.schedule(int(v), seq, relaxed=True).feasible:
            penalty = _penalties(model) if penalty is None else penalty
            moved = _cut(model, int(v), moved, penalty, relaxed=True)
        if moved:
            out.append((int(v), moved))
    return out


def _cut(model: "Model", v: int, seq: list[int], penalty: dict[int, int], *, relaxed: bool,
         limits: bool = False) -> list[int]:
    """``seq`` less, one at a time, the visit whose leaving out costs least (preferring removals
    that make the route feasible) until the schedule accepts it (and, with ``limits``, eligibility,
    ``max_visits`` and capacity, :func:`_keeps`)."""
    seq = list(seq)
    while seq and not _keeps(model, v, seq, relaxed=relaxed, limits=limits):
        trials = [(not _keeps(model, v, seq[:i] + seq[i + 1:], relaxed=relaxed, limits=limits),
                   penalty.get(c, 0), i) for i, c in enumerate(seq)]
        seq.pop(min(trials)[2])
    return seq


def _keeps(model: "Model", v: int, seq: list[int], *, relaxed: bool, limits: bool) -> bool:
    """Whether the schedule accepts ``seq`` on vehicle ``v`` (and, with ``limits``, the vehicle may
    serve every visit, within ``max_visits`` and ``capacity``)."""
    if not model.schedule(v, seq, relaxed=relaxed).feasible:
        return False
    veh = model.vehicles[v]
    return not limits or (all(model.is_allowed(c, v) for c in seq)
                          and (veh.max_visits is None or len(seq) <= veh.max_visits)
                          and (veh.capacity is None
                               or sum(model.visits[c].demand for c in seq) <= veh.capacity))


def _penalties(model: "Model") -> dict[int, int]:
    out: dict[int, int] = {}
    for item in model.items():
        for c in item.visits:
            out[c] = model.required_penalty if item.required else item.penalty
    return out


def require_known(model: "Model", vehicle: int, visits: Sequence[int]) -> None:
    """Raise ``ValueError`` when a route names a vehicle or visits the model does not have (a
    negative index included: it would wrap around to another vehicle or visit)."""
    unknown = [c for c in visits if not 0 <= c < model.num_visits]
    if unknown:
        raise ValueError(f"route on vehicle {vehicle} names unknown visits {unknown} (there are {model.num_visits})")
    if not 0 <= vehicle < model.num_vehicles:
        raise ValueError(f"route on unknown vehicle {vehicle} (there are {model.num_vehicles})")


def cost_breakdown(model: "Model", solution: Solution) -> dict[str, int]:
    """Objective parts of ``solution``, computed from the model and the solution's times
    (``ValueError`` on a route naming an unknown vehicle or visit, :func:`require_known`)."""
    parts = {"fixed": 0, "time": 0, "overtime": 0, "distance": 0, "service": 0,
             "penalty": 0, "required_penalty": 0}
    for r in solution.routes:
        require_known(model, r.vehicle, r.visits)
        for k, v in model.route_cost(r.vehicle, r.visits, departure=r.departure,
                                    return_time=r.return_time).items():
            parts[k] += v
    served = {c for r in solution.routes for c in r.visits}
    for item in model.items():
        if not any(c in served for c in item.visits):
            if item.required:
                parts["required_penalty"] += model.required_penalty
            else:
                parts["penalty"] += item.penalty
    return parts


def unserved_of(model: "Model", served: set[int]) -> list[int]:
    """The visits a solution serving ``served`` leaves out: every member of each item none serves."""
    out: list[int] = []
    for item in model.items():
        if not any(c in served for c in item.visits):
            out.extend(item.visits)
    return sorted(out)
