"""numpy's ``SeedSequence`` replayed compiled, for seeding mc.pcg's PCG64: the same states and children.

``PCG64(SeedSequence(entropy, spawn_key=...))`` asks the sequence for four
64-bit words (``generate_state(4, np.uint64)``); numpy computes them in Python
objects in about 30 µs, :func:`seed_sequence_words` in about 4 (numpy's
``mix_entropy`` into a pool of 4, then ``generate_state``, in 32-bit arithmetic
held in uint64). :func:`generator` builds a stream block's Generator on it
(mc.sampling.stream); tests/test_pcg.py compares everything with numpy. Imports
numba: only for the compiled kernels (through mc.kernels).
"""
from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

from mc.pcg import _ZERO, _jit, pcg_seed

_MASK32 = np.uint64(0xFFFFFFFF)
_SIXTEEN = np.uint64(16)
# numpy's SeedSequence constants (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
_MIX_MULT_L, _MIX_MULT_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
POOL_SIZE = 4  # SeedSequence's default pool, of 32-bit words


@_jit
def _hashmix(value, hash_const):
    """SeedSequence's ``hashmix`` in 32-bit arithmetic (held in uint64): returns the value and the next constant."""
    value = value ^ hash_const
    hash_const = (hash_const * _MULT_A) & _MASK32
    value = (value * hash_const) & _MASK32
    return value ^ (value >> _SIXTEEN), hash_const


@_jit
def _mix(x, y):
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _SIXTEEN)


@_jit
def seed_sequence_words(entropy, words):
    """``SeedSequence(...).generate_state(4, np.uint64)`` into `words` from the sequence's assembled entropy
    (uint64 array of 32-bit words, :func:`entropy_words`): numpy's ``mix_entropy`` into a pool of 4, then
    ``generate_state`` (8 32-bit words, paired little-endian)."""
    pool = np.empty(POOL_SIZE, np.uint64)
    hash_const = _INIT_A
    for i in range(POOL_SIZE):
        pool[i], hash_const = _hashmix(entropy[i] if i < entropy.size else _ZERO, hash_const)
    for i_src in range(POOL_SIZE):
        for i_dst in range(POOL_SIZE):
            if i_src != i_dst:
                hashed, hash_const = _hashmix(pool[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], hashed)
    for i_src in range(POOL_SIZE, entropy.size):
        for i_dst in range(POOL_SIZE):
            hashed, hash_const = _hashmix(entropy[i_src], hash_const)
            pool[i_dst] = _mix(pool[i_dst], hashed)
    hash_const = _INIT_B
    for i in range(8):
        value = pool[i % POOL_SIZE] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = (value * hash_const) & _MASK32
        value ^= value >> _SIXTEEN
        if i % 2:
            words[i // 2] |= value << np.uint64(32)
        else:
            words[i // 2] = value


@_jit
def pcg_seed_sequence(entropy, state):
    """`state` of ``PCG64(SeedSequence(...))`` from the sequence's assembled entropy: :func:`seed_sequence_words`,
    then :func:`pcg_seed`."""
    words = np.empty(4, np.uint64)
    seed_sequence_words(entropy, words)
    pcg_seed(words, state)


def entropy_words(entropy: int, spawn_key: tuple[int, ...]) -> np.ndarray:
    """``SeedSequence(entropy, spawn_key=spawn_key)``'s assembled entropy as uint64 (32-bit words): each
    non-negative int in 32-bit words, lowest first (0 is one word), the entropy padded with zeros to
    :data:`POOL_SIZE` words when there is a spawn key (numpy's ``get_assembled_entropy``)."""
    def words(n: int) -> list[int]:
        if n < 0:
            raise ValueError("expected non-negative integer")
        out = [n & 0xFFFFFFFF]
        n >>= 32
        while n:
            out.append(n & 0xFFFFFFFF)
            n >>= 32
        return out

    run = words(int(entropy))
    spawn = [w for key in spawn_key for w in words(int(key))]
    if spawn and len(run) < POOL_SIZE:
        run += [0] * (POOL_SIZE - len(run))
    return np.array(run + spawn, dtype=np.uint64)


class ReplayedSeedSequence(ISpawnableSeedSequence):
    """``np.random.SeedSequence(entropy, spawn_key=spawn_key)`` for seeding a PCG64, its words computed compiled.

    PCG64 asks a seed sequence for ``generate_state(4, np.uint64)``; numpy computes
    that in about 30 µs, :func:`seed_sequence_words` in about 4. Anything else
    (other word counts, :meth:`spawn`) is the real SeedSequence's, so children are
    numpy's own. tests/test_pcg.py compares both.
    """

    def __init__(self, entropy: int, spawn_key: tuple[int, ...] = ()):
        self.entropy, self.spawn_key = int(entropy), tuple(int(k) for k in spawn_key)
        self.pool_size, self.n_children_spawned = POOL_SIZE, 0

    def generate_state(self, n_words, dtype=np.uint32) -> np.ndarray:
        if n_words == 4 and np.dtype(dtype) == np.uint64:
            words = np.empty(4, np.uint64)
            seed_sequence_words(entropy_words(self.entropy, self.spawn_key), words)
            return words
        return self._real().generate_state(n_words, dtype)

    def spawn(self, n_children: int) -> list:
        """The next `n_children` children, as ``SeedSequence.spawn`` gives them (real SeedSequences)."""
        start, self.n_children_spawned = self.n_children_spawned, self.n_children_spawned + n_children
        return [np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key + (i,), pool_size=POOL_SIZE)
                for i in range(start, start + n_children)]

    def _real(self) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key, pool_size=POOL_SIZE)


def generator(entropy: int, spawn_key: tuple[int, ...]) -> np.random.Generator:
    """``Generator(PCG64(SeedSequence(entropy, spawn_key=spawn_key)))``: the same states and children, set up
    in about 10 µs instead of 24 (:class:`ReplayedSeedSequence`; mc.sampling.stream, measured)."""
    return np.random.Generator(np.random.PCG64(ReplayedSeedSequence(entropy, spawn_key)))
