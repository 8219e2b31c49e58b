"""Refill demand in visits per week, one point per (patient, kind of fill) (SPEC §1, §5).

A patient alternating floxuridine and heparinized saline puts half her visits
on chemo-certified nurses and half on any HAI nurse; a glycerin patient needs
one visit every ``interval`` days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Infusate, Patient, Roster
from optimizer.rules.windows import WindowRules

__all__ = ["Demand", "demand_points"]


@dataclass(frozen=True)
class Demand:
    """Refill demand points: one per (patient, kind of fill), weighted by visits per week.

    ``patient`` indexes ``patient_ids``; both stay in memory only (never written).
    """

    patient: NDArray[np.int64]
    patient_ids: tuple[str, ...]
    state: NDArray[np.object_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    weight: NDArray[np.float64]
    chemo: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.weight)

    @property
    def n_patients(self) -> int:
        return len(self.patient_ids)


def _interval(patient: Patient, fill: Infusate, rules: WindowRules) -> int:
    if fill is patient.last_fill_infusate:
        return max(1, patient.prescribed_interval_days)
    return max(1, int(rules.prescribed_interval_days[fill]))


def demand_points(roster: Roster, *, rules: WindowRules | None = None) -> Demand:
    """The refill demand of the active patients of ``roster`` in visits per week.

    A patient in the floxuridine ↔ heparinized-saline cycle gives two points (one
    chemo fill and one saline fill per cycle); glycerin and saline patients one.
    """
    rules = rules or WindowRules()
    idx: list[int] = []
    ids: list[str] = []
    st: list[str] = []
    la: list[float] = []
    lo: list[float] = []
    wt: list[float] = []
    ch: list[bool] = []
    for p in roster.active_patients():
        j = len(ids)
        ids.append(p.patient_id)
        nxt = p.next_infusate
        if nxt in (Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE):
            fills = (Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE)
            cycle = sum(_interval(p, f, rules) for f in fills)
            parts = [(True, 7.0 / cycle), (False, 7.0 / cycle)]
        else:
            parts = [(False, 7.0 / _interval(p, nxt, rules))]
        for chemo, w in parts:
            idx.append(j)
            st.append(p.state)
            la.append(p.lat)
            lo.append(p.lon)
            wt.append(w)
            ch.append(chemo)
    return Demand(
        patient=np.asarray(idx, dtype=np.int64), patient_ids=tuple(ids),
        state=np.asarray(st, dtype=object), lat=np.asarray(la, dtype=np.float64),
        lon=np.asarray(lo, dtype=np.float64), weight=np.asarray(wt, dtype=np.float64),
        chemo=np.asarray(ch, dtype=bool),
    )
