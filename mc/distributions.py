"""Distribution families, their parameters, and solving a credible interval into them.

Solvers live in :mod:`mc.interval`, the point-mass and discrete families in
:mod:`mc.discrete`, the fast inverse CDFs in :mod:`mc.fastppf`; this module ties
them into :data:`FAMILIES` and the :class:`Distribution` value.

A :class:`Distribution` is an immutable value: a family name, its named
parameters, and optional truncation bounds. It exposes the scipy.stats frozen
distribution (`frozen`), an inverse CDF (`ppf`, used by LHS and Sobol) and a fast
native sampler (`sample`, used by plain Monte Carlo). Truncation renormalises
the mass between the bounds (inverse CDF on [F(lower), F(upper)]); it never clips.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Mapping

import numpy as np

from mc import fastppf
from mc.discrete import Choice, Empirical, Fixed, check_choice, check_empirical, sample_choice
from mc.interval import ParameterError, beta_quantile, beta_start, cached_solution, check_interval, \
    gamma_quantile, gamma_start, require, solve_lognormal, solve_normal, solve_numeric, solve_uniform, solve_loguniform

__all__ = ["FAMILIES", "Distribution", "Family", "ParameterError", "solve_quantiles"]


def _stats():
    """scipy.stats, imported on first use (about a second): a plain run of solved priors never needs it."""
    import scipy.stats

    return scipy.stats


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


def _positive(p: Mapping[str, float], *names: str) -> None:
    for name in names:
        require(p[name] > 0, f"{name} must be positive, got {p[name]:g}")


def _ordered(p: Mapping[str, float], low: str = "low", high: str = "high") -> None:
    require(p[low] < p[high], f"{low} ({p[low]:g}) must be below {high} ({p[high]:g})")


def _check_mode(p: Mapping[str, float]) -> None:
    _ordered(p)
    require(p["low"] <= p["mode"] <= p["high"], f"mode ({p['mode']:g}) must lie between low and high")


def _pert_ab(p: Mapping[str, float]) -> tuple[float, float]:
    return fastppf.pert_shapes(p)


def _sample_beta(rng: np.random.Generator, alpha: float, beta: float, n: int) -> np.ndarray:
    # inverse transform through mc.fastppf's table: about twice as fast as rng.beta
    # (two gamma variates per draw), and exact to ~1e-12 relative (tests/test_fastppf.py)
    return fastppf.beta_ppf(float(alpha), float(beta))(fastppf.random(rng, n))


def lognormal_sample(rng: np.random.Generator, mu: float, sigma: float, size: int) -> np.ndarray:
    """``rng.lognormal(mu, sigma, size)``, bit for bit (the same normals, exp compiled for long arrays)."""
    kernels = fastppf.compiled(size)
    if kernels is None:
        return rng.lognormal(mu, sigma, size)
    z = _standard_normal(kernels, rng, size)
    kernels.exp_affine(z, float(mu), float(sigma), z)  # in place: each value is read, then written
    return z


def normal_sample(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """``rng.normal(mean, sd, size)``, bit for bit (numpy's C computes ``mean + sd * z``), the normals
    compiled (:mod:`mc.ziggurat`) for long arrays."""
    kernels = fastppf.pcg_kernels(size)  # (numpy's normal never counted: it has no numpy-path kernel)
    if kernels is None:
        return rng.normal(mean, sd, size)
    z = _standard_normal(kernels, rng, size)
    z *= float(sd)  # sd * z and then + mean, as numpy's loc + scale * z (both operations commute exactly)
    z += float(mean)
    return z


def _standard_normal(kernels, rng: np.random.Generator, size: int) -> np.ndarray:
    """``rng.standard_normal(size)``: mc.ziggurat's replay on mc.pcg's words (3x faster; ``MC_PCG=0``: numpy's)."""
    return kernels.standard_normal(rng, size) if fastppf.pcg_words() else rng.standard_normal(size)


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("fixed", ("value",), lambda p: None, lambda p: Fixed(p["value"]),
           lambda rng, p, n: np.full(n, float(p["value"]))),
    Family("normal", ("mean", "sd"), lambda p: _positive(p, "sd"),
           lambda p: _stats().norm(p["mean"], p["sd"]),
           lambda rng, p, n: normal_sample(rng, p["mean"], p["sd"], n), solve_normal),
    Family("lognormal", ("median", "sigma"), lambda p: _positive(p, "median", "sigma"),
           lambda p: _stats().lognorm(p["sigma"], scale=p["median"]),
           lambda rng, p, n: lognormal_sample(rng, math.log(p["median"]), p["sigma"], n), solve_lognormal),
    Family("beta", ("alpha", "beta"), lambda p: _positive(p, "alpha", "beta"),
           lambda p: _stats().beta(p["alpha"], p["beta"]),
           lambda rng, p, n: _sample_beta(rng, p["alpha"], p["beta"], n),
           solve_numeric(beta_quantile, ("alpha", "beta"), beta_start)),
    Family("gamma", ("shape", "scale"), lambda p: _positive(p, "shape", "scale"),
           lambda p: _stats().gamma(p["shape"], scale=p["scale"]),
           lambda rng, p, n: rng.gamma(p["shape"], p["scale"], n),
           solve_numeric(gamma_quantile, ("shape", "scale"), gamma_start)),
    Family("uniform", ("low", "high"), _ordered,
           lambda p: _stats().uniform(p["low"], p["high"] - p["low"]),
           lambda rng, p, n: rng.uniform(p["low"], p["high"], n), solve_uniform),
    Family("loguniform", ("low", "high"), lambda p: (_positive(p, "low"), _ordered(p)),
           lambda p: _stats().loguniform(p["low"], p["high"]),
           lambda rng, p, n: np.exp(rng.uniform(math.log(p["low"]), math.log(p["high"]), n)),
           solve_loguniform),
    Family("triangular", ("low", "mode", "high"), _check_mode,
           lambda p: _stats().triang((p["mode"] - p["low"]) / (p["high"] - p["low"]), p["low"], p["high"] - p["low"]),
           lambda rng, p, n: rng.triangular(p["low"], p["mode"], p["high"], n)),
    Family("pert", ("low", "mode", "high"), lambda p: (_check_mode(p), _positive(p, "lamb")),
           lambda p: _stats().beta(*_pert_ab(p), loc=p["low"], scale=p["high"] - p["low"]),
           lambda rng, p, n: fastppf.beta_ppf(*_pert_ab(p)).scaled(fastppf.random(rng, n), p["low"], p["high"] - p["low"]),
           optional={"lamb": 4.0}),
    Family("choice", ("values", "weights"), check_choice,
           lambda p: Choice(p["values"], p["weights"]),
           lambda rng, p, n: sample_choice(rng, p, n)),
    Family("empirical", ("values",), check_empirical, lambda p: Empirical(p["values"]),
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
            require(self.lower < self.upper, f"lower ({self.lower:g}) must be below upper ({self.upper:g})")
        if self.truncated:
            require(self.family not in ("fixed", "choice", "empirical"), f"bounds do not apply to a {self.family} distribution")
            require(self.mass > 0, "no probability mass between lower and upper")

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
            return self.ppf(fastppf.random(rng, size))
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
    require(fam.solve is not None, f"family {family!r} cannot be given by quantiles; "
            "use normal, lognormal, beta, gamma, uniform or loguniform")
    probs, values = check_interval(quantiles)
    return cached_solution(family, fam.solve, probs, values)
