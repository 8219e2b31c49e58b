"""Plan folders given as inputs: a plan folder to check, the previous plan of a re-plan (:mod:`optimizer.api`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from optimizer.arguments import path_arg
from optimizer.domain import Roster
from optimizer.errors import UsageError
from optimizer.inputs import need_folder
from optimizer.io.plan_writer import read_plan
from optimizer.planning.plan import Plan
from optimizer.validate.check import REQUIRED_FILES

__all__ = ["UNREADABLE", "is_plan_folder", "need_plan_folder", "previous_plan"]


def need_plan_folder(path: Any, what: str, hint: str) -> Path:
    """``path`` as a folder holding a file of a plan folder; else a one-line :class:`UsageError`
    naming ``what`` and ending with ``hint`` (a data folder given for a plan)."""
    folder = need_folder(path_arg(path, what), what)
    if not is_plan_folder(folder):
        raise UsageError(f"{what} {str(path)!r} holds none of {', '.join(REQUIRED_FILES)}: it is no plan "
                         f"folder ({hint})")
    return folder


def is_plan_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding a file of a plan folder (``visits.csv``, ``summary.json``, ...)."""
    p = Path(path)
    return p.is_dir() and any((p / name).exists() for name in REQUIRED_FILES)


#: What reading a damaged plan folder raises: bad text encoding, JSON, dates, numbers, missing columns.
UNREADABLE = (UnicodeDecodeError, ValueError, KeyError, TypeError)


def previous_plan(folder: str | Path, roster: Roster, start: dt.date) -> Plan:
    """The plan folder a re-plan from ``start`` starts from; a one-line :class:`UsageError` when it is
    none, a :class:`~optimizer.errors.DataError` with every located problem when its tables are damaged
    or what it made before ``start`` names a nurse or patient ``roster`` lacks."""
    path = need_folder(folder, "previous plan folder")
    try:
        return read_plan(path, roster=roster, before=start)
    except FileNotFoundError as exc:
        raise UsageError(f"previous plan folder {str(path)!r} is not a plan folder haiplan wrote ({exc})") from None
    except UNREADABLE as exc:
        raise UsageError(f"previous plan folder {str(path)!r} cannot be read as a plan: "
                         f"{type(exc).__name__}: {exc}") from None
