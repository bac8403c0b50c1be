"""mc.scenarios' paired change errors against closed forms and brute force: tests that small bugs cannot pass.

Written against hand-made mutants of mc/scenarios.py (an unpaired error, a
wrong divisor, batches misaligned by one draw, ddof 0, batch boundaries, the
change's sign, the percentage against a signed base). Oracles are values worked
out by hand, numpy's median per batch (the documented batch-means definition),
and common random numbers: a scenario that halves the price halves revenue
draw by draw, so the change of revenue's mean and its paired error are exactly
half the base's mean and its error.
"""
import numpy as np
import pytest

from mc.priors import load_priors
from mc.scenarios import PAIRED_BATCHES, load_scenario, paired_change_se, stress


def test_mean_change_error_is_the_sd_of_paired_differences():
    # differences 1, -1, 1, -1: sd (ddof 1) = sqrt(4 / 3), s.e. = sqrt(4 / 3) / sqrt(4)
    base = np.array([0.0, 10.0, 20.0, 30.0])
    scenario = base + np.array([1.0, -1.0, 1.0, -1.0])
    assert paired_change_se(base, scenario, "mean") == pytest.approx(np.sqrt(4 / 3) / 2, rel=1e-12)


def test_a_pure_shift_has_no_error():
    # common random numbers: scenario = base + 3 draw by draw, so every statistic moves by exactly 3
    base = np.random.default_rng(1).lognormal(0, 1, 4000)
    for statistic in ("mean", "p5", "p50", "p95", "sd"):
        assert paired_change_se(base, base + 3.0, statistic) == pytest.approx(0.0, abs=1e-9)


def test_p_negative_change_error_by_hand():
    # negative in the scenario 1, 1, 1, 0 and in the base 1, 1, 0, 0: per-draw change 0, 0, 1, 0 ->
    # mean 1/4, sd (ddof 1) sqrt((3 / 16 + 9 / 16) / 3) = 1/2, s.e. 1/2 / sqrt(4) = 1/4
    base = np.array([-1.0, -1.0, 1.0, 1.0])
    scenario = np.array([-1.0, -1.0, -1.0, 1.0])
    assert paired_change_se(base, scenario, "p_negative") == pytest.approx(0.25, rel=1e-12)


@pytest.mark.parametrize("n", [4000, 4019])  # batches of 200 draws; the 19 left over are not used
def test_percentile_change_error_is_batch_means_of_the_median(n):
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, n)
    scenario = base * 1.5 + rng.normal(0, 0.3, n)
    size = n // PAIRED_BATCHES
    per_batch = [np.median(scenario[b * size:(b + 1) * size]) - np.median(base[b * size:(b + 1) * size])
                 for b in range(PAIRED_BATCHES)]
    expected = np.std(per_batch, ddof=1) / np.sqrt(PAIRED_BATCHES)
    assert paired_change_se(base, scenario, "p50") == pytest.approx(expected, rel=1e-9)
    size = n // 4
    per_batch = [np.std(scenario[b * size:(b + 1) * size], ddof=1) - np.std(base[b * size:(b + 1) * size], ddof=1)
                 for b in range(4)]
    assert paired_change_se(base, scenario, "sd", batches=4) == pytest.approx(np.std(per_batch, ddof=1) / 2, rel=1e-9)


def test_too_few_draws_per_batch_give_nan():
    x = np.arange(7.0)
    assert np.isnan(paired_change_se(x, x ** 2, "p50", batches=4))  # batches of 1 draw: no batch spread
    y = np.arange(8.0)  # batches of 2 draws are the least allowed
    assert not np.isnan(paired_change_se(y, y ** 2, "p50", batches=4))
    assert np.isnan(paired_change_se(x[:1], x[:1], "mean"))
    assert np.isnan(paired_change_se(x, x, "no_such_statistic"))


def test_paired_error_is_calibrated_for_the_median():
    # 300 runs of 2,000 paired draws: the spread of the median's change over runs is its true error;
    # the batch-means estimate averaged over runs must match it. The spread of 300 runs is known to
    # 1 / sqrt(2 * 299) = 4% relative; batch means of the median carry an O(1/batch size) bias; 12% is ~3 s.e.
    rng = np.random.default_rng(3)
    changes, reported = [], []
    for _ in range(300):
        base = rng.standard_normal(2000)
        scenario = 1.2 * base + 0.5 * rng.standard_normal(2000)
        changes.append(np.median(scenario) - np.median(base))
        reported.append(paired_change_se(base, scenario, "p50"))
    assert np.mean(reported) == pytest.approx(np.std(changes, ddof=1), rel=0.12)


def test_stress_change_sign_percentage_and_paired_error_under_common_random_numbers():
    # price_war halves every price draw (same lognormal sigma, half the median, same stream), so revenue
    # halves draw by draw: the change of its mean is -1/2 of the base mean and the paired error of that
    # change is exactly half the base mean's error (the per-draw differences are -revenue / 2).
    table = stress(load_priors(), [load_scenario("price_war")], 4000, seed=1)
    assert np.allclose(table["change"], table["value"] - table["base_value"], rtol=0, atol=0)
    war = table[table["scenario"] == "price_war"].set_index(["output", "statistic"])
    revenue = war.loc[("revenue_cny_per_year", "mean")]
    assert revenue["change"] == pytest.approx(-0.5 * revenue["base_value"], rel=1e-12)
    base_revenue = table[(table["scenario"] == "base") & (table["output"] == "revenue_cny_per_year")
                         & (table["statistic"] == "mean")].iloc[0]
    assert revenue["change_se"] == pytest.approx(0.5 * base_revenue["mc_se"], rel=1e-9)
    base = war["base_value"].to_numpy()
    defined = base != 0
    assert np.allclose(war["change_pct"].to_numpy()[defined],
                       100 * war["change"].to_numpy()[defined] / np.abs(base[defined]), rtol=1e-12)
    negative = (base < 0) & (war["change"].to_numpy() != 0)
    assert negative.any()  # the base margin's mean is negative: the percentage is against |base|
    assert np.isnan(war["change_pct"].to_numpy()[~defined]).all()
