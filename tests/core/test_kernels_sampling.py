"""Tabulated quantiles and the fast choice: accuracy against scipy, and the same bits on both paths.

Oracles: ``scipy.special.ndtri`` and ``scipy.stats`` for the normal table (error
bounds are the interpolation error of a quintic Hermite step of 1/32 octave,
measured at about 9e-13 and asserted at 2e-12); ``np.searchsorted`` for the choice
among a few values (exact). The compiled and numpy paths are compared bit for bit.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special, stats

from mc.discrete import Choice
from mc.distributions import Distribution
from mc.fastppf import BetaPPF, NormalPPF, normal_ppf

_RNG = np.random.default_rng(20261202)
EDGES = np.array([0.0, 1.0, 0.5, np.nextafter(0.5, 0), np.nextafter(0.5, 1), 1e-300, 2.0**-41, 2.0**-42,
                  1 - 2.0**-53, np.nan, -0.1, 1.1])
U = np.concatenate([_RNG.random(200_000), 2.0 ** -_RNG.uniform(1, 45, 20_000), 1 - 2.0 ** -_RNG.uniform(1, 52, 20_000),
                    EDGES])


def _both_paths(monkeypatch, fn):
    monkeypatch.setenv("MC_COMPILED", "0")
    plain = fn()
    monkeypatch.setenv("MC_COMPILED", "1")
    return plain, fn()


def test_normal_table_matches_ndtri():
    x, ref = normal_ppf()(U), special.ndtri(U)
    np.testing.assert_array_equal(np.isnan(x), np.isnan(ref))
    np.testing.assert_array_equal(x[~np.isfinite(ref)], ref[~np.isfinite(ref)])  # 0, 1: -inf, inf
    finite = np.isfinite(ref)
    error = np.abs(x[finite] - ref[finite])
    assert error.max() < 2e-12  # absolute, in standard deviations
    away = np.abs(ref[finite]) >= 1e-3
    assert (error[away] / np.abs(ref[finite][away])).max() < 2e-12
    median = normal_ppf()(np.array([0.5]))[0]
    assert median == 0.0 and not np.signbit(median)


def test_normal_table_is_symmetric_and_monotone_on_a_fine_grid():
    u = np.arange(1, 2**19 + 1) * 2.0**-20  # (0, 0.5] on a dyadic grid: 1 - u is exact
    x = normal_ppf()(u)
    np.testing.assert_array_equal(normal_ppf()(1 - u), -x)
    assert np.all(np.diff(x) > 0)


def test_normal_table_is_the_same_on_both_paths(monkeypatch):
    plain, fast = _both_paths(monkeypatch, lambda: NormalPPF()(U))
    np.testing.assert_array_equal(fast, plain)


@pytest.mark.parametrize("family,params,frozen", [
    ("normal", {"mean": 3.0, "sd": 0.7}, stats.norm(3.0, 0.7)),
    ("lognormal", {"median": 1.5, "sigma": 0.31}, stats.lognorm(0.31, scale=1.5)),
])
def test_normal_family_ppf_matches_scipy(monkeypatch, family, params, frozen):
    dist = Distribution(family, params)
    u = U[(U > 0) & (U < 1)]
    plain, fast = _both_paths(monkeypatch, lambda: dist.ppf(u))
    np.testing.assert_array_equal(fast, plain)
    ref = frozen.ppf(u)
    scale = params.get("sd", 1.0) if family == "normal" else ref  # normal: absolute in sd; lognormal: relative
    # 2e-12 sd for the normal; the lognormal's exp turns 2e-12 sd of log into 2e-12 * sigma relative
    assert np.max(np.abs(fast - ref) / scale) < 2e-12


@pytest.mark.parametrize("alpha,beta", [(12.9, 15.9), (0.3, 3.0), (2.0, 2.0)])
def test_scaled_beta_is_low_plus_span_times_the_quantile_on_both_paths(monkeypatch, alpha, beta):
    table = BetaPPF(alpha, beta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # boost at the far tails
        plain, fast = _both_paths(monkeypatch, lambda: table.scaled(U, 110_000, 140_000))
        monkeypatch.setenv("MC_COMPILED", "0")
        expected = 110_000 + 140_000 * table(U)
    np.testing.assert_array_equal(plain, expected)
    np.testing.assert_array_equal(fast, plain)


def test_pert_samples_are_the_same_on_both_paths(monkeypatch):
    dist = Distribution("pert", {"low": 4, "mode": 6, "high": 7})
    plain, fast = _both_paths(monkeypatch, lambda: dist.sample(np.random.default_rng(4), 70_000))
    np.testing.assert_array_equal(fast, plain)
    assert plain.min() >= 4 and plain.max() <= 7


@pytest.mark.parametrize("weights", [[1.0], [0.15, 0.85], [0.2, 0.0, 0.8], [0.1, 0.2, 0.3, 0.4], [0, 0, 1, 0]])
def test_choice_among_few_values_is_searchsorted(weights):
    values = np.arange(len(weights), dtype=float) * 10 + 1
    choice = Choice(values, weights)
    q = np.concatenate([_RNG.random(10_000), choice._cumulative, np.nextafter(choice._cumulative, 0),
                        np.nextafter(choice._cumulative, 1), [0.0, 1.0, np.nan, -0.5, 1.5]])
    index = np.minimum(np.searchsorted(choice._cumulative, q, side="left"), values.size - 1)
    np.testing.assert_array_equal(choice.ppf(q), choice.values[index])


def test_lhs_kernel_asks_for_more_words_then_replays_scipy():
    """lhs_from_raw returns -1 when the raw words run out, and scipy's LatinHypercube once they suffice."""
    from scipy.stats import qmc

    from mc import kernels
    from mc.sampling import stream

    n = 5000
    expected = qmc.LatinHypercube(1, rng=stream(3, 0, "y")).random(n)[:, 0]
    bits = np.random.PCG64(stream(3, 0, "y").bit_generator.seed_seq.spawn(1)[0])
    raw = bits.random_raw(n + 100)  # the jitter and far too few words for the shuffle
    out, perm = np.empty(n), np.empty(n, np.int32)
    assert kernels.lhs_from_raw(raw, n, perm, out) == -1
    raw = np.concatenate([raw, bits.random_raw(2 * n)])
    used = kernels.lhs_from_raw(raw, n, perm, out)
    assert 1.3 * n < used < 2 * n  # 32-bit words: about 2 ln 2 a value
    np.testing.assert_array_equal(out, expected)


def test_tune_malloc_sets_glibc_and_changes_no_number():
    """tune_malloc sets glibc's thresholds (True there) and draws stay the same bits."""
    import platform

    from mc.process import tune_malloc

    before = Distribution("pert", {"low": 1.0, "mode": 2.0, "high": 5.0}).sample(np.random.default_rng(8), 70_000)
    assert tune_malloc() is (platform.libc_ver()[0] == "glibc")
    after = Distribution("pert", {"low": 1.0, "mode": 2.0, "high": 5.0}).sample(np.random.default_rng(8), 70_000)
    np.testing.assert_array_equal(after, before)
