"""Where blocks run: threads in this process, or a Dask distributed cluster.

An executor maps a function over work items and yields the results *in item
order*, whatever order they finish in; everything the engine merges (moments,
histogram counts, kept values) is merged in that order on the caller, so a run
gives the same bits on any executor and any number of workers.

* :class:`ThreadExecutor`: a bounded window of threads (numpy releases the GIL).
* :class:`DaskExecutor`: a ``dask.distributed`` Client. The function (a closure
  over the priors and the run's settings) is cloudpickled *once*, held as the
  result of one task that every task depends on, and unpickled once per worker,
  so a task carries only its block; tasks return per-block summaries. A worker
  lost mid-run has its unfinished tasks (and, if it held it, the function)
  recomputed elsewhere by the scheduler; blocks are deterministic, so the result
  is identical.

:func:`cluster` opens a client from a ``--cluster`` value (``local:N`` or a
scheduler address); :func:`using` makes an executor the one that
:func:`mc.sampling.map_blocks` uses in a ``with`` block. dask is imported only
here, inside functions, so ``mc run`` without ``--cluster`` never loads it.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Sequence

from mc.errors import InputError

CLUSTER_ENV = "MC_CLUSTER"
CONNECT_TIMEOUT_S = 5  # an unreachable scheduler fails fast
TASKS_IN_FLIGHT_PER_WORKER = 4  # look-ahead: enough to keep workers busy, small enough to bound memory
TASKS_PER_WORKER = 16  # tasks per worker and pass on a long run: balance and recovery, few summaries to send
MIN_TASK_DRAWS = 8 * 65_536  # amortises the per-task overhead (8 ms against ~0.2 s of work, bench_dask.py)
MAX_TASK_DRAWS = 1024 * 65_536  # about half a minute of one core: progress and recovery stay fine-grained

_current: contextvars.ContextVar = contextvars.ContextVar("mc_executor", default=None)


class ThreadExecutor:
    """Threads in this process; ``workers=1`` runs inline."""

    def __init__(self, workers: int = 1):
        self.workers = max(int(workers), 1)

    def map(self, fn: Callable, items: Sequence) -> Iterator:
        """``fn`` over `items`, results in item order, at most ``2 * workers`` in flight."""
        if self.workers <= 1:
            yield from map(fn, items)
            return
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            yield from _windowed(pool.submit, fn, items, 2 * self.workers, lambda f: f.result())


def cluster_task_draws(n_draws: int, workers: int, block: int = 65_536) -> int:
    """Draws per task on a cluster: about :data:`TASKS_PER_WORKER` tasks per worker, in whole stream blocks.

    Each task sends the client one histogram per output (up to 0.5 MB each) however many
    draws it covers, so the task count, not the draw count, sets the traffic: at 1e11
    draws on 200 workers this is 3,200 tasks per pass, not 95,000. The size is kept
    between :data:`MIN_TASK_DRAWS` and :data:`MAX_TASK_DRAWS`; it never changes the numbers.
    """
    per_task = -(-int(n_draws) // (TASKS_PER_WORKER * max(int(workers), 1)))
    per_task = min(max(per_task, MIN_TASK_DRAWS), MAX_TASK_DRAWS)
    return -(-per_task // block) * block


def _windowed(submit, fn, items: Sequence, window: int, result) -> Iterator:
    pending = [submit(fn, item) for item in items[:window]]
    for i in range(len(items)):
        value = result(pending[i])
        pending[i] = None  # drop the reference: memory stays a window of results
        if i + window < len(items):
            pending.append(submit(fn, items[i + window]))
        yield value


class DaskExecutor:
    """A ``dask.distributed`` Client as an executor (see the module docstring)."""

    def __init__(self, client):
        self.client = client

    @property
    def workers(self) -> int:
        return max(len(self.client.scheduler_info().get("workers", {})), 1)

    def map(self, fn: Callable, items: Sequence) -> Iterator:
        """``fn`` over `items` on the cluster, results in item order."""
        import cloudpickle

        payload = cloudpickle.dumps(fn)
        key = hashlib.blake2b(payload, digest_size=16).hexdigest()
        # a task's result, not scattered data: if the worker holding it dies, the scheduler recomputes it
        # from the graph (a broadcast scatter hung when a worker had just died)
        shared = self.client.submit(_payload, payload, pure=False)
        window = TASKS_IN_FLIGHT_PER_WORKER * self.workers

        def submit(_fn, item):
            return self.client.submit(_call, key, shared, item, pure=False)

        try:
            yield from _windowed(submit, None, list(items), window, _result)
        finally:
            self.client.cancel([shared])


_FUNCTIONS: dict[str, Callable] = {}  # worker-side cache of unpickled functions, by payload hash


def _payload(payload: bytes) -> bytes:
    """The pickled function, as a task result that every task depends on."""
    return payload


def _call(key: str, payload: bytes, item):
    """Run on a worker: the cached function (unpickled once per worker) on one item."""
    fn = _FUNCTIONS.get(key)
    if fn is None:
        import cloudpickle

        if len(_FUNCTIONS) >= 8:
            _FUNCTIONS.clear()
        fn = _FUNCTIONS[key] = cloudpickle.loads(payload)
    try:
        return fn(item)
    except InputError as exc:  # InputError does not unpickle (its args are the message); rebuild on the client
        return _InputFailure((exc.source, exc.field, exc.problem))


class _InputFailure(tuple):
    """An InputError raised on a worker, carried back as plain strings."""


def _result(future):
    value = future.result()
    if isinstance(value, _InputFailure):
        raise InputError(*value)
    return value


def current():
    """The executor set by :func:`using`, or None (threads)."""
    return _current.get()


@contextlib.contextmanager
def using(executor) -> Iterator:
    """Within the block, :func:`mc.sampling.map_blocks` runs on `executor` (None: threads as asked)."""
    token = _current.set(executor)
    try:
        yield executor
    finally:
        _current.reset(token)


def cluster_spec(value: str | None) -> str | None:
    """The ``--cluster`` value, else :data:`CLUSTER_ENV`, validated; None for threads."""
    spec = value if value is not None else (os.environ.get(CLUSTER_ENV) or None)
    if spec is None:
        return None
    source = "--cluster" if value is not None else CLUSTER_ENV
    spec = spec.strip()
    if spec.startswith("local:"):
        n = spec.partition(":")[2]
        if not n.isdigit() or not 1 <= int(n) <= 256:
            raise InputError(source, spec, "local:N needs a worker count N from 1 to 256")
        return spec
    scheme, sep, rest = spec.partition("://")
    if not sep or scheme not in ("tcp", "tls") or ":" not in rest:
        raise InputError(source, spec, "expected local:N or a scheduler address tcp://HOST:PORT (or tls://)")
    return spec


@contextlib.contextmanager
def cluster(spec: str | None, *, quiet: bool = True) -> Iterator[DaskExecutor | None]:
    """An executor for a validated ``--cluster`` value; the cluster it starts is shut down on exit.

    Parameters
    ----------
    spec : str or None
        ``local:N`` (a LocalCluster of N single-threaded worker processes on
        127.0.0.1; its dashboard on a free loopback port, never 8787, so a second
        cluster on the machine starts without a port warning), ``tcp://HOST:PORT`` / ``tls://HOST:PORT`` (an
        existing scheduler, with Dask's configured security), or None.
    quiet : bool
        Silence Dask's log lines.

    Yields
    ------
    DaskExecutor or None
        None when `spec` is None (run on threads).

    Raises
    ------
    InputError
        When the scheduler cannot be reached within :data:`CONNECT_TIMEOUT_S` seconds.
    """
    if spec is None:
        yield None
        return
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_client(spec, quiet))
        executor = DaskExecutor(client)
        with using(executor):
            yield executor


@contextlib.contextmanager
def _client(spec: str, quiet: bool):
    import logging

    from distributed import Client

    level = logging.ERROR if quiet else logging.WARNING
    if spec.startswith("local:"):
        from distributed import LocalCluster

        with LocalCluster(n_workers=int(spec[6:]), threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address="127.0.0.1:0", silence_logs=level) as local, Client(local) as client:
            yield client
        return
    from distributed.security import Security

    for name in ("distributed", "distributed.client", "distributed.comm", "distributed.core"):
        logging.getLogger(name).setLevel(level)
    try:
        client = Client(spec, timeout=CONNECT_TIMEOUT_S, security=Security(), set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError("--cluster", spec, f"cannot reach the Dask scheduler within {CONNECT_TIMEOUT_S} s "
                         f"({type(exc).__name__})") from None
    try:
        yield client
    finally:
        client.close()


def executor_for(workers: int, executor=None):
    """The executor to use: `executor`, else the one set by :func:`using`, else threads."""
    return executor or current() or ThreadExecutor(workers)


def run_in_order(fn: Callable, items: Iterable, *, workers: int = 1, executor=None) -> Iterator:
    """``fn`` over `items` on the chosen executor (see :func:`executor_for`), results in order."""
    return executor_for(workers, executor).map(fn, list(items))
