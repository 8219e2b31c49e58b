"""Run a backend under a watchdog and fall back when it hangs, crashes or finds nothing.

Each backend call runs in a child process with a hard deadline: a fork of the caller
when it runs one thread, else a fresh interpreter (no inherited threads or locks, no
re-run of the caller's ``__main__``). The child streams progress lines and
incumbents (best routes so far) through a pipe; when the deadline passes the
child is killed, and the next backend is tried, starting from the best
incumbent seen. Backends do not model breaks and blocked time exactly, and not
all model the ``first`` flag of a visit: their routes are put in order
(:func:`~optimizer.routing.check.order_first`) and fitted to breaks and blocked
time (:func:`~optimizer.routing.check.fit_routes`) before they become solutions,
so that every backend's answer respects both; a visit the reordering cuts is
re-inserted where it fits best (:func:`~optimizer.routing.construct.reinsert`). ``watchdog=None`` runs in-process instead (fast, for small
models and tests; no protection against hangs).
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Literal

from optimizer._proc import die_with_parent

from .backends import FALLBACKS, BackendError, BackendFn, BackendResult, SolveRequest, lookup, resolve
from .check import fit_routes, order_first
from .construct import reinsert
from .solution import Solution

if TYPE_CHECKING:
    from .model import Model

NO_LIMIT_WATCHDOG_S: float = 1800.0
"""Watchdog deadline when there is no time limit (deterministic runs)."""


def auto_watchdog(time_limit: float | None) -> float:
    """Default deadline: ``time_limit * 1.5 + 30`` s, or 30 min without a time limit."""
    return NO_LIMIT_WATCHDOG_S if time_limit is None else time_limit * 1.5 + 30.0


def solve(
    model: "Model",
    backend: str = "ortools",
    *,
    time_limit: float | None = 10.0,
    max_iterations: int | None = None,
    seed: int = 0,
    watchdog: float | None | Literal["auto"] = "auto",
    initial: Solution | None = None,
    progress: Callable[[str], None] | None = None,
    fallback: str | None | Literal["auto"] = "auto",
    options: dict[str, dict[str, Any]] | None = None,
) -> Solution:
    """Solve ``model`` with the named backend, guarded by a watchdog.

    Parameters
    ----------
    model
        The routing model.
    backend
        A name in :data:`optimizer.routing.backends.BACKENDS` (``"ortools"``,
        ``"pyvrp"``).
    time_limit
        Wall-clock seconds for the backend (model building included); ``None``
        for no limit. With ``max_iterations`` it only sets the watchdog default.
    max_iterations
        Deterministic work limit (OR-Tools: solutions explored; PyVRP:
        iterations). When given, the backend uses no wall-clock limit and equal
        seeds give equal solutions.
    seed
        Random seed (PyVRP; OR-Tools' search is deterministic by itself).
    watchdog
        Hard deadline in seconds for each backend call, which then runs in a
        child process that is killed when late. ``"auto"``:
        :func:`auto_watchdog`. ``None``: run in-process, unguarded.
    initial
        A starting solution (e.g. a greedy plan); backends skip what no longer
        fits. When it passes :meth:`Model.check` it is also the first incumbent,
        so the answer is never worse than it.
    progress
        Called with human-readable progress lines.
    fallback
        Backend to try when the first hangs, crashes or finds nothing:
        ``"auto"`` uses :data:`~optimizer.routing.backends.FALLBACKS`, ``None``
        disables it.
    options
        Backend-specific options keyed by backend name, e.g.
        ``{"ortools": {"first_solution": "PARALLEL_CHEAPEST_INSERTION"}}``.

    Returns
    -------
    Solution
        Timed, costed and checked by the model. ``message`` says which backend
        produced it and why others did not.
    """
    t0 = time.perf_counter()
    model.validate()
    if time_limit is not None and not 0 < time_limit < math.inf:  # NaN fails too
        raise ValueError(f"time_limit must be a positive, finite number of seconds or None, got {time_limit}")
    if watchdog not in (None, "auto") and not 0 < watchdog < math.inf:  # type: ignore[operator]
        raise ValueError(f"watchdog must be a positive, finite number of seconds, 'auto' or None, got {watchdog}")
    if max_iterations is not None and max_iterations < 0:
        raise ValueError(f"max_iterations must be >= 0, got {max_iterations}")
    deadline = auto_watchdog(time_limit) if watchdog == "auto" else watchdog
    chain = [backend]
    fb = FALLBACKS.get(backend, "ortools") if fallback == "auto" else fallback
    if fb is not None and fb != backend:
        chain.append(fb)
    for name in chain:
        lookup(name)  # fail fast on unknown names
    options = options or {}
    say = progress or (lambda _msg: None)
    notes: list[str] = []
    best_incumbent: Solution | None = None
    start_routes = None
    if initial is not None:
        start_routes = tuple((int(v), tuple(int(c) for c in vs)) for v, vs in initial.raw_routes())
        # A valid starting solution is the first incumbent: the answer is never worse. One that
        # names vehicles or visits this model lacks is no incumbent; the backends skip those.
        try:
            start = model.build_solution(initial.raw_routes(), backend=initial.backend or "initial")
        except ValueError as exc:
            notes.append(f"initial solution: {exc}; not used as an incumbent")
        else:
            if start.ok:
                best_incumbent = start
    all_timeouts = True

    for name in chain:
        request = SolveRequest(time_limit, max_iterations, seed, start_routes, dict(options.get(name, {})))
        say(f"{name}: starting" + (f" (watchdog {deadline:.0f} s)" if deadline is not None else " (in-process)"))
        outcome = _run_guarded(name, model, request, deadline, say)
        if outcome.incumbent is not None:
            inc = model.build_solution(_fitted(model, outcome.incumbent), status="feasible", backend=name)
            if best_incumbent is None or inc.objective < best_incumbent.objective:
                best_incumbent = inc
        res = outcome.result
        if res is not None and res.routes is not None:
            sol = model.build_solution(_fitted(model, res.routes), status=res.status, backend=name,
                                       lower_bound=res.lower_bound, message=res.message)
            if best_incumbent is not None and best_incumbent.objective < sol.objective:
                notes.append(f"{name}'s result ({sol.objective}) is worse than an earlier incumbent "
                             f"({best_incumbent.objective}) of {best_incumbent.backend}; kept the incumbent")
                sol = best_incumbent
            return _finish(sol, notes, t0, stats=res.stats)
        if res is not None and res.status == "infeasible":
            notes.append(f"{name}: proved the model infeasible. {res.message}".strip())
            return _finish(_empty(model, "infeasible", name), notes, t0)
        if res is not None:
            notes.append(f"{name}: no solution ({res.status}). {res.message}".strip())
            all_timeouts &= res.status == "timeout"
        else:
            notes.append(f"{name}: {outcome.failure}")
            all_timeouts = False
        if best_incumbent is not None:
            start_routes = tuple((r.vehicle, r.visits) for r in best_incumbent.routes)
        say(notes[-1])

    if best_incumbent is not None:
        notes.append(f"returning the best incumbent of {best_incumbent.backend}")
        return _finish(best_incumbent, notes, t0)
    return _finish(_empty(model, "timeout" if all_timeouts else "error", chain[0]), notes, t0)


def _fitted(model: "Model", routes: Sequence[tuple[int, Sequence[int]]]) -> list[tuple[int, list[int]]]:
    """A backend's routes with first visits in front (what that move cuts re-inserted where it
    fits best, :func:`~optimizer.routing.construct.reinsert`), then fitted to breaks and blocked time."""
    ordered = order_first(model, routes)
    cut = {int(c) for _, vs in routes for c in vs} - {c for _, vs in ordered for c in vs}
    return fit_routes(model, reinsert(model, ordered, sorted(cut)) if cut else ordered)


@dataclass
class _Outcome:
    result: BackendResult | None = None
    failure: str = ""
    incumbent: list[tuple[int, list[int]]] | None = None
    incumbent_cost: int | None = None
    progress: list[str] = field(default_factory=list)


class _CollectingReporter:
    """In-process reporter: forwards progress, keeps the latest incumbent."""

    def __init__(self, outcome: _Outcome, say: Callable[[str], None], name: str):
        self._outcome, self._say, self._name = outcome, say, name

    def progress(self, message: str) -> None:
        self._say(f"{self._name}: {message}")

    def incumbent(self, routes: Sequence[tuple[int, Sequence[int]]], cost: int | None = None) -> None:
        self._outcome.incumbent = [(int(v), [int(c) for c in vs]) for v, vs in routes]
        self._outcome.incumbent_cost = cost


class _PipeReporter:
    """Child-process reporter: sends everything through the pipe."""

    def __init__(self, conn: Any):
        self._conn = conn

    def progress(self, message: str) -> None:
        self._conn.send(("progress", message))

    def incumbent(self, routes: Sequence[tuple[int, Sequence[int]]], cost: int | None = None) -> None:
        self._conn.send(("incumbent", [(int(v), [int(c) for c in vs]) for v, vs in routes], cost))


def _run_guarded(name: str, model: "Model", request: SolveRequest, deadline: float | None,
                 say: Callable[[str], None]) -> _Outcome:
    spec = lookup(name)
    if deadline is None:
        return _run_inprocess(name, spec, model, request, say)
    return _run_child(name, spec, model, request, deadline, say)


def _run_inprocess(name: str, spec: Any, model: "Model", request: SolveRequest,
                   say: Callable[[str], None]) -> _Outcome:
    outcome = _Outcome()
    try:
        fn: BackendFn = resolve(spec)
        outcome.result = fn(model, request, _CollectingReporter(outcome, say, name))
    except Exception as exc:  # a backend failure must not take the planner down
        outcome.failure = f"failed: {type(exc).__name__}: {exc}"
    return outcome


def _child_main(conn: Any, spec: Any, model: "Model", request: SolveRequest) -> None:
    """Run one backend and send its result (or its failure) through ``conn``."""
    try:
        fn: BackendFn = resolve(spec)
        result = fn(model, request, _PipeReporter(conn))
        conn.send(("result", result))
    except BackendError as exc:  # an expected refusal: no traceback
        conn.send(("error", f"{type(exc).__name__}: {exc}", ""))
    except BaseException as exc:  # report everything, including SystemExit
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        conn.close()


def _run_child(name: str, spec: Any, model: "Model", request: SolveRequest, deadline: float,
               say: Callable[[str], None]) -> _Outcome:
    """Run the backend in a child process that is killed at the deadline.

    A forked copy of this process when it runs a single thread (:func:`_can_fork`): it starts in
    milliseconds with the model and the imports already in memory (the planner's part workers
    solve dozens of one-second parts, and a fresh interpreter took 0.6–1 s of each). Otherwise
    a fresh interpreter (``python -m optimizer.routing._worker``), which inherits no threads or
    locks: a plain subprocess rather than ``multiprocessing``'s spawn, which re-runs the caller's
    ``__main__`` in the child and breaks scripts without an ``if __name__ == "__main__"`` guard
    and notebooks. Either way the results come back over a pipe, pickled by
    ``multiprocessing.connection``.
    """
    if _can_fork():
        return _listen(name, _Forked(spec, model, request), deadline, say)
    return _listen(name, _Fresh(name, spec, model, request), deadline, say)


def _can_fork() -> bool:
    """Whether a child may be forked here: POSIX, and no other Python thread that might hold a lock."""
    return hasattr(os, "fork") and threading.active_count() == 1


class _Fresh:
    """The backend in a fresh interpreter; the job goes in over a pipe, fed by a thread."""

    def __init__(self, name: str, spec: Any, model: "Model", request: SolveRequest):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "optimizer.routing._worker", str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w), env=env, stdin=subprocess.DEVNULL,
        )
        self.pid = self.proc.pid
        os.close(to_child_r)
        os.close(from_child_w)
        send = Connection(to_child_w, readable=False)
        self.recv = Connection(from_child_r, writable=False)

        def feed() -> None:  # a thread, so that a child that never reads cannot block the deadline
            try:
                send.send((spec, model, request))
            except (OSError, ValueError):
                pass  # the child died; the listener reports it
            finally:
                send.close()

        self._feeder = threading.Thread(target=feed, name=f"routing-{name}-feed", daemon=True)
        self._feeder.start()

    def exit_code(self) -> int | None:
        return self.proc.poll()

    def wait(self) -> int | None:
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            return None

    def close(self) -> None:
        self.recv.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()
        self._feeder.join(timeout=1)


class _Forked:
    """The backend in a forked copy of this process: the job is inherited, nothing goes in."""

    def __init__(self, spec: Any, model: "Model", request: SolveRequest):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run, answer, and leave without running the parent's cleanup
            code = 0
            try:
                os.close(read)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                die_with_parent()
                _child_main(Connection(write, readable=False), spec, model, request)
            except BaseException:  # pragma: no cover - _child_main reports its own errors
                code = 3
            finally:
                os._exit(code)
        os.close(write)
        self.pid = pid
        self.recv = Connection(read, writable=False)
        self._code: int | None = None

    def exit_code(self) -> int | None:
        if self._code is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self._code = os.waitstatus_to_exitcode(status)
        return self._code

    def wait(self) -> int | None:
        if self._code is None:
            self._code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self._code

    def close(self) -> None:
        self.recv.close()
        if self.exit_code() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.wait()


def _listen(name: str, child: _Fresh | _Forked, deadline: float, say: Callable[[str], None]) -> _Outcome:
    """Collect ``child``'s progress, incumbents and answer until it answers, dies or passes ``deadline``."""
    outcome = _Outcome()
    started = time.perf_counter()
    recv = child.recv
    try:
        while True:
            left = started + deadline - time.perf_counter()
            if left <= 0:
                outcome.failure = (f"no answer within the watchdog deadline of {deadline:.0f} s; "
                                   f"killed (pid {child.pid})")
                break
            if recv.poll(min(left, 0.25)):
                try:
                    msg = recv.recv()
                except (EOFError, OSError):
                    outcome.failure = f"crashed (exit code {child.wait()}) without an answer"
                    break
                kind = msg[0]
                if kind == "progress":
                    say(f"{name}: {msg[1]}")
                elif kind == "incumbent":
                    outcome.incumbent, outcome.incumbent_cost = msg[1], msg[2]
                elif kind == "result":
                    outcome.result = msg[1]
                    break
                elif kind == "error":
                    outcome.failure = f"failed: {msg[1]}"
                    if msg[2]:
                        say(f"{name}: {msg[2]}")
                    break
            elif child.exit_code() is not None and not recv.poll(0):
                outcome.failure = f"crashed (exit code {child.exit_code()}) without an answer"
                break
    finally:
        child.close()
    return outcome


def _empty(model: "Model", status: str, backend: str) -> Solution:
    sol = model.build_solution([], status="feasible", backend=backend)
    return replace(sol, status=status, message="")


def _finish(sol: Solution, notes: list[str], t0: float, *, stats: dict[str, Any] | None = None) -> Solution:
    parts = [n for n in notes if n]
    if stats:
        parts.append(", ".join(f"{k}={v}" for k, v in stats.items()))
    if sol.message:
        parts.append(sol.message)
    return replace(sol, runtime=time.perf_counter() - t0, message="\n".join(parts))
