"""A small real roster whose ids are attacks: script probes, formula probes, colliding file names.

Each script probe, if it ever ran, would set ``window.__pwned`` (or call
``alert``); each formula probe would be a live spreadsheet formula. The roster
is synthetic (real geography, one state), written to CSV with the hostile ids,
read back by the product's own loader and planned greedily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 3, 2)  # a Monday

#: Patient ids: script probes in every context we write (HTML text, attributes, template literals,
#: script blocks), quote and backslash breakers, and spreadsheet formula probes.
PATIENT_PROBES: tuple[str, ...] = (
    "P${window.__pwned=1}",
    "P`+(window.__pwned=2)+`",
    "P'\";window.__pwned=3;//",
    "P</script><script>window.__pwned=4</script>",
    "P<img src=x onerror=window.__pwned=5>",
    "P${alert(1)}",
    "P${'x'}\\u{zz}",
    '=HYPERLINK("http://x.invalid","y")',
    "+1-P",
    "-2",
    "@SUM(A1)",
    "'quoted",
    "P\"><svg onload=window.__pwned=6>",
    "P{{7*7}}{% if 1 %}T{% endif %}",  # folium renders output through Jinja again
)
#: Nurse ids: the same kinds of probe, and two ids that a naive file name would merge.
NURSE_PROBES: tuple[str, ...] = (
    "N${window.__pwned=11}",
    "N`-(window.__pwned=12)-`",
    "N'\"</script><img src=x onerror=window.__pwned=13>",
    "=N+1",
    "N/4",
    "N_4",
    "N{{7*7}}",
)
#: Indexes of :data:`PATIENT_PROBES` placed where no nurse may practice.
UNASSIGNED_AT: tuple[int, ...] = (1, 4, 8, 11)
FORMULA_PROBES = tuple(p for p in PATIENT_PROBES + NURSE_PROBES if p[0] in "=+-@")


@dataclass(frozen=True)
class Hostile:
    folder: Path
    roster: Any
    provider: Any
    result: Any  # optimizer.api.PlanResult
    patients: dict[str, str]  # probe id -> synthetic id it replaced
    nurses: dict[str, str]


def _rename(series: Any, mapping: dict[str, str]) -> Any:
    return series.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)


@lru_cache(maxsize=1)
def hostile(root: str) -> Hostile:
    """Write, load and plan the hostile roster under ``root`` (once per test process)."""
    from optimizer import api
    from optimizer.studies import synth
    from optimizer.planning.planner import SolverOptions

    s = synth.generate(40, len(NURSE_PROBES), seed=7, states="OH", as_of=AS_OF, plan_start=AS_OF,
                       infusate_mix={"heparinized_saline": 1.0}, rural_share=0.0, zip_only_share=0.0,
                       multistate_share=1.0)
    pmap = dict(zip(s.patients["patient_id"], PATIENT_PROBES))
    nmap = dict(zip(s.nurses["nurse_id"], NURSE_PROBES))
    s.patients["patient_id"] = _rename(s.patients["patient_id"], pmap)
    s.patients["preferred_nurse_id"] = _rename(s.patients["preferred_nurse_id"], nmap)
    s.nurses["nurse_id"] = _rename(s.nurses["nurse_id"], nmap)
    # every nurse lives next to some patients, so every nurse gets visits
    homes = s.patients.iloc[:: max(1, len(s.patients) // len(s.nurses))][["lat", "lon"]].to_numpy()
    s.nurses[["lat", "lon"]] = homes[: len(s.nurses)]
    s.nurses["workdays"] = "Mon;Tue;Wed;Thu;Fri"
    s.nurses["chemo_certified"] = True
    s.nurses["max_visits_per_day"] = 2
    s.time_off["nurse_id"] = _rename(s.time_off["nurse_id"], nmap)
    # a few probes live in Michigan (not in the nurse compact; no nurse holds a license there):
    # they are listed unassigned, the others planned
    away = s.patients.index[list(UNASSIGNED_AT)]
    s.patients.loc[away, "lat"] = [42.33 + 0.01 * i for i in range(len(away))]
    s.patients.loc[away, "lon"] = -83.05
    if "state" in s.patients:
        s.patients.loc[away, "state"] = "MI"
    if "zip" in s.patients:
        s.patients.loc[away, "zip"] = None
    folder = Path(root) / "roster"
    synth.write(s, folder)
    roster, _ = api.load_data(folder, as_of=AS_OF)
    provider = api.travel_provider("haversine")
    result = api.plan(roster, start=AS_OF, days=14, provider=provider, options=SolverOptions(backend="greedy"))
    return Hostile(folder, roster, provider, result, {v: k for k, v in pmap.items()},
                   {v: k for k, v in nmap.items()})
