"""Dropping grouped optional clients that make a route infeasible, which PyVRP 0.13.4's local search cannot.

PyVRP's local search moves a client of a mutually exclusive group only to another
member of its group (``ClientGroup``): it never removes the group's member from the
solution, even when the group is optional and the member costs more in time warp
than any prize is worth. The planner's models are made of such groups (one copy of
a refill per candidate day, at most one made), so a candidate with a copy that does
not fit stayed infeasible whatever the penalty, the penalty manager raised the
time-warp penalty to its cap (``PenaltyBoundWarning``) and only a random
perturbation could take the copy out again.

:class:`Dropper` closes that gap after each local search: in every route that
breaks a limit (time warp, load, distance), the droppable client (optional, in an
optional group) whose removal lowers the penalised cost most is removed, again
until none does. Models without such clients (the SDVRPTW benchmark) are untouched.
"""

from __future__ import annotations

from pyvrp import CostEvaluator, ProblemData
from pyvrp import Route as PRoute
from pyvrp import Solution as PSolution

__all__ = ["Dropper"]


class Dropper:
    """Removes droppable clients from the infeasible routes of a solution where that pays.

    Parameters
    ----------
    data
        The PyVRP data the solutions belong to.
    """

    def __init__(self, data: ProblemData) -> None:
        self.data = data
        groups = data.groups()
        depots = data.num_depots
        self.droppable = frozenset(
            depots + i for i, c in enumerate(data.clients())
            if c.group is not None and not c.required and not groups[c.group].required)

    def __bool__(self) -> bool:
        return bool(self.droppable)

    def __call__(self, sol: PSolution, cost_eval: CostEvaluator) -> PSolution:
        """``sol`` with the paying removals made (``sol`` itself when none pays or it is feasible)."""
        if not self.droppable or sol.is_feasible():
            return sol
        data = self.data
        routes = [(r.vehicle_type(), [int(x) for x in r.visits()], _broken(r)) for r in sol.routes()]
        changed = False
        out: list[tuple[int, list[int]]] = []
        for vtype, visits, broken in routes:
            while broken and visits:
                base = self._cost(vtype, visits, cost_eval)
                best, best_cost = None, base
                for i, c in enumerate(visits):
                    if c not in self.droppable:
                        continue
                    cost = self._cost(vtype, visits[:i] + visits[i + 1:], cost_eval)
                    if cost < best_cost:
                        best, best_cost = i, cost
                if best is None:
                    break
                del visits[best]
                changed = True
                broken = bool(visits) and _broken(PRoute(data, visits, vtype))
            if visits:
                out.append((vtype, visits))
        if not changed:
            return sol
        return PSolution(data, [PRoute(data, visits, vtype) for vtype, visits in out])

    def _cost(self, vtype: int, visits: list[int], cost_eval: CostEvaluator) -> float:
        """Penalised cost of a solution of this one route (the prizes it leaves out counted)."""
        routes = [PRoute(self.data, visits, vtype)] if visits else []
        return cost_eval.penalised_cost(PSolution(self.data, routes))


def _broken(route: PRoute) -> bool:
    return not route.is_feasible()
