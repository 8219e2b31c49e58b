"""The API's arguments checked as a notebook may pass them, before any work.

Each helper returns the value as the API uses it (an ISO text read as a date, a path as a
:class:`~pathlib.Path`) or raises a one-line :class:`~optimizer.errors.ArgumentError` (a
:class:`~optimizer.errors.UsageError`, exit 2 on the command line, and a ``ValueError`` for
Python callers) naming the argument and saying what it must be. :mod:`optimizer.api` and
:mod:`optimizer.inputs` call them; the rule on the first planned day
(:func:`check_start`) lives here once, for every command and API call that plans.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from optimizer import settings
from optimizer.domain import Roster
from optimizer.errors import ArgumentError
from optimizer.planning.planner import SolverOptions
from optimizer.routing.backends import BACKENDS
from optimizer.rules.windows import WindowRules

__all__ = ["as_date", "maybe_date", "roster_arg", "whole", "number", "instance_of", "path_arg", "paths_arg",
           "provider_arg", "callable_arg", "plan_arguments", "check_tiles", "check_start", "MAX_START_AFTER_AS_OF_DAYS"]

T = TypeVar("T")

#: An argument the call does not take (``None`` is a value a caller may pass by mistake).
NOT_GIVEN: Any = object()

#: The first planned day may be at most this many days after the data date (``as_of``): a refill
#: due between the data date and a later start would show as overdue though it will have been
#: made by then (the shortest refill interval is a week). Synthetic rosters keep the same rule.
MAX_START_AFTER_AS_OF_DAYS: int = settings.MAX_START_AFTER_AS_OF_DAYS


def as_date(value: str | dt.date, what: str = "date") -> dt.date:
    """``value`` as a date: a date as it is, a datetime's date, an ISO ``YYYY-MM-DD`` text read;
    anything else a one-line :class:`ArgumentError` naming ``what`` (an option or argument)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ArgumentError(f"{what} {value!r} is not a date: give YYYY-MM-DD (ISO), e.g. 2026-11-23")


def maybe_date(value: str | dt.date | None, what: str) -> dt.date | None:
    """:func:`as_date` of ``value``, ``None`` kept (an option left to the scenario)."""
    return None if value is None else as_date(value, what)


def roster_arg(value: Any, what: str = "roster") -> Roster:
    """``value`` if it is a :class:`Roster`, else an :class:`ArgumentError` saying how to get one."""
    if not isinstance(value, Roster):
        raise ArgumentError(f"{what} must be a Roster (api.load_data(folder) gives one), not {type(value).__name__}")
    return value


def whole(value: Any, what: str, lo: int, hi: int | None = None) -> int:
    """``value`` if it is a whole number (not a bool) from ``lo`` to ``hi``, else an :class:`ArgumentError`."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and lo <= value \
        and (hi is None or value <= hi)
    if not ok:
        span = f"from {lo} to {hi}" if hi is not None else f"of at least {lo}"
        raise ArgumentError(f"{what} must be a whole number {span}, got {value!r}")
    return int(value)


def number(value: Any, what: str, lo: float, hi: float = math.inf, *, low_open: bool = False) -> float:
    """``value`` if it is a finite number (not a bool) above (``low_open``) or at least ``lo`` and
    at most ``hi``, else an :class:`ArgumentError`."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) \
        and (value > lo if low_open else value >= lo) and value <= hi
    if not ok:
        bound = f"{'above' if low_open else 'at least'} {lo:g}" + (f" and at most {hi:g}" if hi < math.inf else "")
        raise ArgumentError(f"{what} must be a finite number {bound}, got {value!r}")
    return float(value)


def instance_of(value: Any, cls: type[T], what: str, hint: str = "", *, optional: bool = True) -> T | None:
    """``value`` if it is a ``cls`` (or ``None`` when ``optional``), else an :class:`ArgumentError`."""
    if (value is None and optional) or isinstance(value, cls):
        return value
    raise ArgumentError(f"{what} must be {cls.__name__}{' (' + hint + ')' if hint else ''}"
                        f"{' or None' if optional else ''}, not {type(value).__name__}")


def path_arg(value: Any, what: str) -> Path:
    """``value`` as a path if it is a non-empty text or a path, else an :class:`ArgumentError`."""
    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value)
    raise ArgumentError(f"{what} must be a path (a text or pathlib.Path), not {type(value).__name__}")


def paths_arg(values: Any, what: str) -> list[Path]:
    """``values`` as a non-empty list of paths; one text is a list's mistake (it would be read letter by letter)."""
    if isinstance(values, (str, Path)) or not isinstance(values, Sequence):
        raise ArgumentError(f"{what} must be a list of paths, e.g. [{str(values)!r}], not {type(values).__name__}")
    if not values:
        raise ArgumentError(f"{what} must name at least one path, got an empty list")
    return [path_arg(v, what) for v in values]


def provider_arg(value: Any) -> Any:
    """``value`` if it is ``None`` or a travel provider (it has ``matrix``), else an :class:`ArgumentError`."""
    if value is None or callable(getattr(value, "matrix", None)):
        return value
    raise ArgumentError(f"provider must be a travel provider (api.travel_provider('haversine') gives one) "
                        f"or None, not {type(value).__name__}")


def callable_arg(value: Any, what: str) -> Any:
    """``value`` if it is ``None`` or callable, else an :class:`ArgumentError`."""
    if value is None or callable(value):
        return value
    raise ArgumentError(f"{what} must be a function taking one line of text, or None; not {type(value).__name__}")


def plan_arguments(roster: Any, *, start: Any, days: Any = NOT_GIVEN, options: Any = None, provider: Any = None,
                   rules: Any = None, progress: Any = None, overnight: Any = None) -> dt.date:
    """A planning call's arguments as a notebook may pass them: the start as a date (an ISO text
    is read), ``days`` (when the call takes it) from 1 to
    :data:`~optimizer.settings.MAX_HORIZON_DAYS`, the option objects of their kinds; else a
    one-line :class:`ArgumentError`."""
    roster_arg(roster)
    start = as_date(start, "start")
    if days is not NOT_GIVEN:
        whole(days, "days", 1, settings.MAX_HORIZON_DAYS)
    _solver_options_arg(options)
    instance_of(rules, WindowRules, "rules", "a scenario's window_rules() gives one")
    provider_arg(provider)
    callable_arg(progress, "progress")
    instance_of(overnight, bool, "overnight", "True or False")  # 'no' would be true
    return start


def _solver_options_arg(options: Any) -> None:
    """``options`` is ``None`` or :class:`SolverOptions` with a known backend and limits in range
    (as :func:`optimizer.inputs.solver_options` makes them), else an :class:`ArgumentError`."""
    if instance_of(options, SolverOptions, "options", "api.solver_options(...) gives one") is None:
        return
    names = (*sorted(BACKENDS), "greedy")
    if options.backend not in names:
        raise ArgumentError(f"options.backend must be one of {', '.join(names)}, got {options.backend!r}")
    number(options.time_limit, "options.time_limit (seconds)", 0, settings.MAX_TIME_LIMIT_S, low_open=True)
    if options.max_iterations is not None:
        whole(options.max_iterations, "options.max_iterations", 1)
    whole(options.workers, "options.workers", 1)


def check_tiles(tiles: str | None) -> None:
    """``tiles`` names a tile layer folium knows (a provider name; a URL template needs an
    attribution, which the option cannot give): an :class:`ArgumentError` otherwise, before any work."""
    if tiles is None:
        return
    if not isinstance(tiles, str):
        raise ArgumentError(f"--tiles must be a tile layer's name, not {type(tiles).__name__}")
    import folium

    try:
        folium.TileLayer(tiles=tiles)
    except (ValueError, KeyError) as exc:
        raise ArgumentError(f"--tiles {tiles!r} is no tile layer folium knows ({exc}); give a provider name such "
                            "as OpenStreetMap or 'CartoDB positron'") from None


def check_start(start: dt.date, as_of: dt.date | None) -> dt.date:
    """``start`` if the first planned day is from the data date ``as_of`` to
    :data:`MAX_START_AFTER_AS_OF_DAYS` days after it (``as_of`` unknown: not checked).

    Before the data date, the visits would be planned in the past; far after it, every refill
    due in between shows as overdue though it will have been made by then.

    Raises
    ------
    optimizer.errors.ArgumentError
        Naming both dates and both ways out.
    """
    if as_of is None:
        return start
    gap = (start - as_of).days
    if 0 <= gap <= MAX_START_AFTER_AS_OF_DAYS:
        return start
    where = f"{-gap} day(s) before" if gap < 0 else f"{gap} days after"
    raise ArgumentError(
        f"start {start} (--start, or the scenario's horizon.start) is {where} the data date {as_of} (--as-of, or "
        f"the scenario's as_of): the first planned day must be from the data date to "
        f"{MAX_START_AFTER_AS_OF_DAYS} days after it; give data as of a date near the start (--as-of) or "
        f"another --start")
