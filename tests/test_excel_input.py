"""Excel rosters: a table in two sheets and formulas without a saved value are located problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from optimizer.errors import DataError
from optimizer.io.roster import load_roster


def _workbook_only(tmp_path: Path) -> Path:
    """The template's roster.xlsx alone in a data folder."""
    from optimizer import api

    api.template(tmp_path / "t", as_of=dt.date(2026, 11, 20))
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "t" / "roster.xlsx").rename(data / "roster.xlsx")
    return data


def test_a_workbook_with_two_sheets_of_one_table_is_refused_by_name(tmp_path):
    import openpyxl

    data = _workbook_only(tmp_path)
    book = openpyxl.load_workbook(data / "roster.xlsx")
    book.copy_worksheet(book["patients"]).title = "PATIENTS "
    book.save(data / "roster.xlsx")
    with pytest.raises(DataError) as exc:
        load_roster(data, as_of=dt.date(2026, 11, 20))
    assert "2 sheets named 'patients'" in str(exc.value) and "'PATIENTS '" in str(exc.value)


def test_a_formula_cell_without_a_saved_value_is_a_located_problem(tmp_path):
    import openpyxl

    data = _workbook_only(tmp_path)
    book = openpyxl.load_workbook(data / "roster.xlsx")
    ws = book["patients"]
    header = [c.value for c in ws[1]]
    col = header.index("last_fill_volume_ml") + 1
    ws.cell(row=3, column=col, value="=15+15")  # openpyxl saves the formula, no value
    book.save(data / "roster.xlsx")
    with pytest.raises(DataError) as exc:
        load_roster(data, as_of=dt.date(2026, 11, 20))
    (p,) = exc.value.problems
    assert (p.row, p.column) == (3, "last_fill_volume_ml") and "formula with no saved value" in p.message
    assert p.file == "roster.xlsx, sheet 'patients'"  # the sheet is named, as for any other problem of it
