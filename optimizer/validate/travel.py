"""Travel times for the checks: only the pairs they read, never a matrix over every home."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from geodata.travel.base import pairwise
from optimizer import settings
from optimizer.domain import Nurse, Patient, Roster, minutes_of
from optimizer.validate.clock import window_on_nurse_clock

__all__ = ["Point", "Travel", "fits_alone", "plan_pairs"]

Point = tuple[float, float]


class Travel:
    """Provider times between ``(lat, lon)`` points, pair by pair.

    Only the pairs the checks read are computed (the plan's legs, and the nurse ↔
    patient pairs behind an unassigned reason), in batches through the provider's
    pairwise face: no matrix over all the roster's homes.
    """

    def __init__(self, provider) -> None:
        self.provider = provider
        self.cache: dict[tuple[Point, Point], tuple[float, float]] = {}

    def prime(self, pairs: Iterable[tuple[Point, Point]]) -> None:
        """Compute the ``(from, to)`` pairs not known yet, in one batch."""
        todo = [ab for ab in dict.fromkeys(pairs) if ab not in self.cache]
        if not todo:
            return
        minutes, km = pairwise(self.provider, [a for a, _ in todo], [b for _, b in todo])
        self.cache.update(zip(todo, zip(minutes.tolist(), km.tolist())))

    def __call__(self, a: Point, b: Point) -> tuple[float, float]:
        hit = self.cache.get((a, b))
        if hit is None:
            self.prime([(a, b)])
            hit = self.cache[(a, b)]
        return hit


def plan_pairs(roster: Roster, visits: list[dict[str, str]]) -> list[tuple[Point, Point]]:
    """Every leg the checks read: home → patient for each visit, and each route's legs in seq order."""
    routes: dict[tuple[str, str], list[tuple[int, Point]]] = defaultdict(list)
    pairs = []
    for v in visits:
        nid, pid = v["nurse_id"], v["patient_id"]
        if not (roster.has_nurse(nid) and roster.has_patient(pid)):
            continue
        n, p = roster.nurse(nid), roster.patient(pid)
        pairs.append(((n.lat, n.lon), (p.lat, p.lon)))
        try:
            routes[(nid, v["date"])].append((int(v["seq"]), (p.lat, p.lon)))
        except ValueError:
            continue
    for (nid, _), stops in routes.items():
        home = (roster.nurse(nid).lat, roster.nurse(nid).lon)
        pts = [home, *(pt for _, pt in sorted(stops)), home]
        pairs += list(zip(pts[:-1], pts[1:]))
    return pairs


def fits_alone(n: Nurse, p: Patient, out_m: float, back_m: float, days: Iterable[date] = ()) -> bool:
    """Whether a day with this one visit fits the nurse's shift and the patient's arrival window
    (on the nurse's clock on one of ``days``; as written when none is given)."""
    if math.isnan(out_m) or math.isnan(back_m):
        return False
    windows = {window_on_nurse_clock(n, p, d) for d in days} or \
        {(minutes_of(p.earliest_arrival), minutes_of(p.latest_arrival))}
    return any(_fits_window(n, p, out_m, back_m, lo, hi) for lo, hi in sorted(windows))


def _fits_window(n: Nurse, p: Patient, out_m: float, back_m: float, lo: int, hi: int) -> bool:
    """:func:`fits_alone` with the arrival window ``lo``..``hi`` on the nurse's clock."""
    out_c, back_c = math.ceil(out_m - 1e-6), math.ceil(back_m - 1e-6)
    limit = minutes_of(n.shift_end) + n.max_overtime_minutes
    # the break of a day longer than BREAK_AFTER_WORK_MINUTES: at the door, before or after the visit
    brk = n.break_minutes if out_c + p.visit_minutes + back_c > settings.BREAK_AFTER_WORK_MINUTES else 0
    for pause_first in (0, brk):
        start = max(minutes_of(n.shift_start) + out_c + pause_first, lo)
        if start <= hi and \
                start + p.visit_minutes + (brk - pause_first) + back_c <= limit:
            return True
    return False
