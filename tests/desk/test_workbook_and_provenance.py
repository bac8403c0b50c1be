"""The analyst's desk: the XLSX report, provenance in every format, raw draws, overrides, percentiles, aggregates."""
import json

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy import stats

from mc.cli import main
from mc.priors import load_priors

DRAWS = ["--draws", "4000", "--seed", "7"]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    out, draws = folder / "run.xlsx", folder / "draws.parquet"
    assert main(["run", *DRAWS, "--out", str(out), "--draws-out", str(draws), "--quiet"]) == 0
    return openpyxl.load_workbook(out), pd.read_parquet(draws), pq.read_schema(draws).metadata


def test_workbook_sheets_header_and_formats(workbook):
    book, _, _ = workbook
    assert book.sheetnames == ["Summary", "Inputs", "Provenance", "Data"]
    summary = book["Summary"]
    assert summary.freeze_panes == "C2"  # header row and the output/unit columns stay in view
    header = [c.value for c in summary[1]]
    assert header[:4] == ["output", "unit", "p1", "p1 s.e."]  # the s.e. beside each value
    margin = next(r for r in summary.iter_rows(min_row=2) if r[0].value == "margin")
    assert margin[1].value == "%"
    assert all(c.number_format != "General" for c in margin[2:])
    assert book["Inputs"].freeze_panes == "A2" and book["Data"].freeze_panes == "A2"
    assert summary.column_dimensions["A"].width >= len("revenue_cny_per_year")


def test_summary_values_are_the_long_sheet_in_display_units(workbook):
    book, _, _ = workbook
    value = _sheet(book["Data"]).set_index(["output", "statistic"])["value"]
    summary = _sheet(book["Summary"]).set_index("output")
    factors = {"margin": 100.0, "revenue_cny_per_year": 1e-8, "gpus": 1e-4}  # %, 亿元, 万 GPUs
    for output, factor in factors.items():
        for stat in ("p5", "p50", "mean"):
            assert summary.loc[output, stat] == pytest.approx(value[output, stat] * factor, rel=1e-12)
    assert summary.loc["margin", "p_negative"] == pytest.approx(value["margin", "p_negative"], rel=1e-12)


def _sheet(ws) -> pd.DataFrame:
    rows = list(ws.values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_inputs_sheet_lists_each_assumption_with_its_percentiles(workbook):
    book, _, _ = workbook
    rows = {r[0]: r for r in book["Inputs"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in book["Inputs"][1]]
    assert header[:6] == ["input", "family", "parameters", "p5", "p50", "p95"]
    paid = rows["paid_share"]
    assert paid[1] == "beta" and paid[6] == "%"
    a = load_priors()["paid_share"].distribution.params
    assert paid[3] == pytest.approx(100 * stats.beta.ppf(0.05, a["alpha"], a["beta"]), rel=1e-9)  # scipy oracle
    assert "SOURCES.md" in paid[8]


def test_provenance_sheet_and_parquet_metadata_agree(workbook):
    book, _, meta = workbook
    fields = {key: value for _, key, value in book["Provenance"].iter_rows(min_row=2, values_only=True)}
    for key in ("command", "seed", "n_draws", "method", "priors_origin", "priors_hash", "model", "model_hash",
                "volume", "mc_version", "created_utc"):
        assert fields[key], key
    assert fields["seed"] == "7" and fields["n_draws"] == "4000" and fields["command"].startswith("mc run")
    assert meta[b"mc.priors_hash"].decode() == fields["priors_hash"]


def test_draws_file_holds_every_input_and_output(workbook):
    _, draws, _ = workbook
    model = load_priors().model
    assert len(draws) == 4000 and set(draws.columns) == set(model.inputs) | set(model.outputs)
    # the model's margin, per draw, is 1 - capex / revenue (DESIGN.md); exact up to rounding
    np.testing.assert_allclose(draws["margin"], 1 - draws["capex_cny_per_year"] / draws["revenue_cny_per_year"],
                               rtol=1e-12)


def test_csv_sidecar_markdown_header_and_json_meta(tmp_path, capsys):
    csv, md = tmp_path / "t.csv", tmp_path / "t.md"
    assert main(["run", *DRAWS, "--out", str(csv), "--quiet"]) == 0
    assert list(pd.read_csv(csv).columns) == ["output", "unit", "statistic", "value", "mc_se"]  # no options needed
    side = json.loads((tmp_path / "t.csv.meta.json").read_text())
    assert side["file"] == "t.csv" and side["provenance"]["seed"] == "7"
    assert main(["run", *DRAWS, "--out", str(md), "--quiet"]) == 0
    text = md.read_text()
    assert text.startswith("# mc run") and "| priors hash (sha256) |" in text
    assert main(["run", *DRAWS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["meta"]["command"].startswith("mc run")


def test_set_fixes_an_input_and_reparameterises_another(tmp_path):
    out, draws = tmp_path / "o.xlsx", tmp_path / "d.parquet"
    assert main(["run", *DRAWS, "--set", "gpu_price_cny=2e5", "--set", "paid_share.p95=0.5", "--out", str(out),
                 "--draws-out", str(draws), "--quiet"]) == 0
    x = pd.read_parquet(draws)
    assert (x["gpu_price_cny"] == 2e5).all()
    rows = {r[0]: r for r in openpyxl.load_workbook(out)["Inputs"].iter_rows(min_row=2, values_only=True)}
    assert rows["paid_share"][5] == pytest.approx(50.0, rel=1e-6)  # the new p95, in %
    p5 = load_priors()["paid_share"].elicited["p5"]
    assert rows["paid_share"][3] == pytest.approx(100 * p5, rel=1e-6)  # p5 kept from priors/base.toml
    fields = {k: v for _, k, v in openpyxl.load_workbook(out)["Provenance"].iter_rows(min_row=2, values_only=True)}
    assert fields["overrides"] == "gpu_price_cny=2e5; paid_share.p95=0.5"


def test_percentiles_choose_the_statistics(capsys):
    assert main(["run", *DRAWS, "--percentiles", "2.5,50,97.5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["statistic"] for r in rows} == {"p2.5", "p50", "p97.5", "mean", "sd", "p_negative", "aggregate"}


@pytest.mark.parametrize("argv, words", [
    (["--set", "paid_share=1.5"], "outside"),
    (["--set", "nonsense=1"], "no input"),
    (["--set", "paid_share.p50=0.3"], "elicited"),
    (["--set", "paid_share.gamma=2"], "no parameter"),
    (["--set", "paid_share"], "NAME=VALUE"),
    (["--percentiles", "0,50"], "between 0 and 100"),
    (["--percentiles", "50,x"], "not a number"),
    (["--draws-out", "d.csv"], ".parquet or .nc"),
    (["--draws-out", "d.parquet", "--draws-out-limit", "0.01"], "--draws-out-limit"),
])
def test_bad_options_one_line_exit_2_no_file(tmp_path, monkeypatch, assert_refused, argv, words):
    monkeypatch.chdir(tmp_path)
    assert_refused(["run", *DRAWS, "--out", "t.csv", *argv], tmp_path, words)


def test_aggregate_is_the_ratio_of_means_of_the_draws(tmp_path, capsys):
    # models/guosen_2024.toml declares margin's aggregate_of = [profit, revenue]
    draws = tmp_path / "d.parquet"
    assert main(["run", *DRAWS, "--json", "--draws-out", str(draws)]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    agg = next(r for r in rows if r["output"] == "margin" and r["statistic"] == "aggregate")
    x = pd.read_parquet(draws)
    ratio = x["profit_cny_per_year"].mean() / x["revenue_cny_per_year"].mean()
    assert agg["value"] == pytest.approx(ratio, rel=1e-12)
    # the s.e. is the correlation-free bound (se_P + |R| se_V) / E[V] from the means' own errors, the same
    # in memory and streamed; it is at least the delta method's sd(P - R V) / (sqrt(n) E[V])
    n, profit, revenue = len(x), x["profit_cny_per_year"], x["revenue_cny_per_year"]
    bound = (profit.std() + abs(ratio) * revenue.std()) / np.sqrt(n) / revenue.mean()
    assert agg["mc_se"] == pytest.approx(bound, rel=1e-9)
    delta = (profit - ratio * revenue).std() / np.sqrt(n) / revenue.mean()
    assert agg["mc_se"] >= delta
    assert main(["run", *DRAWS]) == 0
    assert "aggregate margin E[profit_cny_per_year]/E[revenue_cny_per_year] =" in capsys.readouterr().out


def test_no_abbreviations(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--dat", "2025-01-01"])
    assert exc.value.code == 2 and "unrecognized arguments: --dat" in capsys.readouterr().err


def test_summarise_carries_the_runs_provenance_in_attrs():
    import mc

    priors = mc.load_priors()
    table = mc.summarise(mc.simulate(priors, 2000, seed=7))
    assert table.attrs["seed"] == 7 and table.attrs["n_draws"] == 2000 and table.attrs["method"] == "mc"
    assert table.attrs["priors_hash"] == priors.hash and table.attrs["model_hash"] == priors.model.hash
    assert table.attrs["model"] == "guosen_2024" and table.attrs["mc_version"] == mc.__version__
