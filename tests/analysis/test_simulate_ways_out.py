"""The closed loop charges the ways out of a missed refill (issue 13 item 3) and a hire fills only after
her training (item 5)."""

from __future__ import annotations

import datetime as dt

from optimizer.analysis.expansion import Action, ActionKind, ExpansionCosts, HireProfile, Site
from optimizer.analysis.simulate import SimulationSettings, simulate
from optimizer.domain import Infusate, Partner, Roster
from tests.conftest import make_patient

START = dt.date(2026, 11, 23)  # a Monday
QUIET = dict(sick_rate=0.0, referral_rate=0.0, leave_rate=0.0, glycerin_rate=0.0, flow_sigma=0.0)


def _saline(pid: str, filled_days_ago: int):
    """A saline patient near Columbus (OH); 30 mL at 2 mL/day: the pump runs dry 15 days after a fill."""
    return make_patient(patient_id=pid, last_fill_infusate=Infusate.SALINE, next_infusate=Infusate.SALINE,
                        prescribed_interval_days=14, visit_minutes=60, flow_ml_per_day=2.0,
                        last_fill_date=START - dt.timedelta(days=filled_days_ago))


def test_a_missed_refill_is_made_at_the_clinic_and_charged() -> None:
    roster = Roster(patients=(_saline("P1", 12),), nurses=())  # no nurse: the refill is missed
    res = simulate(roster, start=START, settings=SimulationSettings(weeks=1, **QUIET), seed=1)
    t = res.totals
    assert t["missed_refills"] == 1 and t["clinic_refills"] == 1 and t["partner_refills"] == 0
    assert t["clinic_cost"] > 150.0 and t["clinic_patient_drive_hours"] > 0  # the fee plus the patient's drive
    assert t["total_cost"] == t["cost"] + t["clinic_cost"]
    assert res.weekly["clinic_refills"].tolist() == [1]


def test_a_cheaper_partner_takes_the_missed_refill() -> None:
    roster = Roster(patients=(_saline("P1", 12),), nurses=(), partners=(Partner("Buckeye", "OH", 120.0, 2),))
    t = simulate(roster, start=START, settings=SimulationSettings(weeks=1, **QUIET), seed=1).totals
    assert (t["partner_refills"], t["partner_cost"], t["clinic_refills"]) == (1, 120.0, 0)


def test_a_hire_fills_only_after_her_training() -> None:
    """Recruiting 0 weeks, HAI training 2 weeks: the hire joins in week 3; refills due in weeks 1 and 2 go
    to the clinic, the one due in week 3 is made at home by her."""
    costs = ExpansionCosts(hire_lead_weeks=0.0, hire_training_weeks=2.0)
    cost, weeks = costs.hire_terms("OH", chemo=False)
    assert weeks == 2.0
    site = Site("OH-Columbus", "Columbus", "OH", 39.96, -83.0, "file")
    hire = Action(ActionKind.HIRE, "HIRE-OH-Columbus", "OH", cost, weeks, site)
    roster = Roster(patients=(_saline("P1", 12), _saline("P2", 5), _saline("P3", 0)), nurses=())
    res = simulate(roster, start=START, settings=SimulationSettings(weeks=3, **QUIET), actions=[hire],
                   hire=HireProfile(chemo_certified=False), seed=1)
    w = res.weekly
    assert w["nurses"].tolist() == [0, 0, 1]
    assert w["refills"].tolist()[:2] == [0, 0] and w["clinic_refills"].tolist()[:2] == [1, 1]
    assert w["refills"].iloc[2] >= 1 and res.actions == (hire.key,)
