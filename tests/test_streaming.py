"""Streaming percentile tables equal the in-memory ones exactly; the binned selection is exact."""
import numpy as np
import pytest

from mc.errors import InputError
from mc.priors import load_priors
from mc.results import simulate, summarise
from mc.sampling import STREAM_BLOCK
from mc.stats import PERCENTILES, Moments, QuantileSketch, needed_ranks, quantiles_from_order_statistics, \
    quantiles_with_se
from mc.streaming import summarise_streaming

N = 3 * STREAM_BLOCK + 777  # several whole blocks and a partial last one


@pytest.fixture(scope="module")
def priors():
    return load_priors()


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_streaming_table_equals_in_memory_table(priors, method):
    expected = summarise(simulate(priors, N, seed=3, method=method, keep_inputs=False))
    redrawn = summarise_streaming(priors, N, seed=3, method=method, workers=2, memory_limit=0)
    kept = summarise_streaming(priors, N, seed=3, method=method, workers=1)
    assert redrawn.equals(expected) and kept.equals(expected)


def test_streaming_subset_of_outputs_and_inputs(priors):
    table = summarise_streaming(priors, 5000, seed=1, outputs=["margin", "paid_share"])
    assert list(table["output"].unique()) == ["margin", "paid_share"]
    assert table[table.statistic == "p50"]["unit"].tolist() == ["dimensionless", "dimensionless"]
    with pytest.raises(InputError, match="unknown output"):
        summarise_streaming(priors, 5000, outputs=["nope"])


def _partition_reference(x, probs):
    ranks = needed_ranks(x.size, probs)
    part = np.partition(x, ranks)
    return quantiles_from_order_statistics(x.size, probs, dict(zip(ranks.tolist(), part[ranks])))


@pytest.mark.parametrize("kind", ["lognormal", "ties", "sorted", "nan_and_inf", "cauchy", "one_outlier"])
def test_binned_quantiles_equal_partition(kind):
    """Arrays above the partition threshold take the binned path; it must select the same order statistics."""
    rng = np.random.default_rng(7)
    n = 5 * STREAM_BLOCK + 11
    x = {"lognormal": rng.lognormal(size=n), "ties": rng.integers(0, 4, n).astype(float),
         "sorted": np.sort(rng.normal(size=n)), "cauchy": rng.standard_cauchy(n),
         "nan_and_inf": np.concatenate([rng.normal(size=n), [np.nan] * 50, [np.inf] * 5, [-np.inf] * 4000]),
         "one_outlier": np.r_[np.zeros(n), 1e300]}[kind]
    probs = np.asarray(PERCENTILES) / 100
    for got, want in zip(quantiles_with_se(x, probs), _partition_reference(x, probs)):
        np.testing.assert_array_equal(got, want)


def test_sketch_keeps_a_small_fraction():
    """Bounded memory: the selection pass keeps well under 1% of a million values."""
    x = np.random.default_rng(2).lognormal(size=1_000_000)
    sketch = QuantileSketch(np.sort(x[:STREAM_BLOCK]), x.size, np.asarray(PERCENTILES) / 100)
    for s in range(0, x.size, STREAM_BLOCK):
        sketch.count(x[s:s + STREAM_BLOCK])
    sketch.plan()
    assert 0 < sketch.kept_size < 0.01 * x.size


def test_merged_moments_equal_one_pass_moments():
    """Pébay merges reproduce two-pass central moments (rounding only: 1e-9 relative)."""
    x = np.random.default_rng(3).gamma(2.0, 3.0, 300_001)
    merged = Moments.of_chunks(x)
    c = x - x.mean()
    assert merged.n == x.size and merged.n_negative == 0
    np.testing.assert_allclose([merged.mean, merged.m2, merged.m3, merged.m4],
                               [x.mean(), (c**2).sum(), (c**3).sum(), (c**4).sum()], rtol=1e-9)
    assert (merged.minimum, merged.maximum) == (x.min(), x.max())


def test_mc_run_streams_above_the_memory_limit_with_the_same_table(capsys):
    """`mc run` switches to two streaming passes above --memory-limit; the printed table is unchanged."""
    import json

    from mc.cli import main

    args = ["run", "--draws", str(STREAM_BLOCK + 500), "--seed", "4", "--json", "--workers", "1"]
    assert main(args) == 0
    in_memory = json.loads(capsys.readouterr().out)
    assert main(args + ["--memory-limit", "0.01"]) == 0  # 0.01 MiB: far below 9 outputs x 66k draws x 8 B
    streamed = json.loads(capsys.readouterr().out)
    assert streamed["rows"] == in_memory["rows"] and streamed["meta"]["n_draws"] == STREAM_BLOCK + 500
