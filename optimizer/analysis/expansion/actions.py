"""Expansion actions: hire, license, certify, buy partner coverage — kinds, costs, lead times, effect.

``hire`` at a site; ``license`` an existing nurse in a state she may not
practise in (fee and weeks by state, SPEC §8: 2–8 weeks, 8–12+ in CA and NY,
$100–$400); ``hai_cert`` / ``chemo_cert`` an existing nurse; ``partner`` a
contract with a partner team of ``partners.csv`` (make or buy, issue 13 item 3).
A hire at a site gets a multistate license when the site's state has implemented
the Nurse Licensure Compact, else that state's license (SPEC §5, §8), and the
:class:`HireProfile` (HAI- and chemo-certified by default). A hire fills only
after recruiting and her HAI training and competency validation; the chemo
certification of a chemo-certified profile runs beside the HAI training and is
paid on top (:meth:`ExpansionCosts.hire_terms`, issue 13 item 5).
"""

from __future__ import annotations

import math

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from enum import Enum
from pathlib import Path

import pandas as pd

from geodata.licensure import active_nlc_table
from geodata.states import STATE_CODES
from optimizer import settings
from optimizer.analysis.coverage import CENSUS_REGIONS
from optimizer.domain import WEEKDAY_NAMES, Nurse, Partner, Roster
from optimizer.errors import ProblemCollector

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
    "region_of",
    "load_license_terms",
    "apply_actions",
]


class ActionKind(str, Enum):
    """What an expansion action does."""

    HIRE = "hire"
    LICENSE = "license"
    HAI_CERT = "hai_cert"
    CHEMO_CERT = "chemo_cert"
    PARTNER = "partner"

    def __str__(self) -> str:
        return self.value


ALL_ACTIONS: frozenset[ActionKind] = frozenset(ActionKind)


@dataclass(frozen=True, slots=True)
class LicenseTerms:
    """Cost and lead time of a single-state license by endorsement."""

    fee: float
    lead_weeks: float


#: SPEC §8: typically 2–8 weeks and $100–$400 (the middle of both ranges).
DEFAULT_LICENSE_TERMS = LicenseTerms(fee=settings.LICENSE_FEE_USD, lead_weeks=settings.LICENSE_LEAD_WEEKS)
#: SPEC §8: 8–12+ weeks in CA and NY (the long end; fees at the high end).
LICENSE_TERMS_BY_STATE: dict[str, LicenseTerms] = {
    state: LicenseTerms(fee=fee, lead_weeks=weeks) for state, (fee, weeks) in settings.LICENSE_TERMS_BY_STATE.items()
}


@dataclass(frozen=True)
class ExpansionCosts:
    """Cost (USD) and lead time (weeks) of every kind of action.

    The hire cost is a planning assumption (first-year salary, benefits and
    recruiting of a home-infusion RN); certifications are course fees plus paid
    training time. Replace them with the company's figures in the scenario file.
    """

    hire: float = settings.HIRE_COST_USD
    hire_lead_weeks: float = settings.HIRE_LEAD_WEEKS
    hire_training: float = settings.HIRE_TRAINING_COST_USD
    hire_training_weeks: float = settings.HIRE_TRAINING_WEEKS
    hai_cert: float = settings.HAI_CERT_COST_USD
    hai_cert_lead_weeks: float = settings.HAI_CERT_LEAD_WEEKS
    chemo_cert: float = settings.CHEMO_CERT_COST_USD
    chemo_cert_lead_weeks: float = settings.CHEMO_CERT_LEAD_WEEKS
    license_default: LicenseTerms = DEFAULT_LICENSE_TERMS
    license_by_state: Mapping[str, LicenseTerms] = field(
        default_factory=lambda: dict(LICENSE_TERMS_BY_STATE))
    hire_by_state: Mapping[str, float] = field(default_factory=dict)

    def license(self, state: str) -> LicenseTerms:
        """The license terms in ``state``."""
        return self.license_by_state.get(state, self.license_default)

    def hire_cost(self, state: str) -> float:
        """The cost of a hire in ``state`` (recruiting and first year; training not included)."""
        return float(self.hire_by_state.get(state, self.hire))

    def hire_terms(self, state: str, *, chemo: bool) -> tuple[float, float]:
        """Cost and weeks until a hire in ``state`` fills (issue 13 item 5): recruiting, then HAI training
        and competency validation; a chemo-certified hire (``chemo``) also takes the chemo course, beside
        the HAI training (the longer of the two counts), and pays for it."""
        cost = self.hire_cost(state) + self.hire_training + (self.chemo_cert if chemo else 0.0)
        weeks = self.hire_lead_weeks + max(self.hire_training_weeks, self.chemo_cert_lead_weeks if chemo else 0.0)
        return cost, weeks


@dataclass(frozen=True)
class HireProfile:
    """The nurse a hire brings: certifications, schedule and limits.

    Schedule and limits are the nurses.csv defaults of :mod:`optimizer.settings`
    (SPEC §4); a hire is recruited HAI- and chemo-certified (an assumption: she
    can take every fill).
    """

    hai_certified: bool = True
    chemo_certified: bool = True
    workdays: frozenset[int] = frozenset(WEEKDAY_NAMES.index(d) for d in settings.WORKDAYS.split(";"))
    shift_start: time = time.fromisoformat(settings.SHIFT_START)
    shift_end: time = time.fromisoformat(settings.SHIFT_END)
    max_visits_per_day: int = settings.MAX_VISITS_PER_DAY
    max_drive_minutes_one_way: int = settings.MAX_DRIVE_MINUTES_ONE_WAY
    max_overtime_minutes: int = settings.MAX_OVERTIME_MINUTES
    hourly_cost: float = settings.HOURLY_COST

    def nurse(self, nurse_id: str, site: "Site") -> Nurse:
        """The hired nurse living at ``site``: multistate if its state implemented the compact."""
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
    partner: Partner | None = None  # the team a ``partner`` action contracts

    @property
    def key(self) -> str:
        """A stable identifier, e.g. ``license:N012:NY``."""
        if self.kind is ActionKind.LICENSE:
            return f"license:{self.nurse_id}:{self.state}"
        if self.kind is ActionKind.PARTNER:
            return f"partner:{self.nurse_id}"
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
        if self.kind is ActionKind.PARTNER:
            return f"Contract partner team {self.nurse_id} in {self.state}"
        return f"Chemo-certify nurse {self.nurse_id}"


def region_of(state: str) -> str:
    """The US Census region of ``state`` (the grouping of the coverage tables)."""
    return CENSUS_REGIONS.get(state, "")


def load_license_terms(path: str | Path) -> dict[str, LicenseTerms]:
    """License terms by state from a CSV ``state,fee,lead_weeks`` (user-updatable, SPEC §8)."""
    path = Path(path)
    errors = ProblemCollector(str(path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:  # missing, a folder, not a table
        errors.add(None, None, f"cannot read the license terms file: {type(exc).__name__}: {exc}")
        errors.raise_if_any()
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
            if not (0 <= fee < math.inf and 0 <= weeks < math.inf):  # nan and inf too
                raise ValueError
            out[state] = LicenseTerms(fee, weeks)
        except ValueError:
            errors.add(i, "fee", f"need numbers >= 0 for fee and lead_weeks, not {row['fee']!r}, "
                                 f"{row['lead_weeks']!r}")
    errors.raise_if_any()
    return out


def apply_actions(roster: Roster, actions: Iterable[Action], *, hire: HireProfile | None = None) -> Roster:
    """The roster after ``actions``: hires join, licenses and certifications are granted, partner
    teams are contracted (``roster.partners``); every other table of the roster is kept."""
    hire = hire or HireProfile()
    nurses = {n.nurse_id: n for n in roster.nurses}
    order = [n.nurse_id for n in roster.nurses]
    partners = list(roster.partners)
    for a in actions:
        if a.kind is ActionKind.PARTNER:
            if a.partner is not None and a.partner not in partners:
                partners.append(a.partner)
            continue
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
    return replace(roster, nurses=tuple(nurses[i] for i in order), partners=tuple(partners))
