"""Figures that read at a glance: log axes for long tails, labels inside the frame, tornado rows,
fan-chart legends and axis limits, symlog ticks, and the CJK font search with its ASCII fallback."""
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager

from mc.plots import style
from mc.plots.distribution import distribution_figure, long_tailed
from mc.plots.fan import MIN_TICK_GAP, fan_chart, readable_limits
from mc.plots.tornado import tornado_figure


def _dataset(revenue, capex):
    revenue, capex = np.asarray(revenue, float), np.asarray(capex, float)
    return {"revenue_cny_per_year": revenue, "capex_cny_per_year": capex, "margin": 1 - capex / revenue}


@pytest.fixture(scope="module")
def draws():
    rng = np.random.default_rng(7)
    base = rng.lognormal(np.log(2e10), 0.4, 20_000)
    volume = rng.lognormal(0.0, 1.6, 20_000)  # a long right tail, as tokens/day drawn at a far date
    ratio = rng.lognormal(0.2, 0.5, 20_000)
    return base, volume, ratio


def test_long_tailed_is_true_only_for_positive_outputs_spanning_decades(draws):
    base, volume, _ = draws
    assert long_tailed(base * volume)          # p99.5 / p50 = exp(2.576 * 1.6) ~ 62 > 10
    assert not long_tailed(base)               # exp(2.576 * 0.4) ~ 2.8
    assert not long_tailed(base * volume - 3e10)  # negative values never get a log axis


def test_run_at_a_date_names_the_date_and_uses_log_axes_for_long_tails(draws):
    base, volume, ratio = draws
    data = _dataset(base * volume, base * volume * ratio)
    fig = distribution_figure(data, date="2025-12-31")
    assert "2025-12-31" in fig._suptitle.get_text()
    revenue_hist, revenue_cdf, capex_hist, _, margin_hist, _ = fig.axes
    assert revenue_hist.get_xscale() == revenue_cdf.get_xscale() == capex_hist.get_xscale() == "log"
    assert margin_hist.get_xscale() == "linear"  # volume cancels in the margin: no long tail
    plain = distribution_figure(_dataset(base, base * ratio))
    assert plain.axes[0].get_xscale() == "linear"


def test_cdf_percentile_labels_stay_inside_the_frame(draws):
    base, _, ratio = draws
    fig = distribution_figure(_dataset(base, base * ratio), ["margin"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    cdf = fig.axes[1]
    frame = cdf.get_window_extent(renderer)
    labels = [t for t in cdf.texts if t.get_text().startswith("p")]
    assert [t.get_text().split()[0] for t in labels] == ["p5", "p50", "p95"]
    for text in labels:
        box = text.get_window_extent(renderer)
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, text.get_text()


def test_tick_labels_are_plain_numbers_without_offset_text(draws):
    base, volume, ratio = draws
    fig = distribution_figure(_dataset(base * 1e3, base * 1e3 * ratio), ["capex_cny_per_year"])
    fig.canvas.draw()
    assert fig.axes[0].xaxis.get_offset_text().get_text() == ""
    assert all("e" not in t.get_text() for t in fig.axes[0].get_xticklabels())


def _tornado_table():
    rows = [("active_params", 1.4, 0.02, 0.5, -0.9), ("gpu_tflops", 1.1, 0.03, -1.3, -0.16),
            ("paid_share", 0.8, 0.02, -0.8, 0.05), ("tax_rate", 0.0, 0.02, -0.28, -0.28),
            ("start_fleet_gpus", 0.01, 0.02, -0.279, -0.289)]
    return pd.DataFrame([{"input": n, "unit": "dimensionless", "input_low": 1.0, "input_high": 2.0,
                          "output_at_low": lo, "output_at_high": hi, "base": -0.28, "swing": s, "mc_se": se}
                         for n, s, se, lo, hi in rows])


def test_tornado_hides_zero_and_noise_swings_and_labels_discrete_inputs():
    fig = tornado_figure(_tornado_table(), "margin", discrete=["gpu_tflops"])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    drawn = [label.split("\n")[0] for label in labels[1:]]
    assert drawn == ["paid_share", "gpu_tflops", "active_params"]  # bottom-up, largest swing on top
    grey = ax.get_yticklabels()[0]
    assert "no visible effect" in grey.get_text() and "tax_rate" in grey.get_text()
    assert "start_fleet_gpus" in grey.get_text() and grey.get_color() == "grey"
    assert "discrete" in next(label for label in labels if label.startswith("gpu_tflops"))
    assert len(ax.patches) == 2 * 3  # two bars per drawn input, none for the flat ones
    assert any("discrete" in t.get_text() for t in fig.legends[0].get_texts())


def test_tornado_reads_discrete_inputs_from_a_family_column():
    table = _tornado_table().assign(family=["normal", "choice", "beta", "uniform", "lognormal"])
    labels = [t.get_text() for t in tornado_figure(table, "margin").axes[0].get_yticklabels()]
    assert sum("discrete" in label for label in labels) == 1


def _fan_table():
    years, rows = range(2025, 2031), []
    for k, year in enumerate(years):
        quantiles = {"margin": (-0.3 - 3 * k, -0.8 - 0.2 * k, -0.3 - 0.1 * k, 0.1, 0.55),  # p5 to -1530%
                     "revenue_cny": (1e9 * (k + 1), 3e9 * (k + 1), 5e9 * (k + 1), 8e9 * (k + 1), 2e10 * (k + 1))}
        for output, values in quantiles.items():
            for stat, v in zip(("p5", "p25", "p50", "p75", "p95"), values):
                rows.append({"year": year, "output": output, "unit": "CNY/year", "statistic": stat, "value": v})
    for stat, v in (("p5", -2e12), ("p25", -4e11), ("p50", -1.5e11), ("p75", -5e10), ("p95", 8e10),
                    ("mean", -6e11), ("p_negative", 0.9)):
        rows.append({"year": np.nan, "output": "npv_cny", "unit": "CNY", "statistic": stat, "value": v})
    return pd.DataFrame(rows)


def test_fan_chart_has_one_legend_outside_the_panels_and_a_readable_margin_range():
    fig = fan_chart(_fan_table(), ["revenue_cny", "margin"], title="t")
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    assert all(legend.y0 >= ax.get_window_extent(renderer).y1 for ax in fig.axes if ax.get_visible())
    margin = fig.axes[1]
    low, high = margin.get_ylim()
    # the 50% band spans -180% .. 10% (width 190): the axis shows it plus one width below, not the p5 of -1530%
    assert low == pytest.approx(-370.0) and high == pytest.approx(55.0)
    assert "axis cut" in margin.get_title() and "-1,530" in margin.get_title()
    assert margin.yaxis.get_offset_text().get_text() == ""


def test_readable_limits_leave_a_narrow_or_degenerate_band_alone():
    q = pd.DataFrame({"p5": [0.0, 0.0], "p25": [0.0, 0.0], "p50": [0.0, 0.0], "p75": [0.0, 0.0],
                      "p95": [4.0, 33.0]})  # tax: zero in most paths
    assert readable_limits(q) is None
    q = pd.DataFrame({"p5": [1.0], "p25": [2.0], "p50": [3.0], "p75": [4.0], "p95": [5.0]})
    assert readable_limits(q) is None


def test_npv_box_symlog_ticks_do_not_crowd():
    fig = fan_chart(_fan_table(), ["revenue_cny"], title="t")
    ax = fig.axes[1]
    ticks = ax.get_xticks()
    transform = ax.xaxis.get_transform()
    low, high = ax.get_xlim()
    span = transform.transform(np.array([high]))[0] - transform.transform(np.array([low]))[0]
    gaps = np.diff(transform.transform(np.asarray(ticks)))
    assert len(ticks) >= 3 and np.all(gaps >= MIN_TICK_GAP * span - 1e-9)
    fig.canvas.draw()
    assert all("e" not in t.get_text() and "^" not in t.get_text() for t in ax.get_xticklabels())


@pytest.fixture
def fonts(monkeypatch):
    """Replace matplotlib's font list; clear the cached answer before and after."""
    def use(names, files=()):
        entries = [font_manager.FontEntry(fname=f"/x/{n}.otf", name=n) for n in names]
        monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
        monkeypatch.setattr(style, "_packaged_font_files", lambda: list(files))
        style.cjk_font.cache_clear()
        return style.cjk_font()
    yield use
    style.cjk_font.cache_clear()


@pytest.mark.parametrize("family", ["Noto Sans CJK JP", "Source Han Sans CN", "Noto Serif CJK KR",
                                    "Noto Sans SC", "Source Han Serif SC", "WenQuanYi Zen Hei"])
def test_any_installed_noto_or_source_han_cjk_family_is_found(fonts, family):
    assert fonts(["DejaVu Sans", family, "STIXGeneral"]) == family


def test_a_simplified_chinese_family_is_preferred(fonts):
    assert fonts(["Noto Sans CJK JP", "Noto Sans CJK SC"]) == "Noto Sans CJK SC"


def test_no_cjk_font_means_ascii_units(fonts):
    assert fonts(["DejaVu Sans", "Noto Sans", "Noto Sans Arabic"]) is None
    assert style.unit_label("亿元/yr") == "1e8 CNY/yr"
    assert style.unit_label("万 GPUs") == "1e4 GPUs"


def test_font_files_inside_pip_packages_are_found(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "fontpkg_noto_cjk").mkdir(parents=True)
    wanted = [site / "fontpkg_noto_cjk" / "NotoSansCJKsc-Regular.otf", site / "SourceHanSansCN-Regular.otf"]
    for path in wanted + [site / "fontpkg_noto_cjk" / "NotoSans-Regular.ttf"]:
        path.write_bytes(b"")
    (site / "numpy").mkdir()
    (site / "numpy" / "NotoSansCJKsc-Bold.otf").write_bytes(b"")  # not a font package: not walked
    monkeypatch.setattr("sys.path", [str(site)])
    assert style._packaged_font_files() == sorted(wanted)


def test_an_unreadable_packaged_font_file_is_skipped(fonts, tmp_path):
    broken = tmp_path / "NotoSansCJKsc-Regular.otf"
    broken.write_bytes(b"not a font")
    assert fonts(["DejaVu Sans"], files=[broken]) is None
