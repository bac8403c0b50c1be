"""Fixtures for the risk-analysis tests."""
import pytest

from mc.cli import main


@pytest.fixture
def run_mc(capsys):
    """Call the CLI in-process; returns (exit code, stdout, stderr)."""
    def run(*argv):
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run
