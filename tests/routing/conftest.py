"""Tiny routing instances built in code, and a fast solve helper for both backends."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from optimizer.routing import Model, Solution

BACKENDS = ("ortools", "pyvrp")

# Deterministic work limits: tiny instances are solved to optimality long before these.
ITERATIONS = {"ortools": 5000, "pyvrp": 300}  # OR-Tools: branches; PyVRP: iterations


def line_model(xs: Sequence[float], ys: Sequence[float] | None = None) -> Model:
    """A model with locations at ``(xs[i], ys[i])`` and Manhattan travel = distance."""
    ys = [0.0] * len(xs) if ys is None else ys
    m = Model()
    for x, y in zip(xs, ys):
        m.add_location(x, y)
    pts = np.column_stack([xs, ys])
    dur = np.abs(pts[:, None, :] - pts[None, :, :]).sum(axis=2).round().astype(np.int64)
    m.set_matrices(dur)
    return m


def run(model: Model, backend: str, **kw) -> Solution:
    """Solve in-process with a deterministic work limit and no fallback; assert it passes check
    unless told otherwise."""
    expect_ok = kw.pop("expect_ok", True)
    kw.setdefault("max_iterations", ITERATIONS[backend])
    kw.setdefault("watchdog", None)
    kw.setdefault("fallback", None)
    sol = model.solve(backend, **kw)
    assert sol.backend == backend, sol.message
    if expect_ok:
        assert sol.ok, (sol.status, sol.message)
        assert model.check(sol) == []
        assert model.evaluate(sol) == sol.objective
    return sol


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param
