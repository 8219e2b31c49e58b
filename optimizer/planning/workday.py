"""A nurse-day's working time in the terms of the one schedule: blocked time and the break.

Part-day time off (``time_off.csv`` start/end, SPEC §4) becomes blocked
intervals: no visit and no drive in them, waiting across them allowed. The
break (``break_minutes`` in a day of more than
:data:`optimizer.settings.BREAK_AFTER_WORK_MINUTES` of work, SPEC §5 routes) is
placed by :func:`optimizer.routing.timing.time_route`, at lunch time
(:data:`optimizer.settings.BREAK_PREFERRED`) among equally short schedules.
Minutes are since midnight of the day; the routing model shifts them by the day's offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from optimizer import settings
from optimizer.domain import Nurse, Roster, minutes_of

__all__ = ["BreakTerms", "break_terms", "blocked_minutes"]


@dataclass(frozen=True, slots=True)
class BreakTerms:
    """The keyword arguments of :func:`~optimizer.routing.timing.time_route` for a nurse's break."""

    break_duration: int
    break_after: int
    break_preferred: tuple[int, int]

    def shifted(self, offset: int) -> dict[str, object]:
        """The terms on a clock that starts ``offset`` minutes earlier (the model's day offset)."""
        a, b = self.break_preferred
        return {"break_duration": self.break_duration, "break_after": self.break_after,
                "break_preferred": (a + offset, b + offset)}


def break_terms(nurse: Nurse) -> BreakTerms:
    """``nurse.break_minutes`` after :data:`~optimizer.settings.BREAK_AFTER_WORK_MINUTES` of work."""
    early, late = settings.BREAK_PREFERRED
    return BreakTerms(int(nurse.break_minutes), int(settings.BREAK_AFTER_WORK_MINUTES),
                      (minutes_of(time.fromisoformat(early)), minutes_of(time.fromisoformat(late))))


def blocked_minutes(roster: Roster, nurse: Nurse, day: date) -> tuple[tuple[int, int], ...]:
    """The part-day time off inside the nurse's day (shift start to shift end plus overtime)."""
    start = minutes_of(nurse.shift_start)
    end = minutes_of(nurse.shift_end) + nurse.max_overtime_minutes
    free = roster.working_intervals(nurse, day, overtime=True)
    if not free:  # no working time at all (such a nurse-day is normally never built)
        return ((start, end),) if end > start else ()
    out, t = [], start
    for a, b in free:
        if a > t:
            out.append((t, a))
        t = max(t, b)
    if t < end:
        out.append((t, end))
    return tuple(out)
