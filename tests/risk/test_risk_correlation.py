"""Induced rank correlation: targets met within Monte Carlo error, marginals untouched, bad matrices."""

import numpy as np
import pytest
from scipy import stats

from mc.correlation import achieved_rank_correlations, induce_rank_correlation, nearest_correlation
from mc.errors import InputError
from mc.priors import Correlation, PRIORS_DIR, Priors, load_priors
from mc.sampling import draw

from risk_helpers import toy_priors

N = 65_536  # one stream block
# s.e. of a Spearman coefficient <= sqrt(1.06 / n) = 0.0040 at n = 65536; 4 s.e. = 0.016
TOL = 4 * np.sqrt(1.06 / N)
UNCERTAIN = {"price_cny_per_m_tokens": {"family": "lognormal", "median": 1.5, "sigma": 0.3},
             "paid_share": {"family": "beta", "alpha": 8.0, "beta": 12.0},
             "utilization": {"family": "uniform", "low": 0.3, "high": 0.6},
             "peak_to_avg": {"family": "pert", "low": 2.0, "mode": 3.0, "high": 5.0}}
PAIRS = [["price_cny_per_m_tokens", "paid_share", -0.3], ["utilization", "peak_to_avg", -0.4],
         ["price_cny_per_m_tokens", "utilization", 0.5]]


def correlated(method="gaussian", pairs=PAIRS, repair=False):
    return toy_priors(UNCERTAIN, {"pairs": pairs, "method": method, "repair": repair})


@pytest.mark.parametrize("method", ["gaussian", "iman-conover"])
@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_achieved_rank_correlations_hit_targets(method, sampling):
    priors = correlated(method)
    table = achieved_rank_correlations(draw(priors, N, seed=4, method=sampling), priors)
    assert list(table.columns) == ["pair", "target", "achieved", "mc_se"]
    np.testing.assert_allclose(table["achieved"], table["target"], atol=TOL)


@pytest.mark.parametrize("method", ["gaussian", "iman-conover"])
def test_reordering_keeps_every_value(method):
    # LHS draws go through the inverse CDF with or without correlation, so the correlated run
    # must hold exactly the same values per input, only paired differently (stratification kept).
    plain = draw(toy_priors(UNCERTAIN), N, seed=9, method="lhs")
    corr = draw(correlated(method), N, seed=9, method="lhs")
    for name in UNCERTAIN:
        np.testing.assert_array_equal(np.sort(corr[name]), np.sort(plain[name]))
    assert not np.array_equal(corr["paid_share"], plain["paid_share"])


@pytest.mark.parametrize("method", ["gaussian", "iman-conover"])
def test_marginals_follow_declared_distributions(method):
    priors = correlated(method)
    drawn = draw(priors, N, seed=21, method="mc")
    for name in UNCERTAIN:
        # a correct marginal fails KS at 1e-3 with probability 1e-3 (fixed seed: deterministic)
        assert stats.kstest(drawn[name], priors[name].distribution.frozen.cdf).pvalue > 1e-3


def test_uncorrelated_inputs_keep_their_draws():
    priors = correlated(pairs=[["price_cny_per_m_tokens", "paid_share", -0.3]])
    plain = draw(toy_priors(UNCERTAIN), 1000, seed=3, method="lhs")
    corr = draw(priors, 1000, seed=3, method="lhs")
    for name in ("utilization", "peak_to_avg", "price_cny_per_m_tokens"):  # the first of a gaussian pair stays
        np.testing.assert_array_equal(corr[name], plain[name])


def test_iman_conover_is_tighter_than_its_tolerance():
    # Iman-Conover imposes the normal scores' Pearson matrix exactly; Spearman then differs only by
    # the scores-to-ranks nonlinearity, far below sampling error.
    priors = correlated("iman-conover")
    table = achieved_rank_correlations(draw(priors, N, seed=1, method="lhs"), priors)
    np.testing.assert_allclose(table["achieved"], table["target"], atol=0.005)


def test_not_positive_definite_names_the_pairs():
    bad = [["price_cny_per_m_tokens", "paid_share", 0.9], ["paid_share", "utilization", 0.9],
           ["price_cny_per_m_tokens", "utilization", -0.9], ["utilization", "peak_to_avg", 0.1]]
    priors = correlated(pairs=bad)
    with pytest.raises(InputError) as err:
        draw(priors, 100, seed=0)
    message = str(err.value)
    assert "not positive definite" in message and "repair = true" in message
    for pair in ("price_cny_per_m_tokens~paid_share", "paid_share~utilization", "price_cny_per_m_tokens~utilization"):
        assert pair in message
    assert "peak_to_avg" not in message


def test_repair_warns_and_yields_a_valid_matrix():
    bad = [["price_cny_per_m_tokens", "paid_share", 0.9], ["paid_share", "utilization", 0.9],
           ["price_cny_per_m_tokens", "utilization", -0.9]]
    priors = correlated(pairs=bad, repair=True)
    with pytest.warns(RuntimeWarning, match="repaired"):
        drawn = draw(priors, N, seed=0, method="lhs")
    table = achieved_rank_correlations(drawn, priors).set_index("pair")["achieved"]
    # the repaired matrix keeps the signs but softens the impossible triangle
    assert table["price_cny_per_m_tokens~paid_share"] > 0.2
    assert table["price_cny_per_m_tokens~utilization"] < -0.2
    assert abs(table["price_cny_per_m_tokens~utilization"]) < 0.9


def test_nearest_correlation_matches_higham_example():
    # Higham (2002), IMA J. Numer. Anal. 22, section 4: nearest correlation matrix to this A
    a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
    x = nearest_correlation(a)
    np.testing.assert_allclose(x, expected, atol=2e-4)  # eigenvalue floor 1e-6 moves entries by ~1e-6
    assert np.linalg.eigvalsh(x).min() > 0


def test_fixed_input_drops_its_pairs():
    priors = correlated().with_fixed("paid_share", 0.4)
    drawn = draw(priors, 1000, seed=0, method="mc")
    assert np.all(drawn["paid_share"] == 0.4)


def test_induce_returns_same_names_and_values():
    rng = np.random.default_rng(0)
    u = {n: rng.random(500) for n in ("a", "b", "c")}
    out = induce_rank_correlation(u, Correlation((("a", "b", 0.7),)), np.random.default_rng(1))
    assert set(out) == {"a", "b", "c"}
    np.testing.assert_array_equal(out["c"], u["c"])
    np.testing.assert_array_equal(np.sort(out["b"]), np.sort(u["b"]))


def test_shipped_correlated_priors_and_run_output(run_mc):
    priors = load_priors(PRIORS_DIR / "correlated.toml")
    assert {(a, b) for a, b, _ in priors.correlation.pairs} == {("price_cny_per_m_tokens", "paid_share"),
                                                                ("utilization", "peak_to_avg")}
    code, out, err = run_mc("run", PRIORS_DIR / "correlated.toml", "--draws", "20000")
    assert code == 0, err
    assert "target -0.300  achieved" in out and "utilization~peak_to_avg" in out


# -- common random numbers with a correlation block (issue 16 item 2) ---------------------------------
UNCORRELATED = {**UNCERTAIN, "gpu_price_cny": {"family": "lognormal", "median": 150_000.0, "sigma": 0.2},
                "depreciation_years": {"family": "uniform", "low": 4.0, "high": 7.0}}
TWO_GROUPS = [["price_cny_per_m_tokens", "paid_share", -0.3], ["utilization", "peak_to_avg", -0.4]]


@pytest.mark.parametrize("method", ["gaussian", "iman-conover"])
@pytest.mark.parametrize("sampling", ["mc", "lhs", "sobol"])
@pytest.mark.parametrize("fixed,untouched", [
    # an input in no pair: every other input keeps its draws
    ("gpu_price_cny", ["price_cny_per_m_tokens", "paid_share", "utilization", "peak_to_avg", "depreciation_years"]),
    # an input of one group: the other group and the free inputs keep theirs
    ("paid_share", ["utilization", "peak_to_avg", "gpu_price_cny", "depreciation_years"]),
])
def test_fixing_one_input_leaves_other_groups_bit_identical(method, sampling, fixed, untouched):
    priors = toy_priors(UNCORRELATED, {"pairs": TWO_GROUPS, "method": method})
    n = N + 1000  # a whole block and a partial one
    a = draw(priors, n, seed=6, method=sampling)
    b = draw(priors.with_fixed(fixed, float(priors[fixed].distribution.median())), n, seed=6, method=sampling)
    for name in untouched:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_components_are_the_connected_groups():
    from mc.correlation import components

    pairs = (("a", "b", 0.1), ("c", "d", 0.2), ("d", "e", 0.3), ("b", "f", 0.4))
    assert components(("a", "b", "c", "d", "e", "f", "g"), pairs) == [("a", "b", "f"), ("c", "d", "e")]


# -- Iman-Conover on short blocks (issue 16 item 3) -----------------------------------------------------
@pytest.mark.parametrize("n_draws", [65_538, 65_539, 4, 131_074, 1, 2, 3])
def test_iman_conover_survives_a_last_block_shorter_than_the_inputs(n_draws):
    """priors/correlated.toml with iman-conover crashed (LinAlgError) when the last block held fewer
    draws than correlated inputs; now every size works and whole blocks keep their exact correlation."""
    base = load_priors(PRIORS_DIR / "correlated.toml")
    priors = Priors(base.assumptions, base.origin, base.meta, Correlation(base.correlation.pairs, "iman-conover"))
    drawn = draw(priors, n_draws, seed=3)
    for name in priors.names:
        assert drawn[name].shape == (n_draws,) and np.all(np.isfinite(drawn[name]))
    if n_draws > N:  # the first, whole block: scores' correlation imposed exactly (see the tighter test above)
        table = achieved_rank_correlations({k: v[:N] for k, v in drawn.items()}, priors)
        np.testing.assert_allclose(table["achieved"], table["target"], atol=0.005)


def test_iman_conover_short_block_still_correlates():
    """A block of 300 draws: the scores come from >= 1024 rows, and the pairs keep their sign and size
    (s.e. of Spearman at n = 300 is about 0.06; 4 s.e. tolerance)."""
    priors = correlated("iman-conover")
    table = achieved_rank_correlations(draw(priors, 300, seed=2), priors)
    np.testing.assert_allclose(table["achieved"], table["target"], atol=4 * np.sqrt(1.06 / 297))


# -- the repair warning, once (issue 16 item 5) --------------------------------------------------------
def test_repair_warning_is_printed_once_by_mc_run(tmp_path, cli):
    text = (PRIORS_DIR / "correlated.toml").read_text()
    text = text.replace("repair = false", "repair = true").replace(
        '["price_cny_per_m_tokens", "paid_share", -0.3],',
        '["price_cny_per_m_tokens", "paid_share", 0.9], ["paid_share", "utilization", 0.9], '
        '["price_cny_per_m_tokens", "utilization", -0.9],')
    path = tmp_path / "repair.toml"
    path.write_text(text)
    result = cli("run", path, "--draws", "70000", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("repaired to the nearest valid one") == 1, result.stderr
    assert "achieved" in result.stdout


# -- independence of inputs in no pair (issue 16 item 7) ----------------------------------------------
@pytest.mark.parametrize("sampling", ["mc", "lhs", "sobol"])
@pytest.mark.parametrize("pairs", [[], TWO_GROUPS])
def test_inputs_in_no_pair_are_independent(sampling, pairs):
    """Every pair of inputs not declared correlated has Spearman rho ~ 0 and a flat joint histogram.

    Spearman: s.e. sqrt(1.06 / (n - 3)) = 0.004 at n = 65536, 4.5 s.e. tolerance (21 pairs, so a
    Bonferroni-style margin). Joint 8x8 histogram of the uniforms: chi-square with 49 d.o.f. at
    p > 1e-4 (for LHS and Sobol the marginals are stratified, which only lowers the statistic).
    """
    priors = toy_priors(UNCORRELATED, {"pairs": pairs} if pairs else None)
    drawn = draw(priors, N, seed=17, method=sampling)
    declared = {frozenset(p[:2]) for p in pairs}
    names = list(UNCORRELATED)
    u = {n: priors[n].distribution.frozen.cdf(drawn[n]) for n in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if frozenset((a, b)) in declared:
                continue
            rho = stats.spearmanr(drawn[a], drawn[b]).statistic
            assert abs(rho) < 4.5 * np.sqrt(1.06 / (N - 3)), (a, b, rho)
            counts, _, _ = np.histogram2d(u[a], u[b], bins=8, range=[[0, 1], [0, 1]])
            assert stats.chi2_contingency(counts).pvalue > 1e-4, (a, b)
