"""`haiplan`: a thin command line over :mod:`optimizer.api` (it parses, calls the API and prints).

Exit codes: 0 ok; 1 the plan check found violations; 2 bad input or a usage mistake (an
unknown name, a wrong path, a refused ``--out``), nothing written; 3 a solver or internal
error. Every :class:`~optimizer.errors.HaiplanError` is rendered once, here, without a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional, TypeVar

import typer
import typer.core

from optimizer import api
from optimizer.errors import EXIT_INTERNAL, EXIT_VIOLATIONS, DataError, HaiplanError, UsageError


class _App(typer.Typer):
    """The command group; a crash that is not a HaiplanError is a bug: its traceback, exit 3."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit:
            raise
        except Exception:  # noqa: BLE001 - the last resort of the console script
            traceback.print_exc()
            sys.exit(EXIT_INTERNAL)


class _OneLineGroup(typer.core.TyperGroup):
    """The parser's own mistakes (unknown option, value out of range, missing argument) in one line too."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            _echo("Aborted.", err=True)
            sys.exit(1)
        except typer.TyperException as exc:  # click's usage errors (typer vendors click)
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # type: ignore[attr-defined]  # the help text, as asked for
            else:
                message = " ".join(exc.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
                _echo(f"Error: {message} (see --help). Nothing was written.", err=True)
            sys.exit(getattr(exc, "exit_code", 2))
        sys.exit(rv if isinstance(rv, int) else 0)


app = _App(cls=_OneLineGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
           help="Plan home refills of HAI pumps: validate data, plan, check, map coverage.")
scenario_app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                           help="Scenario studies: run scenario files in batch, compare their results.")
app.add_typer(scenario_app, name="scenario")
log = logging.getLogger("haiplan")

F = TypeVar("F", bound=Callable[..., Any])
_DEFAULT = api.solver_options()  # the defaults a scenario without a solver section gets
BACKENDS = " | ".join(api.backend_names())
TRAVELS = " | ".join(api.travel_names())


def _safe(text: str) -> str:
    """Screen text with control characters (terminal escapes from hostile input) shown as '?'."""
    return "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)


def _echo(text: str = "", *, err: bool = False) -> None:
    typer.echo(_safe(text), err=err)


def _say(msg: str) -> None:
    _echo(f"[haiplan] {msg}", err=True)


def _render(exc: HaiplanError) -> None:
    """The one place an error becomes text: the located list for input, else one line; its exit code."""
    if isinstance(exc, DataError):
        _echo(exc.render(limit=200), err=True)
        _echo("Nothing was written.", err=True)
    else:
        line = " ".join(str(exc).split())
        tail = " Nothing was written." if exc.exit_code == 2 else ""
        _echo(f"Error: {line.rstrip('.')}.{tail}", err=True)
    raise typer.Exit(exc.exit_code)


def _command(group: typer.Typer, name: str | None = None) -> Callable[[F], F]:
    """Register a command whose :class:`HaiplanError` is rendered by :func:`_render`."""
    def register(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except HaiplanError as exc:
                _render(exc)
        group.command(name)(run)
        return fn
    return register


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _day(value: str | dt.datetime | None, flag: str = "date") -> Optional[dt.date]:
    """A date option as a date; anything but ISO YYYY-MM-DD is a usage mistake (one line, exit 2)."""
    return None if value is None else api.as_date(value, flag)


# --------------------------------------------------------------------------- shared options

def _date(help_: str, default: str) -> Any:
    return typer.Option(None, metavar="YYYY-MM-DD", help=f"{help_} (YYYY-MM-DD)", show_default=default)


DataArg = typer.Argument(None, help="Data folder (patients, nurses, time_off ... tables), one workbook, "
                                    "or a scenario .yaml", show_default="the built-in demo")
AsOf = _date("Data date: licenses, overdue refills and date checks are relative to it",
             "the scenario's, else today")
Start = _date("First day of the horizon", "the scenario's, else the next Monday")
Days = typer.Option(None, min=1, max=28, help="Days in the horizon", show_default="the scenario's, else 14")
Travel = typer.Option(None, help=f"Travel-time provider: {TRAVELS}", show_default="the scenario's, else haversine")
Osm = typer.Option(None, help="OSM extract (.osm or .pbf) for --travel road", show_default="none")
Verbose = typer.Option(False, "--verbose", "-v", help="Log progress (no patient data in logs)", show_default=True)


def _backend(what: str = "Planner") -> Any:
    return typer.Option(None, help=f"{what}: {BACKENDS}", show_default=f"the scenario's, else {_DEFAULT.backend}")


NoOvernight = typer.Option(False, "--no-overnight", help=(
    "No overnight trips (a nurse staying the night near a far patient); on by default, "
    "or as the scenario's solver.overnight_trips says"))
TimeLimit = typer.Option(None, help="Seconds for the solver (whole plan)",
                         show_default=f"the scenario's, else {_DEFAULT.time_limit:g}")


# --------------------------------------------------------------------------- validate, template, synth

@_command(app)
def validate(
    data: Optional[Path] = DataArg,
    start: Optional[str] = Start,
    days: Optional[int] = Days,
    as_of: Optional[str] = AsOf,
    travel: Optional[str] = Travel,
    osm: Optional[Path] = Osm,
    out: Optional[Path] = typer.Option(None, help="Write the summary tables (CSV) to this folder",
                                       show_default="none: print only"),
    verbose: bool = Verbose,
) -> None:
    """Validate the input files and summarize them: the danger first, then warnings, states, windows."""
    _setup_logging(verbose)
    v = api.validate(data, as_of=_day(as_of, "--as-of"), start=_day(start, "--start"), days=days, travel=travel, osm=osm, out=out)
    for line in v.alarm_lines():
        _echo(line)
    for line in v.run.report.lines():
        _echo(line)
    roster, horizon, s = v.run.roster, v.run.horizon, v.summary
    _echo(f"OK: {len(roster.patients)} patients ({sum(1 for _ in roster.active_patients())} active), "
          f"{len(roster.nurses)} nurses, {len(roster.time_off)} days off")
    _echo(f"Horizon {horizon.start}..{horizon.end}: {s.refills_due} refills due, {s.later} windows open later")
    _echo("\nBy state:\n" + s.by_state.to_string(index=False))
    _echo("\nWindows per day:\n" + s.windows_per_day.to_string(index=False))
    _echo(f"\nPatients with no eligible nurse at all: {len(s.no_eligible)}")
    if len(s.no_eligible):
        _echo(s.no_eligible.groupby(["state", "reason"]).size().rename("patients").to_string())
    _echo(f"\nAlarms: {len(s.alarms)}")
    if len(s.alarms):
        _echo(s.alarms[["patient_id", "state", "window_end", "empty_date", "alarm"]].to_string(index=False))
    if out:
        _echo(f"Wrote {out}/")


@_command(app)
def template(
    out: Path = typer.Argument(..., help="Folder to write the example files into (created if missing)"),
    as_of: Optional[str] = _date("Data date the examples are dated around; validate them with it",
                                         "today"),
) -> None:
    """Write example input files (every table as CSV, and one workbook with a sheet per table)."""
    files = api.template(out, as_of=_day(as_of, "--as-of"))
    _echo(f"Wrote {len(files)} files to {out}/: " + ", ".join(p.name for p in files))
    _echo(f"Check them with: haiplan validate {out}" + (f" --as-of {_day(as_of)}" if as_of else ""))


@_command(app)
def synth(
    out: Path = typer.Argument(..., help="Folder to write patients.csv, nurses.csv, time_off.csv"),
    patients: int = typer.Option(300, min=1, help="Patients", show_default=True),
    nurses: int = typer.Option(35, min=1, help="Nurses", show_default=True),
    seed: int = typer.Option(0, min=0, help="Random seed (same seed, same bytes)", show_default=True),
    states: Optional[str] = typer.Option(None, help="Footprint, e.g. 'NY;NJ;PA'", show_default="25 states + DC"),
    as_of: Optional[str] = _date("Data date", "today"),
    chemo_share: float = typer.Option(0.6, min=0, max=1, help="Share of chemo-certified nurses",
                                      show_default=True),
    plan_start: Optional[str] = _date("First planning day: no refill is overdue then", "as_of"),
    bbox: Optional[str] = typer.Option(None, help="Place everyone inside WEST,SOUTH,EAST,NORTH "
                                                  "(e.g. an OSM extract's area)", show_default="none"),
    force: bool = typer.Option(False, "--force", help="Replace an existing roster in OUT", show_default=True),
    preset: Optional[str] = typer.Option(None, help="A named roster instead of the sizes: seed_program (about "
                                                    "500 fills in two years, western PA), national, rural, large",
                                         show_default="none"),
) -> None:
    """Generate a synthetic, contract-valid national roster (deterministic by seed)."""
    footprint = [s.strip().upper() for s in states.replace(",", ";").split(";") if s.strip()] if states else None
    box = None
    if bbox:
        try:
            box = tuple(float(x) for x in bbox.split(","))
        except ValueError:
            raise typer.BadParameter("--bbox needs four numbers WEST,SOUTH,EAST,NORTH") from None
    api.synth(out, patients=patients, nurses=nurses, seed=seed, states=footprint, as_of=_day(as_of, "--as-of"),
              plan_start=_day(plan_start, "--plan-start"), chemo_share=chemo_share, bbox=box, force=force,
              preset=preset)
    _echo(f"Wrote the {preset} preset to {out}/" if preset else f"Wrote {patients} patients, {nurses} nurses to {out}/")


# --------------------------------------------------------------------------- plan, demo, check

def _or_none(value: object) -> object:
    """A figure for the screen: '-' where there is none (no visit has a reserve left)."""
    return "-" if value is None else value


def _print_kpis(result: Any, path: Path | None) -> None:
    plan = result.plan
    k = plan.kpis()
    for line in result.alarm_lines():  # the danger first
        _echo(line)
    _echo(f"Plan {plan.horizon_start} +{plan.horizon_days}d: {k['visits']} visits of "
          f"{k['refills_due']} refills due (on-time {k['on_time_rate']:.1%}), "
          f"{k['nurses_used']} nurses on {k['nurse_days']} nurse-days")
    deferred = f"; deferred to the next plan: {k['deferred_to_next_plan']}" if k["deferred_to_next_plan"] else ""
    by_reason = f" {k['unassigned_by_reason']}" if k["unassigned_by_reason"] else ""
    _echo(f"  unassigned: {k['unassigned']}{by_reason}{deferred}")
    if plan.unassigned:  # the best way out of each (alternatives.csv), counted by kind
        _echo(f"  ways out (best option): {result.alternatives.best_kinds()}")
    _echo(f"  drive: {k['drive_hours']} h, {k['drive_minutes_per_visit']} min/visit; "
          f"overtime {k['overtime_minutes']} min; cost ${k['cost']:,.0f} (${k['cost_per_visit']}/visit)")
    _echo(f"  visits in last reserve day: {k['visits_in_last_reserve_day']}; min reserve days left: "
          f"{_or_none(k['min_reserve_days_left'])}; overdue refills planned: {k['alarms_planned']}")
    s = plan.solver
    _echo(f"  solver: {s.get('backend')} {s.get('status')} in {s.get('runtime_s', '-')} s "
          f"({s.get('parts', 1)} part(s)){'; ' + s['note'] if s.get('note') else ''}")
    if path:
        _echo(f"Wrote {path}/")


def _plan_and_write(run: Any, out: Path, *, confirm_days: int | None = None, overnight: bool = True) -> Any:
    """Print the danger and the load warnings, plan, write the folder and print the KPIs."""
    for line in api.alarm_lines(api.find_alarms(run.roster, run.horizon, rules=run.rules)):
        _echo(line)  # known before solving: shown first, the solver may take a while
    for line in run.report.lines():
        _echo(line)
    o = run.options
    _say(f"planning {run.horizon.start}..{run.horizon.end} with {o.backend} "
         f"({'%d iterations' % o.max_iterations if o.max_iterations else '%g s' % o.time_limit})")
    result = api.plan(run.roster, start=run.horizon.start, days=run.horizon.days, provider=run.provider,
                      rules=run.rules, options=o, progress=_say,
                      overnight=overnight and run.scenario.solver.overnight_trips)
    api.write_plan_folder(result, out, confirm_days=confirm_days)
    _print_kpis(result, out)
    return result


@_command(app)
def plan(
    data: Optional[Path] = DataArg,
    start: Optional[str] = Start,
    days: Optional[int] = Days,
    out: Path = typer.Option(Path("plan"), help="Plan folder (written whole or not at all)", show_default=True),
    time_limit: Optional[float] = TimeLimit,
    iterations: Optional[int] = typer.Option(None, help="Deterministic work limit instead of seconds "
                                                        "(identical plan folders)", show_default="none"),
    backend: Optional[str] = _backend(),
    seed: Optional[int] = typer.Option(None, help="Solver seed", show_default=f"the scenario's, else {_DEFAULT.seed}"),
    workers: Optional[int] = typer.Option(None, help="Parallel processes for independent parts",
                                          show_default=f"the scenario's, else {_DEFAULT.workers}"),
    travel: Optional[str] = Travel,
    osm: Optional[Path] = Osm,
    as_of: Optional[str] = AsOf,
    verbose: bool = Verbose,
    confirm_days: Optional[int] = typer.Option(None, "--confirm-days", min=1, help=(
        "Also write the first N days' visits as confirmed_visits.csv (next week's input)"), show_default="none"),
    no_overnight: bool = NoOvernight,
) -> None:
    """Plan refill visits: which nurse, which day, in what order; write the plan folder."""
    _setup_logging(verbose)
    run = api.prepare(data, as_of=_day(as_of, "--as-of"), start=_day(start, "--start"), days=days, backend=backend,
                      time_limit=time_limit, iterations=iterations, seed=seed, workers=workers,
                      travel=travel, osm=osm, out=out)
    _plan_and_write(run, out, confirm_days=confirm_days, overnight=not no_overnight)


@_command(app)
def replan(
    data: Path = typer.Argument(..., help="Data folder or scenario .yaml with the change (a time_off row, a referral)"),
    previous: Path = typer.Option(..., "--previous", help="The plan folder in force"),
    from_: str = typer.Option(..., "--from", help="Re-plan date (YYYY-MM-DD): earlier visits stay as they were"),
    out: Path = typer.Option(..., help="New plan folder (written whole or not at all)"),
    time_limit: Optional[float] = TimeLimit,
    backend: Optional[str] = _backend(),
    travel: Optional[str] = Travel,
    osm: Optional[Path] = Osm,
    as_of: Optional[str] = AsOf,
    verbose: bool = Verbose,
    no_overnight: bool = NoOvernight,
) -> None:
    """Re-plan after a change, keeping every still-feasible visit; changes.csv lists the differences."""
    _setup_logging(verbose)
    start = _day(from_, "--from")
    run = api.prepare(data, as_of=_day(as_of, "--as-of"), backend=backend, time_limit=time_limit, travel=travel, osm=osm,
                      out=out, extra=[previous], plans_horizon=False)  # the dates are the previous plan's
    result = api.replan(run.roster, previous, start=start, provider=run.provider, rules=run.rules,
                        options=run.options, progress=_say,
                        overnight=not no_overnight and run.scenario.solver.overnight_trips)
    api.write_plan_folder(result, out)
    moved = [c for c in result.plan.changes or [] if c.change != "added"]
    _echo(f"Re-plan from {start}: {len(moved)} visit(s) moved or dropped, "
          f"{len(result.plan.changes or []) - len(moved)} added (changes.csv)")
    _print_kpis(result, out)


@_command(app)
def demo(
    out: Path = typer.Option(Path("out/demo-plan"), help="Plan folder", show_default=True),
    time_limit: Optional[float] = TimeLimit,
    backend: Optional[str] = _backend(),
) -> None:
    """Plan the built-in demo (scenarios/demo.yaml), check it, and print the KPIs."""
    run = api.prepare(None, backend=backend, time_limit=time_limit, out=out)
    _say(f"demo: {len(run.roster.patients)} patients, {len(run.roster.nurses)} nurses")
    _plan_and_write(run, out)
    violations = api.check(run.roster, out, provider=run.provider, rules=run.rules)
    _echo(f"Independent check: {len(violations)} violation(s)")
    for v in violations[:20]:
        _echo(f"  {v}")
    if violations:
        raise typer.Exit(EXIT_VIOLATIONS)


@_command(app)
def check(
    data: Path = typer.Argument(..., help="Data folder or scenario .yaml the plan was made from ('demo': the demo)"),
    plan_dir: Path = typer.Argument(..., help="Plan folder"),
    travel: Optional[str] = Travel,
    osm: Optional[Path] = Osm,
    as_of: Optional[str] = AsOf,
    previous: Optional[Path] = typer.Option(None, "--previous", help="The plan folder a re-plan replaced: also "
                                            "check history unchanged and every difference in changes.csv"),
) -> None:
    """Check a plan against every rule, recomputed from the inputs; exit 1 on violations."""
    if api.is_plan_folder(data) and not api.is_plan_folder(plan_dir):
        raise UsageError(f"DATA {str(data)!r} is a plan folder and PLAN_DIR {str(plan_dir)!r} is not: give the data "
                         "folder first, then the plan folder")
    run = api.prepare(None if str(data) == "demo" else data, as_of=_day(as_of, "--as-of"), travel=travel, osm=osm,
                      plans_horizon=False)  # the dates are the plan folder's
    violations = api.check(run.roster, plan_dir, provider=run.provider, rules=run.rules, previous=previous)
    for v in violations:
        _echo(str(v))
    _echo(f"{len(violations)} violation(s)")
    if violations:
        raise typer.Exit(EXIT_VIOLATIONS)


# --------------------------------------------------------------------------- coverage, expansion

@_command(app)
def coverage(
    data: Optional[Path] = DataArg,
    out: Path = typer.Option(Path("out/coverage"), help="Folder for the tables and maps (written whole)",
                             show_default=True),
    as_of: Optional[str] = AsOf,
    start: Optional[str] = _date("First day of the capacity outlook", "the next Monday"),
    weeks: int = typer.Option(8, min=1, max=52, help="Weeks of capacity vs demand", show_default=True),
    cutoffs: str = typer.Option("60;120;180;240", help="Drive-time cutoffs in minutes, ';'-separated",
                                show_default=True),
    map_cutoff: int = typer.Option(120, help="Cutoff of the leadership map's service areas and choropleth",
                                   show_default=True),
    regions: Optional[Path] = typer.Option(None, help="CSV state,region", show_default="US Census regions"),
    travel: Optional[str] = Travel,
    osm: Optional[Path] = Osm,
    tiles: Optional[str] = typer.Option(None, help="Add a web tile layer (needs internet when viewing), "
                                                   "e.g. OpenStreetMap", show_default="none: offline"),
    backend: str = typer.Option("greedy", help=f"Planner for the operations map: {BACKENDS} | none",
                                show_default=True),
) -> None:
    """Coverage within drive-time cutoffs, 8-week capacity vs demand, leadership and operations maps."""
    try:
        cuts = [int(c) for c in cutoffs.replace(",", ";").split(";") if c.strip()]
    except ValueError:
        raise typer.BadParameter(f"--cutoffs needs minutes separated by ';', got {cutoffs!r}") from None
    if not cuts or any(c <= 0 for c in cuts):
        raise typer.BadParameter(f"--cutoffs needs positive minutes separated by ';', got {cutoffs!r}")
    if map_cutoff <= 0:
        raise typer.BadParameter(f"--map-cutoff needs positive minutes, got {map_cutoff}")
    c = api.coverage(data, out=out, as_of=_day(as_of, "--as-of"), start=_day(start, "--start"), weeks=weeks, cutoffs=cuts,
                     map_cutoff=map_cutoff, regions=regions, travel=travel, osm=osm, tiles=tiles,
                     backend=None if backend.lower() == "none" else backend, progress=_say)
    st = c.by_state[c.by_state["patients"] > 0]
    _echo(f"Coverage as of {c.as_of}: {int(st['patients'].sum())} patients in {len(st)} states")
    shown = st[["state", "patients"] + [f"covered_{m}min" for m in c.cutoffs]
               + ["licensed_nurses", "single_nurse_patients", "no_nurse_patients"]]
    _echo(shown.to_string(index=False, na_rep="-"))
    if shown.isna().any().any():  # the leadership table withholds the figures of a small state
        _echo("  -: withheld for a state with under 5 patients (leadership/ is de-identified); "
              "operations/coverage_patients.csv has each patient")
    reg = c.by_region
    flagged = reg[reg["status"].isin(["short", "no_nurse", "tight"])]
    _echo(f"\nCapacity vs demand, {c.weeks} weeks from {c.start}: {len(flagged)} region-week(s) flagged")
    if len(flagged):
        _echo(flagged[["week", "region", "demand_visits", "capacity_visits", "short_visits",
                       "no_nurse_visits", "utilization", "status"]].to_string(index=False))
    _echo(f"\nWrote {out}/: leadership/ is de-identified (maps and tables to share); "
          "operations/ is not (patient list, routes)")


@_command(app)
def expand(
    data: Optional[Path] = DataArg,
    budget: Optional[float] = typer.Option(None, min=0, help="Budget in USD",
                                           show_default="the scenario's, else the default budget"),
    target: Optional[float] = typer.Option(None, min=0, max=1, help="Reach this covered share at least cost",
                                           show_default="none"),
    actions: Optional[str] = typer.Option(None, help="Allowed kinds, e.g. 'hire;license;hai_cert;chemo_cert;partner'",
                                          show_default="the scenario's, else all"),
    cutoff: Optional[float] = typer.Option(None, help="Drive-time cutoff, minutes one way",
                                           show_default="the scenario's"),
    sites: Optional[Path] = typer.Option(None, help="Candidate sites CSV (name,state,lat,lon)",
                                         show_default="places near demand"),
    backend: Optional[str] = typer.Option(None, help="MIP backend: highs | scip | cbc",
                                          show_default="the scenario's"),
    time_limit: Optional[float] = typer.Option(None, help="MIP time limit, seconds", show_default="the scenario's"),
    out: Path = typer.Option(Path("out/expansion"), help="Folder for recommendations and the map layer",
                             show_default=True),
    as_of: Optional[str] = AsOf,
    verbose: bool = Verbose,
) -> None:
    """Where to hire, whom to license where, whom to certify: ranked actions with gains and costs."""
    _setup_logging(verbose)
    kinds = [a.strip() for a in actions.replace(",", ";").split(";") if a.strip()] if actions else None
    result = api.expand(data, out=out, budget=budget, target_share=target, cutoff_minutes=cutoff, actions=kinds,
                        sites_file=sites, backend=backend, time_limit=time_limit, as_of=_day(as_of, "--as-of"), progress=_say)
    s = result.summary()
    sol = s["solver"]
    _echo(f"MIP {sol['backend']} {sol['status']} in {sol['runtime_s']} s, gap {sol['gap']}"
          f"{'; ' + s['message'] if s['message'] else ''}")
    _echo(f"Covered visits/week: {s['visits_per_week_covered_before']} -> {s['visits_per_week_covered_after']} "
          f"of {s['visits_per_week_total']} ({s['covered_share_before']:.1%} -> {s['covered_share_after']:.1%}); "
          f"patients covered {s['patients_covered_before']} -> {s['patients_covered_after']}; "
          f"{s['actions']} action(s) for ${s['cost']:,.0f}")
    recs = result.recommendations
    if len(recs):
        _echo(recs[["rank", "label", "state", "cost", "lead_weeks", "visits_per_week_absorbed",
                    "patients_covered", "drive_hours_saved_per_week"]].to_string(index=False))
    _echo(f"Wrote {out}/")


@_command(scenario_app, "run")
def scenario_run(
    files: list[Path] = typer.Argument(..., help="Scenario .yaml files"),
    out: Path = typer.Option(Path("out/scenarios"), help="Parent folder: one result folder per scenario",
                             show_default=True),
    seeds: Optional[int] = typer.Option(None, min=1, help="Seeds per plan", show_default="each file's simulation.seeds"),
    workers: int = typer.Option(2, min=1, help="Local processes for the simulations", show_default=True),
    ray: Optional[str] = typer.Option(None, "--ray", help="Run on Ray: 'auto', a cluster address, or 'local'",
                                      show_default="none: local processes"),
    verbose: bool = Verbose,
) -> None:
    """Expansion plans and closed-loop simulations of each scenario (baseline vs plans × seeds)."""
    _setup_logging(verbose)
    dirs = api.scenarios(files, out=out, seeds=seeds, workers=workers, ray=ray, progress=_say)
    for d in dirs:
        v = api.scenario_verdict(d)
        _echo(f"{d.name}: winner {v['winner']}. {v['text']}")
    _echo(f"Wrote {len(dirs)} scenario folder(s) under {out}/; compare them with "
          f"'haiplan scenario compare {out} --out OUT'")


@_command(scenario_app, "compare")
def scenario_compare(
    dirs: list[Path] = typer.Argument(..., help="Result folders of 'scenario run' (or their parent)"),
    out: Path = typer.Option(..., "--out", help="Folder for compare.csv, verdicts.csv, compare.html",
                             show_default="required"),
) -> None:
    """Side-by-side table (CSV) and charts (HTML) of scenario results, with a verdict per scenario."""
    c = api.compare(dirs, out=out)
    _echo(c.table[["scenario", "plan", "one_time_cost", "covered_share", "missed_or_late_mean",
                   "missed_or_late_std", "drive_hours_per_refill_mean", "cost_per_refill_mean"]]
          .to_string(index=False))
    for v in c.verdicts:
        _echo(f"{v['scenario']}: winner {v['winner']}. {v['text']}")
    _echo(f"Wrote {out}/compare.csv, verdicts.csv, compare.html")


def main() -> None:  # pragma: no cover - the console script
    """Run the command line (``python -m optimizer.cli``; the ``haiplan`` script calls ``app``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
