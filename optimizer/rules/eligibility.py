"""Who may refill whom (SPEC §5): license, certification, reach. One function per rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from geodata.licensure import NLCTable, active_nlc_table
from optimizer.domain import Infusate, Nurse

__all__ = [
    "Reason",
    "may_practice",
    "is_certified_for",
    "within_reach",
    "license_basis",
]


class Reason(str, Enum):
    """Why a refill is not planned (SPEC §5, §6 unassigned.csv ``reason``)."""

    NO_LICENSED_NURSE = "no_licensed_nurse"
    NO_CERTIFIED_NURSE = "no_certified_nurse"
    OUT_OF_REACH = "out_of_reach"
    NO_CAPACITY_IN_WINDOW = "no_capacity_in_window"
    WINDOW_CLOSED = "window_closed"
    PATIENT_AWAY = "patient_away"  # the window lies inside an absence (patient_away.csv)

    def __str__(self) -> str:
        return self.value


def license_basis(
    nurse: Nurse, state: str, *, on: date, nlc: NLCTable | None = None
) -> str | None:
    """How the nurse may practice in ``state``: ``"single-state"``, ``"home-state"``,
    ``"multistate"`` or ``None``.

    A single-state license covers its state. A multistate (NLC) license covers
    every implemented compact state, and only while the nurse's home state has
    implemented the compact too.
    """
    if state in nurse.state_licenses:
        return "single-state"
    if state == nurse.home_state:
        # every nurse is licensed where she lives: her multistate license when the
        # home state is in the compact, else that state's own license
        return "home-state"
    if nurse.multistate_license:
        table = nlc or active_nlc_table()
        if table.is_member(nurse.home_state, on=on) and table.is_member(state, on=on):
            return "multistate"
    return None


def may_practice(nurse: Nurse, state: str, *, on: date, nlc: NLCTable | None = None) -> bool:
    """Whether ``nurse`` may treat a patient in ``state`` on ``on``."""
    return license_basis(nurse, state, on=on, nlc=nlc) is not None


def is_certified_for(nurse: Nurse, infusate: Infusate) -> bool:
    """HAI certification for every fill; chemo certification for floxuridine."""
    if not nurse.hai_certified:
        return False
    return nurse.chemo_certified or not infusate.is_chemo


def within_reach(nurse: Nurse, drive_minutes: float) -> bool:
    """The one-way drive from the nurse's home is within her limit (nan = unreachable)."""
    return drive_minutes == drive_minutes and drive_minutes <= nurse.max_drive_minutes_one_way
