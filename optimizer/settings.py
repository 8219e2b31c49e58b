"""Defaults of the product, each with its source (SPEC section or cited fact).

Every value here can be overridden: loaders and rules take keyword options, and
scenario files set them. Nothing in this module imports the rest of the project.
"""

from __future__ import annotations

# --- patients.csv defaults (SPEC §4) ---------------------------------------
RESERVOIR_ML: float = 30.0  # Intera 3000 reservoir, about 30 mL (SPEC §8)
VISIT_MINUTES: int = 60  # a home refill visit takes about an hour (SPEC §8)
FLOXURIDINE_EXTRA_MINUTES: int = 15  # +15 min when the next fill is floxuridine (SPEC §4)
EARLIEST_ARRIVAL: str = "08:00"
LATEST_ARRIVAL: str = "17:00"

# --- nurses.csv defaults (SPEC §4) -----------------------------------------
WORKDAYS: str = "Mon;Tue;Wed;Thu;Fri"
SHIFT_START: str = "08:00"
SHIFT_END: str = "18:00"
MAX_VISITS_PER_DAY: int = 5  # home-infusion productivity is 4–5 visits a day (SPEC §8)
MAX_DRIVE_MINUTES_ONE_WAY: int = 240
MAX_OVERTIME_MINUTES: int = 60
HOURLY_COST: float = 55.0
OVERTIME_MULTIPLIER: float = 1.5  # SPEC §4
BREAK_MINUTES: int = 30  # a break planned in every nurse-day of more than 6 hours of work (SPEC §4, §5)
BREAK_AFTER_WORK_MINUTES: int = 360  # "more than 6 hours of work" (SPEC §4 break_minutes, §5 routes)
HAI_CERTIFIED: bool = True  # SPEC §4 nurses.csv
CHEMO_CERTIFIED: bool = False  # SPEC §4 nurses.csv: required for floxuridine fills
MULTISTATE_LICENSE: bool = False  # SPEC §4 nurses.csv

# --- refill windows (SPEC §5) ----------------------------------------------
PRESCRIBED_INTERVAL_DAYS: dict[str, int] = {
    "floxuridine": 14,
    "heparinized_saline": 14,
    "saline": 14,
    "glycerin": 42,
}
FLOW_FACTOR: dict[str, float] = {  # viscosity factor on the pump's nominal rate
    "floxuridine": 1.0,
    "heparinized_saline": 1.0,
    "saline": 1.0,
    "glycerin": 0.3,  # a full pump lasts about 8 weeks on glycerin (SPEC §1, §5)
}
EARLY_DAYS: dict[str, int] = {  # by the fill now in the pump
    "floxuridine": 1,  # an early refill cuts the chemo course short
    "heparinized_saline": 3,
    "saline": 3,
    "glycerin": 3,
}
LATE_DAYS: int = 1
RESERVE_MARGIN_DAYS: int = 1

# --- costs (SPEC §5, §8) ---------------------------------------------------
IRS_MILEAGE_RATE_PER_MILE: float = 0.725  # IRS business rate 2026
KM_PER_MILE: float = 1.609344

# --- expansion studies (SPEC §2, analyst) ------------------------------------
# Budget of a study that names none (CLI ``expand``, a scenario's default plan):
# a planning assumption, about one hire ($120,000 first-year cost, the
# ``ExpansionCosts.hire`` assumption) plus licenses and certifications.
DEFAULT_EXPANSION_BUDGET_USD: float = 150_000.0

# --- data validation -------------------------------------------------------
MAX_PRESCRIBED_INTERVAL_DAYS: int = 120  # anything longer is a typo, not a regimen
MAX_FLOW_ML_PER_DAY: float = 10.0  # HAI pumps run at 0.5–3 mL/day; above 10 is a typo

# --- network ---------------------------------------------------------------
ALLOW_NETWORK: bool = False  # no network calls unless the user configures them (SPEC §7)

# --- planner objective tiers, in cents (SPEC §5 objective, in this order) ----
# optimizer/rules/objective.py prices the routing model and scores plans with these weights
PENALTY_MISSED_REFILL: int = 1_000_000_000  # $10M: no refill missed that can be made
PENALTY_MISSED_OVERDUE: int = 2_000_000_000  # an overdue refill is the most urgent of all
PENALTY_DEFERRED: int = 100_000_000  # window runs past the horizon: next week's plan can make it
COST_OVERDUE_PER_DAY: int = 5_000_000  # overdue: first day a nurse can make it
COST_LAST_RESERVE_DAY: int = 2_000_000  # $20k: fewest visits in the last reserve day
LAST_RESERVE_DAYS: int = 1  # a visit with this many reserve days left or fewer
COST_NOT_PREFERRED_NURSE: int = 500  # $5: continuity of care
COST_NURSE_DAY_BALANCE: int = 100  # $1 per nurse-day used: a tie-break toward fewer, fuller days

# --- company calendar (SPEC §4 "holidays") ---
DEFAULT_HOLIDAY_NAMES: frozenset[str] = frozenset({  # the six the spec names, by the `holidays` package's names
    "New Year's Day", "Memorial Day", "Independence Day", "Labor Day", "Thanksgiving Day", "Christmas Day",
})
