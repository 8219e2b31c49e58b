"""The knobs of a simulation, its result, and the weekly table's columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from optimizer import settings
from optimizer.arguments import number, whole
from optimizer.errors import ArgumentError

__all__ = ["WEEKLY_COLUMNS", "SimulationSettings", "SimulationResult"]


#: Columns of the weekly table, in order.
WEEKLY_COLUMNS: tuple[str, ...] = (
    "week", "week_start", "active_patients", "nurses", "new_referrals", "left", "moved_to_glycerin",
    "sick_days", "replans", "moved_after_confirmed", "refills", "late_refills", "missed_refills",
    "last_reserve_day_visits", "cancelled_visits", "unplanned_at_planning", "drive_hours", "drive_hours_per_refill",
    "work_hours", "overtime_hours", "nurse_days_available", "nurse_days_used", "visit_utilization",
    "time_utilization", "cost", "cost_per_refill",
    # the ways out of missed refills (issue 13 item 3): each path's count and cost; total_cost adds them to
    # the nurses' cost
    "clinic_refills", "clinic_cost", "clinic_patient_drive_hours", "partner_refills", "partner_cost", "total_cost",
)


#: Most weeks a simulation runs (the scenario schema's ``simulation.weeks`` limit: two years).
MAX_WEEKS: int = 104

#: The planners a simulation may use (the scenario schema's ``simulation.backend``).
SIMULATION_BACKENDS: tuple[str, ...] = ("greedy", "ortools", "pyvrp")


@dataclass(frozen=True)
class SimulationSettings:
    """Every knob of a simulation.

    Parameters
    ----------
    weeks
        Weeks simulated (default 12).
    plan_days
        Days each weekly plan covers (7 = the week; more adds look-ahead).
    backend, time_limit, max_iterations, workers
        The planner's solver options; ``"greedy"`` (default) is fast and
        deterministic; ``"ortools"`` with ``max_iterations`` is deterministic too.
    sick_rate
        Probability that a nurse calls in sick on a given workday.
    referral_rate
        New referrals per active patient per week, in each state with patients
        (a state-level Poisson rate, fixed from the starting roster).
    referrals_by_state
        Expected referrals per week by state, replacing the rate above for
        those states (e.g. a new state being launched).
    leave_rate
        Probability that a patient leaves the program in a given week.
    glycerin_rate
        Probability that a patient on the chemo cycle moves to glycerin at a refill.
    flow_sigma
        Standard deviation of the log of the real/nominal flow-rate ratio, per cycle.
    respect_lead_times
        Actions take effect after their lead time (else from week 1).
    """

    weeks: int = 12
    plan_days: int = 7
    backend: str = "greedy"
    time_limit: float = 5.0
    max_iterations: int | None = None
    workers: int = 1
    sick_rate: float = 0.02
    referral_rate: float = 0.01
    referrals_by_state: Mapping[str, float] = field(default_factory=dict)
    leave_rate: float = 0.01
    glycerin_rate: float = 0.03
    flow_sigma: float = 0.05
    respect_lead_times: bool = True

    def __post_init__(self) -> None:
        """Every knob within the scenario schema's limits (``simulation:``), else a one-line
        :class:`~optimizer.errors.ArgumentError` (a ``ValueError``) naming it."""
        whole(self.weeks, "weeks", 1, MAX_WEEKS)
        whole(self.plan_days, "plan_days", 1, settings.MAX_HORIZON_DAYS)
        whole(self.workers, "workers", 1)
        if self.max_iterations is not None:
            whole(self.max_iterations, "max_iterations", 1)
        number(self.time_limit, "time_limit", 0, settings.MAX_TIME_LIMIT_S, low_open=True)
        for name in ("sick_rate", "leave_rate", "glycerin_rate", "referral_rate", "flow_sigma"):
            number(getattr(self, name), name, 0, 1)
        for state, rate in dict(self.referrals_by_state).items():
            number(rate, f"referrals_by_state[{state!r}]", 0)
        if self.backend not in SIMULATION_BACKENDS:
            raise ArgumentError(f"backend must be one of {', '.join(SIMULATION_BACKENDS)}, got {self.backend!r}")


@dataclass
class SimulationResult:
    """Weekly table and totals of one simulated run."""

    weekly: pd.DataFrame
    totals: dict[str, Any]
    seed: int
    label: str
    settings: SimulationSettings
    actions: tuple[str, ...] = ()
