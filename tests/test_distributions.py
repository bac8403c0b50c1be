"""Families against closed forms and scipy; interval elicitation round trips; truncation."""
import numpy as np
import pytest
from scipy import stats

from mc.distributions import Distribution, ParameterError, solve_quantiles

N = 400_000
RNG_SEED = 7


def _draws(dist, n=N, seed=RNG_SEED):
    return dist.sample(np.random.default_rng(seed), n)


def test_lognormal_median_within_mc_error():
    dist = Distribution("lognormal", {"median": 1.5, "sigma": 0.4})
    x = _draws(dist)
    # se of the sample median = 1 / (2 f(m) sqrt(n)); 5 se tolerance
    se = 1 / (2 * dist.frozen.pdf(1.5) * np.sqrt(N))
    assert abs(np.median(x) - 1.5) < 5 * se


def test_beta_mean_within_mc_error():
    a, b = 7.2, 12.4
    x = _draws(Distribution("beta", {"alpha": a, "beta": b}))
    mean, sd = a / (a + b), np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert abs(x.mean() - mean) < 5 * sd / np.sqrt(N)


def test_pert_mean_is_the_classic_formula():
    low, mode, high = 4.0, 6.0, 7.0
    dist = Distribution("pert", {"low": low, "mode": mode, "high": high})
    assert dist.mean() == pytest.approx((low + 4 * mode + high) / 6, rel=1e-12)
    x = _draws(dist)
    assert abs(x.mean() - dist.mean()) < 5 * dist.frozen.std() / np.sqrt(N)


@pytest.mark.parametrize("family,params", [
    ("normal", {"mean": 1.0, "sd": 2.0}),
    ("lognormal", {"median": 1.5, "sigma": 0.3}),
    ("beta", {"alpha": 2.0, "beta": 5.0}),
    ("gamma", {"shape": 3.0, "scale": 2.0}),
    ("uniform", {"low": 4.0, "high": 7.0}),
    ("loguniform", {"low": 0.1, "high": 10.0}),
    ("triangular", {"low": 2.0, "mode": 3.0, "high": 5.0}),
    ("pert", {"low": 2.0, "mode": 3.0, "high": 5.0}),
])
def test_native_sampler_and_ppf_agree_with_scipy(family, params):
    dist = Distribution(family, params)
    u = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(dist.ppf(u), dist.frozen.ppf(u), rtol=1e-9, atol=1e-12)
    # native draws follow the frozen distribution: KS at a fixed seed, p-value not tiny
    assert stats.kstest(_draws(dist, 20_000), dist.frozen.cdf).pvalue > 1e-3


@pytest.mark.parametrize("family,quantiles", [
    ("normal", {0.05: -1.0, 0.95: 3.0}),
    ("lognormal", {0.05: 0.9, 0.95: 2.5}),
    ("beta", {0.05: 0.25, 0.95: 0.56}),
    ("beta", {0.10: 0.01, 0.50: 0.05}),
    ("gamma", {0.25: 2.0, 0.75: 6.0}),
    ("uniform", {0.10: 4.3, 0.90: 6.7}),
    ("loguniform", {0.05: 1.0, 0.95: 100.0}),
])
def test_interval_elicitation_round_trips(family, quantiles):
    params = solve_quantiles(family, quantiles)
    dist = Distribution(family, params)
    probs = np.array(sorted(quantiles))
    np.testing.assert_allclose(dist.frozen.ppf(probs), [quantiles[p] for p in probs], rtol=1e-7)


def test_lognormal_interval_closed_form():
    params = solve_quantiles("lognormal", {0.05: 0.9, 0.95: 2.5})
    assert params["median"] == pytest.approx(np.sqrt(0.9 * 2.5), rel=1e-12)
    assert params["sigma"] == pytest.approx(np.log(2.5 / 0.9) / (2 * stats.norm.ppf(0.95)), rel=1e-12)


@pytest.mark.parametrize("quantiles,match", [
    ({0.05: 3.0, 0.95: 1.0}, "must be above"),
    ({0.05: 1.0}, "exactly two"),
    ({0.0: 1.0, 0.95: 2.0}, "between 0 and 100"),
])
def test_interval_errors(quantiles, match):
    with pytest.raises(ParameterError, match=match):
        solve_quantiles("normal", quantiles)


def test_three_parameter_families_refuse_intervals():
    with pytest.raises(ParameterError, match="cannot be given by quantiles"):
        solve_quantiles("triangular", {0.05: 1.0, 0.95: 2.0})


def test_truncation_renormalises_not_clips():
    dist = Distribution("normal", {"mean": 0.0, "sd": 1.0}, lower=-1.0, upper=2.0)
    oracle = stats.truncnorm(-1.0, 2.0)
    u = np.linspace(0.01, 0.99, 99)
    np.testing.assert_allclose(dist.ppf(u), oracle.ppf(u), rtol=1e-9)
    x = _draws(dist)
    assert x.min() >= -1.0 and x.max() <= 2.0
    # clipping would pile mass exactly on the bounds; renormalising puts none there
    assert np.count_nonzero((x == -1.0) | (x == 2.0)) == 0
    assert abs(x.mean() - oracle.mean()) < 5 * oracle.std() / np.sqrt(N)
    assert dist.mean() == pytest.approx(oracle.mean(), rel=1e-6)


def test_one_sided_truncation():
    dist = Distribution("lognormal", {"median": 1.0, "sigma": 1.0}, upper=3.0)
    assert dist.support() == (0.0, 3.0)
    assert dist.ppf(1.0) == pytest.approx(3.0)


def test_choice_frequencies_within_mc_error():
    dist = Distribution("choice", {"values": [1979.0, 989.0], "weights": [0.85, 0.15]})
    x = _draws(dist)
    p = np.mean(x == 989.0)
    assert abs(p - 0.15) < 5 * np.sqrt(0.15 * 0.85 / N)
    assert dist.ppf(np.array([0.1, 0.2]))[0] == 989.0 and dist.ppf(0.2) == 1979.0


def test_empirical_resamples_given_values():
    values = np.array([1.0, 2.0, 4.0, 8.0])
    dist = Distribution("empirical", {"values": list(values)})
    assert set(np.unique(_draws(dist, 1000))) <= set(values)
    assert dist.ppf(np.array([0.2, 0.3, 0.99])).tolist() == [1.0, 2.0, 8.0]


@pytest.mark.parametrize("family,params,match", [
    ("normal", {"mean": 0.0, "sd": -1.0}, "sd must be positive"),
    ("triangular", {"low": 1.0, "mode": 5.0, "high": 3.0}, "mode"),
    ("uniform", {"low": 3.0, "high": 3.0}, "must be below"),
    ("beta", {"alpha": 0.0, "beta": 1.0}, "alpha must be positive"),
])
def test_bad_parameters_name_the_parameter(family, params, match):
    with pytest.raises(ParameterError, match=match):
        Distribution(family, params)


def test_truncation_with_no_mass_is_an_error():
    with pytest.raises(ParameterError, match="no probability mass"):
        Distribution("uniform", {"low": 0.0, "high": 1.0}, lower=2.0, upper=3.0)


def test_choice_cdf_is_a_step_function():
    """P(X <= x) is flat between atoms and jumps at each: cdf(1.5) = P(X = 1) = 0.2, not an interpolation."""
    dist = Distribution("choice", {"values": [3.0, 1.0, 2.0], "weights": [0.5, 0.2, 0.3]})  # unsorted on purpose
    x = np.array([0.5, 1.0, 1.5, 1.999, 2.0, 2.5, 3.0, 10.0])
    np.testing.assert_allclose(dist.frozen.cdf(x), [0.0, 0.2, 0.2, 0.2, 0.5, 0.5, 1.0, 1.0], rtol=1e-15)
    assert float(dist.frozen.cdf(1.5)) == pytest.approx(0.2, rel=1e-15)
    oracle = stats.rv_discrete(values=([1, 2, 3], [0.2, 0.3, 0.5]))  # scipy's step cdf on integer atoms
    np.testing.assert_allclose(dist.frozen.cdf(x), oracle.cdf(x), rtol=1e-12)
    # the inverse of the step cdf: ppf(cdf(atom)) is that atom
    np.testing.assert_array_equal(dist.ppf(dist.frozen.cdf(np.array([1.0, 2.0, 3.0]))), [1.0, 2.0, 3.0])


# Asymmetric intervals: the probabilities are not mirror images (p10/p95, p1/p50, p25/p99), so a solver
# that put the mean (or log-median) at the interval's midpoint fails here; scipy is the oracle.
ASYMMETRIC = [{0.10: 2.0, 0.95: 9.0}, {0.01: -3.0, 0.50: 1.0}, {0.25: 0.5, 0.99: 0.9}, {0.05: 10.0, 0.60: 11.0}]


@pytest.mark.parametrize("quantiles", ASYMMETRIC)
def test_normal_solver_on_asymmetric_intervals(quantiles):
    (p1, v1), (p2, v2) = sorted(quantiles.items())
    params = solve_quantiles("normal", quantiles)
    np.testing.assert_allclose(stats.norm(params["mean"], params["sd"]).ppf([p1, p2]), [v1, v2], rtol=1e-12,
                               atol=1e-12)
    z1, z2 = stats.norm.ppf([p1, p2])  # independent closed form: v = mean + sd z
    sd = (v2 - v1) / (z2 - z1)
    assert params["sd"] == pytest.approx(sd, rel=1e-12)
    assert params["mean"] == pytest.approx(v1 - sd * z1, rel=1e-12, abs=1e-12)
    assert params["mean"] != pytest.approx((v1 + v2) / 2, rel=1e-3)  # not the midpoint


@pytest.mark.parametrize("quantiles", [{p: abs(v) + 0.1 for p, v in q.items()} for q in ASYMMETRIC[:1]]
                         + [{0.10: 0.8, 0.95: 3.0}, {0.01: 0.02, 0.50: 0.5}, {0.25: 1e9, 0.99: 8e9}])
def test_lognormal_solver_on_asymmetric_intervals(quantiles):
    (p1, v1), (p2, v2) = sorted(quantiles.items())
    params = solve_quantiles("lognormal", quantiles)
    frozen = stats.lognorm(params["sigma"], scale=params["median"])
    np.testing.assert_allclose(frozen.ppf([p1, p2]), [v1, v2], rtol=1e-12)
    assert params["median"] != pytest.approx(np.sqrt(v1 * v2), rel=1e-3)  # not the geometric midpoint
    # and the distribution mc samples is that one: its ppf agrees with scipy's
    dist = Distribution("lognormal", params)
    np.testing.assert_allclose(dist.ppf(np.array([p1, p2])), [v1, v2], rtol=1e-12)


def test_closed_form_supports_equal_scipy():
    """Distribution.support() answers without scipy.stats for the continuous families, with scipy's values."""
    from mc.distributions import _SUPPORTS, Distribution

    cases = {"normal": {"mean": 1, "sd": 2}, "lognormal": {"median": 3, "sigma": 0.5},
             "gamma": {"shape": 2, "scale": 3}, "beta": {"alpha": 2, "beta": 5}, "uniform": {"low": 0.1, "high": 0.7},
             "loguniform": {"low": 0.1, "high": 7}, "triangular": {"low": 0.1, "mode": 0.2, "high": 0.7},
             "pert": {"low": 0.1, "mode": 0.2, "high": 0.7}}
    assert set(cases) == set(_SUPPORTS)
    for family, params in cases.items():
        d = Distribution(family, params)
        assert d.support() == tuple(float(v) for v in d.frozen.support()), family


@pytest.mark.parametrize("family,quantiles", [("lognormal", {0.05: 2e13, 0.95: 8e13}), ("normal", {0.1: -1.0, 0.9: 3.0}),
                                              ("beta", {0.05: 0.3, 0.95: 0.6})])
def test_solutions_come_from_the_cache_unchanged(tmp_path, monkeypatch, family, quantiles):
    """The first solve stores its parameters; the second reads the same floats (JSON round-trips them exactly)."""
    from mc import interval

    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path))
    first = solve_quantiles(family, quantiles)
    assert list((tmp_path / "solved").glob("*.json"))

    def no_solve(*args):
        raise AssertionError("solved again instead of read from the cache")

    monkeypatch.setattr(interval, "_ndtri", no_solve)
    second = solve_quantiles(family, quantiles)
    assert second == first  # exact equality of every float
    probs, values = zip(*sorted(quantiles.items()))
    from mc.distributions import FAMILIES

    monkeypatch.undo()
    assert FAMILIES[family].solve(probs, values) == pytest.approx(first, rel=0, abs=0)


@pytest.mark.parametrize("family, quantiles", [("beta", {0.05: 0.3, 0.95: 0.6}), ("beta", {0.1: 0.01, 0.9: 0.2}),
                                               ("gamma", {0.05: 0.8, 0.95: 2.6}), ("gamma", {0.25: 3.0, 0.75: 90.0})])
def test_numeric_solvers_give_the_bits_of_scipy_stats(family, quantiles):
    """The interval solver evaluates scipy.special's quantiles (no scipy.stats import): the same residuals, so the
    same solved parameters, bit for bit, as solving with the frozen scipy.stats distribution."""
    from mc.distributions import FAMILIES
    from mc.interval import beta_start, check_interval, gamma_start, solve_numeric

    probs, values = check_interval(quantiles)
    frozen = {"beta": lambda a, b, p: stats.beta(a, b).ppf(p), "gamma": lambda k, s, p: stats.gamma(k, scale=s).ppf(p)}
    start = {"beta": beta_start, "gamma": gamma_start}[family]
    by_frozen = solve_numeric(frozen[family], tuple(FAMILIES[family].params), start)(probs, values)
    assert FAMILIES[family].solve(probs, values) == by_frozen


@pytest.mark.parametrize("family,params,bounds", [
    ("normal", {"mean": 3.0, "sd": 0.5}, (None, None)),
    ("normal", {"mean": 3.0, "sd": 0.5}, (2.5, None)),  # truncated: the ppf of rng.random
    ("lognormal", {"median": 2.0, "sigma": 0.4}, (None, None)),
    ("beta", {"alpha": 2.0, "beta": 5.0}, (None, None)),
    ("beta", {"alpha": 0.4, "beta": 0.6}, (0.1, 0.9)),
    ("pert", {"low": 1.0, "mode": 2.0, "high": 5.0}, (None, None)),
    ("choice", {"values": [1.0, 2.0, 4.0], "weights": [0.2, 0.5, 0.3]}, (None, None)),
])
def test_compiled_sampling_is_the_numpy_paths_bit_for_bit(monkeypatch, family, params, bounds):
    """Distribution.sample with the compiled kernels (mc.pcg uniforms, mc.ziggurat normals) equals the numpy path,
    and leaves the generator in the same state."""
    dist = Distribution(family, params, *bounds)
    draws, states = [], []
    for mode in ("0", "1"):
        monkeypatch.setenv("MC_COMPILED", mode)
        rng = np.random.default_rng(2024)
        draws.append(dist.sample(rng, 70_001))
        states.append(rng.bit_generator.state)
    np.testing.assert_array_equal(draws[1], draws[0])
    assert states[1] == states[0]
