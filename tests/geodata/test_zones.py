"""Time zones of places (geodata.zones): the boxes that spare the county lookup hold every county
of the other zone, and places inside and outside them get their zone."""

from __future__ import annotations

import pytest

from geodata import counties_gdf
from geodata.zones import OTHER_ZONE_BOXES, SPLIT_STATES, zone_of


def test_each_box_holds_every_county_of_the_other_zone():
    counties = counties_gdf()
    for state, (w, s, e, n) in OTHER_ZONE_BOXES.items():
        rule = SPLIT_STATES[state][2]
        assert isinstance(rule, frozenset)
        cw, cs, ce, cn = counties[counties["fips"].isin(rule)].total_bounds
        assert w <= cw and s <= cs and ce <= e and cn <= n, state
    assert set(OTHER_ZONE_BOXES) == {st for st, (_, _, r) in SPLIT_STATES.items() if isinstance(r, frozenset)}


@pytest.mark.parametrize("state, lat, lon, zone", [
    ("OR", 44.0266, -116.9629, "America/Boise"),  # Ontario, Malheur county
    ("OR", 44.7749, -117.8344, "America/Los_Angeles"),  # Baker City: inside the box, Pacific
    ("OR", 45.52, -122.68, "America/Los_Angeles"),  # Portland: outside the box
    ("IN", 37.9716, -87.5711, "America/Chicago"),  # Evansville
    ("IN", 39.77, -86.16, "America/Indiana/Indianapolis"),
    ("TX", 31.76, -106.49, "America/Denver"),  # El Paso
])
def test_zone_of_places_in_states_split_by_county(state, lat, lon, zone):
    assert zone_of(state, lat, lon) == zone
