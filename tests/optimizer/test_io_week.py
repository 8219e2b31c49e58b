"""The week's inputs (SPEC §4, issue 11): part-day time off, patients away, confirmed visits,
holidays, break minutes and the operational columns, from file to domain object."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from optimizer.domain import ConfirmedVisit, Infusate, Nurse, Patient, PatientAway, Roster, TimeOff
from optimizer.errors import DataError
from optimizer.io import load_roster
from optimizer.rules.company_calendar import Holiday, HolidayCalendar

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = dt.date(2026, 11, 20)
TUE = dt.date(2026, 11, 24)
D = dt.date


def week_dir(tmp_path: Path) -> Path:
    """The good roster plus every table of ``tests/data/week``."""
    d = tmp_path / "data"
    shutil.copytree(DATA / "good", d)
    for f in (DATA / "week").iterdir():
        shutil.copy(f, d / f.name)
    return d


def test_week_tables_reach_the_roster(tmp_path):
    roster = load_roster(week_dir(tmp_path), as_of=AS_OF)
    assert TimeOff("N1", D(2026, 11, 25)) in roster.time_off
    assert TimeOff("N1", TUE, dt.time(12), dt.time(14)) in roster.time_off
    assert roster.patient_away == (PatientAway("P003", D(2026, 12, 20), D(2026, 12, 28), "family visit"),)
    assert roster.confirmed_visits == (ConfirmedVisit("P001", "N1", D(2026, 11, 23), dt.time(10)),
                                       ConfirmedVisit("P002", "N1", TUE))
    assert roster.holidays == (Holiday(D(2026, 11, 26), "Thanksgiving Day"), Holiday(D(2026, 12, 24), "Christmas Eve"))


def test_part_day_time_off_leaves_the_rest_of_the_shift(tmp_path):
    roster = load_roster(week_dir(tmp_path), as_of=AS_OF)
    n1, n3 = roster.nurse("N1"), roster.nurse("N3")
    assert roster.working_intervals(n1, TUE) == ((8 * 60, 12 * 60), (14 * 60, 18 * 60))
    assert roster.available(n1, TUE) and not roster.is_off("N1", TUE)
    assert roster.working_intervals(n1, TUE, overtime=True)[-1] == (14 * 60, 19 * 60)
    # the whole day off, and a part-day that covers the whole shift
    assert not roster.available(n1, D(2026, 11, 25)) and roster.working_intervals(n1, D(2026, 11, 25)) == ()
    assert not roster.available(n3, TUE) and roster.working_intervals(n3, TUE) == ()
    assert roster.working_intervals(n1, D(2026, 11, 23)) == ((8 * 60, 18 * 60),)  # no time off that day


def test_time_off_in_the_middle_and_at_the_edges():
    n = Nurse("N", 40.0, -83.0, "OH")
    off = frozenset({TimeOff("N", TUE, dt.time(7), dt.time(9)), TimeOff("N", TUE, dt.time(11), dt.time(12)),
                     TimeOff("N", TUE, dt.time(17, 30), dt.time(20))})
    roster = Roster((), (n,), off)
    assert roster.working_intervals(n, TUE) == ((540, 660), (720, 1050))
    with pytest.raises(ValueError):
        TimeOff("N", TUE, dt.time(12), None)


def test_patient_away_days_are_inclusive(tmp_path):
    roster = load_roster(week_dir(tmp_path), as_of=AS_OF)
    assert not roster.is_away("P003", D(2026, 12, 19))
    assert roster.is_away("P003", D(2026, 12, 20)) and roster.is_away("P003", D(2026, 12, 28))
    assert not roster.is_away("P003", D(2026, 12, 29)) and not roster.is_away("P001", D(2026, 12, 22))


def test_holidays_csv_replaces_the_default_calendar(tmp_path):
    d = week_dir(tmp_path)
    roster = load_roster(d, as_of=AS_OF)
    cal = HolidayCalendar.of(roster.holidays, D(2026, 12, 21), D(2027, 1, 3))
    assert D(2026, 12, 24) in cal and D(2026, 12, 25) not in cal  # the user's list, not the default
    (d / "holidays.csv").unlink()
    default = load_roster(d, as_of=AS_OF)
    assert default.holidays is None
    cal = HolidayCalendar.of(default.holidays, D(2026, 12, 21), D(2027, 1, 3))
    assert D(2026, 12, 25) in cal and D(2027, 1, 1) in cal and D(2026, 12, 24) not in cal
    (d / "holidays.csv").write_text("date,name\n", encoding="utf-8")
    assert load_roster(d, as_of=AS_OF).holidays == ()  # an empty list: no holidays at all


def test_bad_holidays_are_located(tmp_path):
    d = week_dir(tmp_path)
    (d / "holidays.csv").write_text(
        "date,name\n2026-12-24,Eve\n2026-12-24,Again\n12/25/2026,Xmas\n2099-01-01,Far\n2026-12-31,\n",
        encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    got = {(p.row, p.column) for p in err.value.problems}
    assert got == {(3, "date"), (4, "date"), (5, "date")}
    assert all(p.file == "holidays.csv" for p in err.value.problems)
    assert "listed twice" in str(err.value) and "day and month order is not guessed" in str(err.value)


def test_break_minutes_default_from_settings_and_given(tmp_path):
    from optimizer import settings

    d = week_dir(tmp_path)
    text = (d / "nurses.csv").read_text().splitlines()
    text[0] += ",break_minutes"
    text[1] += ",45"
    text[2] += ","
    text[3] += ",0"
    (d / "nurses.csv").write_text("\n".join(text) + "\n")
    roster = load_roster(d, as_of=AS_OF)
    assert roster.nurse("N1").break_minutes == 45
    assert roster.nurse("N2").break_minutes == settings.BREAK_MINUTES == 30
    assert roster.nurse("N3").break_minutes == 0
    assert settings.BREAK_AFTER_WORK_MINUTES == 360
    assert Nurse("N", 0.0, 0.0, "OH").break_minutes == settings.BREAK_MINUTES


def test_operational_columns_kept_but_not_in_repr(tmp_path):
    d = week_dir(tmp_path)
    p = (d / "patients.csv").read_text().splitlines()
    p[0] += ",name,address,phone,notes"
    p[1] += ',Jane Doe,"12 Main St, Columbus",614-555-0100,=HYPERLINK("x")'
    (d / "patients.csv").write_text("\n".join(p) + "\n")
    n = (d / "nurses.csv").read_text().splitlines()
    n[0] += ",name,phone,email"
    n[1] += ",Ann Lee,614-555-0199,ann@example.com"
    (d / "nurses.csv").write_text("\n".join(n) + "\n")
    roster = load_roster(d, as_of=AS_OF)
    p1, n1 = roster.patient("P001"), roster.nurse("N1")
    assert (p1.name, p1.address, p1.phone) == ("Jane Doe", "12 Main St, Columbus", "614-555-0100")
    assert p1.notes == '=HYPERLINK("x")'  # kept as text; every output escapes it
    assert (n1.name, n1.phone, n1.email) == ("Ann Lee", "614-555-0199", "ann@example.com")
    assert roster.patient("P002").name is None
    for shown in (repr(p1), repr(n1), repr(roster)):
        assert "Jane" not in shown and "Main St" not in shown and "Ann Lee" not in shown and "555" not in shown


def test_operational_text_with_control_characters_is_refused(tmp_path):
    d = week_dir(tmp_path)
    p = (d / "patients.csv").read_text().splitlines()
    p[0] += ",name"
    p[2] += ",Bad\x1bName"
    (d / "patients.csv").write_text("\n".join(p) + "\n")
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (3, "name") and "U+001B" in problem.message


def test_domain_defaults_come_from_settings():
    from optimizer import settings

    p = Patient("P", 40.0, -83.0, "OH", 2.0, AS_OF, Infusate.SALINE, Infusate.SALINE)
    assert p.visit_minutes == settings.VISIT_MINUTES and p.reservoir_ml == settings.RESERVOIR_ML
    n = Nurse("N", 40.0, -83.0, "OH")
    assert n.max_visits_per_day == settings.MAX_VISITS_PER_DAY and n.hourly_cost == settings.HOURLY_COST
    assert n.shift_end == dt.time.fromisoformat(settings.SHIFT_END) and n.workdays == frozenset(range(5))
