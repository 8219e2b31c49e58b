"""Machine and version facts printed by every benchmark.

Small building blocks (``cpu_model``, ``mem_total_gib``, ``load_avg``, ``versions``)
that each bench script formats its own way, plus ``machine_info``, the one-line
summary of ``bench/national.py``. Import from a bench script run as
``python bench/x.py`` with the bench folder on ``sys.path``::

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _machine import cpu_model  # noqa: E402
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from importlib import metadata


def cpu_model(default: str = "unknown CPU") -> str:
    """The first ``model name`` of /proc/cpuinfo, or ``default`` when there is none."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return default


def mem_total_gib() -> float | None:
    """Total memory (``MemTotal`` of /proc/meminfo) in GiB, or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) / 2**20
    except (OSError, IndexError, ValueError):
        pass
    return None


def load_avg() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages, or None where the OS has none."""
    return os.getloadavg() if hasattr(os, "getloadavg") else None


def versions(packages: Iterable[str], absent: str | None = None) -> dict[str, str]:
    """Installed version of each package, in order; a missing one maps to ``absent``,
    or is left out when ``absent`` is None."""
    out = {}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            if absent is not None:
                out[pkg] = absent
    return out


def versions_text(packages: Iterable[str]) -> str:
    """``"numpy 2.1.0, scipy 1.14.1"``: the installed ones of ``packages``."""
    return ", ".join(f"{pkg} {ver}" for pkg, ver in versions(packages).items())


def machine_info() -> str:
    """One line: CPU, cores, memory, load, Python and solver versions."""
    gib = mem_total_gib()
    mem = f", {gib:.0f} GiB RAM" if gib is not None else ""
    load = load_avg()
    load_text = f", load {load[0]:.1f}" if load else ""
    return (f"{cpu_model()}, {os.cpu_count()} cores{mem}{load_text}; Python {platform.python_version()}; "
            + versions_text(("ortools", "pyvrp", "numpy", "osmnx", "scipy")))
