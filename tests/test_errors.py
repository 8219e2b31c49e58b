"""One exception base (issue 10 item 5): every error class of the packages derives from
``HaiplanError`` and states its exit code; located errors survive a process pool."""

from __future__ import annotations

import ast
import importlib
import inspect
import pickle
from pathlib import Path

import pytest

from geodata.errors import HaiplanError as GeodataBase
from geodata.licensure import load_nlc_table
from geodata.travel import _osm, get_provider
from geodata.travel import settings as travel_settings
from geodata.travel.base import NetworkDisabledError
from optimizer.errors import (
    DataError,
    HaiplanError,
    InputError,
    Problem,
    ProblemCollector,
    SolverError,
    UsageError,
)
from optimizer.io.outdir import OutputFolderError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("optimizer", "geodata")


def _modules_defining_classes() -> list[str]:
    """Every module of the packages whose source defines a class (read from the AST)."""
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            if any(isinstance(n, ast.ClassDef) for n in ast.walk(tree)):
                parts = list(path.relative_to(ROOT).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                out.append(".".join(parts))
    return out


def _exception_classes() -> list[type[BaseException]]:
    found = []
    for name in _modules_defining_classes():
        module = importlib.import_module(name)
        for _n, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found.append(obj)
    return found


def test_one_base_for_every_error_class() -> None:
    classes = _exception_classes()
    # the walk sees the errors of both packages (so the assertion below could fail)
    names = {c.__name__ for c in classes}
    assert {"HaiplanError", "DataError", "UsageError", "SolverError", "BackendError",
            "OutputFolderError", "GraphCacheError", "NetworkDisabledError"} <= names
    stray = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, HaiplanError))
    assert stray == [], f"exception classes outside HaiplanError: {stray}"


def test_every_error_class_has_an_exit_code() -> None:
    for cls in _exception_classes():
        assert cls.exit_code in (1, 2, 3), cls  # type: ignore[attr-defined]
        assert "exit" in (cls.__doc__ or "").lower() or cls.exit_code == cls.__mro__[1].exit_code, (
            f"{cls.__qualname__} neither documents nor inherits its exit code")


def test_the_kinds_and_their_exit_codes() -> None:
    assert HaiplanError is GeodataBase
    assert InputError is DataError
    assert (DataError.exit_code, UsageError.exit_code, SolverError.exit_code) == (2, 2, 3)
    assert issubclass(OutputFolderError, UsageError) and OutputFolderError.exit_code == 2
    backend_error = importlib.import_module("optimizer.routing.backends").BackendError
    assert issubclass(backend_error, SolverError) and issubclass(backend_error, RuntimeError)
    travel = importlib.import_module("geodata.travel.base")
    assert issubclass(travel.NetworkDisabledError, UsageError)
    # the built-in bases are kept, so existing `except ValueError/LookupError` still catch them
    assert issubclass(travel.UnreachableError, LookupError)
    assert issubclass(importlib.import_module("geodata.travel._graph").GraphCacheError, ValueError)


def test_the_exit_code_table_names_every_kind() -> None:
    doc = importlib.import_module("optimizer.errors").__doc__ or ""
    for name in ("DataError", "UsageError", "SolverError", "HaiplanError", "OutputFolderError"):
        assert name in doc


def test_located_errors_cross_a_process_pool_whole() -> None:
    collector = ProblemCollector("patients.csv")
    collector.add(3, "lat", "need a number, not 'x'")
    collector.add(None, None, "no rows")
    with pytest.raises(DataError) as info:
        collector.raise_if_any()
    back = pickle.loads(pickle.dumps(info.value))
    assert type(back) is DataError
    assert back.problems == [Problem("patients.csv", 3, "lat", "need a number, not 'x'"),
                             Problem("patients.csv", None, None, "no rows")]
    assert back.render(limit=1).splitlines() == [
        "2 problem(s) in the input:", "  patients.csv, row 3, column 'lat': need a number, not 'x'",
        "  ... and 1 more"]
    refused = pickle.loads(pickle.dumps(OutputFolderError("/tmp/x", "it holds an input")))
    assert (refused.path, refused.reason) == ("/tmp/x", "it holds an input")
    assert str(refused) == "output folder '/tmp/x' refused: it holds an input"


def test_licensure_errors_are_located_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "nlc.csv"
    bad.write_text("state,status,implemented\nZZ,implemented,2020-01-01\n")
    with pytest.raises(DataError) as info:
        load_nlc_table(bad)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "state")]
    assert info.value.exit_code == 2


def test_downloads_follow_geodata_own_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """geodata decides on the network by its own setting (it never imports optimizer)."""
    assert travel_settings.ALLOW_NETWORK is False
    provider = get_provider("road", place="Columbus, Ohio, USA", cache_dir=tmp_path)
    with pytest.raises(NetworkDisabledError, match="geodata.travel.settings.ALLOW_NETWORK") as info:
        provider.matrix([(39.96, -83.0)])
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2
    monkeypatch.setattr(travel_settings, "ALLOW_NETWORK", True)
    assert _osm.network_allowed(None) is True
    assert _osm.network_allowed(False) is False
