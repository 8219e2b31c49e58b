"""Expansion studies: where to hire, whom to license where, whom to certify (SPEC §2, analyst).

The question: with a budget (or to reach a coverage target at least cost), which
actions cover the most refill demand within a drive-time cutoff?

Demand
    Every active patient's refills, in visits per week, split by the fill they
    need: a patient alternating floxuridine and heparinized saline puts half her
    visits on chemo-certified nurses and half on any HAI nurse; a glycerin
    patient needs one visit every ``interval`` days (SPEC §1, §5).
Servers
    Existing nurses and nurses that may be hired at candidate sites. A hire
    at a site gets a multistate license when the site's state has implemented
    the Nurse Licensure Compact, else that state's license (SPEC §5, §8), and the
    :class:`HireProfile` (HAI- and chemo-certified by default).
Options (actions) with cost and lead time
    ``hire`` at a site; ``license`` an existing nurse in a state she may not
    practise in (fee and weeks by state, SPEC §8: 2–8 weeks, 8–12+ in CA and NY,
    $100–$400); ``hai_cert`` / ``chemo_cert`` an existing nurse.
Coverage
    A server may serve a demand point when the one-way drive is within the
    cutoff and her own limit and, after the actions, she may practise in the
    patient's state and holds the certification the fill needs. With capacity
    (visits per week = workdays × max visits per day × ``capacity_factor``) the
    covered demand is a flow, so the objective counts what nurses can absorb.

The model is a MIP (:mod:`optimizer._mip`) solved by OR-Tools' linear solver
(HiGHS by default, or SCIP / CBC), never CP-SAT (SPEC §8). Any set of actions
is evaluated exactly by a min-cost max-flow (visits absorbed, then least drive),
which is also how the chosen actions are pruned (an action that adds nothing is
dropped) and ranked (lazy greedy: each row's marginal gain given the rows above
it; complementary actions on one nurse, e.g. a license that only pays off with a
chemo certification, are ranked as one bundle).

Outputs are de-identified: recommendations, state tables and the map layer
carry no patient id and no patient coordinate (hire sites are public places;
existing nurses are shown at the nearest town).
"""

from __future__ import annotations

import heapq
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from optimizer._mip import CoverageInstance, CoverageSolution, solve_coverage
from optimizer.domain import Infusate, Nurse, Patient, Roster
from optimizer.eligibility import may_practice
from optimizer.windows import WindowRules

__all__ = [
    "ActionKind",
    "ALL_ACTIONS",
    "LicenseTerms",
    "DEFAULT_LICENSE_TERMS",
    "LICENSE_TERMS_BY_STATE",
    "ExpansionCosts",
    "HireProfile",
    "Site",
    "Action",
    "Demand",
    "ExpansionSettings",
    "ExpansionProblem",
    "Evaluation",
    "ExpansionResult",
    "demand_points",
    "candidate_sites",
    "load_sites",
    "load_license_terms",
    "build_expansion",
    "evaluate",
    "optimize",
    "recommend",
    "apply_actions",
    "solve_matrix",
    "write_expansion",
    "region_of",
]


class ActionKind(str, Enum):
    """What an expansion action does."""

    HIRE = "hire"
    LICENSE = "license"
    HAI_CERT = "hai_cert"
    CHEMO_CERT = "chemo_cert"

    def __str__(self) -> str:
        return self.value


ALL_ACTIONS: frozenset[ActionKind] = frozenset(ActionKind)


@dataclass(frozen=True, slots=True)
class LicenseTerms:
    """Cost and lead time of a single-state license by endorsement."""

    fee: float
    lead_weeks: float


#: SPEC §8: typically 2–8 weeks and $100–$400 (the middle of both ranges).
DEFAULT_LICENSE_TERMS = LicenseTerms(fee=200.0, lead_weeks=6.0)
#: SPEC §8: 8–12+ weeks in CA and NY (the long end; fees at the high end).
LICENSE_TERMS_BY_STATE: dict[str, LicenseTerms] = {
    "CA": LicenseTerms(fee=350.0, lead_weeks=12.0),
    "NY": LicenseTerms(fee=350.0, lead_weeks=12.0),
}


@dataclass(frozen=True)
class ExpansionCosts:
    """Cost (USD) and lead time (weeks) of every kind of action.

    The hire cost is a planning assumption (first-year salary, benefits and
    recruiting of a home-infusion RN); certifications are course fees plus paid
    training time. Replace them with the company's figures in the scenario file.
    """

    hire: float = 120_000.0
    hire_lead_weeks: float = 10.0
    hai_cert: float = 2_500.0
    hai_cert_lead_weeks: float = 4.0
    chemo_cert: float = 1_500.0
    chemo_cert_lead_weeks: float = 6.0
    license_default: LicenseTerms = DEFAULT_LICENSE_TERMS
    license_by_state: Mapping[str, LicenseTerms] = field(
        default_factory=lambda: dict(LICENSE_TERMS_BY_STATE))
    hire_by_state: Mapping[str, float] = field(default_factory=dict)

    def license(self, state: str) -> LicenseTerms:
        """The license terms in ``state``."""
        return self.license_by_state.get(state, self.license_default)

    def hire_cost(self, state: str) -> float:
        """The cost of a hire in ``state``."""
        return float(self.hire_by_state.get(state, self.hire))


@dataclass(frozen=True)
class HireProfile:
    """The nurse a hire brings: certifications, schedule and limits (SPEC §4 defaults)."""

    hai_certified: bool = True
    chemo_certified: bool = True
    workdays: frozenset[int] = frozenset(range(5))
    shift_start: time = time(8, 0)
    shift_end: time = time(18, 0)
    max_visits_per_day: int = 5
    max_drive_minutes_one_way: int = 240
    max_overtime_minutes: int = 60
    hourly_cost: float = 55.0

    def nurse(self, nurse_id: str, site: "Site") -> Nurse:
        """The hired nurse living at ``site``: multistate if its state implemented the compact."""
        from geodata.licensure import active_nlc_table

        multistate = active_nlc_table().implemented.get(site.state) is not None
        return Nurse(
            nurse_id=nurse_id, lat=site.lat, lon=site.lon, home_state=site.state,
            multistate_license=multistate, hai_certified=self.hai_certified,
            chemo_certified=self.chemo_certified, workdays=self.workdays,
            shift_start=self.shift_start, shift_end=self.shift_end,
            max_visits_per_day=self.max_visits_per_day,
            max_drive_minutes_one_way=self.max_drive_minutes_one_way,
            max_overtime_minutes=self.max_overtime_minutes, hourly_cost=self.hourly_cost,
        )


@dataclass(frozen=True, slots=True)
class Site:
    """A candidate place to hire a nurse (a public place, never a patient's home)."""

    site_id: str
    name: str
    state: str
    lat: float
    lon: float
    source: str = "places"  # "places" | "cluster" | "file"
    population: int = 0
    cost: float | None = None
    lead_weeks: float | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """One expansion action with its cost and lead time."""

    kind: ActionKind
    nurse_id: str  # the existing nurse, or the id the hire will get
    state: str  # hire: the site's state; license: the state licensed; certs: the nurse's home state
    cost: float
    lead_weeks: float
    site: Site | None = None

    @property
    def key(self) -> str:
        """A stable identifier, e.g. ``license:N012:NY``."""
        if self.kind is ActionKind.LICENSE:
            return f"license:{self.nurse_id}:{self.state}"
        if self.kind is ActionKind.HIRE:
            return f"hire:{self.site.site_id if self.site else self.nurse_id}"
        return f"{self.kind.value}:{self.nurse_id}"

    @property
    def label(self) -> str:
        """A sentence a planner reads."""
        if self.kind is ActionKind.HIRE:
            where = f"{self.site.name}, {self.state}" if self.site else self.state
            return f"Hire an HAI nurse in {where}"
        if self.kind is ActionKind.LICENSE:
            return f"License nurse {self.nurse_id} in {self.state}"
        if self.kind is ActionKind.HAI_CERT:
            return f"HAI-certify nurse {self.nurse_id}"
        return f"Chemo-certify nurse {self.nurse_id}"


def region_of(state: str) -> str:
    """The US Census region of ``state`` (the grouping of the coverage tables)."""
    from optimizer.coverage import CENSUS_REGIONS

    return CENSUS_REGIONS.get(state, "")


# --------------------------------------------------------------------------- demand


@dataclass(frozen=True)
class Demand:
    """Refill demand points: one per (patient, kind of fill), weighted by visits per week.

    ``patient`` indexes ``patient_ids``; both stay in memory only (never written).
    """

    patient: NDArray[np.int64]
    patient_ids: tuple[str, ...]
    state: NDArray[np.object_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    weight: NDArray[np.float64]
    chemo: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.weight)

    @property
    def n_patients(self) -> int:
        return len(self.patient_ids)


def _interval(patient: Patient, fill: Infusate, rules: WindowRules) -> int:
    if fill is patient.last_fill_infusate:
        return max(1, patient.prescribed_interval_days)
    return max(1, int(rules.prescribed_interval_days[fill]))


def demand_points(roster: Roster, *, rules: WindowRules | None = None) -> Demand:
    """The refill demand of the active patients of ``roster`` in visits per week.

    A patient in the floxuridine ↔ heparinized-saline cycle gives two points (one
    chemo fill and one saline fill per cycle); glycerin and saline patients one.
    """
    rules = rules or WindowRules()
    idx: list[int] = []
    ids: list[str] = []
    st: list[str] = []
    la: list[float] = []
    lo: list[float] = []
    wt: list[float] = []
    ch: list[bool] = []
    for p in roster.active_patients():
        j = len(ids)
        ids.append(p.patient_id)
        nxt = p.next_infusate
        if nxt in (Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE):
            fills = (Infusate.FLOXURIDINE, Infusate.HEPARINIZED_SALINE)
            cycle = sum(_interval(p, f, rules) for f in fills)
            parts = [(True, 7.0 / cycle), (False, 7.0 / cycle)]
        else:
            parts = [(False, 7.0 / _interval(p, nxt, rules))]
        for chemo, w in parts:
            idx.append(j)
            st.append(p.state)
            la.append(p.lat)
            lo.append(p.lon)
            wt.append(w)
            ch.append(chemo)
    return Demand(
        patient=np.asarray(idx, dtype=np.int64), patient_ids=tuple(ids),
        state=np.asarray(st, dtype=object), lat=np.asarray(la, dtype=np.float64),
        lon=np.asarray(lo, dtype=np.float64), weight=np.asarray(wt, dtype=np.float64),
        chemo=np.asarray(ch, dtype=bool),
    )


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ExpansionSettings:
    """Every knob of an expansion study (keyword-only construction recommended).

    Parameters
    ----------
    cutoff_minutes
        One-way drive-time cutoff of coverage (also capped by each nurse's own limit).
    actions
        Kinds of actions the optimizer may choose.
    costs, hire
        Costs and lead times; the profile of hired nurses.
    capacitated
        Respect nurse capacity (visits per week); ``False`` gives classic maximal coverage.
    capacity_factor
        Share of the nominal weekly visits (workdays × max visits per day) a nurse
        can absorb after driving (an assumption; SPEC §8 quotes 4–5 visits a day).
    site_min_population, sites_per_state, cluster_sites, max_sites
        Candidate sites from population centers (the largest ``sites_per_state``
        places per state with at least ``site_min_population`` inhabitants that
        reach some demand) and from clusters of uncovered demand (snapped to the
        nearest town of the cluster's state); ``max_sites`` caps the total.
    backend, time_limit, relative_gap, threads, linking
        MIP solver settings (:func:`optimizer._mip.solve_coverage`).
    """

    cutoff_minutes: float = 120.0
    actions: frozenset[ActionKind] = ALL_ACTIONS
    costs: ExpansionCosts = field(default_factory=ExpansionCosts)
    hire: HireProfile = field(default_factory=HireProfile)
    capacitated: bool = True
    capacity_factor: float = 0.8
    site_min_population: int = 25_000
    sites_per_state: int = 4
    cluster_sites: int = 20
    max_sites: int | None = None
    backend: str = "highs"
    time_limit: float = 60.0
    relative_gap: float = 1e-4
    threads: int = 1
    linking: Literal["strong", "aggregated"] = "strong"


# --------------------------------------------------------------------------- sites


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "site"


def load_sites(path: str | Path) -> list[Site]:
    """Candidate sites from a CSV: ``name,state,lat,lon`` (+ optional ``site_id,cost,lead_weeks``).

    Raises :class:`optimizer.errors.DataError` naming row and column of every bad cell.
    """
    from geodata.states import STATE_CODES
    from optimizer.errors import ProblemCollector

    path = Path(path)
    errors = ProblemCollector(str(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        errors.add(None, None, f"cannot read the sites file: {exc}")
        errors.raise_if_any()
        raise  # pragma: no cover
    for col in ("name", "state", "lat", "lon"):
        if col not in df.columns:
            errors.add(1, col, "required column is missing")
    errors.raise_if_any()
    sites: list[Site] = []
    seen: set[str] = set()
    for i, row in enumerate(df.to_dict("records"), start=2):
        state = row["state"].strip().upper()
        if state not in STATE_CODES:
            errors.add(i, "state", f"unknown state code {row['state']!r}")
        vals: dict[str, float | None] = {}
        for col, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
            try:
                v = float(row[col])
                if not lo <= v <= hi:
                    raise ValueError
                vals[col] = v
            except ValueError:
                errors.add(i, col, f"need a number in [{lo}, {hi}], not {row[col]!r}")
        for col in ("cost", "lead_weeks"):
            raw = (row.get(col) or "").strip()
            vals[col] = None
            if raw:
                try:
                    vals[col] = float(raw)
                    if vals[col] < 0:  # type: ignore[operator]
                        raise ValueError
                except ValueError:
                    errors.add(i, col, f"need a number >= 0, not {raw!r}")
        sid = (row.get("site_id") or "").strip() or f"{state}-{_slug(row['name'])}"
        if sid in seen:
            errors.add(i, "site_id", f"site {sid!r} listed twice")
        seen.add(sid)
        if "lat" in vals and "lon" in vals and state in STATE_CODES:
            sites.append(Site(sid, row["name"].strip(), state, vals["lat"], vals["lon"],  # type: ignore[arg-type]
                              "file", 0, vals["cost"], vals["lead_weeks"]))
    errors.raise_if_any()
    return sites


def load_license_terms(path: str | Path) -> dict[str, LicenseTerms]:
    """License terms by state from a CSV ``state,fee,lead_weeks`` (user-updatable, SPEC §8)."""
    from geodata.states import STATE_CODES
    from optimizer.errors import ProblemCollector

    path = Path(path)
    errors = ProblemCollector(str(path))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in ("state", "fee", "lead_weeks"):
        if col not in df.columns:
            errors.add(1, col, "required column is missing")
    errors.raise_if_any()
    out: dict[str, LicenseTerms] = {}
    for i, row in enumerate(df.to_dict("records"), start=2):
        state = row["state"].strip().upper()
        if state not in STATE_CODES:
            errors.add(i, "state", f"unknown state code {row['state']!r}")
        try:
            fee, weeks = float(row["fee"]), float(row["lead_weeks"])
            if fee < 0 or weeks < 0:
                raise ValueError
            out[state] = LicenseTerms(fee, weeks)
        except ValueError:
            errors.add(i, "fee", f"need numbers >= 0 for fee and lead_weeks, not {row['fee']!r}, "
                                 f"{row['lead_weeks']!r}")
    errors.raise_if_any()
    return out


def _nearest(lat: NDArray[np.float64], lon: NDArray[np.float64], plat: NDArray[np.float64],
             plon: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of the nearest of (plat, plon) for every (lat, lon) (equirectangular, fine locally)."""
    k = np.cos(np.radians(np.asarray(lat)))[:, None]
    d = (np.asarray(lat)[:, None] - plat[None, :]) ** 2 + ((np.asarray(lon)[:, None] - plon[None, :]) * k) ** 2
    return np.argmin(d, axis=1)


def _covered_now(roster: Roster, demand: Demand, minutes: NDArray[np.float64], cutoff: float,
                 on: date) -> NDArray[np.bool_]:
    """Demand points some existing nurse may serve today within the cutoff (capacity ignored)."""
    covered = np.zeros(len(demand), dtype=bool)
    for k, n in enumerate(roster.nurses):
        if not n.hai_certified:
            continue
        reach = minutes[k] <= min(cutoff, n.max_drive_minutes_one_way)
        if not n.chemo_certified:
            reach &= ~demand.chemo
        for i in np.nonzero(reach & ~covered)[0]:
            if may_practice(n, demand.state[i], on=on):
                covered[i] = True
    return covered


def candidate_sites(
    roster: Roster,
    *,
    provider: Any = None,
    settings: ExpansionSettings | None = None,
    demand: Demand | None = None,
    on: date | None = None,
    seed: int = 0,
) -> list[Site]:
    """Candidate hire sites: population centers near demand, and uncovered demand clusters.

    Parameters
    ----------
    roster
        Patients (demand) and the existing nurses.
    provider
        Travel provider (haversine by default).
    settings
        Cutoff and site-generation knobs (:class:`ExpansionSettings`).
    demand
        Precomputed :func:`demand_points`.
    on
        Date licenses are judged on (default today).
    seed
        Seed of the k-means clustering (deterministic).

    Returns
    -------
    list of Site
        Population centers first (by state, then population), then cluster sites;
        no two sites at the same place.
    """
    import geodata
    from scipy.cluster.vq import kmeans2

    settings = settings or ExpansionSettings()
    provider = provider or _default_provider()
    demand = demand if demand is not None else demand_points(roster)
    on = on or date.today()
    if len(demand) == 0:
        return []
    pts = list(zip(demand.lat.tolist(), demand.lon.tolist()))
    sites: list[Site] = []
    seen: set[int] = set()
    big = geodata.places(min_population=settings.site_min_population)
    if len(big) and settings.sites_per_state > 0:
        reach = provider.matrix(list(zip(big.lat, big.lon)), pts).minutes
        near = np.nan_to_num(reach, nan=np.inf).min(axis=1) <= settings.cutoff_minutes
        big = big[near]
        for state, grp in big.groupby("state", sort=True):
            for row in grp.head(settings.sites_per_state).itertuples():
                seen.add(int(row.geonameid))
                sites.append(Site(f"{state}-{row.geonameid}", str(row.name), str(state), float(row.lat),
                                  float(row.lon), "places", int(row.population)))
    if settings.cluster_sites > 0 and roster.nurses:
        m = provider.matrix([(n.lat, n.lon) for n in roster.nurses], pts).minutes
        uncovered = ~_covered_now(roster, demand, np.nan_to_num(m, nan=np.inf), settings.cutoff_minutes, on)
        if uncovered.any():
            ulat, ulon = demand.lat[uncovered], demand.lon[uncovered]
            k = min(settings.cluster_sites, int(uncovered.sum()))
            coslat = math.cos(math.radians(float(ulat.mean())))
            data = np.column_stack([ulat, ulon * coslat])
            _, labels = kmeans2(data, k, minit="++", seed=seed)
            ustate = demand.state[uncovered]
            small = geodata.places(min_population=5000)
            for c in range(k):
                members = labels == c
                if not members.any():
                    continue
                states, counts = np.unique(ustate[members].astype(str), return_counts=True)
                state = str(states[np.argmax(counts)])
                cand = small[small.state == state]
                if not len(cand):
                    continue
                lat0 = float(ulat[members].mean())
                lon0 = float(ulon[members].mean())
                j = int(_nearest(np.array([lat0]), np.array([lon0]), cand.lat.to_numpy(),
                                 cand.lon.to_numpy())[0])
                row = cand.iloc[j]
                gid = int(row.geonameid)
                if gid in seen:
                    continue
                seen.add(gid)
                sites.append(Site(f"{state}-{gid}", str(row["name"]), state, float(row.lat),
                                  float(row.lon), "cluster", int(row.population)))
    if settings.max_sites is not None:
        sites = sites[: settings.max_sites]
    return sites


def _default_provider() -> Any:
    from geodata.travel import get_provider

    return get_provider("haversine")


# --------------------------------------------------------------------------- the problem


@dataclass
class ExpansionProblem:
    """Demand, servers, options and the coverage instance of one study."""

    roster: Roster
    on: date
    settings: ExpansionSettings
    demand: Demand
    sites: list[Site]
    servers: list[Nurse]  # existing nurses, then one hypothetical hire per site
    n_existing: int
    options: list[Action]
    instance: CoverageInstance
    pair_minutes: NDArray[np.float64]  # one-way drive per pair
    fixed: dict[int, bool] = field(default_factory=dict)

    @property
    def option_index(self) -> dict[str, int]:
        return {a.key: o for o, a in enumerate(self.options)}

    def total_weight(self) -> float:
        return float(self.demand.weight.sum())


def _capacity(n: Nurse, settings: ExpansionSettings) -> float:
    if not settings.capacitated:
        return math.inf
    return len(n.workdays) * n.max_visits_per_day * settings.capacity_factor


def build_expansion(
    roster: Roster,
    *,
    provider: Any = None,
    settings: ExpansionSettings | None = None,
    sites: Sequence[Site] | None = None,
    on: date | None = None,
    rules: WindowRules | None = None,
    committed: Sequence[Action] = (),
) -> ExpansionProblem:
    """Build the expansion problem of ``roster``.

    Parameters
    ----------
    roster
        Patients (demand) and existing nurses.
    provider
        Travel provider (haversine by default).
    settings
        :class:`ExpansionSettings`.
    sites
        Candidate hire sites; generated by :func:`candidate_sites` when omitted.
    on
        Date licenses and compact membership are judged on (default today).
    rules
        Window rules (prescribed intervals give the visit frequency).
    committed
        Actions already decided: applied to the roster first (their nurses and
        licenses count as existing), never chosen again.
    """
    settings = settings or ExpansionSettings()
    provider = provider or _default_provider()
    on = on or date.today()
    if committed:
        roster = apply_actions(roster, committed, hire=settings.hire)
    demand = demand_points(roster, rules=rules)
    allowed = settings.actions
    if sites is None:
        sites = candidate_sites(roster, provider=provider, settings=settings, demand=demand, on=on) \
            if ActionKind.HIRE in allowed else []
    sites = list(sites) if ActionKind.HIRE in allowed else []
    existing = list(roster.nurses)
    taken = {n.nurse_id for n in existing}
    hires = []
    for s in sites:
        nid = f"HIRE-{s.site_id}"
        while nid in taken:
            nid += "+"
        taken.add(nid)
        hires.append(settings.hire.nurse(nid, s))
    servers = existing + hires
    options: list[Action] = []
    key_to_option: dict[str, int] = {}

    def option(a: Action) -> int:
        o = key_to_option.get(a.key)
        if o is None:
            o = key_to_option[a.key] = len(options)
            options.append(a)
        return o

    costs = settings.costs
    server_open = np.full(len(servers), -1, dtype=np.int64)
    for j, (s, h) in enumerate(zip(sites, hires)):
        cost = s.cost if s.cost is not None else costs.hire_cost(s.state)
        lead = s.lead_weeks if s.lead_weeks is not None else costs.hire_lead_weeks
        server_open[len(existing) + j] = option(Action(ActionKind.HIRE, h.nurse_id, s.state, cost, lead, s))
    capacity = np.array([_capacity(n, settings) for n in servers], dtype=np.float64)
    pts = list(zip(demand.lat.tolist(), demand.lon.tolist()))
    if servers and pts:
        minutes = np.asarray(provider.matrix([(n.lat, n.lon) for n in servers], pts).minutes, dtype=float)
    else:
        minutes = np.zeros((len(servers), len(pts)))
    minutes = np.nan_to_num(minutes, nan=np.inf)
    p_dem: list[int] = []
    p_srv: list[int] = []
    p_min: list[float] = []
    ptr = [0]
    ridx: list[int] = []
    for k, n in enumerate(servers):
        is_hire = k >= len(existing)
        limit = min(settings.cutoff_minutes, n.max_drive_minutes_one_way)
        reach = np.nonzero(minutes[k] <= limit)[0]
        if not len(reach):
            continue
        lic: dict[str, int | None] = {}  # state -> required option (-1: none needed), None: impossible
        for state in sorted(set(demand.state[reach].tolist())):
            if may_practice(n, state, on=on):
                lic[state] = -1
            elif not is_hire and ActionKind.LICENSE in allowed:
                t = costs.license(state)
                lic[state] = option(Action(ActionKind.LICENSE, n.nurse_id, state, t.fee, t.lead_weeks))
            else:
                lic[state] = None
        hai: int | None = -1
        if not n.hai_certified:
            hai = option(Action(ActionKind.HAI_CERT, n.nurse_id, n.home_state, costs.hai_cert,
                                costs.hai_cert_lead_weeks)) \
                if not is_hire and ActionKind.HAI_CERT in allowed else None
        chemo: int | None = -1
        if not n.chemo_certified:
            chemo = None
            if not is_hire and ActionKind.CHEMO_CERT in allowed:
                chemo = -2  # created lazily, only if some chemo demand is in reach
        for i in reach.tolist():
            need: list[int] = []
            lo = lic[demand.state[i]]
            if lo is None or hai is None:
                continue
            if lo >= 0:
                need.append(lo)
            if hai >= 0:
                need.append(hai)
            if demand.chemo[i]:
                if chemo is None:
                    continue
                if chemo == -2:
                    chemo = option(Action(ActionKind.CHEMO_CERT, n.nurse_id, n.home_state,
                                          costs.chemo_cert, costs.chemo_cert_lead_weeks))
                if chemo >= 0:
                    need.append(chemo)
            p_dem.append(i)
            p_srv.append(k)
            p_min.append(float(minutes[k, i]))
            ridx.extend(need)
            ptr.append(len(ridx))
    inst = CoverageInstance(
        weights=demand.weight.copy(),
        option_cost=np.array([a.cost for a in options], dtype=np.float64),
        server_open=server_open, server_capacity=capacity,
        pair_demand=np.asarray(p_dem, dtype=np.int64), pair_server=np.asarray(p_srv, dtype=np.int64),
        req_ptr=np.asarray(ptr, dtype=np.int64), req_idx=np.asarray(ridx, dtype=np.int64),
    )
    return ExpansionProblem(roster=roster, on=on, settings=settings, demand=demand, sites=list(sites),
                            servers=servers, n_existing=len(existing), options=options, instance=inst,
                            pair_minutes=np.asarray(p_min, dtype=np.float64))


# --------------------------------------------------------------------------- evaluation

_FLOW_SCALE = 12_000  # integer flow units per visit/week (1/2, 1/4, 1/6 exact)


@dataclass
class Evaluation:
    """Coverage of one set of actions, by min-cost max-flow.

    ``served`` is visits/week served per demand point; ``drive`` the round-trip
    drive minutes per week spent on them (least total among maximal flows).
    """

    chosen: frozenset[int]
    served: NDArray[np.float64]
    drive: NDArray[np.float64]
    covered_weight: float
    total_weight: float
    patients_covered: int
    n_patients: int
    drive_hours_per_week: float

    @property
    def covered_share(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight else 1.0

    def avg_round_trip(self) -> NDArray[np.float64]:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.served > 0, self.drive / np.maximum(self.served, 1e-12), np.nan)


def _full_requirements(inst: CoverageInstance) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per requirement entry: its pair and its option (server opening included)."""
    counts = np.diff(inst.req_ptr)
    pair_of = np.repeat(np.arange(inst.n_pairs), counts)
    opts = inst.req_idx.copy()
    opener = inst.server_open[inst.pair_server]
    has = opener >= 0
    pair_of = np.concatenate([pair_of, np.nonzero(has)[0]])
    opts = np.concatenate([opts, opener[has]])
    return pair_of.astype(np.int64), opts.astype(np.int64)


def evaluate(problem: ExpansionProblem, chosen: Iterable[int]) -> Evaluation:
    """Visits per week the nurses absorb (and the drive it takes) with options ``chosen``."""
    from ortools.graph.python import min_cost_flow

    inst = problem.instance
    chosen = frozenset(int(o) for o in chosen)
    mask = np.zeros(inst.n_options, dtype=bool)
    if chosen:
        mask[list(chosen)] = True
    pair_of, opts = _full_requirements(inst)
    missing = np.bincount(pair_of, weights=~mask[opts], minlength=inst.n_pairs) if len(pair_of) \
        else np.zeros(inst.n_pairs)
    active = np.nonzero(missing == 0)[0]
    n, m = inst.n_demand, inst.n_servers
    w_int = np.rint(inst.weights * _FLOW_SCALE).astype(np.int64)
    total = int(w_int.sum())
    cap = np.where(np.isfinite(inst.server_capacity),
                   np.rint(np.nan_to_num(inst.server_capacity, posinf=0) * _FLOW_SCALE), total)
    cap = np.minimum(cap, total).astype(np.int64)
    opened = np.array([inst.server_open[k] < 0 or mask[inst.server_open[k]] for k in range(m)], dtype=bool)
    cap[~opened] = 0
    src, sink = n + m, n + m + 1
    d_nodes = np.arange(n)
    s_nodes = n + np.arange(m)
    pd_ = inst.pair_demand[active]
    ps_ = inst.pair_server[active]
    rt_cost = np.rint(problem.pair_minutes[active] * 2 * 10).astype(np.int64)  # tenths of a minute
    tails = np.concatenate([np.full(n, src), pd_, s_nodes]).astype(np.int32)
    heads = np.concatenate([d_nodes, n + ps_, np.full(m, sink)]).astype(np.int32)
    caps = np.concatenate([w_int, w_int[pd_], cap]).astype(np.int64)
    costs_ = np.concatenate([np.zeros(n, np.int64), rt_cost, np.zeros(m, np.int64)])
    served = np.zeros(n)
    drive = np.zeros(n)
    if total > 0 and len(active):
        smcf = min_cost_flow.SimpleMinCostFlow()
        arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs_)
        supplies = np.zeros(n + m + 2, dtype=np.int64)
        supplies[src], supplies[sink] = total, -total
        smcf.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:  # pragma: no cover - integral data always solves
            raise RuntimeError(f"min-cost flow failed with status {status}")
        flows = smcf.flows(arcs)
        pf = flows[n:n + len(active)].astype(np.float64)
        np.add.at(served, pd_, pf / _FLOW_SCALE)
        np.add.at(drive, pd_, pf / _FLOW_SCALE * problem.pair_minutes[active] * 2)
    dem = problem.demand
    full = served >= dem.weight - 0.5 / _FLOW_SCALE
    per_patient = np.ones(dem.n_patients, dtype=bool)
    np.logical_and.at(per_patient, dem.patient, full)
    return Evaluation(
        chosen=chosen, served=served, drive=drive, covered_weight=float(served.sum()),
        total_weight=float(dem.weight.sum()), patients_covered=int(per_patient.sum()),
        n_patients=dem.n_patients, drive_hours_per_week=float(drive.sum() / 60),
    )


def _drive_saved(before: Evaluation, after: Evaluation) -> float:
    """Hours per week of round-trip driving saved on demand served in both (can be < 0)."""
    a0, a1 = before.avg_round_trip(), after.avg_round_trip()
    both = (before.served > 0) & (after.served > 0)
    common = np.minimum(before.served, after.served)
    return float(np.sum(common[both] * (a0[both] - a1[both])) / 60)


# --------------------------------------------------------------------------- optimize


@dataclass
class ExpansionResult:
    """The chosen actions, ranked, with before/after coverage and the solver's report."""

    problem: ExpansionProblem
    solution: CoverageSolution
    actions: list[Action]
    baseline: Evaluation
    after: Evaluation
    recommendations: pd.DataFrame
    by_state: pd.DataFrame
    mode: str
    budget: float | None
    target: float | None
    message: str = ""

    def summary(self) -> dict[str, Any]:
        """Key figures (JSON-ready)."""
        s = self.solution
        inst = self.problem.instance
        return {
            "mode": self.mode,
            "message": self.message,
            "budget": self.budget,
            "target_visits_per_week": self.target,
            "candidate_sites": len(self.problem.sites),
            "options": inst.n_options,
            "demand_points": inst.n_demand,
            "patients": self.baseline.n_patients,
            "pairs": inst.n_pairs,
            "actions": len(self.actions),
            "cost": round(sum(a.cost for a in self.actions), 2),
            "max_lead_weeks": max((a.lead_weeks for a in self.actions), default=0.0),
            "visits_per_week_total": round(self.baseline.total_weight, 3),
            "visits_per_week_covered_before": round(self.baseline.covered_weight, 3),
            "visits_per_week_covered_after": round(self.after.covered_weight, 3),
            "covered_share_before": round(self.baseline.covered_share, 4),
            "covered_share_after": round(self.after.covered_share, 4),
            "patients_covered_before": self.baseline.patients_covered,
            "patients_covered_after": self.after.patients_covered,
            "drive_hours_per_week_before": round(self.baseline.drive_hours_per_week, 2),
            "drive_hours_per_week_after": round(self.after.drive_hours_per_week, 2),
            "solver": {
                "backend": s.backend, "status": s.status, "formulation": s.formulation,
                "objective": None if math.isnan(s.objective) else round(s.objective, 6),
                "bound": None if math.isnan(s.bound) else round(s.bound, 6),
                "gap": None if not math.isfinite(s.gap) else round(s.gap, 6),
                "runtime_s": round(s.runtime_s, 3), "build_s": round(s.build_s, 3),
                "variables": s.n_variables, "constraints": s.n_constraints,
            },
        }


def _prune(problem: ExpansionProblem, chosen: set[int], base: frozenset[int]) -> set[int]:
    """Drop chosen options whose removal loses no coverage (most expensive first)."""
    current = evaluate(problem, base | chosen)
    for o in sorted(chosen, key=lambda o: (-problem.options[o].cost, problem.options[o].key)):
        trial = evaluate(problem, base | (chosen - {o}))
        if trial.covered_weight >= current.covered_weight - 1e-9:
            chosen = chosen - {o}
            current = trial
    return chosen


def _units(problem: ExpansionProblem, chosen: set[int]) -> list[tuple[int, ...]]:
    """Ranking units: single actions, plus same-nurse pairs (complements such as license + chemo)."""
    singles = [(o,) for o in sorted(chosen, key=lambda o: problem.options[o].key)]
    by_nurse: dict[str, list[int]] = defaultdict(list)
    for o in chosen:
        a = problem.options[o]
        if a.kind is not ActionKind.HIRE:
            by_nurse[a.nurse_id].append(o)
    pairs = []
    for opts in by_nurse.values():
        opts = sorted(opts, key=lambda o: problem.options[o].key)
        pairs += [(a, b) for ai, a in enumerate(opts) for b in opts[ai + 1:]]
    return singles + pairs


def _rank(problem: ExpansionProblem, chosen: set[int], base: frozenset[int],
          baseline: Evaluation) -> list[tuple[tuple[int, ...], Evaluation, Evaluation]]:
    """Lazy-greedy order of ``chosen``: (unit, evaluation before it, evaluation after it)."""
    remaining = set(chosen)
    current = base
    cur_eval = baseline
    order: list[tuple[tuple[int, ...], Evaluation, Evaluation]] = []
    stale: dict[tuple[int, ...], float] = {}
    while remaining:
        units = [u for u in _units(problem, remaining)]
        singles = [u for u in units if len(u) == 1]
        heap = [(-stale.get(u, math.inf), problem.options[u[0]].key, u) for u in singles]
        heapq.heapify(heap)
        best: tuple[float, tuple[int, ...], Evaluation] | None = None
        while heap:
            neg, _, u = heapq.heappop(heap)
            if best is not None and -neg <= best[0] + 1e-12:
                break
            ev = evaluate(problem, current | set(u))
            gain = ev.covered_weight - cur_eval.covered_weight
            stale[u] = gain
            if best is None or gain > best[0] + 1e-12:
                best = (gain, u, ev)
        if best is None or best[0] <= 1e-9:  # no single helps alone: try complementary pairs
            pair_best: tuple[float, tuple[int, ...], Evaluation] | None = None
            for u in units:
                if len(u) != 2:
                    continue
                ev = evaluate(problem, current | set(u))
                gain = ev.covered_weight - cur_eval.covered_weight
                if pair_best is None or gain > pair_best[0] + 1e-12:
                    pair_best = (gain, u, ev)
            if pair_best is not None and pair_best[0] > 1e-9:
                best = pair_best
        assert best is not None
        gain, u, ev = best
        order.append((u, cur_eval, ev))
        remaining -= set(u)
        current = current | set(u)
        cur_eval = ev
        touched = {problem.options[o].nurse_id for o in u}  # complements live on the same nurse
        for k in list(stale):
            if set(k) & set(u) or any(problem.options[o].nurse_id in touched for o in k):
                del stale[k]
    return order


def _state_table(problem: ExpansionProblem, before: Evaluation, after: Evaluation) -> pd.DataFrame:
    dem = problem.demand
    rows = []
    full_b = before.served >= dem.weight - 0.5 / _FLOW_SCALE
    full_a = after.served >= dem.weight - 0.5 / _FLOW_SCALE
    pat_b = np.ones(dem.n_patients, bool)
    pat_a = np.ones(dem.n_patients, bool)
    np.logical_and.at(pat_b, dem.patient, full_b)
    np.logical_and.at(pat_a, dem.patient, full_a)
    pstate = np.empty(dem.n_patients, dtype=object)
    pstate[dem.patient] = dem.state
    for state in sorted(set(dem.state.tolist())):
        sel = dem.state == state
        psel = pstate == state
        tot = float(dem.weight[sel].sum())
        rows.append({
            "state": state, "region": region_of(state), "patients": int(psel.sum()),
            "visits_per_week": round(tot, 3),
            "covered_before": round(float(before.served[sel].sum()), 3),
            "covered_after": round(float(after.served[sel].sum()), 3),
            "covered_share_before": round(float(before.served[sel].sum()) / tot, 4) if tot else 1.0,
            "covered_share_after": round(float(after.served[sel].sum()) / tot, 4) if tot else 1.0,
            "patients_covered_before": int(pat_b[psel].sum()),
            "patients_covered_after": int(pat_a[psel].sum()),
            "drive_hours_per_week_before": round(float(before.drive[sel].sum()) / 60, 2),
            "drive_hours_per_week_after": round(float(after.drive[sel].sum()) / 60, 2),
        })
    return pd.DataFrame(rows, columns=[
        "state", "region", "patients", "visits_per_week", "covered_before", "covered_after",
        "covered_share_before", "covered_share_after", "patients_covered_before",
        "patients_covered_after", "drive_hours_per_week_before", "drive_hours_per_week_after"])


RECOMMENDATION_COLUMNS: tuple[str, ...] = (
    "rank", "action", "label", "nurse_id", "site", "state", "region", "cost", "lead_weeks",
    "visits_per_week_absorbed", "patients_covered", "drive_hours_saved_per_week",
    "visits_per_week_alone", "cumulative_cost", "cumulative_visits_per_week", "cumulative_covered_share",
    "bundle",
)


def optimize(
    problem: ExpansionProblem,
    *,
    budget: float | None = None,
    target: float | None = None,
    target_share: float | None = None,
    time_limit: float | None = None,
    relative_gap: float | None = None,
    backend: str | None = None,
    forced: Iterable[str] = (),
    forbidden: Iterable[str] = (),
) -> ExpansionResult:
    """Choose actions: maximise coverage under ``budget``, or reach a target at least cost.

    Parameters
    ----------
    problem
        From :func:`build_expansion`.
    budget
        Budget mode (USD).
    target, target_share
        Target mode: visits per week to cover, or that share of the total demand.
    time_limit, relative_gap, backend
        Override the settings' MIP options.
    forced, forbidden
        Action keys (:attr:`Action.key`) that must / must not be chosen.

    Returns
    -------
    ExpansionResult
        Pruned, ranked actions with marginal gains; before/after coverage by state.
    """
    if target_share is not None:
        if not 0 <= target_share <= 1:
            raise ValueError("target_share must be in [0, 1]")
        target = target_share * problem.total_weight()
    if (budget is None) == (target is None):
        raise ValueError("give exactly one of budget= and target= / target_share=")
    st = problem.settings
    index = problem.option_index
    fixed: dict[int, bool] = {}
    for key in forced:
        if key not in index:
            raise KeyError(f"unknown action {key!r}")
        fixed[index[key]] = True
    for key in forbidden:
        if key in index:
            fixed[index[key]] = False
    sol = solve_coverage(
        problem.instance, budget=budget, target=target, capacitated=st.capacitated,
        linking=st.linking, backend=backend or st.backend,
        time_limit=st.time_limit if time_limit is None else time_limit,
        relative_gap=st.relative_gap if relative_gap is None else relative_gap,
        threads=st.threads, fixed=fixed,
    )
    base: frozenset[int] = frozenset()
    baseline = evaluate(problem, base)
    chosen = set(np.nonzero(sol.chosen)[0].tolist()) if sol.status in ("optimal", "feasible") else set()
    forced_set = {o for o, on in fixed.items() if on}
    free = _prune(problem, chosen - forced_set, base | frozenset(forced_set))
    chosen = free | forced_set
    ranked = _rank(problem, chosen, base, baseline)
    rows = []
    cum_cost = 0.0
    for rank, (unit, ev0, ev1) in enumerate(ranked, start=1):
        alone = evaluate(problem, base | set(unit)).covered_weight - baseline.covered_weight
        gain = ev1.covered_weight - ev0.covered_weight
        saved = _drive_saved(ev0, ev1)
        for pos, o in enumerate(unit):
            a = problem.options[o]
            cum_cost += a.cost
            first = pos == 0
            rows.append({
                "rank": rank, "action": a.kind.value, "label": a.label, "nurse_id": a.nurse_id
                if a.kind is not ActionKind.HIRE else "",
                "site": f"{a.site.name}, {a.site.state}" if a.site else "", "state": a.state,
                "region": region_of(a.state), "cost": round(a.cost, 2), "lead_weeks": a.lead_weeks,
                "visits_per_week_absorbed": round(gain, 4) if first else 0.0,
                "patients_covered": ev1.patients_covered - ev0.patients_covered if first else 0,
                "drive_hours_saved_per_week": round(saved, 2) + 0.0 if first else 0.0,
                "visits_per_week_alone": round(alone, 4) if first else 0.0,
                "cumulative_cost": round(cum_cost, 2),
                "cumulative_visits_per_week": round(ev1.covered_weight, 4),
                "cumulative_covered_share": round(ev1.covered_share, 4),
                "bundle": " + ".join(problem.options[x].key for x in unit) if len(unit) > 1 else "",
            })
    after = ranked[-1][2] if ranked else baseline
    message = ""
    if sol.status not in ("optimal", "feasible"):
        best = evaluate(problem, set(range(problem.instance.n_options)) - {o for o, v in fixed.items() if not v})
        message = f"MIP {sol.status}"
        if target is not None and best.covered_weight < target - 1e-9:
            message = (f"target of {target:.2f} visits/week cannot be reached: every candidate action "
                       f"together covers {best.covered_weight:.2f} of {best.total_weight:.2f}")
    recs = pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS))
    actions = [problem.options[o] for unit, _, _ in ranked for o in unit]
    return ExpansionResult(
        problem=problem, solution=sol, actions=actions, baseline=baseline, after=after,
        recommendations=recs, by_state=_state_table(problem, baseline, after),
        mode="budget" if budget is not None else "target", budget=budget, target=target,
        message=message,
    )


def recommend(
    roster: Roster,
    *,
    budget: float | None = None,
    target_share: float | None = None,
    provider: Any = None,
    settings: ExpansionSettings | None = None,
    sites: Sequence[Site] | None = None,
    on: date | None = None,
    rules: WindowRules | None = None,
) -> ExpansionResult:
    """Build and solve an expansion study in one call (see :func:`build_expansion`, :func:`optimize`)."""
    problem = build_expansion(roster, provider=provider, settings=settings, sites=sites, on=on, rules=rules)
    return optimize(problem, budget=budget, target_share=target_share)


# --------------------------------------------------------------------------- applying actions


def apply_actions(roster: Roster, actions: Iterable[Action], *, hire: HireProfile | None = None) -> Roster:
    """The roster after ``actions``: hires join, licenses and certifications are granted."""
    hire = hire or HireProfile()
    nurses = {n.nurse_id: n for n in roster.nurses}
    order = [n.nurse_id for n in roster.nurses]
    for a in actions:
        if a.kind is ActionKind.HIRE:
            if a.site is None:
                raise ValueError(f"{a.key}: a hire needs a site")
            if a.nurse_id not in nurses:
                nurses[a.nurse_id] = hire.nurse(a.nurse_id, a.site)
                order.append(a.nurse_id)
            continue
        if a.nurse_id not in nurses:
            raise KeyError(f"{a.key}: no nurse {a.nurse_id!r} in the roster")
        n = nurses[a.nurse_id]
        if a.kind is ActionKind.LICENSE:
            n = replace(n, state_licenses=n.state_licenses | {a.state})
        elif a.kind is ActionKind.HAI_CERT:
            n = replace(n, hai_certified=True)
        else:
            n = replace(n, chemo_certified=True)
        nurses[a.nurse_id] = n
    return Roster(patients=roster.patients, nurses=tuple(nurses[i] for i in order), time_off=roster.time_off)


# --------------------------------------------------------------------------- raw matrices


def solve_matrix(
    minutes: NDArray[np.float64],
    weights: NDArray[np.float64],
    *,
    cutoff: float,
    budget: float,
    site_cost: float | NDArray[np.float64] = 1.0,
    capacity: float | NDArray[np.float64] | None = None,
    backend: str = "highs",
    time_limit: float = 60.0,
    relative_gap: float = 1e-6,
) -> CoverageSolution:
    """Hire-only maximal coverage on a raw (demand × site) drive-time matrix.

    With ``capacity=None`` and unit site costs this is the maximal covering
    location problem with ``p = budget`` (what ``spopt.locate.MCLP`` solves).
    """
    minutes = np.asarray(minutes, dtype=np.float64)
    n, m = minutes.shape
    dem, srv = np.nonzero(np.nan_to_num(minutes, nan=np.inf) <= cutoff)
    costs = np.broadcast_to(np.asarray(site_cost, dtype=np.float64), (m,)).copy()
    cap = np.full(m, np.inf) if capacity is None else \
        np.broadcast_to(np.asarray(capacity, dtype=np.float64), (m,)).copy()
    inst = CoverageInstance(
        weights=np.asarray(weights, dtype=np.float64), option_cost=costs,
        server_open=np.arange(m, dtype=np.int64), server_capacity=cap,
        pair_demand=dem.astype(np.int64), pair_server=srv.astype(np.int64),
        req_ptr=np.zeros(len(dem) + 1, dtype=np.int64), req_idx=np.zeros(0, dtype=np.int64),
    )
    return solve_coverage(inst, budget=budget, capacitated=capacity is not None, backend=backend,
                          time_limit=time_limit, relative_gap=relative_gap)


# --------------------------------------------------------------------------- outputs


def _nurse_towns(problem: ExpansionProblem, nurse_ids: set[str]) -> dict[str, tuple[str, float, float]]:
    """Nearest town (name, lat, lon) to each nurse's home: maps never show a home address."""
    import geodata

    out: dict[str, tuple[str, float, float]] = {}
    by_id = {n.nurse_id: n for n in problem.servers}
    for nid in sorted(nurse_ids):
        n = by_id.get(nid)
        if n is None:
            continue
        towns = geodata.places(states=[n.home_state], min_population=5000)
        if not len(towns):
            towns = geodata.places(states=[n.home_state])
        if not len(towns):
            continue
        j = int(_nearest(np.array([n.lat]), np.array([n.lon]), towns.lat.to_numpy(), towns.lon.to_numpy())[0])
        row = towns.iloc[j]
        out[nid] = (str(row["name"]), round(float(row.lat), 4), round(float(row.lon), 4))
    return out


def map_layer(result: ExpansionResult) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the ranked actions (de-identified).

    Hires are points at their site (a public place); licenses and certifications
    at the nearest town of the nurse's home. Properties mirror the CSV.
    """
    recs = result.recommendations
    towns = _nurse_towns(result.problem, {r for r in recs.nurse_id if r})
    feats = []
    by_key = {a.key: a for a in result.actions}
    keys = [a.key for a in result.actions]
    for (_, row), key in zip(recs.iterrows(), keys):
        a = by_key[key]
        if a.site is not None:
            lon, lat, place = a.site.lon, a.site.lat, f"{a.site.name}, {a.state}"
        elif a.nurse_id in towns:
            name, lat, lon = towns[a.nurse_id]
            place = f"near {name}"
        else:  # pragma: no cover - every existing nurse has a home state with towns
            continue
        props = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        props["place"] = place
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
                      "properties": props})
    return {"type": "FeatureCollection", "features": feats,
            "properties": {"layer": "expansion_recommendations", "mode": result.mode,
                           "budget": result.budget}}


def write_expansion(result: ExpansionResult, out_dir: str | Path, *, prefix: str = "") -> dict[str, Path]:
    """Write ``recommendations.csv``, ``expansion_by_state.csv``, ``recommendations.geojson``
    and ``expansion_summary.json`` into ``out_dir`` (names prefixed by ``prefix``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "recommendations": out / f"{prefix}recommendations.csv",
        "by_state": out / f"{prefix}expansion_by_state.csv",
        "map": out / f"{prefix}recommendations.geojson",
        "summary": out / f"{prefix}expansion_summary.json",
    }
    result.recommendations.to_csv(paths["recommendations"], index=False)
    result.by_state.to_csv(paths["by_state"], index=False)
    paths["map"].write_text(json.dumps(map_layer(result), indent=1), encoding="utf-8")
    paths["summary"].write_text(json.dumps(result.summary(), indent=1), encoding="utf-8")
    return paths
