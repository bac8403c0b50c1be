"""One grammar across commands: priors positional in stress (--priors deprecated), project's volume options, --plot."""
import json

import pandas as pd
import pytest

from mc.cli import main
from mc.priors import default_priors_path

SMALL = ["--draws", "3000", "--seed", "3"]


def test_stress_priors_positional_equals_deprecated_option(tmp_path, capsys):
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    assert main(["stress", str(default_priors_path()), "bf16", *SMALL, "--out", str(new), "--quiet"]) == 0
    assert main(["stress", "bf16", "--priors", str(default_priors_path()), *SMALL, "--out", str(old), "--quiet"]) == 0
    assert "deprecated" in capsys.readouterr().err
    a, b = pd.read_csv(new), pd.read_csv(old)
    pd.testing.assert_frame_equal(a, b)  # same seed, same priors: the same numbers
    assert set(a["scenario"]) == {"base", "bf16"}


def test_stress_plot_and_workbook(tmp_path):
    import openpyxl

    png, book = tmp_path / "s.png", tmp_path / "s.xlsx"
    assert main(["stress", "bf16", *SMALL, "--plot", str(png), "--out", str(book), "--quiet"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets == ["Summary", "Scenarios", "Inputs", "Provenance", "Figures", "Data"]


def test_stress_takes_any_percentiles(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["stress", "bf16", *SMALL, "--percentiles", "2.5,50", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out)
    assert {"p2.5", "p50"} <= set(table["statistic"]) and "p1" not in set(table["statistic"])


def test_project_date_is_explained_and_tokens_per_day_sets_the_start(capsys):
    assert main(["project", "--date", "2026-01-01", *SMALL]) == 2
    assert "--volume-source growth" in capsys.readouterr().err
    assert main(["project", "--tokens-per-day", "3e14", "--to", "2026", *SMALL, "--json"]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out)["rows"])
    start = rows[(rows.output == "tokens_per_day") & (rows.year == 2025) & (rows.statistic == "p50")]
    assert start["value"].iloc[0] == pytest.approx(3e14, rel=1e-12)  # fixed: every path starts there


def test_tails_plot_and_draws_out(tmp_path):
    png, draws = tmp_path / "t.png", tmp_path / "d.nc"
    assert main(["tails", *SMALL, "--plot", str(png), "--draws-out", str(draws), "--quiet"]) == 0
    import xarray as xr

    ds = xr.open_dataset(draws)
    assert ds.sizes["sample"] == 3000 and ds.attrs["seed"] == "3" and "margin" in ds
    assert png.exists()


def test_sobol_n_is_checked_before_work(capsys):
    assert main(["sensitivity", *SMALL, "--sobol-n", "1e10"]) == 2
    assert "--sobol-n" in capsys.readouterr().err
