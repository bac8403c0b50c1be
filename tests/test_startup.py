"""`mc --help`, `mc reproduce` and `mc run` never import PyMC or PyTensor (a fresh interpreter each)."""
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
print("loaded", ",".join(m for m in ("pymc", "pytensor") if m in sys.modules) or "-")
"""


@pytest.mark.parametrize("args", [["--help"], ["reproduce"], ["run", "--draws", "2000", "--quiet"]])
def test_cli_does_not_import_pymc(args):
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("exit", "loaded")))
    assert lines["exit"] in ("0", "None"), out.stderr
    assert lines["loaded"] == "-"


def test_help_does_not_import_the_numeric_stack_of_run():
    """The run and reproduce subcommands load scipy and xarray only when they run."""
    code = "import sys; from mc.cli import build_parser; build_parser(); print('xarray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip() == "False", out.stderr
