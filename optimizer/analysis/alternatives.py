"""A way out for every refill the plan cannot place (issue 13 items 2-3; SPEC §6 ``alternatives.csv``).

One module decides and prices the ways out, for the plan folder and for the closed-loop
simulation alike:

``clinic``
    a refill at the nearest HAI center (:func:`geodata.centers.hai_centers`, by the patient's
    drive time from the travel provider): the clinic fee plus the patient's round trip at the
    IRS rate, bookable after ``CLINIC_LEAD_DAYS``; the patient's drive is in the note.
``partner_team``
    a team of ``partners.csv`` whose area holds the patient (state, narrowed to a county or a
    circle) and that may deliver the fill (floxuridine needs ``chemo_certified``): its price per
    visit, after its lead days.
``license``
    the nearest nurse who is certified for the fill and within her reach but may not practise
    in the patient's state: the license by endorsement (fee and weeks by state, SPEC §8, from
    :mod:`optimizer.settings`); 2-8 weeks rarely saves this refill but fixes the next ones.
``overnight_trip``
    with the plan's problem, the cheapest trip (one night or more) the trip planner finds on the plan's
    routes (:func:`optimizer.planning.trips.best_trip`: what the plan's cost rises by); else (or
    when it finds none) an estimate for the nearest nurse who may treat the patient but lives
    beyond her one-way limit (up to ``OVERNIGHT_MAX_DRIVE_FACTOR`` times it): the drive both ways
    at her hourly cost and the IRS rate plus one night's lodging and per diem.
``glycerin_bridge``
    when the next fill is not floxuridine (a chemo fill is never swapped without the oncologist):
    a glycerin fill at the clinic or by a partner, which lasts about eight weeks (flow factor
    0.3, SPEC §5) and buys time for a license or a hire; always flagged "needs the oncologist's
    order".

Feasibility within the window: an option whose lead days put it after the refill's last day
(the empty date less the reserve margin, or the first day of the plan for an overdue refill)
is listed as not in time, ranked after every option in time, with a note. Options are ranked
by (in time first, extra cost, lead days, kind). A refill with no option at all says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

import geodata
from geodata.centers import hai_centers
from optimizer import settings
from optimizer.domain import Infusate, Nurse, Partner, Patient, Roster
from optimizer.planning.trips import best_trip, plan_trips
from optimizer.rules.eligibility import is_certified_for, may_practice
from optimizer.rules.windows import glycerin_days

__all__ = ["KINDS", "ALTERNATIVE_COLUMNS", "NO_OPTION", "Option", "RefillWays", "Alternatives", "WaysOut",
           "license_terms", "partner_covers", "partner_serves", "alternatives_for", "way_out"]

log = logging.getLogger(__name__)

#: The kinds of way out, in the order a tie is broken (SPEC §6).
KINDS: tuple[str, ...] = ("overnight_trip", "clinic", "partner_team", "license", "glycerin_bridge")
#: Columns of ``alternatives.csv`` (SPEC §6, plus the refill's empty date and ``in_time``).
ALTERNATIVE_COLUMNS: tuple[str, ...] = (
    "patient_id", "empty_date", "rank", "kind", "by", "extra_cost", "lead_days", "in_time", "note")
#: What ``unassigned.csv`` ``options`` says for a refill with no way out.
NO_OPTION = "no option"
_MILES_PER_KM = 1.0 / settings.KM_PER_MILE


@dataclass(frozen=True, slots=True)
class Option:
    """One way out for one refill, priced.

    ``extra_cost`` is what it costs on top of the plan (USD); ``lead_days`` how many days from the
    plan's first day until it can happen; ``in_time`` whether that is before the refill's last day;
    ``drive_minutes``/``drive_km`` the patient's one-way drive (clinic) when known.
    """

    kind: str
    by: str
    extra_cost: float
    lead_days: int
    in_time: bool = True
    note: str = ""
    drive_minutes: float = math.nan
    drive_km: float = math.nan

    def sort_key(self) -> tuple[bool, float, int, int, str]:
        return (not self.in_time, round(self.extra_cost, 2), self.lead_days, KINDS.index(self.kind), self.by)

    def label(self) -> str:
        """One line for ``unassigned.csv`` ``options`` and the report, e.g. ``clinic: X ($170, 1 d)``."""
        late = "" if self.in_time else ", not in time"
        return f"{self.kind}: {self.by} (${self.extra_cost:,.0f}, {self.lead_days} d{late})"


@dataclass(frozen=True)
class RefillWays:
    """The ranked ways out of one unassigned refill."""

    patient_id: str
    state: str
    empty_date: date
    options: tuple[Option, ...]
    why_none: str = ""

    @property
    def best(self) -> Option | None:
        return self.options[0] if self.options else None

    def summary(self) -> str:
        """The best option in one line, or ``no option`` with the reason."""
        if self.best is None:
            return f"{NO_OPTION}: {self.why_none}" if self.why_none else NO_OPTION
        return self.best.label()


@dataclass
class Alternatives:
    """The ways out of every unassigned refill of a plan, aligned with ``plan.unassigned``."""

    refills: list[RefillWays] = field(default_factory=list)

    def rows(self) -> list[tuple]:
        """``alternatives.csv`` rows (:data:`ALTERNATIVE_COLUMNS`); a refill with no option gets one
        row of kind ``none`` that says so."""
        out: list[tuple] = []
        for r in self.refills:
            if not r.options:
                out.append((r.patient_id, r.empty_date, 1, "none", "", 0.0, 0, False, r.summary()))
            for rank, o in enumerate(r.options, start=1):
                out.append((r.patient_id, r.empty_date, rank, o.kind, o.by, round(o.extra_cost, 2), o.lead_days,
                            o.in_time, o.note))
        return out

    def options_column(self) -> list[str]:
        """``unassigned.csv`` ``options``: the best way out of each refill, in order."""
        return [r.summary() for r in self.refills]

    def best_kinds(self) -> dict[str, int]:
        """Refills per best kind (``none`` for no option): counts only, no patient (de-identified)."""
        out: dict[str, int] = {}
        for r in self.refills:
            k = r.best.kind if r.best else "none"
            out[k] = out.get(k, 0) + 1
        return out


def license_terms(state: str) -> tuple[float, float]:
    """Fee (USD) and lead weeks of a single-state license by endorsement in ``state`` (SPEC §8)."""
    return settings.LICENSE_TERMS_BY_STATE.get(state, (settings.LICENSE_FEE_USD, settings.LICENSE_LEAD_WEEKS))


def partner_covers(partner: Partner, *, lat: NDArray[np.float64], lon: NDArray[np.float64],
                   state: NDArray[np.object_], chemo: NDArray[np.bool_],
                   county: NDArray[np.object_] | None = None) -> NDArray[np.bool_]:
    """Which points (a patient's home, the fill she needs) ``partner`` serves: in its state, in its
    county (``county``: each point's FIPS, needed when the partner names one) or circle, and a
    floxuridine fill only when it is chemo-certified. The one home of the partner-area rule."""
    ok = (np.asarray(state, dtype=object) == partner.state) & (~np.asarray(chemo, dtype=bool)
                                                                | partner.chemo_certified)
    if partner.county is not None:
        ok &= np.asarray(county if county is not None else [None] * len(ok), dtype=object) == partner.county
    if partner.radius_km is not None and partner.lat is not None and partner.lon is not None:
        km = geodata.travel.haversine_km(np.full(len(ok), partner.lat), np.full(len(ok), partner.lon),
                                         np.asarray(lat, dtype=float), np.asarray(lon, dtype=float))
        ok &= km <= partner.radius_km
    return ok


def partner_serves(partner: Partner, patient: Patient, *, county: str | None = None) -> bool:
    """Whether ``partner``'s area holds ``patient`` (``county``: the patient's county FIPS, when known)
    and it may deliver her next fill (:func:`partner_covers` for one point)."""
    return bool(partner_covers(partner, lat=np.array([patient.lat]), lon=np.array([patient.lon]),
                               state=np.array([patient.state], dtype=object),
                               chemo=np.array([patient.next_infusate.is_chemo]),
                               county=np.array([county], dtype=object))[0])


def _trip_cost(minutes: float, km: float, *, hourly: float) -> float:
    """A round trip of ``minutes``/``km`` one way: time at ``hourly`` plus mileage at the IRS rate."""
    return 2 * (minutes / 60.0 * hourly + km * _MILES_PER_KM * settings.IRS_MILEAGE_RATE_PER_MILE)


class WaysOut:
    """Decides and prices the ways out for patients of one roster (one travel provider).

    Parameters
    ----------
    nurses
        The nurses (license and overnight options).
    partners
        Partner teams (``partners.csv``).
    provider
        Travel provider: the patient's drive to a clinic, a nurse's drive to the patient.
    centers
        HAI centers (columns ``name``, ``city``, ``state``, ``lat``, ``lon``); the shipped table by default.
    on
        Date licenses and compact membership are judged on.
    """

    def __init__(self, *, nurses: Sequence[Nurse], partners: Sequence[Partner], provider: Any,
                 centers: Any = None, on: date) -> None:
        self.nurses = list(nurses)
        self.partners = list(partners)
        self.provider = provider
        self.centers = hai_centers() if centers is None else centers
        self.on = on
        self._clinic: dict[str, Option | None] = {}
        self._counties: dict[str, str | None] = {}

    def county(self, p: Patient) -> str | None:
        """The patient's county FIPS, looked up only when some partner is narrowed to a county."""
        if not any(x.county for x in self.partners):
            return None
        if p.patient_id not in self._counties:
            self._counties[p.patient_id] = geodata.county_of(p.lat, p.lon)
        return self._counties[p.patient_id]

    def clinic(self, p: Patient) -> Option | None:
        """A refill at the nearest HAI center within ``CLINIC_MAX_DRIVE_MINUTES`` (lead days not judged)."""
        if p.patient_id in self._clinic:
            return self._clinic[p.patient_id]
        option = None
        if len(self.centers):
            pts = list(zip(self.centers["lat"].astype(float), self.centers["lon"].astype(float)))
            m = self.provider.matrix([(p.lat, p.lon)], pts)
            minutes = np.nan_to_num(np.asarray(m.minutes, dtype=float)[0], nan=np.inf)
            j = int(np.argmin(minutes))
            if minutes[j] <= settings.CLINIC_MAX_DRIVE_MINUTES:
                km = float(np.asarray(m.km, dtype=float)[0, j])
                row = self.centers.iloc[j]
                cost = settings.CLINIC_REFILL_FEE_USD + 2 * km * _MILES_PER_KM * settings.IRS_MILEAGE_RATE_PER_MILE
                option = Option("clinic", f"{row['name']} ({row['city']}, {row['state']})", cost,
                                settings.CLINIC_LEAD_DAYS, note=f"the patient drives {minutes[j]:.0f} min each way",
                                drive_minutes=float(minutes[j]), drive_km=km)
        self._clinic[p.patient_id] = option
        return option

    def partner_options(self, p: Patient) -> list[Option]:
        """Every partner whose area holds the patient and who may deliver her fill."""
        county = self.county(p)
        return [Option("partner_team", x.partner, x.cost_per_visit, x.lead_days, note="partner visit at home")
                for x in self.partners if partner_serves(x, p, county=county)]

    def nurse_options(self, p: Patient) -> list[Option]:
        """The nearest nurse to license in the patient's state, and an overnight trip estimate."""
        certified = [n for n in self.nurses if is_certified_for(n, p.next_infusate)]
        if not certified:
            return []
        m = self.provider.matrix([(n.lat, n.lon) for n in certified], [(p.lat, p.lon)])
        minutes = np.nan_to_num(np.asarray(m.minutes, dtype=float)[:, 0], nan=np.inf)
        km = np.asarray(m.km, dtype=float)[:, 0]
        licensed = np.array([may_practice(n, p.state, on=self.on) for n in certified], dtype=bool)
        limit = np.array([n.max_drive_minutes_one_way for n in certified], dtype=float)
        out: list[Option] = []
        to_license = np.nonzero(~licensed & (minutes <= limit))[0]
        if len(to_license):
            k = int(to_license[np.argmin(minutes[to_license])])
            fee, weeks = license_terms(p.state)
            out.append(Option("license", certified[k].nurse_id, fee, int(math.ceil(weeks * 7)),
                              note=f"license by endorsement in {p.state} ({weeks:g} weeks); "
                                   f"{minutes[k]:.0f} min from her home"))
        far = np.nonzero(licensed & (minutes > limit) & (minutes <= limit * settings.OVERNIGHT_MAX_DRIVE_FACTOR))[0]
        if len(far):
            k = int(far[np.argmin(minutes[far])])
            n = certified[k]
            cost = _trip_cost(float(minutes[k]), float(km[k]), hourly=n.hourly_cost) \
                + settings.LODGING_COST_PER_NIGHT_USD
            out.append(Option("overnight_trip", n.nurse_id, cost, 1,
                              note=f"estimate: {minutes[k]:.0f} min each way and one night away; "
                                   "needs a free day of hers"))
        return out

    def carriers(self, p: Patient) -> list[Option]:
        """Who can fill the pump outside our nurses' routes: the clinic and the partners."""
        clinic = self.clinic(p)
        return ([clinic] if clinic is not None else []) + self.partner_options(p)


def _bridge(p: Patient, carriers: list[Option], *, last_day: date, today: date) -> Option | None:
    """A glycerin fill by the cheapest carrier in time, when the next fill is not floxuridine."""
    if p.next_infusate in (Infusate.FLOXURIDINE, Infusate.GLYCERIN) or not carriers:
        return None
    pool = sorted(carriers, key=lambda o: (today + timedelta(days=o.lead_days) > last_day, o.extra_cost))
    c = pool[0]
    days = glycerin_days(p)
    return Option("glycerin_bridge", c.by, c.extra_cost, c.lead_days,
                  note=f"glycerin instead of {p.next_infusate.value} ({c.kind}): lasts about {days} days, "
                       f"time for a license or a hire; {settings.GLYCERIN_BRIDGE_NOTE}")


def rank(options: Sequence[Option], *, today: date, last_day: date) -> tuple[Option, ...]:
    """Mark each option in time or not (its lead days against ``last_day``), then rank them."""
    out = []
    for o in options:
        when = today + timedelta(days=o.lead_days)
        if when > last_day:
            o = Option(o.kind, o.by, o.extra_cost, o.lead_days, False,
                       f"not in time: earliest {when}, the refill is needed by {last_day}; fixes the next refills"
                       + (f"; {o.note}" if o.note else ""), o.drive_minutes, o.drive_km)
        out.append(o)
    return tuple(sorted(out, key=Option.sort_key))


def _trip(problem: Any, plan: Any, patient_id: str, *, today: date, trips: Any = None) -> Option | None:
    """The trip planner's cheapest overnight trip for the patient's missed refill, as an option; ``None``
    when it finds none (then the estimate stands). Raises (e.g. ``RuntimeError``) when it cannot price
    on the plan's routes (``trips``: the plan as :func:`~optimizer.planning.trips.plan_trips` read it)."""
    t = best_trip(problem, plan, patient_id, trips=trips)
    if t is None:
        return None
    out = date.fromisoformat(t.out_date)
    return Option("overnight_trip", t.nurse_id, t.extra_cost, (out - today).days,
                  note=f"out {t.out_date}, back {t.back_date}: {_nights(t.nights)} away, lodging and per diem included")


def _nights(n: int) -> str:
    """``n`` nights in words for a note."""
    return "one night" if n == 1 else f"{n} nights"


def _ways_for(ways: WaysOut, p: Patient, *, empty: date, today: date, margin: int, state: str,
              trip: Option | None = None) -> RefillWays:
    """The ranked options of one refill of patient ``p`` whose pump runs dry on ``empty`` (``trip``: the
    trip planner's overnight trip, which replaces the estimate)."""
    last_day = max(empty - timedelta(days=margin), today)
    carriers = ways.carriers(p)
    nurse = ways.nurse_options(p)
    if trip is not None:
        nurse = [o for o in nurse if o.kind != "overnight_trip"] + [trip]
    options: list[Option] = carriers + nurse
    bridge = _bridge(p, carriers, last_day=last_day, today=today)
    if bridge is not None:
        options.append(bridge)
    why = "" if options else (f"no HAI center within {settings.CLINIC_MAX_DRIVE_MINUTES:.0f} min, no partner "
                              "serving the area, no certified nurse within reach to license")
    return RefillWays(p.patient_id, state, empty, rank(options, today=today, last_day=last_day), why)


def alternatives_for(plan: Any, roster: Roster, *, provider: Any, centers: Any = None,
                     margin_days: int = settings.RESERVE_MARGIN_DAYS, problem: Any = None) -> Alternatives:
    """The ranked ways out of every unassigned refill of ``plan`` (aligned with ``plan.unassigned``).

    Parameters
    ----------
    plan
        A :class:`optimizer.planning.plan.Plan` (its ``unassigned`` and ``horizon_start``).
    roster
        The roster planned (patients, nurses, ``partners``).
    provider
        The plan's travel provider.
    centers
        HAI centers; the shipped table by default.
    margin_days
        The reserve margin: a refill is needed by its empty date less this.
    problem
        The plan's :class:`~optimizer.planning.problem.PlanningProblem`: overnight trips are then
        priced by the trip planner on the plan's routes, not estimated.

    Returns
    -------
    Alternatives
    """
    today = plan.horizon_start
    ways = WaysOut(nurses=roster.nurses, partners=roster.partners, provider=provider, centers=centers, on=today)
    out = Alternatives()
    read = None  # the plan's routes and trips, read once for all its unassigned refills
    for u in plan.unassigned:
        p = roster.patient(u.patient_id)
        trip = None
        if problem is not None:
            try:
                read = plan_trips(problem, plan) if read is None else read
                trip = _trip(problem, plan, u.patient_id, today=today, trips=read)
            except (RuntimeError, LookupError, ValueError) as exc:  # routes it cannot rebuild: estimates stand,
                # the plan folder is still written
                log.warning("overnight trips estimated, not priced by the trip planner: %s", exc)
                problem = None
        out.refills.append(_ways_for(ways, p, empty=u.empty_date, today=today, margin=margin_days, state=u.state,
                                     trip=trip))
    return out


def way_out(ways: WaysOut, p: Patient, *, fallback: Callable[[Patient], Option] | None = None) -> Option:
    """How the simulation refills a pump that ran dry with no home visit: the cheapest of the clinic
    and the partners (booked when the plan left the refill out, so their lead days are not judged);
    the nearest center at any distance when none is within reach (the patient must go somewhere)."""
    options = sorted(ways.carriers(p), key=Option.sort_key)
    if options:
        return options[0]
    if fallback is not None:
        return fallback(p)
    return _nearest_center_any_distance(ways, p)


def _nearest_center_any_distance(ways: WaysOut, p: Patient) -> Option:
    """The clinic option at the nearest center by great-circle distance (no drive limit)."""
    c = ways.centers
    if not len(c):
        return Option("clinic", "an HAI center", settings.CLINIC_REFILL_FEE_USD, settings.CLINIC_LEAD_DAYS)
    km = geodata.travel.haversine_km(np.full(len(c), p.lat), np.full(len(c), p.lon),
                                     c["lat"].to_numpy(dtype=float), c["lon"].to_numpy(dtype=float))
    j = int(np.argmin(km))
    m = ways.provider.matrix([(p.lat, p.lon)], [(float(c["lat"].iloc[j]), float(c["lon"].iloc[j]))])
    minutes, dist = float(np.asarray(m.minutes)[0, 0]), float(np.asarray(m.km)[0, 0])
    if not math.isfinite(minutes):
        minutes, dist = math.nan, float(km[j])
    cost = settings.CLINIC_REFILL_FEE_USD + 2 * dist * _MILES_PER_KM * settings.IRS_MILEAGE_RATE_PER_MILE
    return Option("clinic", str(c["name"].iloc[j]), cost, settings.CLINIC_LEAD_DAYS,
                  note="the nearest center, beyond a day's drive", drive_minutes=minutes, drive_km=dist)
