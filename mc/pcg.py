"""numpy's ``PCG64``, compiled, in interleaved lanes: the same raw words, doubles and states, bit for bit.

numpy steps PCG64's 128-bit LCG ``s <- a s + c (mod 2**128)`` one word after
another, so it waits on every multiply (about 3 ns a word for ``Generator.random``,
6 for ``random_raw``). The state after ``k`` steps is also ``A_k s + C_k`` with
``A_k = a**k`` and ``C_k = c (1 + a + ... + a**(k-1))``, so :data:`LANES` lanes
start at the states after 1, 2, ..., LANES steps and each jumps LANES steps at a
time: word ``t * LANES + j`` comes from lane ``j``, and the multiplies of the
lanes overlap. Each word is numpy's output function of the stepped state
(``pcg_output_xsl_rr_128_64``: ``rotr64(high ^ low, high >> 58)``, numpy/random/src/pcg64/pcg64.h),
a double ``(word >> 11) * 2**-53`` as ``Generator.random`` makes it.

A state is a uint64 array ``[state_high, state_low, inc_high, inc_low]``
(:func:`state_of`); the kernels advance it in place, and :func:`set_state`
writes it back to the bit generator (keeping its buffered 32-bit half), so the
bit generator ends exactly where ``random_raw`` or ``Generator.random`` leave it.
:class:`Words` takes words ahead and commits only those used (for consumers that
use a varying number a value, such as mc.ziggurat). :func:`pcg_seed` seeds a state
from a seed sequence's four words (mc.seedseq computes them compiled), and
:func:`lhs_shuffled` replays scipy's ``LatinHypercube`` from seed words.
tests/test_pcg.py compares all of it with numpy and scipy. This module imports
numba: import it only where the compiled kernels are wanted (through mc.kernels,
which mc.fastppf.compiled gives); mc.fastppf.random routes uniforms here.
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

_jit = numba.njit(cache=True, nogil=True)

MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341  # PCG_DEFAULT_MULTIPLIER_128
LANES = 4  # interleaved lanes (4 saturate the multiplier: 3 multiplies a word)
_MASK128 = (1 << 128) - 1
DOUBLE_UNIT = 1.0 / 9007199254740992.0  # 2**-53: Generator.random's double of word >> 11


def _halves(value: int) -> tuple[np.uint64, np.uint64]:
    return np.uint64(value >> 64), np.uint64(value & ((1 << 64) - 1))


def _jump_constants(steps: int) -> tuple[int, int]:
    """``(a**steps, 1 + a + ... + a**(steps - 1))`` mod 2**128: ``steps`` steps are ``s <- A s + G c``."""
    mult, total = 1, 0
    for _ in range(steps):
        total = (total + mult) & _MASK128
        mult = (mult * MULTIPLIER) & _MASK128
    return mult, total


(_A_HI, _A_LO), (_AL_HI, _AL_LO), (_GL_HI, _GL_LO) = map(_halves, (MULTIPLIER, *_jump_constants(LANES)))
_ZERO, _ONE = np.uint64(0), np.uint64(1)


@intrinsic
def _mul_add(typingctx, x_hi, x_lo, y_hi, y_lo, z_hi, z_lo):
    """``x * y + z`` mod 2**128 on (high, low) uint64 halves, as LLVM i128 (one widening multiply, two short)."""
    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        sixty_four = ir.Constant(wide, 64)

        def join(high, low):
            return builder.or_(builder.shl(builder.zext(high, wide), sixty_four), builder.zext(low, wide))

        x, y, z = join(*args[0:2]), join(*args[2:4]), join(*args[4:6])
        r = builder.add(builder.mul(x, y), z)
        high = builder.trunc(builder.lshr(r, sixty_four), ir.IntType(64))
        low = builder.trunc(r, ir.IntType(64))
        return context.make_tuple(builder, signature.return_type, (high, low))
    u64 = types.uint64
    return types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64), codegen


@_jit
def _output(high, low):
    """numpy's XSL-RR output of a stepped state: ``rotr64(high ^ low, high >> 58)``."""
    value, rot = high ^ low, high >> np.uint64(58)
    return (value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))


def _store(out, i, word):
    """``out[i] = word``, or its double (``Generator.random``'s) if `out` holds floats."""


@overload(_store)
def _store_overload(out, i, word):
    if isinstance(out.dtype, types.Float):
        def store_double(out, i, word):
            out[i] = float(word >> np.uint64(11)) * DOUBLE_UNIT
        return store_double

    def store_word(out, i, word):
        out[i] = word
    return store_word


@_jit
def pcg_fill(state, out):
    """The next ``out.size`` words of `state` into `out` (uint64: raw words; float64: ``Generator.random``'s
    doubles), in :data:`LANES` interleaved lanes; advances `state` by ``out.size`` steps."""
    n = out.size
    s_hi, s_lo, c_hi, c_lo = state[0], state[1], state[2], state[3]
    h0, l0 = _mul_add(s_hi, s_lo, _A_HI, _A_LO, c_hi, c_lo)
    h1, l1 = _mul_add(h0, l0, _A_HI, _A_LO, c_hi, c_lo)
    h2, l2 = _mul_add(h1, l1, _A_HI, _A_LO, c_hi, c_lo)
    h3, l3 = _mul_add(h2, l2, _A_HI, _A_LO, c_hi, c_lo)
    j_hi, j_lo = _mul_add(c_hi, c_lo, _GL_HI, _GL_LO, _ZERO, _ZERO)  # the increment of a jump of LANES
    last_hi, last_lo = s_hi, s_lo
    i = 0
    while i + 4 <= n:
        _store(out, i, _output(h0, l0))
        _store(out, i + 1, _output(h1, l1))
        _store(out, i + 2, _output(h2, l2))
        _store(out, i + 3, _output(h3, l3))
        last_hi, last_lo = h3, l3
        h0, l0 = _mul_add(h0, l0, _AL_HI, _AL_LO, j_hi, j_lo)
        h1, l1 = _mul_add(h1, l1, _AL_HI, _AL_LO, j_hi, j_lo)
        h2, l2 = _mul_add(h2, l2, _AL_HI, _AL_LO, j_hi, j_lo)
        h3, l3 = _mul_add(h3, l3, _AL_HI, _AL_LO, j_hi, j_lo)
        i += 4
    if i < n:
        _store(out, i, _output(h0, l0))
        last_hi, last_lo = h0, l0
    if i + 1 < n:
        _store(out, i + 1, _output(h1, l1))
        last_hi, last_lo = h1, l1
    if i + 2 < n:
        _store(out, i + 2, _output(h2, l2))
        last_hi, last_lo = h2, l2
    state[0], state[1] = last_hi, last_lo


@_jit
def pcg_advance(state, steps):
    """Advance `state` by `steps` (an unsigned 64-bit count) in O(log steps): numpy's ``pcg_advance_lcg_128``."""
    delta = np.uint64(steps)
    acc_hi, acc_lo, plus_hi, plus_lo = _ZERO, _ONE, _ZERO, _ZERO
    cur_hi, cur_lo, cp_hi, cp_lo = _A_HI, _A_LO, state[2], state[3]
    while delta > _ZERO:
        if delta & _ONE:
            acc_hi, acc_lo = _mul_add(acc_hi, acc_lo, cur_hi, cur_lo, _ZERO, _ZERO)
            plus_hi, plus_lo = _mul_add(plus_hi, plus_lo, cur_hi, cur_lo, cp_hi, cp_lo)
        m1_hi, m1_lo = _mul_add(cur_hi, cur_lo, _ZERO, _ONE, _ZERO, _ONE)  # cur_mult + 1
        cp_hi, cp_lo = _mul_add(m1_hi, m1_lo, cp_hi, cp_lo, _ZERO, _ZERO)
        cur_hi, cur_lo = _mul_add(cur_hi, cur_lo, cur_hi, cur_lo, _ZERO, _ZERO)
        delta >>= _ONE
    state[0], state[1] = _mul_add(acc_hi, acc_lo, state[0], state[1], plus_hi, plus_lo)


@_jit
def pcg_seed(words, state):
    """`state` of ``PCG64(seed_sequence)`` from ``seed_sequence.generate_state(4, np.uint64)`` (`words`):
    numpy's ``pcg64_set_seed``: state 0, increment ``2 initseq + 1``, a step, add ``initstate``, a step."""
    c_hi = (words[2] << _ONE) | (words[3] >> np.uint64(63))
    c_lo = (words[3] << _ONE) | _ONE
    s_hi, s_lo = _mul_add(_ZERO, _ZERO, _A_HI, _A_LO, c_hi, c_lo)
    s_hi, s_lo = _mul_add(s_hi, s_lo, _ZERO, _ONE, words[0], words[1])
    state[0], state[1] = _mul_add(s_hi, s_lo, _A_HI, _A_LO, c_hi, c_lo)
    state[2], state[3] = c_hi, c_lo


def is_pcg64(bit_generator) -> bool:
    """Whether `bit_generator` is numpy's PCG64 itself (not a subclass or another generator)."""
    return type(bit_generator) is np.random.PCG64


def state_of(bit_generator: np.random.PCG64) -> np.ndarray:
    """The LCG state of a PCG64 as ``[state_high, state_low, inc_high, inc_low]`` (uint64)."""
    inner = bit_generator.state["state"]
    state, inc = inner["state"], inner["inc"]
    return np.array([state >> 64, state & 0xFFFF_FFFF_FFFF_FFFF, inc >> 64, inc & 0xFFFF_FFFF_FFFF_FFFF],
                    dtype=np.uint64)


def set_state(bit_generator: np.random.PCG64, state: np.ndarray) -> None:
    """Set the LCG state of a PCG64 from :func:`state_of`'s layout, keeping its buffered 32-bit half."""
    full = bit_generator.state
    full["state"] = {"state": (int(state[0]) << 64) | int(state[1]), "inc": (int(state[2]) << 64) | int(state[3])}
    bit_generator.state = full


def random_raw(bit_generator: np.random.PCG64, count: int) -> np.ndarray:
    """``bit_generator.random_raw(count)``, the same words and the same state afterwards."""
    out = np.empty(int(count), dtype=np.uint64)
    _fill_from(bit_generator, out)
    return out


def random(rng: np.random.Generator, size: int) -> np.ndarray:
    """``rng.random(size)`` (1-d float64) for a PCG64 generator, the same doubles and the same state afterwards."""
    out = np.empty(int(size))
    _fill_from(rng.bit_generator, out)
    return out


def _fill_from(bit_generator, out: np.ndarray) -> None:
    with bit_generator.lock:
        state = state_of(bit_generator)
        pcg_fill(state, out)
        set_state(bit_generator, state)


class Words:
    """Raw words of a PCG64 taken ahead; :meth:`commit` then advances it by exactly the words used.

    Until then the bit generator itself is untouched. Use it from one thread at a time.

    Parameters
    ----------
    bit_generator : numpy.random.PCG64
        The generator the words come from.
    """

    def __init__(self, bit_generator: np.random.PCG64):
        self.bit_generator = bit_generator
        self.start = state_of(bit_generator)  # the state before the first word
        self.state = self.start.copy()  # the state after the words taken so far (the kernels' layout)
        self.taken = 0

    def take(self, count: int) -> np.ndarray:
        """The next `count` words after those already taken (uint64)."""
        out = np.empty(int(count), dtype=np.uint64)
        pcg_fill(self.state, out)
        self.taken += out.size
        return out

    def commit(self, used: int) -> None:
        """Leave the bit generator where ``random_raw(used)`` would have from where it stood at the start."""
        if used == self.taken:
            state = self.state
        else:
            state = self.start.copy()
            pcg_advance(state, np.uint64(used))
        set_state(self.bit_generator, state)


@_jit
def lhs_shuffled(seed_words, state, n, perm, scratch, out):
    """scipy's ``qmc.LatinHypercube(1).random(n)[:, 0]``, bit for bit, from its engine's PCG64, seeded in
    `state` (4 uint64 of scratch) from `seed_words` (its seed sequence's ``generate_state(4, np.uint64)``).

    The engine draws ``n`` jitters (``Generator.random``), then shuffles
    ``1..n`` with ``Generator.shuffle``: Fisher-Yates from the top, each index in
    [0, i] from one 32-bit word (numpy serves the low half of a raw word, then the
    high half), masked to the smallest covering power of two and rejected above
    i. The words come ``scratch.size`` at a time from :func:`pcg_fill`, so no more
    are drawn than the shuffle uses (rounded up to `scratch`). `perm` (uint16 up to
    65,536 values, else int32) holds ``value - 1``; results are ``(value - jitter) / n``.
    """
    pcg_seed(seed_words, state)
    pcg_fill(state, out)  # the jitters, kept in out until the last pass
    for k in range(n):
        perm[k] = k
    top = np.uint64(n - 1)  # indices unsigned: no negative-index wraparound code in the loop
    mask = _ZERO
    while mask < top:
        mask = (mask << _ONE) | _ONE
    position, available = 0, 0
    i = top
    while i > _ZERO:  # a raw word a pass, its low half then its high half (a 32-bit candidate each)
        if position == available:
            pcg_fill(state, scratch)
            position, available = 0, scratch.size
        word = scratch[position]
        position += 1
        mask = _shrink(mask, i)
        i = _swap_or_reject(perm, i, word & np.uint64(0xFFFFFFFF) & mask)
        if i == _ZERO:
            break
        mask = _shrink(mask, i)
        i = _swap_or_reject(perm, i, (word >> np.uint64(32)) & mask)
    for k in range(n):
        out[k] = (float(perm[k] + 1) - out[k]) / n


@_jit
def _shrink(mask, i):
    """The smallest all-ones mask covering i, from that of i + 1 or i (a predictable branch)."""
    if (mask >> _ONE) >= i:
        mask >>= _ONE
    return mask


@_jit
def _swap_or_reject(perm, i, j):
    """Swap perm[i] with perm[j] and return i - 1 if j <= i; else swap perm[i] with itself and return i
    (no branch: a quarter of the candidates are rejected at random, which a branch would mispredict)."""
    accept = j <= i
    k = j if accept else i
    a, b = perm[i], perm[k]
    perm[i], perm[k] = b, a
    return i - np.uint64(accept)
