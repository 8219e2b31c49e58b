"""The demo roster, its coverage and a quick (greedy) plan, built once per test process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from optimizer.analysis.coverage import CoverageResult


@dataclass(frozen=True)
class Demo:
    roster: Any
    scenario: Any
    provider: Any
    result: Any  # optimizer.api.PlanResult
    coverage: CoverageResult


@lru_cache(maxsize=1)
def demo() -> Demo:
    """The built-in demo (300 patients, 35 nurses), planned greedily over its horizon."""
    from optimizer import api
    from optimizer.analysis.coverage import analyze_coverage
    from optimizer.planning.planner import SolverOptions

    roster, sc = api.load_data(None)
    provider = api.travel_provider("haversine")
    horizon = api.horizon_for(sc)
    result = api.plan(roster, start=horizon.start, days=horizon.days, provider=provider,
                      rules=sc.window_rules(), options=SolverOptions(backend="greedy"))
    as_of = sc.as_of or horizon.start
    cov = analyze_coverage(roster, provider=provider, as_of=as_of)
    return Demo(roster, sc, provider, result, cov)
