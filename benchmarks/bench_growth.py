"""Growth fit: time to compile and sample a curve, and a forecast answered from the cached posterior.

Times, in one process and a fresh cache folder: importing PyMC; a fresh fit
(model build, PyTensor compile, NUTS) followed by a forecast; the same
forecast again, now loaded from the cache.  The ratio ``cached/fresh`` is the
share of a fit that a cached forecast costs (goal: a cached forecast under a
second).  The growth module is another engineer's (mc/growth/); if its API is
missing the script prints ``skip`` lines instead of failing.

The default is what ``mc forecast`` does: every curve (``--curve all``, the
weighted mix) with the default sampler, nutpie on the numba-compiled density
(mc/growth/logdensity.py). ``--sampler both`` times PyMC's NUTS on the PyMC
model first, then nutpie, each with its own fresh cache, so ``nutpie/pymc`` is
the ratio of cold fits measured in the same process (PyMC is imported before
either, so neither pays for the import). CPU seconds (``time.process_time``,
this process's threads) are printed beside wall seconds: the machine is shared.

Usage: python -m benchmarks.bench_growth [--curve all|logistic|...] [--quick] [--sampler nutpie|pymc|both]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import date

from benchmarks.common import emit


def _api():
    """The growth workflow functions, or None if mc.growth does not provide them yet."""
    try:
        from mc.growth import load_growth_priors, load_token_usage
        from mc.growth.workflow import FitOptions, fit_curves, predictive_log10_for
    except ImportError as exc:
        emit("skip", "growth", f"mc.growth API not available: {exc}")
        return None
    return load_token_usage, load_growth_priors, FitOptions, fit_curves, predictive_log10_for


def forecast(api, curve: str, options, target: date, seed: int):
    """Fit (or load) `curve` and draw tokens per day at `target`: what `mc forecast` does."""
    load_token_usage, load_growth_priors, _, fit_curves, predictive_log10_for = api
    fits = fit_curves(load_token_usage(), load_growth_priors(), curve, options)
    log10_draws, _ = predictive_log10_for(fits, [target], seed=seed)
    return 10.0 ** log10_draws[:, 0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--curve", default="all")
    p.add_argument("--date", type=date.fromisoformat, default=date(2026, 6, 30))
    p.add_argument("--quick", action="store_true", help="small NUTS run (draws=tune=100, 2 chains) for tests")
    p.add_argument("--sampler", choices=("both", "pymc", "nutpie"), default="nutpie")
    args = p.parse_args(argv)
    api = _api()
    if api is None:
        return 0
    start = time.perf_counter()
    import pymc  # noqa: F401  (the import alone is part of every fit's cost)

    emit("time", "import_pymc", time.perf_counter() - start)
    samplers = ("pymc", "nutpie") if args.sampler == "both" else (args.sampler,)
    fresh_times = {}
    for sampler in samplers:
        if sampler == "nutpie" and not _has_nutpie():
            emit("skip", "nutpie", "nutpie is not installed")
            continue
        fresh_times[sampler] = _time_one(api, args, sampler)
    if len(fresh_times) == 2:
        emit("ratio", "nutpie/pymc (cold fit)", fresh_times["nutpie"] / fresh_times["pymc"])
    return 0


def _has_nutpie() -> bool:
    try:
        import nutpie  # noqa: F401
    except ImportError:
        return False
    return True


def _time_one(api, args, sampler: str) -> float:
    """Cold fit + forecast, then the cached forecast, for one sampler; returns the cold seconds."""
    with tempfile.TemporaryDirectory() as cache:
        options = replace(api[2](), cache_dir=cache, allow_unconverged=args.quick, sampler=sampler)
        if args.quick:
            options = replace(options, draws=100, tune=100, chains=2, cores=1, retry=False)
        start, cpu = time.perf_counter(), time.process_time()
        fresh = forecast(api, args.curve, options, args.date, seed=1)
        fresh_seconds, fresh_cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        cached = forecast(api, args.curve, options, args.date, seed=1)
        cached_seconds = time.perf_counter() - start
    emit("time", f"{sampler}_fit_and_forecast_{args.curve}", fresh_seconds, note="build + compile + NUTS + forecast")
    emit("time", f"{sampler}_fit_and_forecast_{args.curve}_cpu", fresh_cpu, note="CPU seconds, all threads")
    emit("time", f"{sampler}_cached_forecast_{args.curve}", cached_seconds)
    emit("ratio", f"{sampler} cached/fresh", cached_seconds / fresh_seconds)
    emit("value", f"{sampler}_cached_equals_fresh", int(bool((fresh == cached).all())))
    return fresh_seconds


if __name__ == "__main__":
    raise SystemExit(main())
