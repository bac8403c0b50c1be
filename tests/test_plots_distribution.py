"""Distribution figures: markers at the right percentiles, units, atomic PNGs, `mc run --plot`."""
import numpy as np
import pandas as pd
import pytest

from mc.cli import main
from mc.plots.distribution import (distribution_figure, interval_figure, plot_distribution, plot_outputs,
                                   run_title, unit_label)
from mc.priors import load_priors
from mc.results import simulate, summarise

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results():
    return simulate(load_priors(), 20_000, seed=11, keep_inputs=False)


def _vertical_lines(ax):
    return [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1]


def test_percentile_markers_sit_at_the_sample_percentiles_in_display_units(results):
    fig = distribution_figure(results, ["revenue_cny_per_year", "margin"])
    hist_revenue, hist_margin = fig.axes[0], fig.axes[2]
    expected_revenue = np.quantile(results["revenue_cny_per_year"].values, [0.05, 0.5, 0.95]) / 1e8  # 亿元
    expected_margin = np.quantile(results["margin"].values, [0.05, 0.5, 0.95]) * 100  # percent
    for ax, expected in ((hist_revenue, expected_revenue), (hist_margin, expected_margin)):
        xs = [line.get_xdata()[0] for line in _vertical_lines(ax) if line.get_label().startswith("p")]
        np.testing.assert_allclose(xs, expected, rtol=1e-12)
    assert "(%)" in hist_margin.get_xlabel()


def test_cdf_is_monotone_from_zero_to_one(results):
    fig = distribution_figure(results, ["capex_cny_per_year"])
    cdf = fig.axes[1].get_lines()[0]
    x, y = cdf.get_xdata(), cdf.get_ydata()
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) > 0)
    assert y[0] == 0 and y[-1] > 0.99
    # the CDF at the plotted median is one half (within one plotted step)
    assert abs(np.interp(np.median(results["capex_cny_per_year"].values) / 1e8, x, y) - 0.5) < 0.01


def test_reference_line_reports_the_share_of_draws_below_it(results):
    fig = distribution_figure(results, ["margin"], reference={"margin": 0.02})
    label = next(line.get_label() for line in fig.axes[0].get_lines() if line.get_label().startswith("report"))
    share = np.mean(results["margin"].values < 0.02)
    assert f"P below = {share:.2f}" in label


def test_title_says_what_and_as_of_when(results):
    title = run_title(results.attrs, as_of="2024-12-18", volume="at 1e14 tokens/day")
    assert "base.toml" in title and "as of 2024-12-18" in title and "20,000 draws" in title and "seed 11" in title
    with_inputs = simulate(load_priors(), 2_000, seed=11)  # the volume is an input: the title reads it
    fig = distribution_figure(with_inputs, ["margin"], as_of="2024-12-18")
    assert "Margin" in fig._suptitle.get_text() and "at 1e14 tokens/day" in fig._suptitle.get_text()


def test_units_fall_back_to_base_units_without_a_cjk_font():
    assert unit_label("亿元/yr", cjk=False) == "1e8 CNY/yr"
    assert unit_label("万 GPUs", cjk=False) == "1e4 GPUs"
    assert unit_label("万亿 tokens/day", cjk=False) == "1e12 tokens/day"
    assert unit_label("亿元/yr", cjk=True) == "亿元/yr"


def test_png_is_written_atomically_and_never_clobbered(results, tmp_path):
    path = tmp_path / "margin.png"
    plot_distribution(results, "margin", path)
    assert path.read_bytes()[:8] == PNG_MAGIC and list(tmp_path.iterdir()) == [path]
    path.write_bytes(b"precious")
    with pytest.raises(Exception, match="--force"):
        plot_outputs(results, path)
    assert path.read_bytes() == b"precious"
    plot_outputs(results, path, force=True)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_unknown_output_is_named(results):
    with pytest.raises(KeyError, match="no_such_output"):
        distribution_figure(results, ["no_such_output"])


def test_interval_figure_puts_each_median_where_the_table_says(results):
    table = pd.concat([summarise(results, ["margin"]).assign(case="a"),
                       summarise(results, ["margin"]).assign(case="b").replace({"value": {}})])
    table.loc[table["case"] == "b", "value"] *= 0.5
    fig = interval_figure(table, "margin", "case")
    medians = fig.axes[0].get_lines()[0].get_xdata()
    p50 = table[table.statistic == "p50"].set_index("case")["value"] * 100
    np.testing.assert_allclose(medians, [p50["a"], p50["b"]])


def test_cli_run_plot_writes_a_png_and_checks_the_path_first(tmp_path, capsys):
    png = tmp_path / "run.png"
    assert main(["run", "--draws", "3000", "--plot", str(png), "--quiet"]) == 0
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert main(["run", "--draws", "3000", "--plot", str(png), "--quiet"]) == 2  # exists, no --force
    assert main(["run", "--draws", "3000", "--plot", str(tmp_path / "run.jpg"), "--quiet"]) == 2
    assert "PNG" in capsys.readouterr().err
    assert not (tmp_path / "run.jpg").exists()


def test_interval_figure_log_axis_only_for_positive_outputs(results):
    revenue = summarise(results, ["revenue_cny_per_year", "margin"]).assign(case="a")
    assert interval_figure(revenue, "revenue_cny_per_year", "case", log=True).axes[0].get_xscale() == "log"
    assert interval_figure(revenue, "margin", "case", log=True).axes[0].get_xscale() == "linear"  # has negatives
