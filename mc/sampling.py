"""Drawing every assumption, vectorised, in fixed-size random-stream blocks.

Reproducibility does not depend on how the work is chunked or threaded: draw
``i`` always belongs to stream block ``i // STREAM_BLOCK``, and each
(block, assumption) pair has its own generator seeded from
``SeedSequence(seed, spawn_key=(block, key(name)))``. Chunks are whole blocks, so
any chunk size or worker count yields the same numbers.

Prefixes: every *whole* stream block is the same whatever the run's length, so
the first ``n`` draws of a longer run equal an ``n``-draw run whenever ``n`` is a
multiple of :data:`STREAM_BLOCK`, for every method. For other ``n`` this holds
only for plain MC and Sobol without a correlation block: LHS stratifies each
block over its own size, and a correlation reorders draws within a block.

Common random numbers: every input is drawn by name, never by position. Plain
MC and LHS give each assumption its own stream; Sobol gives each *name* a fixed
dimension (its rank among the sorted names of every input, fixed or not, see
:func:`sobol_dimensions`). So a scenario that fixes or changes one assumption
leaves every other input's draws bit-identical under every method, and with a
correlation block, every input outside the changed one's correlated group.
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator

import numpy as np

from mc.fastppf import compiled, pcg_kernels, pcg_words, random
from mc.priors import Priors

STREAM_BLOCK = 65_536  # draws per random-stream block; changing it changes every number
METHODS = ("mc", "lhs", "sobol")
_SOBOL_KEY = 0x5_0B01  # spawn key of the Sobol scramble, distinct from any block index


@dataclass(frozen=True)
class Block:
    """Draws ``start`` (inclusive) to ``stop`` (exclusive) of a run; ``index`` is its first stream block."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start

    def streams(self) -> list["Block"]:
        """The stream blocks this chunk is made of (one, unless the chunk size is larger)."""
        return [Block(s // STREAM_BLOCK, s, min(s + STREAM_BLOCK, self.stop))
                for s in range(self.start, self.stop, STREAM_BLOCK)]


def blocks(n_draws: int, chunk_size: int = STREAM_BLOCK) -> list[Block]:
    """The chunks covering ``n_draws`` draws, each a whole number of stream blocks.

    `chunk_size` (draws held in memory per task) is rounded up to a multiple of
    :data:`STREAM_BLOCK`; it changes memory and scheduling, never the numbers.
    """
    per = -(-max(int(chunk_size), 1) // STREAM_BLOCK) * STREAM_BLOCK
    return [Block(s // STREAM_BLOCK, s, min(s + per, n_draws)) for s in range(0, n_draws, per)]


@lru_cache(maxsize=4096)
def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def stream(seed: int, block: int, name: str) -> np.random.Generator:
    """The generator of one assumption in one stream block (seeded compiled when the kernels serve a block:
    the same state and children, 5x sooner, mc.seedseq.generator)."""
    kernels = pcg_kernels(STREAM_BLOCK)
    if kernels is not None and isinstance(seed, int) and seed >= 0:
        return kernels.pcg_generator(seed, (block, _name_key(name)))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, _name_key(name)))))


def sobol_dimensions(priors: Priors) -> dict[str, int]:
    """The Sobol dimension of each input: its rank among the sorted names of all inputs.

    Every input, fixed or not, holds a dimension, and the map depends only on the
    set of names, so fixing, freeing or reordering assumptions never moves
    another input to a different dimension (common random numbers under Sobol).
    """
    return {name: j for j, name in enumerate(sorted(priors.names))}


def _uniforms(priors: Priors, seed: int, block: Block, method: str) -> dict[str, np.ndarray]:
    from scipy.stats import qmc  # only lhs and sobol need it (scipy.stats takes about a second to import)

    names = priors.uncertain
    if method == "sobol":
        dims = sobol_dimensions(priors)
        engine = qmc.Sobol(len(dims), scramble=True,
                           rng=np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(_SOBOL_KEY,)))))
        if block.start:
            engine.fast_forward(block.start)
            points = engine.random(block.size)
        else:  # scipy warns about a first draw that is not a power of two; balance is of the whole run
            # (drawing the next power of two and slicing gives the same points without touching the
            # process-wide warning filters, which worker threads share)
            points = engine.random(1 << max(block.size - 1, 0).bit_length())[:block.size]
        return {n: points[:, dims[n]] for n in names}
    if method == "lhs":
        return {n: _lhs_block(seed, block, n) for n in names}
    return {n: random(stream(seed, block.index, n), block.size) for n in names}


def latin_hypercube(rng: np.random.Generator, size: int) -> np.ndarray:
    """``qmc.LatinHypercube(1, rng=rng).random(size)[:, 0]``, bit for bit; compiled for long blocks.

    scipy's engine draws from a generator spawned from `rng`'s seed sequence; the
    compiled path seeds that PCG64 itself and replays the jitter and numpy's
    shuffle from its words (:func:`mc.pcg.lhs_shuffled`), so the design is
    scipy's, at the cost of one pass instead of a Python-level shuffle.
    """
    kernels = compiled(size)
    if kernels is None:
        from scipy.stats import qmc

        return qmc.LatinHypercube(1, rng=rng).random(size)[:, 0]
    return _latin_hypercube_compiled(kernels, rng.bit_generator.seed_seq.spawn(1)[0], size)


def _lhs_block(seed: int, block: Block, name: str) -> np.ndarray:
    """``latin_hypercube(stream(seed, block.index, name), block.size)``, without building that stream when compiled."""
    kernels = pcg_kernels(block.size)  # (latin_hypercube counts the values, if it runs)
    if kernels is None:
        return latin_hypercube(stream(seed, block.index, name), block.size)
    # the generator scipy's engine would spawn: the first child of the stream's seed sequence, seeded compiled
    words = np.empty(4, np.uint64)
    kernels.seed_sequence_words(kernels.entropy_words(seed, (block.index, _name_key(name), 0)), words)
    return _lhs_from_words(kernels, words, block.size)


def _latin_hypercube_compiled(kernels, seed_seq: np.random.SeedSequence, size: int) -> np.ndarray:
    if not pcg_words():
        return _latin_hypercube_numpy_words(kernels, np.random.PCG64(seed_seq), size)
    return _lhs_from_words(kernels, seed_seq.generate_state(4, np.uint64), size)  # what PCG64(seed_seq) reads


def _lhs_from_words(kernels, seed_words: np.ndarray, size: int) -> np.ndarray:
    out = np.empty(size)
    perm = np.empty(size, np.uint16 if size <= 1 << 16 else np.int32)  # (stream blocks are uint16)
    kernels.lhs_shuffled(seed_words, np.empty(4, np.uint64), size, perm, np.empty(LHS_SCRATCH, np.uint64), out)
    return out


def _latin_hypercube_numpy_words(kernels, bits: np.random.PCG64, size: int) -> np.ndarray:
    """The same from numpy's own raw words (``MC_PCG=0``, for benchmarks): about 1.75 a value drawn ahead."""
    out, perm = np.empty(size), np.empty(size, np.int32)
    raw = bits.random_raw(size + (size * 3) // 4 + 1024)
    while kernels.lhs_from_raw(raw, size, perm, out) < 0:
        raw = np.concatenate([raw, bits.random_raw(size // 2 + 1024)])
    return out


LHS_SCRATCH = 512  # raw words the compiled LHS draws at a time (4 KiB)


def draw_block(priors: Priors, seed: int, block: Block, method: str = "mc") -> dict[str, np.ndarray]:
    """Every input's draws for one chunk, as ``{name: array}``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    parts = block.streams()
    if len(parts) == 1:
        return _draw_stream_block(priors, seed, parts[0], method)
    drawn = [_draw_stream_block(priors, seed, part, method) for part in parts]
    return {n: np.concatenate([d[n] for d in drawn]) for n in priors.names}


def _draw_stream_block(priors: Priors, seed: int, block: Block, method: str) -> dict[str, np.ndarray]:
    fixed = {n: np.full(block.size, float(a.distribution.params["value"]))
             for n, a in priors.assumptions.items() if a.is_fixed}
    if method == "mc" and not priors.correlation.pairs:
        drawn = {n: priors[n].distribution.sample(stream(seed, block.index, n), block.size) for n in priors.uncertain}
    else:
        u = _uniforms(priors, seed, block, method)
        if priors.correlation.pairs:
            from mc.correlation import induce_rank_correlation

            u = induce_rank_correlation(u, priors.correlation, stream(seed, block.index, "__correlation__"),
                                        origin=priors.origin)
        drawn = {n: priors[n].distribution.ppf(u[n]) for n in priors.uncertain}
    return {n: fixed[n] if n in fixed else drawn[n] for n in priors.names}


def map_blocks(fn: Callable[[Block], object], n_draws: int, *, workers: int = 1,
               chunk_size: int = STREAM_BLOCK, executor=None) -> Iterator:
    """Apply ``fn`` to each chunk (see :func:`blocks`) in order, on up to ``workers`` threads.

    numpy's generators and ufuncs release the GIL, so threads run the blocks
    in parallel; results come back in block order whatever the scheduling.
    With an `executor` (or one set by :func:`mc.executor.using`, e.g. a Dask
    cluster) the chunks run there instead, still yielded in block order.
    """
    from mc.executor import executor_for

    yield from executor_for(workers, executor).map(fn, blocks(n_draws, chunk_size))


def draw(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1,
         chunk_size: int = STREAM_BLOCK) -> dict[str, np.ndarray]:
    """Draw every assumption ``n_draws`` times.

    Parameters
    ----------
    priors : Priors
        The assumptions.
    n_draws : int
        Number of draws.
    seed : int
        Root seed; same seed, same numbers, whatever `workers`.
    method : {"mc", "lhs", "sobol"}
        Plain Monte Carlo (native generators), Latin hypercube per stream block,
        or one scrambled Sobol sequence (use a power of two for balance).
    workers : int
        Threads drawing blocks in parallel.
    chunk_size : int
        Draws per task (rounded up to whole stream blocks); same numbers for any value.

    Returns
    -------
    dict
        ``{name: ndarray of shape (n_draws,)}`` for every assumption.
    """
    out = {n: np.empty(n_draws) for n in priors.names}
    work = lambda b: (b, draw_block(priors, seed, b, method))  # noqa: E731
    for block, values in map_blocks(work, n_draws, workers=workers, chunk_size=chunk_size):
        for n, v in values.items():
            out[n][block.start:block.stop] = v
    return out


def redraw_first_block(priors: Priors, n_draws: int, *, seed: int, method: str = "mc") -> dict[str, np.ndarray]:
    """The first stream block of a run's inputs again (the same numbers: draws depend only on seed and method).

    The run itself already gave any correlation-repair warning, so the redraw
    does not repeat it. Used to report achieved rank correlations after a run.
    """
    from mc.correlation import REPAIR_MESSAGE

    n = min(int(n_draws), STREAM_BLOCK)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=REPAIR_MESSAGE, category=RuntimeWarning)
        return draw(priors, n, seed=seed, method=method)

