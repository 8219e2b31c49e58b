"""Constants of the synthetic roster: columns, defaults, and every modelling assumption (not facts)."""

from __future__ import annotations

from collections.abc import Mapping


#: Bumped whenever the same arguments would give different output.
GENERATOR_VERSION: str = "3"  # 2: homes from the population model (issue 13); 3: only cited HAI centers

#: 25 states + DC: compact members (AZ CO CT FL GA IN MD MO NC NJ OH PA TN TX
#: UT VA WA WI) and non-members (CA IL MA MI MN NY OR DC).
DEFAULT_FOOTPRINT: tuple[str, ...] = (
    "AZ", "CA", "CO", "CT", "DC", "FL", "GA", "IL", "IN", "MA", "MD", "MI", "MN",
    "MO", "NC", "NJ", "NY", "OH", "OR", "PA", "TN", "TX", "UT", "VA", "WA", "WI",
)

#: Share of the fill now in the pump (SPEC §1: floxuridine and heparinized
#: saline alternate during treatment; glycerin while treatment pauses).
DEFAULT_INFUSATE_MIX: Mapping[str, float] = {
    "floxuridine": 0.45,
    "heparinized_saline": 0.35,
    "glycerin": 0.20,
}

PATIENT_COLUMNS: tuple[str, ...] = (
    "patient_id", "lat", "lon", "zip", "state", "reservoir_ml", "flow_ml_per_day",
    "last_fill_date", "last_fill_infusate", "last_fill_volume_ml", "next_infusate",
    "prescribed_interval_days", "visit_minutes", "earliest_arrival", "latest_arrival",
    "preferred_nurse_id", "active",
)
NURSE_COLUMNS: tuple[str, ...] = (
    "nurse_id", "lat", "lon", "home_state", "multistate_license", "state_licenses",
    "hai_certified", "chemo_certified", "workdays", "shift_start", "shift_end",
    "max_visits_per_day", "max_drive_minutes_one_way", "max_overtime_minutes", "hourly_cost",
)
TIME_OFF_COLUMNS: tuple[str, ...] = ("nurse_id", "date")

# --- modelling assumptions (synthetic data, not facts) ----------------------
#: Relative size of a center's HAI program; 1 for centers not listed.
#: MSK runs the oldest and largest HAI program; the others are rough guesses (MDA, RUSH and UMICH
#: left with their rows: no checked page confirmed an HAI program, docs/centers.md).
PROGRAM_SIZE: Mapping[str, float] = {
    "MSK": 3.0, "DUKE": 2.0, "UPMC": 2.0, "MAYOMN": 2.0,
}
#: Residents per member of the civilian labor force, US 2009: population 307.0 M (Census Bureau,
#: Vintage 2009 estimate) / labor force 154.1 M (BLS, annual average 2009) = 1.99 (a fact, rounded).
LABOR_FORCE_PER_RESIDENT = 1 / 1.99
REFERRAL_DECAY_KM = 400.0  # pump placements per resident fall as exp(-km to the nearest center / this)
#: Near a center most pump patients refill at its clinic (Penn Medicine: "you'll visit the medical
#: center every two weeks for pump refills"); the share taking home refills rises from this ...
HOME_REFILL_NEAR_SHARE = 0.25
HOME_REFILL_KM = 60.0  # ... to 1 with this distance scale (1 - exp(-km / this))
CENTER_DECAY_KM = 100.0  # referral center: weight program size x exp(-km / this)
COUNTRYSIDE_JITTER_KM = 10.0  # homes outside places: this far (sd) around one of the county's towns
RURAL_MAX_POPULATION = 10_000  # a "small place"
RURAL_MAX_DENSITY = 50.0  # residents per km2 of a county: below it, small places and countryside are rural
# --- the seed program preset (presets.py): modelling assumptions around the brief's facts --------
#: New home-fill patients per month, ramping linearly over the two years (first to last month).
SEED_ARRIVALS_PER_MONTH = (1.0, 4.0)
SEED_MEAN_STAY_DAYS = 300.0  # time in home-fill service (exponential): pump removed, moved, died
SEED_CHEMO_FROM_DAY = 365  # glycerin fills first; chemotherapy fills from the second year (SPEC §1)
SEED_SWITCH_TO_CHEMO = 0.5  # at a glycerin fill once chemo is offered: P(the next fill is floxuridine)
#: Fills of a chemo course (14 days each): four to six months (Penn Medicine's HAI page: "You'll
#: undergo chemotherapy through the pump for four to six months"); numpy integers' [low, high).
SEED_CHEMO_COURSE_FILLS = (8, 14)
OLDER_PUMP_SHARE = 0.05  # older pumps, 35 mL reservoir (assumption)
OLDER_PUMP_RESERVOIR_ML = 35.0
FULL_RESERVOIR_DAYS = (14.5, 20.0)  # aqueous fill, full reservoir (brief: 14–20 days)
GLYCERIN_SHORT_INTERVAL_SHARE = 0.2  # glycerin refilled every 28 days instead of 42
LONG_VISIT_SHARE = 0.05  # visit_minutes 90 (new patient, teaching)
INACTIVE_SHARE = 0.01  # pump not in service this period (active = false)
SATURDAY_ACCEPT = 0.15  # a Saturday is kept with this probability: about 3 % of fills
PAUSE_SHARE = 0.04  # heparinized saline now, glycerin next (treatment pause)
RESTART_SHARE = 0.05  # glycerin now, floxuridine next (treatment restarts)
NARROW_WINDOWS: tuple[tuple[str, str], ...] = (
    ("08:00", "11:00"), ("09:00", "12:00"), ("10:00", "14:00"), ("12:00", "16:00"), ("13:00", "17:00"),
)
NURSE_MIN_PLACE_POPULATION = 20_000
NURSE_NEAR_KM = 80.0  # a nurse lives within this distance of the patient she follows
NURSE_DECAY_KM = 30.0
NURSE_JITTER_KM = 6.0
#: P(single-state license in a state she cannot otherwise practise in) by the
#: distance to the nearest patient there (km).
NEIGHBOUR_LICENSE_P: tuple[tuple[float, float], ...] = ((60.0, 0.75), (120.0, 0.45), (200.0, 0.15))
MAX_NEIGHBOUR_LICENSES = 3
TRAVEL_LICENSE_SHARE = 0.03
#: (share, workdays or None = default, shift_start, shift_end, max_visits or None)
SHIFT_PATTERNS: tuple[tuple[float, str | None, str | None, str | None, int | None], ...] = (
    (0.55, None, None, None, None),
    (0.15, None, "07:00", "17:00", None),
    (0.08, None, "09:00", "19:00", None),
    (0.08, "Tue;Wed;Thu;Fri;Sat", None, None, None),
    (0.06, "Mon;Tue;Wed;Thu", "07:00", "18:00", 6),
    (0.04, "Mon;Wed;Fri", "08:00", "16:00", 4),
    (0.04, "Mon;Tue;Wed;Thu;Sat", None, None, None),
)
#: Relative RN pay by state (rough, for varied costs; 1.0 when not listed).
WAGE_FACTOR: Mapping[str, float] = {
    "CA": 1.35, "OR": 1.15, "WA": 1.15, "MA": 1.2, "NY": 1.2, "NJ": 1.12, "CT": 1.12, "DC": 1.15,
    "MD": 1.05, "MN": 1.05, "MI": 0.97, "WI": 0.97, "PA": 0.97, "VA": 0.97, "OH": 0.93,
    "IN": 0.92, "MO": 0.9, "NC": 0.92, "GA": 0.93, "FL": 0.93, "TN": 0.88, "TX": 0.95, "UT": 0.95,
}
SINGLE_DAYS_OFF_MEAN = 0.6  # Poisson mean of single days off over 4 weeks
VACATION_SHARE = 0.08  # nurses with a 3–5 workday block off
PREFERRED_MAX_KM = 200.0

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KM_PER_DEG = 111.19
