"""Write an output folder whole or not at all (SPEC §6).

Files go into a hidden temporary sibling folder; only when everything is
written does it replace the target, so a failed or interrupted run leaves the
previous folder as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_dir"]


def _backup_of(out: Path) -> Path:
    return out.with_name(f".{out.name}.previous")


def _recover(out: Path) -> None:
    """Finish a swap that was interrupted between its two renames."""
    backup = _backup_of(out)
    if backup.exists():
        if out.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, out)


@contextmanager
def atomic_dir(out: str | Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes ``out`` (replacing any old one)."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    backup = _backup_of(out)
    if out.exists():
        os.replace(out, backup)
    os.replace(tmp, out)
    shutil.rmtree(backup, ignore_errors=True)
