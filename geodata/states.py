"""US state codes (50 states and DC), from the ``us`` package."""

from __future__ import annotations

import us

#: Two-letter codes of the 50 states and DC.
STATE_CODES: frozenset[str] = frozenset(
    [s.abbr for s in us.states.STATES] + ["DC"]
)

#: Code → name.
STATE_NAMES: dict[str, str] = {s.abbr: s.name for s in us.states.STATES} | {"DC": "District of Columbia"}

#: Code → FIPS code (two digits).
STATE_FIPS: dict[str, str] = {s.abbr: s.fips for s in us.states.STATES} | {"DC": "11"}
