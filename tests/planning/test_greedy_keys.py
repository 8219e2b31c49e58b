"""The greedy's vectorised candidate orders (:class:`optimizer.planning.greedy._Keys`) change nothing.

At 5,000 patients sorting each refill's candidate nurse-days with a Python key (a visit cost
per candidate) took half a minute; the orders are now computed at once with numpy. Kept here:
the scalar construction and day improvement as they were, as the reference. On a synthetic
roster (overdue refills, preferred nurses) with and without pinned visits, and on top of
given routes, the routes must be the same, and so must every refill's orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from geodata.travel.haversine import HaversineProvider
from optimizer.domain import Horizon
from optimizer.io.roster import load_roster
from optimizer.planning import greedy
from optimizer.planning.greedy import _best_insertion, _distance, _total, insert_with_ejection, urgency_order
from optimizer.planning.keep import Pins
from optimizer.planning.problem import build_problem
from optimizer.planning.schedule import schedule_order
from optimizer.rules.objective import day_cost, keep_cost, score, visit_cost
from optimizer.studies.synth import generate, write

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module", params=["plain", "pinned"])
def problem(request, tmp_path_factory):
    data = tmp_path_factory.mktemp("greedy")
    write(generate(150, 15, seed=1, as_of=AS_OF, states="OH;PA;IN;KY;WV;MI", overdue_share=0.1,
                   preferred_share=0.4), data)
    p = build_problem(load_roster(data, as_of=AS_OF), Horizon(AS_OF, 10), provider=HaversineProvider())
    if request.param == "pinned":
        cands = p.candidates_by_refill()
        keep = {j: cands[j][len(cands[j]) // 2] for j in sorted(cands)[::7]}
        p = replace(p, pins=Pins(keep=keep, wanted=(), refill_of={}, conflicts={}))
    return p


# --------------------------------------------------------------------------- the reference (scalar keys)

def _ref_key(problem, j, earliest):
    ploc = problem.patient_location[problem.refills[j].patient_id]

    def key(k):
        nd = problem.nurse_days[k]
        return (keep_cost(problem, j, k), 0 if earliest else visit_cost(problem, j, k), nd.day,
                problem.minutes[problem.nurse_location[nd.nurse.nurse_id], ploc], nd.nurse.nurse_id)
    return key


def _ref_by_day(problem, j, ks):
    return sorted(ks, key=lambda x: (day_cost(problem, j, x), _distance(problem, x, j), x))


def _ref_construct(problem, routes, *, earliest):
    served = {j for order, _ in routes.values() for j in order}
    cands = problem.candidates_by_refill()
    for j in urgency_order(problem):
        if j in served or j not in cands:
            continue
        for k in sorted(cands[j], key=_ref_key(problem, j, earliest)):
            if greedy._not_worth(problem, j, k):  # a deferrable refill the next plan makes nearer its due date
                continue
            fit = _best_insertion(problem, k, routes.get(k, ([], None))[0], j)
            if fit is not None:
                routes[k] = fit
                served.add(j)
                break
    return routes


def _ref_relocate(problem, routes, j, k, k2, cands, tries):
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
            routes[k], routes[k2] = (rest, rest_s), fit
            return True
        return False
    for v in o2:
        fit = _best_insertion(problem, k2, [x for x in o2 if x != v], j)
        if fit is None:
            continue
        for k3 in _ref_by_day(problem, v, [x for x in cands.get(v, ()) if x != k2])[:tries]:
            o3, s3 = (rest, rest_s) if k3 == k else routes.get(k3, ([], None))
            fit3 = _best_insertion(problem, k3, o3, v)
            if fit3 is None:
                continue
            cost = _total(problem, k2, *fit) - before2 + _total(problem, k3, *fit3) - _total(problem, k3, o3, s3)
            if cost < gain:
                routes[k] = (rest, rest_s)
                routes[k2], routes[k3] = fit, fit3
                return True
    return False


def _ref_improve(problem, routes, tries=6):
    routes = dict(routes)
    cands = problem.candidates_by_refill()
    where = {j: k for k, (o, _) in routes.items() for j in o}
    for j in sorted(where, key=lambda j: (-day_cost(problem, j, where[j]), j)):
        k = where[j]
        here = day_cost(problem, j, k)
        better = _ref_by_day(problem, j, [x for x in cands[j] if day_cost(problem, j, x) < here])
        for k2 in better[:tries]:
            if _ref_relocate(problem, routes, j, k, k2, cands, tries):
                where = {x: kk for kk, (o, _) in routes.items() for x in o}
                break
    return {k: r for k, r in routes.items() if r[0]}


def _ref_greedy(problem):
    best = None
    cands = problem.candidates_by_refill()
    for earliest in (False, True):
        built = _ref_construct(problem, {}, earliest=earliest)
        placed = {j for order, _ in built.values() for j in order}
        built = _ref_improve(problem, insert_with_ejection(problem, built, [j for j in cands if j not in placed]))
        built = greedy.drop_deferrable(problem, built)
        total = score(problem, built)[0]
        if best is None or total < best[0]:
            best = (total, built)
    return best[1]


def _orders(routes):
    return sorted((k, order) for k, (order, _) in routes.items())


# --------------------------------------------------------------------------- the checks

def test_the_instance_has_what_the_keys_read(problem):
    refills = problem.refills
    assert any(r.overdue for r in refills) and any(r.patient.preferred_nurse_id for r in refills)


def test_every_refills_orders_are_the_scalar_ones(problem):
    cands = problem.candidates_by_refill()
    keys = greedy._Keys(problem, cands, cands)
    for j, ks in cands.items():
        assert keys.has(j)
        for earliest in (False, True):
            assert keys.preferred(j, earliest=earliest) == sorted(ks, key=_ref_key(problem, j, earliest))
        by_day, costs = keys.by_day(j)
        assert by_day.tolist() == _ref_by_day(problem, j, ks)
        assert costs.tolist() == [day_cost(problem, j, int(k)) for k in by_day]
        assert keys.visit[keys.starts[keys.row[j]]:keys.starts[keys.row[j] + 1]].tolist() == \
            [visit_cost(problem, j, k) for k in ks]


def test_the_routes_are_the_reference_routes(problem):
    assert _orders(greedy.greedy_routes(problem)) == _orders(_ref_greedy(problem))


def test_on_given_routes_too(problem):
    start = dict(sorted(greedy.greedy_routes(problem).items())[::2])
    got = greedy.greedy_routes(problem, routes=dict(start))
    assert _orders(got) == _orders(greedy.drop_deferrable(problem, _ref_construct(problem, dict(start), earliest=False)))
