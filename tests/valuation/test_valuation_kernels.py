"""Closed forms of the valuation kernels: Gordon growth, exit multiple, discounting conventions."""
from __future__ import annotations

import numpy as np
import pytest

from mc.valuation import discount_factors, enterprise_values, free_cash_flow, gordon_terminal_value

N_YEARS = 6


@pytest.mark.parametrize("growth", [0.0, 0.03, -0.01])
def test_gordon_on_a_flat_path_is_the_growing_perpetuity(growth):
    # FCF_k = C (1 + g)^k for ever: PV explicit + PV Gordon value = C / (r - g) exactly (end-of-year flows)
    r, c = np.array([0.08, 0.12]), 100.0
    fcf = c * (1 + growth) ** np.arange(N_YEARS) * np.ones((2, 1))
    ev = enterprise_values(fcf, fcf, r, np.full(2, growth), np.zeros(2), "end")
    np.testing.assert_allclose(ev["ev_gordon_cny"], c / (r - growth), rtol=1e-12)
    np.testing.assert_allclose(ev["tv_gordon_cny"], c * (1 + growth) ** N_YEARS / (r - growth), rtol=1e-12)


def test_exit_multiple_worked_by_hand():
    # FCF 10 then 20, last EBITDA 30, multiple 8, WACC 10%, end of year:
    # 10 / 1.1 + 20 / 1.21 + 8 * 30 / 1.21 = 9.090909... + 260 / 1.21 = 9.0909091 + 214.8760331 = 223.9669421
    ev = enterprise_values(np.array([[10.0, 20.0]]), np.array([[5.0, 30.0]]), np.array([0.1]), np.array([0.0]),
                           np.array([8.0]), "end")
    assert ev["tv_exit_cny"][0] == pytest.approx(240.0, rel=1e-15)
    assert ev["ev_exit_cny"][0] == pytest.approx(223.9669421, abs=1e-7)
    assert ev["pv_tv_exit_cny"][0] == pytest.approx(240 / 1.21, rel=1e-14)


def test_mid_year_is_end_of_year_times_half_a_year():
    rng = np.random.default_rng(5)
    fcf, ebitda = rng.normal(size=(50, N_YEARS)), rng.normal(size=(50, N_YEARS))
    r, g, m = rng.uniform(0.05, 0.2, 50), rng.uniform(-0.01, 0.04, 50), rng.uniform(5, 20, 50)
    mid, end = (enterprise_values(fcf, ebitda, r, g, m, c) for c in ("mid", "end"))
    half = (1 + r) ** 0.5
    np.testing.assert_allclose(discount_factors(r, N_YEARS, "mid"), discount_factors(r, N_YEARS, "end") * half[:, None],
                               rtol=1e-13)
    np.testing.assert_allclose(mid["pv_explicit_cny"], end["pv_explicit_cny"] * half, rtol=1e-12)
    # the Gordon value is a perpetuity of the same mid-year flows: the whole EV scales
    np.testing.assert_allclose(mid["ev_gordon_cny"], end["ev_gordon_cny"] * half, rtol=1e-12)
    # the exit multiple is a price at the end of the last year: not shifted
    np.testing.assert_allclose(mid["pv_tv_exit_cny"], end["pv_tv_exit_cny"], rtol=1e-15)


def test_ev_is_linear_in_the_multiple():
    rng = np.random.default_rng(2)
    fcf, ebitda = rng.normal(size=(20, N_YEARS)), rng.normal(size=(20, N_YEARS))
    r, g = np.full(20, 0.1), np.zeros(20)
    ev = [enterprise_values(fcf, ebitda, r, g, np.full(20, m), "mid")["ev_exit_cny"] for m in (0.0, 5.0, 10.0)]
    np.testing.assert_allclose(ev[2] - ev[1], ev[1] - ev[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ev[1] - ev[0], 5.0 * ebitda[:, -1] / 1.1 ** N_YEARS, rtol=1e-12)


def test_fcf_identity_and_tax_only_on_profit():
    revenue, power, opex = np.array([[100.0, 100.0]]), np.array([[10.0, 10.0]]), np.array([[5.0, 5.0]])
    depreciation, capex = np.array([[50.0, 120.0]]), np.array([[300.0, 0.0]])
    f = free_cash_flow(revenue, power, opex, depreciation, capex, np.array([0.25]))
    # year 0: EBIT 35, tax 8.75; year 1: EBIT -35, no tax
    np.testing.assert_allclose(f["tax_cny"], [[8.75, 0.0]])
    np.testing.assert_allclose(f["fcf_cny"], revenue - power - opex - f["tax_cny"] - capex, rtol=1e-15)
    np.testing.assert_allclose(f["fcf_cny"], f["nopat_cny"] + depreciation - capex, rtol=1e-15)


def test_gordon_kernel_refuses_wacc_at_or_below_growth():
    with pytest.raises(ValueError, match="WACC <= long-run growth"):
        gordon_terminal_value(np.ones(2), np.array([0.1, 0.03]), np.array([0.02, 0.03]))
