"""Write an output folder whole or not at all, safely under concurrency and signals (SPEC §6).

Files go into a hidden temporary sibling ``.<name>.tmp-<pid>-<random>``; the marker
(:data:`optimizer.io.outdir.MARKER`) is written last. Then, under an exclusive
``flock`` on ``.<name>.lock`` (writers serialise), Linux ``renameat2(RENAME_EXCHANGE)``
swaps the finished folder with the old one in one step, so a reader of ``<name>``
always finds a whole old or a whole new folder; the swapped-out old folder is
deleted. Where ``renameat2`` is missing (not Linux, old glibc, a file system
without exchange), two renames through ``.<name>.previous`` are used and the next
writer repairs a run interrupted between them.

SIGTERM and SIGHUP (in the main thread) raise :class:`SystemExit` while a folder
is written, so the temporary folder is removed; the swap and the clean-up run
with those signals and SIGINT blocked. Temporary folders left by a killed run
(SIGKILL, power loss) carry a dead pid and are removed by the next writer.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from optimizer.io.outdir import OutputFolderError, absolute, replaceable, write_marker

__all__ = ["atomic_dir"]

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_CAUGHT = (signal.SIGTERM, signal.SIGHUP)
_BLOCKED = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT}

#: Test hook: called with the name of each step of a write (``tmp``, ``filled``, ``marked``,
#: ``locked``, ``swapped``, ``cleaned``); tests kill the process there.
step_hook: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if step_hook is not None:
        step_hook(name)


def _load_renameat2() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()


def _rename2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2``; ``False`` when the system or file system does not support it."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(out: Path) -> None:
    """Remove temporary folders of ``out`` left by dead processes; finish an interrupted fallback swap."""
    pattern = re.compile(re.escape(f".{out.name}.") + r"(?:tmp|old)-(\d+)-[0-9a-f]+")
    for entry in os.scandir(out.parent):
        m = pattern.fullmatch(entry.name)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)
    backup = out.with_name(f".{out.name}.previous")
    if backup.exists():
        if out.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, out)


@contextmanager
def _locked(out: Path) -> Iterator[Callable[[], None]]:
    """Exclusive lock of ``out``'s writers; yields ``release`` (idempotent: the lock file is removed
    and the lock dropped at the first call, at the latest on leaving the block)."""
    path = out.with_name(f".{out.name}.lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            st = os.fstat(fd)
            try:
                now = os.stat(path)
            except FileNotFoundError:
                now = None
        except BaseException:
            os.close(fd)
            raise
        if now is not None and (now.st_ino, now.st_dev) == (st.st_ino, st.st_dev):
            break
        os.close(fd)  # the holder before us removed the file: lock the new one
    held = [True]

    def release() -> None:
        if held.pop() if held else False:
            try:
                os.unlink(path)
            finally:
                os.close(fd)

    try:
        yield release
    finally:
        with _blocked_signals():
            release()


@contextmanager
def _blocked_signals() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def _signals_raise() -> Iterator[None]:
    """While writing, SIGTERM/SIGHUP raise :class:`SystemExit` (main thread only) so clean-up runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}
    for sig in _CAUGHT:
        if signal.getsignal(sig) in (signal.SIG_DFL, None):
            old[sig] = signal.signal(sig, _raise_exit)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``; the old ``out`` (if any) ends at ``tmp``'s path."""
    if out.exists():
        if _rename2(tmp, out, _RENAME_EXCHANGE):
            return
        backup = out.with_name(f".{out.name}.previous")
        os.replace(out, backup)
        _step("moved-aside")  # only in this fallback: the next writer repairs a kill here
        os.replace(tmp, out)
        os.replace(backup, tmp)
        return
    if not _rename2(tmp, out, _RENAME_NOREPLACE):
        os.rename(tmp, out)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_dir(out: str | Path, *, kind: str = "output", force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out`` in one atomic step.

    Parameters
    ----------
    out
        The folder to write. It must be missing, empty, or a folder haiplan wrote
        (see :func:`optimizer.io.outdir.check_out_dir`).
    kind
        Kind of output, written into the marker file last.
    force
        Allow a roster to replace a roster (``haiplan synth --force``).

    Yields
    ------
    pathlib.Path
        The temporary folder to fill.

    Raises
    ------
    OutputFolderError
        When ``out`` may not be replaced (checked before and again just before the swap);
        nothing is changed then.
    """
    target = absolute(out)
    reason = replaceable(target, kind=kind, force=force)
    if reason is not None:
        raise OutputFolderError(out, reason)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _signals_raise():
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            tmp.mkdir(mode=0o700)
            _step("tmp")
            yield tmp
            _step("filled")
            write_marker(tmp, kind)
            _step("marked")
            with _locked(target) as release:
                _step("locked")
                # from the swap to the clean-up nothing is interrupted: a signal that arrives meanwhile
                # is handled once the lock file and the swapped-out folder are gone (Python runs its
                # handler a few calls after the unblock, which could otherwise land in a clean-up step)
                with _blocked_signals():
                    _remove_stale(target)
                    reason = replaceable(target, kind=kind, force=force)
                    if reason is not None:
                        raise OutputFolderError(out, reason)
                    _swap(tmp, target)
                    _fsync_dir(target.parent)
                    _step("swapped")
                    release()
                    shutil.rmtree(tmp, ignore_errors=True)  # the swapped-out old folder
        finally:
            with _blocked_signals():
                shutil.rmtree(tmp, ignore_errors=True)  # the unused new or the swapped-out old folder
                _step("cleaned")
