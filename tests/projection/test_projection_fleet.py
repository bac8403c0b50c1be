"""The vintage kernels against schedules computed by hand and closed forms."""
import numpy as np
import pytest

from mc.projection import (depreciation_by_year, depreciation_fraction, net_present_value, power_cost_cny,
                           prior_volume_paths, vintage_fleet)
from mc.projection.fleet import in_service


@pytest.mark.parametrize("d", [1.0, 2.5, 4.0, 5.5, 6.0, 6.9])
def test_depreciation_fractions_sum_to_one_over_ceil_d_years(d):
    ages = np.arange(10)
    fractions = depreciation_fraction(ages, d)
    assert fractions.sum() == pytest.approx(1.0, rel=1e-12)
    assert in_service(ages, d).sum() == np.ceil(d)
    assert np.all(fractions[: int(np.floor(d))] == pytest.approx(1 / d))


def test_depreciation_fraction_of_unbought_vintage_is_zero():
    assert depreciation_fraction(-1, 3.0) == 0.0


def test_three_year_schedule_by_hand():
    # D = 2.5: a vintage serves ages 0, 1, 2 and is charged 0.4, 0.4, 0.2 of its cost.
    # Need (start-year GPU equivalents) 10, 16, 12, 12; GPUs from year 1 on are twice as fast.
    #   year 0: buy 10.                    in service 10
    #   year 1: surviving 10 -> short 6 -> buy 6/2 = 3.   in service 13
    #   year 2: surviving 10 + 3*2 = 16 >= 12 -> buy 0.   in service 13
    #   year 3: vintage 0 retired; surviving 3*2 = 6 -> short 6 -> buy 3.   in service 6
    need = np.array([[10.0, 16.0, 12.0, 12.0]])
    mult = np.array([[1.0, 2.0, 2.0, 2.0]])
    d = np.array([2.5])
    bought, fleet = vintage_fleet(need, mult, d)
    np.testing.assert_allclose(bought, [[10, 3, 0, 3]])
    np.testing.assert_allclose(fleet, [[10, 13, 13, 6]])
    capex = bought * 100.0  # 100 CNY per GPU
    # year 0: 1000*.4; year 1: 1000*.4 + 300*.4; year 2: 1000*.2 + 300*.4; year 3: 300*.2 + 300*.4
    np.testing.assert_allclose(depreciation_by_year(capex, d), [[400, 520, 320, 180]])


def test_integer_period_rebuys_the_fleet_when_it_retires():
    need = np.full((1, 8), 5.0)
    bought, fleet = vintage_fleet(need, np.ones((1, 8)), np.array([3.0]))
    np.testing.assert_allclose(bought, [[5, 0, 0, 5, 0, 0, 5, 0]])
    np.testing.assert_allclose(fleet, 5.0)
    np.testing.assert_allclose(depreciation_by_year(bought, np.array([3.0])), 5.0 / 3)


def test_kernels_are_vectorised_over_draws():
    # two draws with different periods give the same as two separate one-draw calls
    need = np.array([[4.0, 6.0, 3.0], [4.0, 6.0, 3.0]])
    d = np.array([1.5, 2.0])
    together = vintage_fleet(need, np.ones_like(need), d)
    for i in range(2):
        alone = vintage_fleet(need[i:i + 1], np.ones((1, 3)), d[i:i + 1])
        np.testing.assert_allclose(together[0][i], alone[0][0])
        np.testing.assert_allclose(together[1][i], alone[1][0])


def test_npv_is_the_annuity_due_closed_form():
    cash, rate, years = 7.0, np.array([0.0, 0.05, 0.12]), 6
    npv = net_present_value(np.full((3, years), cash), rate)
    v = 1 / (1 + rate[1:])
    expected = cash * (1 - v**years) / (1 - v)  # first payment undiscounted
    np.testing.assert_allclose(npv[1:], expected, rtol=1e-12)
    assert npv[0] == pytest.approx(cash * years)


def test_power_cost_closed_form():
    # 1万 GPUs at 1000 W, PUE 1.3, 0.7 CNY/kWh: 1e4 kW * 1.3 * 8760 h * 0.7 = 79,716,000 CNY/yr
    assert power_cost_cny(1e4, 1000.0, 1.3, 0.7) == pytest.approx(79_716_000.0, rel=1e-12)


def test_prior_volume_path_fades_excess_growth():
    # m = 3, p = 0.5: steps 3, 1 + 2*0.5 = 2, 1 + 2*0.25 = 1.5 -> 1, 3, 6, 9
    paths = prior_volume_paths(np.array([1.0, 2.0]), np.array([3.0, 0.5]), np.array([0.5, 1.0]), 4)
    np.testing.assert_allclose(paths[0], [1, 3, 6, 9])
    np.testing.assert_allclose(paths[1], [2, 1, 0.5, 0.25])  # p = 1: constant decline
