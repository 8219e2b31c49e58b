"""The population model: one draw of patient homes for the generator and the simulation's referrals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import geodata
from optimizer.analysis.simulate import grow_demand
from optimizer.analysis.simulate.events import Referrals, rng_for
from optimizer.analysis.simulate.growth import referral_homes
from optimizer.io import load_roster
from optimizer.rules.windows import WindowRules
from optimizer.studies import synth
from optimizer.studies.synth.geography import pairwise_km
from optimizer.studies.synth.population import draw_homes, population

AS_OF = dt.date(2026, 11, 20)


def test_homes_follow_the_model_weights() -> None:
    pop = population(("PA",))
    homes = draw_homes(np.random.default_rng(1), 3000, states=["pa"])
    assert (geodata.states_of(homes["lat"], homes["lon"], tolerance_km=0) == "PA").all()
    expected_rural = float((pop.weight * pop.rural).sum() / pop.weight.sum())
    assert 0.1 < expected_rural < 0.4
    assert abs(homes["rural"].mean() - expected_rural) < 0.03
    # countryside homes lie in their own county
    side = np.char.endswith(homes["place"].astype(str), "countryside")
    assert side.mean() > 0.1
    fips = geodata.counties_of(homes["lat"][side], homes["lon"][side], tolerance_km=0)
    assert (fips == np.array([p.split()[0] for p in homes["place"][side]], dtype=object)).all()
    # the weights rise with the distance to the nearest center near it (clinic refills), then fall
    from optimizer.studies.synth.population import patient_rate

    rate = patient_rate(np.array([0.0, 60.0, 150.0, 1000.0]))
    assert rate[0] < rate[1] and rate[2] > rate[3]


def test_same_rng_same_homes_and_centers_filter() -> None:
    a = draw_homes(np.random.default_rng(5), 50, states=["OH", "PA"])
    b = draw_homes(np.random.default_rng(5), 50, states=["PA", "OH"])
    assert np.array_equal(a["lat"], b["lat"]) and np.array_equal(a["center_id"], b["center_id"])
    ahn = draw_homes(np.random.default_rng(5), 200, states=["OH", "PA", "WV"], centers=["AHN"])
    assert set(ahn["center_id"]) == {"AHN"}
    d = pairwise_km(ahn["lat"], ahn["lon"], np.array([40.4571]), np.array([-80.0031]))[:, 0]
    assert np.median(d) < 200  # AHN's catchment, not all of Ohio
    with pytest.raises(ValueError):
        draw_homes(np.random.default_rng(5), 5, states=["PA"], centers=["NOPE"])
    with pytest.raises(ValueError):
        draw_homes(np.random.default_rng(5), 5, states=["XX"])


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("pa")
    synth.write(synth.generate(40, 6, seed=4, states=["PA"], as_of=AS_OF, zip_only_share=0.0), folder)
    return load_roster(folder, as_of=AS_OF)


def _spread(roster, lat: np.ndarray, lon: np.ndarray) -> tuple[float, int]:
    """Median km from a new home to the nearest existing patient; new homes in counties with none."""
    p_lat = np.array([p.lat for p in roster.patients])
    p_lon = np.array([p.lon for p in roster.patients])
    near = pairwise_km(lat, lon, p_lat, p_lon).min(axis=1)
    have = set(geodata.counties_of(p_lat, p_lon))
    return float(np.median(near)), sum(f not in have for f in geodata.counties_of(lat, lon))


def test_growth_referrals_follow_the_population_not_the_roster(roster) -> None:
    grown = grow_demand(roster, growth={"PA": 2.0}, seed=3)
    new = [p for p in grown.patients if p.patient_id.startswith("GROW-")]
    assert len(new) == 2 * len(roster.patients)
    lat, lon = np.array([p.lat for p in new]), np.array([p.lon for p in new])
    assert (geodata.states_of(lat, lon, tolerance_km=0) == "PA").all()
    median_km, elsewhere = _spread(roster, lat, lon)
    assert median_km > 10  # the old rule put them ~4 km from a patient
    assert elsewhere >= 5  # many land in counties without a patient
    # the same function as the generator: the growth draws are referral_homes' draws
    assert referral_homes(np.random.default_rng(0), "PA", 3) == referral_homes(np.random.default_rng(0), "PA", 3)


def test_simulation_referrals_use_the_same_model(roster) -> None:
    ref = Referrals(roster, WindowRules())
    made = [ref.make(rng_for(1, "ref", k), "PA", f"R{k}", AS_OF) for k in range(30)]
    assert all(p is not None and p.state == "PA" for p in made)
    lat, lon = np.array([p.lat for p in made]), np.array([p.lon for p in made])
    assert (geodata.states_of(lat, lon, tolerance_km=0) == "PA").all()
    median_km, elsewhere = _spread(roster, lat, lon)
    assert median_km > 10 and elsewhere >= 3
    launch = Referrals(roster, WindowRules()).make(rng_for(1, "launch"), "NV", "N1", AS_OF)
    assert launch is not None and geodata.state_of(launch.lat, launch.lon) == "NV"
