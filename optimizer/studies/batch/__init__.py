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

from optimizer.studies.batch.compare import KEY_METRICS, compare_runs, compare_table
from optimizer.studies.batch.prepare import BASELINE, PreparedScenario, expand_scenario, prepare_scenario
from optimizer.studies.batch.results import run_scenarios, summarize_scenario, verdict
from optimizer.studies.batch.runner import SimTask, map_tasks, run_batch, run_task, simulation_tasks

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
    "BASELINE",
    "compare_table",
    "summarize_scenario",
    "verdict",
]
