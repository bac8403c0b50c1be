"""Percentile tables of runs too long to hold in memory: exact, in one pass over blocks (two if need be).

`summarise_streaming` gives the same table as ``summarise(simulate(...))``, bit
for bit, without ever holding a full output array:

* pass 1 draws and evaluates each stream block, merges exact moments
  (:class:`mc.stats.Moments`, in block order, as the in-memory table does),
  histograms every output on a grid placed by the first block
  (:class:`mc.stats.QuantileSketch`) and keeps the values that lie in the
  *selection band* (:mod:`mc.band`): the bins that may hold a needed order
  statistic (each percentile and its ±1 s.e. ranks), narrowed as counts accumulate;
* if the band held every bin that the full histogram says is needed (checked
  exactly; it misses only beyond 5 standard deviations) those order statistics
  are selected from the kept values, and the run is done in one pass;
* otherwise (a miss, kept values above `memory_limit`, or a cluster, whose
  workers never send draws back) pass 2 regenerates the same blocks (streams are
  reproducible per block, :func:`mc.sampling.draw_block`) and keeps only the
  values in the needed bins.

Memory is a few blocks in flight per worker, one histogram per output and the
kept values: about ``0.1 * 65,536 * sqrt(blocks)`` per output in the band, a few
per million after selection, so 1e9 draws fit in a few hundred MB.
"""
from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from mc.band import SelectionBand
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

DEFAULT_MEMORY_LIMIT = 512 * 2**20  # bytes of values kept in the selection band before pass 2 redraws instead
BYTES_PER_VALUE = 8


def output_bytes(n_draws: int, n_outputs: int) -> int:
    """Memory that full float64 output arrays of a run would take."""
    return int(n_draws) * int(n_outputs) * BYTES_PER_VALUE


def summarise_streaming(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1,
                        outputs: Iterable[str] | None = None, percentiles=PERCENTILES,
                        memory_limit: int = DEFAULT_MEMORY_LIMIT, executor=None,
                        chunk_size: int | None = None, progress=None) -> pd.DataFrame:
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
                    chunk_size: int | None = None, progress=None) -> dict[str, dict[str, tuple[float, float]]]:
    """Every output's statistics with Monte Carlo standard errors, in bounded memory.

    Parameters
    ----------
    priors, n_draws, seed, method, workers
        As :func:`mc.results.simulate`.
    outputs : iterable of str, optional
        Outputs (or inputs) to summarise; default every output of the model.
    percentiles : sequence of float
    memory_limit : int
        Bytes of values that pass 1 may keep in the selection band; above it
        pass 2 redraws every block instead. Ignored on a cluster (two passes:
        workers never send draws back).
    executor : optional
        Where blocks run (:mod:`mc.executor`); default the one set by
        :func:`mc.executor.using`, else `workers` threads.
    chunk_size : int, optional
        Draws per task (whole stream blocks); any value gives the same table.
        Default: one stream block on threads; on a cluster about 16 tasks per
        worker (:func:`mc.executor.cluster_task_draws`).
    progress : callable, optional
        ``progress(tasks_done, tasks)`` over both passes.

    Returns
    -------
    dict
        ``{output: {statistic: (value, standard error)}}`` (no pandas), the
        statistics of :func:`mc.results.summarise` exactly for the same seed and method.
    """
    from mc.executor import ThreadExecutor, cluster_task_draws, executor_for

    model = priors.model
    names = list(outputs) if outputs is not None else list(model.outputs)
    for name in names:
        if name not in model.outputs and name not in model.inputs:
            raise InputError("outputs", name, f"unknown output {name!r}; choose from {', '.join(model.outputs)}")
    probs = np.asarray(percentiles, dtype=float) / 100
    run = executor_for(workers, executor)
    local = isinstance(run, ThreadExecutor)
    if chunk_size is None:
        chunk_size = STREAM_BLOCK if local else cluster_task_draws(n_draws, run.workers, STREAM_BLOCK)
    chunks = blocks(n_draws, chunk_size)
    ticker = _Ticker(progress, 2 * len(chunks))
    first = _block_evaluator(priors, seed, method, names)(blocks(n_draws)[0])
    constant = constant_outputs(priors, names, first)
    drawn = [n for n in names if n not in constant]  # outputs that vary: the only ones gathered and selected
    evaluate = _block_evaluator(priors, seed, method, drawn)
    sketches = {n: QuantileSketch(np.sort(first[n]), n_draws, probs) for n in drawn}
    band = _first_band(sketches, first, memory_limit) if local else None
    reuse = first if local and chunks[0].size == first[names[0]].size else None
    moments = _count_pass(run, evaluate, reuse, sketches, chunks, band, ticker, local)
    moments.update({n: Moments.constant(n_draws, value) for n, value in constant.items()})
    varying = [n for n in drawn if moments[n].minimum != moments[n].maximum]
    _select_order_statistics({n: sketches[n] for n in varying}, band, run, evaluate, chunks, ticker)
    return {name: summary_from(moments[name], percentiles, _sketch_quantiles(sketches.get(name), moments[name].n))
            for name in names}


def _select_order_statistics(sketches: Mapping[str, QuantileSketch], band: SelectionBand | None, run, evaluate,
                             chunks: list, tick) -> None:
    """Each sketch's needed order statistics: from the band's values where it held them all, else pass 2."""
    for sketch in sketches.values():
        sketch.plan()
    held = [name for name in sketches if band is not None and band.covers(name)]
    for name in held:
        sketches[name].select(band.values(name))
    _select_pass(run, evaluate, {n: s for n, s in sketches.items() if n not in held}, chunks, tick)


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


def _first_band(sketches: Mapping[str, QuantileSketch], first: Mapping[str, np.ndarray],
                memory_limit: int) -> SelectionBand:
    """The selection band placed by the first block's counts (see :mod:`mc.band`)."""
    band = SelectionBand(sketches, memory_limit)
    band.narrow({name: s.histogram(np.asarray(first[name], float))[1] for name, s in sketches.items()})
    return band


def _count_pass(run, evaluate, first: Mapping | None, sketches: Mapping[str, QuantileSketch], chunks: list,
                band: SelectionBand | None, tick, local: bool) -> dict[str, Moments]:
    """Pass 1: exact moments merged per stream block in order, every output's histogram, the band's values.

    One fused pass per output and stream block (:meth:`QuantileSketch.chunk_summary`).
    On threads, counts go straight into one histogram per thread, summed at the
    end (integer sums: any order gives the same counts), and each block's values
    in the selection `band` are kept; the band narrows after 1, 2, 4, 8... blocks.
    On a cluster each task returns its counts in a compact form (:func:`mc.stats.pack_counts`).
    """
    binners = {name: _light(sketch) for name, sketch in sketches.items()}
    per_thread = _PerThread(lambda: {n: np.zeros(s.nbins + 1, np.int64) for n, s in binners.items()}) \
        if local else None  # (a cluster pickles `work`: it must not hold a thread-local)

    def work(block: Block):
        values = first if (first is not None and block.index == 0) else evaluate(block)
        hists = per_thread.get() if local else {n: np.zeros(s.nbins + 1, np.int64) for n, s in binners.items()}
        return {name: _block_stats(sketch, values[name], hists[name], band and band.mask(name), local)
                for name, sketch in binners.items()}

    parts: dict[str, list] = {name: [] for name in sketches}
    for done, stats in enumerate(run.map(work, chunks), start=1):
        for name, (block_parts, counts, kept) in stats.items():
            parts[name] += block_parts
            if counts is not None:
                sketches[name].add(unpack_counts(counts, sketches[name].nbins + 1))
            if band is not None:
                band.add(name, kept)
        if band is not None and done & (done - 1) == 0 and done < len(chunks):
            band.narrow(_summed(per_thread.values()))
        tick()
    for name, counts in _summed(per_thread.values() if local else []).items():
        sketches[name].add(counts)
    return {name: Moments.merged(p) for name, p in parts.items()}


def _block_stats(sketch: QuantileSketch, x: np.ndarray, hist: np.ndarray, mask: np.ndarray | None, local: bool):
    """One output's moments per stream block, its counts (into `hist`) and its values in the band `mask`."""
    parts, kept = [], []
    for s in range(0, x.size, CHUNK):
        moments, index = sketch.chunk_summary(x[s:s + CHUNK], hist, want_index=mask is not None)
        parts.append(moments)
        if mask is not None:
            kept.append(sketch.in_bins(x[s:s + CHUNK], index, mask))
    kept = None if mask is None else (kept[0] if len(kept) == 1 else np.concatenate(kept))
    return parts, None if local else pack_counts(hist), kept


def _summed(hists: Iterable[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-output sums of per-thread histograms (a snapshot while other threads may still count)."""
    total: dict[str, np.ndarray] = {}
    for thread_hists in hists:
        for name, counts in thread_hists.items():
            total[name] = total[name] + counts if name in total else counts.copy()
    return total


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


def _select_pass(run, evaluate, sketches: Mapping[str, QuantileSketch], chunks: list, tick) -> None:
    """Pass 2, for outputs whose band missed a needed bin: redraw and keep the values in the bins needed."""
    if not sketches:
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
