"""The input contract (SPEC §4) as data: every table and column, its type, default and example.

The loaders take their column lists from here, ``docs/input.md`` is generated from here
(:func:`optimizer.io.input_doc.render`), and a test checks that the two agree, so the
documentation cannot drift from what the loaders read. Defaults come from
:mod:`optimizer.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer import settings

__all__ = ["Column", "Table", "TABLES", "columns_of", "required_of", "OPERATIONAL"]


@dataclass(frozen=True)
class Column:
    """One column of an input table, as the documentation shows it."""

    name: str
    type: str
    required: bool
    default: str
    example: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """One input table: its name (file ``<name>.csv`` or sheet ``<name>``), whether it must exist."""

    name: str
    required: bool
    purpose: str
    columns: tuple[Column, ...]


def _c(name: str, type_: str, default: str, example: str, meaning: str, *, required: bool = False) -> Column:
    return Column(name, type_, required, default, example, meaning)


_IVAL = settings.PRESCRIBED_INTERVAL_DAYS
_OPER = "operational only: shown to nurses and planners, never in leadership outputs or logs"

PATIENTS = Table("patients", True, "one row per patient with a pump in service", (
    _c("patient_id", "id", "", "P001",
       "unique, also to the eye (no twin in another alphabet); at most 64 plain characters", required=True),
    _c("lat", "float", "", "39.9612", "home latitude (WGS84); required unless zip is given"),
    _c("lon", "float", "", "-82.9988", "home longitude (WGS84); required unless zip is given"),
    _c("zip", "ZIP", "", "43215", "5-digit ZIP; its centroid is used when lat/lon are empty"),
    _c("state", "state code", "derived from the location", "OH",
       "2-letter; a state that does not match the location is an error"),
    _c("name", "text", "", "Jane Doe", _OPER),
    _c("address", "text", "", "12 Main St, Columbus, OH 43215", _OPER),
    _c("phone", "text", "", "614-555-0100", _OPER),
    _c("notes", "text", "", "dog in the yard", _OPER),
    _c("reservoir_ml", "float", f"{settings.RESERVOIR_ML:g}", "30", "pump reservoir"),
    _c("flow_ml_per_day", "float", "", "2.0",
       "the pump's rate with saline-like fluid at body temperature", required=True),
    _c("last_fill_date", "date", "", "2026-11-10", "date of the last refill (YYYY-MM-DD)", required=True),
    _c("last_fill_infusate", "infusate", "", "heparinized_saline", "what the pump now holds", required=True),
    _c("last_fill_volume_ml", "float", "reservoir_ml", "30", "volume put in at the last fill"),
    _c("next_infusate", "infusate", "by protocol: floxuridine and heparinized_saline alternate; "
       "glycerin and saline stay", "floxuridine", "the fill to deliver (decides chemo certification)"),
    _c("prescribed_interval_days", "int",
       f"{_IVAL['floxuridine']} for floxuridine and (heparinized) saline; {_IVAL['glycerin']} for glycerin",
       "14", "days between refills of the fill now in the pump"),
    _c("visit_minutes", "int",
       f"{settings.VISIT_MINUTES}; +{settings.FLOXURIDINE_EXTRA_MINUTES} when the next fill is floxuridine",
       "60", "length of the home visit"),
    _c("earliest_arrival", "HH:MM", settings.EARLIEST_ARRIVAL, "09:00",
       "the nurse may arrive from (the patient's local time)"),
    _c("latest_arrival", "HH:MM", settings.LATEST_ARRIVAL, "15:00",
       "the nurse may arrive until (the patient's local time)"),
    _c("preferred_nurse_id", "id", "", "N1", "continuity of care; must be a nurse_id of nurses"),
    _c("active", "bool", "true", "true", "false keeps the row but plans nothing for it"),
))

NURSES = Table("nurses", True, "one row per nurse who can do HAI fills", (
    _c("nurse_id", "id", "", "N1",
       "unique, also to the eye (no twin in another alphabet); at most 64 plain characters", required=True),
    _c("lat", "float", "", "39.98", "home base latitude: routes start and end here; required unless zip"),
    _c("lon", "float", "", "-83.02", "home base longitude; required unless zip"),
    _c("zip", "ZIP", "", "43201", "5-digit ZIP; its centroid is used when lat/lon are empty"),
    _c("home_state", "state code", "derived from the location", "OH", "a mismatch with the location is an error"),
    _c("name", "text", "", "Ann Lee", _OPER),
    _c("phone", "text", "", "614-555-0199", _OPER),
    _c("email", "text", "", "ann.lee@example.com", _OPER),
    _c("multistate_license", "bool", str(settings.MULTISTATE_LICENSE).lower(), "true",
       "an NLC multistate license, valid only if home_state has implemented the compact"),
    _c("state_licenses", "state list", "", "CA;NY", "single-state licenses, ';'-separated"),
    _c("hai_certified", "bool", str(settings.HAI_CERTIFIED).lower(), "true", "may do HAI pump refills"),
    _c("chemo_certified", "bool", str(settings.CHEMO_CERTIFIED).lower(), "true",
       "required for floxuridine fills"),
    _c("workdays", "weekdays", settings.WORKDAYS, "Mon;Wed;Fri", "';'-separated Mon..Sun"),
    _c("shift_start", "HH:MM", settings.SHIFT_START, "07:30", "leaves home no earlier"),
    _c("shift_end", "HH:MM", settings.SHIFT_END, "16:00", "back home by (plus overtime); after shift_start"),
    _c("max_visits_per_day", "int", str(settings.MAX_VISITS_PER_DAY), "5", "visits in one day at most"),
    _c("max_drive_minutes_one_way", "int", str(settings.MAX_DRIVE_MINUTES_ONE_WAY), "180",
       "farthest drive from home to a patient"),
    _c("max_overtime_minutes", "int", str(settings.MAX_OVERTIME_MINUTES), "60",
       f"work past shift_end a plan may ask for, at {settings.OVERTIME_MULTIPLIER:g}x hourly_cost"),
    _c("hourly_cost", "float", f"{settings.HOURLY_COST:g}", "55", "$ per hour"),
    _c("break_minutes", "int", str(settings.BREAK_MINUTES), "30",
       f"a break in every nurse-day of more than {settings.BREAK_AFTER_WORK_MINUTES // 60} hours of work"),
))

TIME_OFF = Table("time_off", False, "days (or parts of days) a nurse does not work", (
    _c("nurse_id", "id", "", "N1", "a nurse_id of nurses", required=True),
    _c("date", "date", "", "2026-11-25", "the day (YYYY-MM-DD)", required=True),
    _c("start", "HH:MM", "empty: the whole day", "12:00", "part-day time off from; give start and end together"),
    _c("end", "HH:MM", "empty: the whole day", "15:00", "part-day time off until; after start"),
))

PATIENT_AWAY = Table("patient_away", False, "patients away from home: no visit on those dates", (
    _c("patient_id", "id", "", "P003", "a patient_id of patients", required=True),
    _c("start_date", "date", "", "2026-12-20", "first day away", required=True),
    _c("end_date", "date", "", "2026-12-28", "last day away (inclusive); not before start_date", required=True),
    _c("note", "text", "", "family visit", _OPER),
))

CONFIRMED_VISITS = Table("confirmed_visits", False, "visits already promised to patients; a plan keeps them", (
    _c("patient_id", "id", "", "P001", "a patient_id of patients; one confirmed visit per patient and day",
       required=True),
    _c("nurse_id", "id", "", "N1", "a nurse_id of nurses", required=True),
    _c("date", "date", "", "2026-11-24", "the promised day", required=True),
    _c("start", "HH:MM", "", "10:00",
       "the promised start on the nurse's clock, like the plan's times; the plan keeps it within 30 minutes"),
))

HOLIDAYS = Table("holidays", False, "company holidays: replaces the default calendar (New Year's Day, "
                 "Memorial Day, Independence Day, Labor Day, Thanksgiving, Christmas, observed dates); "
                 "a file with a header and no rows means no company holidays", (
    _c("date", "date", "", "2026-12-24", "no visit on this day; one row per date", required=True),
    _c("name", "text", "company holiday", "Christmas Eve", "shown in plans and reports"),
))

PARTNERS = Table("partners", False, "partner teams that refill pumps for a price: a way out for a refill no "
                 "nurse can make (alternatives.csv) and an action expansion studies may buy; the area is the "
                 "state, narrowed to a county or to a circle when given", (
    _c("partner", "id", "", "Keystone Infusion", "the team's name; unique; shown in plans and reports",
       required=True),
    _c("state", "state code", "", "PA", "the state the team serves (it holds the licenses there)",
       required=True),
    _c("county", "county FIPS", "empty: the whole state", "42003",
       "5-digit county FIPS code (state + county) narrowing the area; in the state"),
    _c("lat", "float", "", "40.44", "center of a circular area; give lat, lon and radius_km together"),
    _c("lon", "float", "", "-79.99", "center of a circular area"),
    _c("radius_km", "float", "empty: no circle", "80", "radius of the circular area around lat/lon"),
    _c("cost_per_visit", "float", "", "350", "$ the team charges per refill", required=True),
    _c("lead_days", "int", "", "3", "days from the request to the first visit it can make", required=True),
    _c("chemo_certified", "bool", str(settings.CHEMO_CERTIFIED).lower(), "true",
       "may deliver floxuridine fills"),
))

#: Every input table, in the order the documentation lists them.
TABLES: dict[str, Table] = {t.name: t for t in (PATIENTS, NURSES, TIME_OFF, PATIENT_AWAY, CONFIRMED_VISITS,
                                                 HOLIDAYS, PARTNERS)}

#: Columns that are operational only (never for leadership outputs or logs), by table.
OPERATIONAL: dict[str, frozenset[str]] = {
    t.name: frozenset(c.name for c in t.columns if c.meaning.startswith("operational only"))
    for t in TABLES.values()
}


def columns_of(table: str) -> tuple[str, ...]:
    """The column names of ``table``, in documentation order."""
    return tuple(c.name for c in TABLES[table].columns)


def required_of(table: str) -> tuple[str, ...]:
    """The columns ``table`` must have (lat/lon-or-zip is checked separately)."""
    return tuple(c.name for c in TABLES[table].columns if c.required)
