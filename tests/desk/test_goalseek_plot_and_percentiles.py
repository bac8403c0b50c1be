"""goalseek --plot, --percentiles on sensitivity / tails / goalseek, and the value tornado's discrete inputs."""
import json

import numpy as np
import pandas as pd
import pytest

from mc.cli import main
from mc.priors import load_priors

SMALL = ["--draws", "4000", "--seed", "11"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def saved_figures(monkeypatch):
    """Every Figure the plot modules save, kept for inspection (the PNG is still written)."""
    import mc.plots.goalseek
    import mc.plots.tornado

    figures = []
    for module in (mc.plots.goalseek, mc.plots.tornado):
        original = module.save_png

        def keep(fig, path, *, _original=original, **kwargs):
            figures.append(fig)
            return _original(fig, path, **kwargs)
        monkeypatch.setattr(module, "save_png", keep)
    return figures


def test_goalseek_plot_shows_the_curve_the_target_and_the_cdf(tmp_path, saved_figures):
    png = tmp_path / "g.png"
    assert main(["goalseek", "--assumption", "price_cny_per_m_tokens", *SMALL, "--plot", str(png), "--quiet"]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC
    (fig,) = saved_figures
    assert fig._suptitle.get_text().startswith("Goal seek: p50 of margin = 0.00 % at price_cny_per_m_tokens = ")
    curve, cdf = fig.axes
    assert curve.get_ylabel() == "p50 of margin (%)" and curve.get_xlabel().startswith("price_cny_per_m_tokens (")
    assert cdf.get_ylabel() == "cumulative probability" and cdf.get_xlabel().startswith("margin (%)")
    # the curve crosses the target (0 %) at the solution marked on it
    x, y = curve.lines[0].get_data()
    assert y.min() < 0 < y.max()
    solved_x, solved_y = curve.lines[-1].get_data()
    assert solved_y[0] == 0.0 and x.min() < solved_x[0] < x.max()
    # the CDF at the solution passes through (0 %, 0.5): the median is the target
    values, prob = cdf.lines[0].get_data()
    assert np.interp(0.5, prob, values) == pytest.approx(0.0, abs=0.5)  # within a draw's spacing near the median


def test_goalseek_percentiles_are_the_outputs_at_the_solution(tmp_path):
    out = tmp_path / "g.csv"
    assert main(["goalseek", "--assumption", "price_cny_per_m_tokens", *SMALL, "--percentiles", "5,50,95",
                 "--out", str(out), "--quiet"]) == 0
    row = pd.read_csv(out).iloc[0]
    # p50 was solved to 0 (brentq, rtol 1e-9), so the median at the solution is the target
    assert row["margin_p50"] == pytest.approx(0.0, abs=1e-6)
    assert row["margin_p5"] < row["margin_p50"] < row["margin_p95"]


def test_sensitivity_percentiles_set_the_tornado_ends(capsys):
    assert main(["sensitivity", *SMALL, "--no-sobol", "--percentiles", "5,95", "--json"]) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out)["rows"])
    priors = load_priors()
    for measure, p in (("tornado_input_low", 0.05), ("tornado_input_high", 0.95)):
        got = rows[(rows.measure == measure) & (rows.input == "paid_share")]["value"].iloc[0]
        assert got == pytest.approx(float(priors["paid_share"].distribution.ppf(np.array([p]))[0]), rel=1e-12)


def test_tails_percentiles_over_all_draws_and_the_tail(tmp_path):
    out, draws = tmp_path / "t.csv", tmp_path / "d.parquet"
    assert main(["tails", *SMALL, "--percentiles", "5,95", "--out", str(out), "--draws-out", str(draws),
                 "--quiet"]) == 0
    table, x = pd.read_csv(out).set_index("input"), pd.read_parquet(draws)
    worst = x["margin"].to_numpy() <= np.sort(x["margin"].to_numpy())[int(np.ceil(0.1 * len(x))) - 1]
    share = x["paid_share"].to_numpy()
    assert table.loc["paid_share", "p5_all"] == pytest.approx(np.percentile(share, 5), rel=1e-12)
    assert table.loc["paid_share", "p95_tail"] == pytest.approx(np.percentile(share[worst], 95), rel=1e-12)


@pytest.mark.parametrize("command, percentiles, words", [
    (["goalseek", "--assumption", "paid_share"], "0,50", "between 0 and 100"),
    (["tails"], "50,x", "not a number"),
    (["sensitivity", "--no-sobol"], "5,50,95", "two percentiles"),
])
def test_bad_percentiles_one_line_exit_2_no_file(tmp_path, monkeypatch, assert_refused, command, percentiles, words):
    monkeypatch.chdir(tmp_path)
    assert_refused([*command, *SMALL, "--percentiles", percentiles, "--out", "t.csv"], tmp_path, words)


def test_value_tornado_marks_discrete_inputs(tmp_path, saved_figures):
    png = tmp_path / "v.png"
    assert main(["value", "--to", "2026", "--draws", "500", "--analysis-draws", "500", "--seed", "3",
                 "--tornado-plot", str(png), "--quiet"]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC
    (fig,) = saved_figures
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # priors/base.toml draws gpu_tflops from a choice of two values
    assert any(t.startswith("gpu_tflops\ndiscrete: ") for t in labels)
    assert not any("discrete" in t for t in labels if t.startswith("paid_share"))
