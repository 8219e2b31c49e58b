"""Child-process hygiene: workers must not outlive the planner that started them."""

from __future__ import annotations

import ctypes
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (``PR_SET_PDEATHSIG``).

    Pool workers block on a queue whose write end their siblings also hold, so a
    parent killed with SIGKILL would otherwise leave them waiting forever. A no-op
    off Linux. Linux sends the signal when the *thread* that started the child ends,
    so start such children from a thread that lives as long as the work (here: the
    main thread of the planner or of a pool worker).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # pragma: no cover - no glibc
        pass
