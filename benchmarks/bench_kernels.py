"""Sampling kernels: compiled (mc.kernels) against the numpy path, in the same process.

Prints per-kernel ns per value and the ratio numpy / compiled, plus the first-call
cost (compile or cache load) of the kernels. Run: ``python -m benchmarks.bench_kernels``.

``--compile``: the first-run cost after install, measured in fresh interpreters with
an empty ``NUMBA_CACHE_DIR``: importing numba and mc.kernels, then the first call
of every kernel (compilation, written to the cache), then the same in a second
interpreter that loads the cache. Wall and CPU time (``time.process_time``), and
the load average, since the machine is shared.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from mc.distributions import Distribution
from mc.fastppf import BetaPPF, lognormal_sample
from mc.sampling import latin_hypercube, stream

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
    return {
        "beta/PERT table": lambda: beta(u),
        "choice": lambda: choice.ppf(u),
        "lognormal sample": lambda: lognormal_sample(stream(1, 0, "x"), 0.4, 0.3, SIZE),
        "LHS uniforms": lambda: latin_hypercube(stream(1, 0, "x"), SIZE),
    }


def main() -> list[dict]:
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
        os.environ["MC_COMPILED"] = "1"
        compiled_ns = _ns_per_value(fn)
        rows.append({"kernel": name, "numpy_ns": numpy_ns, "compiled_ns": compiled_ns,
                     "speed_up": numpy_ns / compiled_ns})
    print(f"import numba + mc.kernels: {import_s:.2f} s; first calls (compile or cache load): {first_call_s:.2f} s")
    print(f"{'kernel':<18}{'numpy ns/value':>16}{'compiled ns/value':>19}{'ratio':>8}")
    for r in rows:
        print(f"{r['kernel']:<18}{r['numpy_ns']:>16.1f}{r['compiled_ns']:>19.1f}{r['speed_up']:>8.2f}")
    return rows


# one call of every kernel in mc.kernels on one stream block, timed in a fresh interpreter
_FIRST_CALLS = """
import os, time
os.environ["MC_COMPILED"] = "1"
clock = (time.perf_counter, time.process_time)
import numpy as np
from mc.fastppf import BetaPPF
from mc.sampling import latin_hypercube, stream
from mc.stats import QuantileSketch
tables = BetaPPF(12.9, 15.9), BetaPPF(0.5, 0.5)  # built (or read from mc's cache) before the clock starts
u = np.random.default_rng(1).random(65_536)
start = [c() for c in clock]
from mc import kernels
imported = [c() for c in clock]
tables[0](u); tables[1](u)
kernels.choice(np.array([0.2, 1.0]), np.array([1.0, 2.0]), u, np.empty(u.size))
kernels.exp_affine(u, 0.1, 0.2, np.empty(u.size))
latin_hypercube(stream(1, 0, "x"), u.size)
sketch = QuantileSketch(np.sort(u[::64]), u.size, np.array([0.5]))
sketch.chunk_summary(u, sketch.hist, want_index=True)
sketch.plan()
sketch.selected(u)
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


if __name__ == "__main__":
    if "--compile" in sys.argv[1:]:
        for key, value in compile_cost().items():
            print(f"{key} {value:.3f}")
    else:
        main()
