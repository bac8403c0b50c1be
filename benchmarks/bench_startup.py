"""Start-up: wall time of `mc --help`, `mc reproduce` and `mc run` against importing numpy and scipy.stats.

Each command runs in a fresh interpreter (best of --repeats); the ratio is its
time over ``python -c "import numpy, scipy.stats"`` timed in the same run.  It
also reports which heavy modules each command loaded (PyMC/PyTensor must not).

Usage: python -m benchmarks.bench_startup [--repeats 3] [--quick]
"""
from __future__ import annotations

import argparse
import subprocess
import sys

from benchmarks.common import best_time, emit

HEAVY = ("pymc", "pytensor", "arviz", "xarray", "pandas", "scipy.stats", "matplotlib")
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
            "run_1e6": ["run", "--draws", "1e6", "--quiet"]}
# what `mc run --draws 1e6` costs without pandas and xarray: mc.results.simulate_arrays and mc.stats.summary_with_se
LIGHT_RUN = """
import sys
from mc.priors import load_priors
from mc.results import simulate_arrays
from mc.stats import summary_with_se
priors = load_priors()
arrays = simulate_arrays(priors, 1_000_000, workers=2, keep_inputs=False)
table = {name: summary_with_se(arrays[name]) for name in priors.model.outputs}
print(",".join(m for m in ("pandas", "xarray", "scipy.stats", "numba", "dask") if m in sys.modules))
"""


def run_probe(args: list[str]) -> str:
    """Run the CLI with `args` in a fresh interpreter; return the heavy modules it loaded."""
    out = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True,
                         check=True)
    line = [s for s in out.stderr.splitlines() if s.startswith("loaded:")][-1]
    return line[len("loaded:"):]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one repeat (for tests)")
    args = p.parse_args(argv)
    repeats = 1 if args.quick else args.repeats

    def python(*argv_):
        return lambda: subprocess.run([sys.executable, *argv_], capture_output=True, check=True)

    base = best_time(python("-c", "import numpy, scipy.stats"), repeats)
    emit("time", "import_numpy_scipy_stats", base)
    for name, cli_args in COMMANDS.items():
        seconds = best_time(python("-m", "mc", *cli_args), repeats)
        emit("time", f"mc_{name}", seconds)
        emit("ratio", f"mc_{name}/import_numpy_scipy_stats", seconds / base)
        emit("value", f"mc_{name}_loads", run_probe(cli_args) or "-")
    light = best_time(python("-c", LIGHT_RUN), repeats)
    emit("time", "light_run_1e6", light)
    emit("ratio", "light_run_1e6/import_numpy_scipy_stats", light / base)
    loaded = subprocess.run([sys.executable, "-c", LIGHT_RUN], capture_output=True, text=True, check=True)
    emit("value", "light_run_1e6_loads", loaded.stdout.strip() or "-")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
