"""The studies in analyses/: each writes exactly its declared files, refuses to clobber, and its numbers hold."""
import json
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYSES = ROOT / "analyses"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load(name: str):
    """Import analyses/<name>.py as a module (the folder is scripts, not a package)."""
    if str(ANALYSES) not in sys.path:
        sys.path.insert(0, str(ANALYSES))
    spec = importlib.util.spec_from_file_location(f"analyses_{name}", ANALYSES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_files(tables, figures) -> set[str]:
    return {f"{t}.{ext}" for t in tables for ext in ("csv", "xlsx")} | {f"{f}.png" for f in figures}


def run_study(name, tmp_path, *args):
    module = load(name)
    out = tmp_path / name
    assert module.run([str(out), "--quick", "--quiet", *args]) == 0
    return module, out


def check_outputs(out, tables, figures):
    names = {p.name for p in out.iterdir()}
    sidecars = {f"{t}.csv.meta.json" for t in tables}  # a run's provenance beside its CSV (tables from summarise)
    assert expected_files(tables, figures) <= names <= expected_files(tables, figures) | sidecars  # no temp files
    for sidecar in names & sidecars:
        assert json.loads((out / sidecar).read_text())["provenance"]["seed"]
    for f in figures:
        assert (out / f"{f}.png").read_bytes()[:8] == PNG_MAGIC
    for t in tables:
        sheets = pd.read_excel(out / f"{t}.xlsx", sheet_name=None)  # a report workbook keeps the table as "Data"
        csv, xlsx = pd.read_csv(out / f"{t}.csv"), sheets.get("Data", next(iter(sheets.values())))
        assert len(csv) > 0 and list(csv.columns) == list(xlsx.columns) and len(csv) == len(xlsx)


def test_reproduce_report_matches_every_printed_figure(tmp_path):
    module, out = run_study("reproduce_report", tmp_path)
    check_outputs(out, module.TABLES, module.FIGURES)
    comparison = pd.read_csv(out / "comparison.csv")
    assert len(comparison) == 12 and comparison["matches"].all()


def test_base_case_against_the_report(tmp_path):
    module, out = run_study("base_case", tmp_path, "--no-dates", "--draws", "4000")
    check_outputs(out, ("base_case", "base_case_vs_report"), ("base_case",))
    versus = pd.read_csv(out / "base_case_vs_report.csv").set_index("output")
    assert versus.loc["revenue_cny_per_year", "report"] == pytest.approx(219e8)
    assert versus.loc["margin", "report"] == pytest.approx(1 - 214.443009625762 / 219, rel=1e-9)
    assert (versus["p5"] < versus["p50"]).all() and (versus["p50"] < versus["p95"]).all()
    assert versus["share_below_report"].between(0, 1).all()


def test_stress_has_base_first_and_common_random_numbers(tmp_path):
    module, out = run_study("stress", tmp_path, "--draws", "3000", "--scenarios", "bf16", "price_war")
    check_outputs(out, module.TABLES, module.FIGURES)
    table = pd.read_csv(out / "stress.csv")
    assert list(dict.fromkeys(table["scenario"])) == ["base", "bf16", "price_war"]
    # bf16 halves GPU FLOPS only: with common random numbers revenue is unchanged draw for draw
    bf16_revenue = table[(table.scenario == "bf16") & (table.output == "revenue_cny_per_year")]
    np.testing.assert_allclose(bf16_revenue["change"], 0, atol=1e-6)


def test_sensitivity_tables_and_figures(tmp_path):
    module, out = run_study("sensitivity", tmp_path, "--draws", "2000", "--sobol-n", "64")
    check_outputs(out, module.TABLES, module.FIGURES)
    sobol = pd.read_csv(out / "sobol.csv")
    assert set(sobol["input"]) == set(pd.read_csv(out / "tornado.csv")["input"])
    assert (sobol["ST"] > -0.2).all()  # SALib estimates can dip below 0 by noise, not by much at N=64


def test_projection_tables_and_fan(tmp_path):
    module, out = run_study("projection", tmp_path, "--draws", "500", "--to", "2027")
    check_outputs(out, module.TABLES, module.FIGURES)
    years = pd.read_csv(out / "projection.csv")["year"].dropna().unique()
    assert sorted(years) == [2025, 2026, 2027]


def test_existing_files_are_refused_before_any_work(tmp_path, capsys):
    module = load("reproduce_report")
    out = tmp_path / "rep"
    out.mkdir()
    (out / "comparison.xlsx").write_bytes(b"precious")
    assert module.run([str(out), "--quiet"]) == 2
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["comparison.xlsx"]  # nothing written, nothing clobbered
    assert module.run([str(out), "--quiet", "--force"]) == 0
    assert (out / "comparison.xlsx").read_bytes()[:2] == b"PK"


def test_scripts_run_from_the_command_line(tmp_path):
    res = subprocess.run([sys.executable, str(ANALYSES / "reproduce_report.py"), str(tmp_path / "r")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "12 of 12 printed figures match" in res.stdout


@pytest.mark.slow
def test_growth_backtest_scores_the_held_out_announcement(tmp_path, monkeypatch):
    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path / "cache"))  # a real (small) fit, not an earlier run's cache
    module, out = run_study("growth_backtest", tmp_path)
    check_outputs(out, ("backtest_points", "backtest_scores"), 
                  ("backtest_doubao", "backtest_baidu_ernie_api_calls", "backtest_google_monthly_tokens"))  # china: 3 rows, no fold
    points = pd.read_csv(out / "backtest_points.csv")
    shipped = pd.read_csv(module.series_paths()["doubao"], comment="#")
    held = points[(points.series == "doubao") & (points.train_rows == 3)]
    assert list(held["date"]) == list(shipped["date"].iloc[3:])  # every row after the first three, once
    assert list(held["actual"]) == list(shipped["tokens_per_day"].iloc[3:])
    assert (points["p5"] < points["p50"]).all() and (points["p50"] < points["p95"]).all()
    scores = pd.read_csv(out / "backtest_scores.csv")
    assert set(scores.columns) >= {"crps_log10", "baseline_crps_log10"} and (scores["crps_log10"] >= 0).all()
    pooled = scores[scores.series == "pooled"].iloc[0]
    assert pooled["held_out"] == len(points) and pooled["coverage_90"] == points["covered_90"].mean()


@pytest.mark.slow
def test_base_case_at_a_date_draws_volume_from_the_growth_fit(tmp_path, monkeypatch):
    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path / "cache"))
    module, out = run_study("base_case", tmp_path, "--draws", "3000")
    check_outputs(out, ("base_case", "base_case_vs_report", "base_case_dates"), ("base_case", "base_case_dates"))
    dated = pd.read_csv(out / "base_case_dates.csv")
    assert list(dated["date"].unique()) == ["2025-12-31"]
    volume = dated[dated.output == "tokens_per_day"].set_index("statistic")["value"]
    assert volume["p5"] < volume["p95"]  # drawn, not fixed at 1e14
    # margin does not depend on volume, so the margin's distribution matches the base case's within MC error:
    # same seed and same draws for every other input, so the margins are identical draw for draw
    base = pd.read_csv(out / "base_case.csv")
    margin = lambda t: t[(t.output == "margin") & (t.statistic == "p50")]["value"].iloc[0]  # noqa: E731
    assert margin(dated) == pytest.approx(margin(base), rel=1e-9)
