"""Read a CSV, Parquet or Excel table into rows of strings, with located errors."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from optimizer.errors import DataError, Problem

SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx", ".xls")


@dataclass(frozen=True)
class RawTable:
    """A table as strings: ``rows[i]`` is spreadsheet row ``i + 2`` (the header is row 1)."""

    path: Path
    columns: list[str]
    rows: list[dict[str, str]]

    @property
    def name(self) -> str:
        return self.path.name

    @staticmethod
    def row_number(index: int) -> int:
        return index + 2


def _cell(value: object) -> str:
    """One cell of Parquet/Excel as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 2**53:
            # a whole number in a float column (Parquet makes an int column with a gap float):
            # "1", as a CSV or a spreadsheet holds it, so id 1 is "1" in every file, not "1.0"
            return str(int(value))
        return repr(value)
    if isinstance(value, (bytes, bytearray)):  # a Parquet binary column: its text, not "b'P001'"
        return bytes(value).decode("utf-8", errors="surrogateescape").strip()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date,)):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    try:  # pandas NaT / NA
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return ""
        if isinstance(value, pd.Timestamp):
            return _cell(value.to_pydatetime())
    except ImportError:  # pragma: no cover
        pass
    return str(value).strip()


def _problem(path: Path, message: str, row: int | None = None, column: str | None = None) -> DataError:
    return DataError([Problem(path.name, row, column, message)])


def read_table(path: Path, *, sheet: str, expected: set[str]) -> RawTable:
    """Read ``path`` (CSV, Parquet or Excel sheet ``sheet``) as strings.

    Raises :class:`DataError` for files that cannot be read as a table at all:
    empty, wrong delimiter, missing sheet, unreadable.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, expected)
    if suffix == ".parquet":
        import pandas as pd

        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types
            raise _problem(path, f"cannot read Parquet file: {exc}") from None
        return _from_records(path, list(frame.columns), frame.to_dict("records"))
    if suffix in (".xlsx", ".xls"):
        return _read_excel(path, sheet)
    raise _problem(path, f"unsupported file type {suffix!r}; use one of {', '.join(SUFFIXES)}")


def _from_records(path: Path, columns: list[object], records: list[dict]) -> RawTable:
    names = [str(c).strip() for c in columns]
    rows = [{str(k).strip(): _cell(v) for k, v in rec.items()} for rec in records]
    if not names:
        raise _problem(path, "the file is empty (no header row)")
    return RawTable(path, names, rows)


def _csv_error(reason: str) -> str:
    """What a :mod:`csv` error of a row means to the person who wrote the file."""
    if "field limit" in reason:
        return f"a cell holds more than {csv.field_size_limit()} characters"
    if "unexpected end of data" in reason:
        return ('a quote (") opens a cell here and is never closed, so every row after it would be '
                'read as that one cell: close the quote, or write a quote inside a cell as ""')
    if "expected after" in reason:
        return ('a quote (") closes a cell but the cell goes on after it (text, or a space before the '
                'next comma): put the whole cell in quotes, write each quote inside it as "", and no space '
                'after the closing quote')
    return f"not a readable CSV row ({reason})"


_UNDECODED = re.compile("[\udc80-\udcff]")


def _not_utf8(path: Path, records: list[list[str]]) -> list[Problem]:
    """Every cell (header included) holding bytes that are not UTF-8, one located problem each.

    The cell's text is not quoted (it may be a patient's name); its first such byte is.
    """
    header = [h.strip() for h in records[0]]
    problems = []
    for i, values in enumerate(records):
        for j, value in enumerate(values):
            found = _UNDECODED.search(value)
            if found:
                column = header[j] if i > 0 and j < len(header) else None
                byte = ord(found.group()) - 0xDC00
                problems.append(Problem(path.name, i + 1, column,
                                        f"not UTF-8 text (byte 0x{byte:02X}; Latin-1 or Windows-1252?): "
                                        "save the file as 'CSV UTF-8 (comma delimited)'"))
    return problems


def _read_csv(path: Path, expected: set[str]) -> RawTable:
    raw = path.read_bytes()
    if not raw.strip():
        hint = f": for a table with no rows, write its header row ({', '.join(sorted(expected))})" if expected else ""
        raise _problem(path, f"the file is empty (no header row){hint}")
    first = raw.split(b"\n", 1)[0]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or first.count(b"\x00") * 3 >= len(first):
        raise _problem(path, "the file is UTF-16 text (a spreadsheet's 'Unicode Text'), not UTF-8: "
                             "save it as 'CSV UTF-8 (comma delimited)'")
    # a UTF-8 byte order mark is accepted; bytes that are not UTF-8 are kept as surrogates and
    # located below, cell by cell, once the rows are known
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    # strict: a quote left open would otherwise swallow the rows after it into one cell, and a
    # quote closed in mid-cell ('"a"b') would be dropped without a word
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for values in reader:
            records.append(values)
    except csv.Error as exc:
        raise _problem(path, _csv_error(str(exc)), len(records) + 1) from None
    if not records:
        raise _problem(path, "the file is empty (no header row)")
    undecodable = _not_utf8(path, records)
    if undecodable:
        raise DataError(undecodable)
    names = [h.strip() for h in records[0]]
    if len(names) == 1 and ";" in names[0]:
        parts = {p.strip() for p in names[0].split(";")}
        hint = " (its columns look right)" if parts & expected else ""
        raise _problem(
            path,
            f"the header is one column separated by ';'{hint}: the file is semicolon-delimited; "
            "save it as comma-separated CSV",
            1,
        )
    if len(names) == 1 and "\t" in names[0]:
        raise _problem(path, "the file is tab-delimited; save it as comma-separated CSV", 1)
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    for i, values in enumerate(records[1:]):
        if not any(v.strip() for v in values):
            rows.append({})  # blank line: kept so row numbers stay right, skipped later
            continue
        if len(values) > len(names):
            extra = values[len(names):]
            if any(v.strip() for v in extra):
                problems.append(
                    Problem(path.name, i + 2, None,
                            f"{len(values)} fields but the header has {len(names)}")
                )
        rows.append({n: (values[j].strip() if j < len(values) else "") for j, n in enumerate(names)})
    if problems:
        raise DataError(problems)
    return RawTable(path, names, rows)


def sheet_names(path: Path) -> list[str]:
    """The sheet names of workbook ``path``; :class:`DataError` when it cannot be read."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _problem(path, f"cannot read Excel workbook: {exc}") from None
    try:
        return [ws.title for ws in book.worksheets]
    finally:
        book.close()


def _no_unsaved_formulas(path: Path, title: str, values: list[tuple], header: list[str]) -> None:
    """A formula cell whose workbook holds no computed value (written by a program that does not
    compute, e.g. a script) reads as empty: every such cell of the sheet is a located problem."""
    empty = [(i, j) for i, rec in enumerate(values) for j, v in enumerate(rec) if v is None]
    if not empty:
        return
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        raw = list(book[title].iter_rows(values_only=True))
    finally:
        book.close()
    problems = []
    for i, j in empty:
        text = raw[i][j] if i < len(raw) and j < len(raw[i]) else None
        if isinstance(text, str) and text.startswith("="):
            column = header[j] if i > 0 and j < len(header) else None
            problems.append(Problem(path.name, i + 1, column, "a formula with no saved value: type the value, or "
                                    "open and save the workbook in a spreadsheet program"))
    if problems:
        raise DataError(problems)


def _read_excel(path: Path, sheet: str) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _problem(path, f"cannot read Excel workbook: {exc}") from None
    same = [ws.title for ws in book.worksheets if ws.title.strip().lower() == sheet.lower()]
    if len(same) > 1:
        book.close()
        raise _problem(path, f"the workbook has {len(same)} sheets named {sheet!r} "
                             f"({', '.join(repr(t) for t in same)}): keep one")
    if not same:
        present = ", ".join(repr(ws.title) for ws in book.worksheets)
        book.close()
        raise _problem(path, f"the workbook has no sheet named {sheet!r} (sheets: {present})")
    ws = book[same[0]]
    values = list(ws.iter_rows(values_only=True))
    book.close()
    if not values or not any(v is not None for v in values[0]):
        raise _problem(path, f"sheet {sheet!r} is empty (no header row)")
    header = [_cell(v) for v in values[0]]
    while header and header[-1] == "":
        header.pop()
    _no_unsaved_formulas(path, same[0], values, header)
    rows = []
    for rec in values[1:]:
        cells = [_cell(v) for v in rec]
        if not any(cells):
            rows.append({})
            continue
        rows.append({h: (cells[j] if j < len(cells) else "") for j, h in enumerate(header)})
    return RawTable(path, header, rows)
