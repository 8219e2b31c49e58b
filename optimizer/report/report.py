"""The plan report: one self-contained HTML file per plan (SPEC §2, the planner's hand-out).

KPIs, the unassigned refills with reasons and risk, printable per-nurse
itineraries (day, order, times, area, infusate, reserve days) and the
operations map embedded (``<iframe srcdoc>``, so the file stays single and
offline; sandboxed with scripts only, so the map runs in an opaque origin and
can reach neither the report nor the file system). Printing puts each nurse on a
new page and leaves the map out. Text is escaped by Jinja's autoescape (no data
reaches a script in this page).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment

from optimizer.report._assets import offline_html
from optimizer.report._escape import file_stems
from optimizer.report.exports import _areas, contact, nurse_of, stay_labels
from optimizer.report.maps import operations_map

__all__ = ["HtmlDocument", "plan_report"]


@dataclass(frozen=True)
class HtmlDocument:
    """A finished HTML page."""

    html: str

    def save(self, path: str | Path) -> Path:
        """Write the page (UTF-8)."""
        p = Path(path)
        p.write_text(self.html, encoding="utf-8")
        return p


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} {{ start }} – {{ end }}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1d;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}main{padding:16px 24px;max-width:1400px}
h2{border-bottom:2px solid #1f3b57;padding-bottom:3px;margin-top:28px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.kpi{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px}
.kpi b{display:block;font-size:22px}.kpi span{color:#555;font-size:12px}
.kpi.bad b{color:#b00}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 14px}
th,td{border:1px solid #ddd;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}tr.warn td{background:#fff1f0}td.num{text-align:right}
td.phone{white-space:nowrap}
.map{width:100%;height:640px;border:1px solid #bbb;border-radius:6px;background:#fff}
.nurse{background:#fff;border:1px solid #ddd;border-radius:6px;padding:4px 14px 10px;margin:14px 0}
.nurse h3{margin:8px 0}.day h4{margin:10px 0 2px}.muted{color:#666}
nav.toc a{margin-right:10px;white-space:nowrap}
@media print{
  body{background:#fff;font-size:11px}header{background:#fff;color:#000;padding:0 0 6px}
  .noprint,.map,nav.toc{display:none}
  .nurse{break-before:page;border:none;padding:0}.day{break-inside:avoid}
  th{background:#eee}
}
</style></head><body>
<header><h1>{{ title }}</h1>
<p>{{ start }} – {{ end }} ({{ days }} days) · generated {{ generated }} · travel times: {{ provider }} ·
solver: {{ solver }}</p></header>
<main>
<h2>Key figures</h2>
<div class="kpis" id="kpis">
{% for k in kpis %}<div class="kpi{% if k.bad %} bad{% endif %}"><b>{{ k.value }}</b><span>{{ k.label }}</span></div>
{% endfor %}</div>

<h2 class="noprint">Operations map</h2>
<iframe class="map" id="ops-map" title="Operations map" sandbox="allow-scripts"
 srcdoc="{{ map_srcdoc }}"></iframe>

<h2 id="unassigned">Unassigned refills ({{ unassigned|length }})</h2>
{% if unassigned %}
<table id="unassigned-table"><thead><tr><th>Patient</th><th>Phone</th><th>Area</th><th>Reason</th><th>Detail</th>
<th>Window</th><th>Pump empty</th><th>Reserve days left at window end</th><th>Best option</th></tr></thead><tbody>
{% for u in unassigned %}<tr class="{% if u.reserve <= 1 %}warn{% endif %}"><td>{{ u.patient_id }}{% if u.name %}<br>
<b class="pname">{{ u.name }}</b>{% endif %}</td><td class="phone">{{ u.phone }}</td>
<td>{{ u.area }}</td><td>{{ u.reason }}</td><td>{{ u.detail }}</td><td>{{ u.window }}</td>
<td>{{ u.empty }}</td><td class="num">{{ u.reserve }}</td><td class="option">{{ u.option }}</td></tr>
{% endfor %}</tbody></table>
{% else %}<p>Every refill due in the horizon is planned.</p>{% endif %}

<h2 id="itineraries">Itineraries</h2>
<nav class="toc">{% for n in nurses %}<a href="#nurse-{{ n.anchor }}">{{ n.nurse_id }}</a>{% endfor %}</nav>
{% for n in nurses %}
<section class="nurse" id="nurse-{{ n.anchor }}"><h3>{{ n.nurse_id }}{% if n.name %} — {{ n.name }}{% endif %}
<span class="muted">{% if n.phone %}· {{ n.phone }} {% endif %}· home {{ n.home }}
· {{ n.days|length }} day(s), {{ n.visits }} visit(s)</span></h3>
{% for d in n.days %}<div class="day"><h4>{{ d.label }}</h4>
<p class="muted">Leave {{ d.origin }} {{ d.depart }} · {% if d.stay %}at the lodging{% else %}back{% endif %} {{ d.back }} · drive {{ d.drive }} · overtime {{ d.overtime }} min{% if d.brk %} · {{ d.brk }}{% endif %}</p>
<table class="itinerary"><thead><tr><th>#</th><th>Arrive</th><th>Visit</th><th>Patient</th><th>Address</th>
<th>Phone</th><th>Notes</th><th>Infusate</th><th>Window</th><th>Reserve days left</th><th>Drive from previous</th></tr></thead><tbody>
{% for v in d.visits %}<tr class="{% if v.reserve <= 1 or v.alarm %}warn{% endif %}"><td class="num">{{ v.seq }}</td>
<td>{{ v.arrival }}</td><td>{{ v.time }}</td><td>{{ v.patient_id }}{% if v.name %}<br><b class="pname">{{ v.name }}</b>
{% endif %}</td><td class="addr">{% if v.address %}{{ v.address }}<br>{% endif %}<span class="muted">{{ v.area }}</span></td>
<td class="phone">{{ v.phone }}</td><td class="notes">{{ v.notes }}</td>
<td>{{ v.infusate }}</td><td>{{ v.window }}</td><td class="num">{{ v.reserve }}{% if v.alarm %} ({{ v.alarm }}){% endif %}</td>
<td>{{ v.drive }}</td></tr>
{% if d.brk and d.break_after == v.seq %}<tr class="break"><td></td><td></td><td colspan="9">{{ d.brk }}</td></tr>
{% endif %}{% endfor %}{% if d.brk and not d.visits %}<tr class="break"><td></td><td></td><td colspan="9">{{ d.brk }}</td></tr>
{% endif %}<tr><td></td><td>{{ d.back }}</td><td colspan="10">{% if d.stay %}overnight at {{ d.stay }}{% else %}back home{% endif %}</td></tr></tbody></table></div>
{% endfor %}</section>
{% endfor %}
</main></body></html>
"""


def _who(patient: Any) -> dict[str, str]:
    """The itinerary's contact cells of a patient: name, address, phone, notes."""
    c = contact(patient)
    return {"name": c["patient_name"], "address": c["address"], "phone": c["phone"], "notes": c["notes"]}


def _break_line(day: Any, visits: list[Any]) -> dict[str, Any]:
    """The day's break as an itinerary line ("Break 12:10–12:40") after the visit it follows."""
    start, end = getattr(day, "break_start", None), getattr(day, "break_end", None)
    if start is None or end is None:
        return {"brk": "", "break_after": None}
    before = [v.seq for v in visits if v.end <= start]
    first = visits[0].seq if visits else None  # a trip's day of driving alone: the break is in the day's line
    return {"brk": f"Break {start:%H:%M}–{end:%H:%M}", "break_after": max(before) if before else first}


def _with_trip_days(plan: Any, by_nurse: dict[str, dict[Any, list[Any]]]) -> dict[tuple[str, Any], str]:
    """The lodging's area of each day ending away (:func:`~optimizer.report.exports.stay_labels`);
    a trip's day of driving out or home alone (no visit) is added to ``by_nurse``."""
    stays = stay_labels(plan)
    for d in plan.nurse_days:
        if d.nurse_id in by_nurse and ((d.nurse_id, d.date) in stays
                                       or (d.nurse_id, d.date - timedelta(days=1)) in stays):
            by_nurse[d.nurse_id].setdefault(d.date, [])
    return stays


def _trip_kpi(k: dict[str, Any]) -> list[dict[str, Any]]:
    """The key figure of overnight stays and their lodging, when the plan has any."""
    if not k.get("overnight_stays"):
        return []
    return [{"label": "overnight stays (lodging)", "value": f"{k['overnight_stays']} (${k['lodging_cost']:,.0f})"}]


def _trip_line(stays: dict[tuple[str, Any], str], nid: str, day: Any) -> dict[str, str]:
    """Where the itinerary's day starts (home or the lodging) and the night's lodging, if away."""
    return {"stay": stays.get((nid, day), ""),
            "origin": "the lodging" if (nid, day - timedelta(days=1)) in stays else "home"}


def _fmt_minutes(m: float) -> str:
    m = int(round(m))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def plan_report(
    plan: Any,
    problem: Any,
    *,
    provider: Any = None,
    title: str = "HAI refill plan",
    map_html: str | None = None,
    tiles: str | None = None,
    stamp: datetime | None = None,
    options: Sequence[str] | None = None,
) -> HtmlDocument:
    """Build the self-contained plan report (``stamp``: the "generated" time, default now).

    Parameters
    ----------
    plan, problem
        The plan and its planning problem.
    provider
        Travel provider (route polylines on the map, its name in the header).
    title
        Page title.
    map_html
        A rendered operations map to embed (built when omitted).
    tiles
        Optional web tiles for the embedded map (needs internet at view time).
    options
        The best way out of each unassigned refill, aligned with ``plan.unassigned``
        (:mod:`optimizer.analysis.alternatives`); shown in the unassigned table.

    Returns
    -------
    HtmlDocument
    """
    if map_html is None:
        map_html = operations_map(plan, problem, provider=provider, tiles=tiles).html()
    areas = _areas(plan, problem)
    roster = problem.roster
    k = plan.kpis()
    reasons = ", ".join(f"{r.replace('_', ' ')} {n}" for r, n in k["unassigned_by_reason"].items())
    kpis = [
        {"label": "visits planned", "value": k["visits"]},
        {"label": "refills due in the horizon", "value": k["refills_due"]},
        {"label": "on-time rate", "value": f"{100 * k['on_time_rate']:.1f} %", "bad": k["on_time_rate"] < 1},
        {"label": "unassigned" + (f" ({reasons})" if reasons else ""), "value": k["unassigned"],
         "bad": k["unassigned"] > 0},
        {"label": "nurses used / nurse-days", "value": f"{k['nurses_used']} / {k['nurse_days']}"},
        {"label": "drive hours", "value": k["drive_hours"]},
        {"label": "drive minutes per visit", "value": k["drive_minutes_per_visit"]},
        {"label": "drive km", "value": f"{k['drive_km']:,.0f}"},
        {"label": "overtime minutes", "value": k["overtime_minutes"]},
        {"label": "cost", "value": f"${k['cost']:,.0f}"},
        {"label": "cost per visit", "value": f"${k['cost_per_visit']:,.2f}"},
        {"label": "visits in the last reserve day", "value": k["visits_in_last_reserve_day"],
         "bad": k["visits_in_last_reserve_day"] > 0},
        {"label": "fewest reserve days left", "value": "–" if k["min_reserve_days_left"] is None
         else k["min_reserve_days_left"]},
        {"label": "overdue refills planned", "value": k["alarms_planned"], "bad": k["alarms_planned"] > 0},
    ]
    kpis += _trip_kpi(k)
    best = dict(zip(map(id, plan.unassigned), options)) if options is not None else {}
    unassigned = [{
        "option": best.get(id(u), ""), "patient_id": u.patient_id, "area": areas.get(u.patient_id, u.state),
        "name": contact(roster.patient(u.patient_id))["patient_name"],
        "phone": contact(roster.patient(u.patient_id))["phone"],
        "reason": str(u.reason).replace("_", " "), "detail": u.detail,
        "window": f"{u.window_start} – {u.window_end}", "empty": u.empty_date, "reserve": u.reserve_days_left,
    } for u in sorted(plan.unassigned, key=lambda u: (u.reserve_days_left, u.window_end, u.patient_id))]

    nd = {(d.nurse_id, d.date): d for d in plan.nurse_days}
    by_nurse: dict[str, dict[Any, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for v in plan.visits:
        by_nurse[v.nurse_id][v.date].append(v)
    stays = _with_trip_days(plan, by_nurse)
    anchors = file_stems(by_nurse, fallback="nurse")  # distinct ids, distinct anchors
    nurses = []
    for nid in sorted(by_nurse):
        n = nurse_of(roster, nid)
        days = []
        for day in sorted(by_nurse[nid]):
            vs = sorted(by_nurse[nid][day], key=lambda v: v.seq)
            d = nd.get((nid, day))
            days.append({
                "label": f"{day:%A %d %B %Y}",
                "depart": f"{d.depart:%H:%M}" if d else "", "back": f"{d.return_:%H:%M}" if d else "",
                "drive": f"{_fmt_minutes(d.drive_minutes)}, {d.drive_km:.0f} km" if d else "",
                "overtime": d.overtime_minutes if d else 0, **_break_line(d, vs),
                **_trip_line(stays, nid, day),
                "visits": [{
                    "seq": v.seq, "arrival": f"{v.arrival:%H:%M}", "time": f"{v.start:%H:%M}–{v.end:%H:%M}",
                    "patient_id": v.patient_id, "area": areas.get(v.patient_id, v.state),
                    **_who(roster.patient(v.patient_id)),
                    "infusate": v.infusate.replace("_", " "), "window": f"{v.window_start} – {v.window_end}",
                    "reserve": v.reserve_days_left, "alarm": v.alarm.replace("_", " "),
                    "drive": f"{v.travel_minutes} min, {v.travel_km:.0f} km",
                } for v in vs],
            })
        nurses.append({"nurse_id": nid, "anchor": anchors[nid], "name": getattr(n, "name", None) or "",
                       "phone": getattr(n, "phone", None) or "",
                       "home": getattr(n, "home_state", ""), "days": days,
                       "visits": sum(len(d["visits"]) for d in days)})
    end = plan.horizon_start.toordinal() + plan.horizon_days - 1

    s = plan.solver or {}
    env = Environment(autoescape=True)
    page = env.from_string(_TEMPLATE).render(
        title=title, start=plan.horizon_start, end=date.fromordinal(end), days=plan.horizon_days,
        generated=(stamp or datetime.now()).strftime("%Y-%m-%d %H:%M"),
        provider=getattr(provider, "name", "") or getattr(problem, "provider_name", "") or "–",
        solver=f"{s.get('backend', '–')} {s.get('status', '')}".strip(),
        kpis=kpis, unassigned=unassigned, nurses=nurses,
        map_srcdoc=map_html,  # autoescape turns it into a valid srcdoc attribute value
    )
    return HtmlDocument(offline_html(page))
