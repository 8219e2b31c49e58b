"""Reports: offline maps, the plan report, Excel and iCalendar exports, the coverage folder.

* :func:`leadership_map` — coverage for leadership, de-identified by construction.
* :func:`operations_map` — routes, numbered stops, unassigned refills (internal).
* :func:`plan_report` — one self-contained HTML page per plan.
* :func:`export_excel`, :func:`export_ics` — hand-outs for planners and nurses.
* :func:`write_plan_extras` — ``report.html``, ``plan.xlsx``, ``ics/`` into a plan folder.
* :func:`write_coverage` — what ``haiplan coverage`` writes.

Every map and page works offline: Leaflet is inlined (see :mod:`optimizer.report._assets`).
"""

from __future__ import annotations

from datetime import datetime

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from optimizer.analysis.coverage import analyze_coverage, capacity_vs_demand
from optimizer.io.atomic import atomic_dir
from optimizer.io.cells import write_csv
from optimizer.report.exports import export_excel, export_ics
from optimizer.report.maps import leadership_map, operations_map
from optimizer.report.report import HtmlDocument, plan_report

__all__ = [
    "leadership_map", "operations_map", "plan_report", "export_excel", "export_ics",
    "write_plan_extras", "write_coverage", "HtmlDocument",
]


def write_plan_extras(result: Any, out_dir: str | Path, *, tiles: str | None = None,
                      stamp: "datetime | None" = None) -> list[Path]:
    """Write ``report.html``, ``plan.xlsx`` and ``ics/<nurse_id>.ics`` into a plan folder.

    Parameters
    ----------
    result
        An :class:`optimizer.api.PlanResult` (``plan``, ``problem``, ``provider``).
    out_dir
        The plan folder (for an atomic write, the temporary folder being filled).
    tiles
        Optional web tiles for the report's map.
    stamp
        The "generated" time written into the files; fixed for reproducible bytes (default now).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    alts = getattr(result, "alternatives", None)  # the ways out of the unassigned refills (issue 13 item 2)
    options = alts.options_column() if alts is not None else None
    written = [plan_report(result.plan, result.problem, provider=result.provider, tiles=tiles, stamp=stamp,
                           options=options).save(out / "report.html")]
    written.append(export_excel(result.plan, result.problem, out / "plan.xlsx", stamp=stamp, options=options))
    written += export_ics(result.plan, result.problem, out / "ics", stamp=stamp)
    return written


def write_coverage(
    roster: Any,
    out_dir: str | Path,
    *,
    provider: Any,
    as_of: dt.date,
    start: dt.date,
    weeks: int = 8,
    cutoffs: Sequence[int] = (60, 120, 180, 240),
    map_cutoff: int = 120,
    regions: Mapping[str, str] | None = None,
    plan_result: Any = None,
    tiles: str | None = None,
    rules: Any = None,
) -> Path:
    """Coverage tables, capacity vs demand and the maps, written atomically to ``out_dir``.

    ``leadership/`` holds only what leadership may receive (de-identified):
    ``coverage_by_state.csv``, ``coverage_by_county.csv`` (small counties banded),
    ``capacity_by_state.csv``, ``capacity_by_region.csv``, ``leadership_map.html`` and
    ``summary.json``. ``operations/`` holds the identified, internal files:
    ``coverage_patients.csv``, ``coverage_by_county.csv`` (exact counts),
    ``coverage_nurses.csv``, ``capacity_nurses.csv`` and ``operations_map.html`` (when a
    ``plan_result`` is given).

    Parameters
    ----------
    roster
        The validated roster.
    out_dir
        Output folder (replaced whole, or left as it was on failure).
    provider
        Travel provider.
    as_of
        Data date (licenses; the map title).
    start
        First day of the capacity outlook.
    weeks, cutoffs, map_cutoff, regions, rules
        See :func:`optimizer.analysis.coverage.analyze_coverage` and
        :func:`optimizer.analysis.coverage.capacity_vs_demand`.
    plan_result
        A plan of the same roster for the operations map (skipped when ``None``).
    tiles
        Optional web tiles (needs internet at view time).

    Returns
    -------
    pathlib.Path
    """
    cov = analyze_coverage(roster, provider=provider, as_of=as_of, cutoffs=cutoffs, regions=regions)
    cap = capacity_vs_demand(roster, start=start, provider=provider, weeks=weeks, regions=regions, rules=rules)
    view = cov.leadership_view()
    with atomic_dir(out_dir, kind="coverage") as tmp:
        lead, ops = tmp / "leadership", tmp / "operations"
        lead.mkdir()
        ops.mkdir()
        # leadership/: aggregates only (counties under the small-cell threshold banded)
        write_csv(view.by_state, lead / "coverage_by_state.csv")
        write_csv(view.by_county, lead / "coverage_by_county.csv")
        write_csv(cap.by_state, lead / "capacity_by_state.csv")
        write_csv(cap.by_region, lead / "capacity_by_region.csv")
        leadership_map(view, provider=provider, cutoff=map_cutoff, tiles=tiles).save(lead / "leadership_map.html")
        # operations/: per-patient and per-nurse rows, exact county counts, routes
        write_csv(cov.patients, ops / "coverage_patients.csv")
        write_csv(cov.by_county, ops / "coverage_by_county.csv")
        write_csv(cov.nurses, ops / "coverage_nurses.csv")
        write_csv(cap.nurses, ops / "capacity_nurses.csv")
        if plan_result is not None:
            operations_map(plan_result.plan, plan_result.problem, provider=provider,
                           tiles=tiles).save(ops / "operations_map.html")
        short = cap.short("region")
        summary = {
            "as_of": as_of.isoformat(), "capacity_start": start.isoformat(), "weeks": weeks,
            "cutoffs_min": list(cov.cutoffs), "map_cutoff_min": map_cutoff,
            "travel_provider": getattr(provider, "name", ""),
            "totals": {k: (None if v != v else v) for k, v in view.totals.items()},
            "short_region_weeks": [f"{w} {r}" for w, r in zip(short["week"], short["region"])],
        }
        (lead / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return Path(out_dir)
