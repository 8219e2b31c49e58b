"""Write and read plan folders (SPEC §6): visits, nurse_days, unassigned, summary, map."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import astuple
from datetime import timedelta
from pathlib import Path

from optimizer.io.atomic import atomic_dir
from optimizer.io.cells import write_rows
from optimizer.planning.plan import DEFERRED_COLUMNS, NURSE_DAY_COLUMNS, UNASSIGNED_COLUMNS, VISIT_COLUMNS, Plan

__all__ = ["write_plan", "summary_dict"]


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One plan table; text that a spreadsheet would evaluate is written quoted (``'=...``)."""
    write_rows(path, columns, rows, fmt=_fmt)


def summary_dict(plan: Plan, *, extra: dict | None = None) -> dict:
    """``summary.json``: horizon, counts, drive totals, on-time rate, cost, solver."""
    out = {
        "horizon": {
            "start": plan.horizon_start.isoformat(),
            "end": (plan.horizon_start + timedelta(days=plan.horizon_days - 1)).isoformat(),
            "days": plan.horizon_days,
        },
        **plan.kpis(),
        "solver": plan.solver,
    }
    if extra:
        out.update(extra)
    return out


def write_plan(
    plan: Plan,
    out_dir: str | Path,
    *,
    extras: dict[str, Callable[[Path], None]] | None = None,
    summary_extra: dict | None = None,
) -> Path:
    """Write ``plan`` to ``out_dir`` atomically; ``extras`` write more files (e.g. ``map.html``).

    Each extra is called with the file's path inside the temporary folder; if any
    raises, nothing is written.
    """
    with atomic_dir(out_dir, kind="plan") as tmp:
        _write_csv(tmp / "visits.csv", VISIT_COLUMNS, [astuple(v) for v in plan.visits])
        _write_csv(tmp / "nurse_days.csv", NURSE_DAY_COLUMNS, [astuple(d) for d in plan.nurse_days])
        _write_csv(tmp / "unassigned.csv", UNASSIGNED_COLUMNS, [astuple(u) for u in plan.unassigned])
        _write_csv(tmp / "deferred.csv", DEFERRED_COLUMNS, [astuple(d) for d in plan.deferred])
        (tmp / "summary.json").write_text(
            json.dumps(summary_dict(plan, extra=summary_extra), indent=2, sort_keys=False) + "\n")
        for name, writer in (extras or {}).items():
            writer(tmp / name)
    return Path(out_dir)
