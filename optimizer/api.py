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
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from optimizer.domain import Horizon, Roster
from optimizer.io import load_roster
from optimizer.io.atomic import atomic_dir
from optimizer.io.outdir import ROSTER, check_out_dir, table_paths
from optimizer.io.plan_writer import write_plan
from optimizer.planning.plan import Plan
from optimizer.planning.planner import SolverOptions, plan_problem
from optimizer.planning.problem import PlanningProblem, build_problem
from optimizer.scenario import DEMO_SCENARIO, Scenario, load_scenario
from optimizer.validate import Violation, check_plan
from optimizer.rules.windows import WindowRules

__all__ = [
    "cache_dir", "load_data", "materialize", "travel_provider", "next_monday", "horizon_for",
    "make_problem", "plan", "PlanResult", "write_plan_folder", "check", "SolverOptions",
    "input_paths", "inputs_of", "check_out",
]

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where generated data and travel caches live (``HAIPLAN_CACHE_DIR`` or ``~/.cache/haiplan``)."""
    return Path(os.environ.get("HAIPLAN_CACHE_DIR", Path.home() / ".cache" / "haiplan"))


def next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 or 7)


def _data_dir(scenario: Scenario) -> Path:
    """The data folder of ``scenario``: its ``dir``, or where its synthetic roster is cached."""
    if scenario.data.dir is not None:
        return Path(scenario.data.dir)
    from optimizer.studies import synth

    spec = scenario.data.synthetic
    as_of = scenario.as_of or dt.date.today()
    plan_start = scenario.horizon.start or next_monday(as_of)
    key = hashlib.sha256(json.dumps(
        [spec.model_dump(mode="json"), as_of.isoformat(), plan_start.isoformat(),
         synth.GENERATOR_VERSION], sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "synthetic" / key


def materialize(scenario: Scenario) -> Path:
    """The data folder of ``scenario``: its ``dir``, or its synthetic roster written to the cache."""
    out = _data_dir(scenario)
    if scenario.data.dir is None and not (out / "patients.csv").exists():
        from optimizer.studies import synth

        spec = scenario.data.synthetic
        as_of = scenario.as_of or dt.date.today()
        data = synth.generate(spec.patients, spec.nurses, seed=spec.seed, states=spec.states,
                              as_of=as_of, plan_start=scenario.horizon.start or next_monday(as_of),
                              chemo_share=spec.chemo_share)
        with atomic_dir(out, kind=ROSTER, force=True) as tmp:
            synth.write(data, tmp)
    return out


_INPUTS: dict[int, tuple[Path, ...]] = {}


def _folder_inputs(folder: Path) -> list[Path]:
    """The data folder (or workbook), its tables and every name a table could take there."""
    return [folder] + table_paths(folder)


def input_paths(data: str | Path | Scenario | None = None) -> tuple[Path, ...]:
    """The files and folders a run on ``data`` reads (what ``--out`` must never replace).

    Parameters
    ----------
    data
        A data folder, a scenario file or object, or ``None`` (the built-in demo).

    Returns
    -------
    tuple of pathlib.Path
        The scenario file, the data folder and its tables, and the files the scenario names.
    """
    if data is None:
        data = DEMO_SCENARIO
    if isinstance(data, (str, Path)) and Path(data).suffix in (".yaml", ".yml"):
        data = load_scenario(data)
    if not isinstance(data, Scenario):
        return tuple(_folder_inputs(Path(data)))
    paths = [data.source] if data.source else []
    paths += _folder_inputs(_data_dir(data))
    exp = data.expansion
    paths += [p for p in (data.travel.osm_file, exp.sites.file, exp.costs.license_file) if p is not None]
    return tuple(Path(p) for p in paths)


def _remember_inputs(roster: Roster, paths: Iterable[Path]) -> None:
    key = id(roster)
    _INPUTS[key] = tuple(paths)
    weakref.finalize(roster, _INPUTS.pop, key, None)


def inputs_of(roster: Roster) -> tuple[Path, ...]:
    """The input paths ``roster`` was loaded from by :func:`load_data` (empty if built in code)."""
    return _INPUTS.get(id(roster), ())


def check_out(
    out: str | Path,
    *,
    data: str | Path | Scenario | None = None,
    roster: Roster | None = None,
    extra: Iterable[str | Path | None] = (),
    kind: str = "output",
    force: bool = False,
) -> Path:
    """Refuse ``out`` before any work when writing it could damage the user's files.

    Parameters
    ----------
    out
        The output folder.
    data
        The run's data (folder, scenario file or object; ``None``: the demo); ignored when
        ``roster`` is given.
    roster
        A roster from :func:`load_data`: its inputs are the ones remembered then.
    extra
        More input files or folders (an OSM file, a sites file, a previous plan).
    kind
        Kind of output (the marker written last into the folder).
    force
        Allow a roster to replace a roster.

    Returns
    -------
    pathlib.Path
        The absolute output path.

    Raises
    ------
    optimizer.io.outdir.OutputFolderError
        See :func:`optimizer.io.outdir.check_out_dir`.
    """
    inputs = list(inputs_of(roster) if roster is not None else input_paths(data))
    inputs += [Path(p) for p in extra if p is not None]
    return check_out_dir(out, inputs=inputs, kind=kind, force=force)


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
    _remember_inputs(roster, input_paths(sc))
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
    out: str | Path | None = None,
) -> PlanResult:
    """Plan the refills of ``roster`` over ``days`` from ``start``.

    With ``out``, the plan folder to be written is checked first (:func:`check_out`), so a
    refused folder fails before any solving.
    """
    if out is not None:
        check_out(out, roster=roster, kind="plan")
    provider = provider or travel_provider()
    problem = make_problem(roster, Horizon(start, days), provider=provider, rules=rules)
    opts = options or SolverOptions()
    if opts.backend == "greedy":
        from optimizer.planning.greedy import plan_greedy

        result = plan_greedy(problem)
        if opts.max_iterations:
            result.solver.pop("runtime_s", None)
    else:
        result = plan_problem(problem, opts, progress=progress)
    return PlanResult(result, problem, provider)


def write_plan_folder(result: PlanResult, out: str | Path, *, with_map: bool = True) -> Path:
    """Write the plan folder of SPEC §6 atomically (``map.html`` included).

    ``out`` is checked first (:func:`check_out`): a file, an input of the roster, or a
    non-empty folder haiplan did not write is refused and left untouched.
    """
    check_out(out, roster=result.problem.roster, kind="plan")
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
