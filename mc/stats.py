"""Summary statistics of Monte Carlo draws, each with its Monte Carlo standard error.

Numeric kernels on plain arrays; mc.results puts labels on top.

Quantile standard errors are distribution-free: the order statistics at ranks
``n (p -/+ sqrt(p (1 - p) / n))`` bracket the p-quantile by one binomial
standard deviation on each side, so half their distance estimates the standard
error of the sample quantile without estimating a density.  For LHS and Sobol
draws these iid formulas overstate the error (they are conservative).
"""
from __future__ import annotations

import numpy as np

PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
STATISTICS = tuple(f"p{p}" for p in PERCENTILES) + ("mean", "sd", "p_negative")


def _quantile_ranks(n: int, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pos = (n - 1) * probs  # numpy's default "linear" quantile position
    lower, upper = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    half = np.sqrt(probs * (1 - probs) / n)
    lo = np.clip(np.floor(n * (probs - half)), 0, n - 1).astype(np.int64)
    hi = np.clip(np.ceil(n * (probs + half)), 0, n - 1).astype(np.int64)
    return lower, upper, lo, hi


def quantiles_with_se(values: np.ndarray, probs) -> tuple[np.ndarray, np.ndarray]:
    """Sample quantiles (numpy's linear definition) and their standard errors.

    Parameters
    ----------
    values : 1-D array
        The draws (NaNs sort last and should be absent).
    probs : sequence of float in (0, 1)

    Returns
    -------
    (quantiles, standard_errors) : arrays shaped like `probs`
    """
    probs = np.asarray(probs, dtype=float)
    x = np.asarray(values, dtype=float)
    n = x.size
    lower, upper, lo, hi = _quantile_ranks(n, probs)
    kth = np.unique(np.concatenate([lower, upper, lo, hi]))
    part = np.partition(x, kth)
    frac = (n - 1) * probs - lower
    q = part[lower] + frac * (part[upper] - part[lower])
    return q, (part[hi] - part[lo]) / 2


def moments_with_se(values: np.ndarray) -> dict[str, tuple[float, float]]:
    """Mean, standard deviation and P(value < 0), each with its standard error."""
    x = np.asarray(values, dtype=float)
    n = x.size
    mean = float(x.mean())
    centred = x - mean
    m2 = float(np.mean(centred**2))
    m4 = float(np.mean(centred**4))
    sd = float(np.sqrt(m2 * n / max(n - 1, 1)))
    # delta method: var(s^2) ~ (m4 - m2^2) / n, and se(s) = se(s^2) / (2 s)
    sd_se = float(np.sqrt(max(m4 - m2**2, 0.0) / n) / (2 * sd)) if sd > 0 else 0.0
    p_neg = float(np.count_nonzero(x < 0) / n)
    return {
        "mean": (mean, sd / np.sqrt(n)),
        "sd": (sd, sd_se),
        "p_negative": (p_neg, float(np.sqrt(p_neg * (1 - p_neg) / n))),
    }


def summary_with_se(values: np.ndarray, percentiles=PERCENTILES) -> dict[str, tuple[float, float]]:
    """Every statistic of :data:`STATISTICS` as ``{name: (value, standard error)}``."""
    q, se = quantiles_with_se(values, np.asarray(percentiles, float) / 100)
    out = {f"p{p:g}": (float(v), float(s)) for p, v, s in zip(percentiles, q, se)}
    out.update(moments_with_se(values))
    return out
