"""`haiplan`: a thin command line over :mod:`optimizer.api`.

Exit codes: 0 ok, 1 the plan check found violations, 2 bad input or a refused ``--out``
(nothing written).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from optimizer.errors import DataError
from optimizer.io.outdir import OutputFolderError
from optimizer.settings import DEFAULT_EXPANSION_BUDGET_USD

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Plan home refills of HAI pumps: validate data, plan, check, map coverage.")
log = logging.getLogger("haiplan")


def _say(msg: str) -> None:
    typer.echo(f"[haiplan] {msg}", err=True)


def _fail(exc: DataError) -> None:
    typer.echo(exc.render(limit=200), err=True)
    typer.echo("Nothing was written.", err=True)
    raise typer.Exit(2)


def _refuse(exc: OutputFolderError) -> None:
    typer.echo(f"Error: {exc}. Nothing was written.", err=True)
    raise typer.Exit(2)


@contextmanager
def _guarded() -> Iterator[None]:
    """Bad input or a refused output folder: a located message, exit 2, no traceback."""
    try:
        yield
    except DataError as exc:
        _fail(exc)
    except OutputFolderError as exc:
        _refuse(exc)


def _check_out(out: Path | None, *, data: object = None, extra: Iterable[Path | None] = (),
               kind: str = "output", force: bool = False) -> None:
    """Refuse ``--out`` before any work (see :func:`optimizer.api.check_out`)."""
    if out is None:
        return
    from optimizer import api

    with _guarded():
        api.check_out(out, data=data, extra=extra, kind=kind, force=force)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


DataArg = typer.Argument(None, help="Data folder (patients/nurses/time_off) or scenario .yaml; "
                                   "default: the built-in demo")


@app.command()
def validate(
    data: Optional[Path] = DataArg,
    start: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"], help="Horizon start"),
    days: Optional[int] = typer.Option(None, min=1, max=28),
    as_of: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"], help="Data date (default today)"),
    out: Optional[Path] = typer.Option(None, help="Write the summary tables (CSV) to this folder"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Validate the input files and summarize them: states, eligibility, windows, alarms."""
    _setup_logging(verbose)
    from optimizer import api
    from optimizer.analysis.roster_report import summarize_roster

    _check_out(out, data=data, kind="validate")
    try:
        roster, sc = api.load_data(data, as_of=as_of.date() if as_of else None)
    except DataError as exc:
        _fail(exc)
    horizon = api.horizon_for(sc, start=start.date() if start else None, days=days)
    s = summarize_roster(roster, horizon, provider=api.travel_provider(sc.travel.provider),
                         rules=sc.window_rules())
    typer.echo(f"OK: {len(roster.patients)} patients ({sum(1 for _ in roster.active_patients())} active), "
               f"{len(roster.nurses)} nurses, {len(roster.time_off)} days off")
    typer.echo(f"Horizon {horizon.start}..{horizon.end}: {s.refills_due} refills due, "
               f"{s.later} windows open later")
    typer.echo("\nBy state:\n" + s.by_state.to_string(index=False))
    typer.echo("\nWindows per day:\n" + s.windows_per_day.to_string(index=False))
    typer.echo(f"\nPatients with no eligible nurse at all: {len(s.no_eligible)}")
    if len(s.no_eligible):
        typer.echo(s.no_eligible.groupby(["state", "reason"]).size().rename("patients").to_string())
    typer.echo(f"\nAlarms: {len(s.alarms)}")
    if len(s.alarms):
        typer.echo(s.alarms.groupby("alarm").size().rename("patients").to_string())
    if out:
        from optimizer.io.atomic import atomic_dir
        from optimizer.io.cells import write_csv

        with _guarded(), atomic_dir(out, kind="validate") as tmp:
            write_csv(s.by_state, tmp / "by_state.csv")
            write_csv(s.no_eligible, tmp / "no_eligible_nurse.csv")
            write_csv(s.windows_per_day, tmp / "windows_per_day.csv")
            write_csv(s.alarms, tmp / "alarms.csv")
        typer.echo(f"\nWrote {out}/")


@app.command()
def synth(
    out: Path = typer.Argument(..., help="Folder to write patients.csv, nurses.csv, time_off.csv"),
    patients: int = typer.Option(300, min=1),
    nurses: int = typer.Option(35, min=1),
    seed: int = typer.Option(0),
    states: Optional[str] = typer.Option(None, help="Footprint, e.g. 'NY;NJ;PA' (default 25 states + DC)"),
    as_of: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"], help="Data date (default today)"),
    chemo_share: float = typer.Option(0.6, min=0, max=1, help="Share of chemo-certified nurses"),
    plan_start: Optional[dt.datetime] = typer.Option(
        None, formats=["%Y-%m-%d"], help="First planning day: no refill is overdue then (default as_of)"),
    bbox: Optional[str] = typer.Option(
        None, help="Place everyone inside WEST,SOUTH,EAST,NORTH (e.g. an OSM extract's area)"),
    force: bool = typer.Option(False, "--force", help="Replace an existing roster in OUT"),
) -> None:
    """Generate a synthetic, contract-valid national roster (deterministic by seed)."""
    from optimizer.studies import synth as gen
    from optimizer.io.atomic import atomic_dir
    from optimizer.io.outdir import ROSTER, check_out_dir

    with _guarded():
        check_out_dir(out, kind=ROSTER, force=force)

    footprint = [s.strip().upper() for s in states.replace(",", ";").split(";")] if states else None
    data = gen.generate(patients, nurses, seed=seed, states=footprint,
                        as_of=as_of.date() if as_of else dt.date.today(),
                        plan_start=plan_start.date() if plan_start else None, chemo_share=chemo_share)
    if bbox:
        box = tuple(float(x) for x in bbox.split(","))
        if len(box) != 4:
            raise typer.BadParameter("--bbox needs WEST,SOUTH,EAST,NORTH")
        data = gen.localize(data, bbox=box, seed=seed)
    with _guarded(), atomic_dir(out, kind=ROSTER, force=force) as tmp:
        gen.write(data, tmp)
    typer.echo(f"Wrote {patients} patients, {nurses} nurses to {out}/")


def _solver_options(sc, backend, time_limit, iterations, seed, workers):
    from optimizer.planning.planner import SolverOptions

    s = sc.solver
    return SolverOptions(backend=backend or s.backend, time_limit=time_limit or s.time_limit,
                         max_iterations=iterations or s.max_iterations,
                         seed=s.seed if seed is None else seed, workers=workers or s.workers)


def _provider(sc, travel, osm):
    from optimizer import api

    name = travel or sc.travel.provider
    osm_file = osm or sc.travel.osm_file
    return api.travel_provider(name, osm_file=osm_file, **sc.travel.options) if name == "road" \
        else api.travel_provider(name, **sc.travel.options)


def _print_kpis(plan, path: Path | None) -> None:
    k = plan.kpis()
    typer.echo(f"Plan {plan.horizon_start} +{plan.horizon_days}d: {k['visits']} visits of "
               f"{k['refills_due']} refills due (on-time {k['on_time_rate']:.1%}), "
               f"{k['nurses_used']} nurses on {k['nurse_days']} nurse-days")
    typer.echo(f"  unassigned: {k['unassigned']} {k['unassigned_by_reason'] or ''}")
    typer.echo(f"  drive: {k['drive_hours']} h, {k['drive_minutes_per_visit']} min/visit; "
               f"overtime {k['overtime_minutes']} min; cost ${k['cost']:,.0f} (${k['cost_per_visit']}/visit)")
    typer.echo(f"  visits in last reserve day: {k['visits_in_last_reserve_day']}; min reserve days left: "
               f"{k['min_reserve_days_left']}; overdue refills planned: {k['alarms_planned']}")
    s = plan.solver
    typer.echo(f"  solver: {s.get('backend')} {s.get('status')} in {s.get('runtime_s', '-')} s "
               f"({s.get('parts', 1)} part(s)){'; ' + s['note'] if s.get('note') else ''}")
    if path:
        typer.echo(f"Wrote {path}/")


@app.command()
def plan(
    data: Optional[Path] = DataArg,
    start: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"]),
    days: Optional[int] = typer.Option(None, min=1, max=28),
    out: Path = typer.Option(Path("plan"), help="Plan folder (written whole or not at all)"),
    time_limit: Optional[float] = typer.Option(None, help="Seconds for the solver"),
    iterations: Optional[int] = typer.Option(None, help="Deterministic work limit (identical plans)"),
    backend: Optional[str] = typer.Option(None, help="ortools | pyvrp | greedy"),
    seed: Optional[int] = typer.Option(None),
    workers: Optional[int] = typer.Option(None, help="Parallel processes for independent parts"),
    travel: Optional[str] = typer.Option(None, help="haversine | road"),
    osm: Optional[Path] = typer.Option(None, help="OSM file (.osm/.pbf) for --travel road"),
    as_of: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"]),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Plan refill visits: which nurse, which day, in what order; write the plan folder."""
    _setup_logging(verbose)
    from optimizer import api

    _check_out(out, data=data, extra=(osm,), kind="plan")
    try:
        roster, sc = api.load_data(data, as_of=as_of.date() if as_of else None)
        provider = _provider(sc, travel, osm)
    except DataError as exc:
        _fail(exc)
    horizon = api.horizon_for(sc, start=start.date() if start else None, days=days)
    opts = _solver_options(sc, backend, time_limit, iterations, seed, workers)
    _say(f"planning {horizon.start}..{horizon.end} with {opts.backend} "
         f"({'%d iterations' % opts.max_iterations if opts.max_iterations else '%g s' % opts.time_limit})")
    result = api.plan(roster, start=horizon.start, days=horizon.days, provider=provider,
                      rules=sc.window_rules(), options=opts, progress=_say)
    with _guarded():
        api.write_plan_folder(result, out)
    _print_kpis(result.plan, out)


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo-plan"), help="Plan folder"),
    time_limit: Optional[float] = typer.Option(None),
    backend: Optional[str] = typer.Option(None),
) -> None:
    """Plan the built-in demo (scenarios/demo.yaml), check it, and print the KPIs."""
    from optimizer import api

    _check_out(out, data=None, kind="plan")
    roster, sc = api.load_data(None)
    provider = _provider(sc, None, None)
    horizon = api.horizon_for(sc)
    opts = _solver_options(sc, backend, time_limit, None, None, None)
    _say(f"demo: {len(roster.patients)} patients, {len(roster.nurses)} nurses; "
         f"planning {horizon.start}..{horizon.end} with {opts.backend} ({opts.time_limit:g} s)")
    result = api.plan(roster, start=horizon.start, days=horizon.days, provider=provider,
                      rules=sc.window_rules(), options=opts, progress=_say)
    with _guarded():
        api.write_plan_folder(result, out)
    _print_kpis(result.plan, out)
    violations = api.check(roster, out, provider=provider, rules=sc.window_rules())
    typer.echo(f"Independent check: {len(violations)} violation(s)")
    for v in violations[:20]:
        typer.echo(f"  {v}")
    if violations:
        raise typer.Exit(1)


@app.command()
def check(
    data: Path = typer.Argument(..., help="Data folder or scenario .yaml the plan was made from"),
    plan_dir: Path = typer.Argument(..., help="Plan folder"),
    travel: Optional[str] = typer.Option(None),
    osm: Optional[Path] = typer.Option(None),
    as_of: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"]),
) -> None:
    """Check a plan against every rule, recomputed from the inputs; exit 1 on violations."""
    from optimizer import api

    try:
        roster, sc = api.load_data(data if str(data) != "demo" else None,
                                   as_of=as_of.date() if as_of else None)
        provider = _provider(sc, travel, osm)
    except DataError as exc:
        _fail(exc)
    violations = api.check(roster, plan_dir, provider=provider, rules=sc.window_rules())
    for v in violations:
        typer.echo(str(v))
    typer.echo(f"{len(violations)} violation(s)")
    if violations:
        raise typer.Exit(1)


@app.command()
def coverage(
    data: Optional[Path] = DataArg,
    out: Path = typer.Option(Path("out/coverage"), help="Folder for the tables and maps (written whole)"),
    as_of: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"], help="Data date (default today)"),
    start: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"],
                                                help="First day of the 8-week capacity outlook"),
    weeks: int = typer.Option(8, min=1, max=52, help="Weeks of capacity vs demand"),
    cutoffs: str = typer.Option("60;120;180;240", help="Drive-time cutoffs in minutes, ';'-separated"),
    map_cutoff: int = typer.Option(120, help="Cutoff of the leadership map's service areas and choropleth"),
    regions: Optional[Path] = typer.Option(None, help="CSV state,region (default: US Census regions)"),
    travel: Optional[str] = typer.Option(None, help="haversine | road"),
    osm: Optional[Path] = typer.Option(None, help="OSM file for --travel road"),
    tiles: Optional[str] = typer.Option(None, help="Add a web tile layer (needs internet when viewing), "
                                                   "e.g. OpenStreetMap"),
    backend: str = typer.Option("greedy", help="Planner for the operations map: greedy | ortools | pyvrp | none"),
) -> None:
    """Coverage within drive-time cutoffs, 8-week capacity vs demand, leadership and operations maps."""
    from optimizer import api
    from optimizer.analysis.coverage import load_regions
    from optimizer.report import write_coverage

    _check_out(out, data=data, extra=(osm, regions), kind="coverage")
    try:
        roster, sc = api.load_data(data, as_of=as_of.date() if as_of else None)
        provider = _provider(sc, travel, osm)
    except DataError as exc:
        _fail(exc)
    data_date = (as_of.date() if as_of else None) or sc.as_of or dt.date.today()
    horizon = api.horizon_for(sc, start=start.date() if start else None)
    cuts = tuple(sorted({int(c) for c in cutoffs.replace(",", ";").split(";") if c.strip()}))
    if map_cutoff not in cuts:
        cuts = tuple(sorted(set(cuts) | {map_cutoff}))
    result = None
    if backend != "none":
        opts = _solver_options(sc, backend, None, None, None, None)
        _say(f"planning {horizon.start}..{horizon.end} with {opts.backend} for the operations map")
        result = api.plan(roster, start=horizon.start, days=horizon.days, provider=provider,
                          rules=sc.window_rules(), options=opts)
    with _guarded():
        write_coverage(roster, out, provider=provider, as_of=data_date, start=horizon.start, weeks=weeks,
                       cutoffs=cuts, map_cutoff=map_cutoff,
                       regions=load_regions(str(regions)) if regions else None,
                       plan_result=result, tiles=tiles, rules=sc.window_rules())
    import pandas as pd

    st = pd.read_csv(out / "leadership" / "coverage_by_state.csv")
    st = st[st["patients"] > 0]
    typer.echo(f"Coverage as of {data_date}: {int(st['patients'].sum())} patients in {len(st)} states")
    typer.echo(st[["state", "patients"] + [f"covered_{c}min" for c in cuts]
                  + ["licensed_nurses", "single_nurse_patients", "no_nurse_patients"]].to_string(index=False))
    reg = pd.read_csv(out / "leadership" / "capacity_by_region.csv")
    flagged = reg[reg["status"].isin(["short", "no_nurse", "tight"])]
    typer.echo(f"\nCapacity vs demand, {weeks} weeks from {horizon.start}: "
               f"{len(flagged)} region-week(s) flagged")
    if len(flagged):
        typer.echo(flagged[["week", "region", "demand_visits", "capacity_visits", "short_visits",
                            "no_nurse_visits", "utilization", "status"]].to_string(index=False))
    typer.echo(f"\nWrote {out}/: leadership/ is de-identified (maps and tables to share); "
               "operations/ is not (patient list, routes)")


# --------------------------------------------------------------------------- expansion studies (issue 6)

scenario_app = typer.Typer(add_completion=False, no_args_is_help=True,
                           help="Scenario studies: run scenario files in batch, compare their results.")
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("run")
def scenario_run(
    files: list[Path] = typer.Argument(..., help="Scenario .yaml files"),
    out: Path = typer.Option(Path("out/scenarios"), help="Parent folder: one result folder per scenario"),
    seeds: Optional[int] = typer.Option(None, min=1, help="Seeds per plan (default: each file's simulation.seeds)"),
    workers: int = typer.Option(2, min=1, help="Local processes for the simulations"),
    ray: Optional[str] = typer.Option(None, "--ray", help="Run on Ray: 'auto', a cluster address, or 'local'"),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Expansion plans and closed-loop simulations of each scenario (baseline vs plans × seeds)."""
    _setup_logging(verbose)
    import json

    from optimizer.studies.batch import run_scenarios

    with _guarded():
        dirs = run_scenarios(files, out=out, seeds=seeds, workers=workers, ray_address=ray, progress=_say)
    for d in dirs:
        v = json.loads((d / "summary.json").read_text(encoding="utf-8"))["verdict"]
        typer.echo(f"{d.name}: winner {v['winner']}. {v['text']}")
    typer.echo(f"Wrote {len(dirs)} scenario folder(s) under {out}/; compare them with "
               f"'haiplan scenario compare {out} --out OUT'")


@scenario_app.command("compare")
def scenario_compare(
    dirs: list[Path] = typer.Argument(..., help="Result folders of 'scenario run' (or their parent)"),
    out: Path = typer.Option(..., "--out", help="Folder for compare.csv, verdicts.csv, compare.html"),
) -> None:
    """Side-by-side table (CSV) and charts (HTML) of scenario results, with a verdict per scenario."""
    from optimizer.studies.batch import compare_runs

    with _guarded():
        paths = compare_runs(dirs, out=out)
    import pandas as pd

    table = pd.read_csv(paths["csv"])
    typer.echo(table[["scenario", "plan", "one_time_cost", "covered_share", "missed_or_late_mean",
                      "missed_or_late_std", "drive_hours_per_refill_mean", "cost_per_refill_mean"]]
               .to_string(index=False))
    for v in pd.read_csv(paths["verdicts"], keep_default_na=False).to_dict("records"):
        typer.echo(f"{v['scenario']}: winner {v['winner']}. {v['text']}")
    typer.echo(f"Wrote {out}/compare.csv, verdicts.csv, compare.html")


@app.command()
def expand(
    data: Optional[Path] = DataArg,
    budget: Optional[float] = typer.Option(
        None, min=0, help=f"Budget in USD (default {DEFAULT_EXPANSION_BUDGET_USD:,.0f})"),
    target: Optional[float] = typer.Option(None, min=0, max=1, help="Reach this covered share at least cost"),
    actions: Optional[str] = typer.Option(None, help="Allowed kinds, e.g. 'hire;license;hai_cert;chemo_cert'"),
    cutoff: Optional[float] = typer.Option(None, help="Drive-time cutoff, minutes one way"),
    sites: Optional[Path] = typer.Option(None, help="Candidate sites CSV (name,state,lat,lon)"),
    backend: Optional[str] = typer.Option(None, help="MIP backend: highs | scip | cbc"),
    time_limit: Optional[float] = typer.Option(None, help="MIP time limit, seconds"),
    out: Path = typer.Option(Path("out/expansion"), help="Folder for recommendations and the map layer"),
    as_of: Optional[dt.datetime] = typer.Option(None, formats=["%Y-%m-%d"]),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Where to hire, whom to license where, whom to certify: ranked actions with gains and costs."""
    _setup_logging(verbose)
    from optimizer.studies.batch import expand_scenario
    from optimizer.analysis.expansion import write_expansion
    from optimizer.io.atomic import atomic_dir

    kinds = [a.strip() for a in actions.replace(",", ";").split(";") if a.strip()] if actions else None
    _check_out(out, data=data, extra=(sites,), kind="expansion")
    try:
        result = expand_scenario(data, budget=budget, target_share=target, cutoff_minutes=cutoff, actions=kinds,
                                 sites_file=sites, backend=backend, time_limit=time_limit,
                                 as_of=as_of.date() if as_of else None, progress=_say)
    except DataError as exc:
        _fail(exc)
    with _guarded(), atomic_dir(out, kind="expansion") as tmp:
        write_expansion(result, tmp)
        _recommendations_map(result, tmp / "recommendations_map.html")
    s = result.summary()
    sol = s["solver"]
    typer.echo(f"MIP {sol['backend']} {sol['status']} in {sol['runtime_s']} s, gap {sol['gap']}"
               f"{'; ' + s['message'] if s['message'] else ''}")
    typer.echo(f"Covered visits/week: {s['visits_per_week_covered_before']} -> {s['visits_per_week_covered_after']} "
               f"of {s['visits_per_week_total']} ({s['covered_share_before']:.1%} -> {s['covered_share_after']:.1%}); "
               f"patients covered {s['patients_covered_before']} -> {s['patients_covered_after']}; "
               f"{s['actions']} action(s) for ${s['cost']:,.0f}")
    recs = result.recommendations
    if len(recs):
        typer.echo(recs[["rank", "label", "state", "cost", "lead_weeks", "visits_per_week_absorbed",
                         "patients_covered", "drive_hours_saved_per_week"]].to_string(index=False))
    typer.echo(f"Wrote {out}/")


def _recommendations_map(result, path: Path) -> None:
    """The de-identified leadership map with the ranked actions as a layer."""
    from optimizer import api
    from optimizer.analysis.coverage import analyze_coverage
    from optimizer.analysis.expansion import map_layer
    from optimizer.report import leadership_map

    roster = result.problem.roster
    provider = api.travel_provider()
    view = analyze_coverage(roster, provider=provider, as_of=result.problem.on).leadership_view()
    leadership_map(view, provider=provider, recommendations=map_layer(result),
                   title="HAI coverage and recommended actions").save(path)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
