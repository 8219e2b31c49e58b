"""Spreadsheet-safe cells: no text from data ever becomes a formula (OWASP CSV injection).

A spreadsheet program evaluates a cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return. Every CSV the product writes goes through
:func:`write_csv` (or :func:`safe_rows`), which writes such *text* with a
leading single quote, as OWASP's CSV-injection guidance advises; numbers stay
numbers (``-3`` as an int is written as ``-3``). A text that already begins
with a quote gets one more, so :func:`restore_cell` gives back the exact
original (the product reads its own plan folders).

Excel workbooks are made safe by :func:`optimizer.report.exports.export_excel`
with the same :func:`is_risky` test (cells typed as text, with quotePrefix).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["TRIGGERS", "is_risky", "safe_cell", "restore_cell", "safe_frame", "safe_rows", "write_csv", "write_rows"]

#: First characters that make a spreadsheet read a cell as a formula.
TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: Any) -> bool:
    """True for text a spreadsheet would evaluate (it begins with one of :data:`TRIGGERS`)."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def safe_cell(value: Any) -> Any:
    """``value`` for a CSV cell: risky text (or text beginning with ``'``) gets a leading ``'``.

    Parameters
    ----------
    value
        Any cell value; only ``str`` is changed.

    Returns
    -------
    Any

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x")'), safe_cell(-3), safe_cell("N-3")
    ('\\'=HYPERLINK("http://x")', -3, 'N-3')
    """
    if isinstance(value, str) and (value.startswith(TRIGGERS) or value.startswith("'")):
        return "'" + value
    return value


def restore_cell(text: Any) -> Any:
    """The original text of a cell written by :func:`safe_cell` (reading our own CSVs)."""
    return text[1:] if isinstance(text, str) and text.startswith("'") else text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are :func:`safe_cell`-ed.

    Numeric, boolean and date columns are left as they are.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows of cells, each :func:`safe_cell`-ed (for :mod:`csv` writers)."""
    return [[safe_cell(v) for v in row] for row in rows]


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False, **kwargs: Any) -> Path:
    """``frame.to_csv(path)`` with every text cell made spreadsheet-safe.

    Parameters
    ----------
    frame
        The table.
    path
        Destination file.
    index
        Write the index as a column (as in :meth:`pandas.DataFrame.to_csv`).
    **kwargs
        Passed on to :meth:`pandas.DataFrame.to_csv`.

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    data = safe_frame(frame)
    if index and data.index.dtype == object:
        data.index = data.index.map(safe_cell)
    data.to_csv(p, index=index, **kwargs)
    return p


def write_rows(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
               fmt: Callable[[Any], Any] | None = None) -> Path:
    """A spreadsheet-safe CSV from a header and rows of values.

    Parameters
    ----------
    path
        Destination file.
    columns
        Header.
    rows
        Rows of raw values; text is made safe *before* ``fmt`` runs, so a negative
        number formatted as ``"-1"`` stays a number.
    fmt
        Formats each (made safe) value, e.g. dates as ISO text.

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([safe_cell(c) for c in columns])
        for row in rows:
            cells = [safe_cell(v) for v in row]
            w.writerow([fmt(v) for v in cells] if fmt else cells)
    return p
