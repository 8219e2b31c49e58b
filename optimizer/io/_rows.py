"""Row-by-row parsing with located problems, and the header checks shared by every table."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from optimizer.errors import ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._table import RawTable
from optimizer.io.cells import restore_cell
from optimizer.io.load_report import LoadReport, did_you_mean
from optimizer.io.schema import columns_of, required_of

__all__ = ["Row", "rows_of", "unique_id", "dated", "known_id", "not_in"]

#: Why two ids that look the same differ (:func:`optimizer.io._fields.id_lookalike`).
_OTHER_CHARACTERS = "a letter of another alphabet, a full-width character or a special space"


class Row:
    """Parses the cells of one row, recording located problems instead of raising."""

    def __init__(self, table: RawTable, index: int, errors: ProblemCollector):
        self.values = table.rows[index]
        self.number = RawTable.row_number(index)
        self.errors = errors
        self.ok = True

    def text(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def get(self, column: str, parse: Callable[[str], object], default: object = None,
            *, required: bool = False) -> object:
        """The parsed cell, ``default`` when empty; a parse error fails the row and gives ``default``."""
        text = self.text(column)
        if not text:
            if required:
                self.fail(column, "required value is empty")
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.fail(column, str(exc))
            return default

    def fail(self, column: str | None, message: str) -> None:
        self.errors.add(self.number, column, message)
        self.ok = False


def _check_columns(table: RawTable, kind: str, errors: ProblemCollector, report: LoadReport | None) -> None:
    known = columns_of(kind)
    unknown = [c for c in table.columns if c and c not in known]
    for col in required_of(kind):
        if col not in table.columns:
            guess = did_you_mean(col, unknown)
            hint = f" (is {F.shown(guess)} meant to be {col!r}?)" if guess else ""
            errors.add(1, col, f"required column is missing{hint}")
    for col in [c for c, n in Counter(table.columns).items() if n > 1 and c]:
        errors.add(1, col, "column appears more than once")
    if kind in ("patients", "nurses"):
        has_ll = "lat" in table.columns and "lon" in table.columns
        if not has_ll and "zip" not in table.columns:
            errors.add(1, "lat", "need lat and lon columns, or a zip column")
        if not any(table.rows):
            errors.add(2, None, "no data rows (the file has only a header)")
    if report is not None:
        nameless = next((r for r, values in enumerate(table.rows) if values.get("", "").strip()), None)
        if nameless is not None:
            report.warn(errors.file, 1, None, f"a column with no name in the header holds values (row "
                                              f"{RawTable.row_number(nameless)}), ignored: name it")
        for col in dict.fromkeys(unknown):
            guess = did_you_mean(col, (k for k in known if k not in table.columns))
            hint = f"; did you mean {guess!r}?" if guess else ""
            report.warn(errors.file, 1, col[:40], f"unknown column, ignored{hint}")


def rows_of(table: RawTable, kind: str, errors: ProblemCollector,
            report: LoadReport | None = None) -> list[Row]:
    """The non-empty rows of ``table``; none when its columns already have problems."""
    _check_columns(table, kind, errors, report)
    if errors.problems:
        return []
    return [Row(table, i, errors) for i, values in enumerate(table.rows) if values]


def unique_id(row: Row, column: str, seen: dict[str, int]) -> str | None:
    """The row's required ``column`` id; a repeat of an id in ``seen``, or an id that looks the same
    (:func:`optimizer.io._fields.id_lookalike`: ``Р001`` in Cyrillic and ``P001``), fails the row.

    ``seen`` maps each id to its row, and each look (under a NUL, which no id holds) to its row.
    """
    value = row.get(column, F.parse_id, required=True)
    if value is not None:
        look = "\x00" + F.id_lookalike(value)  # type: ignore[arg-type]
        if value in seen:
            row.fail(column, f"duplicate {column} {value!r} (first on row {seen[value]})")
        elif look in seen:
            row.fail(column, f"{column} {value!r} looks the same as the {column} on row {seen[look]} but is "
                             f"another id ({_OTHER_CHARACTERS}): retype it")
        else:
            seen[value] = seen[look] = row.number
    return value  # type: ignore[return-value]


def known_id(row: Row, column: str, ids: set[str] | None, *, table: str) -> str | None:
    """The row's required ``column`` id, which must be one of ``ids`` (of ``table``) when known.

    An id the product wrote spreadsheet-safe (``'-P1`` for ``-P1``, :func:`optimizer.io.cells.safe_cell`:
    ``confirmed_visits.csv`` of ``haiplan plan --confirm-days``, read as next week's input) is the
    known id it stands for when the text itself is no id of ``table``.
    """
    value = row.get(column, F.parse_id, required=True)
    if value is not None and ids is not None and value not in ids:
        original = restore_cell(value)
        if original != value and original in ids:
            return original
        row.fail(column, not_in(value, column, ids, table=table))  # type: ignore[arg-type]
    return value  # type: ignore[return-value]


def not_in(value: str, column: str, ids: set[str], *, table: str) -> str:
    """The message for ``value``, an id that is none of ``ids`` (the ``column`` of ``table``); it names
    the id of ``ids`` that ``value`` is drawn like (:func:`optimizer.io._fields.id_lookalike`), if any.
    """
    look = F.id_lookalike(value)
    hint = (f" (it looks like {look!r} but is written with {_OTHER_CHARACTERS})"
            if look != value and look in ids else "")
    return f"no {table[:-1]} with {column} {value!r} in {table}{hint}"


def dated(table: str, column: str, as_of: dt.date) -> Callable[[str], dt.date]:
    """Parser of a date column that enforces its range around ``as_of``."""
    return lambda text: F.check_date(F.parse_date(text), table=table, column=column, as_of=as_of)
