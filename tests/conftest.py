"""Shared fixtures: tiny domain objects built in code, the repo paths."""

from __future__ import annotations

import datetime as dt
import signal
from dataclasses import replace
from pathlib import Path

import pytest

from optimizer.domain import Infusate, Nurse, Patient

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def sigint_default() -> None:
    """``preexec_fn`` of a child a test stops with SIGINT: Ctrl-C acts on it even when the suite
    runs in a background job (``cmd &`` in a script), whose children inherit SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def make_patient(**kw) -> Patient:
    base = Patient(
        patient_id="P1", lat=39.96, lon=-83.0, state="OH", flow_ml_per_day=2.0,
        last_fill_date=dt.date(2026, 11, 9), last_fill_infusate=Infusate.HEPARINIZED_SALINE,
        next_infusate=Infusate.FLOXURIDINE, reservoir_ml=30.0, last_fill_volume_ml=30.0,
        prescribed_interval_days=14, visit_minutes=75,
    )
    return replace(base, **kw)


def make_nurse(**kw) -> Nurse:
    base = Nurse(nurse_id="N1", lat=39.99, lon=-83.02, home_state="OH",
                 multistate_license=True, chemo_certified=True)
    return replace(base, **kw)


@pytest.fixture
def patient():
    return make_patient()


@pytest.fixture
def nurse():
    return make_nurse()
