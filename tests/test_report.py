"""The report's table is the oracle: every printed figure, to its printed precision."""
import json

import numpy as np
import pytest

from mc.economics import evaluate
from mc.priors import load_priors
from mc.report import REPORT_PRINTED, comparison, point_values, printed_precision_match, report_priors_path, \
    reproduce


def test_every_printed_figure_matches_to_its_precision():
    cmp = comparison(reproduce())
    assert len(cmp.dropna(subset=["matches"])) == 12
    assert cmp["matches"].dropna().astype(bool).all(), cmp[cmp["matches"] == False]  # noqa: E712


def test_precision_check_can_fail():
    # 219.4 亿 would not print as 219.44; a wrong figure must be caught
    assert not printed_precision_match("capex_cny_per_year", 219.4e8, "214.44")
    assert printed_precision_match("capex_cny_per_year", 214.443e8, "214.44")


def test_margin_is_implicit_two_percent_and_volume_free():
    table = reproduce()
    expected = (219 - 214.443009625) / 219
    assert table["margin"].to_numpy() == pytest.approx([expected, expected], rel=1e-9)


def test_point_values_come_from_the_report_file():
    values = point_values(load_priors(report_priors_path()))
    assert values["active_params"] == 1.1e11 and values["gpu_tflops"] == 1979
    assert values["paid_share"] == 0.40 and values["depreciation_years"] == 6


def test_cli_json_rows_in_base_units(cli):
    res = cli("reproduce", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["rows"]
    assert [r["tokens_per_day"] for r in rows] == [1e14, 1e15]
    assert set(rows[0]) == {"tokens_per_day", "tokens_per_s", "required_eflops", "gpus", "revenue_cny_per_day",
                            "revenue_cny_per_year", "capex_cny_per_year", "margin"}
    assert rows[0]["revenue_cny_per_year"] == pytest.approx(219e8)
    assert rows[1]["capex_cny_per_year"] == pytest.approx(2144.43e8, abs=0.005e8)


def test_cli_screen_shows_report_side_by_side(cli):
    res = cli("reproduce")
    assert res.returncode == 0
    assert "12 of 12 printed figures match" in res.stdout
    for printed in REPORT_PRINTED[1e14].values():
        assert printed in res.stdout


def test_evaluate_matches_hand_arithmetic():
    out = evaluate({"tokens_per_day": 1e14, "active_params": 1.1e11, "peak_to_avg": 3.0, "gpu_tflops": 1979.0,
                    "utilization": 0.45, "price_cny_per_m_tokens": 1.5, "paid_share": 0.4,
                    "gpu_price_cny": 15e4, "depreciation_years": 6.0})
    tokens_per_s = 1e14 / 86400
    flops = 2 * 1.1e11 * tokens_per_s * 3
    gpus = flops / (1979e12 * 0.45)
    assert out["gpus"] == pytest.approx(gpus, rel=1e-12)
    assert out["capex_cny_per_year"] == pytest.approx(gpus * 15e4 / 6, rel=1e-12)
    assert np.isclose(out["revenue_cny_per_day"], 1e14 / 1e6 * 1.5 * 0.4)
