"""Refill windows (SPEC §5): when each pump must be refilled.

``due = last_fill + interval``; ``empty = last_fill + volume / (flow × f)`` rounded
down to a date; the visit must fall in
``[due − early, min(due + late, empty − margin)]``. The interval and flow factor
are those of the fill now in the pump; certification and visit length depend on
the fill being delivered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from collections.abc import Iterator, Mapping

from optimizer import settings
from optimizer.domain import Horizon, Infusate, Patient

__all__ = ["WindowRules", "RefillWindow", "refill_window", "next_fill", "after_refill", "same_kind",
           "project_refills", "MAX_EMPTY_DAYS", "days_lasting", "glycerin_days"]

#: Longest a fill is taken to last (10 years); far beyond any refill window.
MAX_EMPTY_DAYS: int = 3650


def _by_infusate(values: Mapping[str, float]) -> dict[Infusate, float]:
    return {Infusate(k): v for k, v in values.items()}


@dataclass(frozen=True)
class WindowRules:
    """Every parameter of the window rule; defaults from :mod:`optimizer.settings`."""

    early_days: Mapping[Infusate, int] = field(
        default_factory=lambda: _by_infusate(settings.EARLY_DAYS)
    )
    late_days: int = settings.LATE_DAYS
    margin_days: int = settings.RESERVE_MARGIN_DAYS
    flow_factor: Mapping[Infusate, float] = field(
        default_factory=lambda: _by_infusate(settings.FLOW_FACTOR)
    )
    prescribed_interval_days: Mapping[Infusate, int] = field(
        default_factory=lambda: _by_infusate(settings.PRESCRIBED_INTERVAL_DAYS)
    )

    def with_(self, **changes: object) -> "WindowRules":
        """A copy with some parameters changed (mappings are merged)."""
        merged: dict[str, object] = {}
        for key, value in changes.items():
            current = getattr(self, key)
            if isinstance(current, Mapping) and isinstance(value, Mapping):
                merged[key] = {**current, **{Infusate(k): v for k, v in value.items()}}
            else:
                merged[key] = value
        return replace(self, **merged)


@dataclass(frozen=True, slots=True)
class RefillWindow:
    """The refill a patient needs next, with its dates."""

    patient_id: str
    infusate_now: Infusate
    next_infusate: Infusate
    due: date
    empty: date
    start: date
    end: date

    @property
    def is_empty_window(self) -> bool:
        """Start after end: the pump runs dry before the earliest allowed day."""
        return self.start > self.end

    def closed_before(self, horizon: Horizon) -> bool:
        """The window ended before the horizon starts: an overdue refill (alarm)."""
        return self.end < horizon.start

    def empty_before(self, horizon: Horizon) -> bool:
        """The pump is (or will be) dry before the horizon starts: the gravest alarm."""
        return self.empty < horizon.start

    def opens_after(self, horizon: Horizon) -> bool:
        return self.start > horizon.end

    def days_in(self, horizon: Horizon) -> list[date]:
        """Dates of the window inside the horizon (empty for closed/later windows)."""
        lo = max(self.start, horizon.start)
        hi = min(self.end, horizon.end)
        return [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]

    def reserve_days_left(self, day: date) -> int:
        """Days of reserve left when the refill happens on ``day`` (``empty − day``)."""
        return (self.empty - day).days


def empty_date(
    last_fill: date, volume_ml: float, flow_ml_per_day: float, factor: float
) -> date:
    """The date the pump runs dry, rounded down to a whole day.

    A pump that would last longer than :data:`MAX_EMPTY_DAYS` (a vanishing flow
    or flow factor from the Python API) is taken to last that long: the window
    ends at ``due + late`` long before, and the date arithmetic cannot overflow.
    """
    return last_fill + timedelta(days=days_lasting(volume_ml, flow_ml_per_day, factor))


def glycerin_days(patient: Patient) -> int:
    """Whole days a glycerin fill of ``patient``'s pump lasts (its reservoir at the glycerin flow factor)."""
    return days_lasting(patient.reservoir_ml, patient.flow_ml_per_day, settings.FLOW_FACTOR["glycerin"])


def days_lasting(volume_ml: float, flow_ml_per_day: float, factor: float) -> int:
    """Whole days ``volume_ml`` lasts at ``flow_ml_per_day`` × ``factor`` (at most :data:`MAX_EMPTY_DAYS`)."""
    rate = flow_ml_per_day * factor
    days = volume_ml / rate if rate > 0 else math.inf
    days = min(max(days, 0.0), float(MAX_EMPTY_DAYS)) if not math.isnan(days) else float(MAX_EMPTY_DAYS)
    return math.floor(days + 1e-9)


def refill_window(
    patient: Patient,
    *,
    rules: WindowRules | None = None,
    interval_days: int | None = None,
) -> RefillWindow:
    """The next refill window of ``patient`` per SPEC §5.

    ``interval_days`` overrides the interval (the loader stores the patient's
    prescribed interval; pass ``None`` to use it).
    """
    rules = rules or WindowRules()
    now = patient.last_fill_infusate
    interval = interval_days if interval_days is not None else patient.prescribed_interval_days
    due = patient.last_fill_date + timedelta(days=interval)
    empty = empty_date(
        patient.last_fill_date,
        patient.last_fill_volume_ml,
        patient.flow_ml_per_day,
        rules.flow_factor[now],
    )
    start = due - timedelta(days=rules.early_days[now])
    end = min(due + timedelta(days=rules.late_days), empty - timedelta(days=rules.margin_days))
    return RefillWindow(
        patient_id=patient.patient_id,
        infusate_now=now,
        next_infusate=patient.next_infusate,
        due=due,
        empty=empty,
        start=start,
        end=end,
    )


def same_kind(a: Infusate, b: Infusate) -> bool:
    """Whether fills ``a`` and ``b`` are of the same kind for the prescribed interval.

    Glycerin (a rest fill of weeks) is one kind; the aqueous fills (floxuridine,
    heparinized saline, saline) are the other: the two halves of a chemo cycle
    share its rhythm, so a patient's own interval carries across them.
    """
    return (a is Infusate.GLYCERIN) == (b is Infusate.GLYCERIN)


def _interval_after(patient: Patient, delivered: Infusate, rules: WindowRules) -> int:
    """The prescribed interval of the fill ``delivered``: the patient's own when the fill is
    of the same kind as the one now in the pump (:func:`same_kind`), else the rules' default."""
    if same_kind(patient.last_fill_infusate, delivered):
        return patient.prescribed_interval_days
    return rules.prescribed_interval_days[delivered]


def next_fill(
    patient: Patient, visit_date: date, *, rules: WindowRules | None = None, volume_ml: float | None = None
) -> Patient:
    """The patient as it is after the refill made on ``visit_date``: the next fill's starting point.

    Used by planning (fill k+1 of a horizon, from fill k's planned date), the validator,
    coverage outlooks and the simulation alike. The fill now in the pump becomes what
    was delivered (``next_infusate``), full (``reservoir_ml`` unless ``volume_ml``), on
    ``visit_date``; the next infusate follows the protocol (floxuridine ↔ heparinized
    saline alternate, glycerin and saline stay); the prescribed interval is the
    patient's own for a fill of the same kind (:func:`same_kind`), else the default of
    the delivered fill; the visit length keeps the patient's base and adds the
    floxuridine extra when the next fill is floxuridine (SPEC §4).

    Parameters
    ----------
    patient
        The patient before the refill.
    visit_date
        The date of the refill.
    rules
        Window rules (default intervals); SPEC §5 defaults when None.
    volume_ml
        Volume filled; the reservoir when None.
    """
    rules = rules or WindowRules()
    delivered = patient.next_infusate
    following = delivered.next_by_protocol()
    extra = settings.FLOXURIDINE_EXTRA_MINUTES
    base_visit = patient.visit_minutes - (extra if delivered.is_chemo else 0)
    return replace(
        patient,
        last_fill_date=visit_date,
        last_fill_infusate=delivered,
        last_fill_volume_ml=volume_ml if volume_ml is not None else patient.reservoir_ml,
        next_infusate=following,
        prescribed_interval_days=_interval_after(patient, delivered, rules),
        visit_minutes=base_visit + (extra if following.is_chemo else 0),
    )


def after_refill(
    patient: Patient, day: date, *, rules: WindowRules | None = None, volume_ml: float | None = None
) -> Patient:
    """The patient as it is after a refill on ``day`` (:func:`next_fill`): the cycle advances per
    protocol and a patient's own interval survives refills of the same kind."""
    return next_fill(patient, day, rules=rules, volume_ml=volume_ml)


def project_refills(
    patient: Patient, *, until: date, rules: WindowRules | None = None
) -> Iterator[RefillWindow]:
    """Refill windows from the next one up to ``until``, assuming each refill on its due date.

    Used for capacity-versus-demand outlooks and simulations.
    """
    rules = rules or WindowRules()
    current = patient
    for _ in range(1000):
        window = refill_window(current, rules=rules)
        if window.start > until:
            return
        yield window
        current = after_refill(current, min(window.due, window.end), rules=rules)
