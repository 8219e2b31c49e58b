"""Misbehaving backends for the watchdog tests (importable by name in a child process)."""

from __future__ import annotations

import os
import time

from optimizer.routing.backends import BackendResult


def hang(model, request, report):
    """Reports progress and then never returns, like PyVRP 0.14.1 on SDVRPTW PR02."""
    report.progress("pretending to search")
    while True:
        time.sleep(3600)


def hang_after_incumbent(model, request, report):
    """Sends one incumbent (every visit on its own allowed vehicle, if any), then hangs."""
    routes = []
    used = set()
    for c, v in enumerate(model.visits):
        cands = [k for k in range(model.num_vehicles) if k not in used and model.is_allowed(c, k)]
        if cands:
            used.add(cands[0])
            routes.append((cands[0], [c]))
    report.incumbent(routes, None)
    while True:
        time.sleep(3600)


def crash(model, request, report):
    """Dies hard, as a segfaulting extension would."""
    os._exit(7)


def fail(model, request, report):
    """Raises."""
    raise RuntimeError("solver exploded")


def nothing(model, request, report):
    """Finds no solution in time."""
    return BackendResult(None, "timeout", message="no first solution")


def worse(model, request, report):
    """Returns a valid but poor solution: every visit on vehicle 0, the first two swapped."""
    order = list(range(model.num_visits))
    order[0], order[1] = order[1], order[0]
    return BackendResult([(0, order)], "feasible")


def whoami(model, request, report):
    """Says which module runs as ``__main__`` in the child, then finds nothing."""
    import sys

    main = sys.modules.get("__main__")
    report.progress(f"main module: {getattr(getattr(main, '__spec__', None), 'name', None)}")
    return BackendResult(None, "timeout", message="")
