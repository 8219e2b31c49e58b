"""The watchdog for real: hung, crashed and failing backends are killed or caught, and the
solve falls back to another backend within the deadline."""

from __future__ import annotations

import os
import re
import threading
import time

import pytest

from optimizer.routing import BACKENDS, runner
from optimizer.routing.runner import _can_fork as can_fork
from tests.routing.conftest import line_model

MOD = "tests.routing.routing_test_backends"


@pytest.fixture
def model():
    m = line_model([0, 10, 20, 30])
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    m.add_vehicle(start=0, end=0, tw_early=0, tw_late=1000, cost_per_distance_unit=1)
    for loc in (1, 2, 3):
        m.add_visit(location=loc, tw_early=0, tw_late=1000)
    return m


@pytest.fixture(autouse=True)
def test_backends(monkeypatch):
    for name in ("hang", "hang_after_incumbent", "crash", "fail", "nothing", "worse", "whoami"):
        monkeypatch.setitem(BACKENDS, name, f"{MOD}:{name}")


@pytest.fixture(autouse=True, params=["fork", "fresh"])
def child_kind(request, monkeypatch) -> str:
    """Every watchdog test runs with both kinds of child: a fork of this process, a fresh interpreter."""
    monkeypatch.setattr(runner, "_can_fork", lambda: request.param == "fork")
    return request.param


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie would still answer; reaped children do not.
    return False


def test_hung_backend_is_killed_and_ortools_takes_over(model):
    lines: list[str] = []
    t0 = time.perf_counter()
    sol = model.solve("hang", time_limit=1, watchdog=3, fallback="ortools", progress=lines.append)
    elapsed = time.perf_counter() - t0
    assert sol.backend == "ortools" and sol.ok and sol.objective == 60
    assert "watchdog deadline of 3 s; killed" in sol.message
    pid = int(re.search(r"killed \(pid (\d+)\)", sol.message).group(1))
    assert _gone(pid)
    assert any("pretending to search" in ln for ln in lines)  # progress came through the pipe
    assert elapsed < 3 + 1 + 6  # deadline + fallback's limit + two interpreter start-ups


def test_hung_backend_leaves_its_incumbent_when_there_is_no_fallback(model):
    sol = model.solve("hang_after_incumbent", time_limit=1, watchdog=3, fallback=None)
    assert sol.backend == "hang_after_incumbent"
    assert sol.served == (0, 1) and sol.unserved == (2,)  # two vehicles, one visit each
    assert sol.status == "infeasible" and "required visit 2 not served" in sol.message
    assert "killed" in sol.message and "best incumbent" in sol.message


def test_fallback_starts_from_the_incumbent(model):
    sol = model.solve("hang_after_incumbent", time_limit=1, watchdog=3, fallback="ortools")
    assert sol.backend == "ortools" and sol.ok and sol.objective == 60


def test_crashed_backend_is_noticed_at_once(model):
    t0 = time.perf_counter()
    sol = model.solve("crash", time_limit=1, watchdog=60, fallback="ortools")
    assert time.perf_counter() - t0 < 15  # not the 60 s deadline
    assert sol.backend == "ortools" and sol.ok
    assert "crash: crashed (exit code 7)" in sol.message


@pytest.mark.parametrize("watchdog", [None, 30])
def test_failing_backend_falls_back_in_process_and_in_child(model, watchdog):
    sol = model.solve("fail", time_limit=1, watchdog=watchdog, fallback="ortools")
    assert sol.backend == "ortools" and sol.ok
    assert "fail: failed: RuntimeError: solver exploded" in sol.message


def test_no_solution_and_no_fallback_is_a_timeout_not_a_crash(model):
    sol = model.solve("nothing", time_limit=1, watchdog=None, fallback=None)
    assert sol.status == "timeout" and not sol.routes and sol.unserved == (0, 1, 2)
    assert "no first solution" in sol.message


def test_real_backends_run_in_the_child_process(model, backend):
    sol = model.solve(backend, time_limit=1, fallback=None)
    assert sol.backend == backend and sol.ok and sol.objective == 60
    assert "killed" not in sol.message


def test_unknown_backend_is_refused(model):
    with pytest.raises(KeyError, match="unknown routing backend"):
        model.solve("cplex", time_limit=1)


def test_a_valid_initial_solution_is_never_made_worse(model):
    start = model.build_solution([(0, [0, 1, 2])])  # 0→10→20→30→0 = 60
    assert start.ok and start.objective == 60
    sol = model.solve("worse", initial=start, watchdog=None, fallback=None)
    assert sol.objective == 60 and sol.routes == start.routes
    assert "worse than an earlier incumbent" in sol.message


def test_the_child_is_a_fork_or_a_fresh_interpreter(model, child_kind):
    lines: list[str] = []
    model.solve("whoami", time_limit=1, watchdog=30, fallback=None, progress=lines.append)
    fresh = any("main module: optimizer.routing._worker" in ln for ln in lines)
    assert any("main module:" in ln for ln in lines)
    assert fresh == (child_kind == "fresh")


def test_a_process_with_another_python_thread_is_not_forked():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    alone = threading.active_count() == 1
    assert can_fork() == alone
    other.start()
    try:
        assert not can_fork()  # a lock held by the other thread would stay held in the fork
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("limits", [{"time_limit": float("nan")}, {"time_limit": float("inf")},
                                    {"time_limit": 1, "watchdog": float("nan")}, {"time_limit": 1, "watchdog": 0}])
def test_limits_that_are_no_duration_are_refused(model, limits):
    # A NaN time limit made the watchdog's poll raise in the caller after starting the child.
    with pytest.raises(ValueError, match="must be a positive, finite number of seconds"):
        model.solve("ortools", **limits)
