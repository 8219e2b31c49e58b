"""Load ``partners.csv`` (optional; issue 13 item 2): partner teams that refill pumps for a price.

Each row is a team with its area (a state, narrowed to a county FIPS code or to a circle of
``radius_km`` around ``lat``/``lon``), its price per visit, its lead time in days and whether it
may deliver floxuridine. Every problem is recorded with file, row and column, all at once, like
the other tables (:mod:`optimizer.io.roster`).
"""

from __future__ import annotations

import re

from geodata.states import STATE_FIPS
from optimizer import settings
from optimizer.domain import Partner
from optimizer.errors import ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._rows import Row, rows_of, unique_id
from optimizer.io._table import RawTable
from optimizer.io.load_report import LoadReport

__all__ = ["load_partners"]

_FIPS = re.compile(r"^\d{5}$")
_CIRCLE = ("lat", "lon", "radius_km")


def _county(row: Row, state: str | None) -> str | None:
    """The optional county: a 5-digit FIPS code whose first two digits are the state's."""
    text = row.text("county")
    if not text:
        return None
    padded = text.zfill(5) if text.isdigit() and len(text) == 4 else text  # a spreadsheet lost the zero
    if not _FIPS.match(padded):
        row.fail("county", f"not a 5-digit county FIPS code: {F.shown(text)} (e.g. 42003)")
        return None
    if state is not None and padded[:2] != STATE_FIPS.get(state, padded[:2]):
        row.fail("county", f"county {padded} is not in {state} (its FIPS codes start with {STATE_FIPS[state]})")
        return None
    return padded


def _circle(row: Row) -> tuple[float | None, float | None, float | None]:
    """``lat``, ``lon``, ``radius_km``: all three or none."""
    given = [c for c in _CIRCLE if row.text(c)]
    values = [row.get(c, F.ranged("partners", c)) for c in _CIRCLE]
    if given and len(given) < len(_CIRCLE):
        missing = [c for c in _CIRCLE if c not in given]
        row.fail(missing[0], f"a circular area needs lat, lon and radius_km together; {', '.join(missing)} "
                             "empty (or leave all three empty for the whole state or county)")
    return values[0], values[1], values[2]  # type: ignore[return-value]


def load_partners(table: RawTable, *, errors: ProblemCollector,
                  report: LoadReport | None = None) -> list[Partner]:
    """Partner teams of ``partners.csv``, in file order.

    Parameters
    ----------
    table
        The raw table.
    errors
        Collects every located problem (file, row, column).
    report
        Unknown columns and assumed values.

    Returns
    -------
    list of Partner
        The valid rows (all of them when ``errors`` stays empty).
    """
    out: list[Partner] = []
    seen: dict[str, int] = {}
    for row in rows_of(table, "partners", errors, report):
        name = unique_id(row, "partner", seen)
        state = row.get("state", F.parse_state, required=True)
        county = _county(row, state)  # type: ignore[arg-type]
        lat, lon, radius = _circle(row)
        cost = row.get("cost_per_visit", F.ranged("partners", "cost_per_visit"), required=True)
        lead = row.get("lead_days", F.ranged("partners", "lead_days"), required=True)
        chemo = row.get("chemo_certified", F.parse_bool, settings.CHEMO_CERTIFIED)
        if report is not None:
            report.assume("partners.chemo_certified", int(not row.text("chemo_certified")))
        if row.ok:
            out.append(Partner(partner=name, state=state, cost_per_visit=float(cost),  # type: ignore[arg-type]
                               lead_days=int(lead), county=county, lat=lat, lon=lon,  # type: ignore[arg-type]
                               radius_km=radius, chemo_certified=bool(chemo)))
    return out
