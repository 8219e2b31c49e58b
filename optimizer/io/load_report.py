"""What a load said without failing: unknown columns, and the values the product assumed.

SPEC §4 keeps unknown extra columns and ignores them; issue 12 asks that nothing is
ignored silently. :class:`LoadReport` collects a warning for every unknown column (with a
did-you-mean) and counts, per ``table.column``, the values that were not in the file but
assumed by the product (next infusate by protocol, default interval, visit length, state
derived from the location, ZIP centroid used). It never holds patient data.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from optimizer.errors import Problem

__all__ = ["LoadReport", "did_you_mean", "ASSUMPTIONS"]

#: What each assumed-value key means, for ``validate`` and summary.json readers.
ASSUMPTIONS: dict[str, str] = {
    "patients.next_infusate": "next infusate by protocol (floxuridine and heparinized saline alternate)",
    "patients.prescribed_interval_days": "default refill interval of the fill in the pump",
    "patients.visit_minutes": "default visit length (+15 min for a floxuridine fill)",
    "patients.last_fill_volume_ml": "last fill assumed to fill the reservoir",
    "patients.reservoir_ml": "default reservoir volume",
    "patients.state": "state derived from the home location",
    "patients.location_from_zip": "home location taken as the ZIP centroid",
    "nurses.home_state": "home state derived from the home-base location",
    "nurses.location_from_zip": "home base taken as the ZIP centroid",
    "nurses.break_minutes": "default break length",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` (case-insensitive), or None when none is close."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    hit = difflib.get_close_matches(word.strip().lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[hit[0]] if hit else None


@dataclass
class LoadReport:
    """Warnings and assumed-value counts of one load; returned with the roster.

    Attributes
    ----------
    warnings
        One located line per unknown column (file, row 1, column: message with a did-you-mean).
    assumed
        ``"table.column"`` -> how many rows got a value the product assumed (see :data:`ASSUMPTIONS`).
    """

    warnings: list[str] = field(default_factory=list)
    assumed: dict[str, int] = field(default_factory=dict)

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """Record a located warning (same form as an error: file, row, column)."""
        self.warnings.append(str(Problem(file, row, column, message)))

    def assume(self, key: str, count: int = 1) -> None:
        """Count ``count`` values assumed for ``key`` (``table.column``)."""
        if count:
            self.assumed[key] = self.assumed.get(key, 0) + count

    def lines(self) -> list[str]:
        """Human-readable lines: the warnings, then one line per assumed column with its count."""
        out = [f"warning: {w}" for w in self.warnings]
        for key, n in sorted(self.assumed.items()):
            out.append(f"assumed: {key} for {n} row(s): {ASSUMPTIONS.get(key, 'default value')}")
        return out

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (for summary.json): no patient data, only counts and column names."""
        return {"warnings": list(self.warnings), "assumed": dict(sorted(self.assumed.items()))}
