"""Totals of a run (sums, then ratios from the sums) and their spread over runs (seeds)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = ["TOTAL_COLUMNS", "totals_of", "summarize_runs"]


#: Totals reported per run (sums, then ratios recomputed from the sums).
TOTAL_COLUMNS: tuple[str, ...] = (
    "refills", "late_refills", "missed_refills", "last_reserve_day_visits",
    "on_time_rate", "drive_hours", "drive_hours_per_refill", "overtime_hours", "visit_utilization",
    "time_utilization", "cost", "cost_per_refill", "new_referrals", "left", "sick_days", "replans",
    "moved_after_confirmed", "active_patients_end", "nurses_end",
    "clinic_refills", "clinic_cost", "clinic_patient_drive_hours", "partner_refills", "partner_cost",
    "total_cost", "total_cost_per_refill",
)


def totals_of(weekly: pd.DataFrame) -> dict[str, Any]:
    s = weekly.sum(numeric_only=True)
    refills = int(s["refills"])
    out: dict[str, Any] = {
        "refills": refills,
        "late_refills": int(s["late_refills"]),
        "missed_refills": int(s["missed_refills"]),
        "last_reserve_day_visits": int(s["last_reserve_day_visits"]),
        "on_time_rate": round((refills - int(s["late_refills"])) / (refills + int(s["missed_refills"])), 4)
        if refills + int(s["missed_refills"]) else 1.0,
        "drive_hours": round(float(s["drive_hours"]), 2),
        "drive_hours_per_refill": round(float(s["drive_hours"]) / refills, 4) if refills else 0.0,
        "overtime_hours": round(float(s["overtime_hours"]), 2),
        "visit_utilization": round(refills / float(s["_slots"]), 4) if s["_slots"] else 0.0,
        "time_utilization": round(float(s["work_hours"]) * 60 / float(s["_shift_min"]), 4)
        if s["_shift_min"] else 0.0,
        "cost": round(float(s["cost"]), 2),
        "cost_per_refill": round(float(s["cost"]) / refills, 2) if refills else 0.0,
        "new_referrals": int(s["new_referrals"]),
        "left": int(s["left"]),
        "sick_days": int(s["sick_days"]),
        "replans": int(s["replans"]),
        "moved_after_confirmed": int(s["moved_after_confirmed"]),
        "active_patients_end": int(weekly["active_patients"].iloc[-1]),
        "nurses_end": int(weekly["nurses"].iloc[-1]),
        **_ways_out(s, refills),
    }
    return out


def _ways_out(s: pd.Series, refills: int) -> dict[str, Any]:
    """Each way out's count and cost (issue 13 item 3), and the cost of every refill made, home or not."""
    made = refills + int(s.get("missed_refills", 0))
    total = float(s.get("total_cost", s["cost"]))
    return {
        "clinic_refills": int(s.get("clinic_refills", 0)),
        "clinic_cost": round(float(s.get("clinic_cost", 0.0)), 2),
        "clinic_patient_drive_hours": round(float(s.get("clinic_patient_drive_hours", 0.0)), 2),
        "partner_refills": int(s.get("partner_refills", 0)),
        "partner_cost": round(float(s.get("partner_cost", 0.0)), 2),
        "total_cost": round(total, 2),
        "total_cost_per_refill": round(total / made, 2) if made else 0.0,
    }


def summarize_runs(totals: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Mean, standard deviation, min and max of each total over runs (seeds)."""
    df = pd.DataFrame(list(totals))
    cols = [c for c in TOTAL_COLUMNS if c in df.columns]
    if df.empty:
        return pd.DataFrame(columns=["metric", "mean", "std", "min", "max", "runs"])
    rows = [{"metric": c, "mean": float(df[c].mean()), "std": float(df[c].std(ddof=1)) if len(df) > 1 else 0.0,
             "min": float(df[c].min()), "max": float(df[c].max()), "runs": int(len(df))} for c in cols]
    return pd.DataFrame(rows)
