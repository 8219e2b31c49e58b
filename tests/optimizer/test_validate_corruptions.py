"""The validator catches a plan corrupted in many different ways (issue 3, item 6)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.validate import check_plan
from validate_plan_fixtures import CALIFORNIAN, PROVIDER, plan_folder
from validate_plan_fixtures import edit as _edit


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    return plan_folder(tmp_path_factory.mktemp("planned"), extra_patients=CALIFORNIAN)


def _shift_time(col: str, minutes: int, row: int = 0):
    def fn(f):
        t = pd.to_datetime(f.loc[row, col]) + pd.Timedelta(minutes=minutes)
        f.loc[row, col] = t.isoformat()
        return f
    return fn


def _set(col: str, value: str, where=None):
    def fn(f):
        idx = f.index[where(f)] if where is not None else f.index[:1]
        f.loc[idx, col] = value
        return f
    return fn


def _visit_on_day(day: str, patient: str = "P001"):
    def fn(f):
        i = f.index[f.patient_id == patient][0]
        for col in ("arrival", "start", "end"):
            f.loc[i, col] = day + f.loc[i, col][10:]
        f.loc[i, "date"] = day
        empty = dt.date.fromisoformat(f.loc[i, "empty_date"])
        f.loc[i, "reserve_days_left"] = str((empty - dt.date.fromisoformat(day)).days)
        return f
    return fn


CORRUPTIONS = {
    # name: (file, edit, rule expected)
    "date_outside_window": ("visits.csv", _visit_on_day("2026-12-04"), "window"),
    "no_license": ("visits.csv", _set("nurse_id", "N3", lambda f: f.patient_id == "P001"), "license"),
    "no_chemo_certificate": ("visits.csv", _set("nurse_id", "N2", lambda f: f.patient_id == "P001"),
                             "certification"),
    "time_off_day": ("visits.csv", _visit_on_day("2026-11-25"), "time_off"),
    "not_a_workday": ("visits.csv", _visit_on_day("2026-11-29"), "workday"),
    "arrival_window": ("visits.csv", _set("start", "2026-11-24T19:00:00", lambda f: f.patient_id == "P002"),
                       "arrival_window"),
    "departs_before_shift": ("nurse_days.csv", _shift_time("depart", -600), "shift"),
    "double_booking": ("visits.csv", lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True),
                       "double_booking"),
    "visit_dropped": ("visits.csv", lambda f: f[f.patient_id != "P002"], "coverage"),
    "false_reason": ("unassigned.csv", _set("reason", "out_of_reach"), "reason"),
    "travel_too_short": ("visits.csv", _set("travel_minutes", "0"), "travel"),
    "arrives_too_early": ("visits.csv", _shift_time("arrival", -120), "sequence_times"),
    "cost_understated": ("nurse_days.csv", _set("cost", "1.00"), "cost"),
    "reserve_misreported": ("visits.csv", _set("reserve_days_left", "9"), "reserve"),
    "sequence_gap": ("visits.csv", _set("seq", "3"), "sequence"),
    "visit_too_short": ("visits.csv", _shift_time("end", -30), "visit_length"),
    "wrong_infusate": ("visits.csv", _set("infusate", "glycerin"), "infusate"),
    "deferred_inside_horizon": ("deferred.csv", lambda f: pd.concat([f, pd.DataFrame([{
        "patient_id": "P006", "state": "CA", "window_start": "2026-11-23", "window_end": "2026-11-27",
        "empty_date": "2026-11-27", "detail": "x"}])], ignore_index=True), "deferred"),
}


def test_clean_plan_has_no_violation(planned):
    roster, plan_dir = planned
    visits = pd.read_csv(plan_dir / "visits.csv")
    assert len(visits) >= 3 and (pd.read_csv(plan_dir / "unassigned.csv").shape[0] >= 1)
    assert check_plan(roster, plan_dir, provider=PROVIDER) == []


def test_at_least_ten_corruptions():
    assert len(CORRUPTIONS) >= 10


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corruption_is_caught(planned, tmp_path, name):
    roster, plan_dir = planned
    file, edit, rule = CORRUPTIONS[name]
    _edit(plan_dir, tmp_path / "bad", file, edit)
    violations = check_plan(roster, tmp_path / "bad", provider=PROVIDER)
    assert rule in {v.rule for v in violations}, [str(v) for v in violations]
