"""Child-process entry point of the watchdog: ``python -m optimizer.routing._worker IN_FD OUT_FD``.

Reads one ``(backend spec, model, request)`` job from ``IN_FD``, runs it, and
writes progress, incumbents and the result (or the error) to ``OUT_FD``.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection

from optimizer._proc import die_with_parent
from optimizer.routing.runner import _child_main


def main(argv: list[str]) -> int:
    parent = os.getppid()
    die_with_parent()  # a solver must not run on after the planner that asked for it is killed
    if os.getppid() != parent:  # the parent died before the line above took effect
        return 3
    job = Connection(int(argv[1]), writable=False)
    out = Connection(int(argv[2]), readable=False)
    try:
        spec, model, request = job.recv()
    except EOFError:
        return 2
    finally:
        job.close()

    _child_main(out, spec, model, request)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
