"""Throughput of mc's full path against the random-number floor, plain numpy, squigglepy, OpenTURNS and monaco.

mc's full path draws every input of priors/base.toml, evaluates every output
and builds the percentile table with standard errors, either as
``summarise(simulate(...))`` ("classic"), ``summarise_arrays(simulate_arrays(...))`` ("arrays": what `mc run`
does, without xarray or pandas) or ``summarise_streaming`` ("fused":
statistics gathered block by block while the block is in cache).  Every ratio
is a rate over a rate timed in this process:

    ratio mc_<method>_<path>_w<k>/floor   >= 0.8 wanted on one core
    ratio mc_<method>_<path>_w<k>/numpy   > 1 wanted
    ratio mc_mc_fused_w1/squigglepy, /openturns, /monaco

For lhs and sobol the inverse CDFs dominate; ``ratio ppf_<family>/scipy`` is the
speed-up of mc's inverse CDF over scipy.stats' on the same points.

``--clock cpu`` times with ``time.process_time`` (CPU of this process): on a
shared, loaded machine that moves less than wall time, but it adds up all threads,
so w2 paths then show cost, not speed-up. ``--compiled`` adds each mc path with
the compiled kernels forced on (``MC_COMPILED=1``; same numbers, see
tests/test_fastppf.py), named ``..._compiled``; the plain names are the numpy
path (``MC_COMPILED=0``: the default ``auto`` would start loading the kernels in
the background partway through, after 160 M values, mc.fastppf.COMPILE_AFTER). The load average is
printed at the start and the end.

``--pcg-ab`` times the compiled fused path (one worker) with its uniforms from mc.pcg
(the default) and with numpy's own words (``MC_PCG=0``, the previous compiled path),
alternating, and prints ``ratio mc_<method>_fused_w1_compiled/numpy_words``.

``--tune-malloc`` first keeps freed memory for reuse (mc.process.tune_malloc):
every path then allocates its per-block arrays without page faults (baselines too).

Usage: python -m benchmarks.bench_throughput [--draws N] [--methods mc,lhs,sobol] [--clock wall|cpu]
       [--compiled] [--pcg-ab] [--tune-malloc] [--quick]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from benchmarks.baselines import available, monaco_model, openturns_model, squigglepy_model
from benchmarks.common import emit, floor_draws, plain_numpy_model
from mc.priors import load_priors
from mc.results import simulate, simulate_arrays, summarise, summarise_arrays
from mc.streaming import summarise_streaming


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=lambda s: int(float(s)), default=2_000_000)
    p.add_argument("--methods", default="mc,lhs,sobol")
    p.add_argument("--monaco-draws", type=lambda s: int(float(s)), default=2_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="small sizes, one repeat (for tests)")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    p.add_argument("--compiled", action="store_true", help="also every mc path with MC_COMPILED=1")
    p.add_argument("--pcg-ab", action="store_true",
                   help="compiled fused w1 with mc.pcg's words against numpy's (MC_PCG=0), alternating")
    p.add_argument("--tune-malloc", action="store_true",
                   help="keep freed memory for reuse first (mc.process.tune_malloc: no page faults per block)")
    args = p.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.quick:
        args.draws, args.monaco_draws, args.repeats = min(args.draws, 20_000), min(args.monaco_draws, 200), 1
    return args


CLOCK = time.perf_counter


def best_time(fn, repeats: int = 3) -> float:
    """Shortest time of `repeats` calls on :data:`CLOCK` (wall, or CPU with --clock cpu)."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = CLOCK()
        fn()
        best = min(best, CLOCK() - start)
    return best


def paths_with(mode: str, priors, n: int, method: str, repeats: int) -> dict[str, float]:
    """:func:`mc_paths` with ``MC_COMPILED=mode``: ``0`` the numpy path throughout, ``1`` the compiled kernels
    from the first call (named ``..._compiled``; first calls outside the timing). Forcing the mode keeps
    auto mode from switching to the kernels halfway through the benchmark (after 160 M values)."""
    previous = os.environ.get("MC_COMPILED")
    os.environ["MC_COMPILED"] = mode
    try:
        summarise_streaming(priors, 70_000, seed=1, method=method)  # compile or load the cache, untimed
        suffix = "_compiled" if mode == "1" else ""
        return {f"{k}{suffix}": v for k, v in mc_paths(priors, n, method, repeats).items()}
    finally:
        if previous is None:
            os.environ.pop("MC_COMPILED", None)
        else:
            os.environ["MC_COMPILED"] = previous


def mc_paths(priors, n: int, method: str, repeats: int) -> dict[str, float]:
    """Seconds of each of mc's full paths for one method."""
    def classic(workers):
        return lambda: summarise(simulate(priors, n, seed=1, method=method, workers=workers, keep_inputs=False))

    def fused(workers):
        return lambda: summarise_streaming(priors, n, seed=1, method=method, workers=workers)

    def arrays(workers):  # what `mc run` does: plain arrays, per-output summaries on `workers` threads
        return lambda: summarise_arrays(simulate_arrays(priors, n, seed=1, method=method, workers=workers,
                                                        keep_inputs=False), workers=workers)

    return {f"mc_{method}_classic_w1": best_time(classic(1), repeats),
            f"mc_{method}_arrays_w1": best_time(arrays(1), repeats),
            f"mc_{method}_arrays_w2": best_time(arrays(2), repeats),
            f"mc_{method}_fused_w1": best_time(fused(1), repeats),
            f"mc_{method}_fused_w2": best_time(fused(2), repeats)}


def pcg_ab(priors, n: int, method: str, repeats: int) -> dict[str, float]:
    """Seconds of the compiled fused path on one worker with mc.pcg's words and with numpy's (``MC_PCG=0``),
    alternating run by run so that both meet the same load; the best of each."""
    saved = {k: os.environ.get(k) for k in ("MC_COMPILED", "MC_PCG")}
    best = {"pcg": float("inf"), "numpy_words": float("inf")}
    try:
        os.environ["MC_COMPILED"] = "1"
        summarise_streaming(priors, 70_000, seed=1, method=method)  # compile or load the cache, untimed
        for _ in range(max(1, repeats)):
            for words, flag in (("numpy_words", "0"), ("pcg", "1")):
                os.environ["MC_PCG"] = flag
                best[words] = min(best[words], best_time(lambda: summarise_streaming(priors, n, seed=1,
                                                                                    method=method), 1))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {f"mc_{method}_fused_w1_compiled_{k}": v for k, v in best.items()}


def ppf_speedups(priors, n: int) -> None:
    """Inverse-CDF cost per family: mc's (fastppf) against scipy.stats' frozen ppf on the same points."""
    u = np.random.default_rng(0).random(n)
    seen = set()
    for name in priors.uncertain:
        dist = priors[name].distribution
        if dist.family in seen or not hasattr(dist.frozen, "dist"):  # only scipy-backed families compare
            continue
        seen.add(dist.family)
        dist.ppf(u[:10])  # build any table outside the timing (once per distribution)
        k = min(n, 50_000)  # scipy's beta ppf is ~6 µs a point
        ours = best_time(lambda: dist.ppf(u), 3) / n
        theirs = best_time(lambda: dist.frozen.ppf(u[:k]), 1) / k
        emit("time", f"ppf_{dist.family}_ns_per_point", ours * 1e9)
        emit("ratio", f"ppf_{dist.family}/scipy", theirs / ours)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.tune_malloc:
        from mc.process import tune_malloc

        emit("value", "malloc_tuned", str(tune_malloc()))
    priors, n = load_priors(), args.draws
    summarise_streaming(priors, 1000, seed=1)  # warm: tables and imports
    summarise(simulate(priors, 1000, seed=1))  # (xarray and pandas imported outside the timing)
    emit("time", "draws", n)
    seconds = {"floor": best_time(lambda: floor_draws(priors, n), args.repeats),
               "numpy": best_time(lambda: plain_numpy_model(priors, n), args.repeats)}
    if available("squigglepy"):
        seconds["squigglepy"] = best_time(lambda: squigglepy_model(priors, n), max(1, args.repeats - 1))
    else:
        emit("skip", "squigglepy", "not installed (pip install .[bench])")
    if available("openturns"):  # the report's model as a SymbolicFunction, marginals sampled jointly
        seconds["openturns"] = best_time(lambda: openturns_model(priors, n), max(1, args.repeats - 1))
    else:
        emit("skip", "openturns", "not installed (pip install .[bench])")
    emit("value", "load_average_1min", f"{os.getloadavg()[0]:.2f}")
    emit("value", "clock", args.clock)
    for method in args.methods.split(","):
        seconds.update(paths_with("0", priors, n, method, args.repeats))
        if args.compiled:
            seconds.update(paths_with("1", priors, n, method, args.repeats))
        if args.pcg_ab:
            seconds.update(pcg_ab(priors, n, method, args.repeats))
    rates = {k: n / v for k, v in seconds.items()}
    if available("monaco"):
        rates["monaco"] = args.monaco_draws / best_time(lambda: monaco_model(priors, args.monaco_draws), 1)
    else:
        emit("skip", "monaco", "not installed (pip install .[bench])")
    for name, rate in rates.items():
        emit("rate", name, rate, note="draws/s")
    for name in (k for k in rates if k.startswith("mc_")):
        for base in ("floor", "numpy"):
            emit("ratio", f"{name}/{base}", rates[name] / rates[base])
    for name in (k for k in rates if k.endswith("_compiled_pcg")):
        twin = name.replace("_pcg", "_numpy_words")
        emit("ratio", f"{name.removesuffix('_pcg')}/numpy_words", rates[name] / rates[twin])
    for base in ("squigglepy", "openturns", "monaco"):
        if base in rates:
            emit("ratio", f"mc_mc_fused_w1/{base}", rates["mc_mc_fused_w1"] / rates[base])
    ppf_speedups(priors, min(n, 1_000_000))
    emit("value", "load_average_1min_end", f"{os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
