"""mc.stats against hand-computed values and closed forms: tests that small bugs cannot pass.

Written against hand-made mutants of mc/stats.py (a 10% error in the quantile
standard error, brackets a few ranks off, a dropped (1 - p), the sd's s.e. off
by two, unpaired merge terms, boundary slips). Every oracle here is either a
value worked out by hand from the documented definition or a closed form
evaluated on a deterministic "perfect" sample (the normal quantiles at
(i + 1/2) / n), so the checks carry no sampling noise; the tolerances are the
discretisation error of that sample, derived in each test.
"""
import numpy as np
import pytest
from scipy import stats

from mc.stats import (Moments, moments_with_se, pack_counts, quantiles_with_se, statistic_with_se,
                      summary_with_se, unpack_counts)


def _perfect_normal(n: int, sigma: float = 1.0, seed: int = 0) -> np.ndarray:
    """The n normal quantiles at (i + 1/2) / n, shuffled: a sample with no sampling noise."""
    x = sigma * stats.norm.ppf((np.arange(n) + 0.5) / n)
    return np.random.default_rng(seed).permutation(x)


# --- quantile standard errors: the bracketing ranks, by hand -------------------------------------------

@pytest.mark.parametrize("p, quantile, se", [
    # n = 1000 values 0..999 (the order statistic of rank r is r). half = sqrt(p (1 - p) / n);
    # lo = floor(n (p - half)), hi = ceil(n (p + half)); se = (hi - lo) / 2; quantile = (n - 1) p.
    (0.30, 299.7, 15.0),   # half = 0.0144914: lo = floor(285.509) = 285, hi = ceil(314.491) = 315
    (0.95, 949.05, 7.0),   # half = 0.0068920: lo = floor(943.108) = 943, hi = ceil(956.892) = 957
    (0.01, 9.99, 4.0),     # half = 0.0031464: lo = floor(6.854) = 6, hi = ceil(13.146) = 14
])
def test_quantile_se_is_half_the_bracket_of_ranks(p, quantile, se):
    x = np.random.default_rng(4).permutation(np.arange(1000.0))
    q, s = quantiles_with_se(x, [p])
    assert q[0] == pytest.approx(quantile, abs=1e-9)
    assert s[0] == pytest.approx(se, abs=1e-12)


def test_quantile_se_brackets_clip_at_the_ends():
    # n = 10, p = 0.99: half = 0.0315; lo = floor(9.585) = 9, hi = ceil(10.215) = 11 -> clipped to 9: se 0
    q, s = quantiles_with_se(np.arange(10.0), [0.99])
    assert q[0] == pytest.approx(8.91) and s[0] == 0.0


@pytest.mark.parametrize("n", [20_000, 300_000])  # in-memory partition, and the two-pass sketch (> 262,144)
def test_quantile_se_matches_the_asymptotic_closed_form(n):
    # se(q_p) = sqrt(p (1 - p) / n) / phi(z_p) for a normal sample. On the perfect sample the bracket
    # is exact up to rounding its ends to whole ranks (<= 1 rank on each side of a gap of
    # 2 sqrt(n p (1 - p)) ranks) and the curvature of ppf over the bracket (O(1/n) relative): the
    # relative tolerance 1.5 / sqrt(n p (1 - p)) + 0.2% covers both, and is 5% at most here, so a 10% error fails.
    probs = np.array([0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95])
    q, se = quantiles_with_se(_perfect_normal(n), probs)
    z = stats.norm.ppf(probs)
    expected = np.sqrt(probs * (1 - probs) / n) / stats.norm.pdf(z)
    tolerance = 1.5 / np.sqrt(n * probs * (1 - probs)) + 0.002
    assert np.all(np.abs(se / expected - 1) < tolerance), (se / expected - 1, tolerance)
    assert q == pytest.approx(np.quantile(_perfect_normal(n), probs), rel=1e-12)


def test_sketch_order_statistics_equal_a_full_sort():
    # above 4 * 65,536 values the quantiles come from the two-pass sketch: every one must be the
    # linear interpolation of exact order statistics, as numpy's quantile of the sorted array
    x = np.random.default_rng(5).lognormal(0, 1.5, 300_001)
    probs = np.array([0.001, 0.01, 0.013, 0.1, 0.37, 0.5, 0.77, 0.9, 0.99, 0.999])
    q, se = quantiles_with_se(x, probs)
    assert q == pytest.approx(np.quantile(x, probs), rel=1e-12)
    s = np.sort(x)
    n = x.size
    half = np.sqrt(probs * (1 - probs) / n)
    lo = np.clip(np.floor(n * (probs - half)), 0, n - 1).astype(int)
    hi = np.clip(np.ceil(n * (probs + half)), 0, n - 1).astype(int)
    assert np.array_equal(se, (s[hi] - s[lo]) / 2)


# --- statistic_with_se ---------------------------------------------------------------------------------

def test_statistic_with_se_reads_fractional_percentiles():
    x = np.random.default_rng(6).permutation(np.arange(1000.0))
    assert statistic_with_se(x, "p2.5")[0] == pytest.approx(0.025 * 999)
    assert statistic_with_se(x, "p97.5")[0] == pytest.approx(0.975 * 999)
    assert statistic_with_se(x, "p30") == pytest.approx((299.7, 15.0))


def test_statistic_with_se_moments_by_hand():
    # x = 1, 2, 3, 4: mean 2.5, s.e. sd / 2; sd (ddof 1) = sqrt(5 / 3)
    x = np.array([4.0, 1.0, 3.0, 2.0])
    sd = np.sqrt(5 / 3)
    assert statistic_with_se(x, "mean") == pytest.approx((2.5, sd / 2), rel=1e-12)
    assert statistic_with_se(x, "sd")[0] == pytest.approx(sd, rel=1e-12)


def test_sd_standard_error_closed_form_for_a_normal():
    # se(s) = sigma / sqrt(2 n) for a normal (kurtosis 3: (m4 - m2^2) / n / (2 s)^2 = 2 sigma^4 / (4 n sigma^2)).
    # On the perfect sample the fourth moment is 3 sigma^4 up to O(log n / n): rel 1%.
    n, sigma = 100_000, 3.0
    sd, sd_se = statistic_with_se(_perfect_normal(n, sigma), "sd")
    assert sd == pytest.approx(sigma, rel=1e-3)
    assert sd_se == pytest.approx(sigma / np.sqrt(2 * n), rel=0.01)


def test_p_negative_standard_error_is_binomial():
    # 300 of 1000 values below zero: p = 0.3, s.e. sqrt(0.3 * 0.7 / 1000) exactly
    x = np.random.default_rng(7).permutation(np.arange(1000.0) - 300)
    p, se = statistic_with_se(x, "p_negative")
    assert p == 0.3 and se == pytest.approx(np.sqrt(0.21 / 1000), rel=1e-12)


def test_a_constant_zero_is_not_negative():
    table = summary_with_se(np.zeros(50))
    assert table["p_negative"] == (0.0, 0.0)
    assert Moments.constant(5, 0.0).with_se()["p_negative"] == (0.0, 0.0)
    assert Moments.constant(5, -1.0).with_se()["p_negative"] == (1.0, 0.0)


# --- Moments.merge against brute force -----------------------------------------------------------------

def _central(x: np.ndarray, k: int) -> float:
    return float(np.sum((x - x.mean()) ** k))


@pytest.mark.parametrize("sizes", [(3, 7), (7, 3), (1, 5), (10, 10, 1)])
def test_merge_of_unequal_chunks_equals_one_pass(sizes):
    rng = np.random.default_rng(8)
    chunks = [rng.gamma(2.0, 1.0, k) + 3 * i for i, k in enumerate(sizes)]  # skewed, different means
    merged = Moments.merged([Moments.of(c) for c in chunks])
    x = np.concatenate(chunks)
    assert merged.n == x.size and merged.mean == pytest.approx(x.mean(), rel=1e-12)
    for k, got in ((2, merged.m2), (3, merged.m3), (4, merged.m4)):
        assert got == pytest.approx(_central(x, k), rel=1e-10, abs=1e-10)
    assert merged.minimum == x.min() and merged.maximum == x.max()
    assert moments_with_se(x)["sd"][1] == pytest.approx(
        np.sqrt((_central(x, 4) / x.size - (_central(x, 2) / x.size) ** 2) / x.size) / (2 * x.std(ddof=1)), rel=1e-10)


def test_merge_keeps_the_smaller_minimum():
    m = Moments.of(np.array([5.0, 6.0])).merge(Moments.of(np.array([1.0, 2.0])))
    assert (m.minimum, m.maximum) == (1.0, 6.0)
    m = Moments.of(np.array([1.0, 2.0])).merge(Moments.of(np.array([5.0, 6.0])))
    assert (m.minimum, m.maximum) == (1.0, 6.0)


# --- shipping bin counts -------------------------------------------------------------------------------

@pytest.mark.parametrize("peak", [2**16 - 1, 2**16, 2**32 - 1, 2**32])
def test_pack_counts_round_trips_at_the_type_boundaries(peak):
    for nonzero in (3, 100):  # sparse and dense forms
        counts = np.zeros(100, dtype=np.int64)
        counts[:nonzero] = 1
        counts[0] = peak
        assert np.array_equal(unpack_counts(pack_counts(counts), counts.size), counts)
