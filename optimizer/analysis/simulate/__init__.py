"""Closed-loop simulation: plan a week, live it, re-plan (issue 6, item 3).

Each simulated week:

1. staffing actions whose lead time has passed take effect (hires join once
   recruited and trained, licenses and certifications are granted, partner
   contracts start);
2. some patients leave the program, new referrals arrive by state;
3. the planner plans the week (``plan_days`` from Monday) on what the planner
   knows: the recorded flow rates and the scheduled time off; when the previous
   plan's look-ahead reaches into the week, it is re-planned with minimal change
   (its visits kept, new referrals added);
4. the days are lived one by one: a nurse may call in sick (then the rest of
   the week is re-planned from that morning without her, with minimal change:
   :func:`optimizer.planning.replan.replan` keeps every other visit where it was),
   every planned visit
   is made, the pump's cycle advances per protocol
   (:func:`optimizer.rules.windows.after_refill`), and a chemo-cycle patient may move
   to glycerin (a treatment pause);
5. the truth is checked every day: a pump's real flow rate varies from cycle to
   cycle (fever, pressure), so its real empty date differs from the planned one;
   the flow measured at each refill becomes the recorded rate (what the planner
   sees next).

Counted per week and in total: home refills made, late refills (made after the
real window closed), missed refills (the pump reached its real empty date with
no home visit: the patient is refilled that day by the cheapest way out of
:func:`optimizer.analysis.alternatives.way_out`, a partner team serving her area
or the nearest HAI center, and the cycle goes on; each path's count and cost is
counted, a clinic refill at its fee and the patient's round trip at the IRS rate,
her drive hours apart, a partner visit at its price; ``total_cost`` adds them to
the nurses' cost), visits in the last reserve day (real reserve ≤ 1 day), drive
hours per refill, visits moved after they were confirmed (a week's plan is
confirmed to patients when it is made; a re-plan that moves or drops one of its
visits for a call-out or capacity counts it), utilization (visits over visit slots, and work time over shift time of
the nurse-days available), overtime, cost per refill (nurse-day cost per SPEC §5).

Random events come from per-entity streams (a nurse's sick days, a patient's
flow and choices, a state's referrals) seeded from ``seed``, so two staffing
plans simulated with the same seed see the same events for the same people
(common random numbers): differences between them come from staffing, not luck.

Modules: ``config`` (settings, result, columns), ``events`` (random streams,
the true pumps, referrals), ``growth`` (:func:`grow_demand`), ``loop``
(:func:`simulate`), ``totals`` (totals per run, :func:`summarize_runs`).
"""

from __future__ import annotations

from optimizer.analysis.simulate.config import WEEKLY_COLUMNS, SimulationResult, SimulationSettings
from optimizer.analysis.simulate.growth import NAMED_REGIONS, grow_demand
from optimizer.analysis.simulate.loop import simulate
from optimizer.analysis.simulate.totals import TOTAL_COLUMNS, summarize_runs

__all__ = [
    "NAMED_REGIONS",
    "grow_demand",
    "SimulationSettings",
    "SimulationResult",
    "simulate",
    "WEEKLY_COLUMNS",
    "TOTAL_COLUMNS",
    "summarize_runs",
]
