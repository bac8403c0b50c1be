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
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from mc.errors import InputError
from mc.priors import Priors
from mc.results import evaluate_block, summary_table
from mc.sampling import STREAM_BLOCK, Block, blocks
from mc.stats import CHUNK, PERCENTILES, Moments, QuantileSketch, quantiles_from_order_statistics, summary_from

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
    DataFrame
        The table of :func:`mc.results.summarise`: ``output, unit, statistic,
        value, mc_se``, equal to it exactly for the same seed and method.
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
    evaluate = _block_evaluator(priors, seed, method, names)
    first = evaluate(blocks(n_draws)[0])
    sketches = {n: QuantileSketch(np.sort(first[n]), n_draws, probs) for n in names}
    keep = local and output_bytes(n_draws, len(names)) <= memory_limit
    reuse = first if local and chunks[0].size == first[names[0]].size else None
    moments, stored = _count_pass(run, evaluate, reuse, sketches, chunks, keep, ticker)
    varying = [n for n in names if moments[n].minimum != moments[n].maximum]
    for name in varying:
        sketches[name].plan()
    _select_pass(run, evaluate, {n: sketches[n] for n in varying}, chunks, stored, ticker)
    return summary_table({name: summary_from(moments[name], percentiles,
                                             _sketch_quantiles(sketches[name], moments[name].n))
                          for name in names}, {n: model.quantity(n).unit for n in names})


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
                keep: bool, tick) -> tuple[dict[str, Moments], list | None]:
    """Pass 1: exact moments merged in block order, and every output's histogram."""
    binners = {name: _light(sketch) for name, sketch in sketches.items()}

    def work(block: Block):
        values = first if (first is not None and block.index == 0) else evaluate(block)
        stats = {}
        for name, sketch in binners.items():
            index, counts = sketch.histogram(values[name])
            counts = counts.astype(np.uint32)  # half the bytes shipped back; a task holds < 2**32 draws
            stats[name] = (Moments.of_chunks(values[name]), counts, (values[name], index) if keep else None)
        return stats

    moments: dict[str, Moments] = {}
    stored: list | None = [] if keep else None
    for stats in run.map(work, chunks):
        for name, (block_moments, counts, kept) in stats.items():
            moments[name] = moments[name].merge(block_moments) if name in moments else block_moments
            sketches[name].add(counts)
        if keep:
            stored.append({name: s[2] for name, s in stats.items()})
        tick()
    return moments, stored


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


def _sketch_quantiles(sketch: QuantileSketch, n: int):
    return lambda probs: quantiles_from_order_statistics(n, probs, sketch.order_statistics())
