"""The compiled chunk statistics (mc.kernels) against numpy, bit for bit.

Oracles: ``np.add.reduce`` (numpy's pairwise summation), ``Moments.of`` and
``QuantileSketch``'s numpy path (bin_index, bincount, boolean selection). Every
comparison is exact (``tobytes`` or ``assert_array_equal``): the compiled path and
the numpy path must give the same bits, since auto mode switches between them
within one run.
"""
from __future__ import annotations

import numpy as np
import pytest

from mc import kernels
from mc.stats import CHUNK, Moments, QuantileSketch

SIZES = list(range(0, 140)) + [255, 256, 257, 1000, 1031, 4095, 4096, 12_345, 65_535, CHUNK, 70_001]


def _values(n: int, seed: int, kind: str) -> np.ndarray:
    """Values whose sums are sensitive to order: a wide dynamic range, both signs, and special values."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
    if kind == "offset":  # a large mean and a small spread: the central sums cancel heavily
        x = 1e6 + rng.standard_normal(n)
    if n and kind in ("nan", "inf", "-inf"):
        x[rng.integers(0, n)] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[kind]
    if n and kind == "zeros":
        x[:] = np.where(rng.random(n) < 0.5, -0.0, 0.0)
    return x


def _sums(x: np.ndarray, mean: float, central: bool) -> tuple[float, float, float]:
    return kernels.pairwise_sums(x, mean, central, kernels.pairwise_program(x.size),
                                 np.empty(3 * kernels.PAIRWISE_STACK + 24))


def _sum(x: np.ndarray) -> float:
    return _sums(x, 0.0, False)[0]


def test_pairwise_program_splits_as_numpy():
    """numpy's tree of 1000 values, by hand: 1000 -> 496 (500 down to a multiple of 8) + 504;
    496 -> 248 + 248, 504 -> 248 + 256; 248 -> 120 + 128; 256 -> 128 + 128 (blocks of at most 128)."""
    leaves = [[0, 120], [120, 128], [248, 120], [368, 128], [496, 120], [616, 128], [744, 128], [872, 128]]
    add = [0, -1]
    expected = [leaves[0], leaves[1], add, leaves[2], leaves[3], add, add,
                leaves[4], leaves[5], add, leaves[6], leaves[7], add, add, add]
    assert kernels.pairwise_program(1000).tolist() == expected
    assert kernels.pairwise_program(128).tolist() == [[0, 128]]


def test_buffered_program_is_each_buffers_tree_then_the_running_sum():
    """numpy before 2.3 sums 20,000 values as three 8192-value buffers, each pairwise, added in turn
    (np.add.reduce on 1.26 to 2.2; the floors step of CI checks the kernels against it there)."""
    from mc.kernels import _program, _tree_rows

    expected = _tree_rows(0, 8192) + _tree_rows(8192, 8192) + [(0, -1)] + _tree_rows(16384, 3616) + [(0, -1)]
    assert _program(20_000, 8192).tolist() == [list(r) for r in expected]
    assert _program(8192, 8192).tolist() == [list(r) for r in _tree_rows(0, 8192)]


def _same(a: float, b: float) -> bool:
    return np.float64(a).tobytes() == np.float64(b).tobytes() or (np.isnan(a) and np.isnan(b))


@pytest.mark.parametrize("n", SIZES)
def test_pairwise_sum_is_numpys(n):
    for seed, kind in enumerate(("plain", "offset", "nan", "inf", "zeros")):
        x = _values(n, seed, kind)
        assert _same(_sum(x), np.add.reduce(x)), (n, kind)
        central = _sums(x, 0.5, True)
        c = x - 0.5
        for got, power in zip(central, (c * c, c * (c * c), (c * c) * (c * c))):
            assert _same(got, np.add.reduce(power)), (n, kind)


def test_sum_of_negative_zeros_is_positive_zero_as_numpy():
    for n in (1, 7, 8, 100, 300):
        x = np.full(n, -0.0)
        assert _same(_sum(x), np.add.reduce(x))


def _compiled_moments(x: np.ndarray, sketch: QuantileSketch) -> tuple[Moments, np.ndarray, np.ndarray]:
    hist = np.zeros(sketch.nbins + 1, np.int64)
    index = np.empty(x.size, np.uint16)
    n_neg, low, high = kernels.count_bins(x, sketch.low, sketch.scale, sketch.nbins, hist, index)
    mean = _sum(x) / x.size
    m2, m3, m4 = _sums(x, mean, True)
    return Moments(x.size, mean, m2, m3, m4, n_neg, low, high), index, hist


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf - inf in Moments.of, as intended
@pytest.mark.parametrize("kind", ["plain", "offset", "nan", "inf", "-inf"])
@pytest.mark.parametrize("n", [n for n in SIZES if n > 0])
def test_compiled_chunk_statistics_are_moments_of_and_the_numpy_bins(n, kind):
    x = _values(n, n, kind)
    sketch = QuantileSketch(np.sort(_values(500, 1, "plain")), n, [0.05, 0.5, 0.95])
    fast, index, hist = _compiled_moments(x, sketch)
    plain = Moments.of(x)
    for field in ("mean", "m2", "m3", "m4", "minimum", "maximum"):
        assert _same(getattr(fast, field), getattr(plain, field)), (field, n, kind)
    assert fast.n_negative == plain.n_negative
    np.testing.assert_array_equal(index, sketch.bin_index(x))
    np.testing.assert_array_equal(hist, np.bincount(sketch.bin_index(x), minlength=sketch.nbins + 1))


@pytest.mark.parametrize("compiled", ["0", "1"])
def test_chunk_summary_gives_the_same_bits_on_both_paths(monkeypatch, compiled):
    """QuantileSketch.chunk_summary (compiled or numpy) equals Moments.of after count_into, signed zeros included."""
    monkeypatch.setenv("MC_COMPILED", compiled)
    rng = np.random.default_rng(5)
    for x in (rng.lognormal(0, 2, CHUNK) - 3, np.where(rng.random(CHUNK) < 0.5, -0.0, 0.0),
              np.concatenate([rng.random(CHUNK - 1), [np.nan]]), np.full(5000, 2.5)):
        sketch = QuantileSketch(np.sort(x[::16]), x.size, [0.01, 0.5, 0.99])
        hist = np.zeros(sketch.nbins + 1, np.int64)
        moments, index = sketch.chunk_summary(x, hist, want_index=True)
        expected = Moments.of(x)
        assert all(_same(getattr(moments, f), getattr(expected, f))
                   for f in ("mean", "m2", "m3", "m4", "minimum", "maximum")), moments
        assert moments.n == expected.n and moments.n_negative == expected.n_negative
        np.testing.assert_array_equal(index, sketch.bin_index(x))
        np.testing.assert_array_equal(hist, np.bincount(sketch.bin_index(x), minlength=sketch.nbins + 1))


@pytest.mark.parametrize("with_index", [True, False])
def test_compiled_selection_is_numpys(monkeypatch, with_index):
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.standard_normal(CHUNK - 3), [np.nan, np.inf, -np.inf]])
    sketch = QuantileSketch(np.sort(x[::8]), x.size, [0.01, 0.5, 0.99])
    sketch.count(x)
    sketch.plan()
    index = sketch.bin_index(x) if with_index else None
    monkeypatch.setenv("MC_COMPILED", "0")
    plain = sketch.selected(x, index)
    monkeypatch.setenv("MC_COMPILED", "1")
    fast = sketch.selected(x, index)
    assert plain.size > 0
    np.testing.assert_array_equal(fast, plain)


def test_compiled_selection_of_a_one_bin_sketch_keeps_non_nan(monkeypatch):
    """A constant pilot gives one bin for every non-NaN value and a NaN bin, as bin_index."""
    x = np.concatenate([np.full(5000, 1.0), [np.nan, 2.0]])
    sketch = QuantileSketch(np.ones(10), x.size, [0.5])
    assert sketch.nbins == 1
    sketch.count(x)
    sketch.plan()
    monkeypatch.setenv("MC_COMPILED", "1")
    np.testing.assert_array_equal(sketch.selected(x), x[~np.isnan(x)])


def test_values_in_a_band_are_numpys_on_both_paths(monkeypatch):
    """QuantileSketch.in_bins (a selection band, as mc.streaming keeps in pass 1) is x[wanted.take(index)]."""
    rng = np.random.default_rng(11)
    x = rng.lognormal(0, 1, CHUNK)
    sketch = QuantileSketch(np.sort(x[::8]), 10 * CHUNK, [0.05, 0.5, 0.95])
    index = sketch.bin_index(x)
    wanted = rng.random(sketch.nbins + 1) < 0.1
    expected = x[wanted.take(index)]
    for mode in ("0", "1"):
        monkeypatch.setenv("MC_COMPILED", mode)
        np.testing.assert_array_equal(sketch.in_bins(x, index, wanted), expected)
        np.testing.assert_array_equal(sketch.in_bins(x, None, wanted), expected)
