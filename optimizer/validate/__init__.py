"""Independent plan validator (SPEC §7): every rule of §5 recomputed from the inputs.

It reads a plan folder's CSV files and the roster, recomputes refill windows and
eligibility with :mod:`optimizer.rules.windows` and :mod:`optimizer.rules.eligibility`, and
travel times with the provider. It never looks at the planner or its state (nothing here
imports :mod:`optimizer.planning`).

Modules by concern: :mod:`~optimizer.validate.check` (the entry point),
:mod:`~optimizer.validate.visits` (each visit), :mod:`~optimizer.validate.routes` (each
nurse-day: legs, times, totals, cost), :mod:`~optimizer.validate.coverage` (due refills,
unassigned reasons, deferrals), :mod:`~optimizer.validate.travel` (only the pairs read).
"""

from __future__ import annotations

from optimizer.validate.base import Violation
from optimizer.validate.check import check_plan
from optimizer.validate.travel import Travel as _Travel
from optimizer.validate.travel import plan_pairs as _plan_pairs

__all__ = ["Violation", "check_plan"]
