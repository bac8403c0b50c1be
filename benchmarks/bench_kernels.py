"""Sampling kernels: compiled (mc.kernels) against the numpy path, in the same process.

Prints per-kernel ns per value and the ratio numpy / compiled, plus the first-call
cost (compile or cache load) of the kernels. Run: ``python -m benchmarks.bench_kernels``.
"""
from __future__ import annotations

import os
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
    start = time.perf_counter()
    for fn in cases().values():
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


if __name__ == "__main__":
    main()
