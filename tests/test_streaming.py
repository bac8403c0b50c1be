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
    """Bounded memory: the selection pass keeps only the bins holding a needed rank (at most one per rank),
    each a small share of the values: 4096 bins at least, about 256 values a bin on average, so under 2% of a
    million lognormal values even where the density peaks (1.3% here)."""
    x = np.random.default_rng(2).lognormal(size=1_000_000)
    sketch = QuantileSketch(np.sort(x[:STREAM_BLOCK]), x.size, np.asarray(PERCENTILES) / 100)
    for s in range(0, x.size, STREAM_BLOCK):
        sketch.count(x[s:s + STREAM_BLOCK])
    sketch.plan()
    assert sketch.nbins == 4096
    assert 0 < sketch.kept_size <= len(set(sketch.bins_of_ranks.tolist())) * sketch.hist.max()
    assert sketch.kept_size < 0.02 * x.size


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


# --- fused statistics (issue 15.2): compiled and numpy passes, compact counts, constant outputs ---

@pytest.mark.parametrize("compiled", ["0", "1"])
def test_fused_count_equals_numpy_histogram(monkeypatch, compiled):
    """QuantileSketch.count_into (compiled kernel or numpy) gives bin_index's bins, bincount's counts and x < 0's count."""
    monkeypatch.setenv("MC_COMPILED", compiled)
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.normal(size=STREAM_BLOCK), [np.nan, np.inf, -np.inf, 0.0, -0.0]])
    sketch = QuantileSketch(np.sort(x[:5000]), x.size, np.asarray(PERCENTILES) / 100)
    hist = np.zeros(sketch.nbins + 1, dtype=np.int64)
    index, n_negative = sketch.count_into(x, hist, want_index=True)
    np.testing.assert_array_equal(index, sketch.bin_index(x))
    np.testing.assert_array_equal(hist, np.bincount(sketch.bin_index(x), minlength=sketch.nbins + 1))
    assert n_negative == np.count_nonzero(x < 0) and sketch.count_into(x, hist)[0] is None


def test_fused_and_unfused_tables_are_equal(priors, monkeypatch):
    """The compiled fused pass and the numpy pass give the same table, in memory and streamed, bit for bit."""
    monkeypatch.setenv("MC_COMPILED", "0")
    unfused = summarise(simulate(priors, 5 * STREAM_BLOCK + 9, seed=8, keep_inputs=False))
    monkeypatch.setenv("MC_COMPILED", "1")
    fused = summarise(simulate(priors, 5 * STREAM_BLOCK + 9, seed=8, keep_inputs=False))
    streamed = summarise_streaming(priors, 5 * STREAM_BLOCK + 9, seed=8, workers=2, memory_limit=0)
    assert fused.equals(unfused) and streamed.equals(unfused)


@pytest.mark.parametrize("chunk", [2 * STREAM_BLOCK, 3 * STREAM_BLOCK])
def test_streaming_table_is_the_same_for_any_chunk_size(priors, chunk):
    """Moments merge per stream block whatever the task size, so the table never depends on chunking."""
    expected = summarise_streaming(priors, N, seed=6)
    assert summarise_streaming(priors, N, seed=6, chunk_size=chunk, workers=2, memory_limit=0).equals(expected)


@pytest.mark.parametrize("counts", [np.zeros(10, np.int64), np.r_[np.zeros(5000, np.int64), 7, 2**40],
                                    np.arange(4097, dtype=np.int64), np.full(300, 2**17, np.int64)])
def test_packed_counts_round_trip(counts):
    """Per-task histograms ship compactly (only non-empty bins, or the narrowest type) and unpack exactly."""
    from mc.stats import pack_counts, unpack_counts

    packed = pack_counts(counts)
    np.testing.assert_array_equal(unpack_counts(packed, counts.size), counts)
    assert sum(a.nbytes for a in packed[1:] if a is not None) <= counts.nbytes


def test_sparse_counts_are_small():
    """A histogram with 3 non-empty bins of 65,536 ships as 3 bins, not 65,536."""
    from mc.stats import pack_counts

    counts = np.zeros(65_536, np.int64)
    counts[[5, 70, 9000]] = [1, 2, 3]
    kind, bins, values = pack_counts(counts)
    assert kind == "sparse" and bins.tolist() == [5, 70, 9000] and values.tolist() == [1, 2, 3]


def test_constant_outputs_are_known_without_draws(priors):
    """tokens_per_s depends only on the fixed tokens_per_day: constant, and skipped."""
    from mc.streaming import constant_outputs

    names = list(priors.model.outputs)
    constant = constant_outputs(priors, names + ["tokens_per_day", "paid_share"])
    assert constant == {"tokens_per_s": 1e14 / 86_400, "tokens_per_day": 1e14}
    table = summarise_streaming(priors, 2000, seed=2, outputs=["tokens_per_s"])
    assert table.value.tolist()[:9] == [1e14 / 86_400] * 9 and table.mc_se.eq(0).all()
