"""Compare scenario results: a side-by-side table, verdicts, and an HTML page with inline SVG charts.

:func:`compare_runs` is what ``haiplan scenario compare`` calls (no scripts, no CDN).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.errors import DataError, Problem, UsageError
from optimizer.io.atomic import atomic_dir
from optimizer.io.cells import restore_cell, write_csv
from optimizer.io.outdir import check_out_dir
from optimizer.studies.batch.prepare import BASELINE
from optimizer.studies.batch.results import _paired, _with_derived, verdict

__all__ = ["KEY_METRICS", "compare_table", "compare_runs"]

#: Metrics of the comparison: (column, label, lower is better).
KEY_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("missed_or_late", "Missed or late refills", True),
    ("missed_refills", "Missed refills (pump reached empty: clinic or partner)", True),
    ("clinic_refills", "Clinic refills (missed at home)", True),
    ("partner_refills", "Partner visits (missed at home)", True),
    ("clinic_patient_drive_hours", "Patient drive hours to the clinic", True),
    ("late_refills", "Late home refills", True),
    ("last_reserve_day_visits", "Visits in the last reserve day", True),
    ("refills", "Home refills made", False),
    ("drive_hours_per_refill", "Drive hours per refill", True),
    ("visit_utilization", "Utilization (visits / visit slots)", False),
    ("overtime_hours", "Overtime hours", True),
    ("cost_per_refill", "Cost per refill (USD)", True),
    ("total_cost_per_refill", "Cost per refill made, clinic and partner included (USD)", True),
)


def _result_dirs(paths: Sequence[str | Path]) -> list[Path]:
    """The scenario result folders ``paths`` name, a parent standing for those in it; a folder
    reached twice (given twice, or given with its parent) is a :class:`UsageError`: its rows
    would be compared with themselves."""
    found: list[Path] = []
    for p in map(Path, paths):
        if (p / "totals.csv").exists():
            found.append(p)
        elif p.is_dir():
            found += sorted(d for d in p.iterdir() if d.is_dir() and (d / "totals.csv").exists())
    if not found:
        raise DataError([Problem(str(p), None, None, "no scenario results (totals.csv) found here")
                         for p in paths])
    seen: dict[Path, Path] = {}
    for d in found:
        first = seen.setdefault(d.resolve(), d)
        if first is not d:
            raise UsageError(f"result folder {str(d)!r} is given twice (also as {str(first)!r}, or through its "
                             "parent folder): give each result folder once")
    return found


def _read_result(d: Path) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
    """A scenario result folder's plans, totals and summary; a :class:`DataError` naming the folder
    when one is missing, damaged, or holds no run."""
    try:
        info = pd.read_csv(d / "plans.csv", keep_default_na=False).map(restore_cell).to_dict("records")
        totals = pd.read_csv(d / "totals.csv")
        summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        if totals.empty or not info or "plan" not in totals.columns or "scenario" not in summary:
            raise ValueError("totals.csv, plans.csv or summary.json holds no run")
        missing = sorted({r["plan"] for r in info} - set(totals["plan"]))
        if missing:
            raise ValueError(f"totals.csv has no run of plan(s) {', '.join(map(str, missing))}")
    except (OSError, ValueError, KeyError, TypeError, pd.errors.ParserError) as exc:  # EmptyDataError, JSON
        raise DataError([Problem(str(d), None, None, f"not a readable scenario result: {type(exc).__name__}: {exc}")]
                        ) from None
    return info, totals, summary


def compare_table(dirs: Sequence[str | Path]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """One row per (scenario, plan): plan facts, metric means and sds, paired deltas vs baseline."""
    rows = []
    verdicts = []
    for d in _result_dirs(dirs):
        info, totals, summary = _read_result(d)
        info_by = {r["plan"]: r for r in info}
        plans = [r["plan"] for r in info]
        t = _with_derived(totals)
        for col, _, _ in KEY_METRICS:  # results written before a metric existed (e.g. the ways out): none counted
            if col not in t.columns:
                t[col] = 0.0
        for plan in plans:
            sub = t[t.plan == plan]
            r = info_by[plan]
            row: dict[str, Any] = {
                "scenario": summary["scenario"], "plan": plan, "description": r.get("description", ""),
                "actions": r["actions"], "hires": r.get("n_hire", 0), "licenses": r.get("n_license", 0),
                "certifications": int(r.get("n_hai_cert", 0) or 0) + int(r.get("n_chemo_cert", 0) or 0),
                "one_time_cost": r["one_time_cost"], "max_lead_weeks": r["max_lead_weeks"],
                "covered_share": r["covered_share_after"], "seeds": int(len(sub)), "weeks": summary["weeks"],
            }
            for col, _, _ in KEY_METRICS:
                row[f"{col}_mean"] = round(float(sub[col].mean()), 4)
                row[f"{col}_std"] = round(float(sub[col].std(ddof=1)), 4) if len(sub) > 1 else 0.0
                if plan != BASELINE:
                    dm, ds, _, _ = _paired(t, plan, BASELINE, col)
                    row[f"{col}_delta_vs_baseline"] = round(dm, 4)
                else:
                    row[f"{col}_delta_vs_baseline"] = 0.0
            rows.append(row)
        verdicts.append(verdict(totals, info_by, plans, summary["scenario"]))
    return pd.DataFrame(rows), verdicts


def _fmt(x: float) -> str:
    """A number for people: thousands separated, three significant digits below 100."""
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _svg_bars(table: pd.DataFrame, metric: str, title: str, lower_better: bool) -> str:
    """A horizontal bar chart (mean ± sd per scenario/plan) as inline SVG."""
    labels = [f"{s} · {p}" for s, p in zip(table.scenario, table.plan)]
    means = table[f"{metric}_mean"].astype(float).to_numpy()
    sds = table[f"{metric}_std"].astype(float).fillna(0).to_numpy()
    top = float(np.nanmax(means + sds)) if len(means) else 1.0
    top = top if top > 0 else 1.0
    bar_h, gap, left, width = 16, 6, 260, 360
    height = 30 + len(labels) * (bar_h + gap) + 20
    palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]
    plan_colors: dict[str, str] = {}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="4" y="16" font-size="13" font-weight="bold">{html.escape(title)}'
             f'{" (lower is better)" if lower_better else ""}</text>']
    y = 30
    for lab, m, s, plan, sc in zip(labels, means, sds, table.plan, table.scenario):
        color = "#9d9d9d" if plan == BASELINE else plan_colors.setdefault(plan, palette[len(plan_colors) % len(palette)])
        w = 0 if not math.isfinite(m) else width * m / top
        parts.append(f'<text x="{left - 6}" y="{y + bar_h - 4}" font-size="11" text-anchor="end">'
                     f'{html.escape(lab)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                     f'<title>{html.escape(lab)}: {_fmt(m)} ± {_fmt(s)}</title></rect>')
        if s > 0 and math.isfinite(m):
            x0, x1 = left + width * max(m - s, 0) / top, left + width * (m + s) / top
            cy = y + bar_h / 2
            parts.append(f'<line x1="{x0:.1f}" y1="{cy}" x2="{x1:.1f}" y2="{cy}" stroke="#222" stroke-width="1"/>')
            for x in (x0, x1):
                parts.append(f'<line x1="{x:.1f}" y1="{cy - 4}" x2="{x:.1f}" y2="{cy + 4}" stroke="#222"/>')
        parts.append(f'<text x="{left + w + 6 + (width * s / top if s > 0 else 0):.1f}" y="{y + bar_h - 4}" '
                     f'font-size="11">{_fmt(m)}</text>')
        y += bar_h + gap
    parts.append("</svg>")
    return "".join(parts)


def _html(table: pd.DataFrame, verdicts: list[dict[str, Any]]) -> str:
    cols = ["scenario", "plan", "actions", "hires", "licenses", "certifications", "one_time_cost",
            "max_lead_weeks", "covered_share", "seeds", "weeks"]
    metric_cols = []
    for col, label, _ in KEY_METRICS:
        metric_cols.append((col, label))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "".join(
        f"<th>{html.escape(label)}<br><small>mean ± sd (Δ vs baseline)</small></th>" for _, label in metric_cols)
    body = []
    for r in table.to_dict("records"):
        cells = []
        for c in cols:
            v = r[c]
            if c == "one_time_cost":
                v = f"${float(v):,.0f}"
            elif c == "covered_share":
                v = f"{float(v):.1%}"
            cells.append(f"<td>{html.escape(str(v))}</td>")
        for col, _ in metric_cols:
            m, s, d = r[f"{col}_mean"], r[f"{col}_std"], r[f"{col}_delta_vs_baseline"]
            delta = "" if r["plan"] == BASELINE else f" <small>({'+' if d >= 0 else ''}{_fmt(d)})</small>"
            cells.append(f"<td>{_fmt(m)} ± {_fmt(s)}{delta}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    charts = "".join(f"<figure>{_svg_bars(table, col, label, lower)}</figure>" for col, label, lower in KEY_METRICS)
    verdict_html = "".join(f"<li><b>{html.escape(v['scenario'])}</b>: winner <b>{html.escape(v['winner'])}</b>. "
                           f"{html.escape(v['text'])}</li>" for v in verdicts)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scenario comparison</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th {{ background: #f3f3f3; }}
td:nth-child(1), td:nth-child(2) {{ text-align: left; }}
figure {{ display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }}
</style></head><body>
<h1>Scenario comparison</h1>
<p>Closed-loop simulations of each staffing plan against the baseline, over the same seeds (common random
numbers: the same sick days, referrals and flow variations for every plan). Missed = a pump reached its real
empty date with no home visit (refilled by a partner team or at the nearest clinic, whichever costs less); late = a home refill after the real window closed.
Generated {generated}. No patient identifiers or locations are shown.</p>
<h2>Verdicts</h2><ul>{verdict_html}</ul>
<h2>Table</h2>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>
<h2>Charts</h2>{charts}
</body></html>
"""


def compare_runs(dirs: Sequence[str | Path], *, out: str | Path) -> dict[str, Path]:
    """Write ``compare.csv``, ``verdicts.csv`` and ``compare.html`` (inline SVG charts) to ``out``."""
    check_out_dir(out, inputs=dirs, kind="compare")
    found = _result_dirs(dirs)  # a parent's result folders are inputs too: --out may not replace one
    check_out_dir(out, inputs=[*map(Path, dirs), *found], kind="compare")
    table, verdicts = compare_table(found)
    out = Path(out)
    with atomic_dir(out, kind="compare") as tmp:
        write_csv(table, tmp / "compare.csv")
        write_csv(pd.DataFrame([{k: (";".join(v) if isinstance(v, list) else v) for k, v in x.items()}
                                for x in verdicts]), tmp / "verdicts.csv")
        (tmp / "compare.html").write_text(_html(table, verdicts), encoding="utf-8")
    return {"csv": out / "compare.csv", "verdicts": out / "verdicts.csv", "html": out / "compare.html"}
