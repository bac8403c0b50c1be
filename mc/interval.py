"""Solving a credible interval (two quantiles) into a family's parameters, and the parameter errors.

Closed forms for normal, lognormal, uniform and loguniform; a least-squares fit
in log-parameter space for beta and gamma. Every solution is stored in
:mod:`mc.cache` (JSON floats round-trip exactly, so a cached load gives the same
distribution bit for bit), so a run of already-solved priors imports neither
scipy.stats nor scipy.special (together about a second).
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np


class ParameterError(ValueError):
    """A family's parameters are invalid; the message names the parameter."""


def require(cond: bool, message: str) -> None:
    """Raise :class:`ParameterError` with `message` unless `cond` holds."""
    if not cond:
        raise ParameterError(message)


def _ndtri(p):
    from scipy import special  # lazy: about half a second to import

    return special.ndtri(p)


def solve_normal(probs, values):
    z1, z2 = _ndtri(probs[0]), _ndtri(probs[1])
    sd = (values[1] - values[0]) / (z2 - z1)
    return {"mean": values[0] - sd * z1, "sd": sd}


def solve_lognormal(probs, values):
    require(values[0] > 0, "lognormal quantiles must be positive")
    solved = solve_normal(probs, (math.log(values[0]), math.log(values[1])))
    return {"median": math.exp(solved["mean"]), "sigma": solved["sd"]}


def solve_uniform(probs, values):
    span = (values[1] - values[0]) / (probs[1] - probs[0])
    return {"low": values[0] - probs[0] * span, "high": values[0] - probs[0] * span + span}


def solve_loguniform(probs, values):
    require(values[0] > 0, "loguniform quantiles must be positive")
    solved = solve_uniform(probs, (math.log(values[0]), math.log(values[1])))
    return {"low": math.exp(solved["low"]), "high": math.exp(solved["high"])}


def solve_numeric(quantile: Callable[[float, float, np.ndarray], np.ndarray], names: tuple[str, str],
                  start: Callable):
    """A solver of a two-parameter positive family for two quantiles, in log-parameter space.

    `quantile(first, second, probs)` is the family's inverse CDF (scipy.special's, not
    a frozen scipy.stats distribution: the same values, without importing scipy.stats,
    which takes about a second on the first run after install).
    """
    def solver(probs, values):
        def residual(log_params):
            first, second = np.exp(log_params)
            return np.asarray(quantile(first, second, np.asarray(probs, dtype=float))) - np.asarray(values)

        scale = max(abs(values[0]), abs(values[1]), 1e-12)
        from scipy import optimize

        sol = optimize.least_squares(lambda x: residual(x) / scale, np.log(start(probs, values)),
                                     method="lm", xtol=1e-14, ftol=1e-14)
        require(bool(np.all(np.abs(residual(sol.x)) <= 1e-6 * scale)),
                f"no parameters reproduce quantiles {values} at {probs}")
        return dict(zip(names, (float(v) for v in np.exp(sol.x))))
    return solver


def beta_quantile(alpha: float, beta: float, probs: np.ndarray) -> np.ndarray:
    """``scipy.stats.beta(alpha, beta).ppf(probs)``, bit for bit (what it computes inside)."""
    from scipy import special

    return special.betaincinv(alpha, beta, probs)


def gamma_quantile(shape: float, scale: float, probs: np.ndarray) -> np.ndarray:
    """``scipy.stats.gamma(shape, scale=scale).ppf(probs)``, bit for bit (what it computes inside)."""
    from scipy import special

    return special.gammaincinv(shape, probs) * scale


def beta_start(probs, values):
    require(0 < values[0] and values[1] < 1, "beta quantiles must lie strictly between 0 and 1")
    mean = (values[0] + values[1]) / 2
    sd = (values[1] - values[0]) / (_ndtri(probs[1]) - _ndtri(probs[0]))
    k = max(mean * (1 - mean) / sd**2 - 1, 0.5)
    return mean * k, (1 - mean) * k


def gamma_start(probs, values):
    require(values[0] > 0, "gamma quantiles must be positive")
    mean = (values[0] + values[1]) / 2
    sd = (values[1] - values[0]) / (_ndtri(probs[1]) - _ndtri(probs[0]))
    shape = (mean / sd) ** 2
    return shape, mean / shape


CLOSED_FORM_SOLVERS = ("normal", "lognormal", "uniform", "loguniform")


def cached_solution(family: str, solve: Callable, probs: tuple, values: tuple) -> dict:
    """``solve(probs, values)`` once per input, then from the cache.

    The record (:mod:`mc.cache`, keyed by family, probabilities, values and the
    scipy version) holds the solved parameters as JSON floats, which round-trip
    exactly, so a cached load gives the same distribution bit for bit. Closed
    forms are cached too: they need scipy.special's ``ndtri``, whose import costs
    more than the whole solve.
    """
    import scipy  # the package alone (tens of ms), for its version

    from mc.cache import digest, read_record, write_record

    kind = "solve_quantiles" if family not in CLOSED_FORM_SOLVERS else "solve_quantiles_closed"
    key = digest(kind, family, [float(p) for p in probs], [float(v) for v in values], scipy.__version__)
    record = read_record("solved", key)
    if record is not None and isinstance(record.get("params"), dict):
        return {k: float(v) for k, v in record["params"].items()}
    params = {k: float(v) for k, v in solve(probs, values).items()}
    write_record("solved", key, {"params": params})
    return params


def check_interval(quantiles: Mapping[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two (probability, value) pairs in order, or a :class:`ParameterError` naming what is wrong."""
    require(len(quantiles) == 2, f"give exactly two quantiles, got {len(quantiles)}")
    (p1, v1), (p2, v2) = sorted(quantiles.items())
    for p in (p1, p2):
        require(0 < p < 1, f"percentile {100 * p:g} must be between 0 and 100")
    require(v1 < v2, f"p{100 * p2:g} ({v2:g}) must be above p{100 * p1:g} ({v1:g})")
    return (p1, p2), (v1, v2)
