"""Best-solution exchange between the runs of a PyVRP portfolio (:func:`~optimizer.routing._pyvrp_search.portfolio`).

Independent seeds only keep the best of ``workers`` runs at the end. Here the runs
meet ``exchanges`` times, evenly spaced over the limit (or over the iteration budget,
which keeps ``max_iterations`` runs deterministic): each sends its best solution to
the first run (the hub), the hub sends the best of all back, and a run whose own
best is worse continues from it (island model with full migration). Waits are
bounded by the deadline, so a late or dead helper only costs its own answer.
"""

from __future__ import annotations

import time
from typing import Any

from pyvrp import CostEvaluator
from pyvrp import Route as PRoute
from pyvrp import Solution as PSolution

from ._pyvrp_data import PyvrpData

__all__ = ["Exchange", "Offer"]

Offer = tuple[float, int, list[tuple[int, list[int]]]]
"""A run's best as ``(cost, seed, routes)``: cost inf if infeasible, routes as ``(vehicle type, clients)``."""

MAX_WAIT_S: float = 2.0
"""Longest wait for the other runs at a meeting in a timed run (they arrive within an iteration)."""


class Exchange:
    """One run's side of the exchange: when the next meeting is due, and the meeting itself.

    Parameters
    ----------
    built
        The PyVRP data (to rebuild a received solution).
    peers
        Connections to the helpers (hub) or to the hub (a helper: one).
    hub
        Whether this run collects the offers and answers them.
    seed
        This run's seed (equal costs go to the lower seed).
    exchanges
        Meetings per run, evenly spaced.
    deadline, max_iterations
        The run's limits (``time.perf_counter()`` value, iteration budget); meetings
        are spaced by iterations when ``max_iterations`` is set, else by time.
    """

    def __init__(self, built: PyvrpData, peers: list[Any], *, hub: bool, seed: int, exchanges: int,
                 deadline: float | None, max_iterations: int | None):
        self.built = built
        self.peers = list(peers)
        self.hub = hub
        self.seed = seed
        self.epoch = 0
        self.deadline = deadline
        self.finals: dict[int, tuple[str, Any]] = {}  # helper answers that came in place of an offer
        self.by_iters = max_iterations is not None or deadline is None
        start = time.perf_counter()
        n = max(0, int(exchanges))
        if max_iterations is not None:
            self.marks: list[float] = [round(k * max_iterations / (n + 1)) for k in range(1, n + 1)]
        elif deadline is not None:
            self.marks = [start + k * (deadline - start) / (n + 1) for k in range(1, n + 1)]
        else:
            self.marks = []

    def due(self, iters: int) -> bool:
        """Whether the next meeting is due after ``iters`` iterations (or now)."""
        if self.epoch >= len(self.marks) or not self.peers:
            return False
        now = float(iters) if self.by_iters else time.perf_counter()
        return now >= self.marks[self.epoch]

    def swap(self, best: PSolution) -> PSolution | None:
        """Meet the other runs; the portfolio's best if it beats ``best``, else ``None``."""
        self.epoch += 1
        mine: Offer = (_cost(self.built, best), self.seed, [(int(r.vehicle_type()), [int(x) for x in r.visits()])
                                                for r in best.routes()])
        if self.hub:
            offers = [mine]
            for conn in list(self.peers):
                got = self._receive(conn)
                if got is not None:
                    offers.append(got)
            chosen = min(offers, key=lambda o: (o[0], o[1]))
            for conn in list(self.peers):
                self._send(conn, chosen)
        else:
            self._send(self.peers[0], mine)
            chosen = (self._receive(self.peers[0]) if self.peers else None) or mine
        if chosen[1] == self.seed or not chosen[0] < mine[0]:
            return None
        return _solution(self.built, chosen[2])

    def _send(self, conn: Any, offer: Offer) -> None:
        try:
            conn.send(("x", self.epoch, offer))
        except (OSError, ValueError):
            self._drop(conn)

    def _receive(self, conn: Any) -> Offer | None:
        """This meeting's offer on ``conn``; older offers are skipped, a final answer is kept aside."""
        while True:
            wait = None
            if not self.by_iters:
                assert self.deadline is not None
                wait = max(0.0, min(MAX_WAIT_S, self.deadline - time.perf_counter()))
            try:
                if not conn.poll(wait):
                    return None
                msg = conn.recv()
            except (EOFError, OSError):
                self._drop(conn)
                return None
            if msg[0] == "x" and msg[1] == self.epoch:
                return msg[2]
            if msg[0] != "x":  # the helper finished (or failed) early
                self.finals[id(conn)] = msg
                self._drop(conn)
                return None

    def _drop(self, conn: Any) -> None:
        if conn in self.peers:
            self.peers.remove(conn)


def _cost(built: PyvrpData, sol: PSolution) -> float:
    """The solution's cost without penalties, inf if infeasible."""
    assert built.data is not None
    if not sol.is_feasible():
        return float("inf")
    return float(CostEvaluator([0] * built.data.num_load_dimensions, 0, 0).cost(sol))


def _solution(built: PyvrpData, routes: list[tuple[int, list[int]]]) -> PSolution | None:
    """A PyVRP solution from ``(vehicle type, clients)`` routes (``None`` if they do not fit the data)."""
    assert built.data is not None
    try:
        return PSolution(built.data, [PRoute(built.data, visits, vtype) for vtype, visits in routes if visits])
    except (ValueError, RuntimeError, IndexError):
        return None
