"""Scenario results: per-plan summaries, the verdict paired by seed, and one folder per scenario.

:func:`run_scenarios` is what ``haiplan scenario run`` calls: prepare, simulate, write.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from optimizer.analysis.expansion import write_expansion
from optimizer.analysis.simulate import summarize_runs
from optimizer.errors import UsageError
from optimizer.io.atomic import atomic_dir
from optimizer.io.cells import write_csv
from optimizer.inputs import scenario_start
from optimizer.io.outdir import check_out_dir
from optimizer.report._escape import file_stem
from optimizer.scenario import Scenario, load_scenario
from optimizer.studies.batch.prepare import BASELINE, PreparedScenario, prepare_scenario
from optimizer.studies.batch.runner import run_batch

__all__ = ["summarize_scenario", "verdict", "run_scenarios"]

log = logging.getLogger(__package__)  # the batch package's logger, as before the split


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
    def one_time(p: str) -> float:
        return 0.0 if p == BASELINE else float((info.get(p) or {}).get("one_time_cost") or 0.0)

    # ties: the cheaper per refill, then the smaller one-time cost, then the baseline (doing nothing)
    ranked = sorted(plans, key=lambda p: (means[p][0], means[p][1], one_time(p), p != BASELINE, p))
    best = ranked[0]
    contenders = [p for p in ranked if p != BASELINE]
    out: dict[str, Any] = {"scenario": scenario, "winner": best, "ranking": ranked}
    parts = []
    if len(contenders) >= 2:
        a, b = contenders[0], contenders[1]
        dm, ds, wins, n = _paired(t, a, b, "missed_or_late")
        out.update({"best_plan": a, "runner_up": b, "delta_missed_or_late": dm, "delta_sd": ds,
                    "seeds_better": wins, "seeds": n})
        how = f"ties with {b} on" if abs(dm) < 0.05 else f"beats {b} by {-dm:.1f}"
        parts.append(f"{a} {how} missed or late refills over the run (mean of {n} seeds, "
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
                        "decided by cost per refill, then one-time cost, then the baseline")
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


def _one_folder_each(scenarios: Sequence[Scenario], out: str | Path) -> None:
    """Refuse, before any work, two scenarios that would write the same result folder (the same
    ``name``, or names that make the same folder name): one :class:`UsageError` naming both files."""
    seen: dict[str, Scenario] = {}
    for sc in scenarios:
        folder = file_stem(sc.name, fallback="scenario")
        first = seen.setdefault(folder, sc)
        if first is not sc:
            where = [str(x.source) if x.source else f"(a Scenario object named {x.name!r})" for x in (first, sc)]
            raise UsageError(f"scenario files {where[0]} and {where[1]} both name the scenario {first.name!r}"
                             + (f" / {sc.name!r}" if sc.name != first.name else "")
                             + f": both would write {Path(out) / folder}; give each scenario its own name")


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
    _one_folder_each(scenarios, out)
    for sc in scenarios:  # a first day far from the data date, before any scenario's work
        try:
            scenario_start(sc)
        except UsageError as exc:
            raise UsageError(f"scenario file {sc.source or sc.name}: {exc}") from None
    for sc in scenarios:  # refuse a result folder before any expansion MIP or simulation
        check_out_dir(Path(out) / file_stem(sc.name, fallback="scenario"), kind="scenario",
                      inputs=[x for x in (sc.source, sc.data.dir) if x is not None])
    prepared = [prepare_scenario(x, seeds=seeds, progress=say) for x in scenarios]
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
