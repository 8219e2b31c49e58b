"""Which output folders the product may replace (SPEC §6: ``--out`` never destroys the user's files).

Every folder haiplan writes carries a marker file, :data:`MARKER`, written last
(by :func:`optimizer.io.atomic.atomic_dir`) and holding the kind of output
(``plan``, ``coverage``, ``roster``, ...). :func:`check_out_dir` is the one place
that decides whether ``--out`` may be used; the CLI and the Python API call it
before any work starts, and :func:`optimizer.io.atomic.atomic_dir` calls
:func:`replaceable` again just before it swaps folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from optimizer.errors import EXIT_INPUT, UsageError
from optimizer.io._table import SUFFIXES
from optimizer.io.schema import TABLES

__all__ = [
    "MARKER", "ROSTER", "OutputFolderError", "check_out_dir", "replaceable", "output_kind",
    "write_marker", "absolute", "table_paths",
]

MARKER = ".haiplan-output"
"""Name of the marker file in every folder haiplan writes."""

ROSTER = "roster"
"""Marker kind of a roster folder (``haiplan synth``): input data, replaced only with ``force``."""



class OutputFolderError(UsageError):
    """An output folder that must not be written; a usage error (exit 2), one line.

    Parameters
    ----------
    path
        The output path as given.
    reason
        Why it is refused and what to do instead.
    """

    exit_code: ClassVar[int] = EXIT_INPUT

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"output folder {self.path!r} refused: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        # rebuilt from its parts, not from the rendered text (errors cross process pools)
        return (type(self), (self.path, self.reason))


def absolute(path: str | Path) -> Path:
    """``path`` made absolute with its parents' symlinks resolved but not the last component."""
    p = Path(os.path.abspath(Path(path).expanduser()))
    return p.parent.resolve() / p.name if p.name else p.resolve()


def output_kind(folder: str | Path) -> str | None:
    """The kind written in ``folder``'s marker, or ``None`` when it carries none."""
    try:
        text = (Path(folder) / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text.strip().splitlines()[0] if text.strip() else "output"


def write_marker(folder: str | Path, kind: str) -> Path:
    """Write the marker of an output of ``kind`` into ``folder`` (call it last)."""
    path = Path(folder) / MARKER
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{kind}\nWritten by haiplan; haiplan may replace this folder.\n")
        fh.flush()
        os.fsync(fh.fileno())
    return path


def table_paths(folder: str | Path) -> list[Path]:
    """The input tables in ``folder`` and every name a table could take there.

    An output at one of those names would be read as (or shadow) an input table.
    """
    folder = Path(folder)
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    present = [f for f in files if _is_roster_file(f.name)]
    return present + [folder / f"{t}{x}" for t in TABLES for x in SUFFIXES]


def _is_roster_file(name: str) -> bool:
    stem, suffix = os.path.splitext(name)
    return stem.lower() in TABLES and suffix.lower() in SUFFIXES


def replaceable(out: Path, *, kind: str, force: bool = False) -> str | None:
    """Why the existing ``out`` may not be replaced by an output of ``kind`` (``None``: it may).

    A missing path or an empty folder may be written; a folder with the marker may be
    replaced, except a roster by anything but a forced roster; with ``force``, an
    unmarked folder holding only roster tables may be replaced by a roster.
    """
    if out.is_symlink():
        return "it is a symbolic link; give the real folder"
    if not out.exists():
        return None
    if not out.is_dir():
        return "it is a file, not a folder"
    try:
        entries = sorted(e.name for e in os.scandir(out))
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if not entries:
        return None
    found = output_kind(out)
    if found == ROSTER or (found is None and force and kind == ROSTER
                           and all(_is_roster_file(e) for e in entries)):
        if kind == ROSTER and force:
            return None
        if kind == ROSTER:
            return "it holds a roster; add --force to replace it"
        return "it holds a roster (input data); choose another folder"
    if found is not None:
        return None
    shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
    return (f"it is a non-empty folder haiplan did not write (no {MARKER} marker; holds {shown}); "
            "choose a new or empty folder")


def _input_reason(out: Path, inputs: Iterable[str | Path]) -> str | None:
    for raw in inputs:
        if raw is None:
            continue
        inp = absolute(raw)
        if inp == out:
            return "it is an input of this run"
        if out in inp.parents:
            return f"it holds an input of this run ({inp.name})"
    return None


def check_out_dir(
    out: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    kind: str = "output",
    force: bool = False,
) -> Path:
    """Refuse an output folder that writing would damage; return its absolute path.

    Parameters
    ----------
    out
        The output folder as given (``--out``).
    inputs
        Input files and folders of the run: ``out`` may be none of them and hold none of them.
    kind
        Kind of output to be written (the marker's content).
    force
        Allow a roster to replace an existing roster (``haiplan synth --force``).

    Returns
    -------
    pathlib.Path
        The absolute output path.

    Raises
    ------
    OutputFolderError
        When ``out`` is a file or symlink, lies under a file, is or holds an input,
        is or holds the current folder, or is a non-empty folder haiplan did not write.
    """
    path = absolute(out)
    reason = _input_reason(path, inputs)
    if reason is None:
        cwd = absolute(Path.cwd())
        if path == cwd or path in cwd.parents:
            reason = "it is (or holds) the current folder; give a subfolder"
    if reason is None:
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            reason = f"{parent} is a file, not a folder"
    if reason is None:
        reason = replaceable(path, kind=kind, force=force)
    if reason is not None:
        raise OutputFolderError(out, reason)
    return path
