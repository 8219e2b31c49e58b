"""De-identified outputs of a study: recommendations and state tables (CSV), map layer (GeoJSON), summary (JSON).

They carry no patient id and no patient coordinate: hire sites are public
places; existing nurses are shown at the nearest town.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import geodata
from optimizer.domain import Partner
from optimizer.analysis.expansion.model import ExpansionProblem
from optimizer.analysis.expansion.rank import ExpansionResult
from optimizer.analysis.expansion.sites import nearest
from optimizer.io.cells import write_csv

__all__ = ["map_layer", "write_expansion"]


def _nurse_towns(problem: ExpansionProblem, nurse_ids: set[str]) -> dict[str, tuple[str, float, float]]:
    """Nearest town (name, lat, lon) to each nurse's home: maps never show a home address."""
    out: dict[str, tuple[str, float, float]] = {}
    by_id = {n.nurse_id: n for n in problem.servers}
    for nid in sorted(nurse_ids):
        n = by_id.get(nid)
        if n is None:
            continue
        towns = geodata.places(states=[n.home_state], min_population=5000)
        if not len(towns):
            towns = geodata.places(states=[n.home_state])
        if not len(towns):
            continue
        j = int(nearest(np.array([n.lat]), np.array([n.lon]), towns.lat.to_numpy(), towns.lon.to_numpy())[0])
        row = towns.iloc[j]
        out[nid] = (str(row["name"]), round(float(row.lat), 4), round(float(row.lon), 4))
    return out


def _partner_point(partner: Partner) -> tuple[float, float]:
    """Where a partner team shows on the map: its circle's center, else its state's largest town."""
    if partner.lat is not None and partner.lon is not None:
        return partner.lat, partner.lon
    towns = geodata.places(states=[partner.state])
    if not len(towns):  # pragma: no cover - every state has places
        return 0.0, 0.0
    row = towns.sort_values("population", ascending=False).iloc[0]
    return float(row.lat), float(row.lon)


def map_layer(result: ExpansionResult) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the ranked actions (de-identified).

    Hires are points at their site (a public place); licenses and certifications
    at the nearest town of the nurse's home. Properties mirror the CSV.
    """
    recs = result.recommendations
    towns = _nurse_towns(result.problem, {r for r in recs.nurse_id if r})
    feats = []
    by_key = {a.key: a for a in result.actions}
    keys = [a.key for a in result.actions]
    for (_, row), key in zip(recs.iterrows(), keys):
        a = by_key[key]
        if a.site is not None:
            lon, lat, place = a.site.lon, a.site.lat, f"{a.site.name}, {a.state}"
        elif a.partner is not None:  # a partner team: at the center of its area, else of its state
            lat, lon = _partner_point(a.partner)
            place = f"{a.partner.partner}, {a.state}"
        elif a.nurse_id in towns:
            name, lat, lon = towns[a.nurse_id]
            place = f"near {name}"
        else:  # pragma: no cover - every existing nurse has a home state with towns
            continue
        props = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        props["place"] = place
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 4), round(lat, 4)]},
                      "properties": props})
    return {"type": "FeatureCollection", "features": feats,
            "properties": {"layer": "expansion_recommendations", "mode": result.mode,
                           "budget": result.budget}}


def write_expansion(result: ExpansionResult, out_dir: str | Path, *, prefix: str = "") -> dict[str, Path]:
    """Write ``recommendations.csv``, ``expansion_by_state.csv``, ``recommendations.geojson``
    and ``expansion_summary.json`` into ``out_dir`` (names prefixed by ``prefix``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "recommendations": out / f"{prefix}recommendations.csv",
        "by_state": out / f"{prefix}expansion_by_state.csv",
        "map": out / f"{prefix}recommendations.geojson",
        "summary": out / f"{prefix}expansion_summary.json",
    }

    write_csv(result.recommendations, paths["recommendations"])
    write_csv(result.by_state, paths["by_state"])
    paths["map"].write_text(json.dumps(map_layer(result), indent=1), encoding="utf-8")
    paths["summary"].write_text(json.dumps(result.summary(), indent=1), encoding="utf-8")
    return paths
