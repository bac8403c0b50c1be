"""What `mc --help`, `mc reproduce` and `mc run` import (a fresh interpreter each): never PyMC or PyTensor,
and the default `mc run` path none of pandas, xarray, scipy.stats, numba or dask (issue 15.4).

Imported modules, not seconds, are checked: the time they cost is in benchmarks/bench_startup.py.
"""
import os
import subprocess
import sys

import pytest

PROBE = """
import sys
from mc.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("exit", code)
print("loaded", ",".join(m for m in {heavy!r} if m in sys.modules) or "-")
"""
NEVER = ("pymc", "pytensor")
# what the default `mc run` path must not load: ~0.5-1 s each on the shared machine, or not needed
RUN_HEAVY = ("pandas", "xarray", "scipy.stats", "numba", "dask", "matplotlib", *NEVER)


def loaded_by(args, heavy=NEVER, env=None) -> str:
    """Run ``mc ARGS`` in a fresh interpreter; the modules of `heavy` it loaded ("-" for none)."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=heavy), *args], capture_output=True, text=True,
                         timeout=300, env=None if env is None else {**os.environ, **env})
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("exit", "loaded")))
    assert lines["exit"] in ("0", "None"), out.stderr
    return lines["loaded"]


@pytest.mark.parametrize("args", [["--help"], ["reproduce"], ["run", "--draws", "2000", "--quiet"]])
def test_cli_does_not_import_pymc(args):
    assert loaded_by(args) == "-"


@pytest.mark.parametrize("args", [["run", "--draws", "70000"],  # the screen table, two stream blocks
                                  ["run", "--draws", "3000", "--method", "mc", "--tokens-per-day", "1e14"],
                                  ["run", "--draws", "70000", "--memory-limit", "1e-3", "--quiet"]])  # streamed
def test_default_run_path_loads_no_pandas_xarray_scipy_stats_or_numba(args):
    assert loaded_by(args, RUN_HEAVY) == "-"


def test_a_second_run_reads_solved_priors_and_tables_without_scipy_special(tmp_path):
    """Interval solutions and beta/PERT tables are cached (mc.cache): only the first run after install
    imports scipy.special (and the second run's numbers are the same, tests/test_fastppf.py)."""
    env = {"MC_CACHE_DIR": str(tmp_path)}
    # the first run solves the beta intervals with scipy.special's quantiles, not scipy.stats (a second less)
    assert loaded_by(["run", "--draws", "3000", "--quiet"], ("scipy.special", "scipy.stats"), env) == "scipy.special"
    assert loaded_by(["run", "--draws", "3000", "--quiet"], ("scipy.special", "scipy.optimize"), env) == "-"


def test_help_loads_nothing_heavy():
    assert loaded_by(["--help"], (*RUN_HEAVY, "numpy", "scipy")) == "-"


def test_json_is_the_feature_that_loads_pandas():
    """The probe can see pandas: --json builds the DataFrame (so a '-' above is not a blind probe)."""
    assert loaded_by(["run", "--draws", "2000", "--json"], ("pandas",)) == "pandas"


def test_help_does_not_import_the_numeric_stack_of_run():
    """The run and reproduce subcommands load scipy and xarray only when they run."""
    code = "import sys; from mc.cli import build_parser; build_parser(); print('xarray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr


def test_command_module_map_matches_what_the_modules_register():
    """`mc COMMAND` builds only COMMAND_MODULE[COMMAND]'s parser: the map must name every command's module."""
    from mc.cli import COMMAND_MODULE, build_parser

    def commands(parser):
        return set(next(a for a in parser._actions if a.dest == "command").choices)

    assert commands(build_parser()) == set(COMMAND_MODULE)
    for command, module in COMMAND_MODULE.items():
        assert command in commands(build_parser(command))
        assert commands(build_parser(command)) == {c for c, m in COMMAND_MODULE.items() if m == module}
