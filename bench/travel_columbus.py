"""Benchmark: Columbus OH road graph build + 1,000 × 1,000 drive-time matrix, then from the cache.

Each run is a fresh Python process timed by this script from launch to exit
(interpreter start and imports included):

1. cold: empty cache folder — osmium PBF → XML, osmnx graph, speeds, CSR,
   snapping, 1,000 × 1,000 matrix (targets: ≤ 15 s end to end);
2. warm: same cache folder — the matrix comes from the row cache (target ≤ 1 s);
3. weekly re-run: 950 of the points again plus 50 new ones — only new rows/columns;
4. graph from the graph cache, matrix cache off — the Dijkstra alone.

Peak memory is each child's ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.
Figures go to ``bench/RESULTS_travel.md`` (section ``columbus``).

Usage: ``python bench/travel_columbus.py [--n 1000] [--network drive|major] [--no-write]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from travel_common import SHARED_OSM, machine, machine_markdown, print_machine, update_section

EXTRACT = SHARED_OSM / "columbus-oh.osm.pbf"


def child(cache_dir: str, n: int, network: str, variant: str) -> None:
    """One run inside a fresh process; prints a JSON line of figures."""
    t_start = time.perf_counter()
    import resource

    import numpy as np

    from geodata.travel import RoadProvider

    t_import = time.perf_counter()
    p = RoadProvider(EXTRACT, network=network, cache_dir=cache_dir, matrix_cache=variant != "nocache")
    # synthetic homes: random strongly connected nodes jittered by up to ~200 m (needs the graph;
    # drawn once by the parent and stored in the cache folder so warm runs need no graph)
    pts_file = Path(cache_dir) / f"points-{n}.npy"
    pts = np.load(pts_file)
    if variant == "weekly":
        rng = np.random.default_rng(7)
        new = pts[rng.choice(len(pts), size=len(pts) // 20, replace=False)] + rng.uniform(-0.01, 0.01, (len(pts) // 20, 2))
        pts = np.vstack([pts[len(pts) // 20 :], new])
    t_graph = None
    if variant != "warm" and variant != "weekly":
        t0 = time.perf_counter()
        p.graph  # built (cold) or loaded from the graph cache; timed apart from the matrix
        t_graph = time.perf_counter() - t0
    t0 = time.perf_counter()
    m = p.matrix(pts)
    t_matrix = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = {
        "variant": variant,
        "import_s": t_import - t_start,
        "graph_s": t_graph,
        "matrix_call_s": t_matrix,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "graph_loaded": p._graph is not None,
        "graph_build_s": (p._graph.meta.get("build_seconds") if p._graph is not None else None),
        "nodes": p._graph.n_nodes if p._graph is not None else None,
        "edges": p._graph.n_edges if p._graph is not None else None,
        "dijkstra_sources": p.stats.dijkstra_sources,
        "cache": (vars(p.matrix_cache.last_stats) if p.matrix_cache is not None else None),
        "reachable_share": float(m.reachable.mean()),
        "minutes_median": float(np.nanmedian(m.minutes)),
        "minutes_max": float(np.nanmax(m.minutes)),
        "km_median": float(np.nanmedian(m.km)),
        "snap_km_median": float(np.median(m.snap_km[0])),
        "snap_km_max": float(np.max(m.snap_km[0])),
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "in_process_s": time.perf_counter() - t_start,
    }
    print("RESULT " + json.dumps(out))


def run(cache_dir: str, n: int, network: str, variant: str) -> dict:
    """Launch a child and time it from launch to exit."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", variant, "--cache-dir", cache_dir, "--n", str(n),
                           "--network", network], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"child {variant} failed:\n{proc.stderr}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    res = json.loads(line[len("RESULT "):])
    res["wall_s"] = wall
    return res


def prepare_points(cache_dir: str, n: int, network: str) -> None:
    """Draw the synthetic homes (with the graph built in a throwaway cache, not the timed one)."""
    import numpy as np

    from geodata.travel import RoadProvider

    with tempfile.TemporaryDirectory(prefix="haiplan-bench-prep-") as tmp:
        g = RoadProvider(EXTRACT, network=network, cache_dir=tmp, matrix_cache=False).graph
        rng = np.random.default_rng(2026)
        nodes = rng.choice(np.flatnonzero(g.scc_mask), size=n, replace=n > g.scc_mask.sum())
        jitter = rng.uniform(-0.0018, 0.0018, (n, 2))  # ±200 m
        np.save(Path(cache_dir) / f"points-{n}.npy", np.column_stack([g.node_lat[nodes], g.node_lon[nodes]]) + jitter)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="points (matrix is n × n)")
    ap.add_argument("--network", default="drive", choices=["drive", "major"])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--cache-dir", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "prepare":
        prepare_points(args.cache_dir, args.n, args.network)
        return
    if args.child:
        child(args.cache_dir, args.n, args.network, args.child)
        return
    if not EXTRACT.is_file():
        raise SystemExit(f"{EXTRACT} is absent: this benchmark needs ../shared/osm beside the repo")

    info = machine()
    print("machine:")
    print_machine(info)
    with tempfile.TemporaryDirectory(prefix="haiplan-bench-") as cache:
        # in a child too: Linux keeps ru_maxrss across fork+exec, so a big parent would inflate the children's peaks
        subprocess.run([sys.executable, __file__, "--child", "prepare", "--cache-dir", cache, "--n", str(args.n),
                        "--network", args.network], check=True)
        results = [run(cache, args.n, args.network, v) for v in ("cold", "warm", "weekly", "nocache")]
    for r in results:
        print(json.dumps(r))
    cold, warm, weekly, nocache = results
    label = f"{args.n:,} × {args.n:,}, network={args.network}"
    ok = lambda v, lim: "✅" if v <= lim else "❌"  # noqa: E731
    lines = [
        f"Run {dt.datetime.now().isoformat(timespec='seconds')}: `python bench/travel_columbus.py --n {args.n} "
        f"--network {args.network}` on `../shared/osm/columbus-oh.osm.pbf` ({label}).",
        "",
        f"Graph: {cold['nodes']:,} nodes, {cold['edges']:,} directed edges (osmnx-simplified, parallel ways merged).",
        f"Points: {args.n:,} synthetic homes within ±200 m of random graph nodes; access legs median "
        f"{cold['snap_km_median'] * 1000:.0f} m, max {cold['snap_km_max'] * 1000:.0f} m.",
        f"Matrix: {cold['reachable_share']:.1%} of pairs reachable; median {cold['minutes_median']:.1f} min / "
        f"{cold['km_median']:.1f} km, max {cold['minutes_max']:.1f} min.",
        "",
        "Each run is a fresh process, timed from launch to exit (interpreter start and imports included);",
        "CPU = the child's user + system time, a less load-sensitive figure on a shared machine.",
        "",
        "| run | end to end (s) | target | CPU (s) | imports (s) | graph (s) | matrix call (s) | Dijkstra sources | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| cold: build graph + matrix, empty caches | {cold['wall_s']:.2f} | ≤ 15 s {ok(cold['wall_s'], 15)} | "
        f"{cold['cpu_s']:.2f} | {cold['import_s']:.2f} | {cold['graph_s']:.2f} built | {cold['matrix_call_s']:.2f} | "
        f"{cold['dijkstra_sources']:,} | {cold['peak_rss_mb']:.0f} |",
        f"| warm: same points, from the matrix cache | {warm['wall_s']:.2f} | ≤ 1 s {ok(warm['wall_s'], 1)} | "
        f"{warm['cpu_s']:.2f} | {warm['import_s']:.2f} | not loaded | {warm['matrix_call_s']:.2f} | "
        f"{warm['dijkstra_sources']:,} | {warm['peak_rss_mb']:.0f} |",
        f"| weekly re-run: 5 % new points | {weekly['wall_s']:.2f} | | {weekly['cpu_s']:.2f} | {weekly['import_s']:.2f} | "
        f"loaded in the call | {weekly['matrix_call_s']:.2f} | {weekly['dijkstra_sources']:,} | {weekly['peak_rss_mb']:.0f} |",
        f"| graph from graph cache, matrix cache off | {nocache['wall_s']:.2f} | | {nocache['cpu_s']:.2f} | "
        f"{nocache['import_s']:.2f} | {nocache['graph_s']:.2f} loaded | {nocache['matrix_call_s']:.2f} | "
        f"{nocache['dijkstra_sources']:,} | {nocache['peak_rss_mb']:.0f} |",
        "",
        f"Weekly re-run cache stats: {weekly['cache']}.",
        "",
        f"Machine (shared with other jobs: 1-min load average {info['load average (1 min) at start']} on "
        f"{info['cores']} cores at start, so wall times are inflated when it exceeds the core count):",
        "",
        machine_markdown(info),
    ]
    report = "\n".join(lines)
    print()
    print(report)
    if not args.no_write:
        section = "columbus" if args.network == "drive" else f"columbus-{args.network}"
        update_section(section, f"## Columbus road graph and 1,000 × 1,000 matrix ({args.network})\n\n" + report)
        print("\nwrote bench/RESULTS_travel.md")


if __name__ == "__main__":
    main()
