"""How output files are written: modes that follow the umask, no temporary file left by a signal,
the one path check and draw-count limits as functions, and `mc project --json --out` honouring --force."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mc.cli import main
from mc.cli.emit import table_records
from mc.cli.limits import MAX_DRAWS, MAX_NUTS_DRAWS, MAX_SOBOL_DRAWS, check_draws
from mc.errors import InputError, Terminated
from mc.export import atomic_path, check_writable, write_bytes_atomic, write_table

ROOT = Path(__file__).resolve().parents[2]
TABLE = pd.DataFrame({"output": ["margin", "margin"], "unit": ["1", "1"], "statistic": ["p50", "mean"],
                      "value": [0.1, -0.2], "mc_se": [0.01, np.nan]})


@pytest.fixture
def umask():
    """Set the process umask for one test and put the old one back."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet", "md"])
def test_tables_follow_the_umask(mask, mode, suffix, tmp_path, umask):
    umask(mask)
    out = write_table(TABLE, tmp_path / f"t.{suffix}")
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_raw_bytes_follow_the_umask_and_replacing_keeps_the_old_mode(tmp_path, umask):
    umask(0o022)
    png = write_bytes_atomic(b"\x89PNG", tmp_path / "f.png")
    assert stat.S_IMODE(png.stat().st_mode) == 0o644
    png.chmod(0o600)  # a file the user made private stays private when --force replaces it
    write_bytes_atomic(b"\x89PNG2", png, force=True)
    assert stat.S_IMODE(png.stat().st_mode) == 0o600 and png.read_bytes() == b"\x89PNG2"


def test_cli_output_is_readable_by_the_group(tmp_path, umask):
    umask(0o022)
    out = tmp_path / "t.csv"
    assert main(["breakeven", "--out", str(out), "--quiet"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_termination_inside_the_writer_leaves_nothing(tmp_path):
    target = tmp_path / "t.xlsx"
    with pytest.raises(Terminated):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half a workbook")
            raise Terminated(signal.SIGTERM)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_survives_a_failed_overwrite(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("precious\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target, force=True) as tmp:
            tmp.write_text("partial")
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"] and target.read_text() == "precious\n"


# The child kills itself with the signal once the temporary XLSX is complete on disk, before the
# rename: the latest moment a partial file could be left behind. Deterministic, no timing.
SIGNAL_IN_WRITER = textwrap.dedent("""
    import os, signal, sys, time
    import mc.export as export
    from mc.cli import main

    # Ctrl-C as on a terminal: a process started in the background inherits SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)

    real_writer = export._writer

    def writer_then_signal(fmt, *extra):  # extra: the provenance and workbook report
        write = real_writer(fmt, *extra)
        def write_and_signal(df, path):
            write(df, path)
            assert path.exists() and path.name.endswith(".tmp")
            os.kill(os.getpid(), getattr(signal, sys.argv[1]))
            time.sleep(30)  # the handler raises at once; this is never reached
        return write_and_signal

    export._writer = writer_then_signal
    sys.exit(main(sys.argv[2:]))
""")


@pytest.mark.parametrize("signame,code,words", [("SIGTERM", 143, "terminated by SIGTERM"),
                                                ("SIGHUP", 129, "terminated by SIGHUP"),
                                                ("SIGINT", 130, "interrupted")])
def test_signal_while_writing_an_xlsx_leaves_no_file(signame, code, words, tmp_path):
    out = tmp_path / "t.xlsx"
    res = subprocess.run([sys.executable, "-c", SIGNAL_IN_WRITER, signame, "breakeven", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == code, res.stderr
    assert res.stderr.strip().splitlines() == [f"mc: {words}"]
    assert list(tmp_path.iterdir()) == []


def _handles_sigterm(pid: int) -> bool:
    """Whether process `pid` has a Python handler for SIGTERM yet (SigCgt in /proc), so the test need not sleep."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see the signal handler")
def test_sigterm_during_a_long_run_exits_143_without_output(tmp_path):
    out = tmp_path / "t.csv"
    # 1e9 streamed draws take many minutes, so the signal arrives mid-simulation
    child = subprocess.Popen([sys.executable, "-m", "mc", "run", "--draws", "1e9", "--memory-limit", "1",
                              "--quiet", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _handles_sigterm(child.pid):
            assert child.poll() is None and time.monotonic() < deadline, "mc never installed its handler"
            time.sleep(0.05)
        time.sleep(0.5)  # into the simulation (the outcome is the same if it lands earlier)
        child.send_signal(signal.SIGTERM)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 143, stderr
    assert stderr.strip().splitlines() == ["mc: terminated by SIGTERM"] and stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_main_restores_the_previous_sigterm_handler():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit):
        main(["run", "--draws", "0"])
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("build,words", [
    (lambda d: d, "is a directory"),
    (lambda d: ((d / "f").write_text("x"), d / "f" / "t.csv")[1], "is a file, not a folder"),
    (lambda d: d / "missing" / "t.csv", "does not exist"),
])
def test_check_writable_names_the_option_and_the_path(build, words, tmp_path):
    path = build(tmp_path)
    with pytest.raises(InputError) as err:
        check_writable(path, option="--out")
    assert str(err.value).startswith(f"--out {path}: ") and words in str(err.value)
    with pytest.raises(InputError) as err:  # without an option: the path alone, as before
        check_writable(path)
    assert str(err.value).startswith(f"{path}: ")


def test_check_writable_leaves_no_probe_file(tmp_path):
    assert check_writable(tmp_path / "t.csv") == tmp_path / "t.csv"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value,statistic", [(np.inf, "p99"), (-np.inf, "p1"), (np.nan, "mean")])
def test_non_finite_values_are_refused_naming_the_cell(value, statistic, tmp_path):
    table = TABLE.copy()
    table.loc[1, ["statistic", "value"]] = [statistic, value]
    out = tmp_path / "t.csv"
    with pytest.raises(InputError, match=f"--out {out}: margin/{statistic} value: is (-?inf|nan)"):
        write_table(table, out, option="--out")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match=f"--json: margin/{statistic} value"):
        table_records(table)


def test_an_infinite_standard_error_is_refused_but_an_undefined_one_is_not(tmp_path):
    write_table(TABLE, tmp_path / "ok.csv")  # mc_se NaN: no error defined for that statistic
    assert pd.read_csv(tmp_path / "ok.csv")["mc_se"].isna().sum() == 1
    table = TABLE.copy()
    table.loc[0, "mc_se"] = np.inf
    with pytest.raises(InputError, match="margin/p50 mc_se: is inf"):
        write_table(table, tmp_path / "bad.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.csv"]


def test_check_draws_limits():
    assert check_draws(MAX_DRAWS) == MAX_DRAWS
    with pytest.raises(InputError, match=f"--draws {MAX_DRAWS + 1:,}: more than the limit of {MAX_DRAWS:,}"):
        check_draws(MAX_DRAWS + 1)
    assert check_draws(MAX_SOBOL_DRAWS, method="sobol") == MAX_SOBOL_DRAWS
    with pytest.raises(InputError, match=r"at most 2\*\*30"):
        check_draws(MAX_SOBOL_DRAWS + 1, method="sobol")
    check_draws(MAX_SOBOL_DRAWS + 1, method="lhs")
    with pytest.raises(InputError, match=f"--tune {MAX_NUTS_DRAWS + 1:,}"):
        check_draws(MAX_NUTS_DRAWS + 1, option="--tune", max_draws=MAX_NUTS_DRAWS)


def test_check_draws_memory_budget_is_exact():
    # 9 float64 values per draw = 72 bytes; a 7,200-byte budget holds exactly 100 draws
    assert check_draws(100, in_memory_values=9, available_bytes=7_200) == 100
    with pytest.raises(InputError, match="--draws 101: needs 7.1 KiB of memory .*at most 100 draws"):
        check_draws(101, in_memory_values=9, available_bytes=7_200)
    # the case: 1e13 draws of one output is 72.8 TiB, refused on any machine
    with pytest.raises(InputError, match="72.8 TiB"):
        check_draws(10**13, in_memory_values=1, max_draws=10**14)


def test_project_json_out_honours_force(tmp_path, capsys):
    out = tmp_path / "p.csv"
    out.write_text("precious\n")
    argv = ["project", "--draws", "300", "--json", "--out", str(out)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "pass --force" in captured.err and captured.out == "" and out.read_text() == "precious\n"
    assert main([*argv, "--force"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    written = pd.read_csv(out)
    assert len(written) == len(rows) > 0 and list(written.columns) == list(rows[0])


def test_emit_table_json_with_meta_and_out_honours_force(tmp_path, capsys):
    import argparse

    from mc.cli.emit import emit_table

    out = tmp_path / "t.csv"
    out.write_text("precious\n")
    args = argparse.Namespace(out=out, format=None, force=False, json=True, quiet=False)
    with pytest.raises(InputError, match="pass --force"):
        emit_table(TABLE, args, screen="unused", meta={"seed": 5})
    assert capsys.readouterr().out == "" and out.read_text() == "precious\n"
    emit_table(TABLE, argparse.Namespace(**{**vars(args), "force": True}), screen="unused", meta={"seed": 5})
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["meta", "rows"] and payload["meta"] == {"seed": 5}
    assert payload["rows"][1]["mc_se"] is None  # an undefined error is null, never NaN
    assert pd.read_csv(out)["value"].tolist() == [0.1, -0.2]


def test_a_device_or_pipe_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is not a regular file"):
        check_writable(fifo, force=True, option="--out")
    with pytest.raises(InputError, match="is not a regular file"):
        check_writable("/dev/null", force=True, option="--out")
    assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_non_finite_label_names_the_year_as_an_integer(tmp_path):
    table = pd.DataFrame({"year": [2025.0, np.nan], "output": ["capex_cny", "npv_cny"], "unit": ["CNY", "CNY"],
                          "statistic": ["p50", "p50"], "value": [np.inf, 1.0], "mc_se": [1.0, 1.0]})
    with pytest.raises(InputError, match="capex_cny/2025/p50 value: is inf"):
        write_table(table, tmp_path / "t.csv")


def test_a_signal_that_becomes_another_exception_still_exits_as_terminated(monkeypatch, capsys):
    """SIGTERM landing inside a C extension's import surfaces as that import's ImportError (seen with scipy's
    propack under CI); mc still exits 143 with its one line, no traceback."""
    import mc.cli
    import mc.cli.run

    def handler_hit_during_an_import(args):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises Terminated here
        except BaseException as exc:
            raise ImportError("numpy._core.multiarray failed to import") from exc

    monkeypatch.setattr(mc.cli.run, "handle", handler_hit_during_an_import)
    assert mc.cli.main(["run", "--draws", "10"]) == 143
    assert capsys.readouterr().err.strip() == "mc: terminated by SIGTERM"
