"""The valuation on the projection: FCF identities, the start fleet, EV linear in the multiple, analyses."""
from __future__ import annotations

import numpy as np
import pytest

from mc.errors import InputError
from mc.priors import load_priors
from mc.projection import load_projection_priors, project
from mc.scenarios import Scenario
from mc.valuation import load_valuation_priors, value
from mc.valuation.analysis import ValuationSetup, bridge_table, ev_stress, ev_tornado

YEARS = range(2025, 2031)


def test_fcf_without_tax_or_opex_is_the_projection_cash_flow(fixed_valuation):
    # uncertain base priors, shipped projection priors (with power); same seed, so the same draws in both
    base, proj = load_priors(), load_projection_priors()
    ds = value(base, proj, fixed_valuation(), YEARS, 2_000, seed=3)
    cash = project(base, proj, YEARS, 2_000, seed=3)["cash_flow_cny"].values
    np.testing.assert_allclose(ds["fcf_cny"].values, cash, rtol=1e-12, atol=1e-3)
    # depreciation added back and capex subtracted: FCF = EBIT - tax + depreciation - capex
    with_tax = value(base, proj, fixed_valuation(tax_rate=0.25, other_opex_share=0.1), YEARS, 2_000, seed=3)
    expected = with_tax["ebit_cny"] - with_tax["tax_cny"] + with_tax["depreciation_cny"] - with_tax["capex_cny"]
    np.testing.assert_allclose(with_tax["fcf_cny"].values, expected.values, rtol=1e-12)
    np.testing.assert_allclose(with_tax["tax_cny"].values, 0.25 * np.maximum(with_tax["ebit_cny"].values, 0))


def test_start_fleet_covering_year_one_means_no_capex_that_year(report_priors, fixed_projection, fixed_valuation):
    need = report_priors.model.point({n: float(a.distribution.params["value"])
                                      for n, a in report_priors.assumptions.items()})["gpus"]  # at 1e14/day
    ds = value(report_priors, fixed_projection(tokens_growth_multiple=1.5), fixed_valuation(start_fleet_gpus=need),
               YEARS, 4, seed=1)
    capex = ds["capex_cny"].values
    assert np.all(capex[:, 0] == 0)
    # year two needs 1.5x: only the growth is bought, at 15万元 a GPU
    np.testing.assert_allclose(capex[:, 1], 0.5 * need * 150_000, rtol=1e-12)
    # the start fleet (age 0, 6 years left) is depreciated at cost / 6 a year, and serves
    np.testing.assert_allclose(ds["depreciation_cny"].values[:, 0], need * 150_000 / 6, rtol=1e-12)
    np.testing.assert_allclose(ds["fleet_gpus"].values[:, 0], need, rtol=1e-12)
    # an empty start fleet buys the whole need in year one
    empty = value(report_priors, fixed_projection(), fixed_valuation(), YEARS, 4, seed=1)
    np.testing.assert_allclose(empty["capex_cny"].values[:, 0], need * 150_000, rtol=1e-12)


def test_start_fleet_beyond_the_horizon_is_refused_or_retired(report_priors, fixed_projection, fixed_valuation):
    with pytest.raises(InputError, match="start_fleet_gpus"):
        value(report_priors, fixed_projection(), fixed_valuation(start_fleet_gpus=1e9), YEARS, 4, seed=1)
    retired = value(report_priors, fixed_projection(), fixed_valuation(retire=True, start_fleet_gpus=1e9),
                    YEARS, 4, seed=1)
    assert np.all(retired["capex_cny"].values == 0)
    assert retired["fleet_gpus"].values[0, 0] == pytest.approx(retired["fleet_gpus"].values[0, 1], rel=1e-12)


def test_ev_linear_in_the_multiple_on_common_draws(fixed_valuation):
    base, proj = load_priors(), load_projection_priors()
    ev = [value(base, proj, fixed_valuation(ev_ebitda_multiple=m), YEARS, 1_000, seed=9, terminal="exit")["ev_cny"].values
          for m in (4.0, 8.0, 12.0)]
    np.testing.assert_allclose(ev[2] - ev[1], ev[1] - ev[0], rtol=1e-9, atol=1e-9 * np.abs(ev[1]).max())  # float rounding of sums of 1e10-CNY terms


def test_mid_year_ev_is_end_of_year_times_half_a_year_through_value(fixed_valuation):
    base, proj = load_priors(), load_projection_priors()
    mid, end = (value(base, proj, fixed_valuation(), YEARS, 500, seed=4, convention=c) for c in ("mid", "end"))
    np.testing.assert_allclose(mid["ev_gordon_cny"].values, end["ev_gordon_cny"].values * 1.1 ** 0.5, rtol=1e-12)
    assert mid.attrs["convention"].startswith("mid-year") and end.attrs["convention"].startswith("end-of-year")


@pytest.fixture(scope="module")
def shipped_setup():
    return ValuationSetup(load_priors(), load_projection_priors(), load_valuation_priors(), YEARS, seed=7)


def test_shipped_priors_give_finite_values_and_a_bridge(shipped_setup):
    ds = shipped_setup.run(3_000)
    for name in ("pv_explicit_cny", "pv_terminal_cny", "ev_cny", "ev_gordon_cny", "ev_exit_cny"):
        assert np.all(np.isfinite(ds[name].values)), name
    np.testing.assert_allclose(ds["ev_cny"], ds["pv_explicit_cny"] + ds["pv_terminal_cny"], rtol=1e-12)
    table = bridge_table(ds)
    assert list(table["step"].unique()) == ["pv_explicit_cny", "pv_terminal_cny", "ev_cny"]
    assert (table["mc_se"].dropna() >= 0).all()


def test_stress_of_an_unchanged_scenario_changes_nothing(shipped_setup):
    # a scenario that "replaces" price with the same assumption: common random numbers make every change exactly 0
    same = Scenario("same", "no change", "<test>", (shipped_setup.priors["price_cny_per_m_tokens"],),
                    {"price_cny_per_m_tokens": "test"})
    table = ev_stress(shipped_setup, [same], 1_000)
    assert set(table["scenario"]) == {"base", "same"}
    assert np.all(table[table["scenario"] == "same"]["change"] == 0)


def test_tornado_multiple_matters_only_for_the_exit_value(shipped_setup):
    gordon = ev_tornado(shipped_setup, 400).set_index("input")
    exit_ = ev_tornado(ValuationSetup(**{**shipped_setup.__dict__, "terminal": "exit"}), 400).set_index("input")
    for name in ("wacc", "terminal_growth", "ev_ebitda_multiple", "tokens_growth_multiple", "start_tokens_per_day"):
        assert name in gordon.index
    assert gordon.loc["ev_ebitda_multiple", "swing"] == 0  # same draws, multiple unused by the Gordon EV
    assert exit_.loc["terminal_growth", "swing"] == 0
    assert exit_.loc["ev_ebitda_multiple", "swing"] > 0
    assert "discount_rate" not in gordon.index  # the projection's rate is not the valuation's
