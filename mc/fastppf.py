"""Fast inverse CDFs: closed forms, and interpolation tables for the beta family and the normal.

scipy's generic ``ppf`` validates arguments and broadcasts through several layers;
for LHS and Sobol on millions of points the closed forms below are several times
faster and agree with scipy to rounding.  The beta family (also behind PERT) has
no closed form and ``scipy.special.betaincinv`` costs about 6 µs per point, so
:class:`BetaPPF` tabulates it once per ``(alpha, beta)``:

* ``w = min(u, 1 - u)`` is split into binary octaves ``[2^-(k+1), 2^-k)`` (an
  exact split by ``np.frexp``), each cut into ``NODES_PER_OCTAVE`` equal steps, so
  the grid is dense in relative terms right down to ``u = 2^-(OCTAVES+1)``;
* on each step a quintic Hermite polynomial matches the quantile and its first
  two derivatives at both ends, taken from the beta density
  (``dx/du = 1 / f(x)``, ``d2x/du2 = -(f'/f)(x) (dx/du)^2``);
* with both shapes >= 1 it interpolates ``x`` itself (the right half holds
  ``x = 1 - y`` of the mirrored Beta(beta, alpha), so no select per point);
  otherwise ``log x`` (left) and ``log(1 - x)`` (right), which straighten the
  steep power-law tails ``x ~ u^(1/alpha)`` and keep full relative precision.

Points outside the tabulated octaves (``w < 2^-(OCTAVES+1)``, probability about
1e-12), ``u`` of exactly 0 or 1 and invalid ``u`` fall back to scipy, so results
are scipy's own where the table does not reach.  tests/test_fastppf.py measures the
relative error against ``scipy.stats.beta.ppf`` (below 1e-10 on typical priors).
Every element is computed independently of the others, so results do not depend
on array size or chunking.

The standard normal (behind LHS and Sobol normals and lognormals) has the same
kind of table, :class:`NormalPPF`: ``ndtri(w)`` on the left half, its negation on
the right, within 2e-12 of ``scipy.special.ndtri`` (about 6 ns a point compiled
against scipy's 25-30). Plain Monte Carlo draws lognormals natively, unchanged.
"""
from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Mapping

import numpy as np

from mc import kernel_loading
from mc.ppftables import NODES_PER_OCTAVE, OCTAVES, beta_table, octave_nodes, quintic

COMPILED_MIN = 4096  # values per call from which compiled kernels (mc.kernels) are used
# Values computed the numpy way (in auto mode) before the kernels start loading on a background thread. Every
# array through compiled() counts: a draw of the base priors is 28 values under mc (8 inputs, the outputs'
# statistics...), so this is about 5.7 M draws. Re-measured 2026-12-02 (load average 1.2-2.4, CPU time, one
# process: benchmarks/bench_kernels.py --background and MC_COMPILED=0 against 1 alternating): the kernels save
# 113 ns a draw in memory (359 -> 246 ns, 4.0 ns a counted value) and 50 ns streamed (372 -> 322, 1.8 ns);
# loading them on the thread still stalls the run by 0.6-0.9 s (numba's import and cache load hold the GIL:
# warm cache, 2 M draws: +0.83-0.90 s wall, ready after 0.9-1.2 s; 10 M draws: -0.28 to -0.76 s). On the first
# run after install a niced child interpreter compiles (5.4-5.5 s CPU on another core, ready after 6.5-7 s) and
# the run waits only 0.0-0.5 s (the thread's import; 2 M and 10 M draws), no longer 4.2 s. So the threshold
# cannot come down: started after T values, a load pays back after 0.86 s / 4.0 ns = 215 M more values in
# memory (480 M streamed), and T near that cost (ski rental) bounds the loss of any run length to about twice
# the load. 160 M keeps runs of a few million draws free of numba (`mc run --draws 1e6` never imports it).
# Re-measured with mc.pcg and mc.ziggurat (0.3.1, load 1.6-2.2): fused w1 228 -> 135 ns a draw (3.3 ns a counted
# value), a warm load stalls 0.37-0.57 s, an empty cache 0.37-0.64 s: break-even at 110-170 M values, so 160 M stays.
COMPILE_AFTER = 160_000_000
_computed = 0  # values seen so far by compiled() in auto mode, before the kernels start loading


def compiled(size: int, count: bool = True):
    """The compiled kernels (:mod:`mc.kernels`) if they should handle `size` values, else None.

    Both paths give the same bits, so this only decides speed: numba costs a few
    tenths of a second to import (and a few seconds to compile on the very first
    run after install, then cached), which pays only on long runs. Once a process
    has computed :data:`COMPILE_AFTER` values the numpy way, a daemon thread imports
    the kernels and calls each once (:mod:`mc.kernel_loading`) while the run goes
    on in numpy; they are used from when that has finished. If it fails, the
    process stays on numpy. Environment variable ``MC_COMPILED``: ``0`` never,
    ``1`` from the first call (imported there, each kernel compiled at its first call).
    With `count` False, `size` does not count towards :data:`COMPILE_AFTER` (for a
    caller that then passes the same values through a counting call).
    """
    global _computed
    mode = os.environ.get("MC_COMPILED", "auto")
    if size < COMPILED_MIN or mode == "0":
        return None
    if mode == "1":
        from mc import kernels

        return kernels
    if kernel_loading.started():
        return kernel_loading.loaded()
    if not count:
        return None
    _computed += size  # (not atomic across worker threads: a few blocks more or less do not matter)
    if _computed >= COMPILE_AFTER:
        kernel_loading.start()
    return None


def _triangular(p: Mapping, u: np.ndarray) -> np.ndarray:
    low, mode, high = p["low"], p["mode"], p["high"]
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < c, left, right)


class _TablePPF:
    """An inverse CDF tabulated on the octaves of ``min(u, 1 - u)``: its table, evaluated in numpy or compiled.

    Subclasses set ``_logs`` and ``_coef``, ``_use_expm1`` (see :func:`mc.ppftables.build_beta_table`)
    before calling :meth:`_set_table`, and give :meth:`_fallback` for the points the table leaves NaN.
    """

    _logs = False
    # Steps are looked up by the bits of w: with w = (1 + f) 2^(e - 1023), ``bits >> SHIFT`` is
    # e * NODES_PER_OCTAVE + (top bits of f), so the step of w is that minus BASE (octaves in reverse,
    # deepest first); anything outside the table (NaN, w <= 0, deep tail, negative) falls outside
    # [0, SPAN) as an unsigned number and is clipped to the NaN step SPAN. The right half follows at SPAN + 1.
    SHIFT = 52 - NODES_PER_OCTAVE.bit_length() + 1
    BASE = (1022 - OCTAVES) * NODES_PER_OCTAVE
    SPAN = (OCTAVES + 1) * NODES_PER_OCTAVE

    def _set_table(self, coef: np.ndarray, use_expm1: bool) -> None:
        """Keep `coef` (6 rows, octave k's step j at k * NODES_PER_OCTAVE + j, left half, right half, NaN)
        and its steps in bit order: ``_by_bits`` (6 rows) for numpy, ``_rows`` (flat rows of 8, 64 bytes
        a step, 2 of padding) for the compiled kernel."""
        self._coef, self._use_expm1 = coef, use_expm1
        octaves = (OCTAVES + 1, NODES_PER_OCTAVE)
        nan = np.full((6, 1), np.nan)
        halves = [coef[:, h * self.SPAN:(h + 1) * self.SPAN].reshape(6, *octaves)[:, ::-1].reshape(6, -1)
                  for h in (0, 1)]
        self._by_bits = np.ascontiguousarray(np.concatenate([halves[0], nan, halves[1], nan], axis=1))
        rows = np.zeros((self._by_bits.shape[1], 8))
        rows[:, :6] = self._by_bits.T
        self._rows = rows.ravel()

    def __call__(self, u) -> np.ndarray:
        """``scipy.stats.beta(alpha, beta).ppf(u)`` to about 1e-10 relative error."""
        return self.scaled(u, None, None)

    def scaled(self, u, low: float | None, span: float | None) -> np.ndarray:
        """``low + span * self(u)``, bit for bit, in one pass when compiled (a PERT); ``self(u)`` if `span` is None."""
        u = np.asarray(u, dtype=float)
        shape, u = u.shape, u.ravel()
        kernels = compiled(u.size)
        if kernels is None:
            x = self._numpy(u)
            return (x if span is None else low + span * x).reshape(shape)
        x = np.empty(u.size)
        loc, scale = (0.0, math.nan) if span is None else (float(low), float(span))
        n_nan = kernels.beta_table(self._rows, self.SHIFT, self.BASE, self.SPAN, self._logs, self._use_expm1,
                                   loc, scale, np.ascontiguousarray(u), x)
        if n_nan:  # the untabulated points, from scipy, then scaled as the others
            bad = np.isnan(x)
            x[bad] = self._scipy_where_nan(u[bad], np.full(int(bad.sum()), np.nan))
            if span is not None:
                x[bad] = low + span * x[bad]
        return x.reshape(shape)

    def _numpy(self, u: np.ndarray) -> np.ndarray:
        right = u >= 0.5
        w = np.minimum(u, 1.0 - u)  # 1 - u is exact for u >= 0.5, where it is the minimum
        bits = w.view(np.uint64)
        row = bits >> np.uint64(self.SHIFT)
        row -= np.uint64(self.BASE)  # wraps around below the table: clipped to the NaN step next
        np.minimum(row, np.uint64(self.SPAN), out=row)
        row += np.multiply(right, np.uint64(self.SPAN + 1), dtype=np.uint64)
        row = row.view(np.intp)  # (take is faster with native indices)
        theta = (bits & np.uint64((1 << self.SHIFT) - 1)).astype(float)
        theta *= 2.0 ** -self.SHIFT  # exact: the fraction's low bits, as np.frexp's (mantissa - 0.5) * 2 nodes
        g = self._by_bits[5].take(row)
        for j in (4, 3, 2, 1):
            g *= theta
            g += self._by_bits[j].take(row)
        g *= theta
        g += self._by_bits[0].take(row)
        if not self._logs:
            x = g
        elif self._use_expm1:
            x = np.where(right, -np.expm1(g), np.exp(g))
        else:
            x = _exp_mirrored(g, right)
        return self._scipy_where_nan(u, x)

    def _scipy_where_nan(self, u: np.ndarray, x: np.ndarray) -> np.ndarray:
        bad = np.isnan(x)
        if bad.any():
            x[bad] = self._fallback(u[bad])
        return x


class BetaPPF(_TablePPF):
    """Tabulated inverse CDF of Beta(alpha, beta); build once, call on any array.

    Parameters
    ----------
    alpha, beta : float
        Positive shape parameters.
    """

    def __init__(self, alpha: float, beta: float):
        self.alpha, self.beta = float(alpha), float(beta)
        # With both shapes >= 1 the tails are powers u^(1/shape) <= 1, which the quintic follows
        # in x itself, and the right half can hold x = 1 - y directly: no exp and no select per point.
        # Otherwise interpolate logs, which turn steep powers into near-straight lines.
        self._logs = min(self.alpha, self.beta) < 1
        self._set_table(*beta_table(self.alpha, self.beta, self._logs))

    def _fallback(self, u: np.ndarray) -> np.ndarray:
        """scipy.stats' boost inverse: right where special.betaincinv underflows."""
        from scipy.stats import beta as beta_distribution

        return beta_distribution.ppf(u, self.alpha, self.beta)


class NormalPPF(_TablePPF):
    """Tabulated inverse CDF of the standard normal: ``scipy.special.ndtri`` to 2e-12 (tests/test_fastppf.py).

    The left half interpolates ``ndtri(w)`` itself; the right half holds its
    negation (the normal is symmetric). Built once per process (a few thousand
    ndtri calls); points beyond the tabulated octaves go to ndtri.
    """

    def __init__(self):
        from scipy import special

        w, step = octave_nodes()
        with np.errstate(all="ignore"):
            x = special.ndtri(w)
            dx = np.sqrt(2 * np.pi) * np.exp(x * x / 2)  # 1 / density
            left = quintic(x, dx * step, x * dx * dx * step**2)  # x'' = x x'^2
        right = 0.0 - left  # x(1 - w) = -x(w); 0.0 - keeps the median's zero positive
        self._set_table(np.ascontiguousarray(np.concatenate([left, right, np.full((1, 6), np.nan)]).T), False)

    def _fallback(self, u: np.ndarray) -> np.ndarray:
        return _ndtri(u)


def pcg_words() -> bool:
    """Whether the compiled path uses :mod:`mc.pcg` (the default; the same numbers): its words for uniforms,
    normals and LHS, its seeding for streams. ``MC_PCG=0`` keeps numpy's own there (the compiled path before
    mc.pcg), to measure the difference (benchmarks/bench_throughput.py --pcg-ab)."""
    return os.environ.get("MC_PCG") != "0"


def pcg_kernels(size: int):
    """mc.kernels if they serve `size` values with mc.pcg's words (:func:`compiled` without counting, and not
    ``MC_PCG=0``), else None: for callers whose values a counting call also sees, or that numpy never counted."""
    kernels = compiled(size, count=False)
    return kernels if kernels is not None and pcg_words() else None


def random(rng: np.random.Generator, size: int) -> np.ndarray:
    """``rng.random(size)`` (1-d), bit for bit and with the same state after: compiled (:mod:`mc.pcg`)
    for a PCG64 when the kernels serve `size` values (:func:`pcg_kernels`), else numpy itself."""
    kernels = pcg_kernels(size)
    if kernels is None or not kernels.is_pcg64(rng.bit_generator):
        return rng.random(size)
    return kernels.pcg_random(rng, size)


def _exp_mirrored(g: np.ndarray, right: np.ndarray) -> np.ndarray:
    x = np.exp(g)
    return np.where(right, 1.0 - x, x)


@lru_cache(maxsize=256)
def beta_ppf(alpha: float, beta: float) -> BetaPPF:
    """The (cached) tabulated inverse CDF of Beta(alpha, beta)."""
    return BetaPPF(alpha, beta)


def pert_shapes(p: Mapping) -> tuple[float, float]:
    """Beta shape parameters of a PERT(low, mode, high, lamb)."""
    span, lam = p["high"] - p["low"], p.get("lamb", 4.0)
    return 1 + lam * (p["mode"] - p["low"]) / span, 1 + lam * (p["high"] - p["mode"]) / span


def _beta(p: Mapping, u: np.ndarray) -> np.ndarray:
    return beta_ppf(float(p["alpha"]), float(p["beta"]))(u)


def _pert(p: Mapping, u: np.ndarray) -> np.ndarray:
    return beta_ppf(*pert_shapes(p)).scaled(u, p["low"], p["high"] - p["low"])


def _ndtri(u: np.ndarray) -> np.ndarray:
    from scipy import special  # lazy: only LHS, Sobol and truncated normals need it

    return special.ndtri(u)


def _lognormal_ppf(median: float, sigma: float, u: np.ndarray) -> np.ndarray:
    """``median * np.exp(sigma * normal_ppf()(u))``, bit for bit, in place: ``0.0 + sigma * z`` (the table's
    scaling) differs from ``sigma * z`` only in the sign of a zero, which exp ignores."""
    x = normal_ppf().scaled(u, 0.0, sigma)
    np.exp(x, out=x)
    x *= median
    return x if x.ndim else x[()]  # a scalar for a scalar, as numpy's arithmetic gives


@lru_cache(maxsize=1)
def normal_ppf() -> NormalPPF:
    """The (cached) tabulated inverse CDF of the standard normal."""
    return NormalPPF()


_CLOSED_FORMS = {
    "fixed": lambda p, u: np.full(u.shape, float(p["value"])),
    "normal": lambda p, u: normal_ppf().scaled(u, p["mean"], p["sd"]),
    "lognormal": lambda p, u: _lognormal_ppf(p["median"], p["sigma"], u),
    "uniform": lambda p, u: p["low"] + (p["high"] - p["low"]) * u,
    "loguniform": lambda p, u: np.exp(math.log(p["low"]) + math.log(p["high"] / p["low"]) * u),
    "triangular": _triangular,
    "beta": _beta,
    "pert": _pert,
}


def ppf(family: str, params: Mapping, u: np.ndarray) -> np.ndarray | None:
    """Inverse CDF at `u` by closed form or table, or None if `family` has neither here."""
    fn = _CLOSED_FORMS.get(family)
    if fn is None:
        return None
    with np.errstate(over="ignore"):  # a value beyond float64 becomes inf, which the run then names and refuses
        return fn(params, u)
