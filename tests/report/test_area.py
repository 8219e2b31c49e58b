"""Area labels name the nearest town in the point's own county (issue 12 item 1)."""

from __future__ import annotations

import numpy as np

import geodata
from optimizer.report._area import area_labels


def test_indiana_and_lewistown_pa_are_named_after_themselves() -> None:
    labels = area_labels([(40.6215, -79.1525), (40.5992, -77.5714)], ["PA", "PA"])
    assert labels == ["near Indiana, Indiana County, PA", "near Lewistown, Mifflin County, PA"]


def test_a_point_between_towns_of_two_counties_takes_its_own_county_s_town() -> None:
    # 8 km from Johnstown (Cambria County) but inside Indiana County, PA: not "near Johnstown"
    lat, lon = 40.44, -79.05
    assert geodata.counties_of([lat], [lon])[0] == "42063"
    (label,) = area_labels([(lat, lon)], ["PA"])
    assert label.endswith("Indiana County, PA") and "Johnstown" not in label


def test_every_named_town_lies_in_the_named_county() -> None:
    rng = np.random.default_rng(12)
    lat = rng.uniform(39.8, 42.0, 60)
    lon = rng.uniform(-80.4, -75.2, 60)
    states = geodata.states_of(lat, lon)
    keep = [i for i, s in enumerate(states) if s == "PA"]
    labels = area_labels([(lat[i], lon[i]) for i in keep], ["PA"] * len(keep))
    towns = geodata.places(states=["PA"], min_population=1000)
    town_county = dict(zip(zip(towns["name"], geodata.counties_of(towns["lat"].to_numpy(), towns["lon"].to_numpy())),
                           [True] * len(towns)))
    names = {f: n for f, n in zip(geodata.counties_gdf()["fips"], geodata.counties_gdf()["county"])}
    named = 0
    for i, label in zip(keep, labels):
        fips = geodata.counties_of([lat[i]], [lon[i]])[0]
        assert label.endswith(f"{names[fips]} County, PA")
        if label.startswith("near "):
            named += 1
            town = label[5:].split(", ")[0]
            assert (town, fips) in town_county, label
    assert named >= len(keep) // 2  # most rural PA points have a town of their county within 40 km


def test_a_batch_asked_again_gets_the_same_labels_in_a_fresh_list() -> None:
    """A plan folder asks for the same places five times: the batch is labelled once and kept
    (a county within the coast tolerance may depend on the batch, so whole batches, never points)."""
    from optimizer.report import _area

    pts, states = [(40.6215, -79.1525), (40.5992, -77.5714), (41.2, -77.9)], ["PA", "PA", "PA"]
    first = area_labels(pts, states)
    assert list(_area._compute(tuple(pts), tuple(states))) == first
    first.append("changed by the caller")
    assert area_labels(pts, states) == first[:-1]
    assert area_labels(pts[:2], states[:2]) == first[:2]
