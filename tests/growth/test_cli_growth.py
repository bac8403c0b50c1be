"""The growth subcommands' input handling (no fits needed here)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mc.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED = Path(__file__).resolve().parents[2] / "priors" / "token_usage.csv"
BAD_DATA = ["bad_date.csv", "negative_value.csv", "nan_value.csv", "duplicate_date.csv", "wrong_header.csv",
            "one_row.csv", "not_utf8.csv", "text_value.csv", "future_row.csv", "before_launch.csv", "bad_kind.csv"]


def test_cli_module_and_parser_do_not_import_pymc():
    code = ("import sys, mc.cli.growth, mc.cli; mc.cli.build_parser(); "
            "heavy = [m for m in ('pymc', 'pytensor') if m in sys.modules]; print(heavy); "
            "sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("name", BAD_DATA)
def test_fit_refuses_bad_data_with_one_line_and_exit_2(name, tmp_path, capsys):
    out = tmp_path / "posterior.nc"
    code = main(["fit", str(FIXTURES / name), "--curve", "exponential", "--posterior", str(out), "--cache-dir", str(tmp_path)])
    line = _one_line_error(capsys)
    assert code == 2
    assert line.startswith("mc: error: ") and name in line
    if name not in ("wrong_header.csv", "one_row.csv", "not_utf8.csv"):
        assert "row " in line
    assert not out.exists()
    assert not (tmp_path / "growth").exists()  # nothing fitted, nothing cached


def test_forecast_refuses_an_unreadable_file(tmp_path, capsys):
    plot = tmp_path / "f.png"
    code = main(["forecast", "--date", "2025-06-15", "--data", str(tmp_path / "absent.csv"), "--plot", str(plot)])
    line = _one_line_error(capsys)
    assert code == 2 and "absent.csv" in line and "cannot read" in line
    assert not plot.exists()


def test_backtest_refuses_bad_data(capsys):
    code = main(["backtest", str(FIXTURES / "duplicate_date.csv"), "--until", "2024-06-01"])
    assert code == 2 and "duplicate date" in _one_line_error(capsys)


@pytest.mark.parametrize("until, words", [("2024-06-01", "need at least 2"), ("2026-07-31", "no rows after")])
def test_backtest_needs_two_training_rows_and_one_to_predict(until, words, capsys, tmp_path):
    # the bad fold comes second: it is refused before the first is fitted
    code = main(["backtest", str(SHIPPED), "--until", "2024-12-31", until, "--cache-dir", str(tmp_path)])
    line = _one_line_error(capsys)
    assert code == 2 and words in line
    assert not (tmp_path / "growth").exists()


def test_fit_posterior_needs_a_single_curve(tmp_path, capsys):
    code = main(["fit", "--curve", "all", "--posterior", str(tmp_path / "p.nc")])
    assert code == 2 and "--curve NAME" in _one_line_error(capsys)


def test_fit_out_is_a_table_and_names_posterior_for_netcdf(tmp_path, capsys):
    code = main(["fit", "--curve", "exponential", "--out", str(tmp_path / "p.nc"), "--cache-dir", str(tmp_path)])
    line = _one_line_error(capsys)
    assert code == 2 and "--posterior" in line and "--out" in line
    assert not (tmp_path / "growth").exists()


def test_bad_priors_file_via_cli(tmp_path, capsys):
    code = main(["fit", "--curve", "exponential", "--priors", str(FIXTURES / "priors_bad_dist.toml"),
                 "--cache-dir", str(tmp_path)])
    line = _one_line_error(capsys)
    assert code == 2 and "priors_bad_dist.toml" in line and "cauchy" in line


def test_existing_out_is_refused_before_fitting(tmp_path, capsys):
    out = tmp_path / "p.nc"
    out.write_bytes(b"keep me")
    code = main(["fit", "--curve", "exponential", "--posterior", str(out), "--cache-dir", str(tmp_path)])
    assert code == 2 and "--force" in _one_line_error(capsys)
    assert out.read_bytes() == b"keep me"
    assert not (tmp_path / "growth").exists()


def test_forecast_refuses_a_date_before_launch(capsys, tmp_path):
    out = tmp_path / "f.csv"
    code = main(["forecast", "--date", "2025-01-01", "2024-01-01", "--curve", "exponential", "--out", str(out),
                 "--cache-dir", str(tmp_path)])
    line = _one_line_error(capsys)
    assert code == 2 and "before the launch on 2024-05-15" in line and line.startswith("mc: error: --date")
    assert not out.exists() and not (tmp_path / "growth").exists()


def test_repeated_date_options_add_up(capsys, tmp_path):
    """`--date A --date B` keeps both (it used to keep only B): the refused early date in the first is seen."""
    code = main(["forecast", "--date", "2024-01-01", "--date", "2025-01-01", "--curve", "exponential",
                 "--cache-dir", str(tmp_path)])
    assert code == 2 and "2024-01-01 is before the launch" in _one_line_error(capsys)


def test_run_at_a_date_before_launch_names_the_option(capsys):
    code = main(["run", "--date", "2024-01-01", "--curve", "exponential", "--draws", "100"])
    line = _one_line_error(capsys)
    assert code == 2 and "--date" in line and "target_date" not in line


@pytest.mark.parametrize("argv, words", [
    (["forecast", "--date", "2026-12-31", "--out", "{tmp}/table.txt"], "--out"),
    (["backtest", str(SHIPPED), "--until", "2025-01-01", "--out", "{tmp}"], "--out"),
])
def test_forecast_and_backtest_check_out_before_fitting(argv, words, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 2
    assert words in _one_line_error(capsys)
    assert not (tmp_path / "cache").exists()
