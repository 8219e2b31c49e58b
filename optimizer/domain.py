"""Domain objects: plain, immutable, typed. No pandas, no I/O, no rules.

Loaders (``optimizer.io``) build these from files and apply the defaults of
SPEC §4 (one home: :mod:`optimizer.settings`); every rule (windows,
eligibility, routes) reads them.

Operational-only fields (patient ``name``, ``address``, ``phone``, ``notes``;
nurse ``name``, ``phone``, ``email``) are carried for the nurse-facing exports
(visits.csv, itineraries, .ics, plan.xlsx). They never belong in leadership
outputs or logs; they are left out of ``repr`` so that a logged object cannot
leak them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from optimizer import settings

if TYPE_CHECKING:
    from optimizer.rules.company_calendar import Holiday

WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Infusate(str, Enum):
    """What a pump is filled with (SPEC §1)."""

    FLOXURIDINE = "floxuridine"
    HEPARINIZED_SALINE = "heparinized_saline"
    SALINE = "saline"
    GLYCERIN = "glycerin"

    def next_by_protocol(self) -> "Infusate":
        """Floxuridine and heparinized saline alternate; saline and glycerin stay."""
        if self is Infusate.FLOXURIDINE:
            return Infusate.HEPARINIZED_SALINE
        if self is Infusate.HEPARINIZED_SALINE:
            return Infusate.FLOXURIDINE
        return self

    @property
    def is_chemo(self) -> bool:
        return self is Infusate.FLOXURIDINE

    def __str__(self) -> str:  # CSV output writes the value
        return self.value


def minutes_of(t: time) -> int:
    """Minutes since midnight."""
    return t.hour * 60 + t.minute


def _hhmm(text: str) -> time:
    """A default ``HH:MM`` of :mod:`optimizer.settings` as a time."""
    return time.fromisoformat(text)


def _weekdays(text: str) -> frozenset[int]:
    """A default ``Mon;Tue`` list of :mod:`optimizer.settings` as weekday numbers (0 = Monday)."""
    return frozenset(WEEKDAY_NAMES.index(d.strip()) for d in text.split(";") if d.strip())


def _operational() -> str | None:
    """An operational-only text field: compared, never shown by ``repr`` (no names in logs)."""
    return field(default=None, repr=False)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient with an implanted pump in service (SPEC §4, patients.csv)."""

    patient_id: str
    lat: float
    lon: float
    state: str
    flow_ml_per_day: float
    last_fill_date: date
    last_fill_infusate: Infusate
    next_infusate: Infusate
    reservoir_ml: float = settings.RESERVOIR_ML
    last_fill_volume_ml: float = settings.RESERVOIR_ML
    prescribed_interval_days: int = settings.PRESCRIBED_INTERVAL_DAYS["floxuridine"]
    visit_minutes: int = settings.VISIT_MINUTES
    earliest_arrival: time = _hhmm(settings.EARLIEST_ARRIVAL)
    latest_arrival: time = _hhmm(settings.LATEST_ARRIVAL)
    preferred_nurse_id: str | None = None
    active: bool = True
    zip: str | None = None
    #: Operational only (SPEC §4): for nurses and planners, never leadership outputs or logs.
    name: str | None = _operational()
    address: str | None = _operational()
    phone: str | None = _operational()
    notes: str | None = _operational()


@dataclass(frozen=True, slots=True)
class Nurse:
    """An HAI-capable nurse; routes start and end at home (SPEC §4, nurses.csv)."""

    nurse_id: str
    lat: float
    lon: float
    home_state: str
    multistate_license: bool = settings.MULTISTATE_LICENSE
    state_licenses: frozenset[str] = frozenset()
    hai_certified: bool = settings.HAI_CERTIFIED
    chemo_certified: bool = settings.CHEMO_CERTIFIED
    workdays: frozenset[int] = _weekdays(settings.WORKDAYS)  # 0 = Monday
    shift_start: time = _hhmm(settings.SHIFT_START)
    shift_end: time = _hhmm(settings.SHIFT_END)
    max_visits_per_day: int = settings.MAX_VISITS_PER_DAY
    max_drive_minutes_one_way: int = settings.MAX_DRIVE_MINUTES_ONE_WAY
    max_overtime_minutes: int = settings.MAX_OVERTIME_MINUTES
    hourly_cost: float = settings.HOURLY_COST
    zip: str | None = None
    #: Minutes of break in a nurse-day of more than ``settings.BREAK_AFTER_WORK_MINUTES`` of work.
    break_minutes: int = settings.BREAK_MINUTES
    #: Operational only (SPEC §4): for nurses and planners, never leadership outputs or logs.
    name: str | None = _operational()
    phone: str | None = _operational()
    email: str | None = _operational()

    def works_on(self, day: date) -> bool:
        """Whether ``day`` is one of the nurse's weekdays (time off is separate)."""
        return day.weekday() in self.workdays


@dataclass(frozen=True, slots=True)
class TimeOff:
    """Time off for one nurse on one date (time_off.csv): the whole day, or ``start``-``end``.

    ``TimeOff(nurse_id, day)`` (no times) is a whole day off; with ``start`` and ``end``
    the nurse works only outside that part of the day (SPEC §4).
    """

    nurse_id: str
    date: date
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError("part-day time off needs both start and end")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("time off must end after it starts")

    @property
    def whole_day(self) -> bool:
        """No times given: the whole day is off."""
        return self.start is None

    def _key(self) -> tuple[str, date, int, int]:
        if self.start is None or self.end is None:
            return (self.nurse_id, self.date, -1, -1)
        return (self.nurse_id, self.date, minutes_of(self.start), minutes_of(self.end))

    def __lt__(self, other: TimeOff) -> bool:
        return self._key() < other._key()


@dataclass(frozen=True, slots=True)
class PatientAway:
    """A patient away from home from ``start_date`` to ``end_date`` inclusive (patient_away.csv)."""

    patient_id: str
    start_date: date
    end_date: date
    #: Operational only: free text from the file, never for leadership outputs or logs.
    note: str | None = _operational()

    def __post_init__(self) -> None:
        if self.end_date < self.start_date:
            raise ValueError("an absence must end on or after its start")

    def covers(self, day: date) -> bool:
        """Whether the patient is away on ``day``."""
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True, slots=True)
class Partner:
    """A partner team that refills pumps for a price (partners.csv, issue 13 item 2): a way out for a
    refill no nurse of ours can make, and an expansion action (buy coverage instead of hiring).

    Its area is ``state``, narrowed to ``county`` when given, or to ``radius_km`` around
    ``lat``/``lon`` when given. A public business: its name may appear in any output.
    """

    partner: str
    state: str
    cost_per_visit: float
    lead_days: int
    county: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    chemo_certified: bool = settings.CHEMO_CERTIFIED  # floxuridine fills need it, as for nurses (SPEC §4)


@dataclass(frozen=True, slots=True)
class ConfirmedVisit:
    """A visit already promised to a patient (confirmed_visits.csv): nurse, date, optional start.

    A plan keeps it (same nurse and date, start within ±30 minutes when given) unless it
    became impossible (SPEC §4).
    """

    patient_id: str
    nurse_id: str
    date: date
    start: time | None = None


@dataclass(frozen=True, slots=True)
class Horizon:
    """The planning horizon: ``days`` consecutive dates from ``start``."""

    start: date
    days: int = 14

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("a horizon has at least one day")

    @property
    def end(self) -> date:
        """The last date of the horizon (inclusive)."""
        return self.start + timedelta(days=self.days - 1)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def index(self, day: date) -> int:
        """0-based day index of ``day`` in the horizon."""
        return (day - self.start).days


@dataclass(frozen=True)
class Roster:
    """Patients, nurses, time off and the week's commitments, with lookups. Validated by the loaders.

    ``holidays`` is the user's company-holiday list (``holidays.csv``) that replaces the
    default calendar; ``None`` means the default (SPEC §4 "holidays"). Build the calendar of
    a horizon with :meth:`optimizer.rules.company_calendar.HolidayCalendar.of`.
    """

    patients: tuple[Patient, ...]
    nurses: tuple[Nurse, ...]
    time_off: frozenset[TimeOff] = frozenset()
    patient_away: tuple[PatientAway, ...] = ()
    confirmed_visits: tuple[ConfirmedVisit, ...] = ()
    holidays: tuple[Holiday, ...] | None = None
    partners: tuple[Partner, ...] = ()  # partners.csv: teams that refill for a price (issue 13 item 2)
    _patients_by_id: Mapping[str, Patient] = field(init=False, repr=False, compare=False)
    _nurses_by_id: Mapping[str, Nurse] = field(init=False, repr=False, compare=False)
    _off: Mapping[tuple[str, date], tuple[TimeOff, ...]] = field(init=False, repr=False, compare=False)
    _away: Mapping[str, tuple[PatientAway, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_patients_by_id", {p.patient_id: p for p in self.patients})
        object.__setattr__(self, "_nurses_by_id", {n.nurse_id: n for n in self.nurses})
        off: dict[tuple[str, date], list[TimeOff]] = defaultdict(list)
        for t in self.time_off:
            off[(t.nurse_id, t.date)].append(t)
        object.__setattr__(self, "_off", {k: tuple(sorted(v)) for k, v in off.items()})
        away: dict[str, list[PatientAway]] = defaultdict(list)
        for a in self.patient_away:
            away[a.patient_id].append(a)
        object.__setattr__(self, "_away", {k: tuple(v) for k, v in away.items()})

    def patient(self, patient_id: str) -> Patient:
        return self._patients_by_id[patient_id]

    def nurse(self, nurse_id: str) -> Nurse:
        return self._nurses_by_id[nurse_id]

    def has_patient(self, patient_id: str) -> bool:
        return patient_id in self._patients_by_id

    def has_nurse(self, nurse_id: str) -> bool:
        return nurse_id in self._nurses_by_id

    def is_off(self, nurse_id: str, day: date) -> bool:
        """The nurse has the whole of ``day`` off (part-day time off is not a day off)."""
        return any(t.whole_day for t in self._off.get((nurse_id, day), ()))

    def time_off_on(self, nurse_id: str, day: date) -> tuple[TimeOff, ...]:
        """Every time-off entry of the nurse on ``day`` (whole-day and part-day)."""
        return self._off.get((nurse_id, day), ())

    def working_intervals(self, nurse: Nurse, day: date, *, overtime: bool = False) -> tuple[tuple[int, int], ...]:
        """The nurse's working time on ``day``: the shift minus part-day time off.

        Parameters
        ----------
        nurse
            The nurse.
        day
            The date.
        overtime
            Extend the shift by ``max_overtime_minutes`` before taking time off out.

        Returns
        -------
        tuple of (start, end)
            Minutes since midnight, in order, disjoint; empty on a day the nurse does not
            work (not a workday, or a whole day off). Company holidays are not applied here.
        """
        if not nurse.works_on(day) or self.is_off(nurse.nurse_id, day):
            return ()
        end = minutes_of(nurse.shift_end) + (nurse.max_overtime_minutes if overtime else 0)
        free = [(minutes_of(nurse.shift_start), end)]
        for t in self.time_off_on(nurse.nurse_id, day):
            if t.start is None or t.end is None:
                continue
            lo, hi = minutes_of(t.start), minutes_of(t.end)
            free = [piece for a, b in free for piece in ((a, min(b, lo)), (max(a, hi), b)) if piece[0] < piece[1]]
        return tuple(free)

    def available(self, nurse: Nurse, day: date) -> bool:
        """The nurse works on ``day``: a workday, not a day off, and some of the shift is not off."""
        if not nurse.works_on(day) or self.is_off(nurse.nurse_id, day):
            return False
        if not self._off.get((nurse.nurse_id, day)):
            return True
        return bool(self.working_intervals(nurse, day))

    def is_away(self, patient_id: str, day: date) -> bool:
        """The patient is away from home on ``day`` (patient_away.csv)."""
        return any(a.covers(day) for a in self._away.get(patient_id, ()))

    def absences(self, patient_id: str) -> tuple[PatientAway, ...]:
        """The patient's absences, as listed."""
        return self._away.get(patient_id, ())

    def active_patients(self) -> Iterator[Patient]:
        return (p for p in self.patients if p.active)
