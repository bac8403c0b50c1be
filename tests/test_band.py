"""The selection band: one pass when it holds every needed bin, an exact redraw when it does not."""
import numpy as np
import pytest

import mc.band
import mc.streaming
from mc.band import band_mask
from mc.priors import load_priors
from mc.results import simulate, summarise
from mc.sampling import STREAM_BLOCK
from mc.stats import PERCENTILES, QuantileSketch
from mc.streaming import summarise_streaming

N = 9 * STREAM_BLOCK + 123  # band narrowed after blocks 1, 2, 4 and 8, and a partial last block


@pytest.fixture(scope="module")
def priors():
    return load_priors()


@pytest.fixture(scope="module")
def expected(priors):
    return summarise(simulate(priors, N, seed=5, keep_inputs=False))


def _counting_evaluations(monkeypatch) -> list:
    calls = []
    original = mc.streaming.evaluate_block

    def counted(*args, **kwargs):
        calls.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(mc.streaming, "evaluate_block", counted)
    return calls


@pytest.mark.parametrize("workers", [1, 2])
def test_band_gives_the_table_in_one_pass(priors, expected, monkeypatch, workers):
    """Every block is drawn once (the band held every needed bin), and the table is the in-memory one, bit for bit."""
    calls = _counting_evaluations(monkeypatch)
    table = summarise_streaming(priors, N, seed=5, workers=workers)
    assert table.equals(expected)
    assert len(calls) == -(-N // STREAM_BLOCK)  # block 0 is evaluated once, for the pilot, and reused


def test_a_missed_band_redraws_and_stays_exact(priors, expected, monkeypatch):
    """A band far too narrow misses needed bins: pass 2 redraws, and the table is still exact."""
    monkeypatch.setattr(mc.band, "K_SIGMA", 0.0)
    monkeypatch.setattr(mc.band, "SLACK_RANKS", 0)
    calls = _counting_evaluations(monkeypatch)
    assert summarise_streaming(priors, N, seed=5, workers=2).equals(expected)
    assert len(calls) > -(-N // STREAM_BLOCK)


def test_band_over_the_memory_limit_redraws(priors, expected, monkeypatch):
    """Kept values above memory_limit: the band gives up, pass 2 redraws, same table."""
    calls = _counting_evaluations(monkeypatch)
    assert summarise_streaming(priors, N, seed=5, workers=1, memory_limit=50_000).equals(expected)
    assert len(calls) == 2 * -(-N // STREAM_BLOCK)


def test_band_mask_holds_the_ranks_of_the_counted_values():
    """With every value counted (N = n) the band holds the bin of each needed rank, and few other bins."""
    x = np.random.default_rng(4).lognormal(size=200_000)
    probs = np.asarray(PERCENTILES) / 100
    sketch = QuantileSketch(np.sort(x[:STREAM_BLOCK]), x.size, probs)
    sketch.count(x)
    sketch.plan()
    mask = band_mask(sketch.hist, (sketch.ranks + 0.5) / sketch.n)
    bins_of_ranks = np.searchsorted(np.cumsum(sketch.hist), sketch.ranks, side="right")
    assert mask[bins_of_ranks].all()
    # 5 sd of 200,000 binomial ranks around 36 ranks at 9 percentiles: about 12% of the values at most
    assert sketch.hist[mask].sum() < 0.13 * x.size


def test_band_mask_from_a_pilot_covers_a_longer_run():
    """A band from the first 65,536 values holds the needed bins of 2 million (5 sd: a miss is ~1e-6 per rank)."""
    rng = np.random.default_rng(9)
    x = rng.gamma(0.7, 2.0, 2_000_000)
    probs = np.asarray(PERCENTILES) / 100
    sketch = QuantileSketch(np.sort(x[:STREAM_BLOCK]), x.size, probs)
    pilot = np.bincount(sketch.bin_index(x[:STREAM_BLOCK]), minlength=sketch.nbins + 1)
    mask = band_mask(pilot, (sketch.ranks + 0.5) / sketch.n)
    sketch.count(x)
    sketch.plan()
    assert mask[np.searchsorted(np.cumsum(sketch.hist), sketch.ranks, side="right")].all()


def test_band_mask_of_no_counts_is_everything():
    assert band_mask(np.zeros(5, np.int64), np.array([0.5])).all()
