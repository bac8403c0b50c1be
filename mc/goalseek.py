"""Goal seek and breakeven: the value of one assumption at which an output hits a target.

Goal seek works on the simulated distribution: "the price at which
P(margin < 0) = 5%". Every input is drawn once; each trial value of the
assumption under search replaces its draws (``fix``: the same value in every
draw; ``scale``: its draws scaled so their median is the trial value) while
every other input keeps the very same draws (common random numbers), so the
statistic is a deterministic function of the trial value and a bracketing root
finder (scipy.optimize.brentq) applies. The Monte Carlo uncertainty of the
answer is estimated by batch means: the draws are split into contiguous
batches, the root is found in each, and the standard error is their standard
deviation over the square root of the number of batches.

Breakeven is the closed form of the report's model: margin = 0 exactly when
annual capex equals annual revenue, i.e. when

    2 P peak gpu_price * 1e6 = 86400 * 365 * 1e12 * tflops * util * years * price * paid

(tokens per day cancels), which each input solves by itself.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import optimize

from mc.economics import DAYS_PER_YEAR, FLOPS_PER_PARAM_PER_TOKEN, INPUTS, OUTPUTS, SECONDS_PER_DAY, TERA, \
    TOKENS_PER_PRICE_UNIT, evaluate
from mc.errors import InputError
from mc.priors import Priors
from mc.sampling import draw
from mc.stats import STATISTICS, moments_with_se, quantiles_with_se

MODES = ("fix", "scale")
# Exponent of each input in capex / revenue: +1 raises cost, -1 raises revenue or capacity, 0 cancels.
COST_RATIO_EXPONENTS = {"tokens_per_day": 0, "active_params": 1, "peak_to_avg": 1, "gpu_price_cny": 1,
                        "gpu_tflops": -1, "utilization": -1, "depreciation_years": -1,
                        "price_cny_per_m_tokens": -1, "paid_share": -1}


def statistic_with_se(values: np.ndarray, statistic: str) -> tuple[float, float]:
    """One statistic of :data:`mc.stats.STATISTICS` (p1 ... p99, mean, sd, p_negative) and its s.e."""
    if statistic.startswith("p") and statistic[1:].replace(".", "", 1).isdigit():
        q, se = quantiles_with_se(values, [float(statistic[1:]) / 100])
        return float(q[0]), float(se[0])
    return moments_with_se(values)[statistic]


def _check_statistic(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise InputError("--statistic", statistic, f"unknown statistic; choose one of {', '.join(STATISTICS)}")


@dataclass(frozen=True)
class GoalSeekResult:
    """The solved assumption value with its Monte Carlo standard error."""

    assumption: str
    unit: str
    output: str
    statistic: str
    target: float
    value: float
    mc_se: float
    achieved: float  # the statistic at `value` over all draws
    lo: float
    hi: float
    mode: str
    n_draws: int
    n_batches: int  # batches whose own root was bracketed and used for mc_se
    se_method: str = "batch means"

    def to_frame(self) -> pd.DataFrame:
        """A one-row table for export."""
        return pd.DataFrame([asdict(self)])


def default_bracket(priors: Priors, assumption: str, mode: str = "fix") -> tuple[float, float]:
    """A wide search interval inside the input's domain: its p0.1/4 to p99.9*4.

    In ``scale`` mode an input with a bounded domain (a share) is capped so its
    scaled draws stay inside it.
    """
    dist = priors[assumption].distribution
    lo, hi = (float(v) for v in dist.ppf(np.array([0.001, 0.999])))
    lo, hi = lo / 4, hi * 4
    q = INPUTS[assumption]
    if math.isfinite(q.low):
        lo = max(lo, q.low if not q.low_open else q.low + 1e-9 * max(abs(hi), 1))
    if math.isfinite(q.high):
        hi = min(hi, q.high)
        top = dist.support()[1]
        if mode == "scale" and not dist.is_fixed and top > 0:  # scaled draws must stay below the domain's top
            hi = min(hi, q.high * dist.median() / top)
    return lo, hi


def _trial(draws: Mapping[str, np.ndarray], assumption: str, mode: str, rows: slice):
    base = draws[assumption][rows]
    median = float(np.median(base))
    inputs = {n: v[rows] for n, v in draws.items()}

    def at(x: float) -> dict:
        inputs[assumption] = np.full(base.size, x) if mode == "fix" or median == 0 else base * (x / median)
        return inputs
    return at


def _root(draws, assumption, output, statistic, target, mode, rows, lo, hi, rtol) -> float | None:
    at = _trial(draws, assumption, mode, rows)

    def gap(x: float) -> float:
        return statistic_with_se(evaluate(at(x))[output], statistic)[0] - target

    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo == 0:
        return lo
    if g_hi == 0:
        return hi
    if np.sign(g_lo) == np.sign(g_hi) or not (np.isfinite(g_lo) and np.isfinite(g_hi)):
        return None
    return float(optimize.brentq(gap, lo, hi, xtol=rtol * max(abs(lo), abs(hi)), maxiter=200))


def goal_seek(priors: Priors, assumption: str, output: str = "margin", statistic: str = "p50",
              target: float = 0.0, *, lo: float | None = None, hi: float | None = None, n_draws: int = 100_000,
              seed: int = 0, method: str = "mc", mode: str = "fix", n_batches: int = 10,
              rtol: float = 1e-9) -> GoalSeekResult:
    """The value of `assumption` at which `statistic` of `output` equals `target`.

    Parameters
    ----------
    priors : Priors
    assumption : str
        The input to solve for.
    output, statistic : str
        E.g. ``"margin"`` and ``"p_negative"`` (P(margin < 0)) or ``"p50"``.
    target : float
        In the output's base unit (a fraction for the margin and for p_negative).
    lo, hi : float, optional
        Search interval; default :func:`default_bracket`.
    n_draws, seed, method
        As :func:`mc.sampling.draw`; all trials share these draws.
    mode : {"fix", "scale"}
        Fix the assumption at the trial value, or scale its draws so their median is it.
    n_batches : int
        Contiguous batches for the batch-means standard error.

    Raises
    ------
    InputError
        Unknown names, or a target not bracketed by ``[lo, hi]``.
    """
    _check_names(priors, assumption, output, statistic, mode)
    d_lo, d_hi = default_bracket(priors, assumption, mode)
    lo, hi = (d_lo if lo is None else lo), (d_hi if hi is None else hi)
    if not lo < hi:
        raise InputError("--lo/--hi", assumption, f"lo ({lo:g}) must be below hi ({hi:g})")
    for x in (lo, hi):
        if mode == "fix" and not INPUTS[assumption].admits(x):
            raise InputError("--lo/--hi", assumption, f"{x:g} is outside {INPUTS[assumption].domain_text()}")
    draws = draw(priors, n_draws, seed=seed, method=method)
    value = _root(draws, assumption, output, statistic, target, mode, slice(None), lo, hi, rtol)
    if value is None:
        at = _trial(draws, assumption, mode, slice(None))
        ends = [statistic_with_se(evaluate(at(x))[output], statistic)[0] for x in (lo, hi)]
        raise InputError(assumption, f"{statistic} of {output}", f"target {target:g} is not between {ends[0]:.4g} "
                         f"(at {lo:.4g}) and {ends[1]:.4g} (at {hi:.4g}); give --lo and --hi around the answer")
    size = n_draws // n_batches
    roots = [_root(draws, assumption, output, statistic, target, mode, slice(b * size, (b + 1) * size), lo, hi, rtol)
             for b in range(n_batches)] if size else []
    roots = np.array([r for r in roots if r is not None])
    se = float(roots.std(ddof=1) / np.sqrt(roots.size)) if roots.size > 1 else math.nan
    achieved = statistic_with_se(evaluate(_trial(draws, assumption, mode, slice(None))(value))[output], statistic)[0]
    return GoalSeekResult(assumption, INPUTS[assumption].unit, output, statistic, target, value, se, achieved,
                          lo, hi, mode, n_draws, int(roots.size))


def _check_names(priors: Priors, assumption: str, output: str, statistic: str, mode: str) -> None:
    if assumption not in priors.assumptions:
        raise InputError("--assumption", assumption, f"unknown assumption; known: {', '.join(priors.names)}")
    if output not in OUTPUTS:
        raise InputError("--output", output, f"unknown output; known: {', '.join(OUTPUTS)}")
    _check_statistic(statistic)
    if mode not in MODES:
        raise InputError("--mode", mode, f"choose {' or '.join(MODES)}")


def point_values(priors: Priors) -> dict[str, float]:
    """Each input's value if fixed, else its median."""
    return {n: float(a.distribution.params["value"]) if a.is_fixed else a.distribution.median()
            for n, a in priors.assumptions.items()}


def cost_to_revenue_ratio(point: Mapping[str, float]) -> float:
    """Annual capex over annual revenue in closed form (tokens per day cancels)."""
    cost = FLOPS_PER_PARAM_PER_TOKEN * point["active_params"] * point["peak_to_avg"] * point["gpu_price_cny"]
    income = (SECONDS_PER_DAY * DAYS_PER_YEAR * TERA / TOKENS_PER_PRICE_UNIT * point["gpu_tflops"]
              * point["utilization"] * point["depreciation_years"] * point["price_cny_per_m_tokens"]
              * point["paid_share"])
    return cost / income


def breakeven(priors: Priors) -> pd.DataFrame:
    """Each input's breakeven value (margin = 0) with the others at their point values.

    The cost-to-revenue ratio R is a product of powers of the inputs, so the
    breakeven of input x is ``x * R ** (-1 / e)`` with ``e`` its exponent.

    Returns
    -------
    DataFrame
        Columns ``input, unit, point, point_value, breakeven_value, change_pct,
        feasible, margin_positive_when``; ``point`` says whether the value is the
        file's fixed value or the distribution's median. Tokens per day cancels
        (NaN); ``feasible`` is false when the breakeven lies outside the input's domain.
    """
    point = point_values(priors)
    ratio = cost_to_revenue_ratio(point)
    rows = []
    for name, e in COST_RATIO_EXPONENTS.items():
        x = point[name]
        value = math.nan if e == 0 else x * ratio ** (-1 / e)
        rows.append({"input": name, "unit": INPUTS[name].unit,
                     "point": "fixed" if priors[name].is_fixed else "median", "point_value": x,
                     "breakeven_value": value, "change_pct": 100 * (value / x - 1),
                     "feasible": bool(e != 0 and INPUTS[name].admits(value)),
                     "margin_positive_when": {0: "independent of it (cancels)", 1: "below breakeven",
                                              -1: "above breakeven"}[e]})
    return pd.DataFrame(rows)


def point_margin(priors: Priors) -> float:
    """The model's margin at the point values (by :func:`mc.economics.evaluate`)."""
    return float(evaluate(point_values(priors))["margin"])
