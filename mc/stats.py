"""Summary statistics of Monte Carlo draws, each with its Monte Carlo standard error.

Numeric kernels on plain arrays; mc.results puts labels on top.

Quantile standard errors are distribution-free: the order statistics at ranks
``n (p -/+ sqrt(p (1 - p) / n))`` bracket the p-quantile by one binomial
standard deviation on each side, so half their distance estimates the standard
error of the sample quantile without estimating a density.  For LHS and Sobol
draws these iid formulas overstate the error (they are conservative).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from mc.moments import CHUNK, Moments  # noqa: F401 (CHUNK re-exported: callers read it here)

PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99)
STATISTICS = tuple(f"p{p}" for p in PERCENTILES) + ("mean", "sd", "p_negative")
_PARTITION_MAX = 4 * CHUNK  # up to here np.partition is fast enough
_PILOT_SIZE = 16_384  # strided sample that places the bins of a QuantileSketch


def _quantile_ranks(n: int, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pos = (n - 1) * probs  # numpy's default "linear" quantile position
    lower, upper = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    half = np.sqrt(probs * (1 - probs) / n)
    lo = np.clip(np.floor(n * (probs - half)), 0, n - 1).astype(np.int64)
    hi = np.clip(np.ceil(n * (probs + half)), 0, n - 1).astype(np.int64)
    return lower, upper, lo, hi


def quantiles_with_se(values: np.ndarray, probs) -> tuple[np.ndarray, np.ndarray]:
    """Sample quantiles (numpy's linear definition) and their standard errors.

    Parameters
    ----------
    values : 1-D array
        The draws (NaNs sort last and should be absent).
    probs : sequence of float in (0, 1)

    Returns
    -------
    (quantiles, standard_errors) : arrays shaped like `probs`
    """
    probs = np.asarray(probs, dtype=float)
    x = np.asarray(values, dtype=float).ravel()
    ranks = needed_ranks(x.size, probs)
    if x.size <= _PARTITION_MAX:
        part = np.partition(x, ranks)
        return quantiles_from_order_statistics(x.size, probs, dict(zip(ranks.tolist(), part[ranks])))
    # large arrays: the same order statistics by two binned passes over cache-sized chunks
    # (a few times faster than np.partition with dozens of kth); a strided pilot sets the bins
    sketch = QuantileSketch(np.sort(x[:: max(1, x.size // _PILOT_SIZE)]), x.size, probs)
    chunks = [x[s:s + CHUNK] for s in range(0, x.size, CHUNK)]
    stored = [sketch.count(c) for c in chunks]
    sketch.plan()
    for c, index in zip(chunks, stored):
        sketch.select(c, index)
    return quantiles_from_order_statistics(x.size, probs, sketch.order_statistics())


def needed_ranks(n: int, probs: np.ndarray) -> np.ndarray:
    """The 0-based order statistics a quantile table with standard errors reads."""
    return np.unique(np.concatenate(_quantile_ranks(n, np.asarray(probs, dtype=float))))


def quantiles_from_order_statistics(n: int, probs, value_at_rank) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles and standard errors from ``{rank: order statistic}`` (see :func:`needed_ranks`)."""
    probs = np.asarray(probs, dtype=float)
    lower, upper, lo, hi = _quantile_ranks(n, probs)
    at = np.vectorize(lambda r: value_at_rank[int(r)], otypes=[float])
    frac = (n - 1) * probs - lower
    q = at(lower) + frac * (at(upper) - at(lower))
    return q, (at(hi) - at(lo)) / 2


class QuantileSketch:
    """Exact order statistics of a long array seen in chunks, in bounded memory.

    Pass 1 (:meth:`count`) histograms every chunk on a fixed grid of equal-width
    bins between two pilot quantiles (values outside fall in the end bins, NaN in
    its own last bin); :meth:`plan` finds the bins holding the needed ranks; pass 2
    (:meth:`select`) keeps only values in those bins.  Bin index is monotone in
    the value, so the kept values, sorted, give the needed order statistics
    exactly.  Memory is the histogram plus the kept values (a few per million).

    Parameters
    ----------
    pilot : sorted 1-D array
        A sample of the values (e.g. the first block) that places the bins.
    n : int
        Total number of values that will be counted.
    probs : sequence of float in (0, 1)
        Quantile probabilities (their ±1 s.e. ranks are included).
    """

    def __init__(self, pilot: np.ndarray, n: int, probs):
        self.n, self.probs = int(n), np.asarray(probs, dtype=float)
        self.ranks = needed_ranks(self.n, self.probs)
        # about 256 values a bin (uint16 indices): a histogram of runs below 17 M draws stays in L2 (+10% at 3e6)
        self.nbins = int(np.clip(self.n // 256, 4096, 65_535))
        finite = pilot[np.isfinite(pilot)]
        lo, hi = (np.quantile(finite, [self.probs.min() / 2, (1 + self.probs.max()) / 2])
                  if finite.size else (0.0, 0.0))
        if not hi > lo:  # (near) constant pilot: one bin for every non-NaN value
            self.nbins, lo, hi = 1, 0.0, 1.0
        self.low, self.scale = float(lo), self.nbins / (float(hi) - float(lo))
        self.hist = np.zeros(self.nbins + 1, dtype=np.int64)
        self._wanted = self._kept = None

    def bin_index(self, x: np.ndarray) -> np.ndarray:
        """Bin of each value: monotone in the value, NaN last."""
        if self.nbins == 1:
            return np.isnan(x).astype(np.uint16)
        t = x - self.low
        t *= self.scale
        np.clip(t, 0, self.nbins - 1, out=t)
        with np.errstate(invalid="ignore"):
            index = t.astype(np.uint16)
        if np.isnan(t.sum()):
            index[np.isnan(t)] = self.nbins
        return index

    def count_into(self, x: np.ndarray, hist: np.ndarray, *, want_index: bool = False
                   ) -> tuple[np.ndarray | None, int]:
        """Fused pass 1 over one chunk: add its bin counts to `hist` and count its negative values.

        One compiled pass (:func:`mc.kernels.count_bins`) once the kernels are
        loaded, else numpy; both give the same counts and indices. `hist` is any
        int64 array of ``nbins + 1`` counts (e.g. one per worker thread).

        Returns
        -------
        (index, n_negative)
            The bin index of each value (uint16) if `want_index`, else None, and
            how many values are below zero.
        """
        from mc.fastppf import compiled

        kernels = compiled(x.size)
        if kernels is None:
            index = self.bin_index(x)
            hist += np.bincount(index, minlength=self.nbins + 1)
            return (index if want_index else None), int(np.count_nonzero(x < 0))
        index = np.empty(x.size, dtype=np.uint16)
        n_negative, _, _ = kernels.count_bins(np.ascontiguousarray(x, dtype=float), self.low, self.scale,
                                              self.nbins, hist, index)
        return (index if want_index else None), int(n_negative)

    def chunk_summary(self, x: np.ndarray, hist: np.ndarray, *, want_index: bool = False
                      ) -> tuple["Moments", np.ndarray | None]:
        """One chunk's exact moments and its bin counts (added to `hist`), in as few passes as possible.

        The same bits as ``Moments.of(x, n_negative)`` after :meth:`count_into`;
        returns ``(moments, index)``, the bin index of each value if `want_index`.
        """
        from mc.fastppf import compiled

        kernels = compiled(x.size)
        if kernels is None or x.size == 0:
            index, n_negative = self.count_into(x, hist, want_index=want_index)
            return Moments.of(x, n_negative), index
        x = np.ascontiguousarray(x, dtype=float)
        index = np.empty(x.size, dtype=np.uint16)
        n_negative, mean, m2, m3, m4, low, high = kernels.chunk_statistics(x, self.low, self.scale, self.nbins,
                                                                           hist, index)
        moments = Moments(x.size, mean, m2, m3, m4, n_negative, float(x.min()) if low == 0 else low,
                          float(x.max()) if high == 0 else high)  # a zero extreme: the signed zero numpy returns
        return moments, (index if want_index else None)

    def histogram(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bin indices and bin counts of one chunk (pure: safe on worker threads)."""
        index = self.bin_index(x)
        return index, np.bincount(index, minlength=self.nbins + 1)

    def add(self, counts: np.ndarray) -> None:
        """Pass 1: add one chunk's bin counts (from :meth:`histogram`)."""
        self.hist += counts

    def count(self, x: np.ndarray) -> np.ndarray:
        """Pass 1 over one chunk; returns its bin indices (pass them to :meth:`select` to skip recomputing)."""
        index, counts = self.histogram(x)
        self.add(counts)
        return index

    def plan(self) -> None:
        """After pass 1: mark the bins that hold the needed ranks."""
        if int(self.hist.sum()) != self.n:
            raise ValueError(f"counted {int(self.hist.sum())} values, expected {self.n}")
        self._cumulative = np.cumsum(self.hist)
        self._bin_of_rank = np.searchsorted(self._cumulative, self.ranks, side="right")
        self._wanted = np.zeros(self.nbins + 1, dtype=bool)
        self._wanted[self._bin_of_rank] = True
        self._kept = []

    @property
    def bins_of_ranks(self) -> np.ndarray:
        """After :meth:`plan`: the bin holding each needed rank."""
        return self._bin_of_rank

    @property
    def kept_size(self) -> int:
        """Values a selection pass keeps (known after :meth:`plan`)."""
        return int(self.hist[self._wanted].sum())

    def selected(self, x: np.ndarray, index: np.ndarray | None = None) -> np.ndarray:
        """The values of one chunk that pass 2 keeps (pure: safe on worker threads)."""
        return self.in_bins(x, index, self._wanted)

    def in_bins(self, x: np.ndarray, index: np.ndarray | None, wanted: np.ndarray) -> np.ndarray:
        """The values of `x` whose bin is marked in `wanted` (a bool per bin, e.g. a selection band), in order.

        ``x[wanted.take(index)]``, with the bins computed if `index` is None; one
        compiled pass once the kernels are loaded (pure: safe on worker threads).
        """
        from mc.fastppf import compiled

        kernels = compiled(x.size)
        if kernels is None:
            return x[wanted.take(self.bin_index(x) if index is None else index)]
        out = np.empty(x.size)
        n_kept = kernels.select_values(np.ascontiguousarray(x, dtype=float),
                                       np.empty(0, np.uint16) if index is None else index,
                                       self.low, self.scale, self.nbins, wanted, out)
        return out[:n_kept].copy()

    def keep(self, values: np.ndarray) -> None:
        """Pass 2: store one chunk's kept values (from :meth:`selected`)."""
        self._kept.append(values)

    def select(self, x: np.ndarray, index: np.ndarray | None = None) -> None:
        """Pass 2 over one chunk (the same chunks as pass 1, in any order)."""
        self.keep(self.selected(x, index))

    def order_statistics(self) -> dict[int, float]:
        """``{rank: value}`` for every needed rank, exactly."""
        kept = np.sort(np.concatenate(self._kept)) if self._kept else np.empty(0)
        if kept.size != self.kept_size:
            raise ValueError(f"selected {kept.size} values, expected {self.kept_size}")
        below = self._cumulative - self.hist  # values in bins before each bin
        kept_before = np.cumsum(np.where(self._wanted, self.hist, 0)) - np.where(self._wanted, self.hist, 0)
        j = self._bin_of_rank
        position = kept_before[j] + (self.ranks - below[j])
        return dict(zip(self.ranks.tolist(), kept[position].tolist()))


def pack_counts(counts: np.ndarray) -> tuple[str, np.ndarray, np.ndarray | None]:
    """Bin counts in the smaller of two compact forms, for shipping from a worker.

    ``("sparse", bins, counts)`` lists only the non-empty bins (uint32 each);
    ``("dense", counts, None)`` keeps every bin in the narrowest unsigned type
    that holds the largest count. :func:`unpack_counts` restores them exactly.
    """
    nonzero = np.flatnonzero(counts)
    peak = int(counts.max()) if counts.size else 0
    dense_type = np.uint16 if peak < 2**16 else (np.uint32 if peak < 2**32 else np.uint64)
    if nonzero.size * 8 < counts.size * np.dtype(dense_type).itemsize:
        return "sparse", nonzero.astype(np.uint32), counts[nonzero].astype(np.uint32 if peak < 2**32 else np.uint64)
    return "dense", counts.astype(dense_type), None


def unpack_counts(packed: tuple, size: int) -> np.ndarray:
    """The int64 bin counts (`size` bins) from :func:`pack_counts`."""
    kind, first, second = packed
    if kind == "dense":
        return first.astype(np.int64)
    counts = np.zeros(size, dtype=np.int64)
    counts[first] = second
    return counts


def moments_with_se(values: np.ndarray) -> dict[str, tuple[float, float]]:
    """Mean, standard deviation and P(value < 0), each with its standard error."""
    return Moments.of_chunks(np.asarray(values, dtype=float).ravel()).with_se()


def summary_from(moments: Moments, percentiles, quantiles: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
                 ) -> dict[str, tuple[float, float]]:
    """Every statistic as ``{name: (value, standard error)}`` from exact moments and a quantile source.

    `quantiles` maps probabilities to ``(quantiles, standard_errors)`` (as
    :func:`quantiles_with_se` does); it is not called for a constant, whose every
    order statistic is that constant, with no spread.
    """
    probs = np.asarray(percentiles, float) / 100
    if moments.minimum == moments.maximum:  # a constant (e.g. a fixed input): no selection needed
        q, se = np.full(probs.shape, moments.minimum), np.zeros(probs.shape)
    else:
        q, se = quantiles(probs)
    out = {f"p{p:g}": (float(v), float(s)) for p, v, s in zip(percentiles, q, se)}
    out.update(moments.with_se())
    return out


def summary_with_se(values: np.ndarray, percentiles=PERCENTILES) -> dict[str, tuple[float, float]]:
    """Every statistic of :data:`STATISTICS` as ``{name: (value, standard error)}``.

    A constant array is recognised in two quick passes and costs nothing more;
    a long one is summarised in one fused pass per chunk (moments, negatives and
    histogram while the chunk is in cache, then one selection pass): the same
    bits as :meth:`Moments.of_chunks` and :func:`quantiles_with_se`.
    """
    x = np.asarray(values, dtype=float)
    x = x if x.ndim == 1 else x.ravel()  # (a 1-D broadcast constant stays a view)
    if x.size and x.min() == x.max():  # NaN never compares equal, so it takes the general path
        return summary_from(Moments.constant(x.size, x.min()), percentiles, None)
    if x.size <= _PARTITION_MAX:
        return summary_from(Moments.of_chunks(x), percentiles, lambda probs: quantiles_with_se(x, probs))
    probs = np.asarray(percentiles, dtype=float) / 100
    sketch = QuantileSketch(np.sort(x[:: max(1, x.size // _PILOT_SIZE)]), x.size, probs)
    parts, stored = [], []
    for s in range(0, x.size, CHUNK):
        chunk = x[s:s + CHUNK]
        moments, index = sketch.chunk_summary(chunk, sketch.hist, want_index=True)
        parts.append(moments)
        stored.append((chunk, index))
    moments = Moments.merged(parts)
    if moments.minimum == moments.maximum:
        return summary_from(moments, percentiles, None)
    sketch.plan()
    for chunk, index in stored:
        sketch.select(chunk, index)
    return summary_from(moments, percentiles,
                        lambda p: quantiles_from_order_statistics(x.size, p, sketch.order_statistics()))


def statistic_with_se(values: np.ndarray, statistic: str) -> tuple[float, float]:
    """One statistic of :data:`mc.stats.STATISTICS` (p1 ... p99, mean, sd, p_negative) and its s.e."""
    if statistic.startswith("p") and statistic[1:].replace(".", "", 1).isdigit():
        q, se = quantiles_with_se(values, [float(statistic[1:]) / 100])
        return float(q[0]), float(se[0])
    return moments_with_se(values)[statistic]
