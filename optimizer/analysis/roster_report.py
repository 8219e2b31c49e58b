"""What `haiplan validate` reports on a roster: who is where, who has no nurse, what is due."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from optimizer.planning.candidates import assess
from optimizer.domain import Horizon, Roster
from optimizer.planning.problem import due_refills, nurse_days_of
from optimizer.rules.eligibility import may_practice
from optimizer.rules.windows import WindowRules

__all__ = ["RosterSummary", "summarize_roster"]


@dataclass
class RosterSummary:
    by_state: pd.DataFrame  # state, patients, active, nurses_home, nurses_may_practice
    no_eligible: pd.DataFrame  # patient_id, state, reason, detail
    windows_per_day: pd.DataFrame  # date, windows_opening, windows_closing
    alarms: pd.DataFrame  # patient_id, state, window_end, empty_date, alarm
    refills_due: int
    later: int


def summarize_roster(roster: Roster, horizon: Horizon, *, provider, rules: WindowRules | None = None) -> RosterSummary:
    """The tables of `haiplan validate`: who is where, who has no eligible nurse, what is due.

    Eligibility needs nurse → patient reach only, found as a sparse list of pairs
    within the drive limits: no travel matrix between patients is built.
    """
    refills, later = due_refills(roster, horizon, rules=rules or WindowRules())
    unplannable = assess(roster, horizon, refills, nurse_days_of(roster, horizon), provider=provider,
                         with_candidates=False).unplannable
    pats = Counter(p.state for p in roster.patients)
    active = Counter(p.state for p in roster.active_patients())
    homes = Counter(n.home_state for n in roster.nurses)

    states = sorted(set(pats) | set(homes))
    may = {s: sum(may_practice(n, s, on=horizon.start) for n in roster.nurses) for s in states}
    by_state = pd.DataFrame({
        "state": states,
        "patients": [pats.get(s, 0) for s in states],
        "active_patients": [active.get(s, 0) for s in states],
        "nurses_based": [homes.get(s, 0) for s in states],
        "nurses_may_practice": [may[s] for s in states],
    })
    no_elig = pd.DataFrame(
        [(pid, roster.patient(pid).state, str(r), d) for pid, (r, d) in sorted(unplannable.items())],
        columns=["patient_id", "state", "reason", "detail"])
    opening = Counter(max(r.window.start, horizon.start) for r in refills if not r.overdue)
    closing = Counter(r.window.end for r in refills if not r.overdue and r.window.end in horizon)
    windows = pd.DataFrame({
        "date": horizon.dates(),
        "weekday": [d.strftime("%a") for d in horizon.dates()],
        "windows_opening": [opening.get(d, 0) for d in horizon.dates()],
        "windows_closing": [closing.get(d, 0) for d in horizon.dates()],
    })
    alarms = []
    for r in refills:
        w = r.window
        if w.empty_before(horizon):
            alarms.append((r.patient_id, r.patient.state, w.end, w.empty, "pump_empty_before_horizon"))
        elif w.closed_before(horizon):
            alarms.append((r.patient_id, r.patient.state, w.end, w.empty, "window_closed_before_horizon"))
        elif w.is_empty_window:
            alarms.append((r.patient_id, r.patient.state, w.end, w.empty, "pump_runs_dry_before_window_opens"))
    alarms_df = pd.DataFrame(alarms, columns=["patient_id", "state", "window_end", "empty_date", "alarm"])
    return RosterSummary(by_state, no_elig, windows, alarms_df, len(refills), len(later))
