"""Domain objects: plain, immutable, typed. No pandas, no I/O, no rules.

Loaders (``optimizer.io``) build these from files and apply the defaults of
SPEC §4; every rule (windows, eligibility, routes) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import Enum
from collections.abc import Iterator, Mapping

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
    reservoir_ml: float = 30.0
    last_fill_volume_ml: float = 30.0
    prescribed_interval_days: int = 14
    visit_minutes: int = 60
    earliest_arrival: time = time(8, 0)
    latest_arrival: time = time(17, 0)
    preferred_nurse_id: str | None = None
    active: bool = True
    zip: str | None = None


@dataclass(frozen=True, slots=True)
class Nurse:
    """An HAI-capable nurse; routes start and end at home (SPEC §4, nurses.csv)."""

    nurse_id: str
    lat: float
    lon: float
    home_state: str
    multistate_license: bool = False
    state_licenses: frozenset[str] = frozenset()
    hai_certified: bool = True
    chemo_certified: bool = False
    workdays: frozenset[int] = frozenset(range(5))  # 0 = Monday
    shift_start: time = time(8, 0)
    shift_end: time = time(18, 0)
    max_visits_per_day: int = 5
    max_drive_minutes_one_way: int = 240
    max_overtime_minutes: int = 60
    hourly_cost: float = 55.0
    zip: str | None = None

    def works_on(self, day: date) -> bool:
        """Whether ``day`` is one of the nurse's weekdays (time off is separate)."""
        return day.weekday() in self.workdays


@dataclass(frozen=True, slots=True, order=True)
class TimeOff:
    """A whole day off for one nurse (time_off.csv)."""

    nurse_id: str
    date: date


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
    """Patients, nurses and time off, with lookups. Validated by the loaders."""

    patients: tuple[Patient, ...]
    nurses: tuple[Nurse, ...]
    time_off: frozenset[TimeOff] = frozenset()
    _patients_by_id: Mapping[str, Patient] = field(init=False, repr=False, compare=False)
    _nurses_by_id: Mapping[str, Nurse] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_patients_by_id", {p.patient_id: p for p in self.patients})
        object.__setattr__(self, "_nurses_by_id", {n.nurse_id: n for n in self.nurses})

    def patient(self, patient_id: str) -> Patient:
        return self._patients_by_id[patient_id]

    def nurse(self, nurse_id: str) -> Nurse:
        return self._nurses_by_id[nurse_id]

    def has_patient(self, patient_id: str) -> bool:
        return patient_id in self._patients_by_id

    def has_nurse(self, nurse_id: str) -> bool:
        return nurse_id in self._nurses_by_id

    def is_off(self, nurse_id: str, day: date) -> bool:
        return TimeOff(nurse_id, day) in self.time_off

    def available(self, nurse: Nurse, day: date) -> bool:
        """The nurse works on ``day``: a workday and not a day off."""
        return nurse.works_on(day) and not self.is_off(nurse.nurse_id, day)

    def active_patients(self) -> Iterator[Patient]:
        return (p for p in self.patients if p.active)
