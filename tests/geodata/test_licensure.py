"""The NLC table shipped as data, and user overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.licensure import default_nlc_table, load_nlc_table, nlc_members, set_nlc_table
from optimizer.errors import DataError


def test_shipped_table_matches_spec_2026():
    members = nlc_members(on=dt.date(2026, 11, 1))
    spec = set("AL AZ AR CO CT DE FL GA ID IN IA KS KY LA ME MD MS MO MT NE NH NJ NM NC ND OH OK "
               "PA RI SC SD TN TX UT VT VA WA WV WI WY".split())  # SPEC §8, as of 2026
    assert members == spec
    for s in ("AK", "CA", "HI", "IL", "MI", "MN", "NV", "NY", "OR", "DC", "MA"):
        assert s not in members


def test_effective_dates_pa_ct():
    assert "PA" not in nlc_members(on=dt.date(2025, 6, 30))
    assert "CT" not in nlc_members(on=dt.date(2025, 9, 30))
    assert "CT" in nlc_members(on=dt.date(2025, 10, 1))


def test_user_file_replaces_table(tmp_path):
    f = tmp_path / "nlc.csv"
    f.write_text("state,status,implemented\nTX,implemented,2018-01-19\nNY,implemented,2026-01-01\n")
    try:
        set_nlc_table(f)
        assert nlc_members(on=dt.date(2026, 6, 1)) == {"TX", "NY"}
    finally:
        set_nlc_table(None)
    assert "NY" not in nlc_members(on=dt.date(2026, 6, 1))
    assert default_nlc_table().is_member("TX", on=dt.date(2026, 1, 1))


def test_bad_user_file_names_rows(tmp_path):
    f = tmp_path / "nlc.csv"
    f.write_text("state,status,implemented\nXX,implemented,2018-01-19\nNY,joined,\nTX,implemented,soon\n")
    with pytest.raises(DataError) as err:
        load_nlc_table(f)
    where = {(p.row, p.column) for p in err.value.problems}
    assert where == {(2, "state"), (3, "status"), (4, "implemented")}
