"""Coverage analytics and capacity versus demand (SPEC §2, leadership's job).

Two questions, answered from the same domain rules as the planner
(:mod:`optimizer.rules.windows`, :mod:`optimizer.rules.eligibility`):

**Who can reach whom?** (:func:`analyze_coverage`) For every active patient, the
nurses *eligible by license and certification* and how many of them live within
each drive-time cutoff (default 60 / 120 / 180 / 240 min), then per state and per
county: patients, the share covered at each cutoff, licensed nurses, patients
with exactly one nurse able to serve them (single point of failure) and patients
with none.

* License is judged on the data date (``as_of``), as :func:`~optimizer.rules.eligibility.may_practice`.
* Certification is judged over the patient's *cycle*: a patient alternating
  floxuridine and heparinized saline needs a chemo-certified nurse every other
  visit, so only chemo-certified nurses cover her; glycerin and saline patients
  need HAI certification only.
* "Single point of failure" and "no nurse" use the planner's own reach rule: a
  nurse counts when the one-way drive is within *her* ``max_drive_minutes_one_way``
  (SPEC §5). The cutoff columns ignore that personal limit and only ask "is a
  nurse within N minutes", which is what a coverage map shows.

**Will there be enough nurse-days?** (:func:`capacity_vs_demand`) Over the next
8 weeks (7-day blocks from ``start``): the refill visits due, projected from
each patient's refill windows and protocol cycle with
:func:`~optimizer.rules.windows.project_refills` (each refill on its due date, or the
last day of its window when that is earlier; an overdue refill counts in week 1),
against nurse capacity = available workdays (workdays minus time off) ×
``max_visits_per_day``.

Capacity allocation rule (documented because utilization depends on it):

1. Each week is a transport problem: every nurse supplies her weekly capacity,
   every due visit needs one unit, and a nurse may serve a visit only if she may
   practice in the patient's state that week, is certified for that visit's
   infusate and lives within her drive limit of the patient. A **maximum flow
   of minimum total drive time** (OR-Tools min-cost flow) assigns capacity to
   visits, so a visit is counted *short* only when no assignment of the nurses'
   capacity could serve it (ties between states are broken by shorter drives).
2. Capacity a nurse spends on a state's visits is allocated to that state.
3. Capacity she has left over is split among the states of the visits she was
   eligible for that week, in proportion to their number; with none, it goes
   to her home state.

So a state's capacity is what its eligible nurses could give it and its
utilization is ``demand / capacity``. A state-week's ``status`` is ``short``
when visits that some nurse is eligible for cannot all be served (a capacity
shortage: hire or move nurse-days), else ``no_nurse`` when some visits have no
eligible nurse at all that week (a coverage gap: license, certify or hire
there; counted in ``no_nurse_visits``), else ``tight`` when utilization reaches
``tight_at`` (default 85 %), else ``ok``. This is nominal capacity: it ignores how many visits fit in a
day's drive, so a ``short`` flag is certain and an ``ok`` one is optimistic.
Regions (US Census regions by default, :data:`CENSUS_REGIONS`) sum their states.
"""

from __future__ import annotations

from optimizer.analysis.coverage.capacity import CapacityResult, capacity_vs_demand, projected_visits
from optimizer.analysis.coverage.leadership import LeadershipView
from optimizer.analysis.coverage.reach import DEFAULT_CUTOFFS, cycle_infusates
from optimizer.analysis.coverage.regions import CENSUS_REGIONS, load_regions
from optimizer.analysis.coverage.tables import CoverageResult, analyze_coverage

__all__ = [
    "DEFAULT_CUTOFFS",
    "CENSUS_REGIONS",
    "CoverageResult",
    "CapacityResult",
    "LeadershipView",
    "analyze_coverage",
    "capacity_vs_demand",
    "projected_visits",
    "load_regions",
    "cycle_infusates",
]
