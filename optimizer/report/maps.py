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
from typing import Any

import folium

from geodata import STATE_NAMES, counties_gdf, states_gdf
from optimizer.analysis.coverage import CoverageResult, LeadershipView
from optimizer.report._area import area_labels
from optimizer.report._assets import OfflineMap
from optimizer.report._escape import html_text, tooltip
from optimizer.report._mapkit import (NO_DATA, Legend, NurseFilter, Popup, base_layers, bin_color, collection,
                                      feature, pct, popup_table, round_geom, swatches, title_box)

__all__ = ["leadership_map", "operations_map", "PALETTE"]

#: Route colours, one per nurse (cycled).
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)
# ColorBrewer RdYlBu (colour-blind safe), low coverage = red
_SHARE_BINS = ((0.25, "#d7191c", "< 25 %"), (0.50, "#fdae61", "25–50 %"), (0.75, "#ffffbf", "50–75 %"),
               (0.90, "#abd9e9", "75–90 %"), (1.01, "#2c7bb6", "≥ 90 %"))
_NURSE_BINS = ((1, "#f2f0f7", "0"), (3, "#cbc9e2", "1–2"), (6, "#9e9ac8", "3–5"),
               (11, "#756bb1", "6–10"), (10**9, "#54278f", "11 +"))
_SERVICE = "#1b9e77"
_DEMAND = "#5e3c99"
_DIGITS = 2  # decimals of every coordinate on the leadership map (≈ 1 km)

# --------------------------------------------------------------------------- leadership


def _recommendation_layer(collection: dict) -> folium.FeatureGroup:
    """Ranked expansion actions as numbered markers with their gain, cost and lead time."""
    group = folium.FeatureGroup(name="Recommended actions (expansion study)", show=True)
    for feat in collection.get("features", []):
        lon, lat = feat["geometry"]["coordinates"]
        p = feat["properties"]
        rank = p.get("rank", "")
        tip = "<br>".join(html_text(x) for x in (
            f"#{rank} {p.get('label', '')}", p.get("place", ""),
            f"cost ${float(p.get('cost', 0) or 0):,.0f}, lead time {p.get('lead_weeks', '?')} weeks",
            f"+{p.get('visits_per_week_absorbed', 0)} visits/week absorbed, "
            f"+{p.get('patients_covered', 0)} patients covered"))
        icon = folium.DivIcon(html=(f'<div class="hai-recommendation" style="background:#7b3294;color:#fff;'
                                    f'border-radius:3px;padding:1px 4px;font:bold 11px sans-serif;'
                                    f'border:1px solid #fff">{html_text(rank)}</div>'),
                              icon_size=(22, 16), icon_anchor=(11, 8))
        folium.Marker([lat, lon], icon=icon, tooltip=tooltip(tip)).add_to(group)
    return group


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
    share = f"covered_{cutoff}min"
    by_state = view.by_state.set_index("state")
    with_patients = [s for s in by_state.index if by_state.loc[s, "patients"] > 0]

    m = OfflineMap(location=[39.0, -96.0], zoom_start=4, control_scale=True, prefer_canvas=False)
    base_layers(m, with_patients, tiles=tiles, digits=_DIGITS)

    # ---- state choropleths
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
            "based": int(r["nurses_based"]), "single": int(r["single_nurse_patients"]),
            "none": int(r["no_nurse_patients"]),
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

    # ---- county demand: proportional circles at the county's representative point
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

    # ---- nurse service areas and homes (staff data, rounded)
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
    if recommendations:
        _recommendation_layer(recommendations).add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    legend = (
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
    Legend(legend, "bottomleft").add_to(m)
    t = view.totals
    sub = (f"Data as of {view.as_of.isoformat()} · {int(t['patients'])} patients in {int(t['states'])} states, "
           f"{int(t['nurses'])} nurses · covered within "
           + " / ".join(f"{c}" for c in view.cutoffs) + " min: "
           + " / ".join(pct(t[f'covered_{c}min']) for c in view.cutoffs)
           + f" · single-nurse patients {int(t['single_nurse_patients'])}, no nurse {int(t['no_nurse_patients'])}")
    title_box(m, title, sub)
    if with_patients:
        b = [geoms[s].bounds for s in with_patients if s in geoms and s not in ("AK", "HI")]
        if b:
            m.fit_bounds([[min(x[1] for x in b), min(x[0] for x in b)],
                          [max(x[3] for x in b), max(x[2] for x in b)]])
    return m


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
    color = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(nurse_ids)}
    states = {roster.patient(v.patient_id).state for v in plan.visits} | {u.state for u in plan.unassigned}
    states |= {roster.nurse(n).home_state for n in nurse_ids}

    m = OfflineMap(location=[39.0, -96.0], zoom_start=4, control_scale=True)
    base_layers(m, states, tiles=tiles, digits=4)

    pids = sorted({v.patient_id for v in plan.visits} | {u.patient_id for u in plan.unassigned})
    pts = {pid: (roster.patient(pid).lat, roster.patient(pid).lon) for pid in pids}
    areas = dict(zip(pids, area_labels([pts[p] for p in pids], [roster.patient(p).state for p in pids])))

    def leg(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
        if provider is not None and hasattr(provider, "route"):
            try:
                return [tuple(p) for p in provider.route(a, b)]  # type: ignore[misc]
            except Exception:  # an unreachable leg is drawn straight
                return [a, b]
        return [a, b]

    by_day: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for v in plan.visits:
        by_day[v.date][v.nurse_id].append(v)
    nd_by_key = {(d.nurse_id, d.date): d for d in plan.nurse_days}
    routes_js: list[tuple[str, str, str]] = []
    all_points: list[tuple[float, float]] = []
    first = True
    for day in sorted(by_day):
        nurses_today = by_day[day]
        n_vis = sum(len(v) for v in nurses_today.values())
        day_fg = folium.FeatureGroup(
            name=f"{day:%a %d %b}: {len(nurses_today)} route(s), {n_vis} visit(s)", show=first)
        first = False
        for nid in sorted(nurses_today):
            visits = sorted(nurses_today[nid], key=lambda v: v.seq)
            nurse = roster.nurse(nid)
            home = (nurse.lat, nurse.lon)
            sub = folium.FeatureGroup(name=f"{nid} {day}", control=False)
            path: list[tuple[float, float]] = [home]
            stops = [home] + [pts[v.patient_id] for v in visits] + [home]
            for a, b in zip(stops[:-1], stops[1:]):
                path.extend(leg(a, b)[1:])
            nd = nd_by_key.get((nid, day))
            tip = (f"{nid} · {day:%a %d %b} · {len(visits)} visit(s)"
                   + (f" · depart {nd.depart:%H:%M}, back {nd.return_:%H:%M} · drive {nd.drive_minutes} min, "
                      f"{nd.drive_km:.0f} km" if nd else ""))
            folium.PolyLine(path, color=color[nid], weight=3, opacity=0.85, tooltip=tooltip(html_text(tip)),
                            class_name="hai-route").add_to(sub)
            for v in visits:
                rows = [("Nurse", nid), ("Day", f"{v.date:%a %Y-%m-%d}"), ("Stop", v.seq),
                        ("Arrive", f"{v.arrival:%H:%M}"), ("Visit", f"{v.start:%H:%M}–{v.end:%H:%M}"),
                        ("Area", areas[v.patient_id]), ("Infusate", v.infusate.replace("_", " ")),
                        ("Window", f"{v.window_start} – {v.window_end}"), ("Pump empty", v.empty_date),
                        ("Reserve days left", v.reserve_days_left),
                        ("Drive from previous", f"{v.travel_minutes} min, {v.travel_km:.0f} km")]
                if v.alarm:
                    rows.append(("ALARM", v.alarm.replace("_", " ")))
                marker = folium.Marker(
                    pts[v.patient_id],
                    icon=folium.DivIcon(
                        html=f'<div class="hai-stop" style="background:{color[nid]}">{v.seq}</div>',
                        icon_size=(22, 22), icon_anchor=(11, 11), class_name="hai-stop-icon"),
                    tooltip=tooltip(html_text(f"{nid} stop {v.seq}: {v.patient_id}")),
                ).add_to(sub)
                Popup(popup_table(rows, f"Patient {v.patient_id}"), 360).add_to(marker)
                all_points.append(pts[v.patient_id])
            sub.add_to(day_fg)
            routes_js.append((nid, sub.get_name(), day_fg.get_name()))
        day_fg.add_to(m)

    homes = folium.FeatureGroup(name="Nurse home bases", show=True)
    for nid in nurse_ids:
        n = roster.nurse(nid)
        days = sum(1 for d in plan.nurse_days if d.nurse_id == nid)
        vis = sum(1 for v in plan.visits if v.nurse_id == nid)
        folium.Marker([n.lat, n.lon],
                      icon=folium.DivIcon(html=f'<div class="hai-home" style="background:{color[nid]}">H</div>',
                                          icon_size=(20, 20), icon_anchor=(10, 10), class_name="hai-home-icon"),
                      tooltip=tooltip(html_text(f"{nid} home ({n.home_state}) · {days} day(s), {vis} visit(s)"))
                      ).add_to(homes)
        all_points.append((n.lat, n.lon))
    homes.add_to(m)

    un = folium.FeatureGroup(name=f"Unassigned refills ({len(plan.unassigned)})", show=True)
    for u in plan.unassigned:
        rows = [("Reason", str(u.reason).replace("_", " ")), ("Detail", u.detail), ("Area", areas[u.patient_id]),
                ("Window", f"{u.window_start} – {u.window_end}"), ("Pump empty", u.empty_date),
                ("Reserve days left at window end", u.reserve_days_left)]
        marker = folium.Marker(
            pts[u.patient_id],
            icon=folium.DivIcon(html='<div class="hai-unassigned">!</div>', icon_size=(22, 22),
                                icon_anchor=(11, 11), class_name="hai-unassigned-icon"),
            tooltip=tooltip(html_text(f"UNASSIGNED {u.patient_id}: {str(u.reason).replace('_', ' ')}")),
        ).add_to(un)
        Popup(popup_table(rows, f"Unassigned: patient {u.patient_id}"), 380).add_to(marker)
        all_points.append(pts[u.patient_id])
    un.add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    NurseFilter(routes_js, nurse_ids).add_to(m)
    reasons: dict[str, int] = defaultdict(int)
    for u in plan.unassigned:
        reasons[str(u.reason).replace("_", " ")] += 1
    legend = (
        swatches("Routes (one colour per nurse)", [(color[n], n) for n in nurse_ids[:12]]
                  + ([("#fff", f"… {len(nurse_ids) - 12} more")] if len(nurse_ids) > 12 else []))
        + "<h4>Stops</h4><div>numbered in visit order; H = nurse home</div>"
        + swatches("Unassigned refills", [("#c00", f"{k}: {v}") for k, v in sorted(reasons.items())]
                    or [("#c00", "none")], circle=True, outline=True)
    )
    Legend(legend, "bottomleft").add_to(m)
    end = plan.horizon_start.toordinal() + plan.horizon_days - 1
    from datetime import date as _date

    k = plan.kpis()
    title_box(m, title, f"{plan.horizon_start} – {_date.fromordinal(end)} · {k['visits']} visits of "
                     f"{k['refills_due']} refills due · {k['nurses_used']} nurses · "
                     f"{k['unassigned']} unassigned")
    if all_points:
        lats = [p[0] for p in all_points]
        lons = [p[1] for p in all_points]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    return m
