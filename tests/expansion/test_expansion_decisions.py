"""Expansion decisions on tiny instances where the right answer is known by hand."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from optimizer.domain import Infusate, Roster
from optimizer.errors import DataError
from optimizer.analysis.expansion import (Action, ActionKind, ExpansionCosts, ExpansionSettings, HireProfile,
                                 apply_actions,
                                 build_expansion, demand_points, evaluate, load_sites, optimize,
                                 write_expansion)
from tests.expansion.conftest import ON, make_nurse, make_patient

HIRE_ONLY = frozenset({ActionKind.HIRE})


#: Hires counted by hand: no training or recruiting time, so a hire costs exactly her ``hire`` and fills from
#: week one (tests/expansion/test_expansion_partners_training.py checks the training terms).
UNTRAINED = dict(hire_training=0.0, hire_lead_weeks=0.0, hire_training_weeks=0.0)


def _settings(**kw) -> ExpansionSettings:
    base = dict(actions=HIRE_ONLY, cutoff_minutes=60, costs=ExpansionCosts(hire=100_000.0, **UNTRAINED),
                hire=HireProfile(chemo_certified=False))
    base.update(kw)
    return ExpansionSettings(**base)


def test_known_single_best_hire(ohio_roster, ohio_sites) -> None:
    problem = build_expansion(ohio_roster, settings=_settings(), sites=ohio_sites, on=ON)
    res = optimize(problem, budget=100_000)
    assert res.solution.status == "optimal" and res.solution.gap == 0
    assert [a.key for a in res.actions] == ["hire:OH-Columbus"]
    top = res.recommendations.iloc[0]
    assert top["action"] == "hire" and top["site"] == "Columbus, OH"
    assert top["patients_covered"] == 5
    assert top["visits_per_week_absorbed"] == pytest.approx(2.5)
    assert res.after.patients_covered == 5 and res.baseline.patients_covered == 0


def test_two_hires_and_ranking(ohio_roster, ohio_sites) -> None:
    problem = build_expansion(ohio_roster, settings=_settings(), sites=ohio_sites, on=ON)
    res = optimize(problem, budget=200_000)
    assert [a.key for a in res.actions] == ["hire:OH-Columbus", "hire:OH-Cleveland"]
    assert list(res.recommendations["rank"]) == [1, 2]
    assert list(res.recommendations["cumulative_visits_per_week"]) == pytest.approx([2.5, 3.5])


def test_target_mode_least_cost(ohio_roster, ohio_sites) -> None:
    costs = ExpansionCosts(hire=100_000.0, hire_by_state={}, **UNTRAINED)
    problem = build_expansion(ohio_roster, settings=_settings(costs=costs), sites=ohio_sites, on=ON)
    res = optimize(problem, target_share=7 / 8)
    assert sorted(a.key for a in res.actions) == ["hire:OH-Cleveland", "hire:OH-Columbus"]
    assert res.solution.objective == pytest.approx(200_000)
    everyone = optimize(problem, target_share=1.0)
    assert len(everyone.actions) == 3 and everyone.after.covered_share == pytest.approx(1.0)
    # without the Cincinnati site nobody reaches that patient within 60 minutes
    partial = build_expansion(ohio_roster, settings=_settings(costs=costs), sites=ohio_sites[:2], on=ON)
    impossible = optimize(partial, target_share=1.0)
    assert impossible.solution.status == "infeasible" and impossible.actions == []
    assert "cannot be reached" in impossible.message and "3.50 of 4.00" in impossible.message


def test_capacity_is_respected(ohio_roster, ohio_sites) -> None:
    # capacity 5 days x 5 visits x 0.04 = 1 visit/week per nurse
    problem = build_expansion(ohio_roster, settings=_settings(capacity_factor=0.04), sites=ohio_sites, on=ON)
    res = optimize(problem, budget=200_000)
    assert res.solution.objective == pytest.approx(2.0)
    assert res.after.covered_weight == pytest.approx(2.0)
    uncapped = build_expansion(ohio_roster, settings=_settings(capacitated=False), sites=ohio_sites, on=ON)
    assert optimize(uncapped, budget=200_000).solution.objective == pytest.approx(3.5)


def _ny_roster() -> Roster:
    """Two Staten Island (NY) patients on the chemo cycle; a NJ multistate nurse next door."""
    pts = tuple(make_patient(patient_id=f"NY{i}", lat=40.58 + 0.01 * i, lon=-74.15, state="NY",
                             last_fill_infusate=Infusate.HEPARINIZED_SALINE, next_infusate=Infusate.FLOXURIDINE)
                for i in range(2))
    nj = make_nurse(nurse_id="NJ1", lat=40.66, lon=-74.21, home_state="NJ", multistate_license=True,
                    chemo_certified=False)
    return Roster(patients=pts, nurses=(nj,))


def test_license_then_chemo_certification() -> None:
    roster = _ny_roster()
    settings = ExpansionSettings(actions=frozenset({ActionKind.LICENSE, ActionKind.CHEMO_CERT}))
    problem = build_expansion(roster, settings=settings, on=ON)
    keys = {a.key for a in problem.options}
    assert keys == {"license:NJ1:NY", "chemo_cert:NJ1"}
    lic = next(a for a in problem.options if a.kind is ActionKind.LICENSE)
    assert (lic.cost, lic.lead_weeks) == (350.0, 12.0)  # SPEC §8: CA/NY take 8-12+ weeks
    # $400: the NY license covers the two heparinized-saline fills per cycle
    res = optimize(problem, budget=400)
    assert [a.key for a in res.actions] == ["license:NJ1:NY"]
    assert res.after.covered_weight == pytest.approx(0.5)
    assert res.after.patients_covered == 0  # the chemo fills are still uncovered
    # $2,000: license + chemo certification covers everything
    res = optimize(problem, budget=2_000)
    assert sorted(a.key for a in res.actions) == ["chemo_cert:NJ1", "license:NJ1:NY"]
    assert res.after.patients_covered == 2


def test_complementary_actions_ranked_as_bundle() -> None:
    """License alone adds nothing (a NY nurse already does the saline fills), chemo alone neither."""
    roster = _ny_roster()
    ny = make_nurse(nurse_id="NY2", lat=40.60, lon=-74.10, home_state="NY", multistate_license=False,
                    chemo_certified=False)
    roster = Roster(patients=roster.patients, nurses=roster.nurses + (ny,))
    settings = ExpansionSettings(actions=frozenset({ActionKind.LICENSE, ActionKind.CHEMO_CERT}))
    problem = build_expansion(roster, settings=settings, on=ON)
    res = optimize(problem, budget=2_000, forbidden=["chemo_cert:NY2"])
    assert sorted(a.key for a in res.actions) == ["chemo_cert:NJ1", "license:NJ1:NY"]
    recs = res.recommendations
    assert set(recs["rank"]) == {1} and recs["bundle"].iloc[0]
    assert recs["visits_per_week_absorbed"].sum() == pytest.approx(0.5)


def test_hai_certification_and_apply_actions() -> None:
    p = make_patient(patient_id="G1", last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN,
                     prescribed_interval_days=42)
    n = make_nurse(nurse_id="N1", hai_certified=False, chemo_certified=False)
    roster = Roster(patients=(p,), nurses=(n,))
    problem = build_expansion(roster, settings=ExpansionSettings(), on=ON)
    res = optimize(problem, budget=5_000)
    assert [a.key for a in res.actions] == ["hai_cert:N1"]
    assert demand_points(roster).weight == pytest.approx([7 / 42])
    after = apply_actions(roster, res.actions)
    assert after.nurse("N1").hai_certified and not after.nurse("N1").chemo_certified


def test_hire_license_follows_the_compact(ohio_sites) -> None:
    from optimizer.analysis.expansion import HireProfile, Site

    hire = HireProfile()
    assert hire.nurse("H1", ohio_sites[0]).multistate_license  # OH implemented the compact
    ny = hire.nurse("H2", Site("NY-Albany", "Albany", "NY", 42.65, -73.75))
    assert not ny.multistate_license and ny.home_state == "NY"


def test_outputs_are_deidentified(tmp_path, ohio_roster, ohio_sites) -> None:
    nurse = make_nurse(nurse_id="N7", lat=39.10, lon=-84.51, chemo_certified=False, hai_certified=False)
    roster = Roster(patients=ohio_roster.patients, nurses=(nurse,))
    problem = build_expansion(roster, settings=_settings(actions=frozenset(ActionKind)), sites=ohio_sites, on=ON)
    res = optimize(problem, budget=250_000)
    paths = write_expansion(res, tmp_path)
    text = "".join(p.read_text() for p in paths.values())
    for p in roster.patients:
        assert p.patient_id not in text
        for coord in (p.lat, p.lon):  # (hire sites are public town centers, a few km away)
            for digits in (4, 5, 6):
                assert f"{coord:.{digits}f}" not in text
            assert repr(coord) not in text
    layer = json.loads(paths["map"].read_text())
    assert len(layer["features"]) == len(res.recommendations)
    recs = pd.read_csv(paths["recommendations"])
    assert {"rank", "cost", "lead_weeks", "visits_per_week_absorbed", "patients_covered",
            "drive_hours_saved_per_week", "state", "region"} <= set(recs.columns)


def test_load_sites_names_row_and_column(tmp_path) -> None:
    f = tmp_path / "sites.csv"
    f.write_text("name,state,lat,lon\nColumbus,OH,39.96,-83.0\nNowhere,XX,91,-83\n")
    with pytest.raises(DataError) as err:
        load_sites(f)
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(3, "state"), (3, "lat")}
    f.write_text("name,state,lat,lon,cost\nColumbus,OH,39.96,-83.0,90000\n")
    (site,) = load_sites(f)
    assert site.state == "OH" and site.cost == 90_000
    f.write_text("name,state,lat,lon,cost,lead_weeks\nColumbus,OH,39.96,-83.0,nan,4\nDayton,OH,39.76,-84.19,1,inf\n")
    with pytest.raises(DataError) as err:
        load_sites(f)
    assert {(p.row, p.column) for p in err.value.problems} == {(2, "cost"), (3, "lead_weeks")}


def test_a_sites_file_is_read_as_an_input_table(tmp_path) -> None:
    f = tmp_path / "sites.csv"
    # latin-1 bytes, a number Python alone reads ('4_0' as 40), a control character in a name
    f.write_bytes("name,state,lat,lon,lead_weeks\nTol\xe9do,OH,41.65,-83.54,\nDayton,OH,39.76,-84.19,4_0\n"
                  "Akron\x1b[31m,OH,41.08,-81.52,\n".encode("latin-1"))
    with pytest.raises(DataError) as err:
        load_sites(f)
    assert {(p.row, p.column) for p in err.value.problems} == {(2, "name")}  # the encoding first, located
    f.write_text(f.read_bytes().decode("latin-1"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_sites(f)
    assert {(p.file, p.row, p.column) for p in err.value.problems} == {("sites.csv", 3, "lead_weeks"),
                                                                       ("sites.csv", 4, "name")}


def test_committed_actions_count_as_existing(ohio_roster, ohio_sites) -> None:
    committed = [Action(ActionKind.HIRE, "HIRE-OH-Columbus", "OH", 100_000, 10, ohio_sites[0])]
    problem = build_expansion(ohio_roster, settings=_settings(), sites=ohio_sites[1:], on=ON,
                              committed=committed)
    assert problem.n_existing == 1
    assert evaluate(problem, ()).patients_covered == 5
    res = optimize(problem, budget=100_000)
    assert [a.key for a in res.actions] == ["hire:OH-Cleveland"]


def test_date_of_judgement_matters_for_new_compact_members() -> None:
    """A TX multistate nurse may serve PA only once PA implemented the compact (July 2025)."""
    p = make_patient(patient_id="PA1", lat=39.95, lon=-75.17, state="PA",
                     last_fill_infusate=Infusate.GLYCERIN, next_infusate=Infusate.GLYCERIN)
    n = make_nurse(nurse_id="TX1", lat=39.90, lon=-75.10, home_state="TX", multistate_license=True)
    roster = Roster(patients=(p,), nurses=(n,))
    before = build_expansion(roster, settings=ExpansionSettings(actions=frozenset()), on=dt.date(2025, 1, 1))
    after = build_expansion(roster, settings=ExpansionSettings(actions=frozenset()), on=dt.date(2025, 8, 1))
    assert evaluate(before, ()).patients_covered == 0
    assert evaluate(after, ()).patients_covered == 1
