"""Scenario studies in batch: scenarios × staffing plans × seeds, locally or on Ray.

``run_scenarios`` is what ``haiplan scenario run`` calls:

1. **prepare** each scenario (in this process): load its data, apply the demand
   changes, and turn every staffing plan into actions — explicit changes as
   written, optimizer requests through the expansion MIP
   (:mod:`optimizer.analysis.expansion`), whose recommendations are written too;
2. **simulate** every (scenario, plan, seed) — the baseline staffing included —
   in parallel: a local process pool, or a Ray cluster (``ray_address``:
   ``"auto"`` joins a running cluster, an address such as ``ray://head:10001``
   a remote one, ``"local"`` starts one here). Tasks are pure functions of their
   inputs, so results do not depend on where they ran;
3. **write** one folder per scenario (atomically): ``plans.csv``, ``weekly.csv``,
   ``totals.csv``, ``summary.csv``, ``summary.json`` and, per optimized plan,
   ``plans/<plan>/recommendations.csv``, ``expansion_by_state.csv`` and
   ``recommendations.geojson``.

``compare_runs`` (``haiplan scenario compare``) reads such folders and writes a
side-by-side table (``compare.csv``) and a self-contained HTML page with
charts as inline SVG (``compare.html``; no scripts, no CDN), with a verdict per
scenario: which plan wins on missed + late refills and by how much, paired by
seed (the simulation uses common random numbers, so the same seed means the
same sick days, referrals and flow variations for every plan).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import yaml

import geodata
from optimizer.domain import Roster
from optimizer.errors import DataError, Problem
from optimizer.inputs import horizon_for, load_data, travel_provider
from optimizer.io.atomic import atomic_dir
from optimizer.io.outdir import check_out_dir
from optimizer.io.cells import restore_cell, write_csv
from optimizer.report._escape import file_stem
from optimizer.analysis.expansion import (Action, ActionKind, ExpansionResult, HireProfile, Site,
                                 build_expansion, evaluate, load_sites, optimize, write_expansion)
from optimizer.scenario import ChangeSpec, PlanSpec, Scenario, load_scenario
from optimizer.settings import DEFAULT_EXPANSION_BUDGET_USD
from optimizer.analysis.simulate import (TOTAL_COLUMNS, WEEKLY_COLUMNS, SimulationSettings, grow_demand, simulate,
                                summarize_runs)
from optimizer.rules.windows import WindowRules

__all__ = [
    "expand_scenario",
    "PreparedScenario",
    "SimTask",
    "prepare_scenario",
    "simulation_tasks",
    "run_task",
    "map_tasks",
    "run_batch",
    "run_scenarios",
    "compare_runs",
    "KEY_METRICS",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

BASELINE = "baseline"

#: Metrics of the comparison: (column, label, lower is better).
KEY_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("missed_or_late", "Missed or late refills", True),
    ("missed_refills", "Missed refills (pump reached empty: clinic fallback)", True),
    ("late_refills", "Late home refills", True),
    ("last_reserve_day_visits", "Visits in the last reserve day", True),
    ("refills", "Home refills made", False),
    ("drive_hours_per_refill", "Drive hours per refill", True),
    ("visit_utilization", "Utilization (visits / visit slots)", False),
    ("overtime_hours", "Overtime hours", True),
    ("cost_per_refill", "Cost per refill (USD)", True),
)


# --------------------------------------------------------------------------- prepare


@dataclass
class PreparedScenario:
    """A scenario ready to simulate: its roster after demand changes and each plan's actions."""

    name: str
    scenario: Scenario
    roster: Roster
    start: dt.date
    as_of: dt.date
    plans: dict[str, tuple[Action, ...]]  # "baseline" first
    plan_info: dict[str, dict[str, Any]]
    expansions: dict[str, ExpansionResult]
    sim: SimulationSettings
    hire: HireProfile
    rules: WindowRules
    seeds: list[int]
    travel: dict[str, Any] = field(default_factory=dict)


def _located(sc: Scenario, key: str, message: str) -> DataError:
    return DataError([Problem(str(sc.source or sc.name), None, key, message)])


def _resolve_change(sc: Scenario, roster: Roster, change: ChangeSpec, key: str, hire: HireProfile,
                    settings: Any) -> Action:
    """An explicit staffing change as an :class:`Action` (costs from the cost table unless given)."""
    costs = settings.costs
    kind = ActionKind(change.kind)
    if kind is ActionKind.HIRE:
        state = change.state or ""
        if change.lat is not None and change.lon is not None:
            name = change.place or f"{change.lat:.3f},{change.lon:.3f}"
            lat, lon, pop = change.lat, change.lon, 0
        else:
            towns = geodata.places(states=[state])
            match = towns[towns.name.str.casefold() == str(change.place).casefold()]
            if not len(match):
                raise _located(sc, f"{key}.place", f"no place named {change.place!r} in {state}")
            row = match.iloc[0]
            name, lat, lon, pop = str(row["name"]), float(row.lat), float(row.lon), int(row.population)
        sid = f"{state}-{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}"
        site = Site(sid, name, state, lat, lon, "scenario", pop, change.cost, change.lead_weeks)
        return Action(kind, f"HIRE-{sid}", state,
                      change.cost if change.cost is not None else costs.hire_cost(state),
                      change.lead_weeks if change.lead_weeks is not None else costs.hire_lead_weeks, site)
    if not roster.has_nurse(change.nurse or ""):
        raise _located(sc, f"{key}.nurse", f"no nurse {change.nurse!r} in the roster")
    nurse = roster.nurse(change.nurse or "")
    if kind is ActionKind.LICENSE:
        t = costs.license(change.state or "")
        return Action(kind, nurse.nurse_id, change.state or "", change.cost if change.cost is not None else t.fee,
                      change.lead_weeks if change.lead_weeks is not None else t.lead_weeks)
    cost, lead = ((costs.hai_cert, costs.hai_cert_lead_weeks) if kind is ActionKind.HAI_CERT
                  else (costs.chemo_cert, costs.chemo_cert_lead_weeks))
    return Action(kind, nurse.nurse_id, nurse.home_state, change.cost if change.cost is not None else cost,
                  change.lead_weeks if change.lead_weeks is not None else lead)


def _provider(travel: dict[str, Any]) -> Any:
    options = dict(travel.get("options") or {})
    if travel.get("provider") == "road" and travel.get("osm_file"):
        options["osm_file"] = travel["osm_file"]
    return travel_provider(travel.get("provider", "haversine"), **options)


def prepare_scenario(
    scenario: Scenario | str | Path,
    *,
    seeds: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> PreparedScenario:
    """Load a scenario, apply its demand changes, and resolve every plan into actions.

    Parameters
    ----------
    scenario
        A :class:`~optimizer.scenario.Scenario` or a scenario file.
    seeds
        Number of seeds (overrides ``simulation.seeds``).
    progress
        Called with a line per step.

    Raises
    ------
    DataError
        A plan names a nurse or place that does not exist (file and key named).
    """
    say = progress or (lambda msg: log.info(msg))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    roster, sc = load_data(sc)
    as_of = sc.as_of or dt.date.today()
    start = horizon_for(sc).start
    rules = sc.window_rules()
    roster = grow_demand(roster, growth=sc.demand.growth,
                         new_states={n.state: n.patients for n in sc.demand.new_states},
                         seed=sc.demand.seed, rules=rules)
    travel = sc.travel.model_dump(mode="json")
    provider = _provider(travel)
    base_settings = sc.expansion.to_settings()
    hire = base_settings.hire
    sites = load_sites(sc.expansion.sites.file) if sc.expansion.sites.file else None
    plans: dict[str, tuple[Action, ...]] = {BASELINE: ()}
    info: dict[str, dict[str, Any]] = {}
    expansions: dict[str, ExpansionResult] = {}
    neutral = sc.expansion.to_settings(actions=())
    base_eval = evaluate(build_expansion(roster, provider=provider, settings=neutral, on=start, rules=rules,
                                         sites=[]), ())
    info[BASELINE] = _plan_info(PlanSpec.model_construct(name=BASELINE, description="current staffing",
                                                         changes=[], budget=None, target_share=None,
                                                         actions=[]), (), base_eval, base_eval, "")
    for i, spec in enumerate(sc.plan_specs()):
        settings = sc.expansion.to_settings(actions=spec.actions)
        committed = tuple(_resolve_change(sc, roster, c, f"plans.{i}.changes.{j}", hire, settings)
                          for j, c in enumerate(spec.changes))
        message = ""
        if spec.optimizes:
            say(f"{sc.name}: optimizing plan {spec.name!r} "
                f"({'budget $%s' % format(spec.budget, ',.0f') if spec.budget is not None else 'target %.0f%%' % (100 * (spec.target_share or 0))})")
            problem = build_expansion(roster, provider=provider, settings=settings, sites=sites, on=start,
                                      rules=rules, committed=committed)
            remaining = None if spec.budget is None else max(0.0, spec.budget - sum(a.cost for a in committed))
            res = optimize(problem, budget=remaining, target_share=spec.target_share)
            expansions[spec.name] = res
            actions = committed + tuple(res.actions)
            message = res.message
            after = evaluate(build_expansion(roster, provider=provider, settings=neutral, on=start, rules=rules,
                                             sites=[], committed=actions), ())
        else:
            actions = committed
            after = evaluate(build_expansion(roster, provider=provider, settings=neutral, on=start, rules=rules,
                                             sites=[], committed=actions), ())
        plans[spec.name] = actions
        info[spec.name] = _plan_info(spec, actions, base_eval, after, message)
        say(f"{sc.name}: plan {spec.name!r}: {len(actions)} action(s), ${info[spec.name]['one_time_cost']:,.0f}, "
            f"covered {info[spec.name]['covered_share_after']:.1%} of visits/week "
            f"(baseline {base_eval.covered_share:.1%})")
    extra_referrals = {n.state: n.referrals_per_week for n in sc.demand.new_states if n.referrals_per_week}
    return PreparedScenario(
        name=sc.name, scenario=sc, roster=roster, start=start, as_of=as_of, plans=plans, plan_info=info,
        expansions=expansions, sim=sc.simulation.to_settings(extra_referrals=extra_referrals), hire=hire,
        rules=rules, seeds=sc.simulation.seed_list(seeds), travel=travel,
    )


def _plan_info(spec: PlanSpec, actions: Sequence[Action], before: Any, after: Any, message: str) -> dict[str, Any]:
    kinds = {k.value: sum(1 for a in actions if a.kind is k) for k in ActionKind}
    return {
        "plan": spec.name, "description": spec.description,
        "mode": "budget" if spec.budget is not None else "target" if spec.target_share is not None
        else ("explicit" if spec.changes else "none"),
        "budget": spec.budget, "target_share": spec.target_share,
        "actions": len(actions), **{f"n_{k}": v for k, v in kinds.items()},
        "one_time_cost": round(sum(a.cost for a in actions), 2),
        "max_lead_weeks": max((a.lead_weeks for a in actions), default=0.0),
        "covered_share_before": round(before.covered_share, 4),
        "covered_share_after": round(after.covered_share, 4),
        "visits_per_week_covered_after": round(after.covered_weight, 3),
        "patients_covered_after": after.patients_covered,
        "action_keys": ";".join(a.key for a in actions), "message": message,
    }


def expand_scenario(
    scenario: Scenario | str | Path | None = None,
    *,
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
    """One expansion study on a scenario (or data folder; ``None``: the demo), demand changes applied.

    Options left ``None`` come from the scenario's ``expansion`` section; with
    neither ``budget`` nor ``target_share`` the budget is
    :data:`optimizer.settings.DEFAULT_EXPANSION_BUDGET_USD`.
    """
    say = progress or (lambda msg: log.info(msg))
    roster, sc = load_data(scenario, as_of=as_of)
    start = horizon_for(sc).start
    rules = sc.window_rules()
    roster = grow_demand(roster, growth=sc.demand.growth,
                         new_states={n.state: n.patients for n in sc.demand.new_states},
                         seed=sc.demand.seed, rules=rules)
    settings = sc.expansion.to_settings(actions=actions)
    changes: dict[str, Any] = {}
    if cutoff_minutes is not None:
        changes["cutoff_minutes"] = float(cutoff_minutes)
    if backend is not None:
        changes["backend"] = backend
    if time_limit is not None:
        changes["time_limit"] = float(time_limit)
    if changes:
        settings = dataclasses.replace(settings, **changes)
    file = sites_file or sc.expansion.sites.file
    sites = load_sites(file) if file else None
    say(f"{sum(1 for _ in roster.active_patients())} patients, {len(roster.nurses)} nurses; "
        f"building candidate sites and options (cutoff {settings.cutoff_minutes:g} min)")
    problem = build_expansion(roster, provider=_provider(sc.travel.model_dump(mode="json")), settings=settings,
                              sites=sites, on=start, rules=rules)
    if budget is None and target_share is None:
        budget = DEFAULT_EXPANSION_BUDGET_USD
    say(f"{len(problem.sites)} candidate sites, {problem.instance.n_options} options, "
        f"{problem.instance.n_pairs} (demand, nurse) pairs; solving with {settings.backend}")
    return optimize(problem, budget=budget, target_share=target_share)


# --------------------------------------------------------------------------- tasks


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


# --------------------------------------------------------------------------- summaries


def _paired(totals: pd.DataFrame, a: str, b: str, metric: str) -> tuple[float, float, int, int]:
    """Mean and sd over seeds of ``metric(a) - metric(b)``; seeds where a is lower; seeds."""
    x = totals[totals.plan == a].set_index("seed")[metric]
    y = totals[totals.plan == b].set_index("seed")[metric]
    d = (x - y).dropna()
    if not len(d):
        return math.nan, math.nan, 0, 0
    return float(d.mean()), float(d.std(ddof=1)) if len(d) > 1 else 0.0, int((d < 0).sum()), int(len(d))


def _with_derived(totals: pd.DataFrame) -> pd.DataFrame:
    t = totals.copy()
    t["missed_or_late"] = t["missed_refills"] + t["late_refills"]
    return t


def summarize_scenario(totals: pd.DataFrame, plans: Sequence[str]) -> pd.DataFrame:
    """Per plan and metric: mean, sd, min, max over seeds, and the paired delta vs the baseline."""
    t = _with_derived(totals)
    rows = []
    for plan in plans:
        sub = t[t.plan == plan]
        summ = summarize_runs(sub.to_dict("records"))
        extra = pd.DataFrame([{"metric": "missed_or_late", "mean": float(sub.missed_or_late.mean()),
                               "std": float(sub.missed_or_late.std(ddof=1)) if len(sub) > 1 else 0.0,
                               "min": float(sub.missed_or_late.min()), "max": float(sub.missed_or_late.max()),
                               "runs": int(len(sub))}])
        summ = pd.concat([extra, summ], ignore_index=True)
        for row in summ.to_dict("records"):
            dm, ds, _, _ = _paired(t, plan, BASELINE, row["metric"]) if plan != BASELINE else (0.0, 0.0, 0, 0)
            rows.append({"plan": plan, **row, "delta_vs_baseline_mean": dm, "delta_vs_baseline_std": ds})
    out = pd.DataFrame(rows)
    for c in ("mean", "std", "min", "max", "delta_vs_baseline_mean", "delta_vs_baseline_std"):
        out[c] = out[c].astype(float).round(4)
    return out


def verdict(totals: pd.DataFrame, info: dict[str, dict[str, Any]], plans: Sequence[str],
            scenario: str = "") -> dict[str, Any]:
    """Which plan wins on missed + late refills (then cost per refill), and by how much, paired by seed."""
    t = _with_derived(totals)
    means = {p: (float(t[t.plan == p].missed_or_late.mean()), float(t[t.plan == p].cost_per_refill.mean()))
             for p in plans}
    ranked = sorted(plans, key=lambda p: (means[p][0], means[p][1], p))
    best = ranked[0]
    contenders = [p for p in ranked if p != BASELINE]
    out: dict[str, Any] = {"scenario": scenario, "winner": best, "ranking": ranked}
    parts = []
    if len(contenders) >= 2:
        a, b = contenders[0], contenders[1]
        dm, ds, wins, n = _paired(t, a, b, "missed_or_late")
        out.update({"best_plan": a, "runner_up": b, "delta_missed_or_late": dm, "delta_sd": ds,
                    "seeds_better": wins, "seeds": n})
        parts.append(f"{a} beats {b} by {-dm:.1f} missed or late refills over the run (mean of {n} seeds, "
                     f"paired sd {ds:.1f}; better on {wins} of {n} seeds), for ${info[a]['one_time_cost']:,.0f} "
                     f"vs ${info[b]['one_time_cost']:,.0f} one-time cost")
    if contenders:
        a = contenders[0]
        dm, ds, wins, n = _paired(t, a, BASELINE, "missed_or_late")
        out.update({"delta_vs_baseline": dm, "delta_vs_baseline_sd": ds})
        parts.append(f"{a} vs baseline: {dm:+.1f} missed or late refills (paired sd {ds:.1f}; better on "
                     f"{wins} of {n} seeds)")
    if len(ranked) > 1 and abs(means[ranked[0]][0] - means[ranked[1]][0]) < 1e-9:
        parts.insert(0, f"tie on missed or late refills between {ranked[0]} and {ranked[1]}, "
                        "decided by cost per refill")
    out["text"] = "; ".join(parts) if parts else f"{best} only"
    return out


def _write_scenario(p: PreparedScenario, weekly: pd.DataFrame, totals: pd.DataFrame, out: Path) -> Path:
    plans = list(p.plans)
    w = weekly[weekly.scenario == p.name]
    t = totals[totals.scenario == p.name]
    summ = summarize_scenario(t, plans)
    v = verdict(t, p.plan_info, plans, p.name)
    target = out / file_stem(p.name, fallback="scenario")  # a safe, bounded folder name
    with atomic_dir(target, kind="scenario") as tmp:
        (tmp / "scenario.yaml").write_text(
            yaml.safe_dump(p.scenario.model_dump(mode="json", exclude={"source"}), sort_keys=False), "utf-8")
        write_csv(pd.DataFrame([p.plan_info[x] for x in plans]), tmp / "plans.csv")
        write_csv(w, tmp / "weekly.csv")
        write_csv(t, tmp / "totals.csv")
        write_csv(summ, tmp / "summary.csv")
        for name, res in p.expansions.items():
            write_expansion(res, tmp / "plans" / name)
        patients = sum(1 for _ in p.roster.active_patients())
        (tmp / "summary.json").write_text(json.dumps({
            "scenario": p.name, "description": p.scenario.description, "start": p.start.isoformat(),
            "as_of": p.as_of.isoformat(), "patients": patients, "nurses": len(p.roster.nurses),
            "weeks": p.sim.weeks, "seeds": p.seeds, "plans": plans, "verdict": v,
            "simulation": {k: (dict(v_) if isinstance(v_, dict) else v_)
                           for k, v_ in p.sim.__dict__.items()},
        }, indent=1, default=str), encoding="utf-8")
    return target


def run_scenarios(
    paths: Sequence[str | Path | Scenario],
    *,
    out: str | Path,
    seeds: int | None = None,
    workers: int = 1,
    ray_address: str | None = None,
    ray_init: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Prepare, simulate and write every scenario; returns the result folders (one per scenario).

    Parameters
    ----------
    paths
        Scenario files (or objects).
    out
        Parent folder; each scenario writes ``out/<name>/`` whole or not at all.
    seeds
        Seeds per plan (overrides the files' ``simulation.seeds``).
    workers, ray_address, ray_init
        Where the simulations run (:func:`map_tasks`).
    progress
        Called with a line per step.
    """
    say = progress or (lambda msg: log.info(msg))
    scenarios = [x if isinstance(x, Scenario) else load_scenario(x) for x in paths]
    for sc in scenarios:  # refuse a result folder before any expansion MIP or simulation
        check_out_dir(Path(out) / file_stem(sc.name, fallback="scenario"), kind="scenario",
                      inputs=[x for x in (sc.source, sc.data.dir) if x is not None])
    prepared = [prepare_scenario(x, seeds=seeds, progress=say) for x in scenarios]
    names = [p.name for p in prepared]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError([Problem(str(p.scenario.source or p.name), None, "name",
                                 f"scenario name {p.name!r} used by more than one file") for p in prepared
                         if p.name in dup])
    n_tasks = sum(len(p.plans) * len(p.seeds) for p in prepared)
    where = f"Ray ({ray_address})" if ray_address else f"{workers} local process(es)"
    say(f"simulating {n_tasks} run(s) on {where}")
    weekly, totals = run_batch(prepared, workers=workers, ray_address=ray_address, ray_init=ray_init)
    out = Path(out)
    dirs = []
    for p in prepared:
        dirs.append(_write_scenario(p, weekly, totals, out))
        say(f"wrote {dirs[-1]}")
    return dirs


# --------------------------------------------------------------------------- compare


def _result_dirs(paths: Sequence[str | Path]) -> list[Path]:
    found: list[Path] = []
    for p in map(Path, paths):
        if (p / "totals.csv").exists():
            found.append(p)
        elif p.is_dir():
            found += sorted(d for d in p.iterdir() if d.is_dir() and (d / "totals.csv").exists())
    if not found:
        raise DataError([Problem(str(p), None, None, "no scenario results (totals.csv) found here")
                         for p in paths])
    return found


def compare_table(dirs: Sequence[str | Path]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """One row per (scenario, plan): plan facts, metric means and sds, paired deltas vs baseline."""
    rows = []
    verdicts = []
    for d in _result_dirs(dirs):
        info = pd.read_csv(d / "plans.csv", keep_default_na=False).map(restore_cell).to_dict("records")
        info_by = {r["plan"]: r for r in info}
        totals = pd.read_csv(d / "totals.csv")
        summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        plans = [r["plan"] for r in info]
        t = _with_derived(totals)
        for plan in plans:
            sub = t[t.plan == plan]
            r = info_by[plan]
            row: dict[str, Any] = {
                "scenario": summary["scenario"], "plan": plan, "description": r.get("description", ""),
                "actions": r["actions"], "hires": r.get("n_hire", 0), "licenses": r.get("n_license", 0),
                "certifications": int(r.get("n_hai_cert", 0) or 0) + int(r.get("n_chemo_cert", 0) or 0),
                "one_time_cost": r["one_time_cost"], "max_lead_weeks": r["max_lead_weeks"],
                "covered_share": r["covered_share_after"], "seeds": int(len(sub)), "weeks": summary["weeks"],
            }
            for col, _, _ in KEY_METRICS:
                row[f"{col}_mean"] = round(float(sub[col].mean()), 4)
                row[f"{col}_std"] = round(float(sub[col].std(ddof=1)), 4) if len(sub) > 1 else 0.0
                if plan != BASELINE:
                    dm, ds, _, _ = _paired(t, plan, BASELINE, col)
                    row[f"{col}_delta_vs_baseline"] = round(dm, 4)
                else:
                    row[f"{col}_delta_vs_baseline"] = 0.0
            rows.append(row)
        verdicts.append(verdict(totals, info_by, plans, summary["scenario"]))
    return pd.DataFrame(rows), verdicts


def _fmt(x: float) -> str:
    """A number for people: thousands separated, three significant digits below 100."""
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _svg_bars(table: pd.DataFrame, metric: str, title: str, lower_better: bool) -> str:
    """A horizontal bar chart (mean ± sd per scenario/plan) as inline SVG."""
    labels = [f"{s} · {p}" for s, p in zip(table.scenario, table.plan)]
    means = table[f"{metric}_mean"].astype(float).to_numpy()
    sds = table[f"{metric}_std"].astype(float).fillna(0).to_numpy()
    top = float(np.nanmax(means + sds)) if len(means) else 1.0
    top = top if top > 0 else 1.0
    bar_h, gap, left, width = 16, 6, 260, 360
    height = 30 + len(labels) * (bar_h + gap) + 20
    palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
    plan_colors: dict[str, str] = {}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="4" y="16" font-size="13" font-weight="bold">{html.escape(title)}'
             f'{" (lower is better)" if lower_better else ""}</text>']
    y = 30
    for lab, m, s, plan, sc in zip(labels, means, sds, table.plan, table.scenario):
        color = "#9d9d9d" if plan == BASELINE else plan_colors.setdefault(plan, palette[len(plan_colors) % len(palette)])
        w = 0 if not math.isfinite(m) else width * m / top
        parts.append(f'<text x="{left - 6}" y="{y + bar_h - 4}" font-size="11" text-anchor="end">'
                     f'{html.escape(lab)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                     f'<title>{html.escape(lab)}: {_fmt(m)} ± {_fmt(s)}</title></rect>')
        if s > 0 and math.isfinite(m):
            x0, x1 = left + width * max(m - s, 0) / top, left + width * (m + s) / top
            cy = y + bar_h / 2
            parts.append(f'<line x1="{x0:.1f}" y1="{cy}" x2="{x1:.1f}" y2="{cy}" stroke="#222" stroke-width="1"/>')
            for x in (x0, x1):
                parts.append(f'<line x1="{x:.1f}" y1="{cy - 4}" x2="{x:.1f}" y2="{cy + 4}" stroke="#222"/>')
        parts.append(f'<text x="{left + w + 6 + (width * s / top if s > 0 else 0):.1f}" y="{y + bar_h - 4}" '
                     f'font-size="11">{_fmt(m)}</text>')
        y += bar_h + gap
    parts.append("</svg>")
    return "".join(parts)


def _html(table: pd.DataFrame, verdicts: list[dict[str, Any]]) -> str:
    cols = ["scenario", "plan", "actions", "hires", "licenses", "certifications", "one_time_cost",
            "max_lead_weeks", "covered_share", "seeds", "weeks"]
    metric_cols = []
    for col, label, _ in KEY_METRICS:
        metric_cols.append((col, label))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "".join(
        f"<th>{html.escape(label)}<br><small>mean ± sd (Δ vs baseline)</small></th>" for _, label in metric_cols)
    body = []
    for r in table.to_dict("records"):
        cells = []
        for c in cols:
            v = r[c]
            if c == "one_time_cost":
                v = f"${float(v):,.0f}"
            elif c == "covered_share":
                v = f"{float(v):.1%}"
            cells.append(f"<td>{html.escape(str(v))}</td>")
        for col, _ in metric_cols:
            m, s, d = r[f"{col}_mean"], r[f"{col}_std"], r[f"{col}_delta_vs_baseline"]
            delta = "" if r["plan"] == BASELINE else f" <small>({'+' if d >= 0 else ''}{_fmt(d)})</small>"
            cells.append(f"<td>{_fmt(m)} ± {_fmt(s)}{delta}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    charts = "".join(f"<figure>{_svg_bars(table, col, label, lower)}</figure>" for col, label, lower in KEY_METRICS)
    verdict_html = "".join(f"<li><b>{html.escape(v['scenario'])}</b>: winner <b>{html.escape(v['winner'])}</b>. "
                           f"{html.escape(v['text'])}</li>" for v in verdicts)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scenario comparison</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th {{ background: #f3f3f3; }}
td:nth-child(1), td:nth-child(2) {{ text-align: left; }}
figure {{ display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }}
</style></head><body>
<h1>Scenario comparison</h1>
<p>Closed-loop simulations of each staffing plan against the baseline, over the same seeds (common random
numbers: the same sick days, referrals and flow variations for every plan). Missed = a pump reached its real
empty date with no home visit (clinic fallback); late = a home refill after the real window closed.
Generated {generated}. No patient identifiers or locations are shown.</p>
<h2>Verdicts</h2><ul>{verdict_html}</ul>
<h2>Table</h2>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>
<h2>Charts</h2>{charts}
</body></html>
"""


def compare_runs(dirs: Sequence[str | Path], *, out: str | Path) -> dict[str, Path]:
    """Write ``compare.csv``, ``verdicts.csv`` and ``compare.html`` (inline SVG charts) to ``out``."""
    check_out_dir(out, inputs=dirs, kind="compare")
    table, verdicts = compare_table(dirs)
    out = Path(out)
    with atomic_dir(out, kind="compare") as tmp:
        write_csv(table, tmp / "compare.csv")
        write_csv(pd.DataFrame([{k: (";".join(v) if isinstance(v, list) else v) for k, v in x.items()}
                                for x in verdicts]), tmp / "verdicts.csv")
        (tmp / "compare.html").write_text(_html(table, verdicts), encoding="utf-8")
    return {"csv": out / "compare.csv", "verdicts": out / "verdicts.csv", "html": out / "compare.html"}
