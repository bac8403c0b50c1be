"""Start-up: wall and CPU time of `mc --help`, `mc reproduce` and `mc run` against importing numpy and scipy.stats.

Each command runs in a fresh interpreter (best of --repeats); the ratio is its
time over ``python -c "import numpy, scipy.stats"`` timed in the same run. CPU
time (user + system of the child, ``resource.RUSAGE_CHILDREN``) is printed too:
on a shared machine it moves less with load than wall time. Every command also
reports which heavy modules it loaded (PyMC/PyTensor must not; the default
`mc run` path loads none of pandas, xarray, scipy.stats, scipy.special, numba).

``cold`` lines: `mc run --draws 1e6` with an empty MC_CACHE_DIR, i.e. the first
run after install (interval solutions and beta/PERT tables not yet cached, so
scipy.special is imported and the tables built).

Usage: python -m benchmarks.bench_startup [--repeats 3] [--quick]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks.common import emit

HEAVY = ("pymc", "pytensor", "arviz", "xarray", "pandas", "scipy.stats", "scipy.special", "numba", "dask",
         "matplotlib")
_PROBE = """
import sys
from mc.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("loaded:" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""
COMMANDS = {"help": ["--help"], "reproduce": ["reproduce"], "run": ["run", "--draws", "20000", "--quiet"],
            "run_1e6": ["run", "--draws", "1e6"]}
FEATURES = {"json_run_1e6": ["run", "--draws", "1e6", "--json"]}  # a feature that needs pandas


def run_probe(args: list[str], env: dict | None = None) -> str:
    """Run the CLI with `args` in a fresh interpreter; return the heavy modules it loaded."""
    out = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True,
                         check=True, env=env)
    line = [s for s in out.stderr.splitlines() if s.startswith("loaded:")][-1]
    return line[len("loaded:"):]


def timed_child(argv: list[str], repeats: int, env: dict | None = None) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of `repeats` runs of ``python ARGV``."""
    best_wall = best_cpu = float("inf")
    for _ in range(max(1, repeats)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], capture_output=True, check=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one repeat (for tests)")
    args = p.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    emit("value", "load_average_1min", f"{os.getloadavg()[0]:.2f}")
    base, base_cpu = timed_child(["-c", "import numpy, scipy.stats"], repeats)
    emit("time", "import_numpy_scipy_stats", base)
    emit("time", "cpu_import_numpy_scipy_stats", base_cpu)
    run_probe(COMMANDS["run"])  # warm the cache (solved priors, tables) as any run after the first
    for name, cli_args in {**COMMANDS, **FEATURES}.items():
        seconds, cpu = timed_child(["-m", "mc", *cli_args], repeats)
        emit("time", f"mc_{name}", seconds)
        emit("time", f"cpu_mc_{name}", cpu)
        emit("ratio", f"mc_{name}/import_numpy_scipy_stats", seconds / base)
        emit("value", f"{'mc_' if name in COMMANDS else ''}{name}_loads", run_probe(cli_args) or "-")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "MC_CACHE_DIR": cache}
        seconds, cpu = timed_child(["-m", "mc", *COMMANDS["run_1e6"]], 1, env)  # only the first run is cold
        emit("time", "cold_run_1e6", seconds)
        emit("time", "cpu_cold_run_1e6", cpu)
        emit("ratio", "cold_run_1e6/import_numpy_scipy_stats", seconds / base)
    emit("value", "load_average_1min_end", f"{os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
