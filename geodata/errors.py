"""The one exception base of the project and the errors that geodata itself raises.

``geodata`` never imports ``optimizer``, so the base lives here, below both packages:
:class:`HaiplanError` and the two user-facing kinds that ``geodata`` needs (located input
errors and usage errors). ``optimizer.errors`` re-exports them, adds the rest and holds the
table of exit codes (see its module docstring).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "ArgumentError",
    "DataError",
    "HaiplanError",
    "InputError",
    "Problem",
    "ProblemCollector",
    "UsageError",
]

#: Exit code of an internal or solver error (one that is not the user's input or options).
EXIT_INTERNAL = 3
#: Exit code of bad input files or a bad option value; nothing is written (SPEC §8).
EXIT_INPUT = 2
#: Exit code of a plan that the independent check finds violations in.
EXIT_VIOLATIONS = 1


class HaiplanError(Exception):
    """Base of every error that haiplan raises on purpose; the CLI renders it once.

    ``exit_code`` is the process exit code the command line returns for it: 3 unless a
    subclass says otherwise (an internal or solver error, not the user's fault).
    """

    exit_code: ClassVar[int] = EXIT_INTERNAL

    def render(self, *, limit: int | None = None) -> str:
        """The message to show a user, without a traceback.

        Parameters
        ----------
        limit
            Most items to list when the error carries several (subclasses that do use it).

        Returns
        -------
        str
            The message.
        """
        return str(self)


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One problem in an input file.

    ``row`` is the line as a spreadsheet shows it: the header is row 1, the
    first record row 2. ``row`` or ``column`` is ``None`` when the problem is
    about the whole file or a whole row.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class DataError(HaiplanError):
    """Input that cannot be used; ``problems`` lists every problem found (exit 2).

    Parameters
    ----------
    problems
        Every located problem (file, row, column, message).
    """

    exit_code: ClassVar[int] = EXIT_INPUT

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(self.render())

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from its problems, not from the rendered text (errors cross process pools)
        return (type(self), (self.problems,))

    def render(self, *, limit: int | None = None) -> str:
        """Every problem on its own line, at most ``limit`` of them when given.

        Parameters
        ----------
        limit
            Most problems to list; the rest are counted.

        Returns
        -------
        str
            The message.
        """
        shown = self.problems if limit is None else self.problems[:limit]
        lines = [f"{len(self.problems)} problem(s) in the input:"]
        lines += [f"  {p}" for p in shown]
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


#: The located input error under its descriptive name (the same class as :class:`DataError`).
InputError = DataError


class UsageError(HaiplanError):
    """A bad option value or a path that cannot be used as asked (exit 2, nothing written).

    For example an unknown backend name, a file where a folder is expected, an output folder
    that must not be replaced, or a download while the network is off.
    """

    exit_code: ClassVar[int] = EXIT_INPUT


class ArgumentError(UsageError, ValueError):
    """A bad argument value of an API call that a command-line option passes on (exit 2, nothing
    written); a :class:`ValueError` for Python callers too. For example a synthetic roster of an
    unknown state or a negative seed, a box with no town in it, a file of the wrong kind."""


class ProblemCollector:
    """Collects problems while a file is read, then raises them all together.

    Parameters
    ----------
    file
        The file's name as the user knows it (used in every problem).
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, row: int | None, column: str | None, message: str) -> None:
        """Record one problem at ``row`` and ``column`` (either may be ``None``)."""
        self.problems.append(Problem(self.file, row, column, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record problems found elsewhere."""
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        """Raise :class:`DataError` with every recorded problem, if there is any."""
        if self.problems:
            raise DataError(self.problems)
