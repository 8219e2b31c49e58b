"""The demo roster with every operational column filled (SPEC §4), planned greedily, once per process.

Each value carries a token no other output could hold by chance, so a scan for
it finds exactly where names, addresses, phones, notes and emails went.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tests.report._demo import demo


@dataclass(frozen=True)
class Contacts:
    roster: Any
    result: Any  # optimizer.api.PlanResult

    def patient_values(self) -> dict[str, list[str]]:
        """Kind → every patient value of that kind."""
        ps = self.roster.patients
        return {"name": [p.name for p in ps], "address": [p.address for p in ps],
                "phone": [p.phone for p in ps], "notes": [p.notes for p in ps]}

    def nurse_values(self) -> dict[str, list[str]]:
        ns = self.roster.nurses
        return {"name": [n.name for n in ns], "phone": [n.phone for n in ns], "email": [n.email for n in ns]}

    def tokens(self) -> list[str]:
        """Markers of every kind of operational value (each kind's values all hold its marker):
        none may appear in a leadership output or a log."""
        return list(MARKERS)


#: kind → a marker that every value of that kind holds (survives HTML, JSON, CSV and iCalendar escaping)
MARKERS = {"patient name": "Qwyneth", "address": "Xyloquay", "patient phone": "555-0142-",
           "notes": "Wqgatecode", "nurse name": "Vexworth", "nurse phone": "555-0199-",
           "email": "@nurses.example"}


def _patient(p: Any, i: int) -> Any:
    # odd patients' notes start with "=" (a formula probe) and every note holds markup (an HTML probe)
    return dataclasses.replace(
        p, name=f"Qwyneth Zarkov{i:03d}", address=f"{100 + i} Xyloquay Lane, Springfield",
        phone=f"555-0142-{i:04d}",
        notes=("=" if i % 2 else "") + f"Wqgatecode {i:03d}; <b onmouseover=alert({i})>dog</b> named Brisk")


def _nurse(n: Any, i: int) -> Any:
    return dataclasses.replace(n, name=f"Yolanda Vexworth{i:02d}", phone=f"555-0199-{i:02d}",
                               email=f"yvex{i:02d}@nurses.example")


@lru_cache(maxsize=1)
def contacts() -> Contacts:
    """The demo roster with names, addresses, phones, notes and emails, planned like the demo."""
    from optimizer import api
    from optimizer.domain import Roster
    from optimizer.planning.planner import SolverOptions

    d = demo()
    r = d.roster
    roster = Roster(patients=tuple(_patient(p, i) for i, p in enumerate(r.patients)),
                    nurses=tuple(_nurse(n, i) for i, n in enumerate(r.nurses)),
                    time_off=r.time_off, patient_away=r.patient_away, confirmed_visits=r.confirmed_visits,
                    holidays=r.holidays)
    horizon = api.horizon_for(d.scenario)
    result = api.plan(roster, start=horizon.start, days=horizon.days, provider=d.provider,
                      rules=d.scenario.window_rules(), options=SolverOptions(backend="greedy"))
    return Contacts(roster, result)
