"""LHS against plain Monte Carlo to equal precision: variance ratios across seeds, times the speed ratio.

LHS draws fewer points a second than MC (it replays scipy's shuffle per input and
block), but stratifies every input, so its estimates vary less between seeds. What a
quant pays for a given precision is time x variance, so for each statistic this prints

    ratio lhs_variance_reduction/STAT   var_MC / var_LHS   (across --seeds independent seeds)
    ratio lhs_efficiency/STAT           var_MC / var_LHS  x  rate_LHS / rate_MC

an efficiency above 1 meaning LHS reaches a given standard error sooner. The variance
ratio of R seeds has a relative standard error of about 2 / sqrt(R - 1) (two sample
variances, each sqrt(2 / (R - 1)), for near-normal estimates): printed as ``value
variance_ratio_rel_se``. The speed ratio is timed on the same fused path (`mc run`'s),
alternating methods, best of --repeats.

    python -m benchmarks.bench_lhs [--draws 262144] [--seeds 48] [--compiled] [--quick]
"""
from __future__ import annotations

import argparse
import math
import os

import numpy as np

from benchmarks.common import best_time, emit
from mc.priors import load_priors
from mc.streaming import summarise_streaming

STATISTICS = (("revenue_cny_per_year", "mean"), ("revenue_cny_per_year", "p50"), ("margin", "p50"),
              ("margin", "p5"), ("margin", "p_negative"), ("capex_cny_per_year", "p95"))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=float, default=262_144, help="draws a run (default 4 stream blocks)")
    p.add_argument("--seeds", type=int, default=48, help="independent runs a method")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--compiled", action="store_true", help="MC_COMPILED=1 (the kernels from the first block)")
    p.add_argument("--quick", action="store_true", help="small sizes (for tests)")
    return p.parse_args(argv)


def estimates(priors, n: int, method: str, seeds: int) -> np.ndarray:
    """Each statistic of :data:`STATISTICS` (columns) from `seeds` runs of `n` draws (rows), seeds 1, 2, ..."""
    rows = []
    for seed in range(1, seeds + 1):
        table = summarise_streaming(priors, n, seed=seed, method=method).set_index(["output", "statistic"])
        rows.append([float(table.loc[key, "value"]) for key in STATISTICS])
    return np.array(rows)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.compiled:
        os.environ["MC_COMPILED"] = "1"
    n, seeds = (8192, 8) if args.quick else (int(args.draws), args.seeds)
    priors = load_priors()
    summarise_streaming(priors, 1000, seed=1, method="lhs")  # warm: tables, imports, kernels
    seconds = {m: math.inf for m in ("mc", "lhs")}
    for _ in range(max(1, args.repeats)):  # alternating, so both meet the same load
        for method in seconds:
            seconds[method] = min(seconds[method],
                                  best_time(lambda: summarise_streaming(priors, n, seed=1, method=method), 1))
    speed = seconds["mc"] / seconds["lhs"]
    emit("value", "draws", n)
    emit("value", "seeds", seeds)
    emit("ratio", "lhs_speed/mc", speed, note="draws a second, LHS over MC")
    emit("value", "variance_ratio_rel_se", 2 / math.sqrt(seeds - 1))
    mc_var, lhs_var = (estimates(priors, n, m, seeds).var(axis=0, ddof=1) for m in ("mc", "lhs"))
    for (output, statistic), v_mc, v_lhs in zip(STATISTICS, mc_var, lhs_var):
        name = f"{output}.{statistic}"
        reduction = v_mc / v_lhs if v_lhs > 0 else math.inf
        emit("ratio", f"lhs_variance_reduction/{name}", reduction)
        emit("ratio", f"lhs_efficiency/{name}", reduction * speed, note="above 1: LHS reaches a precision sooner")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
