"""Fast inverse CDFs against scipy: the beta table's accuracy, edge points, and its use by PERT."""
import warnings

import numpy as np
import pytest
from scipy import stats

from mc.distributions import Distribution
from mc.fastppf import BetaPPF, beta_ppf, ppf

# u spread uniformly, plus both tails on a log scale down to 1e-12 (the table reaches 4.5e-13)
_RNG = np.random.default_rng(20241218)
U = np.concatenate([_RNG.random(20_000), np.logspace(-12, np.log10(0.49), 2_000),
                    1 - np.logspace(-12, np.log10(0.49), 2_000), [0.5]])


def _max_relative_error(x, reference):
    return float(np.max(np.abs(x - reference) / np.abs(reference)))


@pytest.mark.parametrize("alpha,beta", [
    (12.918606486098653, 15.923400704596407),  # utilization in priors/base.toml
    (10.461181205198637, 15.653451658142515),  # paid_share
    (3.0, 2.0), (2.0, 5.0), (1.0, 1.0), (1.0, 5.0), (5.0, 1.0), (0.5, 0.5), (0.3, 3.0),
    (200.0, 300.0), (50.0, 0.7), (7.2, 12.4),
])
def test_beta_table_matches_scipy_to_1e_10(alpha, beta):
    reference = stats.beta(alpha, beta).ppf(U)
    assert _max_relative_error(BetaPPF(alpha, beta)(U), reference) < 1e-10


def test_extreme_shapes_stay_far_below_monte_carlo_error():
    """Beta(0.05, 20): x ~ u^20 spans 1e-240 to 1; the table is within 1e-7 relative (MC error is ~1e-3)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # boost warns at the far tail
        reference = stats.beta(0.05, 20).ppf(U)
    assert _max_relative_error(BetaPPF(0.05, 20)(U), reference) < 1e-7


def test_edges_and_invalid_points_fall_back_to_scipy_exactly():
    u = np.array([0.0, 1.0, 1e-300, 1 - 2**-53, np.nan, -0.1, 1.1])
    table = BetaPPF(3.0, 4.0)(u)
    np.testing.assert_array_equal(table, stats.beta(3.0, 4.0).ppf(u))


def test_result_depends_only_on_each_point_not_on_the_array():
    f = beta_ppf(2.5, 3.5)
    u = _RNG.random(1000)
    whole = f(u)
    assert np.array_equal(whole[:7], f(u[:7])) and whole[3] == f(u[3])
    assert f(u.reshape(10, 100)).shape == (10, 100)


def test_table_is_monotone_in_u():
    u = np.sort(_RNG.random(200_000))
    assert np.all(np.diff(BetaPPF(12.9, 15.9)(u)) >= 0)


def test_pert_and_beta_distributions_use_the_table():
    pert = Distribution("pert", {"low": 110_000.0, "mode": 150_000.0, "high": 250_000.0})
    np.testing.assert_allclose(pert.ppf(U), pert.frozen.ppf(U), rtol=1e-10)
    assert ppf("gamma", {"shape": 2.0, "scale": 1.0}, U) is None  # no table: the caller uses scipy


def test_inverse_transform_sampling_follows_the_beta():
    """Draws by the table pass a KS test against scipy's beta at a fixed seed."""
    dist = Distribution("beta", {"alpha": 2.0, "beta": 5.0})
    x = dist.sample(np.random.default_rng(5), 50_000)
    assert stats.kstest(x, dist.frozen.cdf).pvalue > 1e-3


def test_choice_ppf_matches_scipy_rv_discrete():
    values, weights = np.array([989.0, 1979.0, 3000.0]), np.array([0.15, 0.6, 0.25])
    dist = Distribution("choice", {"values": list(values), "weights": list(weights)})
    u = _RNG.random(10_000)
    oracle = stats.rv_discrete(values=(np.arange(3), weights))
    np.testing.assert_array_equal(dist.ppf(u), values[oracle.ppf(u).astype(int)])


# -- compiled kernels (mc.kernels) give the numpy path's bits --------------------------------------
def _both_paths(monkeypatch, fn):
    """fn() with the compiled kernels off, then forced on."""
    monkeypatch.setenv("MC_COMPILED", "0")
    plain = fn()
    monkeypatch.setenv("MC_COMPILED", "1")
    return plain, fn()


@pytest.mark.parametrize("alpha,beta", [(12.9, 15.9), (3.0, 2.0), (0.5, 0.5), (0.3, 3.0), (50.0, 0.7),
                                        (0.05, 20.0), (1.0, 1.0)])
def test_compiled_beta_table_is_bit_identical(monkeypatch, alpha, beta):
    u = np.concatenate([U, [0.0, 1.0, 1e-300, 1 - 2**-53, np.nan, -0.1, 1.1, 0.5, 2.0**-41, 2.0**-42]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # boost warns at the far tail of (0.05, 20)
        plain, fast = _both_paths(monkeypatch, lambda: BetaPPF(alpha, beta)(u))
    np.testing.assert_array_equal(fast, plain)


def test_compiled_choice_is_bit_identical(monkeypatch):
    dist = Distribution("choice", {"values": [989.0, 1979.0, 3000.0, 148.0], "weights": [0.15, 0.6, 0.2, 0.05]})
    cumulative = dist.frozen._cumulative
    u = np.concatenate([_RNG.random(10_000), cumulative, np.nextafter(cumulative, 0), [0.0, 1.0, np.nan]])
    plain, fast = _both_paths(monkeypatch, lambda: dist.ppf(u))
    np.testing.assert_array_equal(fast, plain)


def test_compiled_lognormal_sampling_is_rng_lognormal(monkeypatch):
    from mc.distributions import lognormal_sample

    plain, fast = _both_paths(monkeypatch, lambda: lognormal_sample(np.random.default_rng(3), 0.4, 0.3, 70_000))
    np.testing.assert_array_equal(plain, np.random.default_rng(3).lognormal(0.4, 0.3, 70_000))
    np.testing.assert_array_equal(fast, plain)


def test_cached_beta_table_is_the_built_one_bit_for_bit(tmp_path, monkeypatch):
    """The table comes from mc.cache on later runs (no scipy.special import) and is the same table exactly."""
    from mc import ppftables

    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path))
    built, flag = ppftables.build_beta_table(0.5, 0.5, True)
    first = BetaPPF(0.5, 0.5)  # builds and stores
    stored = list((tmp_path / "tables").glob("*.npy"))
    assert len(stored) == 1
    second = BetaPPF(0.5, 0.5)  # reads the stored table
    for table in (first, second):
        assert table._coef.tobytes() == built.tobytes() and table._use_expm1 == flag
    assert np.array_equal(second(U), first(U), equal_nan=True)


@pytest.mark.parametrize("damage", [b"not a numpy file", None])
def test_a_damaged_cached_table_is_rebuilt(tmp_path, monkeypatch, damage):
    from mc import ppftables

    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path))
    BetaPPF(3.0, 2.0)
    (path,) = (tmp_path / "tables").glob("*.npy")
    if damage is None:  # a well-formed array of the wrong shape
        np.save(path, np.zeros((2, 2)))
    else:
        path.write_bytes(damage)
    built, _ = ppftables.build_beta_table(3.0, 2.0, False)
    assert BetaPPF(3.0, 2.0)._coef.tobytes() == built.tobytes()


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("MC_CACHE_DIR", str(blocker))  # a file where the folder should be: nothing can be stored
    reference = stats.beta(2.0, 5.0).ppf(U)
    assert _max_relative_error(BetaPPF(2.0, 5.0)(U), reference) < 1e-10


@pytest.mark.parametrize("alpha,beta,low,span", [(12.9, 15.9, None, None), (3.0, 2.0, 10.0, 5.0),
                                                 (0.5, 0.5, None, None), (0.3, 3.0, -1.0, 2.0),
                                                 (0.01, 2.0, None, None),  # 1 in 5 points falls back to scipy
                                                 (0.01, 2.0, 3.0, 4.0)])
@pytest.mark.parametrize("size", [4096, 5003, 70_001])
def test_a_table_of_compiled_uniforms_is_the_table_of_rng_random(monkeypatch, alpha, beta, low, span, size):
    """What the beta and PERT samplers do: the table of fastppf.random, on both paths, leaving the same state."""
    from mc.fastppf import random

    table = BetaPPF(alpha, beta)
    expected_rng = np.random.default_rng(41)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = table.scaled(expected_rng.random(size), low, span)
        rngs = iter([np.random.default_rng(41), np.random.default_rng(41)])
        used = []
        plain, fast = _both_paths(monkeypatch, lambda: table.scaled(random(used.append(next(rngs)) or used[-1], size),
                                                                    low, span))
    np.testing.assert_array_equal(plain, expected)
    np.testing.assert_array_equal(fast, expected)
    assert [rng.bit_generator.state for rng in used] == [expected_rng.bit_generator.state] * 2


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65_537])
def test_random_is_rng_random_on_both_paths(monkeypatch, size):
    from mc.fastppf import random

    rngs = iter([np.random.default_rng(8), np.random.default_rng(8)])
    used = []
    plain, fast = _both_paths(monkeypatch, lambda: random(used.append(next(rngs)) or used[-1], size))
    expected_rng = np.random.default_rng(8)
    expected = expected_rng.random(size)
    np.testing.assert_array_equal(plain, expected)
    np.testing.assert_array_equal(fast, expected)
    for rng in used:
        assert rng.bit_generator.state == expected_rng.bit_generator.state


def test_random_of_another_bit_generator_is_numpys(monkeypatch):
    from mc.fastppf import random

    monkeypatch.setenv("MC_COMPILED", "1")
    got = random(np.random.Generator(np.random.MT19937(2)), 5000)
    np.testing.assert_array_equal(got, np.random.Generator(np.random.MT19937(2)).random(5000))


@pytest.mark.parametrize("median,sigma", [(1.0, 0.3), (2500.0, 0.8), (1e-3, 2.5)])
def test_lognormal_ppf_is_the_scaled_exp_of_the_normal_table(monkeypatch, median, sigma):
    """The in-place lognormal ppf gives ``median * exp(sigma * z)`` bit for bit (0.5 gives z = 0, either sign)."""
    from mc.fastppf import normal_ppf

    u = np.concatenate([U, [0.5, 0.0, 1.0, np.nan]])
    with np.errstate(over="ignore"):
        expected = median * np.exp(sigma * normal_ppf()(u))
        plain, fast = _both_paths(monkeypatch, lambda: ppf("lognormal", {"median": median, "sigma": sigma}, u))
    np.testing.assert_array_equal(plain, expected)
    np.testing.assert_array_equal(fast, expected)
    assert ppf("lognormal", {"median": median, "sigma": sigma}, 0.5) == median


@pytest.mark.parametrize("size", [4096, 70_001])
def test_normal_and_lognormal_sampling_are_numpys_on_both_paths(monkeypatch, size):
    """The normal family's sampler is rng.normal, the lognormal's rng.lognormal, bit for bit and state after
    (compiled: mc.ziggurat's normals on mc.pcg's words)."""
    from mc.distributions import lognormal_sample, normal_sample

    for sample, numpy_sample in ((normal_sample, "normal"), (lognormal_sample, "lognormal")):
        expected_rng = np.random.default_rng(17)
        expected = getattr(expected_rng, numpy_sample)(-1.5, 0.7, size)
        used = []
        plain, fast = _both_paths(monkeypatch, lambda: sample(used.append(np.random.default_rng(17)) or used[-1],
                                                              -1.5, 0.7, size))
        np.testing.assert_array_equal(plain, expected)
        np.testing.assert_array_equal(fast, expected)
        assert [rng.bit_generator.state for rng in used] == [expected_rng.bit_generator.state] * 2
