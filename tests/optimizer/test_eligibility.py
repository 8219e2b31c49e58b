"""Eligibility, SPEC §5: one focused test per rule."""

from __future__ import annotations

import datetime as dt

from geodata.licensure import NLCTable
from optimizer.domain import Infusate
from optimizer.rules.eligibility import is_certified_for, license_basis, may_practice, within_reach
from tests.conftest import make_nurse

ON = dt.date(2026, 11, 23)


def test_ca_patient_with_tx_multistate_nurse_not_allowed():
    tx = make_nurse(home_state="TX", multistate_license=True)
    assert not may_practice(tx, "CA", on=ON)


def test_pa_patient_with_tx_multistate_nurse_allowed_after_july_2025():
    tx = make_nurse(home_state="TX", multistate_license=True)
    assert may_practice(tx, "PA", on=dt.date(2025, 7, 1))
    assert may_practice(tx, "PA", on=ON)
    assert not may_practice(tx, "PA", on=dt.date(2025, 6, 30))


def test_ny_single_state_license():
    nj = make_nurse(home_state="NJ", multistate_license=True, state_licenses=frozenset({"NY"}))
    assert license_basis(nj, "NY", on=ON) == "single-state"
    assert not may_practice(make_nurse(home_state="NJ", multistate_license=True), "NY", on=ON)


def test_multistate_needs_implemented_home_state():
    # a multistate flag on a nurse living in a non-compact state covers no other state
    ca = make_nurse(home_state="CA", multistate_license=True)
    assert not may_practice(ca, "TX", on=ON)
    assert may_practice(ca, "CA", on=ON)  # her home-state license


def test_without_multistate_flag_only_home_and_listed_states():
    oh = make_nurse(home_state="OH", multistate_license=False, state_licenses=frozenset({"MI"}))
    assert may_practice(oh, "OH", on=ON) and may_practice(oh, "MI", on=ON)
    assert not may_practice(oh, "IN", on=ON)


def test_enacted_not_implemented_state_is_not_covered():
    tx = make_nurse(home_state="TX", multistate_license=True)
    assert not may_practice(tx, "MA", on=ON)


def test_user_table_overrides_membership():
    table = NLCTable({"TX": dt.date(2018, 1, 19), "CA": dt.date(2026, 1, 1)}, "user")
    tx = make_nurse(home_state="TX", multistate_license=True)
    assert may_practice(tx, "CA", on=ON, nlc=table)
    assert not may_practice(tx, "OK", on=ON, nlc=table)


def test_hai_certification_required_for_every_fill():
    n = make_nurse(hai_certified=False, chemo_certified=True)
    assert not any(is_certified_for(n, i) for i in Infusate)


def test_chemo_certification_required_for_floxuridine_only():
    n = make_nurse(chemo_certified=False)
    assert not is_certified_for(n, Infusate.FLOXURIDINE)
    assert is_certified_for(n, Infusate.HEPARINIZED_SALINE)
    assert is_certified_for(n, Infusate.GLYCERIN)
    assert is_certified_for(make_nurse(chemo_certified=True), Infusate.FLOXURIDINE)


def test_reach_limit_and_unreachable():
    n = make_nurse(max_drive_minutes_one_way=120)
    assert within_reach(n, 120.0)
    assert not within_reach(n, 120.5)
    assert not within_reach(n, float("nan"))
