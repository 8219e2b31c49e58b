"""Tiny expansion instances built in code (real coordinates, haversine drive times)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optimizer.domain import Infusate, Roster
from optimizer.analysis.expansion import Site
from tests.conftest import make_nurse, make_patient

ON = dt.date(2026, 11, 23)

#: town -> (lat, lon, state)
TOWNS = {
    "Columbus": (39.9612, -82.9988, "OH"),
    "Cleveland": (41.4993, -81.6944, "OH"),
    "Cincinnati": (39.1031, -84.5120, "OH"),
}


def saline_patient(pid: str, lat: float, lon: float, state: str, **kw):
    """A saline patient: one refill every 14 days (0.5 visits/week), no chemo."""
    base = dict(patient_id=pid, lat=lat, lon=lon, state=state, last_fill_infusate=Infusate.SALINE,
                next_infusate=Infusate.SALINE, prescribed_interval_days=14, visit_minutes=60,
                flow_ml_per_day=1.5, last_fill_date=dt.date(2026, 11, 16))
    base.update(kw)
    return make_patient(**base)


def cluster(prefix: str, town: str, n: int, *, seed: int = 0, **kw):
    lat, lon, state = TOWNS[town]
    rng = np.random.default_rng(seed)
    return [saline_patient(f"{prefix}{i}", lat + float(rng.normal(0, 0.02)), lon + float(rng.normal(0, 0.02)),
                           state, **kw) for i in range(n)]


@pytest.fixture
def ohio_roster() -> Roster:
    """5 patients around Columbus, 2 around Cleveland, 1 near Cincinnati; no nurse yet."""
    patients = cluster("COL", "Columbus", 5, seed=1) + cluster("CLE", "Cleveland", 2, seed=2) \
        + cluster("CIN", "Cincinnati", 1, seed=3)
    return Roster(patients=tuple(patients), nurses=())


@pytest.fixture
def ohio_sites() -> list[Site]:
    return [Site(f"OH-{name}", name, st, lat, lon, "file") for name, (lat, lon, st) in TOWNS.items()]


__all__ = ["ON", "TOWNS", "saline_patient", "cluster", "make_nurse", "make_patient"]
