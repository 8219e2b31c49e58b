"""Benchmark of the closed-loop simulation: 12 weeks of a 1,000-patient national program.

A synthetic roster (``optimizer.studies.synth``, 1,000 patients, 125 nurses, seed 11) is
simulated for 12 weeks with the default events (sick days 2 %, referrals 1 % of
patients per week, leaving 1 %/week, glycerin pauses 3 % per refill, flow-rate
noise 5 %): a weekly plan plus a re-plan from each morning a nurse with visits
calls in sick. Reports wall time (total and per simulated week), peak memory,
and the run's totals, for each planner backend asked for, and the ways out of the
missed refills (issue 13 item 3): clinic refills (fee plus the patient's round trip)
and partner visits, each with its count and cost. ``--partner-cost C`` contracts a
partner team in every state of the roster at ``C`` dollars a visit (lead 3 days): the
make-or-buy comparison.

Usage::

    python bench/simulate_bench.py                                  # greedy planner
    python bench/simulate_bench.py --backends greedy ortools --ortools-limit 5
    python bench/simulate_bench.py --out bench/RESULTS_expansion.md   # replace the simulation section
    python bench/simulate_bench.py --partner-cost 350                 # and with a partner in every state
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.analysis.simulate import SimulationSettings, simulate  # noqa: E402
from optimizer.domain import Partner  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
START = dt.date(2026, 11, 23)
SECTION = "## Closed-loop simulation, {patients:,} patients × {weeks} weeks"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--nurses", type=int, default=125)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--backends", nargs="+", default=["greedy"])
    ap.add_argument("--ortools-limit", type=float, default=5.0, help="OR-Tools seconds per (re)plan")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--partner-cost", type=float, default=None,
                    help="also run with a partner team in every state at this price per visit")
    args = ap.parse_args()
    from optimizer.studies import synth
    from optimizer.io import load_roster

    t0 = time.perf_counter()
    data = synth.generate(args.patients, args.nurses, seed=11, as_of=AS_OF, plan_start=START)
    with tempfile.TemporaryDirectory() as tmp:
        synth.write(data, tmp)
        roster = load_roster(Path(tmp), as_of=AS_OF)
    t_roster = time.perf_counter() - t0
    rows = []
    for backend in args.backends:
        st = SimulationSettings(weeks=args.weeks, backend=backend, time_limit=args.ortools_limit, workers=1)
        t1 = time.perf_counter()
        res = simulate(roster, start=START, settings=st, seed=args.seed,
                       progress=lambda m: print(m, file=sys.stderr))
        wall = time.perf_counter() - t1
        rows.append((backend, wall, res))
    if args.partner_cost is not None:
        st = SimulationSettings(weeks=args.weeks, backend="greedy", workers=1)
        partners = tuple(Partner(f"Partner {s}", s, args.partner_cost, 3, chemo_certified=True)
                         for s in sorted({p.state for p in roster.patients}))
        t1 = time.perf_counter()
        res = simulate(replace(roster, partners=partners), start=START, settings=st, seed=args.seed)
        rows.append((f"greedy + partners at ${args.partner_cost:g}", time.perf_counter() - t1, res))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    section = SECTION.format(patients=args.patients, weeks=args.weeks)
    lines = [section, "",
             f"`bench/simulate_bench.py`: synthetic roster of {args.patients} patients and {args.nurses} nurses "
             f"(seed 11, built in {t_roster:.1f} s), {args.weeks} weeks from {START}, simulation seed {args.seed}, "
             "default events (sick 2 %/workday, referrals 1 % of patients/week, leaving 1 %/week, glycerin "
             "pauses 3 %/refill, flow noise σ = 5 %), haversine drive times. Each week: one plan of 7 days plus a "
             "re-plan from each morning a nurse with visits calls in sick.", "",
             "| planner | wall s | s per week | plans (weekly + re-plans) | s per plan | refills | missed | late | "
             "last-reserve-day visits | drive h / refill | visit utilization | overtime h | cost / refill | "
             "visits moved after they were confirmed |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for backend, wall, res in rows:
        t = res.totals
        label = backend if backend != "ortools" else f"ortools (time_limit {args.ortools_limit:g} s)"
        plans = args.weeks + t["replans"]
        lines.append(f"| {label} | **{wall:.1f}** | {wall / args.weeks:.2f} | {plans} | {wall / plans:.1f} | "
                     f"{t['refills']} | {t['missed_refills']} | {t['late_refills']} | "
                     f"{t['last_reserve_day_visits']} | {t['drive_hours_per_refill']:.2f} | "
                     f"{t['visit_utilization']:.3f} | {t['overtime_hours']:.1f} | {t['cost_per_refill']:.2f} | "
                     f"{t['moved_after_confirmed']} |")
    lines += ["", "Ways out of the missed refills (clinic: fee plus the patient's round trip at the IRS rate; "
              "partner: its price; total = nurse-days + clinic + partner):", "",
              "| planner | missed | clinic refills | clinic $ | patient drive h | partner refills | partner $ | "
              "nurse-day $ | total $ | total $ / refill made |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for backend, _wall, res in rows:
        t = res.totals
        lines.append(f"| {backend} | {t['missed_refills']} | {t['clinic_refills']} | {t['clinic_cost']:,.0f} | "
                     f"{t['clinic_patient_drive_hours']:.1f} | {t['partner_refills']} | {t['partner_cost']:,.0f} | "
                     f"{t['cost']:,.0f} | {t['total_cost']:,.0f} | {t['total_cost_per_refill']:.2f} |")
    lines += ["", f"Peak memory of the benchmark process: {peak:.0f} MiB. The OR-Tools planner splits its "
              "time limit over the independent parts of each week's problem but gives every part at least "
              "1 s (`SolverOptions.min_part_seconds`), so a plan takes longer than `time_limit` when there are "
              "many parts; the simulation's default planner is the greedy one. A call-out or a referral is "
              "planned by a re-plan from that day (minimal change): *visits moved after they were confirmed* "
              "counts the week's visits a re-plan moved or dropped for a call-out or capacity (not one whose refill was "
              "made meanwhile, nor a patient who left).", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if section in old:
            head, _, rest = old.partition(section)
            tail = rest.split("\n## ", 1)
            old = head + ("## " + tail[1] if len(tail) > 1 else "")
        args.out.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
