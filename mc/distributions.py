"""Distribution families, their parameters, and solving a credible interval into them.

A :class:`Distribution` is an immutable value: a family name, its named
parameters, and optional truncation bounds. It exposes the scipy.stats frozen
distribution (`frozen`), an inverse CDF (`ppf`, used by LHS and Sobol) and a fast
native sampler (`sample`, used by plain Monte Carlo). Truncation renormalises
the mass between the bounds (inverse CDF on [F(lower), F(upper)]); it never clips.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Callable, Mapping

import numpy as np
from scipy import special

from mc import fastppf


def _stats():
    """scipy.stats, imported on first use (about a second): a plain run of solved priors never needs it."""
    import scipy.stats

    return scipy.stats


class ParameterError(ValueError):
    """A family's parameters are invalid; the message names the parameter."""


@dataclass(frozen=True)
class Family:
    """A distribution family: its parameter names and how to build it."""

    name: str
    params: tuple[str, ...]
    check: Callable[[Mapping[str, float]], None]
    frozen: Callable[[Mapping[str, float]], object]
    sampler: Callable[[np.random.Generator, Mapping[str, float], int], np.ndarray]
    solve: Callable[[tuple[float, float], tuple[float, float]], dict] | None = None
    optional: Mapping[str, float] = field(default_factory=dict)


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise ParameterError(message)


def _positive(p: Mapping[str, float], *names: str) -> None:
    for name in names:
        _require(p[name] > 0, f"{name} must be positive, got {p[name]:g}")


def _ordered(p: Mapping[str, float], low: str = "low", high: str = "high") -> None:
    _require(p[low] < p[high], f"{low} ({p[low]:g}) must be below {high} ({p[high]:g})")


def _check_mode(p: Mapping[str, float]) -> None:
    _ordered(p)
    _require(p["low"] <= p["mode"] <= p["high"], f"mode ({p['mode']:g}) must lie between low and high")


def _pert_ab(p: Mapping[str, float]) -> tuple[float, float]:
    span, lam = p["high"] - p["low"], p.get("lamb", 4.0)
    return 1 + lam * (p["mode"] - p["low"]) / span, 1 + lam * (p["high"] - p["mode"]) / span


# -- closed-form solutions of two quantiles (q1 < q2 at probabilities p1 < p2) --------
def _solve_normal(probs, values):
    z1, z2 = special.ndtri(probs[0]), special.ndtri(probs[1])
    sd = (values[1] - values[0]) / (z2 - z1)
    return {"mean": values[0] - sd * z1, "sd": sd}


def _solve_lognormal(probs, values):
    _require(values[0] > 0, "lognormal quantiles must be positive")
    solved = _solve_normal(probs, (math.log(values[0]), math.log(values[1])))
    return {"median": math.exp(solved["mean"]), "sigma": solved["sd"]}


def _solve_uniform(probs, values):
    span = (values[1] - values[0]) / (probs[1] - probs[0])
    return {"low": values[0] - probs[0] * span, "high": values[0] - probs[0] * span + span}


def _solve_loguniform(probs, values):
    _require(values[0] > 0, "loguniform quantiles must be positive")
    solved = _solve_uniform(probs, (math.log(values[0]), math.log(values[1])))
    return {"low": math.exp(solved["low"]), "high": math.exp(solved["high"])}


def _solve_numeric(make: Callable[[float, float], object], names: tuple[str, str], start: tuple[float, float]):
    """Solve a two-parameter positive family for two quantiles in log-parameter space."""
    def solver(probs, values):
        def residual(log_params):
            dist = make(*np.exp(log_params))
            return np.asarray(dist.ppf(probs)) - np.asarray(values)

        scale = max(abs(values[0]), abs(values[1]), 1e-12)
        from scipy import optimize

        sol = optimize.least_squares(lambda x: residual(x) / scale, np.log(start(probs, values)),
                                     method="lm", xtol=1e-14, ftol=1e-14)
        _require(bool(np.all(np.abs(residual(sol.x)) <= 1e-6 * scale)),
                 f"no parameters reproduce quantiles {values} at {probs}")
        return dict(zip(names, (float(v) for v in np.exp(sol.x))))
    return solver


def _beta_start(probs, values):
    _require(0 < values[0] and values[1] < 1, "beta quantiles must lie strictly between 0 and 1")
    mean = (values[0] + values[1]) / 2
    sd = (values[1] - values[0]) / (special.ndtri(probs[1]) - special.ndtri(probs[0]))
    k = max(mean * (1 - mean) / sd**2 - 1, 0.5)
    return mean * k, (1 - mean) * k


def _gamma_start(probs, values):
    _require(values[0] > 0, "gamma quantiles must be positive")
    mean = (values[0] + values[1]) / 2
    sd = (values[1] - values[0]) / (special.ndtri(probs[1]) - special.ndtri(probs[0]))
    shape = (mean / sd) ** 2
    return shape, mean / shape


def _check_choice(p: Mapping) -> None:
    values, weights = np.asarray(p["values"], float), np.asarray(p["weights"], float)
    _require(values.ndim == 1 and values.size > 0, "values must be a non-empty list of numbers")
    _require(weights.shape == values.shape, "weights must have one entry per value")
    _require(bool(np.all(np.isfinite(values))), "values must be finite")
    _require(bool(np.all(weights >= 0)) and weights.sum() > 0, "weights must be non-negative and not all zero")


class _Fixed:
    """A point mass, with the slice of the frozen-distribution interface we use."""

    def __init__(self, value: float):
        self.value = float(value)

    def ppf(self, q):
        return np.full(np.shape(q), self.value)

    def cdf(self, x):
        return np.where(np.asarray(x) >= self.value, 1.0, 0.0)

    def support(self):
        return self.value, self.value

    def mean(self):
        return self.value

    def median(self):
        return self.value

    def std(self):
        return 0.0


class _Choice:
    """A discrete choice among real values with weights (inverse CDF over the sorted values)."""

    def __init__(self, values, weights):
        order = np.argsort(values)
        self.values = np.asarray(values, float)[order]
        w = np.asarray(weights, float)[order]
        self.weights = w / w.sum()
        self._cumulative = np.cumsum(self.weights)

    def ppf(self, q):
        # the first value whose cumulative weight reaches q (as scipy's rv_discrete.ppf)
        kernels = fastppf.compiled(np.size(q))
        if kernels is not None and np.ndim(q) == 1:
            out = np.empty(np.size(q))
            kernels.choice(self._cumulative, self.values, np.ascontiguousarray(q, dtype=float), out)
            return out
        index = np.searchsorted(self._cumulative, q, side="left")
        return self.values[np.minimum(index, self.values.size - 1)]

    def cdf(self, x):
        """P(X <= x): a right-continuous step function, flat between atoms."""
        index = np.searchsorted(self.values, x, side="right")  # atoms at or below x
        return np.where(index > 0, self._cumulative[np.maximum(index - 1, 0)], 0.0)

    def support(self):
        return float(self.values[0]), float(self.values[-1])

    def mean(self):
        return float(self.values @ self.weights)

    def median(self):
        return float(self.ppf(0.5))

    def std(self):
        return float(np.sqrt(((self.values - self.mean()) ** 2) @ self.weights))


class _Empirical:
    """Resampling from given draws (e.g. a posterior predictive), inverse CDF by order statistics."""

    def __init__(self, values):
        self.values = np.sort(np.asarray(values, float))

    def ppf(self, q):
        return np.quantile(self.values, q, method="inverted_cdf")

    def cdf(self, x):
        return np.searchsorted(self.values, x, side="right") / self.values.size

    def support(self):
        return float(self.values[0]), float(self.values[-1])

    def mean(self):
        return float(self.values.mean())

    def median(self):
        return float(self.ppf(0.5))

    def std(self):
        return float(self.values.std())


def _sample_choice(rng: np.random.Generator, p: Mapping, n: int) -> np.ndarray:
    # inverse transform of uniforms: faster than rng.choice, and the same mapping as ppf
    return _choice_of(p).ppf(rng.random(n))


def _choice_of(p: Mapping) -> _Choice:
    """The _Choice of a parameter mapping, built once (every block reuses it)."""
    return _cached_choice(tuple(p["values"]), tuple(p["weights"]))


@lru_cache(maxsize=256)
def _cached_choice(values: tuple, weights: tuple) -> _Choice:
    return _Choice(values, weights)


def _sample_beta(rng: np.random.Generator, alpha: float, beta: float, n: int) -> np.ndarray:
    # inverse transform through mc.fastppf's table: about twice as fast as rng.beta
    # (two gamma variates per draw), and exact to ~1e-12 relative (tests/test_fastppf.py)
    return fastppf.beta_ppf(float(alpha), float(beta))(rng.random(n))


def _check_empirical(p: Mapping) -> None:
    values = np.asarray(p["values"], float)
    _require(values.ndim == 1 and values.size > 0, "values must be a non-empty list of numbers")
    _require(bool(np.all(np.isfinite(values))), "values must be finite")


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("fixed", ("value",), lambda p: None, lambda p: _Fixed(p["value"]),
           lambda rng, p, n: np.full(n, float(p["value"]))),
    Family("normal", ("mean", "sd"), lambda p: _positive(p, "sd"),
           lambda p: _stats().norm(p["mean"], p["sd"]),
           lambda rng, p, n: rng.normal(p["mean"], p["sd"], n), _solve_normal),
    Family("lognormal", ("median", "sigma"), lambda p: _positive(p, "median", "sigma"),
           lambda p: _stats().lognorm(p["sigma"], scale=p["median"]),
           lambda rng, p, n: fastppf.lognormal_sample(rng, math.log(p["median"]), p["sigma"], n), _solve_lognormal),
    Family("beta", ("alpha", "beta"), lambda p: _positive(p, "alpha", "beta"),
           lambda p: _stats().beta(p["alpha"], p["beta"]),
           lambda rng, p, n: _sample_beta(rng, p["alpha"], p["beta"], n),
           _solve_numeric(lambda a, b: _stats().beta(a, b), ("alpha", "beta"), _beta_start)),
    Family("gamma", ("shape", "scale"), lambda p: _positive(p, "shape", "scale"),
           lambda p: _stats().gamma(p["shape"], scale=p["scale"]),
           lambda rng, p, n: rng.gamma(p["shape"], p["scale"], n),
           _solve_numeric(lambda k, s: _stats().gamma(k, scale=s), ("shape", "scale"), _gamma_start)),
    Family("uniform", ("low", "high"), _ordered,
           lambda p: _stats().uniform(p["low"], p["high"] - p["low"]),
           lambda rng, p, n: rng.uniform(p["low"], p["high"], n), _solve_uniform),
    Family("loguniform", ("low", "high"), lambda p: (_positive(p, "low"), _ordered(p)),
           lambda p: _stats().loguniform(p["low"], p["high"]),
           lambda rng, p, n: np.exp(rng.uniform(math.log(p["low"]), math.log(p["high"]), n)),
           _solve_loguniform),
    Family("triangular", ("low", "mode", "high"), _check_mode,
           lambda p: _stats().triang((p["mode"] - p["low"]) / (p["high"] - p["low"]), p["low"], p["high"] - p["low"]),
           lambda rng, p, n: rng.triangular(p["low"], p["mode"], p["high"], n)),
    Family("pert", ("low", "mode", "high"), lambda p: (_check_mode(p), _positive(p, "lamb")),
           lambda p: _stats().beta(*_pert_ab(p), loc=p["low"], scale=p["high"] - p["low"]),
           lambda rng, p, n: p["low"] + (p["high"] - p["low"]) * _sample_beta(rng, *_pert_ab(p), n),
           optional={"lamb": 4.0}),
    Family("choice", ("values", "weights"), _check_choice,
           lambda p: _Choice(p["values"], p["weights"]),
           lambda rng, p, n: _sample_choice(rng, p, n)),
    Family("empirical", ("values",), _check_empirical, lambda p: _Empirical(p["values"]),
           lambda rng, p, n: np.asarray(p["values"], float)[rng.integers(0, len(p["values"]), n)]),
)}


_SUPPORTS = {  # closed supports of the continuous families, as scipy.stats gives them (no import needed)
    "normal": lambda p: (-math.inf, math.inf),
    "lognormal": lambda p: (0.0, math.inf),
    "gamma": lambda p: (0.0, math.inf),
    "beta": lambda p: (0.0, 1.0),
    "uniform": lambda p: (float(p["low"]), float(p["low"]) + (float(p["high"]) - float(p["low"]))),
    "loguniform": lambda p: (float(p["low"]), float(p["high"])),
    "triangular": lambda p: (float(p["low"]), float(p["low"]) + (float(p["high"]) - float(p["low"]))),
    "pert": lambda p: (float(p["low"]), float(p["low"]) + (float(p["high"]) - float(p["low"]))),
}


@dataclass(frozen=True)
class Distribution:
    """One family with its parameters and optional truncation bounds.

    Parameters
    ----------
    family : str
        A key of :data:`FAMILIES`.
    params : mapping
        The family's named parameters (after any interval solving).
    lower, upper : float, optional
        Truncation bounds; the mass between them is renormalised.
    """

    family: str
    params: Mapping[str, object]
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self):
        fam = FAMILIES[self.family]
        params = {**fam.optional, **self.params}
        object.__setattr__(self, "params", params)
        fam.check(params)
        if self.lower is not None and self.upper is not None:
            _require(self.lower < self.upper, f"lower ({self.lower:g}) must be below upper ({self.upper:g})")
        if self.truncated:
            _require(self.family not in ("fixed", "choice", "empirical"), f"bounds do not apply to a {self.family} distribution")
            _require(self.mass > 0, "no probability mass between lower and upper")

    @cached_property
    def frozen(self):
        """The scipy.stats frozen distribution before truncation."""
        return FAMILIES[self.family].frozen(self.params)

    @property
    def truncated(self) -> bool:
        return self.lower is not None or self.upper is not None

    @cached_property
    def _cdf_bounds(self) -> tuple[float, float]:
        lo = 0.0 if self.lower is None else float(self.frozen.cdf(self.lower))
        hi = 1.0 if self.upper is None else float(self.frozen.cdf(self.upper))
        return lo, hi

    @property
    def mass(self) -> float:
        lo, hi = self._cdf_bounds
        return hi - lo

    @property
    def is_fixed(self) -> bool:
        return self.family == "fixed"

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF of the (truncated) distribution at probabilities `u`."""
        u = np.asarray(u, dtype=float)
        if self.truncated:
            lo, hi = self._cdf_bounds
            u = lo + u * (hi - lo)
        fast = fastppf.ppf(self.family, self.params, u)
        return fast if fast is not None else np.asarray(self.frozen.ppf(u), dtype=float)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """`size` independent draws; native generators unless truncated."""
        if self.truncated:
            return self.ppf(rng.random(size))
        return FAMILIES[self.family].sampler(rng, self.params, size)

    def support(self) -> tuple[float, float]:
        """The closed interval holding all the mass (after truncation)."""
        known = _SUPPORTS.get(self.family)
        lo, hi = known(self.params) if known else (float(v) for v in self.frozen.support())
        if self.lower is not None:
            lo = max(lo, self.lower)
        if self.upper is not None:
            hi = min(hi, self.upper)
        return lo, hi

    def median(self) -> float:
        return float(self.ppf(0.5))

    def mean(self) -> float:
        if not self.truncated:
            return float(self.frozen.mean())
        return float(self.frozen.expect(lb=self.lower, ub=self.upper, conditional=True))


def solve_quantiles(family: str, quantiles: Mapping[float, float]) -> dict:
    """Parameters of `family` whose quantiles match two given ones.

    Parameters
    ----------
    family : str
        A two-parameter family with a solver (normal, lognormal, beta, gamma,
        uniform, loguniform).
    quantiles : mapping of probability -> value
        Exactly two entries, e.g. ``{0.05: 0.8, 0.95: 2.6}`` for "90% between 0.8 and 2.6".

    Raises
    ------
    ParameterError
        If the family cannot be solved or the quantiles are not increasing.
    """
    fam = FAMILIES[family]
    _require(fam.solve is not None, f"family {family!r} cannot be given by quantiles; "
             "use normal, lognormal, beta, gamma, uniform or loguniform")
    _require(len(quantiles) == 2, f"give exactly two quantiles, got {len(quantiles)}")
    (p1, v1), (p2, v2) = sorted(quantiles.items())
    for p in (p1, p2):
        _require(0 < p < 1, f"percentile {100 * p:g} must be between 0 and 100")
    _require(v1 < v2, f"p{100 * p2:g} ({v2:g}) must be above p{100 * p1:g} ({v1:g})")
    if family in _CLOSED_FORM_SOLVERS:
        return {k: float(v) for k, v in fam.solve((p1, p2), (v1, v2)).items()}
    return _cached_numeric_solution(family, (p1, p2), (v1, v2))


_CLOSED_FORM_SOLVERS = ("normal", "lognormal", "uniform", "loguniform")


def _cached_numeric_solution(family: str, probs: tuple, values: tuple) -> dict:
    """A numeric solve (beta, gamma: scipy.stats and a least-squares fit) once per input, then from the cache.

    The record (:mod:`mc.cache`, keyed by family, probabilities, values and the
    scipy version) holds the solved parameters as JSON floats, which round-trip
    exactly, so a cached load gives the same distribution bit for bit.
    """
    import scipy

    from mc.cache import digest, read_record, write_record

    key = digest("solve_quantiles", family, [float(p) for p in probs], [float(v) for v in values], scipy.__version__)
    record = read_record("solved", key)
    if record is not None and isinstance(record.get("params"), dict):
        return {k: float(v) for k, v in record["params"].items()}
    params = {k: float(v) for k, v in FAMILIES[family].solve(probs, values).items()}
    write_record("solved", key, {"params": params})
    return params
