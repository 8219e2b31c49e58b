"""Leadership and operations maps (folium, offline: see :mod:`optimizer.report._assets`).

* :func:`leadership_map` — coverage for leadership, **de-identified by
  construction**: it only accepts a :class:`~optimizer.analysis.coverage.LeadershipView`
  (state and county aggregates, rounded staff positions), never patient rows,
  and every coordinate it writes is rounded to 2 decimals (about 1 km).
* :func:`operations_map` — the plan for planners (internal, ids allowed): routes
  per day and nurse with numbered stops and popups, unassigned refills with
  their reasons.

The base map without internet is the state and county polygons of
:mod:`geodata`; web tiles are added only when the caller asks (``tiles=``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Any

import folium

from geodata import STATE_NAMES, counties_gdf, states_gdf
from optimizer.analysis.coverage import CoverageResult, LeadershipView
from optimizer.report._area import area_labels
from optimizer.report._assets import OfflineMap
from optimizer.report._escape import html_text, tooltip
from optimizer.report._mapkit import (NO_DATA, ClientLayer, Legend, NurseFilter, base_layers, bin_color, collection,
                                      feature, fit, pct, popup_table, round_geom, swatches, title_box)
from optimizer.report._style import (ACTION_STYLES, PALETTE, action_icon, reason_icon, reason_label, route_colors,
                                     text_color)

__all__ = ["leadership_map", "operations_map", "PALETTE"]

# ColorBrewer RdYlBu (colour-blind safe), low coverage = red
_SHARE_BINS = ((0.25, "#d7191c", "< 25 %"), (0.50, "#fdae61", "25–50 %"), (0.75, "#ffffbf", "50–75 %"),
               (0.90, "#abd9e9", "75–90 %"), (1.01, "#2c7bb6", "≥ 90 %"))
_NURSE_BINS = ((1, "#f2f0f7", "0"), (3, "#cbc9e2", "1–2"), (6, "#9e9ac8", "3–5"),
               (11, "#756bb1", "6–10"), (10**9, "#54278f", "11 +"))
_SERVICE = "#1b9e77"
_DEMAND = "#5e3c99"
_DIGITS = 2  # decimals of every coordinate on the leadership map (≈ 1 km)

# --------------------------------------------------------------------------- leadership


def _recommendation_layer(collection: dict) -> tuple[folium.FeatureGroup, str]:
    """Ranked expansion actions as numbered markers (coloured by kind of action) and their legend."""
    feats = collection.get("features", [])
    group = folium.FeatureGroup(name=f"Recommended actions, expansion study ({len(feats)})", show=True)
    kinds: dict[str, int] = defaultdict(int)
    for feat in feats:
        lon, lat = feat["geometry"]["coordinates"]
        p = feat["properties"]
        rank = p.get("rank", "")
        tip = "<br>".join(html_text(x) for x in (
            f"#{rank} {p.get('label', '')}", p.get("place", ""),
            f"cost ${float(p.get('cost', 0) or 0):,.0f}, lead time {p.get('lead_weeks', '?')} weeks",
            f"+{p.get('visits_per_week_absorbed', 0)} visits/week absorbed, "
            f"+{p.get('patients_covered', 0)} patients covered"))
        action = str(p.get("action", ""))
        kinds[action] += 1
        icon = folium.DivIcon(html=action_icon(action, rank), icon_size=(22, 16), icon_anchor=(11, 8),
                              class_name="hai-recommendation-icon")
        folium.Marker([lat, lon], icon=icon, tooltip=tooltip(tip)).add_to(group)
    rows = [(ACTION_STYLES.get(k, ("#555555", k))[0], f"{ACTION_STYLES.get(k, ('', k))[1] or k}: {n}")
            for k, n in sorted(kinds.items())]
    legend = swatches(f"Recommended actions ({len(feats)}), numbered by rank", rows or [("#fff", "none")])
    return group, legend


def leadership_map(
    view: Any,
    *,
    provider: Any,
    cutoff: int = 120,
    tiles: str | None = None,
    title: str = "HAI home-refill coverage",
    recommendations: dict | None = None,
) -> OfflineMap:
    """Coverage for leadership: state choropleths, county demand, nurse service areas.

    Parameters
    ----------
    view
        A :class:`~optimizer.analysis.coverage.LeadershipView` (or a ``CoverageResult``,
        which is reduced to its view first). Nothing patient-level is read.
    provider
        Travel provider, for the nurses' service areas (``service_area(point, minutes)``).
    cutoff
        Drive-time cutoff (minutes) of the service areas and the main choropleth;
        one of the view's cutoffs.
    tiles
        Optional web tile layer (e.g. ``"OpenStreetMap"``): needs internet at view time.
    title
        Title line; the data date and cutoff are added beneath.
    recommendations
        Optional expansion layer: the GeoJSON of :func:`optimizer.analysis.expansion.map_layer`
        (ranked actions at public places or a nurse's nearest town; no patient data).

    Returns
    -------
    OfflineMap
        ``.save(path)`` writes one self-contained HTML file.
    """
    if isinstance(view, CoverageResult):
        view = view.leadership_view(digits=_DIGITS)
    if not isinstance(view, LeadershipView):
        raise TypeError("leadership_map takes a LeadershipView (aggregates only)")
    if cutoff not in view.cutoffs:
        raise ValueError(f"cutoff {cutoff} is not one of the computed cutoffs {view.cutoffs}")
    by_state = view.by_state.set_index("state")
    with_patients = [s for s in by_state.index if by_state.loc[s, "patients"] > 0]

    m = OfflineMap(location=[39.0, -96.0], zoom_start=4, control_scale=True, prefer_canvas=False,
                   zoom_snap=0.25, zoom_delta=0.5)
    base_layers(m, with_patients, tiles=tiles, digits=_DIGITS)

    geoms = _state_layers(m, view, cutoff)
    _county_layers(m, view, cutoff)
    _nurse_layers(m, view, provider, cutoff)
    actions_legend = ""
    if recommendations is not None:
        layer, actions_legend = _recommendation_layer(recommendations)
        layer.add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    Legend(_leadership_legend(view, provider, cutoff, actions_legend), "bottomleft").add_to(m)
    title_box(m, title, _leadership_subtitle(view))
    b = [geoms[s].bounds for s in with_patients if s in geoms and s not in ("AK", "HI")]
    fit(m, [(x[1], x[0]) for x in b] + [(x[3], x[2]) for x in b])
    return m


def _state_layers(m: OfflineMap, view: LeadershipView, cutoff: int) -> dict[str, Any]:
    """State choropleths: share covered within ``cutoff`` (shown) and licensed nurses (hidden).

    Returns
    -------
    dict of str to geometry
        The rounded state outlines, by state code.
    """
    share = f"covered_{cutoff}min"
    by_state = view.by_state.set_index("state")
    st = states_gdf(simplified=True)
    geoms = {s: round_geom(g, _DIGITS, 0.005) for s, g in zip(st["state"], st["geometry"])}
    cov_feats, nurse_feats = [], []
    for s in by_state.index:
        if s not in geoms:
            continue
        r = by_state.loc[s]
        props = {
            "state": html_text(STATE_NAMES.get(s, s)), "patients": int(r["patients"]),
            **{f"c{c}": pct(r[f"covered_{c}min"]) for c in view.cutoffs},
            "licensed": int(r["licensed_nurses"]), "chemo": int(r["chemo_licensed_nurses"]),
            "based": int(r["nurses_based"]), "single": _count(r["single_nurse_patients"]),
            "none": _count(r["no_nurse_patients"]),
            "fill": bin_color(float(r[share]) if r["patients"] else math.nan, _SHARE_BINS),
            "nfill": bin_color(float(r["licensed_nurses"]), _NURSE_BINS),
        }
        cov_feats.append(feature(geoms[s], props))
        nurse_feats.append(feature(geoms[s], props))
    fields = ["state", "patients"] + [f"c{c}" for c in view.cutoffs] + ["licensed", "chemo", "based",
                                                                         "single", "none"]
    aliases = (["State", "Patients"] + [f"Covered ≤ {c} min" for c in view.cutoffs]
               + ["Licensed HAI nurses", "… chemo-certified", "Nurses based here",
                  "Patients with a single nurse", "Patients with no nurse"])
    fg = folium.FeatureGroup(name=f"States: share of patients covered within {cutoff} min", show=True)
    folium.GeoJson(collection(cov_feats),
                   style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#555",
                                             "weight": 1, "fillOpacity": 0.75, "className": "hai-state-cov"},
                   highlight_function=lambda f: {"weight": 3, "color": "#000"},
                   tooltip=folium.GeoJsonTooltip(fields, aliases=aliases, sticky=True)).add_to(fg)
    fg.add_to(m)
    fg2 = folium.FeatureGroup(name="States: licensed HAI nurses", show=False)
    folium.GeoJson(collection(nurse_feats),
                   style_function=lambda f: {"fillColor": f["properties"]["nfill"], "color": "#555",
                                             "weight": 1, "fillOpacity": 0.8, "className": "hai-state-nurses"},
                   tooltip=folium.GeoJsonTooltip(fields, aliases=aliases, sticky=True)).add_to(fg2)
    fg2.add_to(m)
    return geoms


def _county_layers(m: OfflineMap, view: LeadershipView, cutoff: int) -> None:
    """County demand: proportional circles at the county's representative point, and counties at risk."""
    share = f"covered_{cutoff}min"
    co = counties_gdf().set_index("fips")
    bc = view.by_county
    fg3 = folium.FeatureGroup(name="Counties: patients (refill demand)", show=True)
    risk = folium.FeatureGroup(name="Counties with patients no nurse (red) or only one nurse (orange) can serve",
                               show=True)
    risk_feats = []
    for _, r in bc.iterrows():
        f = r["county_fips"]
        if f not in co.index:
            continue
        g = co.loc[f, "geometry"]
        pt = g.representative_point()
        n = int(r["patients_shown"])
        radius = 5 if n < 5 else 8 if n < 10 else 11 if n < 20 else 14
        lines = [f"<b>{html_text(r['county'])} County, {html_text(r['state'])}</b>",
                 f"Patients: {html_text(r['patients_band'])}"]
        if not (isinstance(r[share], float) and math.isnan(r[share])):
            lines.append(f"Covered ≤ {cutoff} min: {pct(r[share])}")
            lines.append(f"Single-nurse patients: {int(r['single_nurse_patients'])}; "
                         f"no nurse: {int(r['no_nurse_patients'])}")
        else:
            lines.append(f"(fewer than {view.small_cell} patients: details withheld)")
        folium.CircleMarker([round(pt.y, _DIGITS), round(pt.x, _DIGITS)], radius=radius, color="#fff",
                            weight=1, fill=True, fill_color=_DEMAND, fill_opacity=0.85,
                            class_name="hai-county-demand",
                            tooltip=tooltip("<br>".join(lines))).add_to(fg3)
        if r["any_no_nurse"] or r["any_single_nurse"]:
            kind = "no nurse" if r["any_no_nurse"] else "single nurse"
            risk_feats.append(feature(round_geom(g, _DIGITS, 0.01), {
                "county": html_text(f"{r['county']} County, {r['state']}"), "risk": kind,
                "color": "#d7191c" if r["any_no_nurse"] else "#ff7f00"}))
    fg3.add_to(m)
    if risk_feats:
        folium.GeoJson(collection(risk_feats),
                       style_function=lambda f: {"fill": False, "color": f["properties"]["color"],
                                                 "weight": 2.5, "className": "hai-county-risk"},
                       tooltip=folium.GeoJsonTooltip(["county", "risk"], aliases=["County", "At risk"])
                       ).add_to(risk)
    risk.add_to(m)


def _nurse_layers(m: OfflineMap, view: LeadershipView, provider: Any, cutoff: int) -> None:
    """Nurse service areas and homes (staff data, rounded)."""
    areas = folium.FeatureGroup(name=f"Nurse service areas ({cutoff} min drive)", show=True)
    homes = folium.FeatureGroup(name="Nurse home bases (rounded to ~1 km)", show=True)
    for _, r in view.nurses.iterrows():
        lat, lon = float(r["lat"]), float(r["lon"])
        poly = provider.service_area((lat, lon), cutoff)
        if poly is not None and not poly.is_empty:
            folium.GeoJson(feature(round_geom(poly, _DIGITS, 0.01), {}),
                           style_function=lambda f: {"color": _SERVICE, "weight": 1, "fillColor": _SERVICE,
                                                     "fillOpacity": 0.10, "className": "hai-service-area"},
                           interactive=False).add_to(areas)
        n_states = len([s for s in str(r["licensed_states"]).split(";") if s])
        tip = (f"<b>{html_text(r['nurse_id'])}</b> ({html_text(r['home_state'])})<br>"
               f"May practice in {n_states} state(s)<br>"
               f"{'Chemo-certified' if r['chemo_certified'] else 'Not chemo-certified'}")
        folium.CircleMarker([lat, lon], radius=4, color="#000", weight=1, fill=True,
                            fill_color=_SERVICE if r["chemo_certified"] else "#ffffff", fill_opacity=1,
                            class_name="hai-nurse-home", tooltip=tooltip(tip)).add_to(homes)
    areas.add_to(m)
    homes.add_to(m)


def _leadership_legend(view: LeadershipView, provider: Any, cutoff: int, actions_legend: str) -> str:
    """The leadership map's legend (HTML)."""
    return actions_legend + (
        swatches(f"Covered within {cutoff} min (share of patients)",
                  [(c, lab) for _, c, lab in _SHARE_BINS] + [(NO_DATA, "no patients")])
        + swatches("Licensed HAI nurses (layer off by default)", [(c, lab) for _, c, lab in _NURSE_BINS])
        + swatches("Patients per county", [(_DEMAND, f"circle size: 1–{view.small_cell - 1}, "
                                                      f"{view.small_cell}–9, 10–19, 20 +")], circle=True)
        + swatches("Counties at risk", [("#d7191c", "a patient no nurse can serve"),
                                         ("#ff7f00", "a patient only one nurse can serve")], outline=True)
        + swatches("Nurses", [(_SERVICE, f"service area, {cutoff} min drive"),
                               ("#000", "home base (filled = chemo-certified)")])
        + "<div style='margin-top:6px;color:#555'>Aggregates only: no patient identifiers or "
          "locations.<br>Drive times: " + html_text(getattr(provider, "name", "model")) + "</div>"
    )


def _leadership_subtitle(view: LeadershipView) -> str:
    """The subtitle: data date, counts and national coverage shares."""
    t = view.totals
    sub = (f"Data as of {view.as_of.isoformat()} · {int(t['patients'])} patients in {int(t['states'])} states, "
           f"{int(t['nurses'])} nurses · covered within "
           + " / ".join(f"{c}" for c in view.cutoffs) + " min: "
           + " / ".join(pct(t[f'covered_{c}min']) for c in view.cutoffs)
           + f" · single-nurse patients {int(t['single_nurse_patients'])}, no nurse {int(t['no_nurse_patients'])}")
    return sub


# --------------------------------------------------------------------------- operations


def operations_map(
    plan: Any,
    problem: Any,
    *,
    provider: Any = None,
    tiles: str | None = None,
    title: str = "HAI refill plan — operations map",
) -> OfflineMap:
    """Routes per day and nurse with numbered stops; unassigned refills with reasons.

    Internal (patient ids appear in popups). One overlay per day (the first shown);
    a "Nurse" drop-down narrows every day to one nurse.

    Parameters
    ----------
    plan
        :class:`~optimizer.planning.plan.Plan`.
    problem
        The :class:`~optimizer.planning.problem.PlanningProblem` it solves (roster, locations).
    provider
        Travel provider for route polylines (``route(a, b)``); straight lines without one.
    tiles
        Optional web tile layer (needs internet at view time).
    title
        Title line.

    Returns
    -------
    OfflineMap
    """
    roster = problem.roster
    nurse_ids = sorted({v.nurse_id for v in plan.visits} | {d.nurse_id for d in plan.nurse_days})
    homes = {n: (roster.nurse(n).lat, roster.nurse(n).lon) for n in nurse_ids}
    color = route_colors(nurse_ids, homes)
    states = {roster.patient(v.patient_id).state for v in plan.visits} | {u.state for u in plan.unassigned}
    states |= {roster.nurse(n).home_state for n in nurse_ids}

    m = OfflineMap(location=[39.0, -96.0], zoom_start=4, control_scale=True, zoom_snap=0.25, zoom_delta=0.5)
    base_layers(m, states, tiles=tiles, digits=4)

    pids = sorted({v.patient_id for v in plan.visits} | {u.patient_id for u in plan.unassigned})
    pts = {pid: (roster.patient(pid).lat, roster.patient(pid).lon) for pid in pids}
    areas = dict(zip(pids, area_labels([pts[p] for p in pids], [roster.patient(p).state for p in pids])))
    all_points = _route_layers(m, plan, roster, pts, areas, color, provider)  # each nurse-day registered
    _home_layer(m, plan, roster, nurse_ids, color)  # and each home: the nurse picker finds them
    all_points += list(homes.values())
    all_points += _unassigned_layer(m, plan, pts, areas)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    visits = defaultdict(int)
    for v in plan.visits:
        visits[v.nurse_id] += 1
    NurseFilter([], nurse_ids, [f"{n} · {visits[n]} visit(s)" for n in nurse_ids]).add_to(m)
    Legend(_operations_legend(plan, nurse_ids, color, visits), "bottomleft").add_to(m)
    end = plan.horizon_start.toordinal() + plan.horizon_days - 1
    k = plan.kpis()
    title_box(m, title, f"{plan.horizon_start} – {date.fromordinal(end)} · {k['visits']} visits of "
                        f"{k['refills_due']} refills due · {k['nurses_used']} nurses · "
                        f"{k['unassigned']} unassigned")
    fit(m, all_points)
    return m


def _leg(provider: Any, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    """The drawn path of one leg: the provider's route, else a straight line."""
    if provider is not None and hasattr(provider, "route"):
        try:
            return [tuple(p) for p in provider.route(a, b)]  # type: ignore[misc]
        except Exception:  # an unreachable leg is drawn straight
            return [a, b]
    return [a, b]


def _route_layers(m: folium.Map, plan: Any, roster: Any, pts: dict[str, tuple[float, float]],
                  areas: dict[str, str], color: dict[str, str],
                  provider: Any) -> list[tuple[float, float]]:
    """One overlay per day (the first shown), one sub-layer per nurse-day: the route and its stops.

    The page draws them from one data array per day (:class:`ClientLayer`). Returns the points drawn.
    """
    by_day: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for v in plan.visits:
        by_day[v.date][v.nurse_id].append(v)
    for d in plan.nurse_days:  # an overnight trip's day of driving out or home alone: a route without stops
        if not d.visits:
            by_day[d.date].setdefault(d.nurse_id, [])
    nd_by_key = {(d.nurse_id, d.date): d for d in plan.nurse_days}
    points: list[tuple[float, float]] = []
    for i, day in enumerate(sorted(by_day)):
        nurses_today = by_day[day]
        n_vis = sum(len(v) for v in nurses_today.values())
        day_fg = folium.FeatureGroup(
            name=f"{day:%a %d %b}: {len(nurses_today)} route(s), {n_vis} visit(s)", show=i == 0)
        rows = []
        for nid in sorted(nurses_today):
            visits = sorted(nurses_today[nid], key=lambda v: v.seq)
            nd = nd_by_key.get((nid, day))
            rows.append(_route_row(nid, day, visits, nd, roster, pts, areas, color[nid], provider))
            points.extend(pts[v.patient_id] for v in visits)
        ClientLayer("routes", rows, popup_width=360).add_to(day_fg)  # registers each nurse-day
        day_fg.add_to(m)
    return points


def _route_row(nid: str, day: Any, visits: list[Any], nd: Any, roster: Any, pts: dict[str, tuple[float, float]],
               areas: dict[str, str], fill: str, provider: Any) -> dict[str, Any]:
    """One nurse-day for the page: its drawn path, colour, tooltip and numbered stops with their popups."""
    home = (roster.nurse(nid).lat, roster.nurse(nid).lon)
    start, end = _day_ends(nd, home)  # home, or an overnight trip's lodging
    path: list[tuple[float, float]] = [start]
    stops = [start] + [pts[v.patient_id] for v in visits] + [end]
    for a, b in zip(stops[:-1], stops[1:]):
        path.extend(_leg(provider, a, b)[1:])
    tip = (f"{nid} · {day:%a %d %b} · {len(visits)} visit(s)"
           + (f" · depart {nd.depart:%H:%M}, back {nd.return_:%H:%M} · drive {nd.drive_minutes} min, "
              f"{nd.drive_km:.0f} km" if nd else ""))
    # the page draws a dark casing under the coloured line: light colours stay visible on the pale base map
    return {"nurse": nid, "path": [[float(p[0]), float(p[1])] for p in path], "color": html_text(fill),
            "text": text_color(fill), "tip": html_text(tip),
            "stops": [_stop_row(v, pts[v.patient_id], areas[v.patient_id]) for v in visits]}


def _day_ends(nd: Any, home: tuple[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a nurse-day's route starts and ends: its nurse_days points, home when it has none."""
    def point(lat: Any, lon: Any) -> tuple[float, float]:
        return home if lat is None or lon is None else (float(lat), float(lon))
    if nd is None:
        return home, home
    return (point(getattr(nd, "start_lat", None), getattr(nd, "start_lon", None)),
            point(getattr(nd, "end_lat", None), getattr(nd, "end_lon", None)))


def _stop_row(v: Any, point: tuple[float, float], area: str) -> list[Any]:
    """A numbered stop (drawn in the nurse's colour by the page): ``[lat, lon, number, tooltip, popup]``."""
    rows = [("Nurse", v.nurse_id), ("Day", f"{v.date:%a %Y-%m-%d}"), ("Stop", v.seq),
            ("Arrive", f"{v.arrival:%H:%M}"), ("Visit", f"{v.start:%H:%M}–{v.end:%H:%M}"),
            ("Area", area), ("Infusate", v.infusate.replace("_", " ")),
            ("Window", f"{v.window_start} – {v.window_end}"), ("Pump empty", v.empty_date),
            ("Reserve days left", v.reserve_days_left),
            ("Drive from previous", f"{v.travel_minutes} min, {v.travel_km:.0f} km")]
    if v.alarm:
        rows.append(("ALARM", v.alarm.replace("_", " ")))
    return [float(point[0]), float(point[1]), html_text(v.seq),
            html_text(f"{v.nurse_id} stop {v.seq}: {v.patient_id}"),
            popup_table(rows, f"Patient {v.patient_id}")]


def _home_layer(m: folium.Map, plan: Any, roster: Any, nurse_ids: list[str],
                color: dict[str, str]) -> None:
    """Each nurse's home base, an "H" in the nurse's colour (registered for the nurse picker)."""
    group = folium.FeatureGroup(name=f"Nurse home bases ({len(nurse_ids)})", show=True)
    days: dict[str, int] = defaultdict(int)
    vis: dict[str, int] = defaultdict(int)
    for d in plan.nurse_days:
        days[d.nurse_id] += 1
    for v in plan.visits:
        vis[v.nurse_id] += 1
    rows = []
    for nid in nurse_ids:
        n = roster.nurse(nid)
        fill = color[nid]
        rows.append({"ll": [float(n.lat), float(n.lon)], "nurse": nid,
                     "html": f'<div class="hai-home" style="background:{html_text(fill)};color:{text_color(fill)}">'
                             f'H</div>',
                     "tip": html_text(f"{nid} home ({n.home_state}) · {days[nid]} day(s), {vis[nid]} visit(s)")})
    ClientLayer("markers", rows, class_name="hai-home-icon", size=20).add_to(group)  # registers each home
    group.add_to(m)


def _unassigned_layer(m: folium.Map, plan: Any, pts: dict[str, tuple[float, float]],
                      areas: dict[str, str]) -> list[tuple[float, float]]:
    """Unassigned refills, one marker shape and colour per reason; the points drawn."""
    group = folium.FeatureGroup(name=f"Unassigned refills ({len(plan.unassigned)})", show=True)
    rows = []
    for u in plan.unassigned:
        reason = str(u.reason)
        table = [("Reason", reason_label(reason)), ("Detail", u.detail), ("Area", areas[u.patient_id]),
                 ("Window", f"{u.window_start} – {u.window_end}"), ("Pump empty", u.empty_date),
                 ("Reserve days left at window end", u.reserve_days_left)]
        lat, lon = pts[u.patient_id]
        rows.append({"ll": [float(lat), float(lon)], "html": reason_icon(reason),
                     "tip": html_text(f"UNASSIGNED {u.patient_id}: {reason_label(reason)}"),
                     "popup": popup_table(table, f"Unassigned: patient {u.patient_id}")})
    ClientLayer("markers", rows, class_name="hai-unassigned-icon", size=22, popup_width=380).add_to(group)
    group.add_to(m)
    return [pts[u.patient_id] for u in plan.unassigned]


def _operations_legend(plan: Any, nurse_ids: list[str], color: dict[str, str], visits: dict[str, int]) -> str:
    """Every nurse's colour (two columns), the stops, one shape per unassigned reason with its count."""
    routes = "".join(f'<div class="row"><i style="background:{color[n]}"></i>{html_text(n)} ({visits[n]})</div>'
                     for n in nurse_ids)
    reasons = plan.kpis()["unassigned_by_reason"]
    keys = "".join(f'<div class="row">{reason_icon(r, size=16, key=True)}{html_text(reason_label(r))}: {n}</div>'
                   for r, n in reasons.items()) or "<div>none</div>"
    return (f"<h4>Routes: one colour per nurse ({len(nurse_ids)} nurses; visits in the plan)</h4>"
            f'<div class="cols">{routes}</div>'
            "<h4>Stops</h4><div>numbered in visit order; H = nurse home</div>"
            f"<h4>Unassigned refills ({len(plan.unassigned)})</h4>{keys}")


def _count(x: Any) -> int | str:
    """A count of a state's table, ``–`` where it is withheld (a state of fewer than the small-cell patients)."""
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else int(x)
