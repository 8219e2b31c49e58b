"""The input contract (SPEC §4): defaults, formats, and the corpus of bad files."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.domain import Infusate
from optimizer.errors import DataError
from optimizer.io import load_roster

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
