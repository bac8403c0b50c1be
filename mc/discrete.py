"""Point masses and discrete distributions (fixed, choice, empirical), with the slice of scipy.stats'
frozen-distribution interface mc uses (``ppf``, ``cdf``, ``support``, ``mean``, ``median``, ``std``)."""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np

from mc import fastppf
from mc.interval import require


class Fixed:
    """A point mass."""

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


_FEW_VALUES = 4  # up to here Choice.ppf compares against each cumulative weight (faster than a search)


class Choice:
    """A discrete choice among real values with weights (inverse CDF over the sorted values)."""

    def __init__(self, values, weights):
        order = np.argsort(values)
        self.values = np.asarray(values, float)[order]
        w = np.asarray(weights, float)[order]
        self.weights = w / w.sum()
        self._cumulative = np.cumsum(self.weights)

    def ppf(self, q):
        # the first value whose cumulative weight reaches q (as scipy's rv_discrete.ppf)
        if self.values.size <= _FEW_VALUES and np.ndim(q) == 1:
            return self._ppf_few(np.asarray(q, dtype=float))
        kernels = fastppf.compiled(np.size(q))
        if kernels is not None and np.ndim(q) == 1:
            out = np.empty(np.size(q))
            kernels.choice(self._cumulative, self.values, np.ascontiguousarray(q, dtype=float), out)
            return out
        index = np.searchsorted(self._cumulative, q, side="left")
        return self.values[np.minimum(index, self.values.size - 1)]

    def _ppf_few(self, q: np.ndarray) -> np.ndarray:
        """:meth:`ppf` for a few values: value k where ``q <= cumulative[k]`` first holds, else the last
        (NaN too, as searchsorted sorts it last); about a nanosecond a value per atom, with no index array."""
        out = np.full(q.shape, self.values[-1])
        for k in range(self.values.size - 2, -1, -1):  # the smallest such k is written last
            np.copyto(out, self.values[k], where=q <= self._cumulative[k])
        return out

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


class Empirical:
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


def check_choice(p: Mapping) -> None:
    values, weights = np.asarray(p["values"], float), np.asarray(p["weights"], float)
    require(values.ndim == 1 and values.size > 0, "values must be a non-empty list of numbers")
    require(weights.shape == values.shape, "weights must have one entry per value")
    require(bool(np.all(np.isfinite(values))), "values must be finite")
    require(bool(np.all(weights >= 0)) and weights.sum() > 0, "weights must be non-negative and not all zero")


def check_empirical(p: Mapping) -> None:
    values = np.asarray(p["values"], float)
    require(values.ndim == 1 and values.size > 0, "values must be a non-empty list of numbers")
    require(bool(np.all(np.isfinite(values))), "values must be finite")


def sample_choice(rng: np.random.Generator, p: Mapping, n: int) -> np.ndarray:
    """Inverse transform of uniforms: faster than rng.choice, and the same mapping as ``ppf``."""
    return choice_of(p).ppf(fastppf.random(rng, n))


def choice_of(p: Mapping) -> Choice:
    """The Choice of a parameter mapping, built once (every block reuses it)."""
    return _cached_choice(tuple(p["values"]), tuple(p["weights"]))


@lru_cache(maxsize=256)
def _cached_choice(values: tuple, weights: tuple) -> Choice:
    return Choice(values, weights)
