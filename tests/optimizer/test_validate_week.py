"""The validator checks the real week from the inputs (issue 11 item 10): holidays, patients away,
part-day time off, breaks, confirmed visits kept, more than one fill per patient, changes.csv.

Each plan folder is planned by the real planner (optimizer.api), made valid for the week's
contract where the planner does not write a column yet (breaks), then corrupted in one way,
or checked against inputs changed in one way: exactly that rule's violation is expected.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer import settings
from optimizer.domain import ConfirmedVisit, PatientAway, Roster, TimeOff
from optimizer.rules.company_calendar import Holiday
import optimizer.validate
from optimizer.validate import check_plan
from validate_plan_fixtures import CALIFORNIAN, PROVIDER, edit, plan_folder

THANKSGIVING = "2026-11-26"
VALIDATE = Path(__file__).resolve().parents[2] / "optimizer" / "validate"


def rules_of(roster: Roster, folder: Path) -> set[str]:
    return {v.rule for v in check_plan(roster, folder, provider=PROVIDER)}


def frame(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def with_(roster: Roster, **changes) -> Roster:
    return dataclasses.replace(roster, **changes)


def hm(t: pd.Timestamp) -> dt.time:
    return dt.time(t.hour, t.minute)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """Two weeks of the good roster and a Californian no nurse may treat (listed unassigned)."""
    return plan_folder(tmp_path_factory.mktemp("week"), extra_patients=CALIFORNIAN)


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """Two weeks without the far patients: every nurse-day is short (no break due)."""
    return plan_folder(tmp_path_factory.mktemp("short"), drop=("P002", "P005"))


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """Four weeks: patients get a second fill."""
    return plan_folder(tmp_path_factory.mktemp("month"), days=28)


def test_the_plans_are_valid(week, short, month):
    for roster, folder in (week, short, month):
        assert check_plan(roster, folder, provider=PROVIDER) == []
    days = frame(week[1], "nurse_days.csv")
    assert (days.work_minutes.astype(float) > settings.BREAK_AFTER_WORK_MINUTES).any()
    assert (frame(short[1], "nurse_days.csv").work_minutes.astype(float) <= settings.BREAK_AFTER_WORK_MINUTES).all()
    assert (frame(month[1], "visits.csv").fill_no.astype(int) >= 2).any()


def move_route(src: Path, dst: Path, nurse_id: str, day: str, to: str) -> None:
    """Move a whole nurse-day to date ``to`` (times kept, reserve days recomputed)."""
    shutil.copytree(src, dst)
    visits, days = frame(dst, "visits.csv"), frame(dst, "nurse_days.csv")
    rows = (visits.nurse_id == nurse_id) & (visits.date == day)
    for col in ("arrival", "start", "end"):
        visits.loc[rows, col] = to + visits.loc[rows, col].str[10:]
    visits.loc[rows, "date"] = to
    empty = pd.to_datetime(visits.loc[rows, "empty_date"])
    visits.loc[rows, "reserve_days_left"] = (empty - pd.Timestamp(to)).dt.days.astype(str)
    row = (days.nurse_id == nurse_id) & (days.date == day)
    for col in ("depart", "return", "break_start", "break_end"):
        days.loc[row & (days[col] != ""), col] = to + days.loc[row & (days[col] != ""), col].str[10:]
    days.loc[row, "date"] = to
    visits.to_csv(dst / "visits.csv", index=False)
    days.to_csv(dst / "nurse_days.csv", index=False)


def test_the_validator_never_reads_the_planner():
    imported = set()
    for path in VALIDATE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
    assert "optimizer.rules.windows" in imported and "optimizer.io.cells" in imported  # the walk sees imports
    assert not {m for m in imported if m.startswith(("optimizer.planning", "optimizer.routing"))}


def test_the_package_docstring_names_every_rule():
    raised = {m for path in VALIDATE.glob("*.py")
              for m in re.findall(r'(?:ctx\.bad|Violation)\("([a-z_]+)"', path.read_text())}
    doc = optimizer.validate.__doc__.split("Rule names of :class:`Violation`:")[1]
    named = {w.strip(" .\n") for w in doc.split(",")}
    assert {"holiday", "patient_away", "part_time_off", "break", "confirmed", "change_reason", "changes",
            "fill_no"} <= raised
    assert named == raised


# ---- holidays ----

def test_a_visit_on_a_holiday_of_holidays_csv(week):
    roster, folder = week
    v = frame(folder, "visits.csv").iloc[0]
    day = dt.date.fromisoformat(v.date)
    assert rules_of(with_(roster, holidays=(Holiday(day, "Company day"),)), folder) == {"holiday"}
    free = sorted(set(pd.date_range("2026-11-23", periods=14).strftime("%Y-%m-%d"))
                  - set(frame(folder, "visits.csv").date))[0]
    assert rules_of(with_(roster, holidays=(Holiday(dt.date.fromisoformat(free), "x"),)), folder) == set()


def test_a_route_moved_onto_thanksgiving_of_the_default_calendar(week, tmp_path):
    roster, folder = week
    visits = frame(folder, "visits.csv")
    routes = [(nid, d) for (nid, d), vs in visits.groupby(["nurse_id", "date"])
              if (vs.window_start <= THANKSGIVING).all() and (vs.window_end >= THANKSGIVING).all()
              and roster.nurse(nid).works_on(dt.date.fromisoformat(THANKSGIVING))]
    assert routes, "a route whose windows hold Thanksgiving"
    move_route(folder, tmp_path / "bad", *routes[0], THANKSGIVING)
    assert roster.holidays is None  # the default calendar
    assert rules_of(roster, tmp_path / "bad") == {"holiday"}


# ---- patients away ----

def test_a_visit_while_the_patient_is_away(week):
    roster, folder = week
    v = frame(folder, "visits.csv").iloc[0]
    day = dt.date.fromisoformat(v.date)
    away = with_(roster, patient_away=(PatientAway(v.patient_id, day, day),))
    assert rules_of(away, folder) == {"patient_away"}
    other = with_(roster, patient_away=(PatientAway(v.patient_id, day + dt.timedelta(days=1), day + dt.timedelta(days=3)),))
    assert rules_of(other, folder) == set()


def test_the_reason_patient_away_must_be_true(week, tmp_path):
    roster, folder = week
    edit(folder, tmp_path / "away", "unassigned.csv",
         lambda f: f.assign(reason=f.reason.where(f.patient_id != "P006", "patient_away")))
    assert rules_of(roster, tmp_path / "away") == {"reason"}  # P006 is home all along
    u = frame(folder, "unassigned.csv").set_index("patient_id").loc["P006"]
    trip = PatientAway("P006", dt.date.fromisoformat(u.window_start) - dt.timedelta(days=2),
                       dt.date.fromisoformat(u.window_end))
    assert rules_of(with_(roster, patient_away=(trip,)), tmp_path / "away") == set()
    short_trip = dataclasses.replace(trip, end_date=dt.date.fromisoformat(u.window_end) - dt.timedelta(days=1))
    assert rules_of(with_(roster, patient_away=(short_trip,)), tmp_path / "away") == {"reason"}


# ---- part-day time off ----

def _off(roster: Roster, nurse_id: str, day: str, start: dt.time, end: dt.time) -> Roster:
    return with_(roster, time_off=roster.time_off | {TimeOff(nurse_id, dt.date.fromisoformat(day), start, end)})


def test_part_day_time_off_over_a_visit(week):
    roster, folder = week
    v = frame(folder, "visits.csv").iloc[0]
    start = pd.Timestamp(v.start)
    off = _off(roster, v.nurse_id, v.date, hm(start + pd.Timedelta(minutes=10)), hm(start + pd.Timedelta(minutes=20)))
    assert rules_of(off, folder) == {"part_time_off"}


def test_part_day_time_off_over_a_drive_leg_only(week):
    roster, folder = week
    visits = frame(folder, "visits.csv")
    v = visits[visits.travel_minutes.astype(float) >= 60].iloc[0]
    arrival = pd.Timestamp(v.arrival)
    off = _off(roster, v.nurse_id, v.date, hm(arrival - pd.Timedelta(minutes=40)), hm(arrival - pd.Timedelta(minutes=10)))
    assert rules_of(off, folder) == {"part_time_off"}


def test_part_day_time_off_outside_the_route_is_kept(week):
    roster, folder = week
    days = frame(folder, "nurse_days.csv")
    d = days[pd.to_datetime(days["return"]).dt.hour < 17].iloc[0]
    ret = pd.Timestamp(d["return"]) + pd.Timedelta(minutes=5)
    assert rules_of(_off(roster, d.nurse_id, d.date, hm(ret), dt.time(17, 30)), folder) == set()


# ---- breaks ----

def _long_day(folder: Path) -> int:
    days = frame(folder, "nurse_days.csv")
    return int(days.index[days.work_minutes.astype(float) > settings.BREAK_AFTER_WORK_MINUTES][0])


def _set_break(start_of, minutes: int | None = None):
    """An edit of nurse_days.csv: the long day's break from ``start_of(row, visits)``."""
    def fn(days: pd.DataFrame, folder: Path) -> pd.DataFrame:
        i = _long_day(folder)
        row = days.loc[i]
        visits = frame(folder, "visits.csv")
        vs = visits[(visits.nurse_id == row.nurse_id) & (visits.date == row.date)]
        start = start_of(row, vs)
        length = pd.Timedelta(minutes=minutes if minutes is not None else 30)
        days.loc[i, ["break_start", "break_end"]] = [start.isoformat(), (start + length).isoformat()]
        return days
    return fn


BREAKS = {
    "too_short": _set_break(lambda row, vs: pd.Timestamp(row.break_start), minutes=10),
    "over_a_visit": _set_break(lambda row, vs: pd.Timestamp(vs.iloc[0].start)),
    "over_a_leg": _set_break(lambda row, vs: pd.Timestamp(vs.iloc[0].arrival)
                             - pd.Timedelta(minutes=float(vs.iloc[0].travel_minutes))),
    "before_departure": _set_break(lambda row, vs: pd.Timestamp(row.depart) - pd.Timedelta(minutes=45)),
    "after_return": _set_break(lambda row, vs: pd.Timestamp(row["return"]) + pd.Timedelta(minutes=5)),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_a_misplaced_break(week, tmp_path, name):
    roster, folder = week
    assert float(frame(folder, "visits.csv").travel_minutes.astype(float).max()) >= 60  # legs a break can hit
    edit(folder, tmp_path / "bad", "nurse_days.csv", lambda f: BREAKS[name](f, folder))
    assert rules_of(roster, tmp_path / "bad") == {"break"}


def test_a_long_day_without_its_break(week, tmp_path):
    roster, folder = week
    i = _long_day(folder)
    edit(folder, tmp_path / "blank", "nurse_days.csv", lambda f: f.assign(
        break_start=f.break_start.where(f.index != i, ""), break_end=f.break_end.where(f.index != i, "")))
    assert rules_of(roster, tmp_path / "blank") == {"break"}
    edit(folder, tmp_path / "old", "nurse_days.csv", lambda f: f.drop(columns=["break_start", "break_end"]))
    assert rules_of(roster, tmp_path / "old") == {"break"}  # an older plan: no breaks


def test_an_older_plan_of_short_days_needs_no_break_columns(short, tmp_path):
    roster, folder = short
    edit(folder, tmp_path / "old", "nurse_days.csv", lambda f: f.drop(columns=["break_start", "break_end"]))
    assert rules_of(roster, tmp_path / "old") == set()


# ---- confirmed visits and changes.csv ----

def _p001(folder: Path, roster: Roster) -> tuple[pd.Series, str]:
    """P001's planned visit and another day of its window in the horizon on which its nurse works."""
    v = frame(folder, "visits.csv").set_index("patient_id").loc["P001"]
    other = [d for d in pd.date_range(v.window_start, v.window_end).strftime("%Y-%m-%d")
             if d != v.date and d >= "2026-11-23"
             and roster.available(roster.nurse(v.nurse_id), dt.date.fromisoformat(d))]
    assert other, "P001's window holds a second working day in the horizon"
    return v, other[0]


def _with_change(folder: Path, dst: Path, v: pd.Series, nurse_id: str, day: str, reason: str,
                 change: str = "moved") -> Path:
    shutil.copytree(folder, dst)
    pd.DataFrame([{"patient_id": "P001", "change": change, "old_nurse_id": nurse_id, "old_date": day,
                   "new_nurse_id": v.nurse_id if change == "moved" else "",
                   "new_date": v.date if change == "moved" else "", "reason": reason}]).to_csv(
        dst / "changes.csv", index=False)
    return dst


def test_a_confirmed_visit_kept(week):
    roster, folder = week
    v, _ = _p001(folder, roster)
    start = pd.Timestamp(v.start) + pd.Timedelta(minutes=settings.CONFIRMED_START_TOLERANCE_MINUTES)
    kept = ConfirmedVisit("P001", v.nurse_id, dt.date.fromisoformat(v.date), hm(start))
    assert rules_of(with_(roster, confirmed_visits=(kept,)), folder) == set()
    late = dataclasses.replace(kept, start=hm(start + pd.Timedelta(minutes=1)))
    assert rules_of(with_(roster, confirmed_visits=(late,)), folder) == {"confirmed"}
    elsewhere = ConfirmedVisit("P001", v.nurse_id, dt.date.fromisoformat(_p001(folder, roster)[1]))
    assert rules_of(with_(roster, confirmed_visits=(elsewhere,)), folder) == {"confirmed"}


def _truths(roster: Roster, v: pd.Series, day: str, visits: pd.DataFrame) -> dict[str, tuple[str, str, Roster]]:
    """reason -> (nurse, date, roster) of a confirmed visit of P001 that the reason explains.

    For nurse_off the confirmed nurse is one with no visit in the plan that day, so the day off
    added to the inputs explains the move and breaks nothing else.
    """
    d = dt.date.fromisoformat(day)
    busy = set(visits.loc[visits.date == day, "nurse_id"])
    off = next(n.nurse_id for n in roster.nurses if n.nurse_id not in busy)
    return {
        "nurse_off": (off, day, with_(roster, time_off=roster.time_off | {TimeOff(off, d)})),
        "holiday": (v.nurse_id, THANKSGIVING, roster),  # the default calendar
        "patient_away": (v.nurse_id, day, with_(roster, patient_away=(PatientAway("P001", d, d),))),
        "license": ("N3", day, roster),  # N3 holds no Ohio license
        "certification": ("N2", day, roster),  # N2 is not chemo-certified; P001's fill is floxuridine
        "window_moved": (v.nurse_id, "2026-12-04", roster),  # after P001's window
        "capacity": (v.nurse_id, day, roster),  # accepted as stated
    }


@pytest.mark.parametrize("reason", ["nurse_off", "holiday", "patient_away", "license", "certification",
                                    "window_moved", "capacity"])
def test_a_confirmed_visit_moved_for_a_true_reason(week, tmp_path, reason):
    roster, folder = week
    v, day = _p001(folder, roster)
    assert v.infusate == "floxuridine"
    nurse_id, old_date, inputs = _truths(roster, v, day, frame(folder, "visits.csv"))[reason]
    confirmed = with_(inputs, confirmed_visits=(ConfirmedVisit("P001", nurse_id, dt.date.fromisoformat(old_date)),))
    for change in ("moved", "dropped"):
        out = _with_change(folder, tmp_path / change, v, nurse_id, old_date, reason, change)
        assert rules_of(confirmed, out) == set(), change
    if reason != "capacity":  # a visit of the planned nurse on a free day of the window: nothing explains it
        plain = with_(roster, confirmed_visits=(ConfirmedVisit("P001", v.nurse_id, dt.date.fromisoformat(day)),))
        out = _with_change(folder, tmp_path / "false", v, v.nurse_id, day, reason)
        assert rules_of(plain, out) == {"change_reason"}


@pytest.mark.parametrize("column,value,rule", [("change", "shifted", "changes"), ("reason", "busy", "changes"),
                                               ("new_date", "12/01/2026", "changes"),
                                               ("new_nurse_id", "N2", "change_visit")])  # N2 has no such visit
def test_changes_csv_must_be_well_formed(week, tmp_path, column, value, rule):
    roster, folder = week
    v, day = _p001(folder, roster)
    out = _with_change(folder, tmp_path / "c", v, "N1", day, "capacity")
    assert rules_of(roster, out) == set()
    edit(out, tmp_path / "bad", "changes.csv", lambda f: f.assign(**{column: value}))
    assert rules_of(roster, tmp_path / "bad") == {rule}
    edit(out, tmp_path / "short", "changes.csv", lambda f: f.drop(columns=["reason"]))
    assert "changes" in rules_of(roster, tmp_path / "short")


# ---- more than one fill per patient ----

def _second_fill(folder: Path) -> pd.Series:
    """A visit making fill 2 that is alone on its nurse-day, its window inside the horizon, of a patient
    with no later fill left to the next plan (removing it leaves only that fill unmade)."""
    visits = frame(folder, "visits.csv")
    alone = visits.groupby(["nurse_id", "date"]).patient_id.transform("size") == 1
    end = json.loads((folder / "summary.json").read_text())["horizon"]["end"]
    later = set(frame(folder, "deferred.csv").patient_id)
    return visits[(visits.fill_no == "2") & alone & (visits.window_end <= end)
                  & ~visits.patient_id.isin(later)].iloc[0]


def test_fill_numbers_follow_the_dates(month, tmp_path):
    roster, folder = month
    pid = _second_fill(folder).patient_id
    edit(folder, tmp_path / "swap", "visits.csv", lambda f: f.assign(
        fill_no=f.fill_no.where(f.patient_id != pid, f.fill_no.map({"1": "2", "2": "1"}).fillna(f.fill_no))))
    assert rules_of(roster, tmp_path / "swap") == {"fill_no"}
    edit(folder, tmp_path / "old", "visits.csv", lambda f: f.drop(columns=["fill_no"]))
    assert "double_booking" in rules_of(roster, tmp_path / "old")  # an older plan: fill 1 only


def test_the_second_fills_window_follows_the_first_visit(month, tmp_path):
    roster, folder = month
    v = _second_fill(folder)
    edit(folder, tmp_path / "dates", "visits.csv", lambda f: f.assign(
        window_start=f.window_start.where((f.patient_id != v.patient_id) | (f.fill_no != "2"), v.window_end)))
    assert rules_of(roster, tmp_path / "dates") == {"window_dates"}
    later = (pd.Timestamp(v.window_end) + pd.Timedelta(days=1))
    while later.weekday() >= 5 or later.strftime("%Y-%m-%d") in frame(folder, "nurse_days.csv").query(
            "nurse_id == @v.nurse_id").date.values:
        later += pd.Timedelta(days=1)
    move_route(folder, tmp_path / "late", v.nurse_id, v.date, later.strftime("%Y-%m-%d"))
    assert "window" in rules_of(roster, tmp_path / "late")


def test_a_second_fill_due_must_be_visited_or_listed(month, tmp_path):
    roster, folder = month
    v = _second_fill(folder)
    shutil.copytree(folder, tmp_path / "gone")
    visits, days = frame(folder, "visits.csv"), frame(folder, "nurse_days.csv")
    gone = (visits.patient_id == v.patient_id) & (visits.fill_no.astype(int) >= 2)
    sizes = visits.groupby(["nurse_id", "date"]).patient_id.transform("size")
    assert (sizes[gone] == 1).all()  # whole nurse-days go: the routes left are untouched
    visits = visits[~gone]
    keep = set(zip(visits.nurse_id, visits.date))
    days = days[[k in keep for k in zip(days.nurse_id, days.date)]]
    visits.to_csv(tmp_path / "gone" / "visits.csv", index=False)
    days.to_csv(tmp_path / "gone" / "nurse_days.csv", index=False)
    assert rules_of(roster, tmp_path / "gone") == {"coverage"}
    u = frame(folder, "unassigned.csv")
    row = {"patient_id": v.patient_id, "state": v.state, "window_start": v.window_start,
           "window_end": v.window_end, "empty_date": v.empty_date, "reason": "no_capacity_in_window",
           "detail": "", "reserve_days_left": "1"}
    pd.concat([u, pd.DataFrame([row])]).to_csv(tmp_path / "gone" / "unassigned.csv", index=False)
    assert rules_of(roster, tmp_path / "gone") == set()
    pd.concat([u, pd.DataFrame([{**row, "reason": "no_licensed_nurse"}])]).to_csv(
        tmp_path / "gone" / "unassigned.csv", index=False)
    assert rules_of(roster, tmp_path / "gone") == {"reason"}
