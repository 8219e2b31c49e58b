"""State and county lookups on the real bokeh-sampledata polygons."""

from __future__ import annotations


import numpy as np
import pytest

import geodata

KNOWN = {
    "New York City": (40.7128, -74.0060, "NY"),
    "Portland OR": (45.5152, -122.6784, "OR"),
    "Vancouver WA": (45.6387, -122.6615, "WA"),  # the coarse us_states shapes put it in OR
    "Kansas City MO": (39.0997, -94.5786, "MO"),
    "Kansas City KS": (39.1142, -94.6275, "KS"),  # the coarse us_states shapes put it in MO
    "White House DC": (38.8977, -77.0365, "DC"),
    "Chicago": (41.8781, -87.6298, "IL"),
    "Gary IN": (41.5934, -87.3464, "IN"),
    "Camden NJ": (39.9259, -75.1196, "NJ"),
    "Philadelphia": (39.9526, -75.1652, "PA"),
    "Honolulu": (21.3069, -157.8583, "HI"),
    "Anchorage": (61.2181, -149.9003, "AK"),
}

OUTSIDE = {
    "Atlantic": (35.0, -65.0),
    "Pacific": (35.0, -130.0),
    "Gulf of Mexico": (25.0, -90.0),
    "Monterrey MX": (25.6866, -100.3161),
    "Toronto CA": (43.6532, -79.3832),
    # within the coast tolerance of a US polygon, but across the border:
    "Tijuana MX": (32.5149, -117.0382),
    "Ciudad Juarez MX": (31.72, -106.45),
    "Windsor ON": (42.3149, -83.0364),
    "White Rock BC": (49.02, -122.80),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_state_of_known_cities(name: str) -> None:
    lat, lon, state = KNOWN[name]
    assert geodata.state_of(lat, lon) == state


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_state_of_outside_the_us_is_none(name: str) -> None:
    lat, lon = OUTSIDE[name]
    assert geodata.state_of(lat, lon) is None


def test_states_of_is_vectorised_and_keeps_order() -> None:
    names = sorted(KNOWN)
    lats = [KNOWN[n][0] for n in names] + [OUTSIDE["Atlantic"][0]]
    lons = [KNOWN[n][1] for n in names] + [OUTSIDE["Atlantic"][1]]
    got = geodata.states_of(lats, lons)
    assert got.dtype == object
    assert got.tolist() == [KNOWN[n][2] for n in names] + [None]


def test_states_of_bad_values_are_none() -> None:
    got = geodata.states_of([np.nan, 95.0, 40.7128], [-74.0, -74.0, np.inf])
    assert got.tolist() == [None, None, None]
    assert geodata.states_of([], []).tolist() == []
    with pytest.raises(ValueError):
        geodata.states_of([1.0, 2.0], [3.0])


def test_coast_tolerance_takes_shore_points_and_stops_beyond() -> None:
    # Just off the south shore of Long Island: outside the generalised coast.
    lat, lon = 40.717, -72.629
    assert geodata.state_of(lat, lon, tolerance_km=0) is None
    assert geodata.state_of(lat, lon) == "NY"
    # 30 km out to sea is outside the US even with the tolerance.
    assert geodata.state_of(40.45, -72.629) is None


def test_county_of_known_points() -> None:
    assert geodata.county_of(40.7128, -74.0060) == "36061"  # New York County
    assert geodata.county_of(38.8977, -77.0365) == "11001"  # District of Columbia
    assert geodata.county_of(45.6387, -122.6615) == "53011"  # Clark County WA
    assert geodata.county_of(35.0, -65.0) is None
    assert geodata.counties_of([39.1142], [-94.6275]).tolist() == ["20209"]  # Wyandotte KS


def test_county_and_state_lookups_agree() -> None:
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(25, 49, 2000), rng.uniform(-124, -67, 2000)
    states, fips = geodata.states_of(lat, lon), geodata.counties_of(lat, lon)
    assert ((states == None) == (fips == None)).all()  # noqa: E711
    by_fips = {f: s for f, s in zip(geodata.counties_gdf()["fips"], geodata.counties_gdf()["state"])}
    assert all(by_fips[f] == s for f, s in zip(fips, states) if f is not None)


def test_counties_gdf() -> None:
    gdf = geodata.counties_gdf()
    assert 3100 <= len(gdf) <= 3200
    assert list(gdf.columns) == ["state", "county", "fips", "geometry"]
    assert gdf["fips"].is_unique and gdf["fips"].str.fullmatch(r"\d{5}").all()
    assert set(gdf["state"]) == set(geodata.STATE_CODES)
    assert gdf.crs.to_epsg() == 4326


@pytest.mark.parametrize("simplified", [False, True])
def test_states_gdf(simplified: bool) -> None:
    gdf = geodata.states_gdf(simplified=simplified)
    assert list(gdf.columns) == ["state", "name", "fips", "geometry"]
    assert sorted(gdf["state"]) == sorted(geodata.STATE_CODES)
    row = gdf.set_index("state").loc["NY"]
    assert row["name"] == "New York" and row["fips"] == "36"
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.is_valid.all()


def test_ten_thousand_points_at_once_agree_with_one_at_a_time() -> None:
    """The vectorised lookup (timed in bench/, never here) gives what single lookups give."""
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(25, 49, 10_000), rng.uniform(-124, -67, 10_000)
    got = geodata.states_of(lat, lon)
    assert 0.3 < np.mean(got != None) < 0.9  # noqa: E711  (the box holds sea, Canada, Mexico)
    for i in range(0, 10_000, 500):
        assert geodata.states_of(lat[i:i + 1], lon[i:i + 1])[0] == got[i]
