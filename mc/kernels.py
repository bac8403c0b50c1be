"""Compiled (numba) loops behind the inverse CDFs and the LHS permutation.

Every kernel here is the *same arithmetic, in the same order,* as the numpy code
it replaces, so results are bit-identical to it (tests/test_fastppf.py and
tests/test_sampling.py compare them element by element):

* no fused multiply-add and no reassociation (numba's default, ``fastmath`` off);
* the LHS permutation replays ``Generator.shuffle``'s bounded integers from the
  raw output of the same bit generator (:func:`lhs_from_raw`).

The module imports numba, which costs a few tenths of a second, so callers import
it lazily (mc.fastppf.compiled): only for arrays of at least :data:`COMPILED_MIN`
values, once a process has drawn :data:`COMPILE_AFTER` values the numpy way, so
short runs never pay for it. Either path gives the same numbers. Kernels compile on first use
and are cached on disk (``cache=True``), so only the first run after install pays.
"""
from __future__ import annotations

import math

import numba
import numpy as np

COMPILED_MIN = 4096  # values per call from which the compiled kernels are used
COMPILE_AFTER = 160_000_000  # see mc.fastppf.COMPILE_AFTER (about 20 M draws of the base priors)
_jit = numba.njit(cache=True, nogil=True)  # nogil: worker threads run blocks in parallel


@_jit
def beta_table(coef, right_offset, missing, octaves, nodes, logs, use_expm1, u, out):
    """Horner evaluation of mc.fastppf.BetaPPF's quintic table; NaN where scipy must answer."""
    floor = 2.0 ** -(octaves + 1)
    for i in range(u.size):
        ui = u[i]
        right = ui >= 0.5
        w = min(ui, 1.0 - ui) if ui == ui else ui
        if w >= floor:
            mantissa, exponent = math.frexp(w)
            pos = (mantissa - 0.5) * (2 * nodes)
            row = int(pos)
            theta = pos - row
            row = row - exponent * nodes + (right_offset if right else 0)
        else:
            theta, row = 0.0, missing
        g = coef[5, row]
        for j in (4, 3, 2, 1):
            g = g * theta
            g = g + coef[j, row]
        g = g * theta
        g = g + coef[0, row]
        if not logs:
            out[i] = g
        elif use_expm1:
            out[i] = -math.expm1(g) if right else math.exp(g)
        else:
            x = math.exp(g)
            out[i] = 1.0 - x if right else x


@_jit
def choice(cumulative, values, u, out):
    """The first value whose cumulative weight reaches u (numpy searchsorted, side='left')."""
    last = values.size - 1
    for i in range(u.size):
        q = u[i]
        lo, hi = 0, cumulative.size
        if q != q:  # numpy sorts NaN last
            lo = hi
        while lo < hi:  # binary search
            mid = (lo + hi) >> 1
            if cumulative[mid] < q:
                lo = mid + 1
            else:
                hi = mid
        out[i] = values[min(lo, last)]


@_jit
def exp_affine(z, mu, sigma, out):
    """exp(mu + sigma * z): with z = rng.standard_normal(n), exactly rng.lognormal(mu, sigma, n)."""
    for i in range(z.size):
        out[i] = math.exp(mu + sigma * z[i])


@_jit
def count_bins(x, low, scale, nbins, hist, index):
    """Fused pass 1 of mc.stats.QuantileSketch: bin counts added to ``hist``, values below zero counted.

    The bin of ``v`` is ``clip((v - low) * scale, 0, nbins - 1)`` truncated, and
    ``nbins`` for NaN, exactly as ``QuantileSketch.bin_index``; the bins are left
    in ``index`` when it has room for them (else pass an empty array). Branch-free
    binning, then counting: faster than one loop that does both.
    """
    n = x.size
    top = float(nbins - 1)
    bins = index if index.size == n else np.empty(n, np.uint16)
    n_negative = 0
    for i in range(n):
        v = x[i]
        n_negative += v < 0
        t = min(max((v - low) * scale, 0.0), top)
        bins[i] = np.uint16(t) if t == t else np.uint16(nbins)
    for i in range(n):
        hist[bins[i]] += 1
    return n_negative


@_jit
def lhs_from_raw(raw, jitter, out):
    """LHS uniforms ``(perm - jitter) / n`` with numpy's Fisher-Yates shuffle replayed from raw draws.

    ``raw`` holds the bit generator's next 64-bit outputs after the jitter was drawn.
    ``Generator.shuffle`` draws each swap index in [0, i] from 32-bit words (low half
    of each output first), masked to the smallest covering power of two and
    rejected above i. Returns the number of 32-bit words used, or -1 if ``raw`` ran
    out (the caller draws more).
    """
    n = jitter.size
    perm = np.arange(1, n + 1)
    used = 0
    low32 = np.uint64(0xFFFFFFFF)
    for i in range(n - 1, 0, -1):
        mask = i
        for shift in (1, 2, 4, 8, 16):
            mask |= mask >> shift
        while True:
            if used >= 2 * raw.size:
                return -1
            word = raw[used >> 1]
            value = (word >> np.uint64(32)) if used & 1 else (word & low32)
            used += 1
            j = int(value) & mask
            if j <= i:
                break
        perm[i], perm[j] = perm[j], perm[i]
    for k in range(n):
        out[k] = (perm[k] - jitter[k]) / n
    return used
