"""Grouping states into regions: the US Census regions, or a user table."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import ArgumentError, ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._rows import Row
from optimizer.io._table import read_table

__all__ = ["CENSUS_REGIONS", "load_regions"]

#: US Census Bureau regions (state → region), the default grouping of the
#: capacity tables. Replace with :func:`load_regions` (CSV ``state,region``).
CENSUS_REGIONS: dict[str, str] = {
    **dict.fromkeys(["CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"], "Northeast"),
    **dict.fromkeys(["IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"],
                    "Midwest"),
    **dict.fromkeys(["DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS",
                     "TN", "AR", "LA", "OK", "TX"], "South"),
    **dict.fromkeys(["AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR",
                     "WA"], "West"),
}


def load_regions(path: str) -> dict[str, str]:
    """Read a user region table: CSV with columns ``state,region``.

    Read as every input table is (:func:`optimizer.io._table.read_table`: UTF-8, quotes, one
    delimiter); every bad cell is a located problem, all at once.

    Parameters
    ----------
    path
        CSV file; states not listed fall back to their Census region.

    Returns
    -------
    dict of str to str
        State code → region name.

    Raises
    ------
    ArgumentError
        The file lacks the ``state`` or ``region`` column.
    DataError
        The file cannot be read as a table, or a state is unknown or a region empty or not plain text.
    """
    table = read_table(Path(path), sheet="regions", expected={"state", "region"})
    missing = {"state", "region"} - set(table.columns)
    if missing:
        raise ArgumentError(f"{path}: region table needs columns state,region (missing {sorted(missing)})")
    errors = ProblemCollector(table.name)
    rows = [Row(table, i, errors) for i, values in enumerate(table.rows) if values]
    user = {row.get("state", F.parse_state, required=True): row.get("region", F.parse_text, required=True)
            for row in rows}
    errors.raise_if_any()
    return {**CENSUS_REGIONS, **user}  # type: ignore[dict-item]
