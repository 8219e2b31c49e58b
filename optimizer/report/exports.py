"""Plan exports for planners and nurses: an Excel workbook and one iCalendar file per nurse.

The .ics files are written by hand to RFC 5545 (no extra dependency): one
VEVENT per visit at the nurse's wall-clock times with the nurse's time zone
(``TZID`` and its ``VTIMEZONE``, see :mod:`optimizer.report._tz`), lines folded
at 75 octets, text escaped. ``LOCATION`` is the patient's address when the roster
has one, else the area ("near Toledo, Lucas County, OH"); ``DESCRIPTION`` carries
the patient's name, phone and notes (operational columns, SPEC §4). A nurse-day
with a break (SPEC §5) gets a "Break 12:10–12:40" event; a night away on an overnight trip
(SPEC §6) an "Overnight at near <town>" event from arrival to the next day's departure.
Never coordinates.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

import geodata
from optimizer.io.cells import is_risky
from optimizer.report._area import area_labels
from optimizer.report._escape import file_stem, file_stems
from optimizer.report._tz import nurse_zone, vtimezone

__all__ = ["export_excel", "export_ics", "visit_rows", "nurse_summary", "contact", "CONTACT_COLUMNS",
           "stay_labels"]


def stay_labels(plan: Any) -> dict[tuple[str, Any], str]:
    """``(nurse_id, date)`` → the area of the night's lodging ("near Bedford, Bedford County, PA")
    for every nurse-day that ends away from home on an overnight trip; never coordinates."""
    days = [d for d in plan.nurse_days if getattr(d, "lodging_cost", 0) and d.end_lat is not None]
    pts = [(float(d.end_lat), float(d.end_lon)) for d in days]
    states = [geodata.state_of(lat, lon, tolerance_km=5.0) or "" for lat, lon in pts]
    return {(d.nurse_id, d.date): label for d, label in zip(days, area_labels(pts, states))}


def _areas(plan: Any, problem: Any) -> dict[str, str]:
    roster = problem.roster
    pids = sorted({v.patient_id for v in plan.visits} | {u.patient_id for u in plan.unassigned})
    pts = [(roster.patient(p).lat, roster.patient(p).lon) for p in pids]
    return dict(zip(pids, area_labels(pts, [roster.patient(p).state for p in pids])))


#: The patient's operational columns (SPEC §4) in the nurse-facing tables; never in leadership outputs.
CONTACT_COLUMNS: tuple[str, ...] = ("patient_name", "address", "phone", "notes")


def _text(value: str | None) -> str:
    return "" if value is None else str(value)


def nurse_of(roster: Any, nurse_id: str) -> Any:
    """The roster's nurse of that id, or ``None`` (a plan may name a nurse the roster lacks)."""
    try:
        return roster.nurse(nurse_id)
    except KeyError:
        return None


def contact(patient: Any) -> dict[str, str]:
    """A patient's name, address, phone and notes (``""`` where the roster has none)."""
    return {"patient_name": _text(patient.name), "address": _text(patient.address),
            "phone": _text(patient.phone), "notes": _text(patient.notes)}


def visit_rows(plan: Any, problem: Any, areas: dict[str, str] | None = None) -> pd.DataFrame:
    """Every visit as a row for people: day, nurse, order, patient and contact, times, area, infusate, reserve.

    Parameters
    ----------
    plan, problem
        The plan and the planning problem it solves.
    areas
        Patient id → area label (computed when omitted).

    Returns
    -------
    pandas.DataFrame
    """
    areas = areas if areas is not None else _areas(plan, problem)
    roster = problem.roster
    rows = [{
        "date": v.date, "weekday": f"{v.date:%a}", "nurse_id": v.nurse_id,
        "nurse_name": _text(getattr(nurse_of(roster, v.nurse_id), "name", None)), "stop": v.seq,
        "patient_id": v.patient_id, **contact(roster.patient(v.patient_id)),
        "area": areas.get(v.patient_id, v.state), "state": v.state,
        "arrival": f"{v.arrival:%H:%M}", "start": f"{v.start:%H:%M}", "end": f"{v.end:%H:%M}",
        "infusate": v.infusate, "drive_minutes_from_previous": v.travel_minutes,
        "drive_km_from_previous": round(v.travel_km, 1), "window_start": v.window_start,
        "window_end": v.window_end, "due_date": v.due_date, "empty_date": v.empty_date,
        "reserve_days_left": v.reserve_days_left, "alarm": v.alarm,
    } for v in sorted(plan.visits, key=lambda v: (v.date, v.nurse_id, v.seq))]
    cols = ["date", "weekday", "nurse_id", "nurse_name", "stop", "patient_id", *CONTACT_COLUMNS, "area", "state",
            "arrival", "start", "end",
            "infusate", "drive_minutes_from_previous", "drive_km_from_previous", "window_start",
            "window_end", "due_date", "empty_date", "reserve_days_left", "alarm"]
    return pd.DataFrame(rows, columns=cols)


def nurse_summary(plan: Any, roster: Any = None) -> pd.DataFrame:
    """Per nurse: name, phone and email (with a ``roster``), days worked, visits, drive, overtime, cost."""
    agg: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for d in plan.nurse_days:
        a = agg[d.nurse_id]
        a["days"] += 1
        a["visits"] += d.visits
        a["drive_minutes"] += d.drive_minutes
        a["drive_km"] += d.drive_km
        a["work_minutes"] += d.work_minutes
        a["overtime_minutes"] += d.overtime_minutes
        a["cost"] += d.cost
    rows = []
    for nid in sorted(agg):
        a = agg[nid]
        n = nurse_of(roster, nid) if roster is not None else None
        rows.append({"nurse_id": nid, "nurse_name": _text(n and n.name), "phone": _text(n and n.phone),
                     "email": _text(n and n.email), "days": int(a["days"]), "visits": int(a["visits"]),
                     "drive_hours": round(a["drive_minutes"] / 60, 1), "drive_km": round(a["drive_km"], 1),
                     "work_hours": round(a["work_minutes"] / 60, 1),
                     "overtime_minutes": int(a["overtime_minutes"]), "cost": round(a["cost"], 2),
                     "visits_per_day": round(a["visits"] / a["days"], 2) if a["days"] else 0.0})
    cols = ["nurse_id"] + (["nurse_name", "phone", "email"] if roster is not None else []) + [
        "days", "visits", "visits_per_day", "drive_hours", "drive_km", "work_hours", "overtime_minutes", "cost"]
    return pd.DataFrame(rows, columns=cols)


def _autofit(ws: Any) -> None:
    for col in ws.columns:
        width = max((len(str(c.value)) for c in col if c.value is not None), default=8)
        ws.column_dimensions[col[0].column_letter].width = min(max(8, width + 2), 60)
    ws.freeze_panes = "A2"


def _as_text(ws: Any) -> None:
    """Keep text that a spreadsheet would evaluate as text (OWASP CSV injection).

    openpyxl stores any string beginning with ``=`` as a formula; every cell of the
    workbook comes from data, so such a cell is typed back to a string, and each
    risky text (``= + - @``, tab, CR) gets Excel's quotePrefix, so editing the cell
    does not turn it into a formula either. The value is kept intact.
    """
    for row in ws.iter_rows():
        for cell in row:
            if is_risky(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def _reproducible_xlsx(path: Path, stamp: datetime) -> None:
    """Pin the workbook's timestamps (zip entries, core properties) so equal plans give equal bytes."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + iso.encode(), data)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
    tmp.replace(path)


def export_excel(plan: Any, problem: Any, path: str | Path, *, stamp: datetime | None = None,
                 options: Sequence[str] | None = None) -> Path:
    """Write the plan as an Excel workbook: Summary, Nurses, one sheet per day, Unassigned.

    Parameters
    ----------
    plan, problem
        The plan and its planning problem.
    path
        The ``.xlsx`` file to write.
    stamp
        Pin the workbook's timestamps to this time (reproducible bytes); default now.
    options
        The best way out of each unassigned refill, aligned with ``plan.unassigned`` (the
        Unassigned sheet's ``options`` column, as in ``unassigned.csv``).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    areas = _areas(plan, problem)
    best = list(options) if options is not None else [""] * len(plan.unassigned)
    visits = visit_rows(plan, problem, areas)
    k = plan.kpis()
    summary = pd.DataFrame(
        [("horizon_start", plan.horizon_start.isoformat()), ("horizon_days", plan.horizon_days)]
        + [(key, str(val) if isinstance(val, dict) else val) for key, val in k.items()],
        columns=["kpi", "value"])
    roster = problem.roster
    un = pd.DataFrame([{
        "patient_id": u.patient_id, **contact(roster.patient(u.patient_id)),
        "area": areas.get(u.patient_id, u.state), "state": u.state,
        "reason": str(u.reason), "detail": u.detail, "window_start": u.window_start, "window_end": u.window_end,
        "empty_date": u.empty_date, "reserve_days_left": u.reserve_days_left, "options": o,
    } for u, o in zip(plan.unassigned, best, strict=True)],
        columns=["patient_id", *CONTACT_COLUMNS, "area", "state", "reason", "detail", "window_start", "window_end",
                 "empty_date", "reserve_days_left", "options"])
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        summary.to_excel(xw, sheet_name="Summary", index=False)
        nurse_summary(plan, roster).to_excel(xw, sheet_name="Nurses", index=False)
        for day, g in visits.groupby("date", sort=True):
            g.drop(columns=["date", "weekday"]).to_excel(xw, sheet_name=f"{day:%Y-%m-%d %a}", index=False)
        un.to_excel(xw, sheet_name="Unassigned", index=False)
        for ws in xw.book.worksheets:
            _as_text(ws)
            _autofit(ws)
    if stamp is not None:
        _reproducible_xlsx(path, stamp)
    return path


# --------------------------------------------------------------------------- iCalendar


def _ics_text(s: str) -> str:
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while data:
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
        limit = 74  # continuation lines start with a space
    return "\r\n ".join(parts)


def export_ics(plan: Any, problem: Any, out_dir: str | Path, *, stamp: datetime | None = None) -> list[Path]:
    """Write ``<out_dir>/<nurse>.ics`` for every nurse with visits.

    The file name is the nurse id when it is a plain name (letters, digits,
    ``. _ -``, at most 40 characters), else a slug of it and a hash of the full id
    (:func:`optimizer.report._escape.file_stem`): ``N/4`` and ``N_4`` get two files.

    Parameters
    ----------
    plan, problem
        The plan and its planning problem.
    out_dir
        Folder for the files (created).
    stamp
        ``DTSTAMP`` of the events (default now, UTC); fixed for reproducible files.

    Returns
    -------
    list of pathlib.Path
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    areas = _areas(plan, problem)
    stays = stay_labels(plan)
    stamp = stamp or datetime.now(timezone.utc)
    dtstamp = stamp.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    by_nurse: dict[str, list[Any]] = defaultdict(list)
    for v in plan.visits:
        by_nurse[v.nurse_id].append(v)
    stems = file_stems(by_nurse, fallback="nurse")
    roster = problem.roster
    written = []
    for nid in sorted(by_nurse):
        visits = sorted(by_nurse[nid], key=lambda v: (v.date, v.seq))
        nurse = nurse_of(roster, nid)
        home = nurse or roster.patient(visits[0].patient_id)  # an unknown nurse: the first patient's zone
        zone = nurse_zone(getattr(home, "home_state", None) or home.state, home.lat, home.lon)
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//haiplan//HAI refill plan//EN",
                 "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_text(f'HAI refills {nid}')}",
                 f"X-WR-TIMEZONE:{zone}", *vtimezone(zone, {v.date.year for v in visits})]
        for v in visits:
            lines += _vevent(v, roster.patient(v.patient_id), areas.get(v.patient_id, v.state), zone=zone,
                             dtstamp=dtstamp, uid=(f"{v.date:%Y%m%d}-{stems[nid]}-{v.seq}-"
                                                   f"{file_stem(v.patient_id, fallback='patient')}@haiplan"))
        days = sorted((d for d in plan.nurse_days if d.nurse_id == nid), key=lambda d: d.date)
        for i, d in enumerate(days):
            lines += _break_event(d, zone=zone, dtstamp=dtstamp, uid=f"{d.date:%Y%m%d}-{stems[nid]}-break@haiplan")
            if (nid, d.date) in stays:
                lines += _stay_event(d, days[i + 1] if i + 1 < len(days) else None, stays[(nid, d.date)],
                                     zone=zone, dtstamp=dtstamp, uid=f"{d.date:%Y%m%d}-{stems[nid]}-stay@haiplan",
                                     near=_at_a_patient(d, visits, roster))
        lines.append("END:VCALENDAR")
        path = out / f"{stems[nid]}.ics"
        path.write_bytes(("\r\n".join(_fold(x) for x in lines) + "\r\n").encode("utf-8"))
        written.append(path)
    return written


def _break_event(day: Any, *, zone: str, dtstamp: str, uid: str) -> list[str]:
    """The nurse-day's break (a day of more than 6 hours of work) as a VEVENT; none without one."""
    start, end = getattr(day, "break_start", None), getattr(day, "break_end", None)
    if start is None or end is None:
        return []
    return ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{dtstamp}",
            f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}", f"DTEND;TZID={zone}:{end:%Y%m%dT%H%M%S}",
            f"SUMMARY:{_ics_text(f'Break {start:%H:%M}–{end:%H:%M}')}",
            f"DESCRIPTION:{_ics_text('Planned break: no visit and no drive')}",
            "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]


def _at_a_patient(day: Any, visits: list[Any], roster: Any) -> bool:
    """Whether the night after ``day`` is at the home of a patient the nurse sees that day or the
    next (else a waypoint: a night on the way of a trip of several nights)."""
    near = {day.date, day.date + timedelta(days=1)}
    homes = {(round(p.lat, 6), round(p.lon, 6)) for v in visits if v.date in near and roster.has_patient(v.patient_id)
             for p in (roster.patient(v.patient_id),)}
    return (round(day.end_lat, 6), round(day.end_lon, 6)) in homes


def _stay_event(day: Any, nxt: Any, area: str, *, zone: str, dtstamp: str, uid: str, near: bool = True) -> list[str]:
    """The night away after ``day`` (an overnight trip) as a VEVENT, until ``nxt``'s departure;
    ``near``: the lodging is near a patient of that evening or the next morning, else on the way."""
    why = ("Overnight trip: lodging near the last patient; the next day starts here" if near else
           "Overnight trip: lodging on the way (a trip of several nights); the next day starts here")
    start = day.return_
    end = nxt.depart if nxt is not None and nxt.depart > start else start.replace(hour=23, minute=59)
    return ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{dtstamp}",
            f"DTSTART;TZID={zone}:{start:%Y%m%dT%H%M%S}", f"DTEND;TZID={zone}:{end:%Y%m%dT%H%M%S}",
            f"SUMMARY:{_ics_text(f'Overnight at {area}')}", f"LOCATION:{_ics_text(area)}",
            f"DESCRIPTION:{_ics_text(why)}",
            "STATUS:CONFIRMED", "TRANSP:TRANSPARENT", "END:VEVENT"]


def _vevent(v: Any, patient: Any, area: str, *, zone: str, dtstamp: str, uid: str) -> list[str]:
    """One visit as a VEVENT: local times in ``zone``, the address (else the area) as LOCATION,
    name, phone and notes first in the DESCRIPTION."""
    c = contact(patient)
    who = f"Patient {v.patient_id}" + (f" — {c['patient_name']}" if c["patient_name"] else "")
    desc = "\n".join(x for x in (
        who, f"Phone: {c['phone']}" if c["phone"] else "", f"Notes: {c['notes']}" if c["notes"] else "",
        f"Area: {area}" if c["address"] else "",
        f"Stop {v.seq} of the day", f"Infusate: {v.infusate.replace('_', ' ')}", f"Arrive {v.arrival:%H:%M}",
        f"Window {v.window_start} to {v.window_end}; pump empty {v.empty_date}; "
        f"reserve days left {v.reserve_days_left}",
        f"Drive from previous stop: {v.travel_minutes} min, {v.travel_km:.0f} km",
        f"ALARM: {v.alarm}" if v.alarm else "") if x)
    return ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{dtstamp}",
            f"DTSTART;TZID={zone}:{v.start:%Y%m%dT%H%M%S}", f"DTEND;TZID={zone}:{v.end:%Y%m%dT%H%M%S}",
            f"SUMMARY:{_ics_text(f'HAI refill {v.seq}: {v.infusate.replace(chr(95), chr(32))} ({area})')}",
            f"LOCATION:{_ics_text(c['address'] or area)}", f"DESCRIPTION:{_ics_text(desc)}",
            "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
