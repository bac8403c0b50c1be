"""Shared helpers: timing, the well-formed output lines, and numpy-native baselines of the model.

Every script prints lines of these kinds, which tests/test_benchmarks.py parses:

    rate  NAME  DRAWS_PER_SECOND
    time  NAME  SECONDS
    ratio NAME  VALUE
    rss   NAME  MEBIBYTES
    value NAME  NUMBER
    skip  NAME  REASON...

Ratios are computed from timings taken in the same process and run, because
the machines are shared and noisy: absolute times mean little.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from mc.fastppf import pert_shapes
from mc.stats import PERCENTILES


# The report's constants, written by hand for the hand-written baselines (mc itself reads models/guosen_2024.toml)
SECONDS_PER_DAY, DAYS_PER_YEAR, FLOPS_PER_PARAM_PER_TOKEN = 86_400, 365, 2
TERA, EXA, TOKENS_PER_PRICE_UNIT = 1e12, 1e18, 1e6


def handwritten_report_model(x) -> dict[str, np.ndarray]:
    """The report's model as a quant writes it in numpy (the old mc.economics): every output from input arrays."""
    tokens_per_s = np.divide(x["tokens_per_day"], SECONDS_PER_DAY)
    eflops = FLOPS_PER_PARAM_PER_TOKEN * np.multiply(x["active_params"], tokens_per_s) * x["peak_to_avg"] / EXA
    gpus = np.multiply(eflops, EXA) / (np.multiply(x["gpu_tflops"], TERA) * x["utilization"])
    per_day = np.divide(x["tokens_per_day"], TOKENS_PER_PRICE_UNIT) * x["price_cny_per_m_tokens"] * x["paid_share"]
    revenue = per_day * DAYS_PER_YEAR
    capex = np.multiply(gpus, x["gpu_price_cny"]) / x["depreciation_years"]
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = 1.0 - np.divide(capex, revenue)
    return {"tokens_per_s": tokens_per_s, "required_eflops": eflops, "gpus": gpus, "revenue_cny_per_day": per_day,
            "revenue_cny_per_year": revenue, "capex_cny_per_year": capex, "profit_cny_per_year": revenue - capex,
            "margin": margin}


def best_time(fn: Callable[[], object], repeats: int = 3) -> float:
    """Shortest wall time of `repeats` calls (the least disturbed by other load)."""
    best = math.inf
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def emit(kind: str, name: str, value, *, note: str = "") -> None:
    text = value if isinstance(value, str) else f"{value:.6g}"
    print(f"{kind} {name} {text}" + (f"  # {note}" if note else ""), flush=True)


def numpy_native(dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draws of one mc Distribution by numpy Generator's own sampler for its family (no mc code)."""
    p = dist.params
    if dist.family == "lognormal":
        return rng.lognormal(math.log(p["median"]), p["sigma"], n)
    if dist.family == "beta":
        return rng.beta(p["alpha"], p["beta"], n)
    if dist.family == "pert":
        return p["low"] + (p["high"] - p["low"]) * rng.beta(*pert_shapes(p), n)
    if dist.family == "choice":
        w = np.asarray(p["weights"], float)
        return rng.choice(np.asarray(p["values"], float), n, p=w / w.sum())
    if dist.family == "normal":
        return rng.normal(p["mean"], p["sd"], n)
    if dist.family == "uniform":
        return rng.uniform(p["low"], p["high"], n)
    if dist.family == "triangular":
        return rng.triangular(p["low"], p["mode"], p["high"], n)
    if dist.family == "gamma":
        return rng.gamma(p["shape"], p["scale"], n)
    raise ValueError(f"no numpy-native baseline for family {dist.family!r}")


def floor_draws(priors, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The random-number floor: every uncertain input drawn by numpy alone, one Generator."""
    rng = np.random.default_rng(seed)
    return {name: numpy_native(priors[name].distribution, rng, n) for name in priors.uncertain}


def fixed_values(priors) -> dict[str, float]:
    """The value of every fixed input."""
    return {name: float(priors[name].distribution.params["value"]) for name in priors.names if priors[name].is_fixed}


def plain_numpy_model(priors, n: int, seed: int = 0) -> np.ndarray:
    """What a quant would write by hand: numpy draws, the report's formulas, np.percentile of every output."""
    x = fixed_values(priors)
    x.update(floor_draws(priors, n, seed))
    tokens_per_s = x["tokens_per_day"] / SECONDS_PER_DAY
    eflops = FLOPS_PER_PARAM_PER_TOKEN * x["active_params"] * tokens_per_s * x["peak_to_avg"] / EXA
    gpus = eflops * EXA / (x["gpu_tflops"] * TERA * x["utilization"])
    per_day = x["tokens_per_day"] / TOKENS_PER_PRICE_UNIT * x["price_cny_per_m_tokens"] * x["paid_share"]
    revenue = per_day * DAYS_PER_YEAR
    capex = gpus * x["gpu_price_cny"] / x["depreciation_years"]
    outputs = np.stack([np.broadcast_to(v, (n,)) for v in (
        tokens_per_s, eflops, gpus, per_day, revenue, capex, revenue - capex,
        1 - capex / revenue)])
    table = np.percentile(outputs, PERCENTILES, axis=1)
    return np.vstack([table, outputs.mean(axis=1), outputs.std(axis=1, ddof=1), (outputs < 0).mean(axis=1)])


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
