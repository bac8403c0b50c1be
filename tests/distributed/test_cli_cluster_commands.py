"""`mc sensitivity` and `mc project` with --cluster: the same table bytes as one process; a bad scheduler fails clean."""
import os
import subprocess
import sys

import pytest

from mc.cli import main

SENSITIVITY = ["sensitivity", "--draws", "6000", "--sobol-n", "128", "--seed", "3", "--method", "lhs"]
PROJECT = ["project", "--draws", "6000", "--to", "2027", "--seed", "3"]


@pytest.fixture
def dask_maps(monkeypatch):
    """Count the maps run on a Dask cluster, so a test knows the blocks really went there."""
    from mc.executor import DaskExecutor

    calls = []
    original = DaskExecutor.map

    def counted(self, fn, items):
        calls.append(len(items))
        return original(self, fn, items)
    monkeypatch.setattr(DaskExecutor, "map", counted)
    return calls


@pytest.mark.slow  # starts a LocalCluster of 2 worker processes (about 10 s here)
@pytest.mark.parametrize("argv", [SENSITIVITY, PROJECT], ids=["sensitivity", "project"])
def test_cluster_table_is_bit_identical_to_one_process(tmp_path, dask_maps, argv):
    alone, spread = tmp_path / "alone.csv", tmp_path / "cluster.csv"
    assert main([*argv, "--out", str(alone), "--quiet"]) == 0
    assert not dask_maps
    assert main([*argv, "--cluster", "local:2", "--out", str(spread), "--quiet"]) == 0
    assert dask_maps  # the draws' blocks ran on the workers
    assert spread.read_bytes() == alone.read_bytes()


def _mc(*args):
    return subprocess.run([sys.executable, "-m", "mc", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MC_CLUSTER": ""})


@pytest.mark.slow  # Dask retries the connection for its 5 s timeout, in a fresh interpreter (about 15 s here)
@pytest.mark.parametrize("argv", [SENSITIVITY, PROJECT], ids=["sensitivity", "project"])
def test_unreachable_scheduler_is_one_line_exit_2_no_output(tmp_path, argv):
    out = tmp_path / "table.csv"
    result = _mc(*argv, "--cluster", "tcp://127.0.0.1:1", "--out", str(out))
    assert result.returncode == 2 and list(tmp_path.iterdir()) == []
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--cluster: tcp://127.0.0.1:1: cannot reach the Dask scheduler" in result.stderr


@pytest.mark.parametrize("argv", [SENSITIVITY, PROJECT], ids=["sensitivity", "project"])
def test_malformed_cluster_is_refused_before_work(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--cluster", "local:0", "--out", "t.csv"]) == 2
    err = capsys.readouterr().err
    assert "local:N needs a worker count" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
