"""The plan folder carries the ways out (SPEC §6): alternatives.csv, unassigned.csv ``options``, the report."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from geodata.travel import get_provider
from optimizer import api
from optimizer.domain import Infusate, Nurse, Partner, Patient, Roster
from optimizer.planning.planner import SolverOptions

MON = dt.date(2026, 11, 23)


def _roster() -> Roster:
    home = Patient("P1", 40.00, -83.00, "OH", flow_ml_per_day=2.0, last_fill_date=MON - dt.timedelta(days=12),
                   last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE)
    far = Patient("P2", 40.44, -79.99, "PA", flow_ml_per_day=2.0, last_fill_date=MON - dt.timedelta(days=12),
                  last_fill_infusate=Infusate.FLOXURIDINE, next_infusate=Infusate.HEPARINIZED_SALINE)
    nurse = Nurse("N1", 40.05, -83.05, "OH", max_drive_minutes_one_way=60)
    return Roster((home, far), (nurse,), partners=(Partner("Keystone", "PA", 320.0, 1),))


def test_the_plan_folder_lists_the_ways_out(tmp_path: Path) -> None:
    res = api.plan(_roster(), start=MON, days=7, provider=get_provider("haversine"),
                   options=SolverOptions(backend="greedy"))
    assert [u.patient_id for u in res.plan.unassigned] == ["P2"]
    out = api.write_plan_folder(res, tmp_path / "plan", with_map=True)
    with (out / "unassigned.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["patient_id"] == "P2" and rows[0]["options"].startswith("clinic: ")
    with (out / "alternatives.csv").open() as fh:
        alts = list(csv.DictReader(fh))
    kinds = [a["kind"] for a in alts]
    assert {"clinic", "partner_team", "glycerin_bridge"} <= set(kinds) and [a["rank"] for a in alts][:2] == ["1", "2"]
    assert float(next(a for a in alts if a["kind"] == "partner_team")["extra_cost"]) == 320.0
    assert "Best option" in (out / "report.html").read_text() and rows[0]["options"][:20] in (
        out / "report.html").read_text()
