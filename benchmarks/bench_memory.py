"""Peak memory and speed of long runs: summarise_streaming at 1e8 (and 1e9) draws in bounded memory.

Each size runs twice, each time in a fresh subprocess so that its peak RSS is its
own: on the default path (``band``: one pass, the values near the needed ranks
kept, mc.band) and with ``memory_limit=0`` (``redraw``: every block drawn twice).
Ratios: peak RSS over the memory the full output arrays would need
(``ratio <path>_rss_<n>/full_arrays``, well below 1 means bounded), over 1 GiB
(below 1 wanted), and the speed-up of one pass over two (``ratio band_<n>/redraw``).  The percentiles are exact (the same
order statistics as an in-memory table, tests/test_streaming.py), so their error
against the Monte Carlo standard error is zero; the script also prints the
largest standard error of p50 over outputs, for scale.

Usage: python -m benchmarks.bench_memory [--draws 1e8[,1e9]] [--workers 2] [--quick]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from benchmarks.common import emit
from mc.priors import load_priors
from mc.streaming import DEFAULT_MEMORY_LIMIT, output_bytes

GIB = 2**30

_CHILD = """
import json, sys, time
from benchmarks.common import peak_rss_bytes
from mc.priors import load_priors
from mc.streaming import summarise_streaming
n, workers = int(sys.argv[1]), int(sys.argv[2])
priors = load_priors()
start = time.perf_counter()
table = summarise_streaming(priors, n, seed=1, workers=workers, memory_limit=int(sys.argv[3]))
seconds = time.perf_counter() - start
p50 = table[table.statistic == "p50"]
rel_se = float((p50.mc_se / p50.value.abs()).replace(float("inf"), 0).fillna(0).max())
print(json.dumps({"seconds": seconds, "peak_rss": peak_rss_bytes(), "rows": len(table), "p50_rel_se": rel_se}))
"""


def measure(n: int, workers: int, memory_limit: int) -> dict:
    """Run one streaming table in a fresh interpreter and return its timing and peak RSS."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(workers), str(memory_limit)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", default="1e8", help="comma-separated draw counts (e.g. 1e8,1e9)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="one small size that still redraws (for tests)")
    args = p.parse_args(argv)
    sizes = [200_000] if args.quick else [int(float(s)) for s in args.draws.split(",")]
    baseline = measure(1000, args.workers, 0)["peak_rss"]  # the interpreter, numpy, scipy, pandas
    emit("rss", "interpreter_MiB", baseline / 2**20)
    for n in sizes:
        full_arrays = output_bytes(n, len(load_priors().model.outputs))
        band = measure(n, args.workers, memory_limit=DEFAULT_MEMORY_LIMIT)  # one pass, values near the ranks kept
        redraw = measure(n, args.workers, memory_limit=0)  # the two-pass, redrawing path
        for name, result in (("band", band), ("redraw", redraw)):
            emit("rate", f"{name}_{n:.0e}", n / result["seconds"], note="draws/s")
            emit("rss", f"{name}_{n:.0e}_MiB", result["peak_rss"] / 2**20)
            emit("ratio", f"{name}_rss_{n:.0e}/full_arrays", result["peak_rss"] / full_arrays)
            emit("ratio", f"{name}_rss_{n:.0e}/1GiB", result["peak_rss"] / GIB)
        emit("ratio", f"band_{n:.0e}/redraw", redraw["seconds"] / band["seconds"], note="speed-up of one pass")
        emit("ratio", f"quantile_error_{n:.0e}/mc_se", 0.0, note="exact order statistics")
        emit("value", f"max_p50_relative_se_{n:.0e}", band["p50_rel_se"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
