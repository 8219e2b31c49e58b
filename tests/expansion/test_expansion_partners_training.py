"""Make or buy (issue 13 item 3) and the training of hires (item 5) in expansion studies."""

from __future__ import annotations

import math

from optimizer import settings
from optimizer.analysis.expansion import (ActionKind, ExpansionCosts, ExpansionSettings, apply_actions,
                                          build_expansion, optimize)
from optimizer.domain import Partner, Roster

from tests.expansion.conftest import ON, cluster


def _settings(**kw) -> ExpansionSettings:
    return ExpansionSettings(time_limit=10, **kw)


def test_a_partner_cheaper_than_a_hire_is_bought(ohio_roster, ohio_sites) -> None:
    """Eight saline patients (4 visits/week) and no nurse: a $300 partner serving Ohio costs
    4 x 52 x $300 = $62,400 a year, half of a hire; reaching every visit at least cost buys it."""
    roster = Roster(ohio_roster.patients, (), partners=(Partner("Buckeye Home Team", "OH", 300.0, 0),))
    problem = build_expansion(roster, settings=_settings(), sites=ohio_sites, on=ON)
    partner = next(a for a in problem.options if a.kind is ActionKind.PARTNER)
    assert math.isclose(partner.cost, 300.0 * 4.0 * settings.EXPANSION_HORIZON_WEEKS)
    result = optimize(problem, target_share=1.0)
    assert [a.kind for a in result.actions] == [ActionKind.PARTNER]
    assert result.after.covered_share == 1.0
    row = result.recommendations.iloc[0]
    assert row["action"] == "partner" and row["nurse_id"] == "" and row["site"].startswith("Buckeye")
    assert apply_actions(roster, result.actions).partners == roster.partners


def test_a_dear_partner_loses_to_a_hire(ohio_roster, ohio_sites) -> None:
    roster = Roster(ohio_roster.patients, (), partners=(Partner("Dear Team", "OH", 2_000.0, 0),))
    result = optimize(build_expansion(roster, settings=_settings(capacitated=False), sites=ohio_sites, on=ON),
                      target_share=1.0)
    assert {a.kind for a in result.actions} == {ActionKind.HIRE}


def test_a_partner_outside_its_area_or_without_chemo_is_not_offered(ohio_roster, ohio_sites) -> None:
    roster = Roster(ohio_roster.patients, (), partners=(Partner("PA Team", "PA", 100.0, 0),))
    problem = build_expansion(roster, settings=_settings(), sites=ohio_sites, on=ON)
    assert not [a for a in problem.options if a.kind is ActionKind.PARTNER]


def test_a_hire_pays_for_training_and_counts_from_the_week_it_ends(ohio_roster, ohio_sites) -> None:
    costs = ExpansionCosts()
    problem = build_expansion(ohio_roster, settings=_settings(), sites=ohio_sites, on=ON)
    hire = next(a for a in problem.options if a.kind is ActionKind.HIRE)
    assert hire.cost == costs.hire + costs.hire_training + costs.chemo_cert  # the default hire is chemo-certified
    assert hire.lead_weeks == costs.hire_lead_weeks + max(costs.hire_training_weeks, costs.chemo_cert_lead_weeks)
    k = len(problem.servers) - len(ohio_sites)  # the first hire's server
    full = 5 * settings.MAX_VISITS_PER_DAY * settings.CAPACITY_FACTOR
    weeks = settings.EXPANSION_HORIZON_WEEKS
    assert math.isclose(problem.instance.server_capacity[k], full * (weeks - hire.lead_weeks) / weeks)
