"""`mc run` end to end: tables in every format, JSON, overwrite rules, volume override."""
import json

import pandas as pd
import pytest

from mc.cli import main
from mc.stats import STATISTICS


def test_default_run_prints_a_readable_table(cli):
    res = cli("run", "--draws", "20000")
    assert res.returncode == 0, res.stderr
    assert "亿元/yr" in res.stdout and "P(margin < 0)" in res.stdout
    assert "revenue_cny_per_year" in res.stdout


@pytest.mark.parametrize("suffix", ["csv", "parquet", "xlsx", "md"])
def test_every_format_writes_the_long_table(tmp_path, suffix, capsys):
    out = tmp_path / f"table.{suffix}"
    assert main(["run", "--draws", "5000", "--out", str(out), "--quiet"]) == 0
    assert out.exists() and list(tmp_path.iterdir()) == [out]  # no temporary file left
    if suffix == "md":
        assert out.read_text().startswith("| output")
        return
    df = {"csv": pd.read_csv, "parquet": pd.read_parquet, "xlsx": pd.read_excel}[suffix](out)
    assert list(df.columns) == ["output", "unit", "statistic", "value", "mc_se"]
    assert set(df["statistic"]) == set(STATISTICS)
    revenue = df[(df.output == "revenue_cny_per_year") & (df.statistic == "p50")]["value"].iloc[0]
    assert 1e10 < revenue < 4e10  # base units (CNY), not 亿元


def test_existing_output_needs_force_and_is_untouched(tmp_path, capsys):
    out = tmp_path / "table.csv"
    out.write_text("precious\n")
    assert main(["run", "--draws", "1000", "--out", str(out)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert out.read_text() == "precious\n"
    assert main(["run", "--draws", "1000", "--out", str(out), "--force", "--quiet"]) == 0
    assert out.read_text().startswith("output,unit,statistic")


def test_output_folder_must_exist(tmp_path, capsys):
    assert main(["run", "--draws", "1000", "--out", str(tmp_path / "no" / "t.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unknown_suffix_is_refused(tmp_path, capsys):
    assert main(["run", "--draws", "1000", "--out", str(tmp_path / "t.txt")]) == 2
    assert "--format" in capsys.readouterr().err
    assert not (tmp_path / "t.txt").exists()


def test_json_table_and_provenance(capsys):
    assert main(["run", "--draws", "4000", "--seed", "5", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    meta = payload["meta"]
    assert meta["seed"] == 5 and meta["n_draws"] == 4000 and meta["method"] == "mc" and len(meta["priors_hash"]) == 64
    rows = {(r["output"], r["statistic"]): r for r in payload["rows"]}
    assert 0 <= rows[("margin", "p_negative")]["value"] <= 1
    assert rows[("margin", "p99")]["value"] <= 1
    assert rows[("gpus", "p5")]["value"] <= rows[("gpus", "p50")]["value"] <= rows[("gpus", "p95")]["value"]


def test_same_seed_same_json(capsys):
    outputs = []
    for workers in ("1", "2"):
        main(["run", "--draws", "70000", "--seed", "9", "--json", "--workers", workers, "--method", "lhs"])
        outputs.append(json.loads(capsys.readouterr().out)["rows"])
    assert outputs[0] == outputs[1]


def test_tokens_per_day_scales_revenue_not_margin(capsys):
    tables = []
    for volume in ("1e14", "1e15"):
        main(["run", "--draws", "3000", "--tokens-per-day", volume, "--json"])
        tables.append({(r["output"], r["statistic"]): r["value"] for r in json.loads(capsys.readouterr().out)["rows"]})
    small, big = tables
    assert big[("revenue_cny_per_year", "p50")] == pytest.approx(10 * small[("revenue_cny_per_year", "p50")])
    assert big[("margin", "p50")] == pytest.approx(small[("margin", "p50")])


@pytest.mark.parametrize("args", [["--draws", "0"], ["--tokens-per-day", "-5"], ["--method", "qmc"],
                                  ["--seed", "x"]])
def test_bad_options_exit_2_one_line(cli, args):
    res = cli("run", *args)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_report_priors_give_the_report_point(capsys):
    from mc.priors import PRIORS_DIR

    main(["run", str(PRIORS_DIR / "guosen_2024.toml"), "--draws", "100", "--json"])
    rows = {(r["output"], r["statistic"]): r["value"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows[("revenue_cny_per_year", "p1")] == pytest.approx(219e8)
    assert rows[("capex_cny_per_year", "p99")] == pytest.approx(214.443e8, rel=1e-5)
