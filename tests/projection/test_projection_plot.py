"""The fan chart draws each output's median and bands from the percentile table."""
import numpy as np
import pytest

from mc.display import DISPLAY_UNITS
from mc.plots.fan import DEFAULT_OUTPUTS, fan_chart, save_figure
from mc.priors import load_priors
from mc.projection import load_projection_priors, project, summarise_projection


@pytest.fixture(scope="module")
def table():
    return summarise_projection(project(load_priors(), load_projection_priors(), range(2025, 2029), 2000, seed=2))


def test_one_panel_per_output_plus_npv(table):
    fig = fan_chart(table, title="test")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(DEFAULT_OUTPUTS) + 1
    assert "NPV" in visible[-1].get_title()


def test_median_line_is_p50_in_display_units(table):
    fig = fan_chart(table, outputs=["revenue_cny"], title="test")
    line = fig.axes[0].lines[0]
    rows = table[(table.output == "revenue_cny") & (table.statistic == "p50")]
    np.testing.assert_allclose(line.get_ydata(), rows["value"].to_numpy(float) / DISPLAY_UNITS["revenue_cny"][0])
    np.testing.assert_allclose(line.get_xdata(), [2025, 2026, 2027, 2028])
    assert "1e8 CNY" in fig.axes[0].get_ylabel() or "亿元" in fig.axes[0].get_ylabel()


def test_save_refuses_to_overwrite(table, tmp_path):
    path = tmp_path / "fan.png"
    save_figure(fan_chart(table, outputs=["margin"], title="t"), path)
    from mc.errors import InputError

    with pytest.raises(InputError, match="--force"):
        save_figure(fan_chart(table, outputs=["margin"], title="t"), path)
    assert path.read_bytes()[:4] == b"\x89PNG"
