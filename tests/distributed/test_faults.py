"""Faults: a killed worker, an unreachable scheduler, bad --cluster values; dask stays out of plain runs."""
import os
import signal
import subprocess
import sys

from mc.sampling import STREAM_BLOCK
from mc.streaming import summarise_streaming

N = 8 * STREAM_BLOCK


def test_killed_worker_blocks_are_recomputed_and_the_table_is_identical(cluster2, priors):
    """SIGKILL one worker process after the first finished block; the scheduler reruns its blocks elsewhere."""
    expected = summarise_streaming(priors, N, seed=9, memory_limit=0)
    pids = cluster2.client.run(os.getpid)
    killed = []

    def kill_once(done, total):
        if not killed and done >= 1:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    got = summarise_streaming(priors, N, seed=9, executor=cluster2, progress=kill_once)
    assert killed and got.equals(expected)
    cluster2.client.wait_for_workers(2, timeout=120)  # the nanny restarts it for the tests that follow


def _mc(*args, env=None):
    return subprocess.run([sys.executable, "-m", "mc", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_unreachable_scheduler_is_one_line_exit_2_no_output(tmp_path):
    out = tmp_path / "table.csv"
    result = _mc("run", "--draws", "1000", "--cluster", "tcp://127.0.0.1:1", "--out", str(out))
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--cluster: tcp://127.0.0.1:1: cannot reach the Dask scheduler" in result.stderr


def test_bad_cluster_values_from_option_and_environment():
    bad = _mc("stress", "--draws", "1000", "--cluster", "local:x")
    assert bad.returncode == 2 and "local:N needs a worker count" in bad.stderr
    env = _mc("run", "--draws", "1000", env={"MC_CLUSTER": "http://nope"})
    assert env.returncode == 2 and env.stderr.startswith("mc: error: MC_CLUSTER: http://nope:")


def test_plain_run_and_help_do_not_import_distributed():
    """dask.distributed loads only with --cluster (pint alone pulls dask.base when dask is installed)."""
    code = ("import sys; from mc.cli import main, build_parser; build_parser(); h = 'dask' in sys.modules; "
            "main(['run', '--draws', '2000', '--quiet']); print(h, 'distributed' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "False"], result.stderr
