"""Errors that include the posterior's own error (mc.volume) and annual averages (mc.projection.volume)."""
from __future__ import annotations

import math
import sys
import types
from datetime import date

import numpy as np
import pytest

from mc.projection.volume import annual_average, growth_volume_paths, year_quadrature
from mc.volume import posterior_batch, posterior_draw_index, summary_with_posterior_se

CHAINS, PER_CHAIN, SIM_DRAWS = 4, 1000, 20_000


def _posterior(seed: int) -> np.ndarray:
    """4 AR(1) chains (autocorrelation 0.9, like a sticky sampler) of a lognormal volume, chain after chain."""
    rng = np.random.default_rng(seed)
    z = np.empty((CHAINS, PER_CHAIN))
    z[:, 0] = rng.standard_normal(CHAINS)
    for i in range(1, PER_CHAIN):
        z[:, i] = 0.9 * z[:, i - 1] + math.sqrt(1 - 0.81) * rng.standard_normal(CHAINS)
    return np.exp(30.0 + 0.5 * z).ravel()


def _run(seed: int):
    posterior = _posterior(seed)
    rng = np.random.default_rng([seed, 1])
    drawn = posterior[rng.integers(0, posterior.size, SIM_DRAWS)]
    revenue = drawn * rng.uniform(0.5, 1.5, SIM_DRAWS)  # any model output driven by the volume
    index = posterior_draw_index(drawn, posterior)
    assert np.array_equal(posterior[index], drawn)
    batch = posterior_batch(index, posterior.size, chains=CHAINS)
    return summary_with_posterior_se({"tokens_per_day": drawn, "revenue": revenue}, batch, percentiles=(5, 50, 95))


def test_posterior_batches_are_contiguous_within_chains():
    batch = posterior_batch(np.arange(4000), 4000, chains=4, n_batches=20)
    assert batch[0] == 0 and batch[199] == 0 and batch[200] == 1 and batch[999] == 4 and batch[1000] == 5
    assert np.bincount(batch).tolist() == [200] * 20


def test_draw_index_refuses_a_value_not_in_the_posterior():
    with pytest.raises(ValueError, match="not among the posterior values"):
        posterior_draw_index([1.5], [1.0, 2.0])


def test_reported_errors_cover_the_spread_over_independent_posteriors():
    # 24 independent "refits" (new posterior chains and a new simulation each): the spread of a statistic
    # across them is its true error. The reported error must match it; the independent-draw error must not.
    runs = [_run(seed) for seed in range(24)]
    for output in ("tokens_per_day", "revenue"):
        for stat in ("mean", "p50", "p95"):
            values = np.array([r[output][stat][0] for r in runs])
            reported = np.median([r[output][stat][1] for r in runs])
            spread = values.std(ddof=1)
            # with 23 degrees of freedom the sample sd is within +-35% of the truth at about 95%, and each
            # batch-means estimate (19 df) adds similar noise; 0.55-1.8 allows both
            assert 0.55 < spread / reported < 1.8, (output, stat, spread, reported)
    from mc.stats import summary_with_se

    posterior = _posterior(0)
    drawn = posterior[np.random.default_rng([0, 1]).integers(0, posterior.size, SIM_DRAWS)]
    naive = summary_with_se(drawn, (50,))["mean"][1]
    spread = np.std([r["tokens_per_day"]["mean"][0] for r in runs], ddof=1)
    assert spread > 2.5 * naive  # the error the old report showed is several times too small


@pytest.mark.parametrize("year", [2025, 2028])
@pytest.mark.parametrize("rate", [0.5, 3.0, 6.0])
def test_exponential_year_mean_is_sinh_closed_form_times_mid_year_value(year, rate):
    days, weights = year_quadrature(year)
    length = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    u = np.array([((d - date(year, 1, 1)).days + 0.5) / length for d in days])  # day centres, fraction of year
    got = annual_average(np.exp(rate * u)[None, :], weights)[0, 0]
    exact = math.sinh(rate / 2) / (rate / 2) * math.exp(rate / 2)  # mean of exp(r u) over [0, 1]
    # quadrature error of a 4-node rule exact for cubics: below 2e-3 relative even at x400 a year
    assert got == pytest.approx(exact, rel=2e-3)
    assert weights.sum() == pytest.approx(1.0)


def test_growth_paths_are_year_means_not_mid_year_values(monkeypatch):
    rate = 3.0  # per year: the year's mean is sinh(1.5) / 1.5 = 1.42 times the mid-year value

    def predictive_paths(targets, *, data_path=None, curve=None):
        t = np.array([((d - date(2025, 1, 1)).days + 0.5) / 365.0 for d in targets])  # day centres
        return np.exp(rate * t)[None, :] * np.array([[1.0], [2.0]])

    monkeypatch.setitem(sys.modules, "mc.growth", types.SimpleNamespace(predictive_paths=predictive_paths))
    paths, rank = growth_volume_paths([2025, 2026], 50, seed=1)
    mid_2025 = math.exp(rate * 0.5)
    factor = math.sinh(rate / 2) / (rate / 2)
    ratio = np.round(paths[:, 0] / (factor * mid_2025), 3)  # quadrature error ~1e-4 at this rate
    assert set(ratio) == {1.0, 2.0}
    np.testing.assert_allclose(paths[:, 1] / paths[:, 0], math.exp(rate), rtol=1e-3)
    assert rank == pytest.approx(1.0)
    again, _, batch = growth_volume_paths([2025, 2026], 50, seed=1, return_batch=True)
    np.testing.assert_array_equal(again, paths)
    doubled = paths[:, 0] / (factor * mid_2025) > 1.5  # paths drawn from posterior row 1, the x2 draw
    assert len(set(batch[doubled])) == 1 and len(set(batch[~doubled])) == 1 and set(batch[doubled]) != set(batch[~doubled])
