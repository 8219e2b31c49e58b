"""Expansion studies: where to hire, whom to license where, whom to certify (SPEC §2, analyst).

The question: with a budget (or to reach a coverage target at least cost), which
actions cover the most refill demand within a drive-time cutoff?

Demand
    Every active patient's refills, in visits per week, split by the fill they
    need: a patient alternating floxuridine and heparinized saline puts half her
    visits on chemo-certified nurses and half on any HAI nurse; a glycerin
    patient needs one visit every ``interval`` days (SPEC §1, §5).
Servers
    Existing nurses and nurses that may be hired at candidate sites. A hire
    at a site gets a multistate license when the site's state has implemented
    the Nurse Licensure Compact, else that state's license (SPEC §5, §8), and the
    :class:`HireProfile` (HAI- and chemo-certified by default).
Options (actions) with cost and lead time
    ``hire`` at a site; ``license`` an existing nurse in a state she may not
    practise in (fee and weeks by state, SPEC §8: 2–8 weeks, 8–12+ in CA and NY,
    $100–$400); ``hai_cert`` / ``chemo_cert`` an existing nurse; ``partner``
    a contract with a team of ``partners.csv`` (make or buy): it serves every
    fill of its area, priced per visit over the study's year for the visits no
    nurse reaches. A hire costs her recruiting, first year and training, and
    counts only from the week her training ends (issue 13 items 3, 5).
Coverage
    A server may serve a demand point when the one-way drive is within the
    cutoff and her own limit and, after the actions, she may practise in the
    patient's state and holds the certification the fill needs. With capacity
    (visits per week = workdays × max visits per day × ``capacity_factor``) the
    covered demand is a flow, so the objective counts what nurses can absorb.

The model is a MIP (:mod:`optimizer.analysis.expansion.mip`) solved by OR-Tools' linear solver
(HiGHS by default, or SCIP / CBC), never CP-SAT (SPEC §8). Any set of actions
is evaluated exactly by a min-cost max-flow (visits absorbed, then least drive),
which is also how the chosen actions are pruned (an action that adds nothing is
dropped) and ranked (lazy greedy: each row's marginal gain given the rows above
it; complementary actions on one nurse, e.g. a license that only pays off with a
chemo certification, are ranked as one bundle).

Outputs are de-identified: recommendations, state tables and the map layer
carry no patient id and no patient coordinate (hire sites are public places;
existing nurses are shown at the nearest town).

Layout (one concern per module, imports point down):

``actions``
    action kinds, costs, lead times, the hire profile, sites, applying actions
``config``
    :class:`ExpansionSettings`
``demand``
    demand points in visits per week
``gates``
    one server's access to demand, asked of :mod:`optimizer.rules.eligibility`
``sites``
    candidate hire sites (file, population centers, uncovered clusters)
``mip``
    the generic coverage MIP over arrays
``model``
    the expansion problem and its MIP instance; :func:`solve_matrix`
``evaluate``
    exact coverage of a set of actions by min-cost flow
``rank``
    choose, prune, rank: :func:`optimize`, :func:`recommend`
``outputs``
    CSV, GeoJSON and JSON files

"""

from __future__ import annotations

from optimizer.analysis.expansion.actions import (ALL_ACTIONS, DEFAULT_LICENSE_TERMS, LICENSE_TERMS_BY_STATE, Action,
                                         ActionKind, ExpansionCosts, HireProfile, LicenseTerms, Site,
                                         apply_actions, load_license_terms, region_of)
from optimizer.analysis.expansion.config import ExpansionSettings
from optimizer.analysis.expansion.demand import Demand, demand_points
from optimizer.analysis.expansion.evaluate import Evaluation, evaluate
from optimizer.analysis.expansion.mip import CoverageInstance, CoverageSolution, solve_coverage
from optimizer.analysis.expansion.model import ExpansionProblem, build_expansion, solve_matrix
from optimizer.analysis.expansion.outputs import map_layer, write_expansion
from optimizer.analysis.expansion.rank import RECOMMENDATION_COLUMNS, ExpansionResult, optimize, recommend
from optimizer.analysis.expansion.sites import candidate_sites, load_sites

__all__ = [
    "ActionKind",
    "ALL_ACTIONS",
    "LicenseTerms",
    "DEFAULT_LICENSE_TERMS",
    "LICENSE_TERMS_BY_STATE",
    "ExpansionCosts",
    "HireProfile",
    "Site",
    "Action",
    "Demand",
    "ExpansionSettings",
    "ExpansionProblem",
    "Evaluation",
    "ExpansionResult",
    "RECOMMENDATION_COLUMNS",
    "CoverageInstance",
    "CoverageSolution",
    "demand_points",
    "candidate_sites",
    "load_sites",
    "load_license_terms",
    "build_expansion",
    "evaluate",
    "optimize",
    "recommend",
    "apply_actions",
    "solve_coverage",
    "solve_matrix",
    "write_expansion",
    "map_layer",
    "region_of",
]
