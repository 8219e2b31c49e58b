"""The options of the study commands checked before any work: coverage, expansion, scenario runs, synth.

Each ``*_arguments`` function takes the options as :mod:`optimizer.api` received them and raises a
one-line :class:`~optimizer.errors.UsageError` naming the first wrong one (the command line shows it
and exits 2, nothing written). The limits are the scenario schema's, so a value a scenario file
could not hold is no option either. The single-value helpers are :mod:`optimizer.arguments`'.
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from collections.abc import Sequence
from typing import Any

from optimizer import settings
from optimizer.analysis.expansion import ActionKind
from optimizer.arguments import callable_arg, check_tiles, maybe_date, number, whole
from optimizer.errors import UsageError
from optimizer.inputs import MAX_WORKERS
from optimizer.scenario import ExpansionSpec, MipSpec, SimulationSpec, SyntheticData

__all__ = ["coverage_arguments", "expand_arguments", "scenarios_arguments", "synth_arguments", "MIP_BACKENDS",
           "MAX_COVERAGE_WEEKS", "MAX_SEEDS", "MAX_SYNTH_PATIENTS", "MAX_SYNTH_NURSES"]


def coverage_arguments(*, weeks: Any, cutoffs: Any, map_cutoff: Any, tiles: Any, progress: Any) -> None:
    """:func:`optimizer.api.coverage`'s options, before any work (:class:`UsageError`)."""
    whole(weeks, "weeks", 1, MAX_COVERAGE_WEEKS)
    if isinstance(cutoffs, (str, bytes)) or not isinstance(cutoffs, Sequence) or not cutoffs:
        raise UsageError(f"cutoffs must be a list of minutes, e.g. [60, 120], got {cutoffs!r}")
    for c in (*cutoffs, map_cutoff):
        number(c, "cutoffs and map_cutoff (minutes)", 0, low_open=True)
    check_tiles(tiles)
    callable_arg(progress, "progress")


#: Most weeks of capacity vs demand ``haiplan coverage`` looks ahead (a year).
MAX_COVERAGE_WEEKS: int = 52


def expand_arguments(*, budget: Any, target_share: Any, cutoff_minutes: Any, actions: Any, backend: Any,
                     time_limit: Any, progress: Any = None) -> None:
    """:func:`optimizer.api.expand`'s options against the scenario schema's limits, before any work
    (:class:`UsageError`)."""
    for name, value, hi, low_open in (("--budget", budget, math.inf, False), ("--target", target_share, 1, False),
                                      ("--cutoff", cutoff_minutes, _schema_max(ExpansionSpec, "cutoff_minutes"), True),
                                      ("--time-limit", time_limit, settings.MAX_TIME_LIMIT_S, True)):
        if value is not None:
            number(value, name, 0, hi, low_open=low_open)
    if budget is not None and target_share is not None:
        raise UsageError("give --budget or --target, not both")
    if backend is not None and backend not in MIP_BACKENDS:
        raise UsageError(f"unknown MIP backend {backend!r}; known: {', '.join(MIP_BACKENDS)}")
    if actions is not None:
        if isinstance(actions, str):
            raise UsageError(f"actions is a list of kinds, e.g. ['hire', 'license'], got the text {actions!r}")
        kinds = [k.value for k in ActionKind]
        bad = [a for a in actions if str(a) not in kinds]
        if bad or not actions:
            raise UsageError(f"--actions {';'.join(map(str, actions)) or '(none)'}: "
                             f"{'unknown ' + ', '.join(map(repr, bad)) if bad else 'no kind given'}; "
                             f"known: {', '.join(kinds)}")
    callable_arg(progress, "progress")


def _schema_max(model: Any, field: str) -> Any:
    """The upper bound (``le``) the scenario schema puts on ``model.field``."""
    for bound in model.model_fields[field].metadata:
        if hasattr(bound, "le"):
            return bound.le
    raise LookupError(f"{model.__name__}.{field} has no upper bound")


#: Most seeds per plan a scenario run may ask for (the scenario schema's ``simulation.seeds`` limit).
MAX_SEEDS: int = _schema_max(SimulationSpec, "seeds")

#: The MIP backends the scenario schema allows (:class:`optimizer.scenario.MipSpec` ``backend``).
MIP_BACKENDS: tuple[str, ...] = typing.get_args(MipSpec.model_fields["backend"].annotation)


#: The largest synthetic roster (the scenario schema's ``data.synthetic`` limits).
MAX_SYNTH_PATIENTS: int = _schema_max(SyntheticData, "patients")
MAX_SYNTH_NURSES: int = _schema_max(SyntheticData, "nurses")


def scenarios_arguments(*, seeds: Any, workers: Any, ray: Any, progress: Any) -> None:
    """:func:`optimizer.api.scenarios`' options, before any scenario is read (:class:`UsageError`)."""
    whole(workers, "--workers", 1, MAX_WORKERS)
    if seeds is not None:
        whole(seeds, "--seeds", 1, MAX_SEEDS)
    if ray is not None and not isinstance(ray, str):
        raise UsageError(f"--ray must be 'auto', 'local' or a cluster address, not {type(ray).__name__}")
    callable_arg(progress, "progress")


def synth_arguments(*, patients: Any, nurses: Any, seed: Any, chemo_share: Any, as_of: Any, plan_start: Any,
                    bbox: Any) -> tuple[dt.date | None, dt.date | None]:
    """:func:`optimizer.api.synth`'s options, before any drawing: ``as_of`` and ``plan_start`` as
    dates (an ISO text is read), else a one-line :class:`UsageError`."""
    whole(patients, "--patients", 1, MAX_SYNTH_PATIENTS)
    whole(nurses, "--nurses", 1, MAX_SYNTH_NURSES)
    whole(seed, "--seed", 0)
    number(chemo_share, "--chemo-share", 0, 1)
    if bbox is not None and (isinstance(bbox, str) or not isinstance(bbox, Sequence) or len(bbox) != 4):
        raise UsageError("--bbox needs WEST,SOUTH,EAST,NORTH")
    return maybe_date(as_of, "--as-of"), maybe_date(plan_start, "--plan-start")
