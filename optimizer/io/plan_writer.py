"""Write and read plan folders (SPEC §6): visits, nurse_days, unassigned, summary, map.

A plan that kept visits (confirmed visits, a re-plan) also gets ``changes.csv``; with
``confirm_days`` the first days' visits are written as ``confirmed_visits.csv``, the
input table next week's run reads (SPEC §4). :func:`read_plan` reads a folder back
(``haiplan replan --previous``).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import MISSING, fields
from datetime import date, datetime, timedelta
from pathlib import Path

from optimizer.domain import Roster
from optimizer.errors import DataError, ProblemCollector
from optimizer.io._fields import shown
from optimizer.io._rows import not_in
from optimizer.io.atomic import atomic_dir
from optimizer.io.cells import restore_cell, write_rows
from optimizer.planning.keep import CHANGE_COLUMNS, Change
from optimizer.planning.plan import (DEFERRED_COLUMNS, NURSE_DAY_COLUMNS, UNASSIGNED_COLUMNS, VISIT_COLUMNS,
                                     Deferred, NurseDayPlan, Plan, PlannedVisit, Unassigned)
from optimizer.rules.eligibility import Reason

__all__ = ["write_plan", "summary_dict", "read_plan", "CONFIRMED_COLUMNS", "confirmed_rows"]

CONFIRMED_COLUMNS = ("patient_id", "nurse_id", "date", "start")
"""``confirmed_visits.csv`` (SPEC §4), as the loader reads it."""


class _Coordinate(float):
    """A latitude or longitude cell: written with 6 decimals (about 0.1 m), not the 2 of money."""


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, _Coordinate):
        return f"{value:.6f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _row(obj: object) -> tuple:
    """A flat record's fields as a tuple: :func:`dataclasses.astuple` without its deep copy (every field of
    the plan's records is a plain value: text, number, date, time, enum), a second on a national plan."""
    return tuple(getattr(obj, f.name) for f in fields(obj))  # type: ignore[arg-type]


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
    confirm_days: int | None = None,
    alternatives: tuple[tuple[str, ...], list[tuple]] | None = None,
    options: list[str] | None = None,
) -> Path:
    """Write ``plan`` to ``out_dir`` atomically; ``extras`` write more files (e.g. ``map.html``).

    Each extra is called with the file's path inside the temporary folder; if any
    raises, nothing is written. ``changes.csv`` is written when the plan kept visits;
    ``confirm_days`` writes the first N days' visits as ``confirmed_visits.csv``.
    ``alternatives`` (columns, rows) is written as ``alternatives.csv`` and ``options`` (the best way
    out of each unassigned refill, in order) as the ``options`` column of ``unassigned.csv`` (SPEC §6).
    """
    with atomic_dir(out_dir, kind="plan") as tmp:
        _write_csv(tmp / "visits.csv", VISIT_COLUMNS, [_row(v) for v in plan.visits])
        _write_csv(tmp / "nurse_days.csv", NURSE_DAY_COLUMNS, [_day_row(d) for d in plan.nurse_days])
        if options is None:
            _write_csv(tmp / "unassigned.csv", UNASSIGNED_COLUMNS, [_row(u) for u in plan.unassigned])
        else:
            _write_csv(tmp / "unassigned.csv", UNASSIGNED_COLUMNS + ("options",),
                       [_row(u) + (o,) for u, o in zip(plan.unassigned, options, strict=True)])
        if alternatives is not None:
            _write_csv(tmp / "alternatives.csv", alternatives[0], alternatives[1])
        _write_csv(tmp / "deferred.csv", DEFERRED_COLUMNS, [_row(d) for d in plan.deferred])
        if plan.changes is not None:
            _write_csv(tmp / "changes.csv", CHANGE_COLUMNS, [_row(c) for c in plan.changes])
        if confirm_days is not None:
            _write_csv(tmp / "confirmed_visits.csv", CONFIRMED_COLUMNS, confirmed_rows(plan, confirm_days))
        (tmp / "summary.json").write_text(
            json.dumps(summary_dict(plan, extra=summary_extra), indent=2, sort_keys=False) + "\n")
        for name, writer in (extras or {}).items():
            writer(tmp / name)
    return Path(out_dir)


_POINT_COLUMNS = frozenset({"start_lat", "start_lon", "end_lat", "end_lon"})


def _day_row(day: NurseDayPlan) -> tuple:
    """A ``nurse_days.csv`` row: start/end points (home or an overnight trip's lodging) to 6 decimals,
    so a day that ends away and the next day that starts there name the same point. Numbers, not
    text: a negative longitude written as text would be quoted as a formula-looking cell."""
    return tuple(_Coordinate(round(v, 6)) if name in _POINT_COLUMNS and isinstance(v, float) else v
                 for name, v in zip(NURSE_DAY_COLUMNS, _row(day)))


def confirmed_rows(plan: Plan, days: int) -> list[tuple]:
    """The visits of the plan's first ``days`` days as ``confirmed_visits.csv`` rows (start HH:MM)."""
    last = plan.horizon_start + timedelta(days=days - 1)
    return [(v.patient_id, v.nurse_id, v.date, v.start.strftime("%H:%M"))
            for v in sorted(plan.visits, key=lambda v: (v.date, v.nurse_id, v.seq)) if v.date <= last]


def _parse(kind: str, text: str) -> object:
    """A cell of our own CSVs back to its value, by the field's annotation."""
    text = restore_cell(text)
    optional = kind.endswith("| None")
    kind = kind.removesuffix("| None").strip()
    if text == "" and (optional or kind in ("date", "datetime")):
        return None
    parsers: dict[str, Callable[[str], object]] = {
        "date": date.fromisoformat, "datetime": datetime.fromisoformat, "int": int, "float": float,
        "Reason": lambda t: Reason(t) if t in Reason._value2member_map_ else t}
    return parsers.get(kind, str)(text)


_KINDS = {"date": "a date (YYYY-MM-DD)", "datetime": "a date and time (YYYY-MM-DDTHH:MM:SS)",
          "int": "a whole number", "float": "a number"}
"""How a cell of each type is named in a located problem."""


def _required(cls: type) -> list[str]:
    """The fields of ``cls`` without a default: the columns a plan table must have."""
    return [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]


def _read_table(path: Path, cls: type, errors: ProblemCollector, names: dict[str, str] | None = None,
                *, check: Callable[[object, int, ProblemCollector], None] | None = None) -> list:
    """Rows of a plan CSV as ``cls`` objects (columns matched to fields; ``names`` renames).

    Every cell that does not parse, and every missing column, is recorded in ``errors`` with its
    row and column (nothing raised here); ``check`` is called with each parsed object and its row."""
    if not path.exists():
        return []
    names = names or {}
    column_of = {v: k for k, v in names.items()}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = {names.get(restore_cell(k), restore_cell(k)) for k in reader.fieldnames or ()}
    except UnicodeDecodeError as exc:
        errors.add(None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}): not a file haiplan wrote")
        return []
    missing = [f for f in _required(cls) if f not in header]
    for f in missing:
        errors.add(1, column_of.get(f, f), "required column is missing")
    if missing:
        return []
    out = []
    for number, row in enumerate(rows, start=2):
        row = {names.get(restore_cell(k), restore_cell(k)): v for k, v in row.items() if k is not None}
        values, ok = {}, True
        for f in fields(cls):
            if f.name not in header:
                continue
            kind = str(f.type)
            try:
                values[f.name] = _parse(kind, row[f.name] or "")
            except ValueError:
                expected = _KINDS.get(kind.removesuffix("| None").strip(), "a value")
                errors.add(number, column_of.get(f.name, f.name), f"not {expected}: {shown(row[f.name] or '')}")
                ok = False
        if ok:
            obj = cls(**values)
            if check is not None:
                check(obj, number, errors)
            out.append(obj)
    return out


def read_plan(folder: str | Path, *, roster: Roster | None = None, before: date | None = None) -> Plan:
    """A plan folder written by :func:`write_plan`, read back (visits, nurse-days, unassigned,
    deferred, changes, horizon and solver info; not the extras).

    Parameters
    ----------
    folder
        The plan folder.
    roster, before
        A re-plan's inputs and date: every visit and nurse-day of the folder dated before
        ``before`` stays as it was, so its nurse and patient must be in ``roster``.

    Raises
    ------
    FileNotFoundError
        When the folder has no ``summary.json`` or ``visits.csv``.
    DataError
        Every cell that does not parse, missing column, nurse-day whose ``visits`` count is not
        that of visits.csv, and (with ``roster``) unknown id before ``before``, by file, row and column.
    """
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text())
    if not (folder / "visits.csv").exists():
        raise FileNotFoundError(f"{folder / 'visits.csv'}: not a plan folder")
    collectors = {name: ProblemCollector(str(folder / name)) for name in
                  ("visits.csv", "nurse_days.csv", "unassigned.csv", "deferred.csv", "changes.csv")}
    ids = {} if roster is None else {
        "nurse_id": ({n.nurse_id for n in roster.nurses}, "nurses",
                     " (a nurse who left: with time off from that date)"),
        "patient_id": ({p.patient_id for p in roster.patients}, "patients", "")}

    def known(obj: object, number: int, errors: ProblemCollector) -> None:
        if before is None or obj.date >= before:  # type: ignore[attr-defined]
            return
        for column, (ids_of, table, hint) in ids.items():
            value = getattr(obj, column, None)
            if value is not None and value not in ids_of:
                errors.add(number, column, f"{not_in(value, column, ids_of, table=table)}: what the plan made "
                                           f"before the re-plan date {before} stays as it was; keep the row in "
                                           f"{table}{hint} or re-plan from an earlier date")

    visits = _read_table(folder / "visits.csv", PlannedVisit, collectors["visits.csv"], check=known)
    nurse_days = _read_table(folder / "nurse_days.csv", NurseDayPlan, collectors["nurse_days.csv"],
                             {"return": "return_"}, check=known)
    if not collectors["visits.csv"].problems and not collectors["nurse_days.csv"].problems:
        _check_counts(visits, nurse_days, collectors["nurse_days.csv"])
    plan = Plan(
        visits=visits,
        nurse_days=nurse_days,
        unassigned=_read_table(folder / "unassigned.csv", Unassigned, collectors["unassigned.csv"]),
        horizon_start=date.fromisoformat(summary["horizon"]["start"]),
        horizon_days=int(summary["horizon"]["days"]),
        solver=dict(summary.get("solver", {})),
        deferred=_read_table(folder / "deferred.csv", Deferred, collectors["deferred.csv"]),
        changes=_read_table(folder / "changes.csv", Change, collectors["changes.csv"])
        if (folder / "changes.csv").exists() else None,
    )
    problems = [p for c in collectors.values() for p in c.problems]
    if problems:
        raise DataError(problems)
    return plan


def _check_counts(visits: list[PlannedVisit], nurse_days: list[NurseDayPlan], errors: ProblemCollector) -> None:
    """Each nurse-day row counts the visits visits.csv gives its nurse and date (an edited or damaged
    folder, not one a re-plan may keep as it was); ``errors`` are nurse_days.csv's, which holds one
    row per line when both tables parsed (``errors`` empty)."""
    count = Counter((v.nurse_id, v.date) for v in visits)
    for number, d in enumerate(nurse_days, start=2):
        n = count.get((d.nurse_id, d.date), 0)
        if d.visits != n:
            errors.add(number, "visits", f"{d.visits} visit(s), but visits.csv has {n} for {shown(d.nurse_id)} "
                                         f"on {d.date}")
