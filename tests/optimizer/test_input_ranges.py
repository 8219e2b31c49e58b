"""Plausible ranges of every numeric and date field, hostile ids, and coordinates in messages."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.domain import Infusate
from optimizer.errors import DataError
from optimizer.io import _fields as F
from optimizer.io import load_roster
from optimizer.rules.windows import MAX_EMPTY_DAYS, WindowRules, empty_date, refill_window

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = dt.date(2026, 11, 20)
#: A coordinate quoted with more than 2 decimals (e.g. ``40.1234``).
PRECISE = re.compile(r"\d+\.\d{3,}")
HEADER = "patient_id,lat,lon,state,flow_ml_per_day,last_fill_date,last_fill_infusate"


def roster_dir(tmp_path: Path, patients: str | None = None, nurses: str | None = None) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA / "good", d)
    if patients is not None:
        (d / "patients.csv").write_text(patients, encoding="utf-8")
    if nurses is not None:
        (d / "nurses.csv").write_text(nurses, encoding="utf-8")
    return d


@pytest.mark.parametrize("key", sorted(F.RANGES))
def test_every_range_accepts_its_ends_and_refuses_beyond(key):
    rng = F.RANGES[key]
    parse = F.ranged(*key)
    step = 1 if rng.integer else 1e-6 * max(1.0, abs(rng.hi))
    assert parse(f"{rng.lo:g}") == rng.lo and parse(f"{rng.hi:g}") == rng.hi
    for outside in (rng.lo - step, rng.hi + step):
        with pytest.raises(ValueError, match=f"must be between {rng.lo:g} and {rng.hi:g}"):
            parse(repr(outside) if not rng.integer else str(int(outside)))


@pytest.mark.parametrize("text", ["1e400", "nan", "inf", "-inf", "9" * 400])
def test_non_finite_numbers_are_refused_not_crashed(text):
    with pytest.raises(ValueError, match="not a (finite number|whole number)"):
        F.ranged("nurses", "max_visits_per_day")(text)
    with pytest.raises(ValueError, match="not a finite number|must be between"):
        F.ranged("patients", "flow_ml_per_day")(text)


def test_dates_must_lie_near_the_data_date():
    last = ("patients", "last_fill_date")
    assert F.check_date(AS_OF - dt.timedelta(days=730), table=last[0], column=last[1], as_of=AS_OF)
    for bad in (dt.date(1, 1, 1), AS_OF - dt.timedelta(days=731), AS_OF + dt.timedelta(days=1)):
        with pytest.raises(ValueError):
            F.check_date(bad, table=last[0], column=last[1], as_of=AS_OF)
    assert F.check_date(AS_OF + dt.timedelta(days=730), table="time_off", column="date", as_of=AS_OF)
    with pytest.raises(ValueError, match="must be between"):
        F.check_date(dt.date(9999, 12, 31), table="time_off", column="date", as_of=AS_OF)


@pytest.mark.parametrize("text", ["N" * 65, "N\x00", "N\x1b[31m", "N\u200b1", "N\u2028", "P\u202e1"])
def test_hostile_ids_are_refused(text):
    with pytest.raises(ValueError):
        F.parse_id(text)
    assert F.parse_id("N" * 64) == "N" * 64 and F.parse_id("Zoë-N/4 (night)") == "Zoë-N/4 (night)"


def test_ids_that_look_alike_are_one_id():
    composed, decomposed = "P-\u00d1", "P-N\u0303"  # Ñ, and N with a combining tilde
    assert composed != decomposed and F.parse_id(decomposed) == F.parse_id(composed) == composed


def test_quoted_cell_text_is_cut_and_escaped():
    with pytest.raises(ValueError) as err:
        F.parse_date("x" * 10_000 + "\x1b")
    assert len(str(err.value)) < 120 and "\x1b" not in str(err.value)


def test_extreme_corners_of_the_ranges_load_and_give_windows(tmp_path):
    """The slowest, fullest, oldest pump allowed: windows compute without overflow."""
    oldest = (AS_OF - dt.timedelta(days=730)).isoformat()
    patients = (HEADER + ",reservoir_ml,last_fill_volume_ml,prescribed_interval_days,visit_minutes\n"
                f"P1,39.9612,-82.9988,OH,0.1,{oldest},glycerin,60,60,90,480\n"
                f"P2,39.9612,-82.9988,OH,10,{AS_OF},floxuridine,10,1,7,10\n")
    roster = load_roster(roster_dir(tmp_path, patients), as_of=AS_OF)
    slow, fast = roster.patient("P1"), roster.patient("P2")
    w = refill_window(slow)
    assert w.due == AS_OF - dt.timedelta(days=640) and w.end < AS_OF  # an alarm, not a crash
    assert refill_window(fast).empty == AS_OF  # 1 mL at 10 mL/day: dry the same day
    # a vanishing flow factor (Python API) cannot overflow the date arithmetic
    tiny = WindowRules().with_(flow_factor={"glycerin": 1e-300})
    assert refill_window(slow, rules=tiny).empty == slow.last_fill_date + dt.timedelta(days=MAX_EMPTY_DAYS)
    assert empty_date(AS_OF, 30.0, 2.0, 0.0) == AS_OF + dt.timedelta(days=MAX_EMPTY_DAYS)
    assert empty_date(AS_OF, 30.0, 2.0, 1.0) == AS_OF + dt.timedelta(days=15)
    assert slow.last_fill_infusate is Infusate.GLYCERIN


def test_every_range_problem_of_a_file_is_reported_at_once(tmp_path):
    patients = (HEADER + ",reservoir_ml,prescribed_interval_days,visit_minutes\n"
                "P1,39.9612,-82.9988,OH,1e-300,2026-11-10,saline,10000000,0,2000\n"
                "P2,39.9612,-82.9988,OH,2,0001-01-01,saline,30,14,60\n")
    with pytest.raises(DataError) as err:
        load_roster(roster_dir(tmp_path, patients), as_of=AS_OF)
    got = {(p.row, p.column) for p in err.value.problems}
    assert got == {(2, "flow_ml_per_day"), (2, "reservoir_ml"), (2, "prescribed_interval_days"),
                   (2, "visit_minutes"), (3, "last_fill_date")}


@pytest.mark.parametrize("name", ["patients_outside_us.csv", "patients_lat_lon_precise_out_of_range.csv",
                                  "patients_lat_out_of_range.csv", "patients_lon_out_of_range.csv"])
def test_bad_location_messages_round_coordinates_to_two_decimals(tmp_path, name):
    d = roster_dir(tmp_path, (DATA / "bad" / name).read_text())
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    text = err.value.render()
    assert "row 3" in text
    assert not PRECISE.findall(text), text


def test_cli_turns_former_crashes_into_located_errors(tmp_path):
    """Values that used to raise OverflowError in a real process: exit 2, no traceback."""
    patients = (HEADER + ",reservoir_ml\n"
                "P1,39.961234,-82.998812,OH,2,2026-11-10,saline,10000000\n"
                "P2,39.961234,-82.998812,OH,1e-300,2026-11-10,glycerin,30\n"
                "P3,39.961234,-82.998812,OH,2,0001-01-01,saline,30\n"
                "P4,36.512345,-60.012345,,2,2026-11-10,saline,30\n")
    d = roster_dir(tmp_path, patients)
    res = subprocess.run([sys.executable, "-m", "optimizer.cli", "validate", str(d), "--as-of", "2026-11-20"],
                         capture_output=True, text=True, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 2, out
    assert "Traceback" not in out and "OverflowError" not in out
    for where in ("row 2, column 'reservoir_ml'", "row 3, column 'flow_ml_per_day'",
                  "row 4, column 'last_fill_date'", "row 5, column 'lat'"):
        assert where in out, out
    assert not PRECISE.findall(out), out


_HOSTILE = ["", " ", "1e400", "-1e400", "nan", "-0", "1e-300", "10000000", "\x00", "\x1b[31m", "\u202e",
            "９", "١٢", "🙂", "0001-01-01", "9999-12-31", "23:60", "99:99", "-1", "x" * 5000, "=1+1", "${x}`"]
_PATIENT_ROW = {"patient_id": "P9", "lat": "39.9612", "lon": "-82.9988", "zip": "", "state": "OH",
                "reservoir_ml": "30", "flow_ml_per_day": "2", "last_fill_date": "2026-11-10",
                "last_fill_infusate": "saline", "last_fill_volume_ml": "30", "next_infusate": "saline",
                "prescribed_interval_days": "14", "visit_minutes": "60", "earliest_arrival": "08:00",
                "latest_arrival": "17:00", "preferred_nurse_id": "N1", "active": "true"}
_NURSE_ROW = {"nurse_id": "N9", "lat": "39.98", "lon": "-83.02", "zip": "", "home_state": "OH",
              "multistate_license": "true", "state_licenses": "PA", "hai_certified": "true",
              "chemo_certified": "true", "workdays": "Mon;Tue", "shift_start": "08:00", "shift_end": "18:00",
              "max_visits_per_day": "5", "max_drive_minutes_one_way": "240", "max_overtime_minutes": "60",
              "hourly_cost": "55", "break_minutes": "30"}


def _grid(base: dict[str, str], value: str, id_column: str) -> str:
    """One row per column, holding ``value`` in that column (ids kept unique)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(base))
    writer.writeheader()
    good = dict(base)
    good[id_column] = base[id_column] + "-ok"
    writer.writerow(good)
    for i, column in enumerate(base):
        row = dict(base)
        row[id_column] = f"{base[id_column]}-{i}"
        row[column] = value
        writer.writerow(row)
    return buf.getvalue()


@pytest.mark.parametrize("value", _HOSTILE, ids=range(len(_HOSTILE)))
@pytest.mark.parametrize("as_of", [AS_OF, dt.date(1, 1, 1), dt.date(9999, 12, 31)], ids=["now", "min", "max"])
def test_hostile_cells_in_every_column_give_located_errors_never_a_crash(tmp_path, value, as_of):
    d = roster_dir(tmp_path, _grid(_PATIENT_ROW, value, "patient_id"), _grid(_NURSE_ROW, value, "nurse_id"))
    (d / "time_off.csv").write_text(f"nurse_id,date\nN1,2026-11-25\nN1,{value}\n{value},2026-11-26\n",
                                    encoding="utf-8")
    try:
        load_roster(d, as_of=as_of)
    except DataError as exc:
        text = exc.render()
        assert all(p.file in {"patients.csv", "nurses.csv", "time_off.csv"} for p in exc.problems)
        assert "\x00" not in text and "\x1b" not in text and "\u202e" not in text
        assert len(text) < 400 * len(exc.problems) + 100  # long cells are cut, not echoed


@pytest.mark.parametrize("text", ["2026-12-01 tbc", "2026-12-01Tnoon", "2026-12-01T25:00", "2026-12-01 10:00 or 11:00"])
def test_a_date_followed_by_anything_but_a_time_is_refused(text):
    with pytest.raises(ValueError, match="not a date"):
        F.parse_date(text)


@pytest.mark.parametrize("text", ["2026-12-01T10:00", "2026-12-01 10:15:00", "2026-12-01 10:15:00.250000",
                                  "2026-12-01 10:15:00+00:00"])
def test_a_datetime_keeps_its_date(text):
    assert F.parse_date(text) == dt.date(2026, 12, 1)


@pytest.mark.parametrize("text", ["1_0", "\u0661\u0662", "\uff11\uff12", "0x10"])
def test_numbers_are_ascii_digits_never_python_literals(text):
    # float() reads "1_0" as 10 and Arabic-Indic or full-width digits as 12: a cell like that is refused
    with pytest.raises(ValueError, match="not a number"):
        F.parse_float(text)
    with pytest.raises(ValueError, match="not a whole number"):
        F.parse_int(text)
    assert F.parse_float("-1.5e-3") == -0.0015 and F.parse_int("60.0") == 60 and F.parse_float(".5") == 0.5


def test_a_line_break_in_text_is_a_newline_whatever_the_file_wrote():
    # a CSV written in text mode on Windows has "\r\n" inside its quoted multi-line cells too
    assert F.parse_text("ring twice\r\ndog in the yard") == F.parse_text("ring twice\rdog in the yard") \
        == "ring twice\ndog in the yard"
    with pytest.raises(ValueError, match="U\\+000B"):
        F.parse_text("ring\x0btwice")


@pytest.mark.parametrize("text", [
    "\u0632\u0647\u0631\u0627 \u0645\u062d\u0645\u062f\u200c\u0632\u0627\u062f\u0647",  # Persian: a zero-width non-joiner
    "\u0915\u094d\u200d\u0937",  # Devanagari: a zero-width joiner shapes the conjunct
    "Dr. \U0001F469\u200d\u2695\ufe0f",  # an emoji sequence (woman health worker) joined by ZWJ
    "\u05e9\u05e8\u05d4 \u05db\u05d4\u05df\u200f, Apt 4",  # a right-to-left mark in a Hebrew address
    "\u0634\u0627\u0631\u0639\u061c 12",  # an Arabic letter mark
    "123 Main St\u200e",  # a left-to-right mark
])
def test_names_and_addresses_keep_the_joiners_and_marks_their_script_needs(text):
    # real names and addresses in Persian, Hindi, Hebrew or Arabic carry these invisible characters;
    # refusing them refused the whole roster
    assert F.parse_text(text) == text


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\ufeff", "\u200b"])
def test_text_still_refuses_bidi_overrides_and_other_invisible_characters(char):
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        F.parse_text(f"Pat{char}Example")
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        F.parse_id(f"P{char}1")


@pytest.mark.parametrize("char", ["\u200c", "\u200d", "\u200e", "\u200f", "\u061c"])
def test_ids_stay_plain_text(char):
    with pytest.raises(ValueError, match="ids are plain text"):
        F.parse_id(f"P{char}1")
