"""The knobs of an expansion study in one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from optimizer import settings
from optimizer.analysis.expansion.actions import ALL_ACTIONS, ActionKind, ExpansionCosts, HireProfile

__all__ = ["ExpansionSettings"]


@dataclass(frozen=True)
class ExpansionSettings:
    """Every knob of an expansion study (keyword-only construction recommended).

    Parameters
    ----------
    cutoff_minutes
        One-way drive-time cutoff of coverage (also capped by each nurse's own limit).
    actions
        Kinds of actions the optimizer may choose.
    costs, hire
        Costs and lead times; the profile of hired nurses.
    capacitated
        Respect nurse capacity (visits per week); ``False`` gives classic maximal coverage.
    capacity_factor
        Share of the nominal weekly visits (workdays × max visits per day) a nurse
        can absorb after driving (an assumption; SPEC §8 quotes 4–5 visits a day).
    site_min_population, sites_per_state, cluster_sites, max_sites
        Candidate sites from population centers (the largest ``sites_per_state``
        places per state with at least ``site_min_population`` inhabitants that
        reach some demand) and from clusters of uncovered demand (snapped to the
        nearest town of the cluster's state); ``max_sites`` caps the total.
    backend, time_limit, relative_gap, threads, linking
        MIP solver settings (:func:`optimizer._mip.solve_coverage`).
    horizon_weeks
        The study's horizon (a year: the hire cost is a first-year cost). A hire's capacity counts
        only for the weeks after her recruiting and training (her average weekly visits over the
        horizon); a partner contract is priced for the weeks after its lead days.
    """

    cutoff_minutes: float = settings.COVERAGE_CUTOFF_MINUTES
    actions: frozenset[ActionKind] = ALL_ACTIONS
    costs: ExpansionCosts = field(default_factory=ExpansionCosts)
    hire: HireProfile = field(default_factory=HireProfile)
    capacitated: bool = True
    capacity_factor: float = settings.CAPACITY_FACTOR
    site_min_population: int = settings.SITE_MIN_POPULATION
    sites_per_state: int = settings.SITES_PER_STATE
    cluster_sites: int = settings.CLUSTER_SITES
    max_sites: int | None = None
    backend: str = settings.MIP_BACKEND
    time_limit: float = settings.MIP_TIME_LIMIT_S
    relative_gap: float = settings.MIP_RELATIVE_GAP
    threads: int = 1
    linking: Literal["strong", "aggregated"] = "strong"
    horizon_weeks: float = settings.EXPANSION_HORIZON_WEEKS
