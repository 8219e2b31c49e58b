"""Shared bits of the travel benchmarks: machine description, extract paths, RESULTS sections."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = (REPO / ".." / "shared" / "osm").resolve()
RESULTS = REPO / "bench" / "RESULTS_travel.md"

if str(REPO) not in sys.path:  # run as `python bench/travel_x.py` from anywhere
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import cpu_model, load_avg, mem_total_gib, versions  # noqa: E402


def machine() -> dict[str, str]:
    """CPU, cores, memory, load, Python and package versions."""
    gib = mem_total_gib()
    load = load_avg()
    info = {
        "cpu": cpu_model(platform.processor() or platform.machine()),
        "cores": str(os.cpu_count()),
        "memory": f"{gib:.1f} GiB" if gib is not None else "",
        "load average (1 min) at start": f"{load[0]:.2f}" if load else "n/a",
        "python": platform.python_version(),
        "os": platform.platform(),
    }
    info.update(versions(("numpy", "scipy", "osmnx", "networkx", "shapely", "pyrosm"), absent="absent"))
    exe = shutil.which("osmium")
    info["osmium-tool"] = (
        subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.splitlines()[0] if exe else "absent"
    )
    return info


def machine_markdown(info: dict[str, str]) -> str:
    """A one-line-per-item Markdown list."""
    return "\n".join(f"- {k}: {v}" for k, v in info.items())


def print_machine(info: dict[str, str]) -> None:
    """Print the machine description."""
    for k, v in info.items():
        print(f"  {k}: {v}")


def update_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) the section between ``<!-- BEGIN name -->`` and ``<!-- END name -->``."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    text = path.read_text() if path.is_file() else "# Travel-time benchmarks\n\nWritten by `bench/travel_*.py`.\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
