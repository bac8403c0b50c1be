"""project() end to end: the report's steady state, vintages, price erosion, power, NPV, reproducibility."""
import math
import sys
import types

import numpy as np
import pytest

from mc.priors import load_priors
from mc.projection import (growth_volume_paths, load_projection_priors, path_rank_correlation, project,
                           summarise_projection)
from mc.report import at_volumes as reproduce

REPORT_CAPEX_YI_AT_1E14 = 214.44  # the report's printed GPU capex per year at 100万亿 tokens/day (DESIGN.md)

YEARS = range(2025, 2031)


def test_flat_volume_depreciation_equals_report_capex(report_priors, fixed_projection):
    ds = project(report_priors, fixed_projection(), YEARS, 4, seed=1)
    report_capex = reproduce(report_priors).loc[0, "capex_cny_per_year"]  # at 1e14 tokens/day
    np.testing.assert_allclose(ds["depreciation_cny"].values, report_capex, rtol=1e-12)
    assert round(float(ds["depreciation_cny"][0, -1]) / 1e8, 2) == REPORT_CAPEX_YI_AT_1E14
    # the whole fleet is bought in the start year (empty fleet before), nothing until it retires after 6 years
    np.testing.assert_allclose(ds["capex_cny"][0].values, [report_capex * 6, 0, 0, 0, 0, 0], rtol=1e-12)
    np.testing.assert_allclose(ds["fleet_gpus"].values, reproduce(report_priors).loc[0, "gpus"], rtol=1e-12)
    # revenue and margin are the report's one-year values in every year
    np.testing.assert_allclose(ds["revenue_cny"].values, reproduce(report_priors).loc[0, "revenue_cny_per_year"])
    np.testing.assert_allclose(ds["margin"].values, reproduce(report_priors).loc[0, "margin"], rtol=1e-12)


def test_falling_volume_buys_nothing(report_priors, fixed_projection):
    # volume falls 20% a year; with 6-year lives nothing retires within 2025-2030
    ds = project(report_priors, fixed_projection(tokens_growth_multiple=0.8), YEARS, 2, seed=1)
    bought = ds["gpus_purchased"].values
    assert np.all(bought[:, 0] > 0)
    assert np.all(bought[:, 1:] == 0)
    np.testing.assert_allclose(ds["fleet_gpus"].values, np.broadcast_to(bought[:, :1], bought.shape))  # the first fleet stays in service


def test_flops_per_cny_improvement_lowers_later_vintage_cost(report_priors, fixed_projection):
    # volume paths 1, 2, ..., 6 x 1e14 given directly: every year needs the same capacity increment
    g = 0.25
    paths = np.tile(1e14 * np.arange(1, 7), (3, 1))
    ds = project(report_priors, fixed_projection(flops_per_cny_improvement=g), YEARS, 3, seed=1, volume_paths=paths)
    capex = ds["capex_cny"].values[0]
    # same capacity bought every year; a year-k GPU has (1+g)^k the FLOPS at the same price
    np.testing.assert_allclose(capex / capex[0], (1 + g) ** -np.arange(6), rtol=1e-12)


def test_price_erosion_compounds_yearly(report_priors, fixed_projection):
    ds = project(report_priors, fixed_projection(price_change_per_year=-0.2), YEARS, 2, seed=1)
    np.testing.assert_allclose(ds["price_cny_per_m_tokens"].values[0], 1.5 * 0.8 ** np.arange(6), rtol=1e-12)
    np.testing.assert_allclose(ds["revenue_cny"].values[0] / ds["revenue_cny"].values[0, 0], 0.8 ** np.arange(6))


def test_power_and_npv_closed_form(report_priors, fixed_projection):
    proj = fixed_projection(gpu_power_w=1000.0, pue=1.3, electricity_cny_per_kwh=0.7, discount_rate=0.1)
    ds = project(report_priors, proj, YEARS, 2, seed=1)
    row = reproduce(report_priors).loc[0]
    power = row["gpus"] * 1.0 * 1.3 * 8760 * 0.7  # kW * PUE * h * CNY/kWh
    np.testing.assert_allclose(ds["power_cny"].values, power, rtol=1e-12)
    np.testing.assert_allclose(ds["margin_after_power"].values, 1 - (row["capex_cny_per_year"] + power)
                               / row["revenue_cny_per_year"], rtol=1e-12)
    cash = row["revenue_cny_per_year"] - power - np.array([row["capex_cny_per_year"] * 6, 0, 0, 0, 0, 0])
    npv = sum(c / 1.1**k for k, c in enumerate(cash))
    np.testing.assert_allclose(ds["npv_cny"].values, npv, rtol=1e-12)


def test_no_power_block_means_no_power_outputs(report_priors, fixed_projection):
    ds = project(report_priors, fixed_projection(), YEARS, 2, seed=1)
    assert "power_cny" not in ds and "margin_after_power" not in ds
    np.testing.assert_allclose(ds["cash_flow_cny"].values, ds["revenue_cny"].values - ds["capex_cny"].values)


@pytest.fixture(scope="module")
def base_run():
    return project(load_priors(), load_projection_priors(), YEARS, 20_000, seed=7)


def test_same_seed_same_numbers(base_run):
    again = project(load_priors(), load_projection_priors(), YEARS, 20_000, seed=7)
    for name in ("revenue_cny", "capex_cny", "npv_cny"):
        np.testing.assert_array_equal(base_run[name].values, again[name].values)
    other = project(load_priors(), load_projection_priors(), YEARS, 20_000, seed=8)
    assert not np.array_equal(base_run["npv_cny"].values, other["npv_cny"].values)


def test_start_volume_mean_matches_the_lognormal(base_run):
    a = load_projection_priors()["start_tokens_per_day"].distribution
    median, sigma = a.params["median"], a.params["sigma"]
    mean = median * math.exp(sigma**2 / 2)
    sd = mean * math.sqrt(math.exp(sigma**2) - 1)
    drawn = base_run["tokens_per_day"].sel(year=2025).values
    # the sample mean of 20,000 iid draws has s.e. sd / sqrt(n); 4 s.e. fails by chance with p ~ 6e-5
    assert abs(drawn.mean() - mean) < 4 * sd / math.sqrt(drawn.size)


def test_dataset_shape_and_identities(base_run):
    assert base_run["revenue_cny"].dims == ("sample", "year")
    assert list(base_run["year"].values) == list(YEARS)
    assert base_run["npv_cny"].dims == ("sample",)
    # economic inputs are held across years: revenue / (tokens * price) is constant along each path
    ratio = base_run["revenue_cny"] / (base_run["tokens_per_day"] * base_run["price_cny_per_m_tokens"])
    np.testing.assert_allclose(ratio.values, np.broadcast_to(ratio.values[:, :1], ratio.shape), rtol=1e-10)
    # the fleet in service always covers the need: capacity never falls short, and purchases are non-negative
    assert np.all(base_run["gpus_purchased"].values >= 0)


def test_summary_table_columns_and_npv_row(base_run):
    table = summarise_projection(base_run)
    assert list(table.columns) == ["year", "output", "unit", "statistic", "value", "mc_se"]
    npv = table[table["output"] == "npv_cny"]
    assert npv["year"].isna().all() and len(npv) > 0
    med = table[(table.output == "revenue_cny") & (table.year == 2027) & (table.statistic == "p50")]
    assert med["value"].iloc[0] == pytest.approx(np.median(base_run["revenue_cny"].sel(year=2027).values))
    assert set(table["year"].dropna()) == set(YEARS)


def test_given_paths_must_match_the_shape(report_priors, fixed_projection):
    from mc.errors import InputError

    with pytest.raises(InputError, match="shape"):
        project(report_priors, fixed_projection(), YEARS, 3, volume_paths=np.ones((3, 2)))


def test_growth_paths_keep_one_posterior_draw_per_path(monkeypatch):
    # A stand-in growth module whose draw i at any date is posterior draw i: volume_i * 2^(years since 2025).
    base = np.random.default_rng(0).lognormal(30, 1, 500)

    def predictive_paths(targets, *, data_path=None, curve=None):
        return np.column_stack([base * 2.0 ** (t.year - 2025) for t in targets])

    monkeypatch.setitem(sys.modules, "mc.growth", types.SimpleNamespace(predictive_paths=predictive_paths))
    paths, rank_corr = growth_volume_paths(YEARS, 1000, seed=3)
    assert paths.shape == (1000, 6)
    np.testing.assert_allclose(paths[:, 1:] / paths[:, :-1], 2.0)  # coherent: each path is one posterior draw
    assert rank_corr == pytest.approx(1.0)
    shuffled = np.column_stack([np.random.default_rng(k).permutation(paths[:, 0]) for k in range(3)])
    assert path_rank_correlation(shuffled) < 0.2  # misaligned draws show up in the diagnostic


@pytest.mark.slow
def test_growth_fit_paths_when_available(monkeypatch, tmp_path):
    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path))  # a real fit, not one cached by an earlier run
    # years after the data (it ends mid-2026): a year the announcements pin down (2025) is rightly
    # uncorrelated with the forecast years, so the coherence check needs forecast years only
    paths, rank_corr = growth_volume_paths(range(2027, 2030), 200, seed=1, curve="gompertz")
    assert paths.shape == (200, 3) and np.all(paths > 0)
    assert rank_corr > 0.5  # the function returns draws in one posterior order at every date
