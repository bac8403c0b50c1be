"""Tail drivers and conditional tail expectation against closed forms."""
import numpy as np
import pytest
from scipy import stats

from mc.errors import InputError
from mc.results import simulate
from mc.tails import bad_side, conditional_tail_expectation, tail_drivers, tail_expectations, tail_mask

from risk_helpers import toy_priors


def test_tail_mask_size_and_side():
    x = np.arange(100.0)
    assert tail_mask(x, 0.1, "low").nonzero()[0].tolist() == list(range(10))
    assert tail_mask(x, 0.05, "high").nonzero()[0].tolist() == list(range(95, 100))
    model = toy_priors({}).model  # the report's model file declares capex's bad tail as its high end
    assert bad_side("capex_cny_per_year", model) == "high" and bad_side("margin", model) == "low"


def test_cvar_of_standard_normal():
    # E[X | X < z_0.1] = -phi(z) / 0.1 = -1.7550 for a standard normal
    x = np.random.default_rng(1).standard_normal(400_000)
    t = conditional_tail_expectation(x, 0.1, "low")
    expected = -stats.norm.pdf(stats.norm.ppf(0.1)) / 0.1
    assert t.cvar == pytest.approx(expected, abs=4 * t.mc_se)
    assert t.var == pytest.approx(stats.norm.ppf(0.1), abs=0.01)
    # asymptotic s.e.: sqrt((var_tail + 0.9 (cvar - VaR)^2) / (0.1 n)); var_tail of the normal's lower 10%
    var_tail = stats.truncnorm(-np.inf, stats.norm.ppf(0.1)).var()
    se = np.sqrt((var_tail + 0.9 * (expected - stats.norm.ppf(0.1)) ** 2) / (0.1 * x.size))
    assert t.mc_se == pytest.approx(se, rel=0.05)


def test_cvar_upper_tail_of_uniform():
    x = np.random.default_rng(2).random(100_000)
    t = conditional_tail_expectation(x, 0.2, "high")
    assert t.cvar == pytest.approx(0.9, abs=4 * t.mc_se)  # mean of U(0.8, 1)


def test_tail_drivers_rank_the_wide_input_first_and_ignore_volume():
    # margin depends on price and paid share (relative spreads 1.33 vs 0.25) but not on tokens per day
    priors = toy_priors({"price_cny_per_m_tokens": {"family": "uniform", "low": 0.5, "high": 2.5},
                         "paid_share": {"family": "uniform", "low": 0.35, "high": 0.45},
                         "tokens_per_day": {"family": "lognormal", "median": 1e14, "sigma": 0.5}})
    n = 50_000
    results = simulate(priors, n, seed=3)
    table = tail_drivers(results, priors, "margin", tail=0.1)
    assert list(table["input"]) == ["price_cny_per_m_tokens", "paid_share", "tokens_per_day"]
    row = table.set_index("input")
    assert row.loc["price_cny_per_m_tokens", "median_shift"] < 0
    # volume is independent of the margin: its tail is a random subset; KS p-value is uniform, so
    # > 1e-3 fails with probability 1e-3 (fixed seed: deterministic)
    assert row.loc["tokens_per_day", "ks_pvalue"] > 1e-3
    assert row.loc["price_cny_per_m_tokens", "ks_pvalue"] < 1e-10


def test_tail_expectations_table():
    priors = toy_priors({"price_cny_per_m_tokens": {"family": "uniform", "low": 0.5, "high": 2.5}})
    results = simulate(priors, 20_000, seed=1)
    table = tail_expectations(results, ("margin", "revenue_cny_per_year", "capex_cny_per_year"), tail=0.1,
                              model=priors.model)
    assert table.set_index("output").loc["capex_cny_per_year", "side"] == "high"
    assert list(table.columns) == ["output", "unit", "tail", "side", "var", "cvar", "mc_se"]
    revenue = table.set_index("output").loc["revenue_cny_per_year"]
    # revenue is linear in price ~ U(0.5, 2.5): lower-10% CVaR at price 0.6
    k = 1e14 / 1e6 * 365 * 0.40
    assert revenue.cvar == pytest.approx(k * 0.6, abs=4 * revenue.mc_se)


@pytest.mark.parametrize("tail", [0.0, 1.0, -0.1, float("nan")])
def test_tail_outside_the_open_unit_interval_is_an_input_error(tail):
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        tail_mask(np.arange(10.0), tail)
