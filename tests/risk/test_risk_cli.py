"""The risk commands end to end (in-process): tables written, screens, JSON, errors."""
import json

import pandas as pd
import pytest
from PIL import Image

from mc.scenarios import STRESS_COLUMNS


def test_stress_writes_table_and_screen(run_mc, tmp_path):
    out = tmp_path / "stress.csv"
    code, stdout, stderr = run_mc("stress", "price_war", "bf16", "--draws", "4000", "--out", out)
    assert code == 0, stderr
    table = pd.read_csv(out)
    assert list(table.columns) == STRESS_COLUMNS
    assert list(table["scenario"].unique()) == ["base", "price_war", "bf16"]
    assert "P(margin<0)" in stdout and "price_war" in stdout and "亿元/yr" in stdout
    code, _, stderr = run_mc("stress", "price_war", "--draws", "4000", "--out", out)
    assert code == 2 and "--force" in stderr  # never clobbers


def test_stress_tokens_per_day_scales_levels(run_mc):
    """Common random numbers: at 10x the (fixed) volume every draw's revenue, GPUs and capex are exactly
    10x, and its margin unchanged, so each statistic scales by 10 up to rounding (rel 1e-12), in every
    scenario. A window would hide a scenario drawn with other random numbers."""
    tables = {}
    for volume in ("1e14", "1e15"):
        code, stdout, stderr = run_mc("stress", "bf16", "--draws", "2000", "--tokens-per-day", volume, "--json")
        assert code == 0, stderr
        rows = pd.DataFrame(json.loads(stdout)["rows"])
        tables[volume] = rows.set_index(["scenario", "output", "statistic"])[["value", "mc_se"]]
    small, big = tables["1e14"], tables["1e15"]
    assert list(big.index) == list(small.index) and set(small.index.get_level_values(0)) == {"base", "bf16"}
    for output in ("revenue_cny_per_year", "gpus", "capex_cny_per_year"):
        for key in [k for k in small.index if k[1] == output and k[2] != "p_negative"]:
            assert big.loc[key, "value"] == pytest.approx(10 * small.loc[key, "value"], rel=1e-12), key
            assert big.loc[key, "mc_se"] == pytest.approx(10 * small.loc[key, "mc_se"], rel=1e-12), key
    margin = [k for k in small.index if k[1] == "margin"]
    assert big.loc[margin, "value"].to_numpy() == pytest.approx(small.loc[margin, "value"].to_numpy(), rel=1e-12)
    # and the level itself: the report's 2190亿 at 1000万亿 tokens/day sits inside the base distribution
    assert big.loc[("base", "revenue_cny_per_year", "p5"), "value"] < 2190e8 < big.loc[
        ("base", "revenue_cny_per_year", "p95"), "value"]


def test_sensitivity_plot_and_table(run_mc, tmp_path):
    png, out = tmp_path / "tornado.png", tmp_path / "sens.csv"
    code, stdout, stderr = run_mc("sensitivity", "--draws", "4000", "--sobol-n", "256", "--plot", png, "--out", out)
    assert code == 0, stderr
    table = pd.read_csv(out)
    assert {"S1", "ST", "swing", "spearman"} <= set(table["measure"])
    assert "tokens_per_day" not in set(table["input"])  # fixed inputs are excluded
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size[0] > 500
    assert "tornado" in stdout and "S1" in stdout


def test_sensitivity_plot_refuses_overwrite_before_work(run_mc, tmp_path):
    png = tmp_path / "tornado.png"
    png.write_bytes(b"keep")
    code, _, stderr = run_mc("sensitivity", "--draws", "1000", "--no-sobol", "--plot", png)
    assert code == 2 and png.read_bytes() == b"keep"


def test_tails_json(run_mc):
    code, stdout, _ = run_mc("tails", "--draws", "5000", "--tail", "0.1", "--json")
    assert code == 0
    payload = json.loads(stdout)
    assert payload["drivers"][0]["ks_statistic"] >= payload["drivers"][-1]["ks_statistic"]
    assert {r["output"] for r in payload["cvar"]} == {"margin", "revenue_cny_per_year", "capex_cny_per_year"}


def test_tails_rejects_bad_tail(run_mc):
    with pytest.raises(SystemExit) as err:
        run_mc("tails", "--tail", "1.5")
    assert err.value.code == 2


def test_goalseek_cli(run_mc, tmp_path):
    out = tmp_path / "gs.csv"
    code, stdout, stderr = run_mc("goalseek", "--assumption", "price_cny_per_m_tokens", "--output", "margin",
                                  "--statistic", "p_negative", "--target", "0.05", "--draws", "20000", "--out", out)
    assert code == 0, stderr
    row = pd.read_csv(out).iloc[0]
    assert row.assumption == "price_cny_per_m_tokens" and row.achieved == pytest.approx(0.05, abs=1e-3)
    assert row.value > 1.5  # a 5% loss chance needs a price well above the report's
    assert "batch-means" in stdout


def test_goalseek_target_is_in_the_unit_the_screen_shows(run_mc, tmp_path):
    # the screen shows the margin in %: --target 10 means a 10% median margin, the same as the API's 0.1
    from mc.goalseek import goal_seek
    from mc.priors import load_priors

    out = tmp_path / "gs.csv"
    code, stdout, stderr = run_mc("goalseek", "--assumption", "price_cny_per_m_tokens", "--target", "10",
                                  "--draws", "20000", "--out", out)
    assert code == 0, stderr
    row = pd.read_csv(out).iloc[0]
    api = goal_seek(load_priors(), "price_cny_per_m_tokens", "margin", "p50", 0.10, n_draws=20000, seed=20241218)
    assert row.target == pytest.approx(0.10) and row.value == pytest.approx(api.value, rel=1e-9)
    assert "= 10 %" in stdout


def test_goalseek_unbracketed_is_one_line(run_mc):
    code, stdout, stderr = run_mc("goalseek", "priors/guosen_2024.toml", "--assumption", "price_cny_per_m_tokens",
                                  "--lo", "2", "--hi", "3", "--draws", "100")
    assert code == 2 and len(stderr.strip().splitlines()) == 1 and "--lo and --hi" in stderr


def test_breakeven_cli(run_mc):
    code, stdout, _ = run_mc("breakeven", "--json")
    rows = {r["input"]: r for r in json.loads(stdout)["rows"]}
    assert code == 0
    assert rows["price_cny_per_m_tokens"]["breakeven_value"] == pytest.approx(1.4688, abs=1e-4)
    assert rows["tokens_per_day"]["breakeven_value"] is None  # cancels
    code, stdout, _ = run_mc("breakeven")
    assert "cancels" in stdout and "2.081 %" in stdout
