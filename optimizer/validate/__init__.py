"""Independent plan validator (SPEC §7): every rule of §5 recomputed from the inputs.

It reads a plan folder's CSV files and the roster, recomputes refill windows and
eligibility with :mod:`optimizer.rules.windows` and :mod:`optimizer.rules.eligibility`, and
travel times with the provider. It never looks at the planner or its state (nothing here
imports :mod:`optimizer.planning`).

Modules by concern: :mod:`~optimizer.validate.check` (the entry point),
:mod:`~optimizer.validate.visits` (each visit: window, eligibility, holiday, patient away,
times), :mod:`~optimizer.validate.fills` (``fill_no`` and each fill's window through
:func:`optimizer.rules.windows.next_fill`), :mod:`~optimizer.validate.routes` (each
nurse-day: overdue refills first, legs, times, totals,
cost), :mod:`~optimizer.validate.week` (part-day time off,
breaks), :mod:`~optimizer.validate.coverage` (due refills, unassigned reasons, deferrals),
:mod:`~optimizer.validate.confirmed` (confirmed visits kept, changes.csv),
:mod:`~optimizer.validate.trips` (overnight trips: continuity, lodging),
:mod:`~optimizer.validate.previous` (a re-plan against the plan it replaced, ``--previous``),
:mod:`~optimizer.validate.travel` (only the pairs read).

Rule names of :class:`Violation`: files, unknown_nurse, unknown_patient, horizon, window,
alarm, window_dates, reserve, state, infusate, license, certification, workday, time_off,
holiday, patient_away, reach, date, arrival_window, visit_length, double_booking, fill_no,
sequence, overdue_not_first, max_visits, nurse_days, shift, travel, sequence_times, overtime, cost,
part_time_off, break, trip, trip_continuity, unassigned, reason, deferred, coverage, changes, change_visit,
confirmed, change_reason, history_changed, change_unlisted, change_previous.
"""

from __future__ import annotations

from optimizer.validate.base import Violation
from optimizer.validate.check import check_plan
from optimizer.validate.travel import Travel as _Travel
from optimizer.validate.travel import plan_pairs as _plan_pairs

__all__ = ["Violation", "check_plan"]
