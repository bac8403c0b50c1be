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


PROBS = np.array([0.01, 0.05, 0.5, 0.95, 0.99])
REPLICATES, SIZE = 400, 20_000


@pytest.fixture(scope="module")
def replicated_quantile_se():
    """Quantiles and their reported s.e. over 400 independent N(0, 1) samples of 20,000 (seed fixed)."""
    rng = np.random.default_rng(2)
    reps = [quantiles_with_se(rng.standard_normal(SIZE), PROBS) for _ in range(REPLICATES)]
    return np.array([r[0] for r in reps]), np.array([r[1] for r in reps])


def test_quantile_se_matches_its_expectation(replicated_quantile_se):
    """The mean reported s.e. equals the bracket estimator's expectation to within its own MC error.

    The estimator is half the distance between the order statistics at ranks n (p -/+ sqrt(p (1-p) / n))
    (floor and ceil, module docstring); for N(0, 1) an order statistic of 1-based rank k has expectation
    Phi^-1((k - 0.375) / (n + 0.25)) (Blom) to far below the tolerance. The tolerance is 4 standard errors
    of the mean of 400 replicate s.e. estimates, measured from the replicates themselves: 1.7% at the median
    and 4% at p1 and p99 (each estimate scatters by 8-20%), so a reported s.e. 10% off fails.
    """
    _, se = replicated_quantile_se
    half = np.sqrt(PROBS * (1 - PROBS) / SIZE)
    lo = np.clip(np.floor(SIZE * (PROBS - half)), 0, SIZE - 1) + 1  # 1-based ranks
    hi = np.clip(np.ceil(SIZE * (PROBS + half)), 0, SIZE - 1) + 1
    expected = (stats.norm.ppf((hi - 0.375) / (SIZE + 0.25)) - stats.norm.ppf((lo - 0.375) / (SIZE + 0.25))) / 2
    mc_error = se.std(axis=0, ddof=1) / np.sqrt(REPLICATES)
    assert np.all(4 * mc_error < 0.05 * expected)  # the tolerance below is under 5% of the s.e.: 10% is caught
    np.testing.assert_array_less(np.abs(se.mean(axis=0) - expected), 4 * mc_error)
    # and the expectation is the asymptotic s.e. sqrt(p(1-p)/n) / phi(z_p) up to the rank rounding
    # (one rank in ~140 at the median, in ~28 at p1) and the quantile function's curvature at p1/p99 (7%)
    closed = np.sqrt(PROBS * (1 - PROBS) / SIZE) / stats.norm.pdf(stats.norm.ppf(PROBS))
    np.testing.assert_array_less(np.abs(expected / closed - 1), [0.08, 0.02, 0.01, 0.02, 0.08])


def test_quantile_se_is_calibrated_across_replicates(replicated_quantile_se):
    """Across replicates the spread of each sample quantile matches the mean reported s.e.

    The sd of 400 replicate quantiles has relative error 1/sqrt(2 * 399) = 3.5%; the mean reported s.e.
    about 0.4%; 4 combined errors is 14.5%, which would pass a 10% error. So this test guards against gross
    miscalibration (a wrong rank formula, a factor 2); the test above pins the s.e. to 2-4%.
    """
    q, se = replicated_quantile_se
    spread, reported = q.std(axis=0, ddof=1), se.mean(axis=0)
    tolerance = 4 * np.hypot(1 / np.sqrt(2 * (REPLICATES - 1)), se.std(axis=0, ddof=1) / reported / np.sqrt(REPLICATES))
    np.testing.assert_array_less(np.abs(spread / reported - 1), tolerance)


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


def test_moments_of_huge_values_overflow_to_inf_without_error_or_warning():
    """Values whose 4th powers overflow float64 (1e300): no OverflowError, no warning; the sd is inf, the
    percentiles exact (a priors file with huge values once crashed `mc run` with a traceback here)."""
    import warnings

    from mc.stats import Moments, summary_with_se

    x = np.r_[np.zeros(3 * 65_536), 1e300, -1e300, 5.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        merged = Moments.of_chunks(x)
        summary = summary_with_se(x)
    assert merged.n == x.size and merged.maximum == 1e300 and merged.minimum == -1e300
    assert summary["sd"][0] == np.inf and summary["p50"] == (0.0, 0.0)
