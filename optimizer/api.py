"""The Python API: what the CLI and the notebooks call. No logic lives in the CLI.

    >>> from optimizer import api
    >>> roster, sc = api.load_data()                 # the built-in demo
    >>> result = api.plan(roster, start=sc.horizon.start, days=14)
    >>> api.write_plan_folder(result, "plan/")
    >>> api.check(roster, "plan/", provider=result.provider)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from optimizer.domain import Horizon, Roster
from optimizer.io import load_roster
from optimizer.io.atomic import atomic_dir
from optimizer.io.plan_writer import write_plan
from optimizer.plan import Plan
from optimizer.planner import SolverOptions, plan_problem
from optimizer.problem import PlanningProblem, build_problem
from optimizer.scenario import DEMO_SCENARIO, Scenario, load_scenario
from optimizer.validate import Violation, check_plan
from optimizer.windows import WindowRules

__all__ = [
    "cache_dir", "load_data", "materialize", "travel_provider", "next_monday", "horizon_for",
    "make_problem", "plan", "PlanResult", "write_plan_folder", "check", "SolverOptions",
]

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where generated data and travel caches live (``HAIPLAN_CACHE_DIR`` or ``~/.cache/haiplan``)."""
    return Path(os.environ.get("HAIPLAN_CACHE_DIR", Path.home() / ".cache" / "haiplan"))


def next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 or 7)


def materialize(scenario: Scenario) -> Path:
    """The data folder of ``scenario``: its ``dir``, or its synthetic roster written to the cache."""
    if scenario.data.dir is not None:
        return Path(scenario.data.dir)
    from optimizer import synth

    spec = scenario.data.synthetic
    as_of = scenario.as_of or dt.date.today()
    plan_start = scenario.horizon.start or next_monday(as_of)
    key = hashlib.sha256(json.dumps(
        [spec.model_dump(mode="json"), as_of.isoformat(), plan_start.isoformat(),
         synth.GENERATOR_VERSION], sort_keys=True).encode()).hexdigest()[:16]
    out = cache_dir() / "synthetic" / key
    if not (out / "patients.csv").exists():
        data = synth.generate(spec.patients, spec.nurses, seed=spec.seed, states=spec.states,
                              as_of=as_of, plan_start=plan_start, chemo_share=spec.chemo_share)
        with atomic_dir(out) as tmp:
            synth.write(data, tmp)
    return out


def load_data(
    data: str | Path | Scenario | None = None, *, as_of: dt.date | None = None
) -> tuple[Roster, Scenario]:
    """Load a data folder, a scenario file, or (``None``) the built-in demo.

    Returns the validated roster and the scenario (a plain one for a folder).
    """
    if data is None:
        data = DEMO_SCENARIO
    if isinstance(data, (str, Path)) and Path(data).suffix in (".yaml", ".yml"):
        data = load_scenario(data)
    if isinstance(data, Scenario):
        sc = data
    else:
        sc = Scenario(name=Path(data).name, data={"dir": Path(data)}, as_of=as_of)
    as_of = as_of or sc.as_of or dt.date.today()
    roster = load_roster(materialize(sc), as_of=as_of)
    return roster, sc


def travel_provider(name: str = "haversine", *, osm_file: str | Path | None = None, **options):
    """A travel-time provider by name (``haversine`` or ``road``)."""
    from geodata.travel import get_provider

    if osm_file is not None:
        options["osm_file"] = osm_file
    return get_provider(name, **options)


def horizon_for(sc: Scenario | None, *, start: dt.date | None = None, days: int | None = None) -> Horizon:
    """The horizon from explicit values, else the scenario, else the next Monday for 14 days."""
    s = start or (sc.horizon.start if sc else None)
    if s is None:
        s = next_monday((sc.as_of if sc and sc.as_of else None) or dt.date.today())
    return Horizon(s, days or (sc.horizon.days if sc else 14))


@dataclass
class PlanResult:
    plan: Plan
    problem: PlanningProblem
    provider: object


def make_problem(roster: Roster, horizon: Horizon, *, provider=None,
                 rules: WindowRules | None = None) -> PlanningProblem:
    return build_problem(roster, horizon, provider=provider or travel_provider(), rules=rules)


def plan(
    roster: Roster,
    *,
    start: dt.date,
    days: int = 14,
    provider=None,
    rules: WindowRules | None = None,
    options: SolverOptions | None = None,
    progress=None,
) -> PlanResult:
    """Plan the refills of ``roster`` over ``days`` from ``start``."""
    provider = provider or travel_provider()
    problem = make_problem(roster, Horizon(start, days), provider=provider, rules=rules)
    opts = options or SolverOptions()
    if opts.backend == "greedy":
        from optimizer.greedy import plan_greedy

        result = plan_greedy(problem)
        if opts.max_iterations:
            result.solver.pop("runtime_s", None)
    else:
        result = plan_problem(problem, opts, progress=progress)
    return PlanResult(result, problem, provider)


def write_plan_folder(result: PlanResult, out: str | Path, *, with_map: bool = True) -> Path:
    """Write the plan folder of SPEC §6 atomically (``map.html`` included)."""
    extras = {}
    if with_map:
        from optimizer.report import operations_map

        extras["map.html"] = lambda path: operations_map(result.plan, result.problem,
                                                          provider=result.provider).save(str(path))
        from optimizer.report import write_plan_extras  # report.html, plan.xlsx, ics/<nurse>.ics

        # deterministic runs pin the "generated" stamps so the whole folder is byte-identical
        stamp = (dt.datetime.combine(result.plan.horizon_start, dt.time(0, 0), tzinfo=dt.timezone.utc)
                 if result.plan.solver.get("max_iterations") else None)
        extras["report.html"] = lambda path: write_plan_extras(result, path.parent, stamp=stamp)
    return write_plan(result.plan, out, extras=extras,
                      summary_extra={"travel_provider": getattr(result.provider, "name", "")})


def check(roster: Roster, plan_dir: str | Path, *, provider=None,
          rules: WindowRules | None = None) -> list[Violation]:
    """The independent validator on a written plan folder."""
    return check_plan(roster, plan_dir, provider=provider or travel_provider(), rules=rules)
