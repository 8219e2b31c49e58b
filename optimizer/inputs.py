"""What a run reads, and the options it runs with: scenario and command-line options merged once.

A run reads a data folder, a scenario file or (``None``) the built-in demo. This module
loads it into a validated :class:`~optimizer.domain.Roster` (the scenario's company holidays
applied), remembers which paths it read (so ``--out`` never replaces one) and what the load
assumed (:class:`~optimizer.io.LoadReport`), and merges the scenario's horizon, travel and
solver sections with explicit options, refusing an unknown name before any work
(:class:`~optimizer.errors.UsageError`, exit 2). :mod:`optimizer.api` re-exports it; the
studies (:mod:`optimizer.studies.batch`, :mod:`optimizer.analysis.simulate`) import it
directly, below the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import numbers
import os
import tempfile
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata.travel import OSM_SUFFIXES, PROVIDERS, get_provider
from optimizer import settings
from optimizer.arguments import as_date, check_start, instance_of, maybe_date, number, path_arg, whole
from optimizer.domain import Horizon, Roster
from optimizer.errors import UsageError
from optimizer.io import LoadReport, load_roster_with_report
from optimizer.io.atomic import atomic_dir
from optimizer.io.load_report import did_you_mean
from optimizer.io.outdir import ROSTER, OutputFolderError, absolute, check_out_dir, table_paths
from optimizer.planning.planner import SolverOptions
from optimizer.routing.backends import BACKENDS
from optimizer.scenario import DEMO_SCENARIO, Scenario, SolverSpec, load_scenario
from optimizer.rules.windows import WindowRules
from optimizer.studies import synth

__all__ = [
    "cache_dir", "next_monday", "materialize", "input_paths", "load_data", "inputs_of", "load_report_of",
    "horizon_for", "travel_provider", "provider_for", "solver_options", "backend_names", "travel_names",
    "need_file", "need_folder", "check_travel", "travel_name", "check_out", "Run", "prepare", "as_date", "as_of_of",
    "scenario_start",
]

#: The planner that needs no solver (greedy insertion), besides the routing backends.
GREEDY = "greedy"

#: Most parallel processes a run may ask for (the scenario schema's ``solver.workers`` limit).
MAX_WORKERS: int = 64


def cache_dir() -> Path:
    """Where generated data and travel caches live (``HAIPLAN_CACHE_DIR`` or ``~/.cache/haiplan``)."""
    return Path(os.environ.get("HAIPLAN_CACHE_DIR", Path.home() / ".cache" / "haiplan"))


def next_monday(day: dt.date) -> dt.date:
    """The Monday after ``day`` (a week later when ``day`` is a Monday; an ISO text is read)."""
    day = as_date(day, "day")
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 or 7)


# --------------------------------------------------------------------------- paths


def need_osm(path: str | Path) -> Path:
    """``path`` if it is an existing OSM extract by its name (.osm, .pbf, …), else a one-line :class:`UsageError`."""
    p = need_file(path, "--osm file")
    if not any(p.name.lower().endswith(s) for s in OSM_SUFFIXES):
        raise UsageError(f"--osm file {str(p)!r} is no OSM extract: expected a name ending {', '.join(OSM_SUFFIXES)}")
    return p


def need_file(path: str | Path, what: str) -> Path:
    """``path`` if it is an existing file, else a one-line :class:`UsageError` naming ``what``."""
    p = path_arg(path, what)
    if p.is_dir():
        raise UsageError(f"{what} {str(p)!r} is a folder; give a file")
    if not p.exists():
        raise UsageError(f"{what} {str(p)!r} does not exist")
    return p


def need_folder(path: str | Path, what: str) -> Path:
    """``path`` if it is an existing folder, else a one-line :class:`UsageError` naming ``what``."""
    p = path_arg(path, what)
    if not p.exists():
        raise UsageError(f"{what} {str(p)!r} does not exist")
    if not p.is_dir():
        raise UsageError(f"{what} {str(p)!r} is a file; give a folder")
    return p


def _data_dir(scenario: Scenario) -> Path:
    """The data folder of ``scenario``: its ``dir``, or where its synthetic roster is cached."""
    if scenario.data.dir is not None:
        return Path(scenario.data.dir)
    spec = scenario.data.synthetic
    as_of = scenario.as_of or dt.date.today()
    plan_start = scenario.horizon.start or next_monday(as_of)
    key = hashlib.sha256(json.dumps(
        [spec.model_dump(mode="json"), as_of.isoformat(), plan_start.isoformat(),
         synth.GENERATOR_VERSION], sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "synthetic" / key


def materialize(scenario: Scenario) -> Path:
    """The data folder of ``scenario``: its ``dir``, or its synthetic roster written to the cache."""
    out = _data_dir(instance_of(scenario, Scenario, "scenario", "api.load_data(...) gives one", optional=False))
    if scenario.data.dir is None and not (out / "patients.csv").exists():
        spec = scenario.data.synthetic
        as_of = scenario.as_of or dt.date.today()
        data = synth.generate(spec.patients, spec.nurses, seed=spec.seed, states=spec.states,
                              as_of=as_of, plan_start=scenario.horizon.start or next_monday(as_of),
                              chemo_share=spec.chemo_share)
        with atomic_dir(out, kind=ROSTER, force=True) as tmp:
            synth.write(data, tmp)
    return out


def _data_arg(data: Any) -> str | Path | Scenario | None:
    """``data`` if it is what a run reads (a path, a scenario or ``None``), else a one-line :class:`UsageError`."""
    if data is None or isinstance(data, (str, Path, Scenario)):
        return data
    hint = " (a loaded roster: call the function that takes one, e.g. api.plan)" if isinstance(data, Roster) else ""
    raise UsageError(f"data must be a data folder, a workbook or a scenario .yaml (a path), a Scenario, or None "
                     f"for the demo; not {type(data).__name__}{hint}")


def _scenario_of(data: str | Path | Scenario | None, *, as_of: dt.date | None = None) -> Scenario:
    """The scenario a run on ``data`` uses: the file's, the demo's, or a plain one for a folder."""
    if data is None:
        data = DEMO_SCENARIO
    if isinstance(data, Scenario):
        return data
    path = Path(data)
    if not path.exists():
        raise UsageError(f"data {str(path)!r} does not exist; give a data folder, a workbook or a scenario .yaml")
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_scenario(path)
    return Scenario(name=path.name, data={"dir": path}, as_of=as_of)


def input_paths(data: str | Path | Scenario | None = None) -> tuple[Path, ...]:
    """The files and folders a run on ``data`` reads (what ``--out`` must never replace).

    Parameters
    ----------
    data
        A data folder, a scenario file or object, or ``None`` (the built-in demo).

    Returns
    -------
    tuple of pathlib.Path
        The scenario file, the data folder and its tables, and the files the scenario names.
    """
    if isinstance(_data_arg(data), (str, Path)) and not Path(data).exists():
        return (Path(data),)
    sc = _scenario_of(data)
    folder = _data_dir(sc)
    paths = [sc.source] if sc.source else []
    paths += [folder] + table_paths(folder)
    exp = sc.expansion
    paths += [p for p in (sc.travel.osm_file, exp.sites.file, exp.costs.license_file) if p is not None]
    return tuple(Path(p) for p in paths)


# --------------------------------------------------------------------------- loading

_LOADED: dict[int, tuple[tuple[Path, ...], LoadReport, dt.date | None]] = {}


def _remember(roster: Roster, paths: Iterable[Path], report: LoadReport, as_of: dt.date) -> None:
    key = id(roster)
    _LOADED[key] = (tuple(paths), report, as_of)
    weakref.finalize(roster, _LOADED.pop, key, None)


def inputs_of(roster: Roster) -> tuple[Path, ...]:
    """The input paths ``roster`` was loaded from by :func:`load_data` (empty if built in code)."""
    return _LOADED.get(id(roster), ((), LoadReport(), None))[0]


def load_report_of(roster: Roster) -> LoadReport:
    """What :func:`load_data` warned about and assumed for ``roster`` (empty if built in code)."""
    return _LOADED.get(id(roster), ((), LoadReport(), None))[1]


def as_of_of(roster: Roster) -> dt.date | None:
    """The data date :func:`load_data` read ``roster`` as of (``None`` if built in code)."""
    return _LOADED.get(id(roster), ((), LoadReport(), None))[2]


def load_data(
    data: str | Path | Scenario | None = None, *, as_of: dt.date | None = None
) -> tuple[Roster, Scenario]:
    """Load a data folder, a workbook, a scenario file, or (``None``) the built-in demo.

    Parameters
    ----------
    data
        What to load.
    as_of
        The data date (default: the scenario's, else today).

    Returns
    -------
    tuple of (Roster, Scenario)
        The validated roster (the scenario's ``holidays:`` replacing the company calendar)
        and the scenario (a plain one for a folder). :func:`load_report_of` gives the load report.

    Raises
    ------
    optimizer.errors.DataError
        Every located problem of the input files.
    optimizer.errors.UsageError
        ``data`` does not exist.
    """
    as_of = maybe_date(as_of, "as_of")
    sc = _scenario_of(_data_arg(data), as_of=as_of)
    as_of = as_of or sc.as_of or dt.date.today()
    roster, report = load_roster_with_report(materialize(sc), as_of=as_of)
    holidays = sc.holiday_list()
    if holidays is not None:
        roster = dataclasses.replace(roster, holidays=holidays)
    _remember(roster, input_paths(sc), report, as_of)
    return roster, sc


# --------------------------------------------------------------------------- output folders


def _writable(path: Path) -> str | None:
    """Why nothing can be created at ``path`` (``None``: it can), tried for real in its parent.

    A probe folder is made and removed in the nearest existing parent, so a read-only
    filesystem, a pseudo-filesystem (``/proc``) or a folder without write permission is
    found before any work, whoever runs the command (root ignores permission bits).
    """
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is None or not parent.is_dir():
        return None  # check_out_dir names a parent that is a file
    try:
        Path(tempfile.mkdtemp(prefix=".haiplan-probe-", dir=parent)).rmdir()
    except OSError as exc:
        return f"nothing can be written in {parent} ({exc.strerror or exc})"
    return None


def check_out(
    out: str | Path,
    *,
    data: str | Path | Scenario | None = None,
    roster: Roster | None = None,
    extra: Iterable[str | Path | None] = (),
    kind: str = "output",
    force: bool = False,
) -> Path:
    """Refuse ``out`` before any work when writing it could damage the user's files or would fail.

    Parameters
    ----------
    out
        The output folder.
    data
        The run's data (folder, scenario file or object; ``None``: the demo); ignored when
        ``roster`` is given.
    roster
        A roster from :func:`load_data`: its inputs are the ones remembered then.
    extra
        More input files or folders (an OSM file, a sites file, a previous plan).
    kind
        Kind of output (the marker written last into the folder).
    force
        Allow a roster to replace a roster.

    Returns
    -------
    pathlib.Path
        The absolute output path.

    Raises
    ------
    optimizer.io.outdir.OutputFolderError
        See :func:`optimizer.io.outdir.check_out_dir`; also when nothing can be written where
        ``out`` would be made (a read-only parent).
    """
    out = path_arg(out, "out (the output folder)")
    inputs = list(inputs_of(roster) if roster is not None else input_paths(data))
    inputs += [Path(p) for p in extra if p is not None]
    path = check_out_dir(out, inputs=inputs, kind=kind, force=force)
    reason = _writable(absolute(out))
    if reason is not None:
        raise OutputFolderError(out, reason)
    return path


# --------------------------------------------------------------------------- options


def horizon_for(sc: Scenario | None, *, start: dt.date | None = None, days: int | None = None,
                as_of: dt.date | None = None) -> Horizon:
    """The horizon from explicit values, else the scenario, else the Monday after the data date
    (``as_of``, else the scenario's, else today) for 14 days. ``days`` outside 1 to
    :data:`~optimizer.settings.MAX_HORIZON_DAYS` is a one-line :class:`UsageError`."""
    if days is not None:
        whole(days, "days", 1, settings.MAX_HORIZON_DAYS)
    s = maybe_date(start, "start") or (sc.horizon.start if sc else None)
    if s is None:
        s = next_monday(as_of or (sc.as_of if sc and sc.as_of else None) or dt.date.today())
    return Horizon(s, days or (sc.horizon.days if sc else settings.HORIZON_DAYS))


def scenario_start(sc: Scenario, *, as_of: dt.date | None = None, start: dt.date | None = None,
                   days: int | None = None) -> tuple[dt.date, Horizon]:
    """The data date and the horizon a run of ``sc`` uses (explicit values first, see
    :func:`horizon_for`), its first day checked against the data date
    (:func:`optimizer.arguments.check_start`) before any data is read.

    Returns
    -------
    tuple of (datetime.date, Horizon)
        ``as_of`` (explicit, else the scenario's, else today) and the horizon.
    """
    as_of = as_of or sc.as_of or dt.date.today()
    horizon = horizon_for(sc, start=start, days=days, as_of=as_of)
    check_start(horizon.start, as_of)
    return as_of, horizon


def backend_names() -> tuple[str, ...]:
    """Every planner backend name ``--backend`` accepts (the routing backends and ``greedy``)."""
    return tuple(sorted(BACKENDS)) + (GREEDY,)


def travel_names() -> tuple[str, ...]:
    """Every travel provider name ``--travel`` accepts."""
    return tuple(sorted(PROVIDERS))


def _choose(value: str, names: tuple[str, ...], what: str) -> str:
    """``value`` as one of ``names`` (case-insensitive), else a one-line :class:`UsageError`."""
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a name, one of {', '.join(names)}; not {type(value).__name__}")
    found = {n.lower(): n for n in names}.get(value.strip().lower())
    if found is not None:
        return found
    hint = did_you_mean(value, names)
    raise UsageError(f"unknown {what} {value!r}; choose one of {', '.join(names)}"
                     + (f" (did you mean {hint!r}?)" if hint else ""))


def travel_name(value: str) -> str:
    """``value`` as a known travel provider name (case-insensitive), else a one-line :class:`UsageError`."""
    return _choose(value, travel_names(), "travel provider")


def check_travel(name: str, *, osm_file: str | Path | None = None, options: dict[str, Any] | None = None) -> str:
    """The provider name, checked: known, and ``road`` given a graph source (``--osm``, place or bbox).

    Raises
    ------
    optimizer.errors.UsageError
        An unknown name, ``road`` without an OSM file (or place/bbox option), or a missing OSM file.
    """
    name = travel_name(name)
    if osm_file is not None:
        need_osm(osm_file)
    if name == "road" and osm_file is None and not {"place", "bbox"} & set(options or {}):
        raise UsageError("--travel road needs a road graph: give --osm FILE (an OSM extract, .osm or .pbf)")
    return name


def travel_provider(name: str = "haversine", *, osm_file: str | Path | None = None, **options: Any) -> Any:
    """A travel-time provider by name (``haversine`` or ``road``), checked by :func:`check_travel`."""
    name = check_travel(name, osm_file=osm_file, options=options)
    if osm_file is not None:
        options["osm_file"] = osm_file
    return get_provider(name, **options)


def provider_for(sc: Scenario, *, travel: str | None = None, osm: str | Path | None = None) -> Any:
    """The scenario's travel provider, with ``travel`` and ``osm`` overriding it."""
    instance_of(sc, Scenario, "sc (the scenario)", "api.load_data(...) gives one", optional=False)
    name = travel or sc.travel.provider
    osm_file = osm or sc.travel.osm_file
    options = dict(sc.travel.options)
    if check_travel(name, osm_file=osm_file, options=options) == "road":
        return travel_provider("road", osm_file=osm_file, **options)
    return travel_provider(name, **options)


def solver_options(
    sc: Scenario | None = None,
    *,
    backend: str | None = None,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
) -> SolverOptions:
    """The scenario's solver section with explicit options overriding it (``None``: keep).

    Raises
    ------
    optimizer.errors.UsageError
        An unknown backend (the message lists every valid name) or a non-positive limit.
    """
    s = instance_of(sc, Scenario, "sc (the scenario)", "api.load_data(...) gives one").solver \
        if sc is not None else SolverSpec()
    name = _choose(backend, backend_names(), "backend") if backend is not None else s.backend
    for flag, value in (("--time-limit", time_limit), ("--iterations", iterations), ("--workers", workers)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                  or not 0 < value < float("inf")):  # nan and inf too
            raise UsageError(f"{flag} must be a positive number, got {value!r}")
    if time_limit is not None:
        number(time_limit, "--time-limit (seconds)", 0, settings.MAX_TIME_LIMIT_S, low_open=True)
    if iterations is not None:
        whole(iterations, "--iterations", 1)
    if workers is not None:
        whole(workers, "--workers", 1, MAX_WORKERS)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise UsageError(f"--seed must be a whole number, got {seed!r}")
    return SolverOptions(backend=name, time_limit=time_limit or s.time_limit,
                         max_iterations=iterations or s.max_iterations,
                         seed=s.seed if seed is None else seed, workers=workers or s.workers)


# --------------------------------------------------------------------------- a run's inputs


@dataclass
class Run:
    """What a command runs on: the roster, its scenario, and the options merged from both."""

    roster: Roster
    scenario: Scenario
    horizon: Horizon
    provider: Any
    options: SolverOptions
    rules: WindowRules
    as_of: dt.date

    @property
    def report(self) -> LoadReport:
        """What the load warned about and assumed."""
        return load_report_of(self.roster)


def prepare(
    data: str | Path | Scenario | None = None,
    *,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
    days: int | None = None,
    backend: str | None = None,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    travel: str | None = None,
    osm: str | Path | None = None,
    out: str | Path | None = None,
    kind: str = "plan",
    extra: Iterable[str | Path | None] = (),
    plans_horizon: bool = True,
) -> Run:
    """Check every option, then load ``data`` and merge the scenario with the options.

    The order makes every usage mistake fail before any data is read or any solving starts:
    names (backend, travel provider) and files (``--osm``), then ``out``
    (:func:`check_out`), then the data, then the travel provider.

    Parameters
    ----------
    data
        A data folder, a workbook, a scenario file or object, or ``None`` (the built-in demo).
    as_of, start, days
        Data date and horizon (``None``: the scenario's, else today and the next Monday for 14 days).
    backend, time_limit, iterations, seed, workers
        Solver options (``None``: the scenario's ``solver`` section, else :mod:`optimizer.settings`).
    travel, osm
        Travel provider name and OSM extract (``None``: the scenario's ``travel`` section).
    out, kind, extra
        The output folder to check first, the kind of output, more inputs it must not replace.
    plans_horizon
        The command plans from the horizon's first day, so it must be from the data date to
        :data:`~optimizer.settings.MAX_START_AFTER_AS_OF_DAYS` days after it; ``False`` for
        ``replan`` and ``check``, which take their dates from the plan folder.

    Returns
    -------
    Run
        The roster, scenario, horizon, travel provider, solver options and window rules.

    Raises
    ------
    optimizer.errors.UsageError
        An unknown name, a missing or wrong-kind path, a refused ``out``.
    optimizer.errors.DataError
        Every located problem of the input files.
    """
    solver_options(None, backend=backend, time_limit=time_limit, iterations=iterations,
                   seed=seed, workers=workers)  # names and limits first, before anything is read
    as_of, start = maybe_date(as_of, "--as-of"), maybe_date(start, "--start")
    if days is not None:
        whole(days, "--days", 1, settings.MAX_HORIZON_DAYS)
    if travel is not None:
        travel_name(travel)
    if osm is not None:
        need_osm(osm)
    if out is not None:
        check_out(out, data=data, extra=[osm, *extra], kind=kind)
    sc = _scenario_of(_data_arg(data), as_of=as_of)  # reads a scenario file, not the data yet
    if plans_horizon:
        as_of, horizon = scenario_start(sc, as_of=as_of, start=start, days=days)
    else:
        as_of = as_of or sc.as_of or dt.date.today()
        horizon = horizon_for(sc, start=start, days=days, as_of=as_of)
    roster, sc = load_data(sc, as_of=as_of)
    provider = provider_for(sc, travel=travel, osm=osm)
    options = solver_options(sc, backend=backend, time_limit=time_limit, iterations=iterations,
                             seed=seed, workers=workers)
    return Run(roster, sc, horizon, provider, options, sc.window_rules(), as_of)
