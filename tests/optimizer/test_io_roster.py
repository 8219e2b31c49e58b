"""The input contract (SPEC §4): defaults, formats, and the corpus of bad files."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.domain import Infusate
from optimizer.errors import DataError
from optimizer.io import _fields as F
from optimizer.io import load_roster, load_roster_with_report

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = dt.date(2026, 11, 20)
EXPECTED = list(csv.DictReader((DATA / "bad" / "expected.csv").open()))
BAD_FILES = sorted({e["file"] for e in EXPECTED})


def good_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA / "good", d)
    return d


def with_bad_file(tmp_path: Path, name: str) -> Path:
    """The good roster with one table replaced by the bad file ``name``."""
    d = good_dir(tmp_path)
    table = next(e["table"] for e in EXPECTED if e["file"] == name)
    suffix = Path(name).suffix
    (d / f"{table}.csv").unlink()
    shutil.copy(DATA / "bad" / name, d / f"{table}{suffix}")
    return d


def test_good_roster_loads_with_defaults(tmp_path):
    roster = load_roster(good_dir(tmp_path), as_of=AS_OF)
    assert len(roster.patients) == 5 and len(roster.nurses) == 3
    p2 = roster.patient("P002")
    assert p2.state == "OH"  # derived from the location
    assert p2.next_infusate is Infusate.HEPARINIZED_SALINE  # protocol alternation
    assert p2.last_fill_volume_ml == p2.reservoir_ml == 30.0
    assert p2.prescribed_interval_days == 14 and p2.visit_minutes == 60
    p1 = roster.patient("P001")
    assert p1.next_infusate is Infusate.FLOXURIDINE and p1.visit_minutes == 75  # +15 for chemo
    p4 = roster.patient("P004")  # located by ZIP centroid only
    assert p4.state == "OH" and p4.zip == "43215" and 39.9 < p4.lat < 40.0
    p5 = roster.patient("P005")
    assert p5.prescribed_interval_days == 42 and p5.next_infusate is Infusate.GLYCERIN
    n2 = roster.nurse("N2")
    assert n2.home_state == "NJ" and n2.state_licenses == {"NY"} and n2.workdays == {0, 2, 4}
    assert n2.shift_start == dt.time(7, 30) and n2.max_visits_per_day == 5
    assert roster.is_off("N1", dt.date(2026, 11, 25))


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_parquet_and_excel_same_as_csv(tmp_path, fmt):
    src = good_dir(tmp_path)
    other = tmp_path / fmt
    other.mkdir()
    for table in ("patients", "nurses", "time_off"):
        frame = pd.read_csv(src / f"{table}.csv", dtype=str, keep_default_na=False)
        if fmt == "parquet":
            frame.to_parquet(other / f"{table}.parquet")
        else:
            frame.to_excel(other / f"{table}.xlsx", sheet_name=table, index=False)
    assert load_roster(other, as_of=AS_OF) == load_roster(src, as_of=AS_OF)


def test_unknown_extra_columns_are_ignored(tmp_path):
    d = good_dir(tmp_path)
    frame = pd.read_csv(d / "patients.csv", dtype=str, keep_default_na=False)
    frame["oncologist"] = "Dr X"
    frame.to_csv(d / "patients.csv", index=False)
    assert len(load_roster(d, as_of=AS_OF).patients) == 5


def test_utf8_bom_is_accepted(tmp_path):
    d = good_dir(tmp_path)
    shutil.copy(DATA / "bad" / "patients_bom.csv", d / "patients.csv")
    assert load_roster(d, as_of=AS_OF).patient("P001").state == "OH"


def test_inactive_patient_kept_but_marked(tmp_path):
    d = good_dir(tmp_path)
    frame = pd.read_csv(d / "patients.csv", dtype=str, keep_default_na=False)
    frame["active"] = ["true", "false", "true", "yes", "1"]
    frame.to_csv(d / "patients.csv", index=False)
    roster = load_roster(d, as_of=AS_OF)
    assert [p.patient_id for p in roster.active_patients()] == ["P001", "P003", "P004", "P005"]


def test_corpus_has_twenty_or_more_bad_files():
    assert len(BAD_FILES) >= 20
    for name in BAD_FILES:
        assert (DATA / "bad" / name).exists(), name


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_names_file_row_and_column(tmp_path, name):
    d = with_bad_file(tmp_path, name)
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    problems = err.value.problems
    expected = [e for e in EXPECTED if e["file"] == name]
    table = expected[0]["table"]
    for e in expected:
        row = int(e["row"]) if e["row"] else None
        column = e["column"] or None
        hits = [p for p in problems if p.row == row and p.column == column
                and e["message"] in p.message and p.file.startswith(table)]
        assert hits, f"expected {e} among {[str(p) for p in problems]}"
    # nothing else is blamed: every problem is one of those expected
    assert len(problems) == len(expected), [str(p) for p in problems]


def test_all_problems_of_all_files_at_once(tmp_path):
    d = good_dir(tmp_path)
    shutil.copy(DATA / "bad" / "patients_many_problems.csv", d / "patients.csv")
    shutil.copy(DATA / "bad" / "time_off_unknown_nurse.csv", d / "time_off.csv")
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    files = {p.file for p in err.value.problems}
    assert files == {"patients.csv", "time_off.csv"}
    assert len(err.value.problems) == 4


def test_missing_patients_file_is_named(tmp_path):
    d = good_dir(tmp_path)
    (d / "patients.csv").unlink()
    with pytest.raises(DataError, match="no patients.csv"):
        load_roster(d, as_of=AS_OF)


def test_time_off_file_is_optional(tmp_path):
    d = good_dir(tmp_path)
    (d / "time_off.csv").unlink()
    assert load_roster(d, as_of=AS_OF).time_off == frozenset()


# --- no silent guesses (issue 12 item 3) ------------------------------------------------


def test_unknown_columns_are_warned_with_a_did_you_mean(tmp_path):
    d = good_dir(tmp_path)
    frame = pd.read_csv(d / "patients.csv", dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"preferred_nurse_id": "prefered_nurse", "earliest_arrival": "earliest_arival"})
    frame["oncologist"] = "Dr X"
    frame.to_csv(d / "patients.csv", index=False)
    roster, report = load_roster_with_report(d, as_of=AS_OF)
    assert roster.patient("P001").preferred_nurse_id is None  # ignored, but said
    text = "\n".join(report.warnings)
    assert "column 'prefered_nurse': unknown column, ignored; did you mean 'preferred_nurse_id'?" in text
    assert "column 'earliest_arival': unknown column, ignored; did you mean 'earliest_arrival'?" in text
    assert "'oncologist': unknown column, ignored" in text and "oncologist': unknown column, ignored;" not in text
    assert all(w.startswith("patients.csv, row 1, column") for w in report.warnings)
    assert load_roster_with_report(good_dir(tmp_path / "again"), as_of=AS_OF)[1].warnings == []


def test_missing_required_column_suggests_the_misspelt_one(tmp_path):
    d = good_dir(tmp_path)
    frame = pd.read_csv(d / "patients.csv", dtype=str, keep_default_na=False)
    frame.rename(columns={"flow_ml_per_day": "flow_ml_day"}).to_csv(d / "patients.csv", index=False)
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    (p,) = err.value.problems
    assert p.column == "flow_ml_per_day" and "'flow_ml_day' meant to be 'flow_ml_per_day'" in p.message


def test_assumed_values_are_counted_per_column(tmp_path):
    roster, report = load_roster_with_report(good_dir(tmp_path), as_of=AS_OF)
    # good/patients.csv: no next_infusate, interval, visit_minutes, reservoir columns; P002, P004 give no state;
    # P004 is located by its ZIP; only P001 gives last_fill_volume_ml; nurses give no break_minutes
    assert report.assumed == {
        "patients.next_infusate": 5, "patients.prescribed_interval_days": 5, "patients.visit_minutes": 5,
        "patients.reservoir_ml": 5, "patients.last_fill_volume_ml": 4, "patients.state": 2,
        "patients.location_from_zip": 1, "nurses.break_minutes": 3,
    }
    d = good_dir(tmp_path / "given")
    frame = pd.read_csv(d / "patients.csv", dtype=str, keep_default_na=False)
    frame["next_infusate"] = ["floxuridine", "", "", "", ""]
    frame["visit_minutes"] = ["90", "60", "", "", ""]
    frame.to_csv(d / "patients.csv", index=False)
    _, report = load_roster_with_report(d, as_of=AS_OF)
    assert report.assumed["patients.next_infusate"] == 4 and report.assumed["patients.visit_minutes"] == 3
    assert any("next infusate by protocol" in line and "4 row(s)" in line for line in report.lines())
    assert report.as_dict()["assumed"]["patients.visit_minutes"] == 3


def test_month_first_dates_are_refused_with_the_format(tmp_path):
    for text in ("11/23/2026", "03/04/2026", "3/4/26"):
        with pytest.raises(ValueError, match="YYYY-MM-DD.*day and month order is not guessed"):
            F.parse_date(text)
    assert F.parse_date("2026-03-04") == dt.date(2026, 3, 4)
    assert F.parse_date("2026-03-04 00:00:00") == dt.date(2026, 3, 4)  # a spreadsheet datetime


# --- one workbook, names in any case (issue 12 item 2) ---------------------------------


def _workbook(src: Path, book: Path, *, names: dict[str, str] | None = None) -> Path:
    with pd.ExcelWriter(book) as xl:
        for f in sorted(src.glob("*.csv")):
            frame = pd.read_csv(f, dtype=str, keep_default_na=False)
            frame.to_excel(xl, sheet_name=(names or {}).get(f.stem, f.stem), index=False)
    return book


def test_one_workbook_is_a_data_source(tmp_path):
    src = good_dir(tmp_path)
    expected = load_roster(src, as_of=AS_OF)
    book = _workbook(src, tmp_path / "Roster.xlsx", names={"patients": "Patients", "time_off": "TIME_OFF"})
    assert load_roster(book, as_of=AS_OF) == expected
    folder = tmp_path / "only_book"
    folder.mkdir()
    shutil.copy(book, folder / "week 48.xlsx")
    assert load_roster(folder, as_of=AS_OF) == expected
    shutil.copy(book, folder / "week 49.xlsx")
    with pytest.raises(DataError, match="2 workbooks"):
        load_roster(folder, as_of=AS_OF)


def test_workbook_problems_name_the_sheet(tmp_path):
    src = good_dir(tmp_path)
    shutil.copy(DATA / "bad" / "patients_lat_not_number.csv", src / "patients.csv")
    book = _workbook(src, tmp_path / "roster.xlsx")
    with pytest.raises(DataError) as err:
        load_roster(book, as_of=AS_OF)
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == ("roster.xlsx, sheet 'patients'", 3, "lat")
    src2 = good_dir(tmp_path / "two")
    (src2 / "nurses.csv").unlink()
    with pytest.raises(DataError, match="no sheet named 'nurses'"):
        load_roster(_workbook(src2, tmp_path / "no_nurses.xlsx"), as_of=AS_OF)


def test_file_names_in_any_case(tmp_path):
    d = good_dir(tmp_path)
    (d / "patients.csv").rename(d / "Patients.csv")
    (d / "time_off.csv").rename(d / "TIME_OFF.CSV")
    roster = load_roster(d, as_of=AS_OF)
    assert len(roster.patients) == 5 and roster.is_off("N1", dt.date(2026, 11, 25))


def test_hostile_unknown_header_is_escaped_and_cut_in_the_warning(tmp_path):
    d = good_dir(tmp_path)
    frame = pd.read_csv(d / "nurses.csv", dtype=str, keep_default_na=False)
    frame["\x1b[31m<script>" + "x" * 200] = "v"
    frame.to_csv(d / "nurses.csv", index=False)
    _, report = load_roster_with_report(d, as_of=AS_OF)
    (warning,) = report.warnings
    assert "\x1b" not in warning and "\\x1b" in warning and "x" * 100 not in warning


def test_an_id_written_decomposed_is_found_by_its_references(tmp_path):
    # "N\u0303" (N and a combining tilde) is "Ñ" as a reader sees it, and parse_id makes it one id:
    # the set of defined ids must hold the same form, or every reference to it is "no nurse"
    d = good_dir(tmp_path)
    decomposed = "N\u0303"
    for name in ("nurses.csv", "patients.csv", "time_off.csv"):
        (d / name).write_text((d / name).read_text(encoding="utf-8").replace("N1", decomposed), encoding="utf-8")
    roster = load_roster(d, as_of=AS_OF)
    assert roster.patient("P001").preferred_nurse_id == "\u00d1" and roster.is_off("\u00d1", dt.date(2026, 11, 25))


def test_a_misspelt_table_file_or_sheet_is_warned_not_silently_skipped(tmp_path):
    d = good_dir(tmp_path)
    (d / "time_off.csv").rename(d / "timeoff.csv")  # read as no time off at all: N1 planned on her day off
    (d / "README.txt").write_text("notes for the planner", encoding="utf-8")
    roster, report = load_roster_with_report(d, as_of=AS_OF)
    assert not roster.is_off("N1", dt.date(2026, 11, 25))
    (warning,) = report.warnings
    assert "'timeoff.csv' is not read" in warning and "did you mean 'time_off'" in warning
    book = _workbook(good_dir(tmp_path / "b"), tmp_path / "roster.xlsx", names={"time_off": "Time Off"})
    _, report = load_roster_with_report(book, as_of=AS_OF)
    (warning,) = report.warnings
    assert warning.startswith("roster.xlsx") and "sheet 'Time Off' is not read" in warning


def test_values_under_a_nameless_column_are_warned(tmp_path):
    d = good_dir(tmp_path)
    lines = (d / "time_off.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",", lines[1] + ",12:00"]  # the header lost the name 'start'
    (d / "time_off.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, report = load_roster_with_report(d, as_of=AS_OF)
    (warning,) = report.warnings
    assert warning.startswith("time_off.csv, row 1: a column with no name") and "(row 2)" in warning
    assert load_roster_with_report(good_dir(tmp_path / "again"), as_of=AS_OF)[1].warnings == []


@pytest.mark.parametrize("twin", ["\u0420002", "\uff30002"])  # Cyrillic Er, full-width P
def test_an_id_that_looks_like_another_is_a_located_problem(tmp_path, twin):
    d = good_dir(tmp_path)
    text = (d / "patients.csv").read_text(encoding="utf-8")
    (d / "patients.csv").write_text(text.replace("P003,", f"{twin},"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    (p,) = err.value.problems
    assert (p.file, p.row, p.column) == ("patients.csv", 4, "patient_id") and "looks the same" in p.message
    assert "row 3" in p.message


def test_a_reference_drawn_like_a_known_id_says_which(tmp_path):
    d = good_dir(tmp_path)
    text = (d / "patients.csv").read_text(encoding="utf-8")
    (d / "patients.csv").write_text(text.replace(",N1\n", ",\u039d1\n"), encoding="utf-8")  # Greek capital Nu
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    (p,) = err.value.problems
    assert p.column == "preferred_nurse_id" and "it looks like 'N1'" in p.message


def test_parquet_ids_read_as_a_csv_holds_them(tmp_path):
    from optimizer.io._table import read_table

    # a nullable int column comes back float (1.0), a binary column as bytes (b'N2'): the ids are "1" and "N2"
    frame = pd.DataFrame({"nurse_id": [1.0, np.nan], "name": [b"N2", b"Zo\xc3\xab"], "lat": [40.25, 40.0]})
    frame.to_parquet(tmp_path / "nurses.parquet")
    table = read_table(tmp_path / "nurses.parquet", sheet="nurses", expected=set())
    assert table.rows == [{"nurse_id": "1", "name": "N2", "lat": "40.25"}, {"nurse_id": "", "name": "Zoë", "lat": "40"}]


def test_a_zero_byte_optional_file_says_how_to_write_a_table_with_no_rows(tmp_path):
    d = good_dir(tmp_path)
    (d / "time_off.csv").write_bytes(b"")
    with pytest.raises(DataError) as err:
        load_roster(d, as_of=AS_OF)
    (problem,) = err.value.problems
    assert problem.file == "time_off.csv" and "the file is empty" in problem.message
    assert "write its header row" in problem.message and "nurse_id" in problem.message and "date" in problem.message
