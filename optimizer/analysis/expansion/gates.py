"""What stands between a server (a nurse, existing or hired) and the demand she could serve.

The rules themselves live in :mod:`optimizer.rules.eligibility` (SPEC §5: license or
compact, certification, reach); this module only asks them once per server and
per state, so that both the candidate-site search (who is covered today) and
the expansion model (which actions would open a pair) read the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Infusate, Nurse
from optimizer.rules.eligibility import is_certified_for, may_practice, within_reach
from optimizer.analysis.expansion.demand import Demand

__all__ = ["ServerAccess", "server_access"]


@dataclass(frozen=True)
class ServerAccess:
    """One server's access to the demand points.

    Parameters
    ----------
    reach
        Sorted indices of the demand points within the cutoff and the nurse's own drive limit.
    licensed
        For every state of a point in reach: whether she may practise there today.
    needs_hai
        She lacks the HAI certification every fill needs.
    needs_chemo
        She lacks the chemo certification floxuridine needs (besides HAI).
    """

    reach: NDArray[np.int64]
    licensed: dict[str, bool]
    needs_hai: bool
    needs_chemo: bool

    def eligible_now(self, demand: Demand) -> NDArray[np.bool_]:
        """Per point of :attr:`reach`: she may serve it without any action."""
        if self.needs_hai:
            return np.zeros(len(self.reach), dtype=bool)
        ok = np.fromiter((self.licensed[s] for s in demand.state[self.reach].tolist()), dtype=bool,
                         count=len(self.reach))
        if self.needs_chemo:
            ok &= ~demand.chemo[self.reach]
        return ok


def server_access(nurse: Nurse, demand: Demand, minutes: NDArray[np.float64], *, cutoff: float,
                  on: date) -> ServerAccess:
    """Ask the eligibility rules about ``nurse`` and every demand point once.

    Parameters
    ----------
    nurse
        The server.
    demand
        The demand points.
    minutes
        One-way drive minutes from her home to each point (``nan`` or ``inf``: unreachable).
    cutoff
        The study's drive-time cutoff, minutes one way.
    on
        Date licenses and compact membership are judged on.

    Returns
    -------
    ServerAccess
        Reach (:func:`~optimizer.rules.eligibility.within_reach`, checked only on points
        within the cutoff, so the scalar rule runs on the few pairs that matter),
        licenses by state (:func:`~optimizer.rules.eligibility.may_practice`) and the
        missing certifications (:func:`~optimizer.rules.eligibility.is_certified_for`).
    """
    row = np.asarray(minutes, dtype=np.float64)
    near = np.nonzero(row <= cutoff)[0]
    reach = np.asarray([i for i in near.tolist() if within_reach(nurse, float(row[i]))], dtype=np.int64)
    states = sorted(set(demand.state[reach].tolist()))
    licensed = {s: may_practice(nurse, s, on=on) for s in states}
    needs_hai = not is_certified_for(nurse, Infusate.SALINE)
    needs_chemo = not is_certified_for(replace(nurse, hai_certified=True), Infusate.FLOXURIDINE)
    return ServerAccess(reach=reach, licensed=licensed, needs_hai=needs_hai, needs_chemo=needs_chemo)
