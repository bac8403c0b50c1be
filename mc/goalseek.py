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

Breakeven solves one output (default the model's key output, e.g. the margin)
for a target (default 0) one input at a time, the others at their point values
(fixed value or median): a bracketing root finder over a wide scan of the
input's domain, so it works for any model, with or without a closed form.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import optimize

from mc.errors import InputError
from mc.priors import Priors
from mc.sampling import draw
from mc.stats import STATISTICS, statistic_with_se

MODES = ("fix", "scale")
_SCAN_DECADES = 8  # breakeven scans x / 10**8 ... x * 10**8 around the point value (inside the domain)
_SCAN_POINTS = 400


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
    q = priors.model.inputs[assumption]
    if math.isfinite(q.low):
        lo = max(lo, q.low if not q.low_open else q.low + 1e-9 * max(abs(hi), 1))
    if math.isfinite(q.high):
        hi = min(hi, q.high)
        top = dist.support()[1]
        if mode == "scale" and not dist.is_fixed and top > 0:  # scaled draws must stay below the domain's top
            hi = min(hi, q.high * dist.median() / top)
    return lo, hi


def trial_inputs(draws: Mapping[str, np.ndarray], assumption: str, mode: str, rows: slice = slice(None)):
    """A function of a trial value `x`: the inputs with `assumption` at `x`, as the search tries it.

    ``fix``: `x` in every draw; ``scale``: its draws scaled so their median is `x`.
    """
    base = draws[assumption][rows]
    median = float(np.median(base))
    inputs = {n: v[rows] for n, v in draws.items()}

    def at(x: float) -> dict:
        inputs[assumption] = np.full(base.size, x) if mode == "fix" or median == 0 else base * (x / median)
        return inputs
    return at


def _root(evaluate, draws, assumption, output, statistic, target, mode, rows, lo, hi, rtol) -> float | None:
    at = trial_inputs(draws, assumption, mode, rows)

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


def goal_seek(priors: Priors, assumption: str, output: str | None = None, statistic: str = "p50",
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
        E.g. ``"margin"`` and ``"p_negative"`` (P(margin < 0)) or ``"p50"``; output
        default: the model's key output.
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
    output = output or priors.model.key_output
    _check_names(priors, assumption, output, statistic, mode)
    inputs, evaluate = priors.model.inputs, priors.model.evaluate
    d_lo, d_hi = default_bracket(priors, assumption, mode)
    lo, hi = (d_lo if lo is None else lo), (d_hi if hi is None else hi)
    if not lo < hi:
        raise InputError("--lo/--hi", assumption, f"lo ({lo:g}) must be below hi ({hi:g})")
    for x in (lo, hi):
        if mode == "fix" and not inputs[assumption].admits(x):
            raise InputError("--lo/--hi", assumption, f"{x:g} is outside {inputs[assumption].domain_text()}")
    draws = draw(priors, n_draws, seed=seed, method=method)
    value = _root(evaluate, draws, assumption, output, statistic, target, mode, slice(None), lo, hi, rtol)
    if value is None:
        at = trial_inputs(draws, assumption, mode)
        ends = [statistic_with_se(evaluate(at(x))[output], statistic)[0] for x in (lo, hi)]
        raise InputError(assumption, f"{statistic} of {output}", f"target {target:g} is not between {ends[0]:.4g} "
                         f"(at {lo:.4g}) and {ends[1]:.4g} (at {hi:.4g}); give --lo and --hi around the answer")
    size = n_draws // n_batches
    roots = [_root(evaluate, draws, assumption, output, statistic, target, mode, slice(b * size, (b + 1) * size), lo, hi, rtol)
             for b in range(n_batches)] if size else []
    roots = np.array([r for r in roots if r is not None])
    se = float(roots.std(ddof=1) / np.sqrt(roots.size)) if roots.size > 1 else math.nan
    achieved = statistic_with_se(evaluate(trial_inputs(draws, assumption, mode)(value))[output], statistic)[0]
    return GoalSeekResult(assumption, inputs[assumption].unit, output, statistic, target, value, se, achieved,
                          lo, hi, mode, n_draws, int(roots.size))


def _check_names(priors: Priors, assumption: str, output: str, statistic: str, mode: str) -> None:
    if assumption not in priors.assumptions:
        raise InputError("--assumption", assumption, f"unknown assumption; known: {', '.join(priors.names)}")
    if output not in priors.model.outputs:
        raise InputError("--output", output, f"unknown output; known: {', '.join(priors.model.outputs)}")
    _check_statistic(statistic)
    if mode not in MODES:
        raise InputError("--mode", mode, f"choose {' or '.join(MODES)}")


def point_values(priors: Priors) -> dict[str, float]:
    """Each input's value if fixed, else its median."""
    return {n: float(a.distribution.params["value"]) if a.is_fixed else a.distribution.median()
            for n, a in priors.assumptions.items()}


def breakeven(priors: Priors, output: str | None = None, target: float = 0.0) -> pd.DataFrame:
    """Each input's value at which `output` equals `target`, the others at their point values.

    Parameters
    ----------
    priors : Priors
    output : str, optional
        Default the model's key output (the report's: margin).
    target : float
        In the output's base unit (default 0: breakeven).

    Returns
    -------
    DataFrame
        Columns ``input, unit, point, point_value, breakeven_value, change_pct,
        feasible, above_target_when``; ``point`` says whether the value is the
        file's fixed value or the distribution's median. An input the output does
        not depend on cancels (NaN); ``feasible`` is false when no value in the
        input's domain reaches the target.
    """
    model = priors.model
    output = output or model.key_output
    _check_names(priors, next(iter(priors.names)), output, "p50", "fix")
    point = point_values(priors)
    rows = []
    for name, q in model.inputs.items():
        value, direction = _solve_one(model, point, name, output, target)
        rows.append({"input": name, "unit": q.unit, "point": "fixed" if priors[name].is_fixed else "median",
                     "point_value": point[name], "breakeven_value": value,
                     "change_pct": 100 * (value / point[name] - 1) if point[name] else math.nan,
                     "feasible": bool(math.isfinite(value)), "above_target_when": direction})
    return pd.DataFrame(rows)


def _solve_one(model, point: Mapping[str, float], name: str, output: str, target: float) -> tuple[float, str]:
    """The root nearest the point value of ``output(x) - target`` over a log-spaced scan of `name`'s domain."""
    if name not in model.inputs_of(output):
        return math.nan, "independent of it (cancels)"
    grid = _scan_grid(model.inputs[name], point[name])
    trial = {**{k: np.full(grid.size, v) for k, v in point.items()}, name: grid}
    gap = model.evaluate(trial)[output] - target
    ok = np.isfinite(gap)
    if not ok.any() or np.ptp(gap[ok]) <= 1e-12 * (np.max(np.abs(gap[ok])) + abs(target)):
        return math.nan, "independent of it (cancels)"  # to rounding: the report's margin in tokens per day
    flips = np.flatnonzero(ok[:-1] & ok[1:] & (np.sign(gap[:-1]) != np.sign(gap[1:])))
    increasing = "above" if gap[ok][-1] > gap[ok][0] else "below"
    if flips.size == 0:
        return math.nan, f"{increasing} breakeven (never reached in its domain)"
    i = flips[np.argmin(np.abs(np.log(grid[flips] / point[name])) if point[name] > 0 else np.abs(grid[flips]))]

    def f(x: float) -> float:
        return float(model.evaluate({**point, name: x})[output]) - target

    root = float(optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-14, rtol=1e-12, maxiter=200))
    return root, f"{'above' if gap[i + 1] > gap[i] else 'below'} breakeven"


def _scan_grid(q, x: float) -> np.ndarray:
    """Candidate values around `x`: a log scan for positive domains, a linear one otherwise, clipped inside."""
    if x > 0 and q.low >= 0:
        grid = x * np.logspace(-_SCAN_DECADES, _SCAN_DECADES, _SCAN_POINTS)
    else:
        span = max(abs(x), 1.0) * 10 ** _SCAN_DECADES
        grid = np.linspace(x - span, x + span, _SCAN_POINTS)
    return np.array([v for v in grid if q.admits(v)] or [x])


def point_output(priors: Priors, output: str | None = None) -> float:
    """An output (default the key output) of the model at the point values."""
    model = priors.model
    return model.point(point_values(priors))[output or model.key_output]
