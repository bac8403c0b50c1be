"""Bad command lines are refused before any work: exit code 2, one line naming the option, nothing written.

Each bad input is a case in a table below (issue 16, item 5: unwritable outputs, impossible draw
counts, overflow). Every case checks the exit code, the one-line message (what is wrong, no
traceback) and that no file appeared or changed in the folder the command was pointed at.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mc.cli import main

# Commands writing a table with --out, with the options that make them quick if they did run.
TABLE_COMMANDS = {
    "run": ["run", "--draws", "2000"],
    "stress": ["stress", "price_war", "--draws", "2000"],
    "sensitivity": ["sensitivity", "--draws", "2000", "--no-sobol"],
    "tails": ["tails", "--draws", "2000"],
    "goalseek": ["goalseek", "--assumption", "price_cny_per_m_tokens", "--draws", "2000"],
    "breakeven": ["breakeven"],
    "project": ["project", "--draws", "500"],
}
# Commands writing a PNG with --plot (fit and forecast check it before any fitting).
PLOT_COMMANDS = {
    "run": ["run", "--draws", "2000"],
    "sensitivity": ["sensitivity", "--draws", "2000", "--no-sobol"],
    "project": ["project", "--draws", "500"],
    "fit": ["fit", "--curve", "gompertz"],
    "forecast": ["forecast", "--date", "2026-01-01", "--curve", "gompertz"],
}


def bad_directory(tmp: Path, name: str) -> Path:
    (tmp / "existing_dir").mkdir()
    return tmp / "existing_dir"


def bad_parent_is_file(tmp: Path, name: str) -> Path:
    (tmp / "notes.txt").write_text("a file, not a folder\n")
    return tmp / "notes.txt" / name


def bad_grandparent_is_file(tmp: Path, name: str) -> Path:
    (tmp / "notes.txt").write_text("a file, not a folder\n")
    return tmp / "notes.txt" / "sub" / name


def bad_missing_parent(tmp: Path, name: str) -> Path:
    return tmp / "no_such_folder" / name


def bad_exists_without_force(tmp: Path, name: str) -> Path:
    (tmp / name).write_bytes(b"precious\n")
    return tmp / name


# (builder, the words the one-line message must contain)
PATH_CASES = {
    "directory": (bad_directory, "is a directory"),
    "parent_is_file": (bad_parent_is_file, "is a file, not a folder"),
    "grandparent_is_file": (bad_grandparent_is_file, "is a file, not a folder"),
    "missing_parent": (bad_missing_parent, "does not exist"),
    "exists_without_force": (bad_exists_without_force, "pass --force"),
}


def run_mc(argv, capsys):
    """The CLI in-process: (exit code, stdout, stderr); argparse's own refusals exit through SystemExit."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict:
    """Every file and folder under `folder` with its bytes, mode and mtime: any write shows."""
    state = {}
    for path in sorted(folder.rglob("*")):
        st = path.stat()
        state[str(path.relative_to(folder))] = (path.read_bytes() if path.is_file() else None, st.st_mode,
                                                st.st_mtime_ns)
    return state


def assert_refused(code, out, err, *words):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert out == ""
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("case", sorted(PATH_CASES))
@pytest.mark.parametrize("command", sorted(TABLE_COMMANDS))
def test_unwritable_out_is_refused_before_work(command, case, tmp_path, capsys):
    build, words = PATH_CASES[case]
    out = build(tmp_path, "table.csv")
    before = snapshot(tmp_path)
    code, stdout, err = run_mc([*TABLE_COMMANDS[command], "--out", out], capsys)
    assert_refused(code, stdout, err, f"--out {out}", words)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", sorted(PATH_CASES))
@pytest.mark.parametrize("command", sorted(PLOT_COMMANDS))
def test_unwritable_plot_is_refused_before_work(command, case, tmp_path, capsys):
    build, words = PATH_CASES[case]
    plot = build(tmp_path, "figure.png")
    before = snapshot(tmp_path)
    code, stdout, err = run_mc([*PLOT_COMMANDS[command], "--plot", plot], capsys)
    assert_refused(code, stdout, err, f"--plot {plot}", words)
    assert snapshot(tmp_path) == before


@pytest.fixture
def readonly_folder(tmp_path):
    """A folder in which no file can be created, for any user.

    Permission bits stop ordinary users, but root ignores them; as root the
    test uses /sys (sysfs refuses new files even to root), so the refusal is
    tested either way. Skipped only when running as root on a system without
    such a folder.
    """
    if os.geteuid() != 0:
        folder = tmp_path / "readonly"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    sysfs = Path("/sys")
    try:
        (sysfs / ".mc_probe").touch()
    except OSError:
        yield sysfs
        return
    (sysfs / ".mc_probe").unlink()  # pragma: no cover - a writable /sys
    pytest.skip("running as root (permission bits ignored) and /sys accepts new files: no read-only folder")


@pytest.mark.parametrize("option,name,command", [("--out", "table.csv", "run"), ("--out", "table.xlsx", "stress"),
                                                 ("--plot", "figure.png", "run"),
                                                 ("--out", "table.csv", "project")])
def test_readonly_folder_is_refused_before_work(option, name, command, readonly_folder, capsys):
    before = sorted(p.name for p in readonly_folder.iterdir())
    target = readonly_folder / name
    commands = PLOT_COMMANDS if option == "--plot" else TABLE_COMMANDS
    code, stdout, err = run_mc([*commands[command], option, target], capsys)
    assert_refused(code, stdout, err, f"{option} {target}", "cannot create files in folder")
    assert sorted(p.name for p in readonly_folder.iterdir()) == before


def test_out_and_plot_naming_one_file_is_refused(tmp_path, capsys):
    same = tmp_path / "both.png"
    code, stdout, err = run_mc(["run", "--draws", "2000", "--out", same, "--format", "csv", "--plot", same], capsys)
    assert_refused(code, stdout, err, "--plot", "is also the --out file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv,words", [
    (["run", "--draws", "1e13"], "10,000,000,000 draws"),
    (["stress", "price_war", "--draws", "1e13"], "10,000,000,000 draws"),
    (["project", "--draws", "1e13"], "10,000,000,000 draws"),
    (["tails", "--draws", "1e13"], "10,000,000,000 draws"),
    (["sensitivity", "--draws", "1e13"], "10,000,000,000 draws"),
    (["goalseek", "--assumption", "price_cny_per_m_tokens", "--draws", "1e13"], "10,000,000,000 draws"),
    (["run", "--draws", "1e400"], "is not an integer"),  # float overflow, not a traceback
    (["run", "--draws", "2.5"], "is not an integer"),
    (["run", "--draws", "2500.5e0"], "is not an integer"),  # no silent truncation
    (["run", "--method", "sobol", "--draws", "2e9"], "at most 2**30"),
    (["fit", "--draws", "1e13"], "limit of 100,000"),
    (["fit", "--tune", "1e7"], "--tune 10,000,000"),
    (["forecast", "--date", "2026-01-01", "--draws", "1e6"], "limit of 100,000"),
])
def test_impossible_draw_counts_are_refused_naming_the_limit(argv, words, tmp_path, capsys):
    out = tmp_path / "table.csv"
    full = [*argv, "--out", out] if argv[0] not in ("fit", "forecast") else [*argv, "--plot", tmp_path / "f.png"]
    code, stdout, err = run_mc(full, capsys)
    assert_refused(code, stdout, err, words)
    assert list(tmp_path.iterdir()) == []


def test_overflowing_table_is_never_written(tmp_path, capsys):
    """tokens/day of 1e300 overflows the compute and GPU counts to inf: refused, no file, no inf in it."""
    out = tmp_path / "table.csv"
    code, stdout, err = run_mc(["run", "--draws", "2000", "--tokens-per-day", "1e300", "--out", out], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    # the model layer may refuse first (naming the input), else the exporter names the output cell
    assert "tokens_per_day" in err or "not a finite number" in err, err
    assert list(tmp_path.iterdir()) == []


def test_overflowing_table_is_never_printed_as_json(capsys):
    code, stdout, err = run_mc(["run", "--draws", "2000", "--tokens-per-day", "1e300", "--json"], capsys)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("argv", [["run", "{input}", "--out", "{input}", "--format", "csv", "--force"],
                                  ["project", "--projection", "{input}", "--out", "{input}", "--format", "md",
                                   "--force"]])
def test_an_output_never_replaces_an_input(argv, tmp_path, capsys):
    from mc.priors import PRIORS_DIR

    source = PRIORS_DIR / ("base.toml" if argv[0] == "run" else "projection.toml")
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    before = snapshot(tmp_path)
    code, stdout, err = run_mc([a.replace("{input}", str(copy)) for a in argv], capsys)
    assert_refused(code, stdout, err, f"--out {copy}", "file this command reads")
    assert snapshot(tmp_path) == before


# Commands that hold every draw in memory call mc.cli.limits.check_draws(n, in_memory_values=...)
# before working. The machine is made small (64 KiB) so the runs stay tiny.
IN_MEMORY_COMMANDS = {
    "run_with_plot": ["run", "--draws", "20000", "--plot", "{tmp}/f.png"],
    "stress": ["stress", "price_war", "--draws", "20000", "--out", "{tmp}/t.csv"],
    "sensitivity": ["sensitivity", "--draws", "20000", "--no-sobol", "--out", "{tmp}/t.csv"],
    "tails": ["tails", "--draws", "20000", "--out", "{tmp}/t.csv"],
    "goalseek": ["goalseek", "--assumption", "price_cny_per_m_tokens", "--draws", "20000", "--out", "{tmp}/t.csv"],
    "project": ["project", "--draws", "20000", "--out", "{tmp}/t.csv"],
}


@pytest.mark.parametrize("command", sorted(IN_MEMORY_COMMANDS))
def test_in_memory_commands_refuse_draws_beyond_memory(command, tmp_path, capsys, monkeypatch):
    import mc.cli.limits

    monkeypatch.setattr(mc.cli.limits, "memory_bytes", lambda: 64 * 1024)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in IN_MEMORY_COMMANDS[command]]
    code, stdout, err = run_mc(argv, capsys)
    assert_refused(code, stdout, err, "--draws 20,000: needs", "of memory")
    assert list(tmp_path.iterdir()) == []
