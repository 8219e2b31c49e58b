"""Best-solution exchange between the runs of the PyVRP portfolio (issue 14 item 1)."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyvrp")

from pyvrp import Route as PRoute  # noqa: E402
from pyvrp import Solution as PSolution  # noqa: E402

from optimizer.routing import Model  # noqa: E402
from optimizer.routing._pyvrp_data import PyvrpData  # noqa: E402
from optimizer.routing._pyvrp_exchange import Exchange  # noqa: E402
from test_pyvrp_engine import _nurse_days  # noqa: E402


def _line(n: int = 6) -> Model:
    """One depot at 0 and ``n`` visits on a line; two vehicles, no windows that bind."""
    m = Model()
    for k in range(n + 1):
        m.add_location(float(k), 0.0)
    pos = np.arange(n + 1)
    gaps = np.abs(pos[:, None] - pos[None, :]).astype(np.int64)
    m.set_matrices(gaps, 1000 * gaps)
    for _ in range(2):
        m.add_vehicle(start=0, end=0, tw_early=0, tw_late=10_000, cost_per_distance_unit=1.0)
    for k in range(1, n + 1):
        m.add_visit(location=k, tw_early=0, tw_late=10_000, service=1)
    return m


def _solutions(built: PyvrpData) -> tuple[PSolution, PSolution]:
    """A good solution (one sweep out and back) and a bad one (zig-zag over two routes)."""
    assert built.data is not None
    clients = list(range(built.num_depots, built.data.num_locations))
    good = PSolution(built.data, [PRoute(built.data, clients, 0)])
    bad = PSolution(built.data, [PRoute(built.data, clients[::2][::-1] + clients[1::2], 0)])
    return good, bad


def _meet(built: PyvrpData, hub_best: PSolution, helper_best: PSolution) -> tuple[Any, Any, Exchange]:
    """One meeting between a hub and a helper (a thread); what each continues from."""
    hub_end, helper_end = multiprocessing.Pipe(duplex=True)
    hub = Exchange(built, [hub_end], hub=True, seed=0, exchanges=1, deadline=None, max_iterations=10)
    helper = Exchange(built, [helper_end], hub=False, seed=1, exchanges=1, deadline=None, max_iterations=10)
    assert not hub.due(4) and hub.due(5)  # one meeting, half-way through the budget
    out: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: out.__setitem__("helper", helper.swap(helper_best)))
    thread.start()
    out["hub"] = hub.swap(hub_best)
    thread.join(timeout=30)
    assert not hub.due(10) and not helper.due(10)  # no second meeting
    return out["hub"], out["helper"], hub


def test_the_worse_run_continues_from_the_better_ones_best():
    built = PyvrpData(_line(), max_matrix_bytes=1e8)
    good, bad = _solutions(built)
    assert good.distance() < bad.distance()
    hub_gets, helper_gets, _ = _meet(built, hub_best=bad, helper_best=good)
    assert helper_gets is None  # its own best is the portfolio's
    assert hub_gets is not None and hub_gets.distance() == good.distance()
    assert [r.visits() for r in hub_gets.routes()] == [r.visits() for r in good.routes()]
    hub_gets, helper_gets, _ = _meet(built, hub_best=good, helper_best=bad)
    assert hub_gets is None and helper_gets is not None and helper_gets.distance() == good.distance()


def test_a_helper_that_finished_early_is_kept_aside_not_waited_for():
    built = PyvrpData(_line(), max_matrix_bytes=1e8)
    good, _ = _solutions(built)
    hub_end, helper_end = multiprocessing.Pipe(duplex=True)
    helper_end.send(("ok", "answer"))  # the helper's final answer arrives instead of an offer
    hub = Exchange(built, [hub_end], hub=True, seed=0, exchanges=2, deadline=None, max_iterations=9)
    assert hub.swap(good) is None
    assert hub.finals[id(hub_end)] == ("ok", "answer")
    assert not hub.due(9)  # no peers left to meet


def test_portfolio_with_exchanges_is_deterministic_and_not_worse_than_its_first_seed():
    m = _nurse_days(days=2, patients=12, seed=3)
    opts = {"pyvrp": {"workers": 2, "exchanges": 3}}
    one = m.solve("pyvrp", max_iterations=200, seed=5, watchdog=None, fallback=None)
    two = m.solve("pyvrp", max_iterations=200, seed=5, watchdog=None, fallback=None, options=opts)
    again = m.solve("pyvrp", max_iterations=200, seed=5, watchdog=None, fallback=None, options=opts)
    assert two.ok and "run_costs=" in two.message, two.message
    assert [(r.vehicle, r.visits) for r in two.routes] == [(r.vehicle, r.visits) for r in again.routes]
    assert two.objective <= one.objective + 1e-6


def test_portfolio_with_exchanges_under_the_watchdog_returns_both_runs():
    m = _nurse_days(days=2, patients=8, seed=1)
    sol = m.solve("pyvrp", time_limit=3.0, fallback=None, options={"pyvrp": {"workers": 2, "exchanges": 3}})
    assert sol.ok and sol.backend == "pyvrp", sol.message
    assert "run_costs=" in sol.message  # the helper answered after the meetings


def test_a_failing_first_run_takes_its_helpers_down(monkeypatch: pytest.MonkeyPatch):
    import os

    from optimizer.routing import _pyvrp_search as search

    built = PyvrpData(_nurse_days(days=2, patients=8, seed=1), max_matrix_bytes=1e9)
    spec = search.SearchSpec(deadline=None, max_iterations=10**9, seed=0, num_neighbours=5, history_length=10,
                             num_iters_no_improvement=100, max_perturbations=3, penalty_init="usable",
                             penalty_updates=10, incumbent_every=1.0, exchanges=1)
    real, parent = search.ils, os.getpid()

    def failing(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() == parent:
            raise RuntimeError("boom")
        return real(*args, **kwargs)  # the helper: would run (and wait for its meeting) for ever

    monkeypatch.setattr(search, "ils", failing)
    with pytest.raises(RuntimeError, match="boom"):
        search.portfolio(built, spec, 2, _Silent())
    assert not multiprocessing.active_children()


class _Silent:
    def progress(self, message: str) -> None:
        pass

    def incumbent(self, routes: Any, cost: int | None = None) -> None:
        pass
