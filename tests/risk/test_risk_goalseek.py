"""Goal seek against known roots, closed-form breakeven against evaluate()."""
import math

import numpy as np
import pytest

from mc.errors import InputError
from mc.goalseek import breakeven, goal_seek, point_output, point_values
from mc.priors import PRIORS_DIR, load_priors

from risk_helpers import toy_priors

GUOSEN = load_priors(PRIORS_DIR / "guosen_2024.toml")
evaluate = GUOSEN.model.evaluate
# The report's closed form: capex / revenue is a product of powers of the inputs (tokens per day cancels);
# the exponent of each input, +1 raising cost, -1 raising revenue or capacity
COST_RATIO_EXPONENTS = {"active_params": 1, "peak_to_avg": 1, "gpu_price_cny": 1, "gpu_tflops": -1,
                        "utilization": -1, "depreciation_years": -1, "price_cny_per_m_tokens": -1, "paid_share": -1}


def cost_to_revenue_ratio(p):
    cost = 2 * p["active_params"] * p["peak_to_avg"] * p["gpu_price_cny"]
    income = (86400 * 365 * 1e12 / 1e6 * p["gpu_tflops"] * p["utilization"] * p["depreciation_years"]
              * p["price_cny_per_m_tokens"] * p["paid_share"])
    return cost / income


def point_margin(priors):
    return point_output(priors, "margin")


def test_root_finding_breakeven_equals_the_closed_form():
    point = point_values(GUOSEN)
    ratio = cost_to_revenue_ratio(point)
    table = breakeven(GUOSEN).set_index("input")
    for name, e in COST_RATIO_EXPONENTS.items():
        assert table.loc[name, "breakeven_value"] == pytest.approx(point[name] * ratio ** (-1 / e), rel=1e-9)
        assert table.loc[name, "above_target_when"] == ("below breakeven" if e == 1 else "above breakeven")


def test_breakeven_zeroes_the_margin_of_evaluate():
    table = breakeven(GUOSEN).set_index("input")
    point = point_values(GUOSEN)
    for name, row in table.iterrows():
        if name == "tokens_per_day":
            assert math.isnan(row.breakeven_value)
            continue
        margin = evaluate({**point, name: row.breakeven_value})["margin"]
        assert margin == pytest.approx(0.0, abs=1e-12)


def test_breakeven_matches_report_numbers():
    # report: revenue 219亿, capex 214.44亿 per year at 1e14 tokens/day -> margin 2.08%, and the breakeven
    # price is 1.5 * 214.44 / 219 = 1.4688 元 per million tokens
    assert cost_to_revenue_ratio(point_values(GUOSEN)) == pytest.approx(214.44 / 219, rel=1e-4)
    assert point_margin(GUOSEN) == pytest.approx(1 - 214.44 / 219, abs=1e-4)
    price = breakeven(GUOSEN).set_index("input").loc["price_cny_per_m_tokens", "breakeven_value"]
    assert price == pytest.approx(1.5 * 214.44 / 219, rel=1e-4)


def test_tokens_per_day_cancels():
    point = point_values(GUOSEN)
    margins = [evaluate({**point, "tokens_per_day": t})["margin"] for t in (1e13, 1e14, 1e15)]
    np.testing.assert_allclose(margins, margins[0], rtol=1e-12)


def test_breakeven_flags_infeasible_values():
    pessimistic = toy_priors({"price_cny_per_m_tokens": {"family": "fixed", "value": 0.3}})
    table = breakeven(pessimistic).set_index("input")
    # the closed-form breakevens lie above 1, outside the shares' domain (0, 1]: no root there
    assert cost_to_revenue_ratio(point_values(pessimistic)) > 1
    for share in ("paid_share", "utilization"):
        assert np.isnan(table.loc[share, "breakeven_value"]) and not table.loc[share, "feasible"]
        assert "never reached" in table.loc[share, "above_target_when"]
    assert table.loc["price_cny_per_m_tokens", "feasible"]


def test_goal_seek_with_everything_fixed_recovers_closed_form():
    expected = breakeven(GUOSEN).set_index("input").loc["price_cny_per_m_tokens", "breakeven_value"]
    r = goal_seek(GUOSEN, "price_cny_per_m_tokens", "margin", "p50", 0.0, n_draws=1000, seed=0)
    assert r.value == pytest.approx(expected, rel=1e-8)
    assert r.mc_se == 0.0  # no uncertainty: every batch finds the same root


def test_goal_seek_median_with_uncertain_paid_share():
    # margin is increasing in paid share, so the median margin is the margin at the sample median of
    # paid share m: the root is price_be(0.40) * 0.40 / m. For U(0.2, 0.6) the sample median has
    # s.e. 0.5 / sqrt(n) * 0.4 = 6.3e-4 at n = 1e5 (0.16% relative); 4 s.e. = 0.65%.
    n = 100_000
    priors = toy_priors({"paid_share": {"family": "uniform", "low": 0.2, "high": 0.6}})
    r = goal_seek(priors, "price_cny_per_m_tokens", "margin", "p50", 0.0, n_draws=n, seed=5)
    price_be = 1.5 * cost_to_revenue_ratio(point_values(GUOSEN))
    assert r.value == pytest.approx(price_be, rel=0.0065)
    analytic_se = price_be * (0.2 / math.sqrt(n)) / 0.4
    assert analytic_se / 3 < r.mc_se < analytic_se * 3  # batch means with 10 batches: +-25% or so
    assert r.achieved == pytest.approx(0.0, abs=1e-9)


def test_goal_seek_probability_of_loss():
    # margin < 0 iff price * paid < C = price_be * 0.40; with paid ~ U(0.2, 0.6),
    # P(loss) = (C / price - 0.2) / 0.4 = 5%  =>  price = C / 0.22.
    # s.e. of P at n = 1e5 is 6.9e-4; d price / dP = 0.4 price^2 / C = 4.9, so s.e. of the root ~ 3.4e-3;
    # 4 s.e. = 0.0135 (0.5% of 2.67).
    priors = toy_priors({"paid_share": {"family": "uniform", "low": 0.2, "high": 0.6}})
    r = goal_seek(priors, "price_cny_per_m_tokens", "margin", "p_negative", 0.05, n_draws=100_000, seed=8)
    c = 1.5 * cost_to_revenue_ratio(point_values(GUOSEN)) * 0.40
    assert r.value == pytest.approx(c / 0.22, abs=0.0135)


def test_goal_seek_scale_mode_on_fixed_input_equals_fix_mode():
    a = goal_seek(GUOSEN, "utilization", "margin", "p50", 0.0, n_draws=500, mode="fix")
    b = goal_seek(GUOSEN, "utilization", "margin", "p50", 0.0, n_draws=500, mode="scale")
    assert a.value == pytest.approx(b.value, rel=1e-8)


def test_goal_seek_errors():
    with pytest.raises(InputError, match="not between"):
        goal_seek(GUOSEN, "price_cny_per_m_tokens", "margin", "p50", 0.0, lo=2.0, hi=3.0, n_draws=100)
    with pytest.raises(InputError, match="unknown statistic"):
        goal_seek(GUOSEN, "price_cny_per_m_tokens", "margin", "p42x", 0.0, n_draws=100)
    with pytest.raises(InputError, match="unknown assumption"):
        goal_seek(GUOSEN, "price", "margin", "p50", 0.0, n_draws=100)
    with pytest.raises(InputError, match="outside"):
        goal_seek(GUOSEN, "paid_share", "margin", "p50", 0.0, lo=0.1, hi=1.5, n_draws=100)
