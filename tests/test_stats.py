"""Percentiles and their Monte Carlo standard errors against closed forms."""
import numpy as np
import pytest
from scipy import stats

from mc.stats import moments_with_se, quantiles_with_se, summary_with_se

N = 200_000


def test_quantiles_equal_numpy_linear_definition():
    x = np.random.default_rng(1).lognormal(size=10_001)
    probs = np.array([0.01, 0.05, 0.5, 0.95, 0.99])
    q, _ = quantiles_with_se(x, probs)
    np.testing.assert_allclose(q, np.quantile(x, probs), rtol=0, atol=0)


@pytest.mark.parametrize("p", [0.05, 0.5, 0.95])
def test_quantile_se_matches_asymptotic_closed_form(p):
    """For N(0,1): se(q_p) = sqrt(p(1-p)/n) / phi(z_p)."""
    x = np.random.default_rng(2).standard_normal(N)
    _, se = quantiles_with_se(x, [p])
    closed = np.sqrt(p * (1 - p) / N) / stats.norm.pdf(stats.norm.ppf(p))
    # the bracket estimate is itself noisy (relative error ~ 1/sqrt(n s)); 15% is many of its s.e.
    assert se[0] == pytest.approx(closed, rel=0.15)


def test_quantile_se_is_calibrated_across_replicates():
    """Across independent replicates the spread of the median matches the reported se."""
    rng = np.random.default_rng(3)
    reps = [quantiles_with_se(rng.exponential(size=4000), [0.5]) for _ in range(400)]
    medians = np.array([r[0][0] for r in reps])
    mean_se = np.mean([r[1][0] for r in reps])
    # sd of 400 medians has relative error ~ 1/sqrt(2*399) = 3.5%; allow 4 of those
    assert medians.std(ddof=1) == pytest.approx(mean_se, rel=0.14)


def test_moments_and_their_errors():
    x = np.random.default_rng(4).normal(3.0, 2.0, N)
    m = moments_with_se(x)
    assert m["mean"][1] == pytest.approx(2.0 / np.sqrt(N), rel=0.01)
    # normal: se(sd) = sigma / sqrt(2n)
    assert m["sd"][1] == pytest.approx(2.0 / np.sqrt(2 * N), rel=0.05)
    p = stats.norm.cdf(0, 3, 2)
    assert abs(m["p_negative"][0] - p) < 5 * np.sqrt(p * (1 - p) / N)


def test_summary_has_every_statistic():
    s = summary_with_se(np.arange(100.0))
    assert list(s) == ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "mean", "sd", "p_negative"]
    assert s["p50"][0] == 49.5


def test_constant_draws_have_exactly_zero_spread():
    x = np.full(300_000, 1e14 / 86400)  # tokens/s at a fixed volume: not a round number
    m = moments_with_se(x)
    assert m["sd"] == (0.0, 0.0) and m["mean"] == (x[0], 0.0)
