"""Generate ``docs/input.md`` from the schema, the ranges and the defaults (issue 12 item 2).

Run ``python -m optimizer.io.input_doc > docs/input.md`` after changing a column; a test
checks that the file equals :func:`render`, so the documentation cannot go stale.
"""

from __future__ import annotations

from optimizer import settings
from optimizer.domain import Infusate
from optimizer.io import _fields as F
from optimizer.io.schema import TABLES, Column, Table

__all__ = ["render", "allowed"]

_BY_TYPE: dict[str, str] = {
    "id": f"text, at most {F.MAX_ID_LENGTH} characters, no control or invisible characters",
    "text": f"text, at most {F.MAX_TEXT_LENGTH} characters, no control characters (tab and newline allowed)",
    "HH:MM": "a time of day 00:00-23:59",
    "bool": "true/false (also yes/no, y/n, 1/0, t/f)",
    "infusate": ", ".join(i.value for i in Infusate),
    "ZIP": "5 digits (ZIP+4 and lost leading zeros are accepted); must be a known US ZIP",
    "state code": "a 2-letter US state code or DC",
    "state list": "2-letter state codes separated by ';'",
    "county FIPS": "5 digits: the state's 2-digit FIPS code and the county's 3 (a lost leading zero is accepted)",
    "weekdays": "Mon;Tue;Wed;Thu;Fri;Sat;Sun (full names accepted), ';'-separated, at least one",
    "float": "a finite number",
    "int": "a whole number",
    "date": f"a date {F.DATE_FORMAT}",
}


def allowed(table: str, column: Column) -> str:
    """The allowed values of ``column`` of ``table``, from the one place each rule lives."""
    rng = F.RANGES.get((table, column.name))
    if rng is not None:
        return f"{rng.lo:g} to {rng.hi:g} {rng.unit} ({rng.reason})"
    dates = F.DATE_RANGES.get((table, column.name))
    if dates is not None:
        after = "not after the data date" if dates.days_after == 0 else f"up to {dates.days_after} days after"
        return (f"{F.DATE_FORMAT}, from {dates.days_before} days before the data date, {after} "
                f"({dates.reason})")
    return _BY_TYPE[column.type]


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def _table(t: Table) -> list[str]:
    need = "required" if t.required else "optional"
    lines = [f"## {t.name}", "", f"`{t.name}.csv` ({need}): {t.purpose}.", "",
             "| column | type | required | default | example | allowed | meaning |",
             "|---|---|---|---|---|---|---|"]
    for c in t.columns:
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{c.name}`", c.type, "yes" if c.required else "no", c.default, f"`{c.example}`",
            allowed(t.name, c), c.meaning)) + " |")
    return lines + [""]


_INTRO = f"""# Input data

`haiplan` reads one folder (or one Excel workbook) describing the patients, the nurses and the
week's commitments. This page is generated from the loaders' schema
(`python -m optimizer.io.input_doc > docs/input.md`); a test keeps it in step with the code.
`haiplan template OUT` writes example files of every table, as CSV and as one workbook.

## Files

- A folder holding `patients` and `nurses` tables, and optionally `time_off`, `patient_away`,
  `confirmed_visits` and `holidays`. Each is a CSV (comma-separated, UTF-8), a Parquet file or an
  Excel file with a sheet named like the table. File and sheet names may be in any case
  (`Patients.csv`, sheet `PATIENTS`).
- Or one Excel workbook (`roster.xlsx`, or a folder holding a single workbook and no table files)
  with one sheet per table.
- The header is row 1. Empty rows are skipped. Columns may come in any order.

## Rules for every value

- Dates are **{F.DATE_FORMAT}** (ISO). `11/23/2026` or `03/04/2026` is refused, never guessed:
  `03/04/2026` is March 4 in the US and April 3 elsewhere. A spreadsheet date cell is read as its date.
- Times are `HH:MM` on a 24-hour clock.
- Every date must lie within its range around the data date (`--as-of`, default today).
- An empty optional cell takes its default.

## What a wrong value gets

- **A wrong value** (not parseable, out of its allowed range, an unknown id, a duplicate id, an end
  before its start): an error naming the file, the row (as the spreadsheet shows it) and the
  column. Every problem of every table is listed at once, nothing is planned or written, and the
  command exits with code 2.
- **An unknown column** (for example `prefered_nurse`): kept and ignored, with a warning that
  names it and the nearest known column (`did you mean 'preferred_nurse_id'?`). A misspelt
  *required* column is an error that names the likely culprit.
- **An empty optional value** that the product fills in (next infusate by protocol, default refill
  interval, default visit length, state from the location, ZIP centroid as the location, default
  break): counted per column and listed by `haiplan validate` and in `summary.json`.
- Operational columns (patient `name`, `address`, `phone`, `notes`; nurse `name`, `phone`,
  `email`) reach only the nurse-facing exports (visits.csv, itineraries, .ics, plan.xlsx), never
  leadership reports or logs.

Defaults come from `optimizer/settings.py`; for example a break of {settings.BREAK_MINUTES} minutes
is planned in every nurse-day of more than {settings.BREAK_AFTER_WORK_MINUTES // 60} hours of work.
"""


def render() -> str:
    """The text of ``docs/input.md``."""
    lines = [_INTRO.rstrip(), ""]
    for t in TABLES.values():
        lines += _table(t)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
