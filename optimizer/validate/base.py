"""What every check shares: the violation record, the run's context, and plan-file readers."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from optimizer.domain import Horizon, Nurse, Patient, Roster
from optimizer.io.cells import restore_cell
from optimizer.rules.company_calendar import HolidayCalendar
from optimizer.rules.windows import RefillWindow, WindowRules
from optimizer.validate.travel import Point, Travel

__all__ = ["TOL_COST", "TOL_KM", "TOL_MIN", "Context", "Fill", "Violation", "minute", "read_rows", "to_dt"]

TOL_MIN = 1.0  # minutes of rounding tolerance on travel legs
TOL_KM = 0.05
TOL_COST = 0.05


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: the rule's name, what is wrong, and where (nurse, date, patient)."""

    rule: str
    message: str
    nurse_id: str = ""
    patient_id: str = ""
    date: str = ""

    def __str__(self) -> str:
        who = " ".join(x for x in (self.nurse_id, self.date, self.patient_id) if x)
        return f"[{self.rule}] {who}: {self.message}" if who else f"[{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class Fill:
    """A refill of a patient: the patient as of that fill, and its window."""

    patient: Patient
    window: RefillWindow


@dataclass
class Context:
    """The inputs of one check run, recomputed from the roster, and the violations found so far.

    Attributes
    ----------
    roster, horizon, rules
        The inputs the plan is checked against.
    travel
        Provider travel times, computed pair by pair.
    windows
        Each active patient's first refill window, from the roster (for a patient made inactive
        after a visit before a re-plan's date, see :func:`optimizer.validate.visits.check_visits`).
    calendar
        The company holidays of the horizon (``holidays.csv`` or the default).
    ends
        Start and end point of each nurse-day by (nurse_id, ISO date), from nurse_days.csv
        (:func:`optimizer.validate.trips.read_ends`); home when absent.
    chains
        Each active patient's fills by the plan in date order, ending with the pending one.
    pending
        Each active patient's fill after the plan's visits (the first fill when none),
        or None when an older plan (no ``fill_no``) visits the patient.
    out
        The violations, in the order found.
    replan_from
        The re-plan date of a re-plan's folder (``summary.json`` ``solver.replan_from``): its
        horizon starts with the previous plan's days, and a fill not made before this date whose
        window closed before it is overdue from it on (:meth:`overdue`).
    row_window
        The window of the fill each visit row makes, by ``id(row)`` (set by the visit checks).
    """

    roster: Roster
    horizon: Horizon
    rules: WindowRules
    travel: Travel
    windows: dict[str, RefillWindow]
    calendar: HolidayCalendar
    chains: dict[str, list[Fill]] = field(default_factory=dict)
    pending: dict[str, Fill | None] = field(default_factory=dict)
    out: list[Violation] = field(default_factory=list)
    ends: dict[tuple[str, str], tuple[Point, Point]] = field(default_factory=dict)
    replan_from: date | None = None
    row_window: dict[int, RefillWindow] = field(default_factory=dict)

    def overdue(self, w: RefillWindow, on: date | None = None) -> bool:
        """Whether a fill of window ``w``, made on ``on`` (pending: ``None``), is an overdue refill
        (SPEC §5): its window closed before the horizon; in a re-plan, also a fill made on or after
        the re-plan date, or still pending, whose window closed before that date."""
        if w.closed_before(self.horizon):
            return True
        r = self.replan_from
        return r is not None and w.end < r and (on is None or on >= r)

    def history(self, day: str) -> bool:
        """Whether ISO ``day`` lies before a re-plan's date: its visits are the previous plan's, kept
        as they were (SPEC §6 ``haiplan replan``)."""
        return self.replan_from is not None and day < self.replan_from.isoformat()

    def start_end(self, nurse: Nurse, day: str) -> tuple[Point, Point]:
        """Where nurse-day (``nurse``, ISO ``day``) starts and ends: its nurse_days.csv points (an
        overnight trip's lodging, SPEC §6), home when the plan gives none."""
        home = (nurse.lat, nurse.lon)
        return self.ends.get((nurse.nurse_id, day), (home, home))

    def bad(self, rule: str, msg: str, *, nurse_id: str = "", patient_id: str = "", date: str = "") -> None:
        """Record a violation of ``rule``."""
        self.out.append(Violation(rule, msg, nurse_id=nurse_id, patient_id=patient_id, date=date))

    @property
    def due(self) -> set[str]:
        """Patients whose pending fill (see ``pending``) is due in the horizon."""
        return {pid for pid, f in self.pending.items() if f is not None and not f.window.opens_after(self.horizon)}


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a plan CSV, each cell restored from its spreadsheet-safe form."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: restore_cell(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def to_dt(text: str) -> datetime:
    """An ISO datetime cell."""
    return datetime.fromisoformat(text)


def minute(t: datetime, day: date) -> float:
    """Minutes from midnight of ``day`` to ``t``."""
    return (t - datetime.combine(day, datetime.min.time())).total_seconds() / 60.0
