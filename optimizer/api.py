"""The Python API: what the CLI and the notebooks call. No logic lives in the CLI.

    >>> from optimizer import api
    >>> run = api.prepare(None, backend="greedy")      # the built-in demo, options merged
    >>> result = api.plan(run.roster, start=run.horizon.start, days=run.horizon.days,
    ...                   provider=run.provider, rules=run.rules, options=run.options)
    >>> api.write_plan_folder(result, "plan/")
    >>> api.check(run.roster, "plan/", provider=result.provider)

Every option left ``None`` comes from the scenario (or the defaults in
:mod:`optimizer.settings`); an unknown name or an unusable path raises
:class:`optimizer.errors.UsageError` before any work, bad input files
:class:`optimizer.errors.DataError` with every located problem.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer import settings
from optimizer.analysis.alarms import Alarm, alarm_counts, alarm_lines, find_alarms, headline
from optimizer.analysis.alternatives import ALTERNATIVE_COLUMNS, Alternatives, alternatives_for
from optimizer.analysis.coverage import analyze_coverage, capacity_vs_demand, load_regions
from optimizer.analysis.expansion import (Action, ActionKind, ExpansionResult, build_expansion, map_layer, optimize,
                                          write_expansion)
from optimizer.analysis.roster_report import RosterSummary, summarize_roster
from optimizer.analysis.simulate import SimulationResult, SimulationSettings, summarize_runs
from optimizer.analysis.simulate import simulate as _simulate
from optimizer.domain import Horizon, Roster
from optimizer.arguments import (check_start, instance_of, maybe_date, path_arg, paths_arg, plan_arguments,
                                 provider_arg, roster_arg, whole)
from optimizer.errors import UsageError
from optimizer.options import coverage_arguments, expand_arguments, scenarios_arguments, synth_arguments
from optimizer.inputs import (Run, as_date, as_of_of, backend_names, cache_dir, check_out, horizon_for, input_paths, inputs_of, load_data,
                              load_report_of, materialize, need_file, need_folder, next_monday, prepare,
                              provider_for, solver_options, travel_names, travel_provider)
from optimizer.io.atomic import atomic_dir
from optimizer.io.cells import write_csv
from optimizer.io.outdir import ROSTER, check_out_dir
from optimizer.io.plan_writer import write_plan
from optimizer.io.template import write_template
from optimizer.planning.bound import final_plan_bound
from optimizer.planning.keep import pin_confirmed
from optimizer.planning.replan import refilled_before
from optimizer.planning.replan import replan as replan_plan
from optimizer.planning.plan import Plan
from optimizer.planning.planner import SolverOptions
from optimizer.planning.trips import with_fills_and_trips
from optimizer.planning.problem import PlanningProblem, build_problem
from optimizer.planning.solve import solve
from optimizer.report import leadership_map, operations_map, write_coverage, write_plan_extras
from optimizer.rules.windows import WindowRules
from optimizer.scenario import Scenario
from optimizer.studies import synth as _synth
from optimizer.studies.batch import compare_runs, expand_scenario, run_scenarios
from optimizer.validate import Violation, check_plan
from optimizer._plan_folders import UNREADABLE as _UNREADABLE, is_plan_folder, need_plan_folder as _need_plan_folder
from optimizer._plan_folders import previous_plan as _previous_plan

__all__ = [
    "cache_dir", "load_data", "materialize", "travel_provider", "next_monday", "horizon_for",
    "make_problem", "plan", "replan", "PlanResult", "write_plan_folder", "check", "is_plan_folder", "SolverOptions",
    "input_paths", "inputs_of", "check_out", "load_report_of", "solver_options", "provider_for",
    "as_date", "backend_names", "travel_names", "Run", "prepare", "Validation", "validate", "CoverageRun", "coverage",
    "expand", "simulate", "scenarios", "compare", "template", "synth", "Alarm", "alarm_lines", "headline",
    "find_alarms", "scenario_verdict", "Comparison",
    # the building blocks the notebooks use, re-exported so they need nothing but the API
    "analyze_coverage", "capacity_vs_demand", "leadership_map", "ActionKind", "build_expansion", "optimize",
    "write_expansion", "SimulationSettings", "summarize_runs",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- plan, check


@dataclass
class PlanResult:
    """A plan with the problem it solves, the travel provider and the overdue refills it met."""

    plan: Plan
    problem: PlanningProblem
    provider: Any
    alarms: list[Alarm] = field(default_factory=list)
    _alternatives: Alternatives | None = field(default=None, repr=False)

    @property
    def alternatives(self) -> Alternatives:
        """The ranked ways out of every unassigned refill (``alternatives.csv``), computed once."""
        if self._alternatives is None:
            self._alternatives = alternatives_for(self.plan, self.problem.roster, provider=self.provider,
                                                  problem=self.problem)
        return self._alternatives

    def alarm_lines(self) -> list[str]:
        """The danger first: headline and one line per overdue refill with its visit (or none)."""
        return alarm_lines(self.alarms, plan=self.plan)


def make_problem(roster: Roster, horizon: Horizon, *, provider: Any = None,
                 rules: WindowRules | None = None) -> PlanningProblem:
    """The planning problem (refills × nurse-days) of ``roster`` over ``horizon``, its confirmed
    visits pinned (:func:`optimizer.planning.keep.pin_confirmed`)."""
    instance_of(horizon, Horizon, "horizon", "Horizon(start, days)", optional=False)
    plan_arguments(roster, start=horizon.start, provider=provider, rules=rules)
    return pin_confirmed(build_problem(roster, horizon, provider=provider or travel_provider(), rules=rules))


def plan(
    roster: Roster,
    *,
    start: dt.date,
    days: int = settings.HORIZON_DAYS,
    provider: Any = None,
    rules: WindowRules | None = None,
    options: SolverOptions | None = None,
    progress: Callable[[str], None] | None = None,
    out: str | Path | None = None,
    overnight: bool | None = None,
) -> PlanResult:
    """Plan the refills of ``roster`` over ``days`` from ``start``.

    With ``out``, the plan folder to be written is checked first (:func:`check_out`), so a
    refused folder fails before any solving. ``overnight``: make overnight trips where they
    place a missed refill or cost less (:mod:`optimizer.planning.trips`); the default is
    :data:`optimizer.settings.OVERNIGHT_TRIPS`.
    """
    start = check_start(plan_arguments(roster, start=start, days=days, options=options, provider=provider,
                                       rules=rules, progress=progress, overnight=overnight), as_of_of(roster))
    if out is not None:
        check_out(out, roster=roster, kind="plan")
    provider = provider or travel_provider()
    horizon = Horizon(start, days)
    problem = make_problem(roster, horizon, provider=provider, rules=rules)
    result = solve(problem, options, progress=progress, bound=False)  # the final plan's bound below
    # fill 2, 3, … from the planned dates (issue 11 item 8) and overnight trips (issue 13 item 1)
    result, problem = with_fills_and_trips(problem, result, enabled=overnight)
    result.solver["lower_bound"] = final_plan_bound(problem, result).as_dict()  # valid for the final plan
    return PlanResult(result, problem, provider, find_alarms(roster, horizon, rules=rules))


def replan(
    roster: Roster,
    previous: str | Path | Plan,
    *,
    start: dt.date,
    provider: Any = None,
    rules: WindowRules | None = None,
    options: SolverOptions | None = None,
    progress: Callable[[str], None] | None = None,
    out: str | Path | None = None,
    overnight: bool | None = None,
) -> PlanResult:
    """Re-plan from ``start`` after a change, keeping every still-feasible visit of ``previous``
    (a plan folder or a :class:`Plan`): SPEC §6 ``haiplan replan``. Visits before ``start``
    stay as they were; ``plan.changes`` (``changes.csv``) lists every difference.

    With ``out``, the folder is checked first; the previous plan folder counts as an input.
    """
    start = plan_arguments(roster, start=start, options=options, provider=provider, rules=rules,
                           progress=progress, overnight=overnight)
    if not isinstance(previous, (str, Path, Plan)):
        raise UsageError(f"previous must be a plan folder (a path) or a Plan, not {type(previous).__name__}")
    folder = previous if isinstance(previous, (str, Path)) else None
    if out is not None:
        check_out(out, roster=roster, kind="plan", extra=[folder])
    if folder is not None:
        previous = _previous_plan(folder, roster, start)
    assert isinstance(previous, Plan)
    last = previous.horizon_start + dt.timedelta(days=previous.horizon_days - 1)
    if start > last:
        raise UsageError(f"re-plan date {start} is after the previous plan's last day {last}")
    if start < previous.horizon_start:  # the previous plan says nothing of the days before it
        raise UsageError(f"re-plan date {start} is before the previous plan's first day {previous.horizon_start}: "
                         f"give --from within its horizon {previous.horizon_start}..{last}, or plan anew")
    provider = provider or travel_provider()
    result, problem = replan_plan(roster, previous, start=start, provider=provider, rules=rules,
                                  options=options, progress=progress, overnight=overnight)
    problem = dc_replace(problem, roster=roster)  # the roster as loaded: its inputs and load report
    result.solver["lower_bound"] = final_plan_bound(problem, result).as_dict()  # valid for the final plan
    # the alarms at the re-plan date: the refills its earlier visits made count as made
    made = refilled_before(roster, [v for v in result.visits if v.date < start], rules=rules or WindowRules())
    return PlanResult(result, problem, provider, find_alarms(made, problem.horizon, rules=rules))


def write_plan_folder(result: PlanResult, out: str | Path, *, with_map: bool = True,
                      confirm_days: int | None = None) -> Path:
    """Write the plan folder of SPEC §6 atomically (``map.html`` included).

    ``out`` is checked first (:func:`check_out`): a file, an input of the roster, or a
    non-empty folder haiplan did not write is refused and left untouched. ``summary.json``
    carries the overdue counts and the load report (warnings, assumed values). With
    ``confirm_days``, the first N days' visits are also written as ``confirmed_visits.csv``
    (next week's input).
    """
    instance_of(result, PlanResult, "result", "api.plan(...) gives one", optional=False)
    instance_of(with_map, bool, "with_map", "True or False", optional=False)
    if confirm_days is not None:
        whole(confirm_days, "confirm_days", 1)
    check_out(path_arg(out, "out"), roster=result.problem.roster, kind="plan")
    extras: dict[str, Callable[[Path], None]] = {}
    if with_map:
        extras["map.html"] = lambda path: operations_map(result.plan, result.problem,
                                                          provider=result.provider).save(str(path))
        # deterministic runs pin the "generated" stamps so the whole folder is byte-identical
        stamp = (dt.datetime.combine(result.plan.horizon_start, dt.time(0, 0), tzinfo=dt.timezone.utc)
                 if result.plan.solver.get("max_iterations") else None)
        extras["report.html"] = lambda path: write_plan_extras(result, path.parent, stamp=stamp)
    summary = {"travel_provider": getattr(result.provider, "name", ""),
               "overdue": alarm_counts(result.alarms, plan=result.plan),
               "load_report": load_report_of(result.problem.roster).as_dict()}
    alts = result.alternatives
    summary["alternatives"] = alts.best_kinds()
    return write_plan(result.plan, out, extras=extras, summary_extra=summary, confirm_days=confirm_days,
                      alternatives=(ALTERNATIVE_COLUMNS, alts.rows()), options=alts.options_column())


def check(roster: Roster, plan_dir: str | Path, *, provider: Any = None,
          rules: WindowRules | None = None, previous: str | Path | None = None) -> list[Violation]:
    """The independent validator on a written plan folder.

    Parameters
    ----------
    roster
        The inputs the plan was made from.
    plan_dir
        The plan folder.
    provider, rules
        The travel provider and window rules the plan was made with (the defaults when None).
    previous
        The plan folder a re-plan ``plan_dir`` replaced (``haiplan check --previous``): visits before
        the re-plan date unchanged, every later difference listed in changes.csv and no row
        contradicted (:mod:`optimizer.validate.previous`); a :class:`UsageError` when ``plan_dir``
        is no re-plan.
    """
    roster_arg(roster)
    _need_plan_folder(plan_dir, "plan folder", "the data folder comes first, then the plan folder")
    if previous is not None:
        _need_plan_folder(previous, "previous plan folder", "give the plan folder the re-plan replaced")
        if not (Path(previous) / "visits.csv").exists():
            raise UsageError(f"previous plan folder {str(previous)!r} has no visits.csv")
    provider_arg(provider)
    instance_of(rules, WindowRules, "rules", "a scenario's window_rules() gives one")
    try:
        return check_plan(roster, plan_dir, provider=provider or travel_provider(), rules=rules, previous=previous)
    except _UNREADABLE as exc:  # a folder whose files no plan of haiplan's has: what cannot be read, said
        also = f" (or previous plan folder {str(previous)!r})" if previous is not None else ""
        raise UsageError(f"plan folder {str(plan_dir)!r}{also} cannot be read as a plan: "
                         f"{type(exc).__name__}: {exc}") from None


# --------------------------------------------------------------------------- validate


@dataclass
class Validation:
    """What ``haiplan validate`` shows: the danger first, the load report, the roster summary."""

    run: Run
    summary: RosterSummary
    alarms: list[Alarm]

    def alarm_lines(self) -> list[str]:
        """The headline and one line per overdue refill (patient id and dates)."""
        return alarm_lines(self.alarms)


def validate(
    data: str | Path | Scenario | None = None,
    *,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
    days: int | None = None,
    travel: str | None = None,
    osm: str | Path | None = None,
    out: str | Path | None = None,
) -> Validation:
    """Validate the input and summarize it; with ``out``, write the summary tables (CSV) there.

    Parameters
    ----------
    data, as_of, start, days, travel, osm
        As for :func:`prepare`.
    out
        Folder for ``by_state.csv``, ``no_eligible_nurse.csv``, ``windows_per_day.csv``,
        ``alarms.csv`` (``None``: nothing written).

    Returns
    -------
    Validation
        The run (with its load report), the roster summary and the overdue refills.
    """
    run = prepare(data, as_of=as_of, start=start, days=days, travel=travel, osm=osm, out=out, kind="validate")
    s = summarize_roster(run.roster, run.horizon, provider=run.provider, rules=run.rules)
    if out is not None:
        with atomic_dir(out, kind="validate") as tmp:
            write_csv(s.by_state, tmp / "by_state.csv")
            write_csv(s.no_eligible, tmp / "no_eligible_nurse.csv")
            write_csv(s.windows_per_day, tmp / "windows_per_day.csv")
            write_csv(s.alarms, tmp / "alarms.csv")
    return Validation(run, s, find_alarms(run.roster, run.horizon, rules=run.rules))


# --------------------------------------------------------------------------- coverage, expansion


@dataclass
class CoverageRun:
    """What ``haiplan coverage`` wrote, with the two leadership tables it prints."""

    out: Path
    as_of: dt.date
    start: dt.date
    weeks: int
    cutoffs: tuple[int, ...]
    by_state: pd.DataFrame
    by_region: pd.DataFrame


def coverage(
    data: str | Path | Scenario | None = None,
    *,
    out: str | Path,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
    weeks: int = 8,
    cutoffs: Sequence[int] = (60, 120, 180, 240),
    map_cutoff: int = 120,
    regions: str | Path | None = None,
    travel: str | None = None,
    osm: str | Path | None = None,
    tiles: str | None = None,
    backend: str | None = "greedy",
    progress: Callable[[str], None] | None = None,
) -> CoverageRun:
    """Coverage within drive-time cutoffs and capacity vs demand, written to ``out``.

    Parameters
    ----------
    data, as_of, start, travel, osm
        As for :func:`prepare` (``start``: first day of the capacity outlook).
    out
        Folder written whole: ``leadership/`` (de-identified) and ``operations/``.
    weeks, cutoffs, map_cutoff
        Weeks of capacity vs demand; drive-time cutoffs in minutes; the map's cutoff.
    regions
        CSV ``state,region`` (``None``: US Census regions).
    tiles
        A web tile layer (needs internet when viewing).
    backend
        Plans the horizon for the operations map (``None``: no map of routes).
    progress
        Called with a line per step.

    Returns
    -------
    CoverageRun
        What was written, with the coverage-by-state and capacity-by-region tables.
    """
    coverage_arguments(weeks=weeks, cutoffs=cutoffs, map_cutoff=map_cutoff, tiles=tiles, progress=progress)
    region_map = load_regions(str(need_file(regions, "--regions file"))) if regions is not None else None
    run = prepare(data, as_of=as_of, start=start, backend=backend, travel=travel, osm=osm, out=out,
                  kind="coverage", extra=(regions,))
    cuts = tuple(sorted({int(c) for c in cutoffs} | {int(map_cutoff)}))
    result = None
    if backend is not None:
        if progress:
            progress(f"planning {run.horizon.start}..{run.horizon.end} with {run.options.backend} "
                     "for the operations map")
        result = plan(run.roster, start=run.horizon.start, days=run.horizon.days, provider=run.provider,
                      rules=run.rules, options=run.options)
    write_coverage(run.roster, out, provider=run.provider, as_of=run.as_of, start=run.horizon.start, weeks=weeks,
                   cutoffs=cuts, map_cutoff=map_cutoff, regions=region_map,
                   plan_result=result, tiles=tiles, rules=run.rules)
    lead = Path(out) / "leadership"
    return CoverageRun(Path(out), run.as_of, run.horizon.start, weeks, cuts,
                       pd.read_csv(lead / "coverage_by_state.csv"), pd.read_csv(lead / "capacity_by_region.csv"))


def expand(
    data: str | Path | Scenario | None = None,
    *,
    out: str | Path | None = None,
    budget: float | None = None,
    target_share: float | None = None,
    cutoff_minutes: float | None = None,
    actions: Sequence[str] | None = None,
    sites_file: str | Path | None = None,
    backend: str | None = None,
    time_limit: float | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExpansionResult:
    """Where to hire, whom to license where, whom to certify (the coverage MIP and its ranking).

    Options left ``None`` come from the scenario's ``expansion`` section. With ``out``, the
    recommendations, tables and a de-identified map with the actions as a layer are written there.

    Parameters
    ----------
    data, as_of
        As for :func:`prepare`.
    out
        Output folder (checked before the MIP), or ``None``.
    budget, target_share
        Spend at most ``budget`` USD, or reach ``target_share`` of visits covered at least cost.
    cutoff_minutes, actions, sites_file, backend, time_limit
        The drive-time cutoff, allowed action kinds, candidate sites CSV, MIP backend and limit.
    progress
        Called with a line per step.

    Returns
    -------
    ExpansionResult
        The ranked recommendations and the MIP's summary.
    """
    expand_arguments(budget=budget, target_share=target_share, cutoff_minutes=cutoff_minutes,
                     actions=actions, backend=backend, time_limit=time_limit, progress=progress)
    if sites_file is not None:
        need_file(sites_file, "--sites file")
    if out is not None:
        check_out(out, data=data, extra=(sites_file,), kind="expansion")
    result = expand_scenario(data, budget=budget, target_share=target_share, cutoff_minutes=cutoff_minutes,
                             actions=actions, sites_file=sites_file, backend=backend, time_limit=time_limit,
                             as_of=as_of, progress=progress)
    if out is not None:
        with atomic_dir(out, kind="expansion") as tmp:
            write_expansion(result, tmp)
            _recommendations_map(result, tmp / "recommendations_map.html")
    return result


def _recommendations_map(result: ExpansionResult, path: Path) -> None:
    """The de-identified leadership map with the ranked actions as a layer."""
    roster = result.problem.roster
    provider = travel_provider()
    view = analyze_coverage(roster, provider=provider, as_of=result.problem.on).leadership_view()
    leadership_map(view, provider=provider, recommendations=map_layer(result),
                   title="HAI coverage and recommended actions").save(path)


#: The keyword options :func:`simulate` passes on (those of :func:`optimizer.analysis.simulate.simulate`).
_SIMULATE_OPTIONS = frozenset(inspect.signature(_simulate).parameters) - {"roster", "start"}


def simulate(roster: Roster, *, start: dt.date, **options: Any) -> SimulationResult:
    """The closed loop over weeks: plan a week, live it, re-plan (see
    :func:`optimizer.analysis.simulate.simulate` for ``options``). A wrong argument is a one-line
    :class:`UsageError` before the first week; a roster of :func:`load_data` starts within a
    week of its data date."""
    unknown = sorted(set(options) - _SIMULATE_OPTIONS)
    if unknown:
        raise UsageError(f"simulate has no option {', '.join(unknown)}; "
                         f"its options: {', '.join(sorted(_SIMULATE_OPTIONS))}")
    start = check_start(plan_arguments(roster, start=start, provider=options.get("provider"),
                                       rules=options.get("rules"), progress=options.get("progress")),
                        as_of_of(roster))
    instance_of(options.get("settings"), SimulationSettings, "settings", "SimulationSettings(weeks=...)")
    whole(options.get("seed", 0), "seed", 0)
    actions = options.get("actions", ())
    if isinstance(actions, (str, bytes)) or not isinstance(actions, Sequence) \
            or not all(isinstance(a, Action) for a in actions):
        raise UsageError(f"actions must be a list of Action (an expansion's recommendations), got {actions!r}")
    return _simulate(roster, start=start, **options)


# --------------------------------------------------------------------------- studies, files


def scenarios(
    files: Sequence[str | Path],
    *,
    out: str | Path,
    seeds: int | None = None,
    workers: int = 2,
    ray: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Run scenario files in batch (expansion plans × seeds of the closed loop).

    Parameters
    ----------
    files
        Scenario ``.yaml`` files (a folder is a usage mistake).
    out
        Parent folder; one result folder per scenario, each written whole.
    seeds, workers, ray
        Seeds per plan (``None``: each file's), local processes, or a Ray address.
    progress
        Called with a line per step.

    Returns
    -------
    list of pathlib.Path
        The result folders.
    """
    scenarios_arguments(seeds=seeds, workers=workers, ray=ray, progress=progress)
    paths = [need_file(f, "scenario file") for f in paths_arg(files, "files (scenario files)")]
    out = path_arg(out, "out")
    return run_scenarios(paths, out=out, seeds=seeds, workers=workers, ray_address=ray, progress=progress)


@dataclass
class Comparison:
    """What ``haiplan scenario compare`` wrote, with its table and verdicts."""

    paths: dict[str, Path]
    table: pd.DataFrame
    verdicts: list[dict[str, Any]]


def compare(dirs: Sequence[str | Path], *, out: str | Path) -> Comparison:
    """Side-by-side table (CSV) and charts (HTML) of scenario results, with a verdict per scenario."""
    for d in paths_arg(dirs, "dirs (result folders)"):
        need_folder(d, "result folder")
    paths = compare_runs(dirs, out=path_arg(out, "out"))
    verdicts = pd.read_csv(paths["verdicts"], keep_default_na=False).to_dict("records")
    return Comparison(paths, pd.read_csv(paths["csv"]), verdicts)


def scenario_verdict(folder: str | Path) -> dict[str, Any]:
    """The verdict a ``scenario run`` result folder holds (winner and text)."""
    summary = need_folder(path_arg(folder, "result folder"), "result folder") / "summary.json"
    try:
        return dict(json.loads(summary.read_text(encoding="utf-8"))["verdict"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"result folder {str(folder)!r} holds no verdict of 'haiplan scenario run' "
                         f"(summary.json: {type(exc).__name__}: {exc})") from None


def template(out: str | Path, *, as_of: dt.date | None = None) -> list[Path]:
    """Write example input files (every table as CSV and one workbook) that validate; the files."""
    return write_template(path_arg(out, "out"), as_of=maybe_date(as_of, "as_of"))



def synth(
    out: str | Path,
    *,
    patients: int = 300,
    nurses: int = 35,
    seed: int = 0,
    states: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    plan_start: dt.date | None = None,
    chemo_share: float = 0.6,
    bbox: tuple[float, float, float, float] | None = None,
    force: bool = False,
    preset: str | None = None,
) -> Path:
    """Write a synthetic, contract-valid roster (deterministic by seed) to ``out``.

    ``preset`` names a roster of :data:`optimizer.studies.synth.PRESETS` (``seed_program``,
    ``national``, ``rural``, ``large``); it replaces ``patients``, ``nurses``, ``states`` and
    ``chemo_share``.
    """
    check_out_dir(path_arg(out, "out"), kind=ROSTER, force=force)
    as_of, plan_start = synth_arguments(patients=patients, nurses=nurses, seed=seed, chemo_share=chemo_share,
                                       as_of=as_of, plan_start=plan_start, bbox=bbox)
    if preset is not None and preset not in _synth.PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose one of {', '.join(_synth.PRESETS)}")
    if preset is not None:
        data = _synth.preset(preset, seed=seed, as_of=as_of or dt.date.today(), plan_start=plan_start)
    else:
        data = _synth.generate(patients, nurses, seed=seed, states=states or None,  # a text too: 'OH;PA'
                               as_of=as_of or dt.date.today(), plan_start=plan_start, chemo_share=chemo_share)
    if bbox is not None:
        data = _synth.localize(data, bbox=bbox, seed=seed)
    with atomic_dir(out, kind=ROSTER, force=force) as tmp:
        _synth.write(data, tmp)
    return Path(out)
