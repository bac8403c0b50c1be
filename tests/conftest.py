import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run and machine (a failure reproduces; CI is not a lottery).
settings.register_profile("mc", derandomize=True, print_blob=True)
settings.load_profile("mc")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_cli(*args, cwd=None, env=None):
    """Run `python -m mc ARGS` in a subprocess; returns CompletedProcess with text output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "mc", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, timeout=600)


@pytest.fixture
def cli():
    return run_cli
