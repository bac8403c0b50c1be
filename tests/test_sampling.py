"""Reproducibility, block and worker invariance, and the LHS / Sobol designs."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats
from scipy.stats import qmc

from mc.priors import PRIORS_DIR, load_priors
from mc.results import simulate
from mc.priors import Priors
from mc.sampling import STREAM_BLOCK, blocks, draw, sobol_dimensions, stream

N = 2 * STREAM_BLOCK + 1234  # two whole blocks and a partial one


@pytest.fixture(scope="module")
def priors():
    return load_priors()


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_same_seed_same_numbers_any_workers(priors, method):
    one = draw(priors, N, seed=3, method=method, workers=1)
    two = draw(priors, N, seed=3, method=method, workers=2)
    for name in priors.names:
        np.testing.assert_array_equal(one[name], two[name])


def test_different_seeds_differ(priors):
    a, b = draw(priors, 1000, seed=1), draw(priors, 1000, seed=2)
    assert not np.array_equal(a["price_cny_per_m_tokens"], b["price_cny_per_m_tokens"])


@pytest.mark.parametrize("method", ["mc", "sobol"])
def test_a_shorter_run_is_a_prefix_of_a_longer_one(priors, method):
    short = draw(priors, STREAM_BLOCK + 10, seed=5, method=method)
    long = draw(priors, N, seed=5, method=method)
    for name in priors.names:
        np.testing.assert_array_equal(short[name], long[name][: STREAM_BLOCK + 10])


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_whole_blocks_are_a_prefix_with_a_correlation_block(method):
    """The narrowed promise of the module docstring: whole stream blocks are prefixes for every method,
    with correlation too; a partial block is not (LHS and the reordering depend on the block's size)."""
    priors = load_priors(PRIORS_DIR / "correlated.toml")
    short, long = draw(priors, STREAM_BLOCK, seed=5, method=method), draw(priors, N, seed=5, method=method)
    for name in priors.names:
        np.testing.assert_array_equal(short[name], long[name][:STREAM_BLOCK])
    partial = draw(priors, STREAM_BLOCK + 10, seed=5, method=method)
    assert not np.array_equal(partial["paid_share"][STREAM_BLOCK:], long["paid_share"][STREAM_BLOCK:STREAM_BLOCK + 10])


def test_simulation_is_worker_invariant(priors):
    a = simulate(priors, N, seed=11, workers=1)
    b = simulate(priors, N, seed=11, workers=3)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values)


def test_blocks_cover_every_draw_once():
    parts = blocks(N)
    assert parts[0].start == 0 and parts[-1].stop == N
    assert all(p.stop == q.start for p, q in zip(parts, parts[1:]))
    assert [p.size for p in parts] == [STREAM_BLOCK, STREAM_BLOCK, 1234]


def test_streams_are_independent_per_assumption_and_block():
    a, b, c = stream(1, 0, "paid_share"), stream(1, 1, "paid_share"), stream(1, 0, "utilization")
    xa, xb, xc = a.random(1000), b.random(1000), c.random(1000)
    assert not np.array_equal(xa, xb) and not np.array_equal(xa, xc)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
@pytest.mark.parametrize("fixed", ["paid_share", "gpu_tflops", "price_cny_per_m_tokens"])
def test_fixing_one_input_leaves_every_other_input_bit_identical(priors, method, fixed):
    """Common random numbers: fixing one input (as a scenario or the tornado does) moves no other draw.

    gpu_tflops is what the bf16 scenario changes; under Sobol it used to shift every later input
    onto another dimension. N spans a partial block, so fast-forwarded Sobol blocks are covered too.
    """
    value = float(priors[fixed].distribution.median())
    a, b = draw(priors, N, seed=9, method=method), draw(priors.with_fixed(fixed, value), N, seed=9, method=method)
    assert np.all(b[fixed] == value) and not np.array_equal(a[fixed], b[fixed])
    for name in priors.names:
        if name != fixed:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_changing_a_distribution_leaves_every_other_input_bit_identical(priors, method):
    """Not only fixing: a new distribution for one input (a scenario's usual change) moves nothing else."""
    from mc.distributions import Distribution
    from mc.priors import Assumption

    new = Assumption("utilization", Distribution("uniform", {"low": 0.2, "high": 0.4}), unit="fraction")
    a, b = draw(priors, 5000, seed=9, method=method), draw(priors.replace(new), 5000, seed=9, method=method)
    assert not np.array_equal(a["utilization"], b["utilization"])
    for name in priors.names:
        if name != "utilization":
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_lhs_is_stratified_within_each_block(priors):
    x = draw(priors, STREAM_BLOCK, seed=4, method="lhs")["utilization"]
    u = priors["utilization"].distribution.frozen.cdf(x)
    strata = np.floor(u * STREAM_BLOCK).astype(int)
    assert np.array_equal(np.sort(strata), np.arange(STREAM_BLOCK))


def test_sobol_blocks_equal_one_scrambled_sequence(priors):
    """Fast-forwarded blocks reproduce one unbroken scrambled Sobol sequence, one dimension per name."""
    from mc.sampling import _SOBOL_KEY

    n = 2 * STREAM_BLOCK  # a power of two, as Sobol balance wants
    x = draw(priors, n, seed=8, method="sobol")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(8, spawn_key=(_SOBOL_KEY,))))
    points = qmc.Sobol(len(priors.names), scramble=True, rng=rng).random(n)
    dims = sobol_dimensions(priors)
    assert sorted(dims.values()) == list(range(len(priors.names)))  # every input, fixed or not, has one
    for name in priors.uncertain:
        np.testing.assert_array_equal(x[name], priors[name].distribution.ppf(points[:, dims[name]]))
    # and the design is low-discrepancy: far below iid uniforms of the same size
    u = points[:4096, :2]
    assert qmc.discrepancy(u) < qmc.discrepancy(np.random.default_rng(0).random((4096, 2))) / 5


def test_sobol_dimensions_depend_on_names_only(priors):
    """File order and which inputs are fixed do not move any input's dimension."""
    reordered = Priors(dict(reversed(list(priors.assumptions.items()))), origin="<reversed>")
    fixed = priors.with_fixed("gpu_tflops", 989.0)
    assert sobol_dimensions(reordered) == sobol_dimensions(priors) == sobol_dimensions(fixed)
    a, b = draw(priors, 3000, seed=2, method="sobol"), draw(reordered, 3000, seed=2, method="sobol")
    for name in priors.names:
        np.testing.assert_array_equal(a[name], b[name])


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_marginals_follow_their_priors(priors, method):
    x = draw(priors, 32768, seed=12, method=method)
    for name in ("price_cny_per_m_tokens", "paid_share", "depreciation_years", "active_params"):
        cdf = priors[name].distribution.frozen.cdf
        assert stats.kstest(x[name], cdf).pvalue > 1e-3, name


def test_fixed_inputs_are_constant(priors):
    x = draw(priors, 1000, seed=1)
    assert np.all(x["tokens_per_day"] == 1e14)


def test_public_api_labels_draws_and_outputs(priors):
    import mc

    inputs = mc.draw(priors, 3000, seed=2)
    assert inputs.attrs["seed"] == 2 and inputs.attrs["n_draws"] == 3000
    assert inputs.attrs["priors_hash"] == priors.hash and inputs.attrs["mc_version"] == mc.__version__
    assert inputs["paid_share"].dims == ("sample",) and inputs["paid_share"].attrs["unit"] == "dimensionless"
    outputs = mc.evaluate(inputs)
    assert outputs.attrs["seed"] == 2
    full = mc.simulate(priors, 3000, seed=2)
    np.testing.assert_array_equal(outputs["margin"].values, full["margin"].values)
    table = mc.summarise(outputs)
    assert set(table["output"]) >= {"revenue_cny_per_year", "capex_cny_per_year", "margin"}


@settings(max_examples=12, deadline=None, derandomize=True)  # same examples every run
@given(n=st.integers(min_value=1, max_value=3 * STREAM_BLOCK + 7),
       chunk=st.integers(min_value=1, max_value=4 * STREAM_BLOCK),
       method=st.sampled_from(["mc", "lhs", "sobol"]), workers=st.integers(min_value=1, max_value=3))
def test_chunk_size_and_workers_never_change_the_numbers(n, chunk, method, workers):
    priors = load_priors()
    reference = draw(priors, n, seed=21, method=method)
    chunked = draw(priors, n, seed=21, method=method, workers=workers, chunk_size=chunk)
    for name in priors.names:
        np.testing.assert_array_equal(reference[name], chunked[name])


def test_chunks_are_whole_stream_blocks():
    parts = blocks(5 * STREAM_BLOCK + 3, chunk_size=2 * STREAM_BLOCK - 1)
    assert [(p.start, p.stop) for p in parts] == [(0, 2 * STREAM_BLOCK), (2 * STREAM_BLOCK, 4 * STREAM_BLOCK),
                                                   (4 * STREAM_BLOCK, 5 * STREAM_BLOCK + 3)]
    assert [len(p.streams()) for p in parts] == [2, 2, 2]


@pytest.mark.parametrize("size", [4096, 5000, STREAM_BLOCK, 70_001])
def test_compiled_latin_hypercube_is_scipys(monkeypatch, size):
    """The compiled permutation replays scipy's LatinHypercube from the same stream, bit for bit."""
    from mc.sampling import latin_hypercube

    monkeypatch.setenv("MC_COMPILED", "1")
    expected = qmc.LatinHypercube(1, rng=stream(7, 0, "x")).random(size)[:, 0]
    np.testing.assert_array_equal(latin_hypercube(stream(7, 0, "x"), size), expected)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
@pytest.mark.parametrize("priors_file", ["base.toml", "correlated.toml"])
@pytest.mark.parametrize("pcg", ["1", "0"])  # compiled words (mc.pcg), or numpy's on the compiled path
def test_compiled_and_numpy_draws_are_bit_identical(monkeypatch, method, priors_file, pcg):
    priors = load_priors(PRIORS_DIR / priors_file)
    monkeypatch.setenv("MC_PCG", pcg)
    monkeypatch.setenv("MC_COMPILED", "0")
    plain = draw(priors, N, seed=13, method=method)
    monkeypatch.setenv("MC_COMPILED", "1")
    fast = draw(priors, N, seed=13, method=method, workers=2, chunk_size=2 * STREAM_BLOCK)
    for name in priors.names:
        np.testing.assert_array_equal(fast[name], plain[name], err_msg=name)
