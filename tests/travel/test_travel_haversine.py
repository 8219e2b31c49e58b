"""The embedded national model: great circle × circuity, speed by distance band."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geodata.travel import HaversineProvider, HaversineSettings, get_provider
from geodata.travel._calibration import CALIBRATION
from geodata.travel._geo import haversine_km, pairwise_km
from geodata.travel.haversine import gc_km_for_minutes, minutes_for_gc, road_km_for_gc

COLUMBUS, CINCINNATI, CLEVELAND = (39.9612, -82.9988), (39.1031, -84.5120), (41.4993, -81.6944)


def test_known_distance_and_circuity() -> None:
    h = HaversineProvider()
    m = h.matrix([COLUMBUS], [CINCINNATI])
    gc = haversine_km(COLUMBUS[0], COLUMBUS[1], CINCINNATI[0], CINCINNATI[1])
    _, _, ellipsoidal_m = Geod(ellps="WGS84").inv(COLUMBUS[1], COLUMBUS[0], CINCINNATI[1], CINCINNATI[0])
    assert gc == pytest.approx(ellipsoidal_m / 1000, rel=0.005)  # the sphere is within 0.5 % of WGS84
    assert m.km[0, 0] == pytest.approx(float(road_km_for_gc(np.array(gc), h.settings)))
    assert gc * min(h.settings.band_circuity) <= m.km[0, 0] <= gc * max(h.settings.band_circuity)
    # sanity: by I-71 it is roughly 170 km and under two hours
    assert 150 < m.km[0, 0] < 215
    assert 85 < m.minutes[0, 0] < 135


def test_matrix_shape_diagonal_symmetry_and_reachability() -> None:
    pts = [COLUMBUS, CINCINNATI, CLEVELAND, COLUMBUS]
    m = HaversineProvider().matrix(pts)
    assert m.shape == (4, 4) and m.reachable.all() and m.snap_km is None
    assert np.all(np.diag(m.minutes) == 0.0) and m.minutes[0, 3] == 0.0
    np.testing.assert_allclose(m.minutes, m.minutes.T)
    assert m.minutes.dtype == np.float64 and not m.minutes.flags.writeable


def test_time_and_km_are_continuous_increasing_and_faster_on_long_legs() -> None:
    s = HaversineSettings()
    d = np.linspace(0.0, 600.0, 60_001)
    t, km = minutes_for_gc(d, s), road_km_for_gc(d, s)
    assert np.all(np.diff(t) > 0) and np.all(np.diff(km) > 0)
    max_pace = max(60 * c / v for c, v in zip(s.band_circuity, s.band_speeds_kmh))
    assert np.max(np.diff(t)) <= 0.01 * max_pace * (1 + 1e-9)  # no jumps at band limits
    assert (km >= d).all()
    avg = km[1:] / t[1:] * 60
    assert avg[np.searchsorted(d[1:], 2.0)] < avg[np.searchsorted(d[1:], 300.0)]


def test_inverse_of_the_band_model() -> None:
    s = HaversineSettings()
    for minutes in [0.5, 5, 17.3, 45, 120, 600]:
        km = gc_km_for_minutes(minutes, s)
        assert minutes_for_gc(np.array(km), s) == pytest.approx(minutes)
    assert gc_km_for_minutes(0, s) == 0.0


def test_drive_time_at_least_straight_line_at_130_kmh() -> None:
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(25, 49, 200), rng.uniform(-124, -67, 200)])
    m = HaversineProvider().matrix(pts)
    assert (m.minutes >= pairwise_km(pts, pts) / 130 * 60 - 1e-9).all()


def test_cutoff_reports_unreachable() -> None:
    m = HaversineProvider().matrix([COLUMBUS], [CINCINNATI, (39.99, -83.02)], max_minutes=60)
    assert list(m.reachable[0]) == [False, True]
    assert np.isnan(m.km[0, 0]) and np.isnan(m.minutes[0, 0])


def test_service_area_is_the_reachable_circle() -> None:
    h = HaversineProvider()
    area = h.service_area(COLUMBUS, 60)
    assert area.is_valid and shapely.contains_xy(area, COLUMBUS[1], COLUMBUS[0])
    ring = np.array(area.exterior.coords)[:-1]
    radius = haversine_km(COLUMBUS[0], COLUMBUS[1], ring[:, 1], ring[:, 0])
    expected = gc_km_for_minutes(60, h.settings)
    np.testing.assert_allclose(radius, expected, rtol=1e-9)
    # points inside reach the centre within the budget, points well outside do not
    inner = h.matrix([COLUMBUS], [(COLUMBUS[0] + 0.9 * expected / 111.2, COLUMBUS[1])]).minutes[0, 0]
    outer = h.matrix([COLUMBUS], [(COLUMBUS[0] + 1.1 * expected / 111.2, COLUMBUS[1])]).minutes[0, 0]
    assert inner <= 60 < outer
    assert h.service_area(COLUMBUS, 0).is_empty


def test_route_is_the_straight_segment() -> None:
    assert HaversineProvider().route(COLUMBUS, CLEVELAND) == [COLUMBUS, CLEVELAND]


def test_invalid_points_are_rejected() -> None:
    h = HaversineProvider()
    for bad in ([(91.0, 0.0)], [(0.0, 181.0)], [(np.nan, 0.0)], [(1.0, 2.0, 3.0)]):
        with pytest.raises(ValueError):
            h.matrix(bad)


def test_fingerprint_is_stable_and_tracks_parameters() -> None:
    a, b = HaversineProvider(), get_provider("haversine")
    assert a.fingerprint() == b.fingerprint()
    bumped = tuple(c + 0.1 for c in a.settings.band_circuity)
    assert HaversineProvider(replace(a.settings, band_circuity=bumped)).fingerprint() != a.fingerprint()
    assert HaversineProvider(replace(a.settings, source="other words")).fingerprint() == a.fingerprint()


def test_settings_validation_and_calibrated_defaults() -> None:
    s = HaversineSettings()
    assert s.band_circuity == tuple(CALIBRATION["band_circuity"])
    assert s.band_speeds_kmh == tuple(CALIBRATION["band_speeds_kmh"])
    assert "travel_calibrate" in s.source and any(s.fitted_bands)
    three = dict(band_speeds_kmh=(20.0, 30.0, 40.0), fitted_bands=(False,) * 3)
    with pytest.raises(ValueError):
        HaversineSettings(band_limits_km=(3.0, 5.0), band_circuity=(0.9, 1.2, 1.2), **three)
    with pytest.raises(ValueError):
        HaversineSettings(band_limits_km=(5.0, 3.0), band_circuity=(1.2,) * 3, **three)
    with pytest.raises(ValueError):
        HaversineSettings(band_limits_km=(5.0,), band_circuity=(1.2,) * 3, **three)
