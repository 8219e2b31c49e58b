"""Prepare a scenario: load its data, apply the demand changes, resolve every staffing plan into actions.

Explicit changes are taken as written; optimizer requests go through the expansion
MIP (:mod:`optimizer.analysis.expansion`). Also :func:`expand_scenario`, one
expansion study on a scenario.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geodata
from optimizer.analysis.expansion import (Action, ActionKind, ExpansionResult, HireProfile, Site, build_expansion,
                                          evaluate, load_sites, optimize)
from optimizer.analysis.simulate import SimulationSettings, grow_demand
from optimizer.domain import Roster
from optimizer.errors import DataError, Problem
from optimizer.inputs import load_data, scenario_start, travel_provider
from optimizer.rules.windows import WindowRules
from optimizer.scenario import ChangeSpec, PlanSpec, Scenario, load_scenario
from optimizer.settings import DEFAULT_EXPANSION_BUDGET_USD

__all__ = ["BASELINE", "PreparedScenario", "prepare_scenario", "expand_scenario"]

log = logging.getLogger(__package__)  # the batch package's logger, as before the split

#: The plan of the current staffing, first in every scenario.
BASELINE = "baseline"


@dataclass
class PreparedScenario:
    """A scenario ready to simulate: its roster after demand changes and each plan's actions."""

    name: str
    scenario: Scenario
    roster: Roster
    start: dt.date
    as_of: dt.date
    plans: dict[str, tuple[Action, ...]]  # "baseline" first
    plan_info: dict[str, dict[str, Any]]
    expansions: dict[str, ExpansionResult]
    sim: SimulationSettings
    hire: HireProfile
    rules: WindowRules
    seeds: list[int]
    travel: dict[str, Any] = field(default_factory=dict)


def _located(sc: Scenario, key: str, message: str) -> DataError:
    return DataError([Problem(str(sc.source or sc.name), None, key, message)])


def _resolve_change(sc: Scenario, roster: Roster, change: ChangeSpec, key: str, hire: HireProfile,
                    settings: Any) -> Action:
    """An explicit staffing change as an :class:`Action` (costs from the cost table unless given)."""
    costs = settings.costs
    kind = ActionKind(change.kind)
    if kind is ActionKind.HIRE:
        state = change.state or ""
        if change.lat is not None and change.lon is not None:
            name = change.place or f"{change.lat:.3f},{change.lon:.3f}"
            lat, lon, pop = change.lat, change.lon, 0
        else:
            towns = geodata.places(states=[state])
            match = towns[towns.name.str.casefold() == str(change.place).casefold()]
            if not len(match):
                raise _located(sc, f"{key}.place", f"no place named {change.place!r} in {state}")
            row = match.iloc[0]
            name, lat, lon, pop = str(row["name"]), float(row.lat), float(row.lon), int(row.population)
        sid = f"{state}-{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}"
        site = Site(sid, name, state, lat, lon, "scenario", pop, change.cost, change.lead_weeks)
        cost, weeks = costs.hire_terms(state, chemo=hire.chemo_certified)  # recruiting and training (issue 13 item 5)
        return Action(kind, f"HIRE-{sid}", state, change.cost if change.cost is not None else cost,
                      change.lead_weeks if change.lead_weeks is not None else weeks, site)
    if not roster.has_nurse(change.nurse or ""):
        raise _located(sc, f"{key}.nurse", f"no nurse {change.nurse!r} in the roster")
    nurse = roster.nurse(change.nurse or "")
    if kind is ActionKind.LICENSE:
        t = costs.license(change.state or "")
        return Action(kind, nurse.nurse_id, change.state or "", change.cost if change.cost is not None else t.fee,
                      change.lead_weeks if change.lead_weeks is not None else t.lead_weeks)
    cost, lead = ((costs.hai_cert, costs.hai_cert_lead_weeks) if kind is ActionKind.HAI_CERT
                  else (costs.chemo_cert, costs.chemo_cert_lead_weeks))
    return Action(kind, nurse.nurse_id, nurse.home_state, change.cost if change.cost is not None else cost,
                  change.lead_weeks if change.lead_weeks is not None else lead)


def _grown(roster: Roster, sc: Scenario, rules: Any) -> Roster:
    """The scenario's demand growth applied; the partner teams of ``partners.csv`` stay (issue 13 item 3)."""
    grown = grow_demand(roster, growth=sc.demand.growth,
                        new_states={n.state: n.patients for n in sc.demand.new_states},
                        seed=sc.demand.seed, rules=rules)
    return dataclasses.replace(grown, partners=roster.partners)


def _provider(travel: dict[str, Any]) -> Any:
    options = dict(travel.get("options") or {})
    if travel.get("provider") == "road" and travel.get("osm_file"):
        options["osm_file"] = travel["osm_file"]
    return travel_provider(travel.get("provider", "haversine"), **options)


def prepare_scenario(
    scenario: Scenario | str | Path,
    *,
    seeds: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> PreparedScenario:
    """Load a scenario, apply its demand changes, and resolve every plan into actions.

    Parameters
    ----------
    scenario
        A :class:`~optimizer.scenario.Scenario` or a scenario file.
    seeds
        Number of seeds (overrides ``simulation.seeds``).
    progress
        Called with a line per step.

    Raises
    ------
    DataError
        A plan names a nurse or place that does not exist (file and key named).
    """
    say = progress or (lambda msg: log.info(msg))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    as_of, horizon = scenario_start(sc)  # a first day far from the data date: refused before any work
    start = horizon.start
    roster, sc = load_data(sc)
    rules = sc.window_rules()
    roster = _grown(roster, sc, rules)
    travel = sc.travel.model_dump(mode="json")
    provider = _provider(travel)
    base_settings = sc.expansion.to_settings()
    hire = base_settings.hire
    sites = load_sites(sc.expansion.sites.file) if sc.expansion.sites.file else None
    plans: dict[str, tuple[Action, ...]] = {BASELINE: ()}
    info: dict[str, dict[str, Any]] = {}
    expansions: dict[str, ExpansionResult] = {}
    neutral = sc.expansion.to_settings(actions=())
    base_eval = evaluate(build_expansion(roster, provider=provider, settings=neutral, on=start, rules=rules,
                                         sites=[]), ())
    info[BASELINE] = _plan_info(PlanSpec.model_construct(name=BASELINE, description="current staffing",
                                                         changes=[], budget=None, target_share=None,
                                                         actions=[]), (), base_eval, base_eval, "")
    for i, spec in enumerate(sc.plan_specs()):
        settings = sc.expansion.to_settings(actions=spec.actions)
        committed = tuple(_resolve_change(sc, roster, c, f"plans.{i}.changes.{j}", hire, settings)
                          for j, c in enumerate(spec.changes))
        message = ""
        if spec.optimizes:
            say(f"{sc.name}: optimizing plan {spec.name!r} "
                f"({'budget $%s' % format(spec.budget, ',.0f') if spec.budget is not None else 'target %.0f%%' % (100 * (spec.target_share or 0))})")
            problem = build_expansion(roster, provider=provider, settings=settings, sites=sites, on=start,
                                      rules=rules, committed=committed)
            remaining = None if spec.budget is None else max(0.0, spec.budget - sum(a.cost for a in committed))
            res = optimize(problem, budget=remaining, target_share=spec.target_share)
            expansions[spec.name] = res
            actions = committed + tuple(res.actions)
            message = res.message
            after = evaluate(build_expansion(roster, provider=provider, settings=neutral, on=start, rules=rules,
                                             sites=[], committed=actions), ())
        else:
            actions = committed
            after = evaluate(build_expansion(roster, provider=provider, settings=neutral, on=start, rules=rules,
                                             sites=[], committed=actions), ())
        plans[spec.name] = actions
        info[spec.name] = _plan_info(spec, actions, base_eval, after, message)
        say(f"{sc.name}: plan {spec.name!r}: {len(actions)} action(s), ${info[spec.name]['one_time_cost']:,.0f}, "
            f"covered {info[spec.name]['covered_share_after']:.1%} of visits/week "
            f"(baseline {base_eval.covered_share:.1%})")
    extra_referrals = {n.state: n.referrals_per_week for n in sc.demand.new_states if n.referrals_per_week}
    return PreparedScenario(
        name=sc.name, scenario=sc, roster=roster, start=start, as_of=as_of, plans=plans, plan_info=info,
        expansions=expansions, sim=sc.simulation.to_settings(extra_referrals=extra_referrals), hire=hire,
        rules=rules, seeds=sc.simulation.seed_list(seeds), travel=travel,
    )


def _plan_info(spec: PlanSpec, actions: Sequence[Action], before: Any, after: Any, message: str) -> dict[str, Any]:
    kinds = {k.value: sum(1 for a in actions if a.kind is k) for k in ActionKind}
    return {
        "plan": spec.name, "description": spec.description,
        "mode": "budget" if spec.budget is not None else "target" if spec.target_share is not None
        else ("explicit" if spec.changes else "none"),
        "budget": spec.budget, "target_share": spec.target_share,
        "actions": len(actions), **{f"n_{k}": v for k, v in kinds.items()},
        "one_time_cost": round(sum(a.cost for a in actions), 2),
        "max_lead_weeks": max((a.lead_weeks for a in actions), default=0.0),
        "covered_share_before": round(before.covered_share, 4),
        "covered_share_after": round(after.covered_share, 4),
        "visits_per_week_covered_after": round(after.covered_weight, 3),
        "patients_covered_after": after.patients_covered,
        "action_keys": ";".join(a.key for a in actions), "message": message,
    }


def expand_scenario(
    scenario: Scenario | str | Path | None = None,
    *,
    budget: float | None = None,
    target_share: float | None = None,
    cutoff_minutes: float | None = None,
    actions: Sequence[str] | None = None,
    sites_file: str | Path | None = None,
    backend: str | None = None,
    time_limit: float | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExpansionResult:
    """One expansion study on a scenario (or data folder; ``None``: the demo), demand changes applied.

    Options left ``None`` come from the scenario's ``expansion`` section; with
    neither ``budget`` nor ``target_share`` the budget is
    :data:`optimizer.settings.DEFAULT_EXPANSION_BUDGET_USD`.
    """
    say = progress or (lambda msg: log.info(msg))
    roster, sc = load_data(scenario, as_of=as_of)
    start = scenario_start(sc, as_of=as_of)[1].start
    rules = sc.window_rules()
    roster = _grown(roster, sc, rules)
    settings = sc.expansion.to_settings(actions=actions)
    changes: dict[str, Any] = {}
    if cutoff_minutes is not None:
        changes["cutoff_minutes"] = float(cutoff_minutes)
    if backend is not None:
        changes["backend"] = backend
    if time_limit is not None:
        changes["time_limit"] = float(time_limit)
    if changes:
        settings = dataclasses.replace(settings, **changes)
    file = sites_file or sc.expansion.sites.file
    sites = load_sites(file) if file else None
    say(f"{sum(1 for _ in roster.active_patients())} patients, {len(roster.nurses)} nurses; "
        f"building candidate sites and options (cutoff {settings.cutoff_minutes:g} min)")
    problem = build_expansion(roster, provider=_provider(sc.travel.model_dump(mode="json")), settings=settings,
                              sites=sites, on=start, rules=rules)
    if budget is None and target_share is None:
        budget = DEFAULT_EXPANSION_BUDGET_USD
    say(f"{len(problem.sites)} candidate sites, {problem.instance.n_options} options, "
        f"{problem.instance.n_pairs} (demand, nurse) pairs; solving with {settings.backend}")
    return optimize(problem, budget=budget, target_share=target_share)
