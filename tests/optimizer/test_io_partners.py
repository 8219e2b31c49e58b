"""partners.csv (issue 13 item 2): optional, its rows reach the roster, every problem located at once."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from optimizer.domain import Partner
from optimizer.errors import DataError
from optimizer.io import load_roster

DATA = Path(__file__).resolve().parents[1] / "data"
AS_OF = dt.date(2026, 11, 20)
HEADER = "partner,state,county,lat,lon,radius_km,cost_per_visit,lead_days,chemo_certified\n"


def _data(tmp_path: Path, text: str | None) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA / "good", d)
    if text is not None:
        (d / "partners.csv").write_text(text)
    return d


def test_partners_are_optional_and_reach_the_roster(tmp_path: Path) -> None:
    assert load_roster(_data(tmp_path / "a", None), as_of=AS_OF).partners == ()
    roster = load_roster(_data(tmp_path / "b", HEADER + "Keystone,pa,42003,,,,350,3,true\n"
                                                      "Erie Team,NY,,42.1,-79.2,80,300,5,\n"), as_of=AS_OF)
    assert roster.partners == (
        Partner("Keystone", "PA", 350.0, 3, county="42003", chemo_certified=True),
        Partner("Erie Team", "NY", 300.0, 5, lat=42.1, lon=-79.2, radius_km=80.0, chemo_certified=False),
    )


def test_every_problem_is_located_at_once(tmp_path: Path) -> None:
    bad = (HEADER
           + "A,XX,,,,,350,3,\n"            # row 2: unknown state
           + "B,PA,36061,,,,350,3,\n"       # row 3: a New York county in PA
           + "C,PA,,40.4,,50,350,3,\n"      # row 4: circle without lon
           + "D,PA,,,,,-5,3,\n"             # row 5: negative price
           + "E,PA,,,,,350,2.5,maybe\n"     # row 6: lead days not whole, bool unreadable
           + "A,PA,,,,,350,3,\n")           # row 7: duplicate name
    with pytest.raises(DataError) as exc:
        load_roster(_data(tmp_path, bad), as_of=AS_OF)
    located = {(p.file, p.row, p.column) for p in exc.value.problems}
    assert {("partners.csv", 2, "state"), ("partners.csv", 3, "county"), ("partners.csv", 4, "lon"),
            ("partners.csv", 5, "cost_per_visit"), ("partners.csv", 6, "lead_days"),
            ("partners.csv", 6, "chemo_certified"), ("partners.csv", 7, "partner")} <= located


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load_roster(_data(tmp_path, "partner,state,lead_days\nA,PA,3\n"), as_of=AS_OF)
    assert ("partners.csv", 1, "cost_per_visit") in {(p.file, p.row, p.column) for p in exc.value.problems}
