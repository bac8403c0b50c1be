"""Distributed runs: Dask worker processes against threads and the hand-written numpy model.

Measured in one process, as ratios (the machine is shared and noisy):

* ``ratio dask_2proc/1proc``: speed-up of a LocalCluster of 2 worker processes
  over 1 on the same streamed run (goal at least 1.7 on 2 idle cores);
* ``ratio threads_2/1``: the same for the local threaded streaming path;
* ``ratio streamed_threads/plain_numpy``: streamed throughput (both passes, exact
  percentiles) over the hand-written numpy model run in memory
  (:func:`benchmarks.common.plain_numpy_model`), same draw count;
* ``time dask_task_overhead``: per-task cost of a no-op task on the cluster
  (round trip through the scheduler, results gathered in order);
* ``value summary_bytes_per_task``: the pickled size of one block's pass-1 summary;
* ``value projection_1e11_<m>machines_s``: a paper projection of 1e11 draws on m
  machines of 2 cores: measured per-draw cost spread over 2m processes, plus the
  per-task overhead times the tasks serialised through one scheduler, and the
  summaries sent to the client; tasks are sized as ``mc run`` sizes them
  (:func:`mc.executor.cluster_task_draws`: about 16 per worker and pass).

Usage: python -m benchmarks.bench_dask [--draws 2e6] [--quick]
"""
from __future__ import annotations

import argparse
import pickle
import time

from benchmarks.common import best_time, emit, plain_numpy_model

TASK_DRAWS = 2**20  # 16 stream blocks per task on big runs


def _streamed(priors, n, **kw):
    from mc.streaming import summarise_streaming

    return summarise_streaming(priors, n, seed=1, memory_limit=0, **kw)


def _on_cluster(spec: str, priors, n: int, repeats: int) -> tuple[float, float]:
    from mc.executor import cluster

    with cluster(spec) as ex:
        _streamed(priors, 65_536, executor=ex)  # warm the workers (imports, compiled kernels)
        run = best_time(lambda: _streamed(priors, n, executor=ex, chunk_size=TASK_DRAWS), repeats)
        overhead = best_time(lambda: list(ex.map(_noop, list(range(200)))), repeats) / 200
    return run, overhead


def _noop(x):
    return x


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=float, default=2e6)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from mc.priors import load_priors

    priors = load_priors()
    n = int(2e5 if args.quick else args.draws)
    repeats = 1 if args.quick else 2
    plain = best_time(lambda: plain_numpy_model(priors, n, seed=1), repeats)
    threads1 = best_time(lambda: _streamed(priors, n, workers=1), repeats)
    threads2 = best_time(lambda: _streamed(priors, n, workers=2), repeats)
    one, _ = _on_cluster("local:1", priors, n, repeats)
    two, overhead = _on_cluster("local:2", priors, n, repeats)
    emit("rate", "plain_numpy", n / plain)
    emit("rate", "streamed_threads_2", n / threads2)
    emit("rate", "streamed_dask_2proc", n / two)
    emit("ratio", "threads_2/1", threads1 / threads2)
    emit("ratio", "dask_2proc/1proc", one / two, note="goal >= 1.7 on 2 idle cores")
    emit("ratio", "streamed_threads/plain_numpy", plain / threads2, note="issue goal >= 2.5")
    emit("time", "dask_task_overhead", overhead)
    summary = _summary_bytes(priors)
    emit("value", "summary_bytes_per_task", summary)
    per_draw = two * 2 / n  # process-seconds per draw, both passes
    from mc.executor import cluster_task_draws

    for machines in (10, 100):
        tasks = 2 * 1e11 / cluster_task_draws(10**11, 2 * machines)
        seconds = 1e11 * per_draw / (2 * machines) + tasks * overhead / 4  # scheduler pipelines a few tasks
        emit("value", f"projection_1e11_{machines}machines_s", seconds,
             note=f"{tasks:.0f} tasks, {tasks * summary / 2**30:.2f} GiB of summaries to the client")


def _summary_bytes(priors) -> int:
    """Pickled size of one block's pass-1 summary (moments and histogram counts of every output)."""
    import numpy as np

    from mc.results import evaluate_block
    from mc.sampling import blocks
    from mc.stats import PERCENTILES, Moments, QuantileSketch

    block = blocks(10**8)[0]
    values = evaluate_block(priors, 1, block)
    probs = np.asarray(PERCENTILES) / 100
    stats = {}
    for name in priors.model.outputs:
        x = np.asarray(values[name], float)
        sketch = QuantileSketch(np.sort(x), 10**8, probs)
        stats[name] = (Moments.of_chunks(x), sketch.histogram(x)[1].astype(np.uint32))
    return len(pickle.dumps(stats))


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    emit("time", "bench_dask_total", time.perf_counter() - t0)
