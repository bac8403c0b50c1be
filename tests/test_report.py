"""The report's table is the oracle: every printed figure, to its printed precision, through the model file."""
import json

import numpy as np
import pytest

from mc.priors import load_priors
from mc.report import point_values, printed_precision_match, report_priors_path, reproduce

GUOSEN = load_priors(report_priors_path())
PRINTED_AT_1E14 = {"tokens_per_s": "11.57", "required_eflops": "763.89", "gpus": "85.78",
                   "revenue_cny_per_day": "0.6", "revenue_cny_per_year": "219", "capex_cny_per_year": "214.44"}


def test_every_printed_figure_matches_to_its_precision():
    table = reproduce()
    assert len(table) == 12
    assert table["matches"].all(), table[~table["matches"]]


def test_the_report_file_lists_the_report_table_as_printed():
    table = reproduce()
    at_1e14 = table[table["at"] == "tokens_per_day=1e+14"].set_index("output")["printed"].to_dict()
    assert at_1e14 == PRINTED_AT_1E14


def test_precision_check_can_fail():
    # 219.4 亿 would not print as 214.44; a wrong figure must be caught
    assert not printed_precision_match(219.4, "214.44")
    assert printed_precision_match(214.443, "214.44")
    assert not printed_precision_match(214.446, "214.44")


def test_a_wrong_model_fails_the_check(tmp_path):
    # the same priors against a model whose capex forgets the utilisation: figures must not match
    text = (report_priors_path().parent.parent / "models" / "guosen_2024.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad_model.toml"
    bad.write_text(text.replace("(gpu_tflops * utilization)", "gpu_tflops"), encoding="utf-8")
    priors_text = report_priors_path().read_text(encoding="utf-8").replace(
        'model = "guosen_2024"', f'model = "{bad.as_posix()}"')
    priors = tmp_path / "report.toml"
    priors.write_text(priors_text, encoding="utf-8")
    table = reproduce(priors)
    assert not table.set_index(["output", "at"]).loc[("gpus", "tokens_per_day=1e+14"), "matches"]
    assert table.set_index(["output", "at"]).loc[("revenue_cny_per_year", "tokens_per_day=1e+14"), "matches"]


def test_margin_is_implicit_two_percent_and_volume_free():
    values = point_values(GUOSEN)
    expected = (219 - 214.443009625) / 219
    margins = [GUOSEN.model.point({**values, "tokens_per_day": v})["margin"] for v in (1e14, 1e15)]
    assert margins == pytest.approx([expected, expected], rel=1e-9)


def test_point_values_come_from_the_report_file():
    values = point_values(GUOSEN)
    assert values["active_params"] == 1.1e11 and values["gpu_tflops"] == 1979
    assert values["paid_share"] == 0.40 and values["depreciation_years"] == 6


def test_cli_json_rows_in_base_units(cli):
    res = cli("reproduce", "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["rows"]
    by = {(r["output"], r["at"]): r for r in rows}
    assert by[("revenue_cny_per_year", "tokens_per_day=1e+14")]["mc_base"] == pytest.approx(219e8, rel=1e-12)
    assert by[("capex_cny_per_year", "tokens_per_day=1e+15")]["mc_base"] == pytest.approx(2144.43e8, abs=0.005e8)
    assert all(r["matches"] for r in rows)


def test_cli_screen_shows_report_side_by_side(cli):
    res = cli("reproduce")
    assert res.returncode == 0
    assert "12 of 12 printed figures match" in res.stdout
    for printed in PRINTED_AT_1E14.values():
        assert printed in res.stdout


def test_model_file_matches_hand_arithmetic():
    out = GUOSEN.model.point({"tokens_per_day": 1e14, "active_params": 1.1e11, "peak_to_avg": 3.0,
                              "gpu_tflops": 1979.0, "utilization": 0.45, "price_cny_per_m_tokens": 1.5,
                              "paid_share": 0.4, "gpu_price_cny": 15e4, "depreciation_years": 6.0})
    tokens_per_s = 1e14 / 86400
    flops = 2 * 1.1e11 * tokens_per_s * 3
    gpus = flops / (1979e12 * 0.45)
    assert out["gpus"] == pytest.approx(gpus, rel=1e-12)
    assert out["capex_cny_per_year"] == pytest.approx(gpus * 15e4 / 6, rel=1e-12)
    assert np.isclose(out["revenue_cny_per_day"], 1e14 / 1e6 * 1.5 * 0.4)
