"""A cross-process exclusive file lock (private).

``fcntl.flock`` on POSIX; elsewhere an ``O_EXCL`` lock file with polling and
stale-lock expiry. Readers never need it: writers replace files atomically.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType

from geodata.travel._rowfile import private_dir

try:  # pragma: no cover - platform dependent
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class FileLock:
    """Exclusive lock on ``path`` for a ``with`` block.

    Parameters
    ----------
    path
        Lock file (created if missing).
    timeout
        Seconds to wait before ``TimeoutError``.
    stale_after
        (Non-POSIX fallback only) seconds after which a left-over lock file is broken.
    """

    def __init__(self, path: Path, *, timeout: float = 600.0, stale_after: float = 900.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.stale_after = stale_after
        self._fd: int | None = None

    def acquire(self) -> None:
        """Block until the lock is held."""
        private_dir(self.path.parent)
        deadline = time.monotonic() + self.timeout
        if fcntl is not None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self._fd = fd
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        os.close(fd)
                        raise TimeoutError(f"could not lock {self.path} within {self.timeout} s") from None
                    time.sleep(0.01)
        while True:  # pragma: no cover - non-POSIX
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                return
            except FileExistsError:
                try:
                    if time.time() - self.path.stat().st_mtime > self.stale_after:
                        self.path.unlink(missing_ok=True)
                        continue
                except FileNotFoundError:
                    continue
                if time.monotonic() > deadline:
                    raise TimeoutError(f"could not lock {self.path} within {self.timeout} s") from None
                time.sleep(0.05)

    def release(self) -> None:
        """Release the lock."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        else:  # pragma: no cover
            os.close(fd)
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
