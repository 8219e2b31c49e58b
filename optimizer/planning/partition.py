"""Decomposition of a planning problem into parts solved independently (:mod:`optimizer.planning.planner`).

A part is some refills with the nurses (and days) allowed to serve them. The rounds of the
planner cut the connected components of the refill–nurse eligibility graph into regions
(k-means of nurse homes, :func:`split_by_region`); the day phase holds each placed visit's
date and cuts each day into the components of that day's visits and nurse-days
(:func:`day_parts`), so visits move between the nurses of a day, never between days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from optimizer.clusters import kmeans_labels
from optimizer.planning.greedy import Routes
from optimizer.planning.problem import Candidate, PlanningProblem

__all__ = ["Part", "components", "split_by_region", "split_to_size", "partition", "day_parts"]


def components(problem: PlanningProblem) -> list[list[int]]:
    """Refill indices grouped by connected component of the eligibility graph."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in problem.candidates:
        a, b = find(("r", c.refill)), find(("n", c.nurse_day))
        if a != b:
            parent[a] = b
    groups: dict = defaultdict(list)
    for j in sorted({c.refill for c in problem.candidates}):
        groups[find(("r", j))].append(j)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


@dataclass(frozen=True)
class Part:
    """Refills solved together, with the nurses (and days) allowed to serve them (``None``: all eligible)."""

    refills: tuple[int, ...]
    nurses: frozenset[str] | None = None
    start: tuple[tuple[int, tuple[int, ...]], ...] = ()  # warm-start orders by nurse-day
    days: frozenset[int] | None = None  # day indices of the horizon allowed (``None``: all)


def split_by_region(problem: PlanningProblem, refills: list[int], *, max_refills: int,
                    seed: int = 0, served_by: dict[int, str] | None = None,
                    sticky: bool = True, nurses: frozenset[str] | None = None) -> list[Part]:
    """Split a big component: cluster its nurses by home; a refill goes to the cluster of
    its nearest eligible nurse, or with ``sticky``, a refill served now (``served_by``) to
    the cluster of its nurse, so every current route stays whole in one part and no
    placement is lost; a kept (pinned) visit always stays with its nurse's cluster.
    ``nurses`` restricts the split to those nurses (a part split again keeps its own).
    Deterministic for a given seed."""
    cands = problem.candidates_by_refill()
    nurse_ids = sorted(n for n in {problem.nurse_days[k].nurse.nurse_id for j in refills for k in cands[j]}
                       if nurses is None or n in nurses)
    k = min(len(nurse_ids), max(2, -(-len(refills) // max_refills)))
    if k < 2:
        return [Part(tuple(refills))]
    roster = problem.roster
    pts = np.array([[roster.nurse(n).lat, roster.nurse(n).lon * np.cos(np.radians(roster.nurse(n).lat))]
                    for n in nurse_ids])
    label = kmeans_labels(pts, k, seed=np.random.default_rng(seed))
    cluster_of = dict(zip(nurse_ids, (int(x) for x in label)))
    members: dict[int, list[int]] = defaultdict(list)
    served_by = served_by or {}
    pinned = problem.pins.keep if problem.pins is not None else {}
    for j in refills:
        ploc = problem.patient_location[problem.refills[j].patient_id]
        eligible = {problem.nurse_days[kk].nurse.nurse_id for kk in cands[j]} & cluster_of.keys()
        if not eligible:  # no nurse of this part may go: it stays with the first cluster
            members[min(cluster_of.values())].append(j)
            continue
        best = min(eligible, key=lambda n: (problem.minutes[problem.nurse_location[n], ploc], n))
        home = cluster_of[best]
        now = served_by.get(j)
        if now is not None and now in cluster_of and (sticky or j in pinned):
            home = cluster_of[now]  # its route stays whole in one part (a kept visit always)
        members[home].append(j)
    parts = []
    for c in sorted(members):
        nurses = frozenset(n for n, cl in cluster_of.items() if cl == c)
        parts.append(Part(tuple(sorted(members[c])), nurses))
    return parts


def split_to_size(problem: PlanningProblem, parts: list[Part], *, max_refills: int, seed: int,
                   served_by: dict[int, str], sticky: bool) -> list[Part]:
    """Split again, within its own nurses, every part over twice ``max_refills``.

    k-means of nurse homes can leave one region with hundreds of refills (a dense metro
    area, or routes kept whole in a sticky round): one such part made a 3.4 GiB OR-Tools
    model at 5,000 patients and overran the time limit by minutes (bench/RESULTS.md,
    "Memory"). A part whose nurses do not split (one nurse, or one home) stays as it is.
    """
    out: list[Part] = []
    todo = list(parts)
    while todo:
        part = todo.pop()
        if len(part.refills) <= 2 * max_refills or part.nurses is None or len(part.nurses) < 2:
            out.append(part)
            continue
        sub = split_by_region(problem, list(part.refills), max_refills=max_refills, seed=seed,
                              served_by=served_by, sticky=sticky, nurses=part.nurses)
        if len(sub) < 2 or max(len(p.refills) for p in sub) == len(part.refills):
            out.append(part)
            continue
        todo += sub
    return sorted(out, key=lambda p: p.refills)



def partition(problem: PlanningProblem, seed: int, max_refills: int, routes: Routes | None = None,
              sticky: bool = True) -> list[Part]:
    """The parts of a round: each eligibility component, cut by region when over ``max_refills``
    (:func:`split_by_region`, ``sticky``: each current route of ``routes`` whole in one part)."""
    routes = routes or {}
    served_by = {j: problem.nurse_days[k].nurse.nurse_id for k, (o, _) in routes.items() for j in o}
    parts: list[Part] = []
    for comp in components(problem):
        if len(comp) > max_refills:
            parts += split_to_size(problem, split_by_region(
                problem, comp, max_refills=max_refills, seed=seed, served_by=served_by, sticky=sticky),
                max_refills=max_refills, seed=seed, served_by=served_by, sticky=sticky)
        else:
            parts.append(Part(tuple(comp)))
    return parts


def day_parts(problem: PlanningProblem, routes: Routes, *, max_refills: int, seed: int = 0) -> list[Part]:
    """Parts that hold every routed visit on its day: per day, that day's visits with their
    candidate nurse-days of that day only, in one part (its eligibility components solved
    together: a part costs a solver process), cut by region when over ``max_refills`` (sticky:
    each route whole in one part). Refills ``routes`` leave out are in no part.

    Parameters
    ----------
    problem
        The planning problem.
    routes
        The current routes by nurse-day index; a visit's day is its nurse-day's.
    max_refills
        Size over which a day is split by region.
    seed
        The clustering seed of the split.

    Returns
    -------
    list[Part]
        Parts with ``days`` set to their one day, biggest first.
    """
    day_of = {j: problem.nurse_days[k].index for k, (order, _) in routes.items() for j in order}
    by_day: dict[int, list[Candidate]] = defaultdict(list)
    for c in problem.candidates:
        d = day_of.get(c.refill)
        if d is not None and problem.nurse_days[c.nurse_day].index == d:
            by_day[d].append(c)
    served_by = {j: problem.nurse_days[k].nurse.nurse_id for k, (o, _) in routes.items() for j in o}
    parts: list[Part] = []
    for d in sorted(by_day):
        sub = replace(problem, candidates=by_day[d])
        refills = sorted({c.refill for c in by_day[d]})
        split = [Part(tuple(refills))]
        if len(refills) > max_refills:
            split = split_to_size(sub, split_by_region(sub, refills, max_refills=max_refills, seed=seed,
                                                       served_by=served_by, sticky=True),
                                  max_refills=max_refills, seed=seed, served_by=served_by, sticky=True)
        parts += [replace(p, days=frozenset((d,))) for p in split]
    return sorted(parts, key=lambda p: (-len(p.refills), p.refills))
