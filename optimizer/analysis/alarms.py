"""The danger first (issue 12 item 4): overdue refills and pumps already empty when a horizon starts.

A refill whose window closed before the horizon starts is overdue (SPEC §5: an alarm, the most
urgent of all); when the pump's empty date is before the horizon too, the pump is already dry.
``haiplan plan`` and ``haiplan validate`` list them by patient id and date before anything
else, as operational screen output (never as log records).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from optimizer.arguments import instance_of, roster_arg
from optimizer.domain import Horizon, Roster
from optimizer.errors import ArgumentError
from optimizer.planning.plan import Plan
from optimizer.planning.problem import due_refills
from optimizer.rules.windows import WindowRules

__all__ = ["Alarm", "find_alarms", "headline", "alarm_lines", "alarm_counts"]


@dataclass(frozen=True, slots=True)
class Alarm:
    """One overdue refill.

    Attributes
    ----------
    patient_id, state
        Who (operational output only).
    due, window_end, empty
        The refill's due date, the last day of its window (before the horizon) and the day
        the pump runs dry.
    pump_empty
        The pump is dry before the horizon starts (``empty`` < start).
    """

    patient_id: str
    state: str
    due: dt.date
    window_end: dt.date
    empty: dt.date
    pump_empty: bool


def find_alarms(roster: Roster, horizon: Horizon, *, rules: WindowRules | None = None) -> list[Alarm]:
    """The overdue refills of ``roster`` at the start of ``horizon``, pumps already empty first.

    Returns
    -------
    list of Alarm
        Ordered by empty date, then patient id (the gravest first).

    Raises
    ------
    optimizer.errors.ArgumentError
        ``roster``, ``horizon`` or ``rules`` of another kind (one line naming it).
    """
    roster_arg(roster)
    instance_of(horizon, Horizon, "horizon", "api.horizon_for(...) gives one", optional=False)
    instance_of(rules, WindowRules, "rules", "a scenario's window_rules() gives one")
    refills, _later = due_refills(roster, horizon, rules=rules or WindowRules())
    out = [Alarm(r.patient_id, r.patient.state, r.window.due, r.window.end, r.window.empty,
                 r.window.empty_before(horizon)) for r in refills if r.overdue]
    return sorted(out, key=lambda a: (not a.pump_empty, a.empty, a.patient_id))


def _alarms_arg(alarms: object) -> None:
    """``alarms`` is a list of :class:`Alarm` (:func:`find_alarms` gives one), else an :class:`ArgumentError`."""
    if not isinstance(alarms, (list, tuple)) or not all(isinstance(a, Alarm) for a in alarms):
        raise ArgumentError(f"alarms must be a list of Alarm (api.find_alarms(...) gives one), not "
                            f"{type(alarms).__name__}")


def headline(alarms: list[Alarm]) -> str:
    """E.g. ``"6 refills overdue, 1 pump empty since 2026-11-22"`` (``""`` when there is none)."""
    _alarms_arg(alarms)
    if not alarms:
        return ""
    n = len(alarms)
    text = f"{n} refill{'s' if n != 1 else ''} overdue"
    empty = sorted(a.empty for a in alarms if a.pump_empty)
    if len(empty) == 1:
        text += f", 1 pump empty since {empty[0]}"
    elif empty:
        text += f", {len(empty)} pumps empty (the first since {empty[0]})"
    return text


def _fate(alarm: Alarm, plan: Plan | None) -> str:
    """What ``plan`` does with the overdue refill: its visit, or why it is not placed."""
    if plan is None:
        return ""
    # the overdue refill's visit carries the alarm (a later fill of the same patient does not)
    visit = next((v for v in plan.visits if v.patient_id == alarm.patient_id and v.alarm), None)
    if visit is not None:
        return (f"; planned {visit.date:%a} {visit.date} {visit.start:%H:%M} with {visit.nurse_id} "
                f"(stop {visit.seq})")
    miss = next((u for u in plan.unassigned if u.patient_id == alarm.patient_id), None)
    return f"; NOT PLANNED ({miss.reason})" if miss is not None else "; NOT PLANNED"


def alarm_lines(alarms: list[Alarm], *, plan: Plan | None = None) -> list[str]:
    """The headline, then one line per overdue refill with its dates (and its visit in ``plan``)."""
    _alarms_arg(alarms)
    instance_of(plan, Plan, "plan", "a PlanResult's plan")
    if not alarms:
        return []
    lines = [f"DANGER: {headline(alarms)}"]
    for a in alarms:
        what = (f"pump EMPTY since {a.empty}" if a.pump_empty
                else f"refill overdue (window closed {a.window_end}), pump runs dry {a.empty}")
        lines.append(f"  {a.patient_id} ({a.state}): {what}; due {a.due}{_fate(a, plan)}")
    return lines


def alarm_counts(alarms: list[Alarm], *, plan: Plan | None = None) -> dict[str, object]:
    """Counts for summary.json (no patient ids): overdue, empty, earliest empty date, planned."""
    empty = sorted(a.empty for a in alarms if a.pump_empty)
    out: dict[str, object] = {
        "refills_overdue": len(alarms),
        "pumps_empty": len(empty),
        "first_pump_empty_since": empty[0].isoformat() if empty else None,
    }
    if plan is not None:
        ids = {a.patient_id for a in alarms}
        out["overdue_planned"] = sum(1 for v in plan.visits if v.patient_id in ids and v.alarm)
    return out
