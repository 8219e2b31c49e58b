"""The Nurse Licensure Compact (NLC) table, as data the user can update (SPEC §8).

The shipped table ``geodata/data/nlc.csv`` has one row per member state with
its status (``implemented`` or ``enacted``) and the date multistate licenses
became valid there. A user file with the same columns replaces it, either per
call (``table=``) or for the whole process (:func:`set_nlc_table`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from geodata.errors import ProblemCollector
from geodata.states import STATE_CODES

__all__ = ["NLCTable", "load_nlc_table", "nlc_members", "set_nlc_table", "default_nlc_table"]


@dataclass(frozen=True)
class NLCTable:
    """Compact membership: state → implementation date (``None``: enacted only)."""

    implemented: dict[str, date | None]
    source: str

    def members(self, *, on: date) -> frozenset[str]:
        """States where a multistate license is valid on ``on``."""
        return frozenset(s for s, d in self.implemented.items() if d is not None and d <= on)

    def is_member(self, state: str, *, on: date) -> bool:
        d = self.implemented.get(state)
        return d is not None and d <= on


def load_nlc_table(path: str | Path) -> NLCTable:
    """Read an NLC table (columns ``state,status,implemented[,note]``).

    Raises :class:`geodata.errors.DataError` naming row and column of every bad cell.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return _parse(csv.DictReader(fh), str(path))


def _parse(reader: csv.DictReader, name: str) -> NLCTable:
    errors = ProblemCollector(name)
    missing = {"state", "status", "implemented"} - set(reader.fieldnames or ())
    for col in sorted(missing):
        errors.add(1, col, "required column is missing")
    errors.raise_if_any()
    table: dict[str, date | None] = {}
    for i, row in enumerate(reader, start=2):
        state = (row["state"] or "").strip().upper()
        status = (row["status"] or "").strip().lower()
        when = (row["implemented"] or "").strip()
        if state not in STATE_CODES:
            errors.add(i, "state", f"unknown state code {state!r}")
        if status not in ("implemented", "enacted"):
            errors.add(i, "status", f"status must be 'implemented' or 'enacted', not {status!r}")
        implemented: date | None = None
        if status == "implemented":
            try:
                implemented = date.fromisoformat(when)
            except ValueError:
                errors.add(i, "implemented", f"need a date YYYY-MM-DD, not {when!r}")
        if state in table:
            errors.add(i, "state", f"state {state} listed twice")
        table[state] = implemented
    errors.raise_if_any()
    return NLCTable(table, name)


@lru_cache(maxsize=1)
def default_nlc_table() -> NLCTable:
    """The table shipped with the package."""
    ref = resources.files("geodata") / "data" / "nlc.csv"
    with ref.open("r", encoding="utf-8-sig", newline="") as fh:
        return _parse(csv.DictReader(fh), "geodata/data/nlc.csv")


_active: NLCTable | None = None


def set_nlc_table(table: NLCTable | str | Path | None) -> None:
    """Use ``table`` (or a file) for the whole process; ``None`` restores the default."""
    global _active
    _active = load_nlc_table(table) if isinstance(table, (str, Path)) else table


def active_nlc_table() -> NLCTable:
    return _active if _active is not None else default_nlc_table()


def nlc_members(*, on: date, table: NLCTable | None = None) -> frozenset[str]:
    """States that have implemented the compact on ``on``."""
    return (table or active_nlc_table()).members(on=on)
