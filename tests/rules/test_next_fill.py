"""next_fill (issue 11 item 8): fill k+1 starts from fill k's planned date, per protocol."""

from __future__ import annotations

import datetime as dt

from optimizer.domain import Infusate
from optimizer.rules.windows import after_refill, next_fill, refill_window
from tests.conftest import make_patient

D = dt.date


def test_next_fill_from_the_planned_date_alternates_and_fills_the_reservoir():
    p = make_patient(last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.FLOXURIDINE,
                     last_fill_volume_ml=20.0, reservoir_ml=30.0, visit_minutes=75)
    q = next_fill(p, D(2026, 11, 22))
    assert q.last_fill_date == D(2026, 11, 22)
    assert q.last_fill_infusate is Infusate.FLOXURIDINE
    assert q.next_infusate is Infusate.HEPARINIZED_SALINE
    assert q.last_fill_volume_ml == 30.0
    assert q.visit_minutes == 60  # the floxuridine extra goes with the floxuridine fill
    w = refill_window(q)
    assert w.due == D(2026, 12, 6) and w.start == D(2026, 12, 5)  # floxuridine in the pump: 1 day early


def test_a_patients_own_interval_survives_refills_of_the_same_kind():
    p = make_patient(prescribed_interval_days=12)
    q = after_refill(p, D(2026, 11, 21))
    assert q.prescribed_interval_days == 12
    assert after_refill(q, D(2026, 12, 3)).prescribed_interval_days == 12
    g = make_patient(last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN,
                     prescribed_interval_days=56)
    assert next_fill(g, D(2026, 12, 1)).prescribed_interval_days == 56
    # a change of kind (aqueous → glycerin) takes the glycerin default
    to_gly = make_patient(next_infusate=Infusate.GLYCERIN, prescribed_interval_days=12)
    assert next_fill(to_gly, D(2026, 11, 21)).prescribed_interval_days == 42
