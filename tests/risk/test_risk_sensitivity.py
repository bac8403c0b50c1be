"""Sobol indices against analytic values, rank correlations of a log-linear model, tornado ordering."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mc.results import simulate
from mc.sensitivity import rank_correlations, sensitivity_table, sobol_analysis, sobol_indices, tornado

from risk_helpers import toy_priors


def ishigami(u, a=7.0, b=0.1):
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices_match_analytic_values():
    result = sobol_analysis(ishigami, ["x1", "x2", "x3"], n_base=8192, seed=3)
    t = result.table.set_index("input")
    # Saltelli/Jansen estimators at N = 8192 have bootstrap 95% half-widths of 0.01-0.03 here,
    # i.e. standard errors <= 0.015; 0.05 is more than 3 of them.
    for name, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        assert t.loc[name, "S1"] == pytest.approx(s1, abs=0.05)
        assert t.loc[name, "ST"] == pytest.approx(st, abs=0.05)
        assert 0 < t.loc[name, "S1_conf"] < 0.05


def test_linear_model_indices_are_variance_shares():
    c, sd = np.array([1.0, 2.0, 0.5]), np.array([1.0, 1.0, 2.0])

    def linear(u):
        return (stats.norm.ppf(u) * sd) @ c

    share = (c * sd) ** 2 / np.sum((c * sd) ** 2)  # S_i = ST_i = c_i^2 var_i / sum = 1/6, 2/3, 1/6
    result = sobol_analysis(linear, ["a", "b", "c"], n_base=8192, seed=5)
    # additive model: first-order and total indices coincide; same 0.05 tolerance as Ishigami
    np.testing.assert_allclose(result.table["S1"], share, atol=0.05)
    np.testing.assert_allclose(result.table["ST"], share, atol=0.05)


def test_linear_model_unequal_shares_are_ranked():
    c = np.array([3.0, 1.0, 0.2])

    def linear(u):
        return stats.norm.ppf(u) @ c

    share = c**2 / np.sum(c**2)  # 0.9, 0.1, 0.004
    result = sobol_analysis(linear, ["a", "b", "c"], n_base=4096, seed=7)
    np.testing.assert_allclose(result.table["ST"], share, atol=0.05)
    assert list(result.table.sort_values("ST", ascending=False)["input"]) == ["a", "b", "c"]


def test_rank_correlations_of_log_linear_revenue():
    # log revenue = log T + log price + const with both lognormal: the logs are bivariate normal with the
    # output, Pearson r_i = sigma_i / sqrt(sum sigma^2), Spearman = 6/pi asin(r/2) (invariant to exp).
    priors = toy_priors({"tokens_per_day": {"family": "lognormal", "median": 1e14, "sigma": 0.6},
                         "price_cny_per_m_tokens": {"family": "lognormal", "median": 1.5, "sigma": 0.3}})
    n = 100_000
    results = simulate(priors, n, seed=11)
    rho = rank_correlations(results, priors, ["revenue_cny_per_year"]).set_index("input")["spearman"]
    r = np.array([0.6, 0.3]) / np.hypot(0.6, 0.3)
    expected = 6 / np.pi * np.arcsin(r / 2)
    # Spearman s.e. <= sqrt(1.06/n) = 0.0033 at n = 1e5; 0.015 is > 4 s.e.
    np.testing.assert_allclose(rho[["tokens_per_day", "price_cny_per_m_tokens"]], expected, atol=0.015)


def test_sobol_indices_of_revenue_from_priors_exclude_fixed_inputs():
    priors = toy_priors({"price_cny_per_m_tokens": {"family": "lognormal", "median": 1.5, "sigma": 0.6},
                         "paid_share": {"family": "uniform", "low": 0.39, "high": 0.41}})
    result = sobol_indices(priors, "revenue_cny_per_year", n_base=2048, seed=1)
    assert list(result.table["input"]) == ["price_cny_per_m_tokens", "paid_share"]
    assert result.index("price_cny_per_m_tokens", "ST") > 0.95  # paid share's spread is tiny next to price's
    assert result.index("paid_share", "ST") < 0.05


def test_tornado_orders_by_swing_and_matches_closed_form():
    # Revenue = k * price * paid with independent inputs: fixing price at x gives median revenue
    # k * x * median(paid draws), so swing_price = k (p90 - p10 of price) * median(paid), and vice versa.
    priors = toy_priors({"price_cny_per_m_tokens": {"family": "uniform", "low": 0.5, "high": 2.5},
                         "paid_share": {"family": "uniform", "low": 0.35, "high": 0.45},
                         "gpu_price_cny": {"family": "uniform", "low": 1e5, "high": 2e5}})
    table = tornado(priors, "revenue_cny_per_year", n_draws=40_000, seed=2)
    assert list(table["input"]) == ["price_cny_per_m_tokens", "paid_share", "gpu_price_cny"]
    k = 1e14 / 1e6 * 365
    price_swing = k * (2.3 - 0.7) * 0.40  # p10, p90 of U(0.5, 2.5); median paid share 0.40
    # the median of 40k draws of U(0.35,0.45) has s.e. 0.1 * 0.5 / sqrt(4e4) = 2.5e-4, i.e. 0.06% relative
    assert table.loc[0, "swing"] == pytest.approx(price_swing, rel=0.003)
    assert table.loc[2, "swing"] == 0.0  # capex does not enter revenue
    assert np.all(np.diff(table["swing"]) <= 0)


def test_sensitivity_table_is_tidy():
    priors = toy_priors({"price_cny_per_m_tokens": {"family": "uniform", "low": 0.5, "high": 2.5},
                         "utilization": {"family": "uniform", "low": 0.3, "high": 0.6}})
    results = simulate(priors, 5_000, seed=1)
    table = sensitivity_table(rank_correlations(results, priors), tornado(priors, n_draws=5_000, seed=1),
                              sobol_indices(priors, n_base=256, seed=1), "margin")
    assert list(table.columns) == ["input", "unit", "output", "measure", "value", "conf"]
    assert set(table["measure"]) == {"spearman", "tornado_input_low", "tornado_input_high", "median_at_low",
                                     "median_at_high", "swing", "S1", "ST"}
    assert set(table["input"]) == {"price_cny_per_m_tokens", "utilization"}


def test_tornado_reads_the_base_median_from_a_run_at_hand():
    priors = toy_priors({"price_cny_per_m_tokens": {"family": "uniform", "low": 0.5, "high": 2.5},
                         "paid_share": {"family": "uniform", "low": 0.35, "high": 0.45}})
    results = simulate(priors, 20_000, seed=3)
    reused = tornado(priors, "margin", n_draws=20_000, seed=3, results=results)
    pd.testing.assert_frame_equal(reused, tornado(priors, "margin", n_draws=20_000, seed=3))
    with pytest.raises(ValueError, match="not the tornado's run"):
        tornado(priors, "margin", n_draws=20_000, seed=4, results=results)
