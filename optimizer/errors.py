"""One exception base for haiplan, the kinds of error beneath it and their exit codes.

Every error the project raises on purpose derives from :class:`HaiplanError` (defined in
``geodata.errors`` so that ``geodata`` need not import ``optimizer``); the command line
renders it once, as a message without a traceback, and exits with the class's
``exit_code``:

| exit | error | when |
|---|---|---|
| 0 | (none) | the command did what was asked |
| 1 | (not an exception: the check's result) | ``haiplan check`` found rule violations in a plan |
| 2 | ``DataError`` (alias ``InputError``) | input files that cannot be used, every problem located by file, row and column; nothing written |
| 2 | ``UsageError`` | a bad option value or path: an unknown name, a file where a folder is expected, a refused ``--out`` (``OutputFolderError``), a download while the network is off, osmium-tool missing for a PBF file |
| 3 | ``SolverError`` | no solver backend could solve the model (``BackendError``) |
| 3 | ``HaiplanError`` (any other) | an internal error: a damaged cache or offline assets, an unreachable road point |

A crash that is not a :class:`HaiplanError` is a bug; the command line shows it with its
traceback and exits with 3 as well.
"""

from __future__ import annotations

from typing import ClassVar

from geodata.errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_VIOLATIONS,
    ArgumentError,
    DataError,
    HaiplanError,
    InputError,
    Problem,
    ProblemCollector,
    UsageError,
)

__all__ = [
    "ArgumentError",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_VIOLATIONS",
    "DataError",
    "HaiplanError",
    "InputError",
    "Problem",
    "ProblemCollector",
    "SolverError",
    "UsageError",
]

#: Exit code of a command that did what was asked.
EXIT_OK = 0


class SolverError(HaiplanError):
    """No solver could produce a result for a model (exit 3): not the user's input."""

    exit_code: ClassVar[int] = EXIT_INTERNAL
