"""Colours and marker shapes of the maps: one colour per route, one marker per unassigned reason.

* :data:`PALETTE` — 20 colours far apart in hue and lightness (after Sasha
  Trubetskoy's "20 simple distinct colours"), so up to 20 nurses on one map never
  share a colour; :func:`route_colors` gives the 21st nurse onward the colour used
  farthest from its home, so neighbouring routes still differ.
* :func:`reason_icon` — the marker of an unassigned refill: its own shape, colour
  and letter per reason, drawn the same on the map and in the legend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from geodata.travel import haversine_km
from optimizer.report._escape import html_text

__all__ = ["PALETTE", "REASON_STYLES", "ACTION_STYLES", "route_colors", "text_color", "reason_icon",
           "reason_label", "action_icon"]

#: Route colours, ordered so that neighbours in the list differ most.
PALETTE: tuple[str, ...] = (
    "#e6194b", "#4363d8", "#3cb44b", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
    "#000075", "#bfef45", "#800000", "#469990", "#ffe119", "#808000", "#fabed4", "#a9a9a9",
    "#dcbeff", "#000000", "#aaffc3", "#ffd8b1",
)

#: reason → (shape, fill colour, letter, legend text). Shapes: square, diamond, triangle, circle, hexagon.
REASON_STYLES: dict[str, tuple[str, str, str, str]] = {
    "no_licensed_nurse": ("square", "#b2182b", "L", "no licensed nurse"),
    "no_certified_nurse": ("diamond", "#762a83", "C", "no certified nurse"),
    "out_of_reach": ("triangle", "#e66101", "R", "out of reach"),
    "no_capacity_in_window": ("hexagon", "#2166ac", "F", "no capacity in window (nurses full)"),
    "window_closed": ("circle", "#111111", "!", "window already closed"),
    "patient_away": ("square", "#1b7837", "A", "patient away"),
}
_OTHER_REASON = ("circle", "#666666", "?", "")

#: expansion action → (colour, legend text)
ACTION_STYLES: dict[str, tuple[str, str]] = {
    "hire": ("#7b3294", "hire a nurse (at a public place)"),
    "license": ("#008837", "license a nurse in a state"),
    "hai_cert": ("#0571b0", "HAI-certify a nurse"),
    "chemo_cert": ("#ca0020", "chemo-certify a nurse"),
}


def text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#rrggbb``)."""
    r, g, b = (int(background[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else "#fff"


def route_colors(ids: Sequence[str], homes: Mapping[str, tuple[float, float]],
                 *, palette: Sequence[str] = PALETTE) -> dict[str, str]:
    """A colour per nurse: all distinct up to ``len(palette)``; beyond, far from its namesakes.

    Parameters
    ----------
    ids
        Nurse ids, in the order colours are handed out.
    homes
        ``(lat, lon)`` of each nurse's home base.
    palette
        The colours.

    Returns
    -------
    dict
        Nurse id → colour. Once every colour is taken, each further nurse gets the
        colour whose nearest holder is farthest from its home (max–min distance), so
        two routes that run side by side do not share a colour.
    """
    out: dict[str, str] = {}
    holders: dict[str, list[tuple[float, float]]] = {c: [] for c in palette}
    for i, nid in enumerate(ids):
        if i < len(palette):
            color = palette[i]
        else:
            lat, lon = homes[nid]

            def nearest_km(c: str) -> float:
                pts = np.asarray(holders[c], float)
                return float(haversine_km(lat, lon, pts[:, 0], pts[:, 1]).min())

            color = max(palette, key=nearest_km)
        out[nid] = color
        holders[color].append(tuple(homes[nid]))  # type: ignore[arg-type]
    return out


def reason_label(reason: str) -> str:
    """The legend text of a reason."""
    return REASON_STYLES.get(reason, _OTHER_REASON)[3] or reason.replace("_", " ")


def reason_icon(reason: str, *, size: int = 22, key: bool = False) -> str:
    """The HTML of an unassigned refill's marker; ``key=True``: the same shape for the legend."""
    shape, fill, letter, _ = REASON_STYLES.get(reason, _OTHER_REASON)
    safe = "".join(ch if ch.isalnum() else "-" for ch in reason)[:40]
    kind = "hai-key" if key else "hai-unassigned"
    return (f'<div class="{kind} hai-shape hai-shape-{shape} hai-reason-{safe}" '
            f'style="width:{size}px;height:{size}px;line-height:{size}px;font-size:{max(9, size // 2 + 1)}px;'
            f'--hai-fill:{fill};color:{text_color(fill)}"><span>{html_text(letter)}</span></div>')


def action_icon(action: str, rank: object) -> str:
    """The HTML of a ranked expansion action's marker: its rank on the action's colour."""
    fill = ACTION_STYLES.get(action, ("#555555", ""))[0]
    return (f'<div class="hai-recommendation" style="background:{fill};color:#fff;border-radius:3px;'
            f'padding:1px 4px;font:bold 11px/14px sans-serif;border:1px solid #fff;text-align:center">'
            f'{html_text(rank)}</div>')
