"""Percentile tables of runs too long to hold in memory: exact, in two passes over blocks.

`summarise_streaming` gives the same table as ``summarise(simulate(...))``, bit
for bit, without ever holding a full output array (unless they fit the memory
limit, in which case it keeps them and skips the regeneration):

* pass 1 draws and evaluates each stream block, merges exact moments
  (:class:`mc.stats.Moments`, in block order, as the in-memory table does) and
  histograms every output on a grid placed by the first block
  (:class:`mc.stats.QuantileSketch`);
* pass 2 regenerates the same blocks (streams are reproducible per block,
  :func:`mc.sampling.draw_block`) and keeps only the values in the few bins that
  hold the needed order statistics (each percentile and its ±1 s.e. ranks);
* those order statistics are then selected exactly.

Memory is a few blocks in flight per worker, one histogram per output and the
kept values (a few per million draws), so 1e9 draws fit in a few hundred MB; the
price is drawing everything twice.
"""
from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from mc.errors import InputError
from mc.priors import Priors
from mc.results import constant_outputs, evaluate_block, summary_table
from mc.sampling import STREAM_BLOCK, Block, blocks
from mc.stats import CHUNK, PERCENTILES, Moments, QuantileSketch, pack_counts, quantiles_from_order_statistics, \
    summary_from, unpack_counts

if TYPE_CHECKING:
    import pandas as pd

if STREAM_BLOCK != CHUNK:  # moments merge per CHUNK in memory and per block here
    raise ImportError("mc.stats.CHUNK must equal mc.sampling.STREAM_BLOCK for exact agreement")

DEFAULT_MEMORY_LIMIT = 512 * 2**20  # bytes of output arrays worth keeping instead of redrawing
BYTES_PER_VALUE = 8


def output_bytes(n_draws: int, n_outputs: int) -> int:
    """Memory that full float64 output arrays of a run would take."""
    return int(n_draws) * int(n_outputs) * BYTES_PER_VALUE


def summarise_streaming(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1,
                        outputs: Iterable[str] | None = None, percentiles=PERCENTILES,
                        memory_limit: int = DEFAULT_MEMORY_LIMIT, executor=None,
                        chunk_size: int = STREAM_BLOCK, progress=None) -> pd.DataFrame:
    """Percentile table with Monte Carlo standard errors, in bounded memory.

    The DataFrame of :func:`streaming_stats` (same parameters), built by
    :func:`mc.results.summary_table`: ``output, unit, statistic, value,
    mc_se``, equal to :func:`mc.results.summarise` exactly for the same seed and
    method.
    """
    stats = streaming_stats(priors, n_draws, seed=seed, method=method, workers=workers, outputs=outputs,
                            percentiles=percentiles, memory_limit=memory_limit, executor=executor,
                            chunk_size=chunk_size, progress=progress)
    return summary_table(stats, {n: priors.model.quantity(n).unit for n in stats})


def streaming_stats(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1,
                    outputs: Iterable[str] | None = None, percentiles=PERCENTILES,
                    memory_limit: int = DEFAULT_MEMORY_LIMIT, executor=None,
                    chunk_size: int = STREAM_BLOCK, progress=None) -> dict[str, dict[str, tuple[float, float]]]:
    """Every output's statistics with Monte Carlo standard errors, in bounded memory.

    Parameters
    ----------
    priors, n_draws, seed, method, workers
        As :func:`mc.results.simulate`.
    outputs : iterable of str, optional
        Outputs (or inputs) to summarise; default every output of the model.
    percentiles : sequence of float
    memory_limit : int
        Bytes of output arrays that may be kept between the passes; above it
        pass 2 redraws every block instead. Ignored on a cluster (workers
        never send draws back).
    executor : optional
        Where blocks run (:mod:`mc.executor`); default the one set by
        :func:`mc.executor.using`, else `workers` threads.
    chunk_size : int
        Draws per task (whole stream blocks); any value gives the same table.
    progress : callable, optional
        ``progress(tasks_done, tasks)`` over both passes.

    Returns
    -------
    dict
        ``{output: {statistic: (value, standard error)}}`` (no pandas), the
        statistics of :func:`mc.results.summarise` exactly for the same seed and method.
    """
    from mc.executor import ThreadExecutor, executor_for

    model = priors.model
    names = list(outputs) if outputs is not None else list(model.outputs)
    for name in names:
        if name not in model.outputs and name not in model.inputs:
            raise InputError("outputs", name, f"unknown output {name!r}; choose from {', '.join(model.outputs)}")
    probs = np.asarray(percentiles, dtype=float) / 100
    run = executor_for(workers, executor)
    local = isinstance(run, ThreadExecutor)
    chunks = blocks(n_draws, chunk_size)
    ticker = _Ticker(progress, 2 * len(chunks))
    first = _block_evaluator(priors, seed, method, names)(blocks(n_draws)[0])
    constant = constant_outputs(priors, names, first)
    drawn = [n for n in names if n not in constant]  # outputs that vary: the only ones gathered and selected
    evaluate = _block_evaluator(priors, seed, method, drawn)
    sketches = {n: QuantileSketch(np.sort(first[n]), n_draws, probs) for n in drawn}
    keep = local and output_bytes(n_draws, len(drawn)) <= memory_limit
    reuse = first if local and chunks[0].size == first[names[0]].size else None
    moments, stored = _count_pass(run, evaluate, reuse, sketches, chunks, keep, ticker, local)
    moments.update({n: Moments.constant(n_draws, value) for n, value in constant.items()})
    varying = [n for n in drawn if moments[n].minimum != moments[n].maximum]
    for name in varying:
        sketches[name].plan()
    _select_pass(run, evaluate, {n: sketches[n] for n in varying}, chunks, stored, ticker)
    return {name: summary_from(moments[name], percentiles, _sketch_quantiles(sketches.get(name), moments[name].n))
            for name in names}


def stored_output_bytes(priors: Priors, n_draws: int, outputs: Iterable[str]) -> int:
    """Memory a run really stores for `outputs`: constant outputs are not counted (see :func:`constant_outputs`)."""
    names = list(outputs)
    return output_bytes(n_draws, len(names) - len(constant_outputs(priors, names)))


class _Ticker:
    """Counts finished tasks for a ``progress(done, total)`` callback (or does nothing)."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def _block_evaluator(priors: Priors, seed: int, method: str, names: list[str]):
    def evaluate_names(block: Block) -> dict[str, np.ndarray]:
        values = evaluate_block(priors, seed, block, method)
        return {n: np.asarray(values[n], dtype=float) for n in names}
    return evaluate_names


def _light(sketch: QuantileSketch) -> QuantileSketch:
    """A copy that bins and selects but carries no counts or kept values (cheap to ship to workers)."""
    light = copy.copy(sketch)
    light.hist = light._kept = light._cumulative = light._bin_of_rank = None
    return light


def _count_pass(run, evaluate, first: Mapping | None, sketches: Mapping[str, QuantileSketch], chunks: list,
                keep: bool, tick, local: bool) -> tuple[dict[str, Moments], list | None]:
    """Pass 1: exact moments merged per stream block in order, and every output's histogram.

    One fused pass per output and stream block (:meth:`QuantileSketch.chunk_summary`).
    On threads, counts go straight into one histogram per thread, summed at the
    end (integer sums: any order gives the same counts); on a cluster each task
    returns its counts in a compact form (:func:`mc.stats.pack_counts`).
    """
    binners = {name: _light(sketch) for name, sketch in sketches.items()}
    per_thread = _PerThread(lambda: {n: np.zeros(s.nbins + 1, np.int64) for n, s in binners.items()}) \
        if local else None  # (a cluster pickles `work`: it must not hold a thread-local)

    def work(block: Block):
        values = first if (first is not None and block.index == 0) else evaluate(block)
        hists = per_thread.get() if local else {n: np.zeros(s.nbins + 1, np.int64) for n, s in binners.items()}
        stats = {}
        for name, sketch in binners.items():
            x = values[name]
            parts, indices = [], []
            for s in range(0, x.size, CHUNK):
                moments, index = sketch.chunk_summary(x[s:s + CHUNK], hists[name], want_index=keep)
                parts.append(moments)
                indices.append(index)
            kept = (x, indices[0] if len(indices) == 1 else np.concatenate(indices)) if keep else None
            stats[name] = (parts, None if local else pack_counts(hists[name]), kept)
        return stats

    parts: dict[str, list] = {name: [] for name in sketches}
    stored: list | None = [] if keep else None
    for stats in run.map(work, chunks):
        for name, (block_parts, counts, _) in stats.items():
            parts[name] += block_parts
            if counts is not None:
                sketches[name].add(unpack_counts(counts, sketches[name].nbins + 1))
        if keep:
            stored.append({name: s[2] for name, s in stats.items()})
        tick()
    for hists in per_thread.values() if local else []:
        for name, counts in hists.items():
            sketches[name].add(counts)
    return {name: Moments.merged(p) for name, p in parts.items()}, stored


class _PerThread:
    """One value per thread, made on first use, all listed afterwards."""

    def __init__(self, make):
        self.make, self.local, self.made, self.lock = make, threading.local(), [], threading.Lock()

    def get(self):
        value = getattr(self.local, "value", None)
        if value is None:
            value = self.local.value = self.make()
            with self.lock:
                self.made.append(value)
        return value

    def values(self) -> list:
        return list(self.made)


def _select_pass(run, evaluate, sketches: Mapping[str, QuantileSketch], chunks: list,
                 stored: list | None, tick) -> None:
    """Pass 2: keep the values in the bins that hold the needed order statistics."""
    if not sketches or stored is not None:
        for block_values in stored or []:
            for name, sketch in sketches.items():
                sketch.select(*block_values[name])
        for _ in chunks:
            tick()
        return
    selectors = {name: _light(sketch) for name, sketch in sketches.items()}

    def work(block: Block):
        values = evaluate(block)
        return {name: sketch.selected(values[name]) for name, sketch in selectors.items()}

    for kept in run.map(work, chunks):
        for name, values in kept.items():
            sketches[name].keep(values)
        tick()


def _sketch_quantiles(sketch: QuantileSketch | None, n: int):
    return lambda probs: quantiles_from_order_statistics(n, probs, sketch.order_statistics())
