"""Exact moments of chunks of draws, mergeable in order, with the standard errors they give.

The mean, standard deviation and P(value < 0) of a run come from these: one
:class:`Moments` per ``CHUNK`` of draws (a stream block), merged in block order,
so every way of running the blocks (in memory, streamed, threads, a cluster)
gives the same bits.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CHUNK = 65_536  # = mc.sampling.STREAM_BLOCK: moments merge per chunk, so streaming per block gives the same bits


@dataclass(frozen=True)
class Moments:
    """Count, mean and central moment sums of some values, mergeable across chunks.

    Merging follows Pébay (2008), so chunk statistics combine exactly as one
    pass would, up to rounding; merging the same chunks in the same order gives
    the same bits, which is how streaming and in-memory tables agree exactly.
    """

    n: int
    mean: float
    m2: float  # sum of (x - mean)^2
    m3: float
    m4: float
    n_negative: int
    minimum: float
    maximum: float

    @classmethod
    def of(cls, x: np.ndarray, n_negative: int | None = None) -> "Moments":
        """The moments of one chunk, in a few passes over cache-resident data.

        `n_negative`, when given, is the count of values below zero already
        gathered by a fused pass (:meth:`QuantileSketch.count_into`).
        """
        n = x.size
        if n == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0, np.inf, -np.inf)
        with np.errstate(over="ignore", invalid="ignore"):  # beyond 1e77 the 4th powers overflow: inf, said so
            mean = float(x.mean())
            c = x - mean
            c2 = c * c
            m2 = float(c2.sum())
            c *= c2
            m3 = float(c.sum())
            c2 *= c2
            m4 = float(c2.sum())
        if n_negative is None:
            n_negative = int(np.count_nonzero(x < 0))
        return cls(n, mean, m2, m3, m4, int(n_negative), float(x.min()), float(x.max()))

    @classmethod
    def constant(cls, n: int, value: float) -> "Moments":
        """The moments of `n` copies of `value`, as far as any table reads them (see :meth:`with_se`)."""
        value = float(value)
        return cls(int(n), value, 0.0, 0.0, 0.0, int(n) if value < 0 else 0, value, value)

    @classmethod
    def merged(cls, parts) -> "Moments":
        """:meth:`merge` over `parts` in order (one per stream block: the bits do not depend on chunking)."""
        parts = iter(parts)
        total = next(parts)
        for part in parts:
            total = total.merge(part)
        return total

    @classmethod
    def of_chunks(cls, x: np.ndarray) -> "Moments":
        """Merge of :meth:`of` over consecutive ``CHUNK``-sized pieces, in order."""
        total = cls.of(x[:CHUNK])
        for s in range(CHUNK, x.size, CHUNK):
            total = total.merge(cls.of(x[s:s + CHUNK]))
        return total

    def merge(self, other: "Moments") -> "Moments":
        """The moments of both sets of values together."""
        na, nb = self.n, other.n
        if na == 0 or nb == 0:
            return other if na == 0 else self
        n = na + nb
        d = other.mean - self.mean
        dn = d / n
        m2 = self.m2 + other.m2 + d * dn * na * nb
        m3 = (self.m3 + other.m3 + d * dn * dn * na * nb * (na - nb)
              + 3 * dn * (na * other.m2 - nb * self.m2))
        m4 = (self.m4 + other.m4 + d * _cube(dn) * na * nb * (na * na - na * nb + nb * nb)
              + 6 * dn * dn * (na * na * other.m2 + nb * nb * self.m2) + 4 * dn * (na * other.m3 - nb * self.m3))
        return Moments(n, self.mean + dn * nb, m2, m3, m4, self.n_negative + other.n_negative,
                       _nan_or(min, self.minimum, other.minimum), _nan_or(max, self.maximum, other.maximum))

    def with_se(self) -> dict[str, tuple[float, float]]:
        """Mean, standard deviation and P(value < 0), each with its standard error."""
        n = self.n
        if self.minimum == self.maximum:  # a constant: rounding in the merges must not show as spread
            return {"mean": (float(self.minimum), 0.0), "sd": (0.0, 0.0),
                    "p_negative": (float(self.minimum < 0), 0.0)}
        m2, m4 = self.m2 / n, self.m4 / n
        sd = float(np.sqrt(m2 * n / max(n - 1, 1)))
        # delta method: var(s^2) ~ (m4 - m2^2) / n, and se(s) = se(s^2) / (2 s)
        sd_se = float(np.sqrt(max(m4 - m2 * m2, 0.0) / n) / (2 * sd)) if sd > 0 else 0.0
        p_neg = self.n_negative / n
        return {
            "mean": (float(self.mean), sd / np.sqrt(n)),
            "sd": (sd, sd_se),
            "p_negative": (p_neg, float(np.sqrt(p_neg * (1 - p_neg) / n))),
        }


def _cube(x: float) -> float:
    """``x**3``, or an infinity of its sign where that overflows (Python's ``**`` raises instead)."""
    try:
        return x**3
    except OverflowError:
        return math.copysign(math.inf, x)


def _nan_or(fn, a: float, b: float) -> float:
    """fn(a, b), or NaN if either is NaN (as ndarray.min and max propagate NaN)."""
    return math.nan if math.isnan(a) or math.isnan(b) else fn(a, b)
