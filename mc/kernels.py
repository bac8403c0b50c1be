"""Compiled (numba) loops behind the inverse CDFs, the LHS permutation and the fused chunk statistics.

Every kernel here is the *same arithmetic, in the same order,* as the numpy code
it replaces, so results are bit-identical to it (tests/test_fastppf.py,
tests/test_sampling.py and tests/core/test_kernels_*.py compare them element by element):

* no fused multiply-add and no reassociation (numba's default, ``fastmath`` off);
* sums follow numpy's pairwise summation exactly (:func:`pairwise_sums`), so the
  moments of a chunk are ``Moments.of``'s bits;
* random words are numpy's PCG64's, replayed by mc.pcg (imported here): uniforms
  (``mc.pcg.pcg_fill``), the LHS permutation
  (``mc.pcg.lhs_shuffled``; :func:`lhs_from_raw` does it from numpy's own raw words),
  and mc.ziggurat's standard normals.

The module imports numba, which costs a few tenths of a second, so callers import
it lazily (mc.fastppf.compiled): only for arrays of at least :data:`COMPILED_MIN`
values, once a process has drawn ``mc.fastppf.COMPILE_AFTER`` values the numpy way, so
short runs never pay for it, and then on a background thread that also runs
:func:`warm_up`, while the run goes on in numpy. Either path gives the same numbers.
Kernels compile on first use and are cached on disk (``cache=True``), so only the
first run after install pays; they allocate nothing (callers pass every buffer),
which keeps compilation short.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

# mc.pcg's kernels and helpers, here so that warm_up and mc.kernel_loading's cache check see them
from mc.pcg import Words, is_pcg64, lhs_shuffled, pcg_fill  # noqa: F401
from mc.seedseq import entropy_words, seed_sequence_words  # noqa: F401
from mc.seedseq import generator as pcg_generator  # noqa: F401
from mc.pcg import random as pcg_random, random_raw as pcg_random_raw  # noqa: F401
from mc.pcg import set_state as pcg_set_state, state_of as pcg_state_of  # noqa: F401
from mc.ziggurat import normal_from_raw as ziggurat_normal_from_raw, standard_normal  # noqa: F401
from mc.ziggurat import warm_up as ziggurat_warm_up

COMPILED_MIN = 4096  # values per call from which the compiled kernels are used
PW_BLOCKSIZE = 128  # numpy's pairwise-summation block (numpy/_core/src/umath/loops_utils.h.src)
_jit = numba.njit(cache=True, nogil=True)  # nogil: worker threads run blocks in parallel


@intrinsic
def _float_bits(typingctx, value):
    """The IEEE-754 bits of a float64 as a uint64 (a register move)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.uint64(types.float64), codegen


@_jit
def beta_table(table, shift, base, span, logs, use_expm1, loc, span_scale, u, out):
    """Horner evaluation of a mc.fastppf table (BetaPPF, NormalPPF); returns how many results are NaN.

    `table` holds the steps as flat rows of 8 (6 coefficients, 2 of padding: one
    cache line per step) in bit order: the step of ``w = min(u, 1 - u)`` is
    ``(bits(w) >> shift) - base`` as an unsigned number, clipped to the NaN step
    `span` (outside the table), plus ``span + 1`` on the right half; ``theta`` is
    the low `shift` bits of the fraction, scaled (``np.frexp``'s, exactly). Each
    result ``x`` is stored as ``loc + span_scale * x`` (a PERT's scaling) unless
    `span_scale` is NaN, which stores ``x`` itself (``0 + 1 * x`` would turn -0.0 into 0.0).
    """
    ushift, ubase, limit = np.uint64(shift), np.uint64(base), np.uint64(span)
    right_offset = np.uint64(span + 1)
    low_mask = (np.uint64(1) << ushift) - np.uint64(1)
    theta_scale = 2.0 ** -shift
    scaled = span_scale == span_scale and not logs
    n_nan = 0
    for i in range(u.size):  # no branch on the (random) half, so nothing to mispredict
        ui = u[i]
        right = np.uint64(ui >= 0.5)
        # w = 1 - u on the right half, u on the left, by arithmetic (LLVM turns a select back into a branch):
        # 1 - 2u and u + (1 - 2u) are exact for u in [0.5, 1); 0 * (1 - 2u) adds +0.0 on the left; NaN stays NaN
        bits = _float_bits(ui + float(right) * (1.0 - 2.0 * ui))
        row = (bits >> ushift) - ubase
        row = row if row < limit else limit
        row += right_offset * right
        theta = float(bits & low_mask) * theta_scale
        r = row * np.uint64(8)
        g = table[r + np.uint64(5)] * theta
        g = (g + table[r + np.uint64(4)]) * theta
        g = (g + table[r + np.uint64(3)]) * theta
        g = (g + table[r + np.uint64(2)]) * theta
        g = (g + table[r + np.uint64(1)]) * theta
        g = g + table[r]
        n_nan += g != g
        out[i] = loc + span_scale * g if scaled else g
    if logs:  # a second pass, so that the first makes no calls (which would spill its registers)
        n_nan = 0
        for i in range(u.size):
            g, right = out[i], u[i] >= 0.5
            if use_expm1:
                g = -math.expm1(g) if right else math.exp(g)
            else:
                x = math.exp(g)
                g = 1.0 - x if right else x
            n_nan += g != g
            out[i] = g if span_scale != span_scale else loc + span_scale * g
    return n_nan


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
    """Fused pass 1 of mc.stats.QuantileSketch: bins, their counts, the values below zero and the extremes.

    The bin of ``v`` is ``clip((v - low) * scale, 0, nbins - 1)`` truncated, and
    ``nbins`` for NaN, exactly as ``QuantileSketch.bin_index``; the bins are left
    in ``index`` (uint16, one per value) and counted into ``hist``. Returns
    ``(n_negative, minimum, maximum)``: the extremes are NaN if any value is, and
    a zero extreme may be either signed zero (ask numpy then).
    """
    top = float(nbins - 1)
    n_negative = n_nan = 0
    minimum, maximum = np.inf, -np.inf
    for i in range(x.size):
        v = x[i]
        n_negative += v < 0
        minimum = v if v < minimum else minimum
        maximum = v if v > maximum else maximum
        t = (v - low) * scale
        t = 0.0 if t < 0.0 else t  # np.clip: NaN stays NaN
        t = top if t > top else t
        n_nan += t != t
        index[i] = np.uint16(nbins) if t != t else np.uint16(t)
    for i in range(x.size):  # branch-free binning, then counting: faster than one loop doing both
        hist[index[i]] += 1
    if n_nan:
        return n_negative, np.nan, np.nan
    return n_negative, minimum, maximum


def chunk_statistics(x, low: float, scale: float, nbins: int, hist, index) -> tuple:
    """:func:`count_bins` and the moments of `x` (contiguous float64, not empty), with ``Moments.of``'s bits.

    Returns ``(n_negative, mean, m2, m3, m4, minimum, maximum)`` as Python numbers;
    the mean is ``x.mean()`` (numpy's pairwise sum over the count), the ``m``'s
    numpy's sums of ``c*c``, ``c*(c*c)``, ``(c*c)*(c*c)`` with ``c = x - mean``.
    """
    n_negative, minimum, maximum = count_bins(x, low, scale, nbins, hist, index)
    program, stack = pairwise_program(x.size), np.empty(3 * PAIRWISE_STACK + 24)
    mean = pairwise_sums(x, 0.0, False, program, stack)[0] / x.size
    m2, m3, m4 = pairwise_sums(x, mean, True, program, stack)
    return int(n_negative), float(mean), float(m2), float(m3), float(m4), float(minimum), float(maximum)


# numpy before 2.3 reduces a contiguous float64 array in buffers of np.getbufsize() values (8192 by default):
# each buffer summed pairwise, the buffers' sums added one after another (checked on 1.26, 2.0, 2.1 and 2.2)
NUMPY_REDUCES_IN_BUFFERS = tuple(int(part) for part in np.__version__.split(".")[:2]) < (2, 3)


def pairwise_program(n: int) -> np.ndarray:
    """numpy's summation of ``n`` values as a postfix program (int64 rows ``(start, length)``).

    A row with ``length >= 0`` is a leaf block (at most :data:`PW_BLOCKSIZE`
    values, summed as numpy sums a block); ``(0, -1)`` adds the last two results,
    left + right. numpy splits a longer run at ``n // 2`` rounded down to a
    multiple of 8; before numpy 2.3 it first cuts the array into buffers
    (:data:`NUMPY_REDUCES_IN_BUFFERS`). (numba cannot cache a recursive function,
    so the tree is built here once per length and the kernels run it with a small stack.)
    """
    return _program(int(n), np.getbufsize() if NUMPY_REDUCES_IN_BUFFERS else 0)


@lru_cache(maxsize=64)
def _program(n: int, buffer: int) -> np.ndarray:
    if not buffer or n <= buffer:
        rows = _tree_rows(0, n)
    else:  # each buffer's tree, then added to the running sum
        rows = []
        for start in range(0, n, buffer):
            rows += _tree_rows(start, min(buffer, n - start)) + ([(0, -1)] if start else [])
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _tree_rows(offset: int, n: int) -> list[tuple[int, int]]:
    """numpy's pairwise tree over values ``offset`` to ``offset + n``, depth-first, the sum after both halves."""
    rows: list[tuple[int, int]] = []
    pending = [(offset, n, False)]
    while pending:
        start, length, children_done = pending.pop()
        if length <= PW_BLOCKSIZE:
            rows.append((start, length))
        elif children_done:
            rows.append((0, -1))
        else:
            half = length // 2 - (length // 2) % 8
            pending += [(start, length, True), (start + half, length - half, False), (start, half, False)]
    return rows


PAIRWISE_STACK = 64  # values per sum on the kernels' stack: the tree of any array is shallower


@_jit
def pairwise_sums(x, mean, central, program, stack):
    """:func:`pairwise_program` on `x`: ``np.add.reduce`` of x (first result), or, if `central`, of
    ``c*c``, ``c*(c*c)``, ``(c*c)*(c*c)`` with ``c = x - mean``, bit for bit; `stack`: float64 scratch of
    ``3 * PAIRWISE_STACK + 24``. numpy sums a block of 8-128 with eight accumulators (lane ``k``: values
    ``k, k + 8, ...``; run lane by lane from -0.0 here, as ``-0.0 + v = v``), combined pairwise, then the rest
    one by one; fewer than 8 from -0.0; the reduce adds the sum to 0.0 (so -0.0 becomes 0.0)."""
    top = 0
    for row in range(program.shape[0]):
        start, n = program[row, 0], program[row, 1]
        if n < 0:  # left + right
            top -= 1
            for j in range(3):
                stack[3 * (top - 1) + j] = stack[3 * (top - 1) + j] + stack[3 * top + j]
            continue
        stop = start + n - n % 8 if n >= 8 else start
        if central and n >= 8:
            lanes = 3 * PAIRWISE_STACK  # stack[lanes + 8 j + k]: lane k of sum j
            for k in range(8):
                s2 = s3 = s4 = -0.0
                for i in range(start + k, stop, 8):
                    c = x[i] - mean
                    c2 = c * c
                    s2 += c2
                    s3 += c * c2
                    s4 += c2 * c2
                stack[lanes + k], stack[lanes + 8 + k], stack[lanes + 16 + k] = s2, s3, s4
            a = stack[lanes:]
            t2 = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
            t3 = ((a[8] + a[9]) + (a[10] + a[11])) + ((a[12] + a[13]) + (a[14] + a[15]))
            t4 = ((a[16] + a[17]) + (a[18] + a[19])) + ((a[20] + a[21]) + (a[22] + a[23]))
        elif n >= 8:
            r0, r1, r2, r3 = x[start], x[start + 1], x[start + 2], x[start + 3]
            r4, r5, r6, r7 = x[start + 4], x[start + 5], x[start + 6], x[start + 7]
            for i in range(start + 8, stop, 8):
                r0, r1, r2, r3 = r0 + x[i], r1 + x[i + 1], r2 + x[i + 2], r3 + x[i + 3]
                r4, r5, r6, r7 = r4 + x[i + 4], r5 + x[i + 5], r6 + x[i + 6], r7 + x[i + 7]
            t2, t3, t4 = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), 0.0, 0.0
        else:
            t2, t3, t4 = -0.0, -0.0, -0.0
        for i in range(stop, start + n):
            c = x[i] - mean
            t2 += c * c if central else x[i]
            t3 += c * (c * c)
            t4 += (c * c) * (c * c)
        stack[3 * top], stack[3 * top + 1], stack[3 * top + 2] = t2, t3, t4
        top += 1
    return 0.0 + stack[0], 0.0 + stack[1], 0.0 + stack[2]


@_jit
def select_values(x, index, low, scale, nbins, wanted, out):
    """Pass 2 of mc.stats.QuantileSketch: the values whose bin is wanted, in order, into `out`; returns how many.

    Bins come from `index` if it holds one per value, else are computed as
    :func:`count_bins` does.
    """
    top = float(nbins - 1)
    stored = index.size == x.size
    k = 0
    for i in range(x.size):
        if stored:
            b = index[i]
        elif nbins == 1:
            b = 1 if x[i] != x[i] else 0
        else:
            t = min(max((x[i] - low) * scale, 0.0), top)
            b = int(t) if t == t else nbins
        if wanted[b]:
            out[k] = x[i]
            k += 1
    return k


@_jit
def lhs_from_raw(raw, n, perm, out):
    """LHS uniforms ``(perm - jitter) / n`` replayed from the raw 64-bit outputs of scipy's generator.

    ``raw[:n]`` give the jitter, as ``Generator.random`` makes doubles of PCG64's
    outputs (``(word >> 11) * 2**-53``); the rest replay ``Generator.shuffle``'s
    Fisher-Yates swaps of ``perm`` (int32 scratch, one per value), each index in
    [0, i] drawn from 32-bit words (low half of each output first), masked to the
    smallest covering power of two and rejected above i. Returns the number of
    32-bit words the shuffle used, or -1 if ``raw`` ran out (the caller draws more).
    """
    for k in range(n):
        perm[k] = k + 1
    used = 2 * n  # 32-bit words, counted from the start of raw (the jitter took the first n outputs)
    available = 2 * raw.size
    low32 = np.uint64(0xFFFFFFFF)
    mask = 0
    while mask < n - 1:
        mask = 2 * mask + 1
    i = n - 1
    while i > 0:  # one 32-bit word per pass; a rejected index swaps perm[i] with itself (no branch to mispredict)
        while (mask >> 1) >= i:
            mask >>= 1
        if used >= available:
            return -1
        value = (raw[used >> 1] >> np.uint64(32 * (used & 1))) & low32
        used += 1
        j = int(value) & mask
        accept = int(j <= i)
        k = i + (j - i) * accept  # j, or i itself when rejected (arithmetic: LLVM would branch on a select)
        a, b = perm[i], perm[k]
        perm[i], perm[k] = b, a
        i -= accept
    for k in range(n):
        out[k] = (perm[k] - float(raw[k] >> np.uint64(11)) * (1.0 / 9007199254740992.0)) / n
    return used - 2 * n


def warm_up() -> None:
    """Call every kernel once on a few values, with the argument types of the real calls, so that each
    is compiled (or loaded from numba's cache) now and no later call compiles.

    The types are those of mc.fastppf (beta and normal tables, plain and scaled, in ``x`` and in logs, with
    and without expm1; the lognormal exp), mc.pcg (words and doubles,
    seeding words), mc.ziggurat (its own warm-up), mc.discrete (choice), mc.sampling (the LHS replays,
    uint16 permutations: a stream block's) and mc.stats (chunk statistics, the selection with and without stored
    bins): C-contiguous 1-d float64 values, Python ints and bools for the table layout, int64 counts, uint16
    bins, bool bins wanted.
    """
    n = 16
    u = np.linspace(0.01, 0.99, n)
    out = np.empty(n)
    table = np.zeros(8 * 4)
    state = pcg_state_of(np.random.PCG64(1))
    for logs, use_expm1, scale in ((False, False, math.nan), (False, False, 2.0), (True, False, math.nan),
                                   (True, True, math.nan), (True, False, 2.0)):
        beta_table(table, 52, 1 << 62, 1, logs, use_expm1, 0.0, scale, u, out)  # every point off the table
    pcg_fill(state, out)
    pcg_fill(state, np.empty(n, np.uint64))
    words = np.empty(4, np.uint64)
    seed_sequence_words(entropy_words(1, (2, 3)), words)
    choice(np.array([0.5, 1.0]), np.array([1.0, 2.0]), u, out)
    exp_affine(u, 0.1, 0.2, out)
    hist, index = np.zeros(9, np.int64), np.empty(n, np.uint16)
    chunk_statistics(u, 0.0, 8.0, 8, hist, index)
    wanted = np.ones(9, dtype=bool)
    select_values(u, index, 0.0, 8.0, 8, wanted, out)
    select_values(u, np.empty(0, np.uint16), 0.0, 8.0, 8, wanted, out)
    lhs_from_raw(np.arange(1, 4 * n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15), n,
                 np.empty(n, np.int32), out)
    ziggurat_warm_up()
    lhs_shuffled(words, state, n, np.empty(n, np.uint16), np.empty(8, np.uint64), out)  # (int32: above a block)
