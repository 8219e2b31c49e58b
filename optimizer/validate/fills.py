"""Which fill each visit makes: ``fill_no`` 1..k per patient in date order, each fill's window.

Fill 1's window comes from the roster; fill k+1's from fill k's visit date through the
shared rule :func:`optimizer.rules.windows.next_fill`. A visits.csv without ``fill_no``
(an older plan) holds fill 1 only: a second visit of a patient is a double booking.
"""

from __future__ import annotations

from datetime import date

from optimizer.rules.windows import next_fill, refill_window
from optimizer.validate.base import Context, Fill

__all__ = ["fills_of"]

Row = dict[str, str]


def fills_of(ctx: Context, pid: str, rows: list[Row], *, numbered: bool) -> tuple[list[Fill], list[Fill]]:
    """The fill each of a patient's visit rows makes (same order as ``rows``), and the chain of fills.

    Parameters
    ----------
    ctx
        The run's context (violations go there).
    pid
        The patient.
    rows
        The patient's visit rows (known nurse; an active patient, or an inactive one visited
        before a re-plan's date).
    numbered
        Whether visits.csv carries ``fill_no``. When it does not, every row is taken
        as fill 1 (an older plan).

    Returns
    -------
    fills, chain
        One :class:`Fill` per row; and the patient's fills in date order, ending with the
        fill after the last visit (the first fill when there is no visit; for an older plan,
        fill 1 alone).
    """
    patient = ctx.roster.patient(pid)
    first = Fill(patient, ctx.windows[pid] if pid in ctx.windows else refill_window(patient, rules=ctx.rules))
    if not numbered:
        if len(rows) > 1:
            ctx.bad("double_booking", f"patient visited {len(rows)} times", patient_id=pid)
        return [first] * len(rows), [first]
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["date"], _rank(rows[i])))
    _check_numbers(ctx, pid, [rows[i] for i in order])
    fills: dict[int, Fill] = {}
    chain = [first]
    for i in order:
        fills[i] = chain[-1]
        p = next_fill(chain[-1].patient, date.fromisoformat(rows[i]["date"]), rules=ctx.rules)
        chain.append(Fill(p, refill_window(p, rules=ctx.rules)))
    return [fills[i] for i in range(len(rows))], chain


def _check_numbers(ctx: Context, pid: str, rows: list[Row]) -> None:
    """``fill_no`` is 1..k in date order, one visit per date and per fill."""
    dates = [r["date"] for r in rows]
    numbers = [_number(r) for r in rows]
    if len(set(dates)) < len(dates) or len(set(numbers)) < len(numbers):
        ctx.bad("double_booking", f"patient visited {len(rows)} times, twice on one date or for one fill",
                patient_id=pid)
        return
    if numbers != [str(k) for k in range(1, len(rows) + 1)]:
        ctx.bad("fill_no", f"fill_no {', '.join(numbers)} in date order; expected 1..{len(rows)}",
                patient_id=pid)


def _number(row: Row) -> str:
    return (row.get("fill_no") or "").strip()


def _rank(row: Row) -> int:
    number = _number(row)
    return int(number) if number.isdigit() else 1 << 30
