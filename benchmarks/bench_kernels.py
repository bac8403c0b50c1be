"""Sampling kernels: compiled (mc.kernels) against the numpy path, in the same process.

Prints per-kernel ns per value and the ratio numpy / compiled, plus the first-call
cost (compile or cache load) of the kernels. (A choice among at most 4 values
takes the same comparisons on both paths: ratio 1.) The column "numpy words" is the
compiled path with ``MC_PCG=0``: uniforms, normals and LHS words from numpy's own
generator instead of mc.pcg's (the compiled path before mc.pcg; the same numbers).
Freed memory is kept for reuse first (mc.process.tune_malloc, as every ``mc`` command does).
Run: ``python -m benchmarks.bench_kernels``.

``--compile``: the first-run cost after install, measured in fresh interpreters with
an empty ``NUMBA_CACHE_DIR``: importing numba and mc.kernels, then the first call
of every kernel with every argument type a run uses (:func:`mc.kernels.warm_up`,
the background load's own; compilation, written to the cache), then the same in a
second interpreter that loads the cache. Wall and CPU time (``time.process_time``),
and the load average, since the machine is shared.

``--background``: auto mode as a run meets it (mc.kernel_loading): a streamed run of
2 M and 10 M draws with the kernels loading in the background from the first block
(COMPILE_AFTER = 1), against the same run with ``MC_COMPILED=0`` just before in the
same fresh interpreter, with an empty numba cache (the first run after install:
a child interpreter compiles) and a warm one. Prints the extra wall and CPU time the
run took, when the kernels were ready, the compiling child's CPU, and whether the
tables were equal (they must be).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from mc.distributions import Distribution
from mc.distributions import lognormal_sample
from mc.fastppf import BetaPPF, normal_ppf
from mc.distributions import normal_sample
from mc.fastppf import random
from mc.sampling import Block, _lhs_block, latin_hypercube, stream
from mc.stats import PERCENTILES, QuantileSketch

SIZE = 65_536  # one stream block
REPEATS = 30


def _ns_per_value(fn) -> float:
    fn()
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(REPEATS):
            fn()
        best = min(best, (time.perf_counter() - start) / REPEATS)
    return best / SIZE * 1e9


def cases():
    u = np.random.default_rng(1).random(SIZE)
    beta = BetaPPF(12.9, 15.9)
    choice = Distribution("choice", {"values": [989.0, 1979.0, 296.0], "weights": [0.15, 0.8, 0.05]})
    many = Distribution("choice", {"values": list(range(12)), "weights": [1.0] * 12})
    x = np.random.default_rng(2).lognormal(0, 1, SIZE) - 1
    sketch = QuantileSketch(np.sort(x[::16]), 2_000_000, np.array(PERCENTILES) / 100)
    hist = np.zeros(sketch.nbins + 1, np.int64)
    rng = np.random.default_rng(5)  # one generator throughout: no stream set-up in the per-value figures
    return {
        "uniforms": lambda: random(rng, SIZE),
        "beta sample": lambda: beta(random(rng, SIZE)),
        "PERT sample": lambda: beta.scaled(random(rng, SIZE), 110_000, 140_000),
        "normal sample": lambda: normal_sample(rng, 0.5, 2.0, SIZE),
        "beta/PERT table": lambda: beta(u),
        "PERT (scaled)": lambda: beta.scaled(u, 110_000, 140_000),
        "normal table": lambda: normal_ppf()(u),
        "choice (3)": lambda: choice.ppf(u),
        "choice (12)": lambda: many.ppf(u),
        "lognormal sample": lambda: lognormal_sample(stream(1, 0, "x"), 0.4, 0.3, SIZE),
        "LHS uniforms": lambda: latin_hypercube(stream(1, 0, "x"), SIZE),
        "LHS block": lambda: _lhs_block(1, Block(0, 0, SIZE), "x"),
        "chunk statistics": lambda: sketch.chunk_summary(x, hist, want_index=True),
    }


def main() -> list[dict]:
    from mc.process import tune_malloc

    tune_malloc()  # as every mc command does: fresh 512 KiB arrays reuse the heap instead of faulting pages in
    os.environ["MC_COMPILED"] = "1"
    start = time.perf_counter()
    from mc import kernels  # noqa: F401  (numba import)
    import_s = time.perf_counter() - start
    first = cases()  # tables built (or read from mc's cache) outside the timing
    start = time.perf_counter()
    for fn in first.values():
        fn()
    first_call_s = time.perf_counter() - start
    rows = []
    for name, fn in cases().items():
        os.environ["MC_COMPILED"] = "0"
        numpy_ns = _ns_per_value(fn)
        os.environ["MC_COMPILED"], os.environ["MC_PCG"] = "1", "0"
        words_ns = _ns_per_value(fn)
        os.environ["MC_PCG"] = "1"
        compiled_ns = _ns_per_value(fn)
        rows.append({"kernel": name, "numpy_ns": numpy_ns, "numpy_words_ns": words_ns, "compiled_ns": compiled_ns,
                     "speed_up": numpy_ns / compiled_ns})
    os.environ.pop("MC_PCG")
    print(f"import numba + mc.kernels: {import_s:.2f} s; first calls (compile or cache load): {first_call_s:.2f} s")
    print(f"{'kernel':<18}{'numpy ns/value':>16}{'numpy words':>13}{'compiled ns/value':>19}{'ratio':>8}")
    for r in rows:
        print(f"{r['kernel']:<18}{r['numpy_ns']:>16.1f}{r['numpy_words_ns']:>13.1f}{r['compiled_ns']:>19.1f}"
              f"{r['speed_up']:>8.2f}")
    return rows


# the first calls of every kernel (mc.kernels.warm_up, which the background load runs), timed in a fresh interpreter
_FIRST_CALLS = """
import time
clock = (time.perf_counter, time.process_time)
import numpy as np
start = [c() for c in clock]
from mc import kernels
imported = [c() for c in clock]
kernels.warm_up()
done = [c() for c in clock]
print("import", imported[0] - start[0], imported[1] - start[1])
print("first_calls", done[0] - imported[0], done[1] - imported[1])
"""


def compile_cost() -> dict[str, float]:
    """Import and first-call seconds (wall, CPU) with an empty numba cache, then with the cache it wrote."""
    out = {"load_average_1min": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for run in ("cold", "cached"):
            lines = subprocess.run([sys.executable, "-c", _FIRST_CALLS], env=env, capture_output=True, text=True,
                                   check=True).stdout.split("\n")
            for line in filter(None, lines):
                name, wall, cpu = line.split()
                out[f"{run}_{name}_wall_s"], out[f"{run}_{name}_cpu_s"] = float(wall), float(cpu)
    out["load_average_1min_end"] = os.getloadavg()[0]
    return out


# a run in auto mode whose kernels load in the background, against the same run on numpy, in one fresh interpreter
_BACKGROUND = """
import os, sys, time
import mc.fastppf as fastppf
import mc.kernel_loading as loading
from mc.priors import load_priors
from mc.streaming import summarise_streaming
draws, threshold = float(sys.argv[1]), int(sys.argv[2])
priors = load_priors()

def run():
    clock = time.perf_counter(), time.process_time(), time.thread_time()
    table = summarise_streaming(priors, int(draws), seed=1)
    run.main_cpu = time.thread_time() - clock[2]
    return table, time.perf_counter() - clock[0], time.process_time() - clock[1]

os.environ["MC_COMPILED"] = "0"
run()  # tables, solved priors and imports warm, as in any run
plain, plain_wall, plain_cpu = run()
plain_main = run.main_cpu
os.environ.pop("MC_COMPILED")
fastppf.COMPILE_AFTER = threshold
load, ready = loading._load_kernels, []
loading._load_kernels = lambda: (load(), ready.append(time.perf_counter()))  # the thread's target, timed
start = time.perf_counter()
auto, auto_wall, auto_cpu = run()
print("numpy_wall_s", plain_wall, "numpy_cpu_s", plain_cpu, "auto_wall_s", auto_wall, "auto_cpu_s", auto_cpu)
print("numpy_main_thread_cpu_s", plain_main, "auto_main_thread_cpu_s", run.main_cpu)
print("kernels_ready_before_end", int(loading.loaded() is not None), "same_table", int(auto.equals(plain)))
loading._loader.join()
import resource
child = resource.getrusage(resource.RUSAGE_CHILDREN)  # the interpreter that compiled (empty cache), reaped
print("kernels_ready_after_s", ready[0] - start, "compile_child_cpu_s", child.ru_utime + child.ru_stime)
"""


def background_cost(draws: float, threshold: int = 1, cached: bool = False) -> dict[str, float]:
    """A streamed run of `draws` (base priors, 1 worker) in auto mode with COMPILE_AFTER = `threshold`, after
    the same run with MC_COMPILED=0 in the same fresh interpreter, with an empty numba cache (or a warm one if
    `cached`). ``extra_wall_s``: the wall time the run waited for the background load (auto - numpy);
    ``extra_cpu_s``: the CPU time the load cost the process during the run (not counting the child that
    compiles on an empty cache); ``kernels_ready_after_s``: when they were ready, from the run's start."""
    out = {"draws": draws, "load_average_1min": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        if cached:
            subprocess.run([sys.executable, "-c", "from mc import kernels; kernels.warm_up()"], env=env, check=True)
        lines = subprocess.run([sys.executable, "-c", _BACKGROUND, str(draws), str(threshold)], env=env,
                               capture_output=True, text=True, check=True).stdout.split()
    out.update({k: float(v) for k, v in zip(lines[::2], lines[1::2])})
    out["extra_wall_s"] = out["auto_wall_s"] - out["numpy_wall_s"]
    out["extra_cpu_s"] = out["auto_cpu_s"] - out["numpy_cpu_s"]
    out["load_average_1min_end"] = os.getloadavg()[0]
    return out


if __name__ == "__main__":
    if "--background" in sys.argv[1:]:
        for cached in (False, True):
            for draws in (2e6, 1e7):
                print(("warm" if cached else "empty") + " numba cache:",
                      " ".join(f"{k} {v:.3f}" for k, v in background_cost(draws, cached=cached).items()))
    elif "--compile" in sys.argv[1:]:
        for key, value in compile_cost().items():
            print(f"{key} {value:.3f}")
    else:
        main()
