"""The small interface every solver backend implements, and the registry of backends by name.

A backend is a function ``solve(model, request, report) -> BackendResult``. It
returns visit orders per vehicle only; the model times, costs and checks them
(:meth:`Model.build_solution`), so backends cannot disagree on what a solution
is worth. Adding a backend touches its own module and one line of
:data:`BACKENDS`. Entries are ``"module:function"`` strings, imported lazily (so
importing :mod:`optimizer.routing` loads no solver), or callables; both must be
importable by name in a fresh process, because the watchdog runs backends in one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from optimizer.errors import EXIT_INTERNAL, SolverError

if TYPE_CHECKING:
    from .model import Model

BackendFn = Callable[["Model", "SolveRequest", "Reporter"], "BackendResult"]

BACKENDS: dict[str, str | BackendFn] = {
    "ortools": "optimizer.routing.ortools_backend:solve",
    "pyvrp": "optimizer.routing.pyvrp_backend:solve",
}
"""Backends by name. Tests and plug-ins may add entries."""

FALLBACKS: dict[str, str] = {"ortools": "pyvrp", "pyvrp": "ortools"}
"""Which backend to try when one hangs, crashes or finds nothing (``fallback="auto"``);
backends not listed fall back to ``"ortools"``."""


class BackendError(SolverError, RuntimeError):
    """A backend cannot handle this model (e.g. it would need too much memory); exit 3."""

    exit_code: ClassVar[int] = EXIT_INTERNAL


@dataclass(frozen=True, slots=True)
class SolveRequest:
    """What a backend is asked to do.

    ``time_limit`` is wall-clock seconds for the backend's whole call, model
    building included; ``None`` means no wall-clock limit. ``max_iterations``,
    when given, is a deterministic work limit and the backend must then use no
    wall-clock limit, so that equal seeds give equal routes. ``options`` are
    backend-specific (see each backend's module docstring).
    """

    time_limit: float | None = 10.0
    max_iterations: int | None = None
    seed: int = 0
    initial: tuple[tuple[int, tuple[int, ...]], ...] | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BackendResult:
    """What a backend returns.

    ``routes`` is ``None`` when no solution was found; ``status`` is the
    backend's own claim: ``"feasible"``, ``"optimal"``, ``"timeout"`` (nothing
    found in time) or ``"infeasible"`` (proven). ``stats`` are free-form figures
    (iterations, build seconds, ...) that end up in the solution's message.
    """

    routes: Sequence[tuple[int, Sequence[int]]] | None
    status: str = "feasible"
    lower_bound: int | None = None
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)


class Reporter(Protocol):
    """How a backend talks back while it runs (possibly from a child process)."""

    def progress(self, message: str) -> None:
        """A human-readable progress line."""

    def incumbent(self, routes: Sequence[tuple[int, Sequence[int]]], cost: int | None = None) -> None:
        """The best routes so far, kept in case the backend is killed later."""


class NullReporter:
    """A reporter that ignores everything."""

    def progress(self, message: str) -> None:
        pass

    def incumbent(self, routes: Sequence[tuple[int, Sequence[int]]], cost: int | None = None) -> None:
        pass


def resolve(spec: str | BackendFn) -> BackendFn:
    """Turn a registry entry into the backend function."""
    if callable(spec):
        return spec
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def lookup(name: str) -> str | BackendFn:
    """The registry entry for ``name``; ``KeyError`` listing the known names otherwise."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise KeyError(f"unknown routing backend {name!r}; known: {sorted(BACKENDS)}") from None
