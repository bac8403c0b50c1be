"""Standard normals: mc.ziggurat (numpy's ziggurat in numba) against ``Generator.standard_normal``, same process.

Times one stream block (65,536 values) of each, interleaved round by round and the
shortest round kept (the machine is shared):

* ``numpy_standard_normal``: ``rng.standard_normal(n)``, the baseline;
* ``numpy_random``: ``rng.random(n)``, the cost of one word a value in numpy (for scale);
* ``ziggurat``: ``mc.ziggurat.standard_normal(rng, n)``, its default for PCG64: words from
  ``mc.pcg.Words`` (compiled PCG64, taken then committed);
* ``ziggurat_random_raw``: the same with words from ``rng.bit_generator.random_raw``;
* ``ziggurat_kernel``: :func:`mc.ziggurat.normal_from_raw` alone on words drawn beforehand.

Prints ``time NAME SECONDS`` (a block), ``value NAME NS_PER_VALUE``, ``ratio NAME numpy/ours``
and ``value exact_* 1`` when the numbers and the generator's state are numpy's.
``--compile`` also times :func:`mc.ziggurat.warm_up` in fresh interpreters, with an empty
numba cache and then with the cache it wrote. Run: ``python -m benchmarks.bench_ziggurat``.
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks.common import emit
from mc import ziggurat

SIZE = 65_536  # one stream block


def cases(seed: int = 1) -> dict:
    rng = np.random.Generator(np.random.PCG64(seed))
    words = rng.bit_generator.random_raw(SIZE + SIZE // 8)
    out, paths = np.empty(SIZE), np.zeros(4, np.int64)
    return {
        "numpy_standard_normal": lambda: rng.standard_normal(SIZE),
        "numpy_random": lambda: rng.random(SIZE),
        "ziggurat": lambda: ziggurat.standard_normal(rng, SIZE),
        "ziggurat_random_raw": lambda: ziggurat.standard_normal(rng, SIZE, rng.bit_generator.random_raw),
        "ziggurat_kernel": lambda: ziggurat.normal_from_raw(words, 0, out, 0, paths),
    }


def block_seconds(rounds: int, repeats: int) -> dict[str, float]:
    """Shortest time of one block of each case, over `rounds` interleaved rounds of `repeats` calls."""
    found = cases()
    best = {name: math.inf for name in found}
    for fn in found.values():
        fn()  # compiled or loaded from the cache outside the timing
    for _ in range(rounds):
        for name, fn in found.items():
            start = time.perf_counter()
            for _ in range(repeats):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / repeats)
    return best


def exact(raw_words_of) -> bool:
    """Whether 3 blocks in a row are numpy's doubles and leave numpy's state (raw_words_of(rng) -> raw_words)."""
    ours, theirs = (np.random.Generator(np.random.PCG64(7)) for _ in range(2))
    same = all(ziggurat.standard_normal(ours, SIZE, raw_words_of(ours)).tobytes()
               == theirs.standard_normal(SIZE).tobytes() for _ in range(3))
    return same and ours.bit_generator.random_raw() == theirs.bit_generator.random_raw()


_FIRST_CALL = """
import time
start = time.perf_counter(), time.process_time()
from mc import ziggurat
imported = time.perf_counter(), time.process_time()
ziggurat.warm_up()
done = time.perf_counter(), time.process_time()
print(imported[0] - start[0], imported[1] - start[1], done[0] - imported[0], done[1] - imported[1])
"""


def compile_cost() -> None:
    """Import and warm_up seconds (wall, CPU) in fresh interpreters: empty numba cache, then the cache it wrote."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for run in ("cold", "cached"):
            line = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True,
                                  check=True).stdout.split()
            for name, value in zip(("import_wall", "import_cpu", "warm_up_wall", "warm_up_cpu"), line):
                emit("time", f"ziggurat_{run}_{name}", float(value))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few rounds (seconds)")
    p.add_argument("--compile", action="store_true", help="also time the first compilation and the cache load")
    args = p.parse_args(argv)
    rounds, repeats = (3, 3) if args.quick else (30, 20)
    emit("value", "load_average_1min", os.getloadavg()[0])
    best = block_seconds(rounds, repeats)
    for name, seconds in best.items():
        emit("time", name, seconds, note=f"{SIZE} values")
        emit("value", f"{name}_ns_per_value", seconds / SIZE * 1e9)
    for name in best:
        if name.startswith("ziggurat"):
            emit("ratio", f"numpy_standard_normal/{name}", best["numpy_standard_normal"] / best[name])
    emit("value", "exact_ziggurat", int(exact(lambda rng: None)))
    emit("value", "exact_ziggurat_random_raw", int(exact(lambda rng: rng.bit_generator.random_raw)))
    emit("value", "load_average_1min_end", os.getloadavg()[0])
    if args.compile:
        compile_cost()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
