"""Simulate every (scenario, plan, seed) in parallel: in this process, a local process pool, or Ray.

Tasks are pure functions of their inputs, so results do not depend on where they ran.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from optimizer.analysis.expansion import Action, HireProfile
from optimizer.analysis.simulate import TOTAL_COLUMNS, WEEKLY_COLUMNS, SimulationSettings, simulate
from optimizer.domain import Roster
from optimizer.rules.windows import WindowRules
from optimizer.studies.batch.prepare import PreparedScenario, _provider

__all__ = ["SimTask", "simulation_tasks", "run_task", "map_tasks", "run_batch"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class SimTask:
    """One simulation: a (scenario, plan, seed) with everything it needs (picklable)."""

    scenario: str
    plan: str
    seed: int
    roster: Roster
    start: dt.date
    actions: tuple[Action, ...]
    sim: SimulationSettings
    hire: HireProfile
    rules: WindowRules
    travel: dict[str, Any]


def simulation_tasks(prepared: Iterable[PreparedScenario]) -> list[SimTask]:
    """Every (scenario, plan, seed) of ``prepared``, in a stable order."""
    return [SimTask(p.name, plan, seed, p.roster, p.start, actions, p.sim, p.hire, p.rules, p.travel)
            for p in prepared for plan, actions in p.plans.items() for seed in p.seeds]


def run_task(task: SimTask) -> dict[str, Any]:
    """Simulate one task; returns ``{"key", "weekly" (records), "totals"}`` (plain data)."""
    res = simulate(task.roster, start=task.start, settings=task.sim, actions=task.actions, hire=task.hire,
                   provider=_provider(task.travel), rules=task.rules, seed=task.seed, label=task.plan)
    return {"key": (task.scenario, task.plan, task.seed), "weekly": res.weekly.to_dict("records"),
            "totals": res.totals, "applied": list(res.actions)}


def map_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int = 1,
    ray_address: str | None = None,
    ray_init: dict[str, Any] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, in order, on a process pool or a Ray cluster.

    Parameters
    ----------
    fn
        A picklable top-level function.
    items
        Its inputs.
    workers
        Local processes (1 = in this process). Ignored with Ray.
    ray_address
        ``None`` for local; ``"local"`` starts a Ray instance here; ``"auto"`` or an
        address joins a cluster (``ray.init(address=...)``). An already
        initialized Ray session is reused. Workers must be able to import
        ``optimizer`` (install the package on the cluster, or pass
        ``ray_init={"runtime_env": {"py_modules": [...]}}``).
    ray_init
        Extra ``ray.init`` keyword arguments (e.g. ``num_cpus``, ``runtime_env``).
    """
    if ray_address is not None:
        import ray

        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "ignore_reinit_error": True,
                                      "log_to_driver": False, **(ray_init or {})}
            if ray_address != "local":
                kwargs["address"] = ray_address
            ray.init(**kwargs)
        remote = ray.remote(fn)
        return list(ray.get([remote.remote(x) for x in items]))
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ProcessPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))


def run_batch(
    prepared: Sequence[PreparedScenario],
    *,
    workers: int = 1,
    ray_address: str | None = None,
    ray_init: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate every (scenario, plan, seed); returns ``(weekly, totals)`` tables sorted by key."""
    tasks = simulation_tasks(prepared)
    results = map_tasks(run_task, tasks, workers=workers, ray_address=ray_address, ray_init=ray_init)
    weekly_rows = []
    total_rows = []
    for r in sorted(results, key=lambda r: r["key"]):
        sc, plan, seed = r["key"]
        for w in r["weekly"]:
            weekly_rows.append({"scenario": sc, "plan": plan, "seed": seed, **w})
        total_rows.append({"scenario": sc, "plan": plan, "seed": seed, **r["totals"]})
    weekly = pd.DataFrame(weekly_rows, columns=["scenario", "plan", "seed", *WEEKLY_COLUMNS])
    totals = pd.DataFrame(total_rows, columns=["scenario", "plan", "seed", *TOTAL_COLUMNS])
    order = {name: i for p in prepared for i, name in enumerate(p.plans)}

    def ordered(df: pd.DataFrame) -> pd.DataFrame:
        keys = ["scenario", "_o", "seed"] + (["week"] if "week" in df else [])
        return (df.assign(_o=df["plan"].map(order)).sort_values(keys, kind="stable")
                .drop(columns="_o").reset_index(drop=True))

    return ordered(weekly), ordered(totals)
