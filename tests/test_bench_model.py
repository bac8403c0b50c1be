"""The model-file benchmark runs on a tiny size and prints its ratio (never: that it is fast)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_model_prints_time_and_ratio_lines():
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_model", "--quick"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr  # it also asserts both evaluations agree to 1e-12
    kinds = {line.split()[1]: line.split()[0] for line in out.stdout.splitlines()}
    assert kinds == {"model_file_evaluate": "time", "handwritten_numpy_evaluate": "time",
                     "model_file/handwritten": "ratio"}
    ratio = float(next(line.split()[2] for line in out.stdout.splitlines() if line.startswith("ratio")))
    assert ratio > 0
