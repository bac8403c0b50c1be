"""Auto mode loads the compiled kernels on a background thread (mc.fastppf.compiled, mc.kernel_loading),
without changing a number.

Oracles: the same run with ``MC_COMPILED=0`` (numpy throughout) and ``MC_COMPILED=1``
(kernels from the first call); tables are compared with ``DataFrame.equals``, i.e.
bit for bit, since both paths give the same bits and the switch point must not
matter. The tests wait on the loading thread (join) or on an event, never on time.
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mc import fastppf, kernel_loading, kernels
from mc.discrete import Choice
from mc.priors import load_priors
from mc.results import simulate, summarise
from mc.stats import CHUNK
from mc.streaming import summarise_streaming

N_DRAWS = 4 * CHUNK + 9  # several blocks, and a short last one


@pytest.fixture(scope="module")
def priors():
    return load_priors()


@pytest.fixture
def fresh_auto(monkeypatch):
    """A process state where nothing has loaded yet, auto mode, and a threshold the first block reaches."""
    monkeypatch.delenv("MC_COMPILED", raising=False)
    for name, value in (("_loader", None), ("_loaded", None)):
        monkeypatch.setattr(kernel_loading, name, value)
    monkeypatch.setattr(fastppf, "_computed", 0)
    monkeypatch.setattr(fastppf, "COMPILE_AFTER", 1)
    yield
    if kernel_loading._loader is not None:
        kernel_loading._loader.join()


def _tables(priors, progress=None, streamed_progress=None):
    in_memory = summarise(simulate(priors, N_DRAWS, seed=21, keep_inputs=False, progress=progress))
    streamed = summarise_streaming(priors, N_DRAWS, seed=21, memory_limit=0, progress=streamed_progress)
    return in_memory, streamed


@pytest.fixture(scope="module")
def numpy_tables(priors):
    mp = pytest.MonkeyPatch()
    mp.setenv("MC_COMPILED", "0")
    try:
        return _tables(priors)
    finally:
        mp.undo()


def _gated_warm_up(monkeypatch) -> threading.Event:
    """Make the background load wait for the returned event before warming up (the real warm-up then runs)."""
    go, real = threading.Event(), kernels.warm_up

    def gated():
        go.wait()
        real()
    monkeypatch.setattr(kernels, "warm_up", gated)
    return go


def _count_kernel_use(monkeypatch) -> list:
    """Count calls of the compiled chunk statistics (a plain Python function around the kernels)."""
    calls, real = [], kernels.chunk_statistics

    def counted(*args):
        calls.append(1)
        return real(*args)
    monkeypatch.setattr(kernels, "chunk_statistics", counted)
    return calls


def test_the_same_table_as_numpy_and_compiled_when_kernels_load_mid_run(priors, numpy_tables, fresh_auto,
                                                                        monkeypatch):
    go, calls = _gated_warm_up(monkeypatch), _count_kernel_use(monkeypatch)

    def release_after_first_block(done, total):  # the rest of the run goes compiled
        go.set()
        kernel_loading._loader.join()

    in_memory, streamed = _tables(priors, release_after_first_block, release_after_first_block)
    assert kernel_loading._loaded is kernels and calls  # the kernels became ready and served part of the run
    assert in_memory.equals(numpy_tables[0]) and streamed.equals(numpy_tables[1])
    monkeypatch.setenv("MC_COMPILED", "1")
    forced = _tables(priors)
    assert forced[0].equals(numpy_tables[0]) and forced[1].equals(numpy_tables[1])


def test_numpy_serves_until_the_background_load_has_finished(fresh_auto, monkeypatch):
    go = _gated_warm_up(monkeypatch)
    assert fastppf.compiled(CHUNK) is None  # reaches the threshold: starts the thread
    loader = kernel_loading._loader
    assert loader is not None and loader.daemon and loader.is_alive()
    assert "mc.kernels" in sys.modules and fastppf.compiled(CHUNK) is None  # imported, not warmed up: not ready
    go.set()
    loader.join()
    assert fastppf.compiled(CHUNK) is kernels and kernel_loading._loader is loader  # one thread per process
    assert fastppf.compiled(fastppf.COMPILED_MIN - 1) is None  # short arrays stay on numpy


@pytest.mark.parametrize("failure", ["import", "warm_up"])
def test_a_failing_load_leaves_the_numpy_path_running(priors, numpy_tables, fresh_auto, monkeypatch, failure):
    if failure == "import":
        monkeypatch.setitem(sys.modules, "mc.kernels", None)  # import_module raises ModuleNotFoundError
    else:
        def broken():
            raise RuntimeError("no compiler")
        monkeypatch.setattr(kernels, "warm_up", broken)
    calls = _count_kernel_use(monkeypatch)
    in_memory, streamed = _tables(priors)
    kernel_loading._loader.join()
    assert kernel_loading._loaded is None and fastppf.compiled(CHUNK) is None and not calls
    assert in_memory.equals(numpy_tables[0]) and streamed.equals(numpy_tables[1])


def test_modes_0_and_1_ignore_the_background_load(fresh_auto, monkeypatch):
    monkeypatch.setenv("MC_COMPILED", "0")
    assert fastppf.compiled(CHUNK) is None and kernel_loading._loader is None
    monkeypatch.setenv("MC_COMPILED", "1")
    assert fastppf.compiled(CHUNK) is kernels and kernel_loading._loader is None  # synchronous, no thread


def _signatures() -> dict[str, int]:
    return {name: len(getattr(kernels, name).signatures) for name in dir(kernels)
            if hasattr(getattr(kernels, name), "signatures")}


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_warm_up_compiles_every_signature_a_run_uses(priors, monkeypatch, method):
    """After warm_up, no kernel call of a run (in memory, streamed, 2 workers, a long choice) compiles anything."""
    kernels.warm_up()
    before = _signatures()
    assert before and all(before.values())
    monkeypatch.setenv("MC_COMPILED", "1")
    summarise(simulate(priors, 2 * CHUNK + 5, seed=3, method=method, keep_inputs=False))
    summarise_streaming(priors, 2 * CHUNK + 5, seed=3, method=method, workers=2, memory_limit=0)
    Choice(np.arange(12.0), np.ones(12)).ppf(np.random.default_rng(4).random(CHUNK))
    assert _signatures() == before


def test_a_cold_cache_is_compiled_in_a_child_before_loading_here(fresh_auto, monkeypatch):
    """Without numba's cache the loader first has a child interpreter compile, then loads here."""
    children = []
    monkeypatch.setattr(kernel_loading, "_all_cached", lambda module: False)
    monkeypatch.setattr(kernel_loading, "_compile_in_child", lambda: children.append(1))
    fastppf.compiled(CHUNK)
    kernel_loading._loader.join()
    assert children == [1] and fastppf.compiled(CHUNK) is kernels


def test_a_warm_cache_is_recognised(fresh_auto):
    """After a warm-up numba's cache holds every kernel, so later processes skip the child (numba internals)."""
    kernels.warm_up()
    assert kernel_loading._all_cached(kernels)


@pytest.mark.slow
def test_the_child_fills_an_empty_numba_cache(tmp_path, monkeypatch):
    """The child compiles every kernel into NUMBA_CACHE_DIR (about 5 s of compilation, hence slow)."""
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    kernel_loading._compile_in_child()
    names = {p.name.split("-")[0] for p in tmp_path.rglob("*.nbi")}
    # a kernel imported into mc.kernels (mc.pcg's, mc.ziggurat's) is cached under its own module's name
    expected = {f"{Path(d.py_func.__code__.co_filename).stem}.{d.py_func.__qualname__}"
                for d in (getattr(kernels, name) for name in _signatures())}
    assert expected <= names
