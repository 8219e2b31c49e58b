"""Towns a trip of several nights may lodge at on the way (issue 13 item 1).

A patient farther than a working day's drive from every nurse who may make her refill is
reached by a trip of several nights (:mod:`optimizer.planning.waypoints`); each night before
the visit ends where the day's drive gets the nurse farthest toward the patient. Patient
homes serve as such waypoints where the roster has them; between them, across the rural
stretches that make the trip necessary, there are often none. The towns here fill the gaps:
the US populated places (GeoNames, via :func:`geodata.places.places`) of more than
:data:`~optimizer.settings.LODGING_TOWN_MIN_POPULATION` inhabitants (a town that size has
lodging), the largest in each cell of :data:`~optimizer.settings.LODGING_TOWN_CELL_DEG`
degrees. The list depends on the settings only, not on the roster, so a re-plan reads a
previous plan's nights at a town on the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from geodata.places import places
from optimizer import settings

__all__ = ["Town", "lodging_towns"]


@dataclass(frozen=True, slots=True)
class Town:
    """A place a nurse may stay the night on the way: name, state, and its point."""

    name: str
    state: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        """``"Name, ST"``."""
        return f"{self.name}, {self.state}"


def lodging_towns(*, min_population: int | None = None, cell_deg: float | None = None) -> tuple[Town, ...]:
    """The lodging towns: the largest place of each cell over ``min_population`` inhabitants.

    Parameters
    ----------
    min_population
        Places of more inhabitants only; :data:`~optimizer.settings.LODGING_TOWN_MIN_POPULATION`
        when ``None``.
    cell_deg
        Side of the latitude × longitude cells, in degrees;
        :data:`~optimizer.settings.LODGING_TOWN_CELL_DEG` when ``None``.

    Returns
    -------
    tuple[Town, ...]
        In a fixed order (by population, then GeoNames id); empty when ``cell_deg`` is not positive.
    """
    pop = settings.LODGING_TOWN_MIN_POPULATION if min_population is None else min_population
    cell = settings.LODGING_TOWN_CELL_DEG if cell_deg is None else cell_deg
    return _towns(int(pop), float(cell))


@lru_cache(maxsize=4)
def _towns(min_population: int, cell_deg: float) -> tuple[Town, ...]:
    if not cell_deg > 0:
        return ()
    df = places(min_population=min_population)
    df = df[df["population"] > min_population]
    key = (np.floor(df["lat"] / cell_deg).astype(np.int64).astype(str) + ":"
           + np.floor(df["lon"] / cell_deg).astype(np.int64).astype(str))
    df = (df.assign(_cell=key).sort_values(["population", "geonameid"], ascending=[False, True], kind="stable")
          .drop_duplicates("_cell"))
    return tuple(Town(str(n), str(s), float(a), float(o))
                 for n, s, a, o in zip(df["name"], df["state"], df["lat"], df["lon"]))
