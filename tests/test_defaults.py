"""Defaults have one home, optimizer/settings.py (issue 10 item 3).

The scenario schema, the domain dataclasses, the solver options and the expansion settings
read their defaults from settings; this test reads their source and fails on a number or a
clock time written as a default anywhere else, then checks that the values agree.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import re

import pytest

from optimizer import domain, scenario, settings
from optimizer.analysis.expansion import actions as expansion_actions
from optimizer.analysis.expansion import config as expansion_config
from optimizer.planning import planner

CLASSES = [
    domain.Patient, domain.Nurse, planner.SolverOptions,
    expansion_actions.ExpansionCosts, expansion_actions.HireProfile, expansion_config.ExpansionSettings,
    scenario.SyntheticData, scenario.HorizonSpec, scenario.SolverSpec, scenario.SitesSpec,
    scenario.CostsSpec, scenario.HireProfileSpec, scenario.MipSpec, scenario.ExpansionSpec,
]
# Neutral values that are not policy: zero, a seed, a thread count of one.
NEUTRAL = {0, 0.0, 1}
HHMM = re.compile(r"^\d{1,2}:\d{2}$")


def _literal_default(node: ast.expr) -> object | None:
    """The constant a field defaults to, or None when it comes from elsewhere."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Field" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value is not None:
        value = node.value
        if isinstance(value, (int, float)) and value not in NEUTRAL:
            return value
        if isinstance(value, str) and HHMM.match(value):
            return value
    return None


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_no_default_written_outside_settings(cls: type) -> None:
    tree = ast.parse(inspect.getsource(cls).lstrip())
    literals = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            value = _literal_default(node.value)
            if value is not None:
                literals.append(f"{ast.unparse(node.target)} = {value!r}")
    assert literals == [], f"{cls.__qualname__} writes its own defaults: {literals}"


def test_the_defaults_agree_with_settings() -> None:
    n = domain.Nurse("n", 0.0, 0.0, "PA")
    assert n.max_visits_per_day == settings.MAX_VISITS_PER_DAY
    assert n.hourly_cost == settings.HOURLY_COST
    assert n.shift_end == dt.time.fromisoformat(settings.SHIFT_END)
    assert n.break_minutes == settings.BREAK_MINUTES
    opts = planner.SolverOptions()
    assert (opts.backend, opts.time_limit, opts.workers) == (
        settings.SOLVER_BACKEND, settings.SOLVER_TIME_LIMIT_S, settings.SOLVER_WORKERS)
    assert scenario.SolverSpec().time_limit == opts.time_limit
    assert scenario.HorizonSpec().days == settings.HORIZON_DAYS
    costs, spec = expansion_actions.ExpansionCosts(), scenario.CostsSpec()
    assert costs.hire == spec.hire == settings.HIRE_COST_USD
    assert costs.license("CA").lead_weeks == settings.LICENSE_TERMS_BY_STATE["CA"][1]
    assert spec.license_default.fee == costs.license_default.fee == settings.LICENSE_FEE_USD
    assert expansion_config.ExpansionSettings().cutoff_minutes == scenario.ExpansionSpec().cutoff_minutes
    hire = scenario.HireProfileSpec()
    assert (hire.shift_start, hire.max_visits_per_day) == (settings.SHIFT_START, settings.MAX_VISITS_PER_DAY)


def test_the_scan_sees_a_literal() -> None:
    """The AST check fires on a default written in place (so the test above could fail)."""
    assert _literal_default(ast.parse("Field(120_000.0, ge=0)", mode="eval").body) == 120_000.0
    assert _literal_default(ast.parse("'08:00'", mode="eval").body) == "08:00"
    assert _literal_default(ast.parse("settings.HIRE_COST_USD", mode="eval").body) is None
