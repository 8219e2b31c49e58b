"""Plan a roster over a horizon with the backend the options name: the one dispatch.

``optimizer.api.plan`` (which adds the output check and the overdue-refill alarms) and the
closed-loop simulation (:mod:`optimizer.analysis.simulate`) both plan through
:func:`plan_roster`, so the simulation sits below the API and never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optimizer.domain import Horizon, Roster
from optimizer.planning.bound import plan_bound
from optimizer.planning.greedy import plan_greedy
from optimizer.planning.plan import Plan
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import PlanningProblem, build_problem
from optimizer.rules.windows import WindowRules

__all__ = ["GREEDY", "plan_roster", "solve"]

#: The backend name of the greedy baseline alone (no routing solver).
GREEDY = "greedy"


def solve(
    problem: PlanningProblem,
    options: SolverOptions | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    bound: bool = True,
) -> Plan:
    """Plan ``problem``: the greedy baseline alone when ``options.backend`` is ``"greedy"``, else the planner.

    Parameters
    ----------
    problem
        The planning problem (refills × nurse-days).
    options
        Solver options; defaults from :mod:`optimizer.settings`.
    progress
        Called with a line per planner round.
    bound
        Write ``solver["lower_bound"]`` (a caller that adds later fills or trips writes the
        final plan's instead: :func:`optimizer.planning.bound.final_plan_bound`).

    Returns
    -------
    Plan
        With a deterministic work limit (``max_iterations``) the greedy plan carries no run
        time, so equal inputs give byte-identical plan folders. ``solver["lower_bound"]``
        holds the cheap bounds of :mod:`optimizer.planning.bound` for the refills placed (day
        trips: ``scope`` says so).
    """
    opts = options or SolverOptions()
    if opts.backend != GREEDY:
        result = plan_problem(problem, opts, progress=progress)
    else:
        result = plan_greedy(problem)
        if opts.max_iterations:
            result.solver.pop("runtime_s", None)
    if bound:
        result.solver["lower_bound"] = plan_bound(problem, result).as_dict()  # SPEC §6: summary.json
    return result


def plan_roster(
    roster: Roster,
    horizon: Horizon,
    *,
    provider: Any,
    rules: WindowRules | None = None,
    options: SolverOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Plan, PlanningProblem]:
    """Build the planning problem of ``roster`` over ``horizon`` and :func:`solve` it.

    Parameters
    ----------
    roster
        Patients, nurses and time off.
    horizon
        The days planned.
    provider
        A travel provider (``geodata.travel``).
    rules
        Window rules; the defaults when ``None``.
    options
        Solver options.
    progress
        Called with a line per planner round.

    Returns
    -------
    tuple[Plan, PlanningProblem]
        The plan and the problem it solves.
    """
    problem = build_problem(roster, horizon, provider=provider, rules=rules)
    return solve(problem, options, progress=progress), problem
