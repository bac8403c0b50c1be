"""Pass 1's selection band: the histogram bins that may hold a needed order statistic.

mc.streaming finds exact percentiles by counting every value into a histogram
(pass 1) and then keeping the values of the few bins that hold the needed ranks
(pass 2). Pass 2 need not redraw anything if pass 1 already kept every value that
could fall in those bins. After ``N`` values have been counted, the order
statistic of rank ``r`` among all ``n`` lies, among the counted values, near rank
``q N`` with ``q = (r + 1/2) / n``: within :data:`K_SIGMA` binomial standard
deviations ``sqrt(N q (1 - q))`` (plus :data:`SLACK_RANKS`). The band is the bins
those ranks fall in, for every needed rank, and it only narrows: each new band is
intersected with the last, so it holds, for every block, a subset of the values
that block kept. It starts at 5-10% of the first block's values and narrows as
``1 / sqrt(N)``, so a run of ``T`` blocks keeps about ``0.1 * 65,536 * sqrt(T)``
values per output in all.

Whether the band held every needed bin is checked exactly after pass 1
(:meth:`SelectionBand.covers`). If a bin lies outside it (a miss beyond 5 standard
deviations) or the kept values outgrow the memory limit, pass 2 redraws, as it
always could. Either way the order statistics are exact: the band changes the
speed, never the numbers.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from mc.stats import QuantileSketch

K_SIGMA = 5.0  # half-width of the band in binomial standard deviations of the counted ranks
SLACK_RANKS = 2  # ranks added on each side (rounding of q N, and ties at a bin edge)


def band_mask(counts: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """The bins that hold, among the values counted in `counts`, the ranks near ``fractions * N``.

    Parameters
    ----------
    counts : int array
        Values counted per bin so far (N in all).
    fractions : float array
        The needed ranks as fractions of the whole run, ``(r + 1/2) / n``.

    Returns
    -------
    bool array shaped like `counts`
    """
    cumulative = np.cumsum(counts)
    seen = int(cumulative[-1]) if cumulative.size else 0
    mask = np.zeros(counts.size, dtype=bool)
    if seen == 0:
        return ~mask
    spread = K_SIGMA * np.sqrt(seen * fractions * (1 - fractions)) + SLACK_RANKS
    centre = fractions * seen
    low = np.clip(np.floor(centre - spread), 0, seen - 1)
    high = np.clip(np.ceil(centre + spread), 0, seen - 1)
    first_bin = np.searchsorted(cumulative, low, side="right")
    last_bin = np.searchsorted(cumulative, high, side="right")
    edges = np.zeros(counts.size + 1, dtype=np.int64)
    np.add.at(edges, first_bin, 1)
    np.add.at(edges, last_bin + 1, -1)
    return np.cumsum(edges[:-1]) > 0


class SelectionBand:
    """The band of every output of a run, and the values pass 1 kept in it.

    Parameters
    ----------
    sketches : mapping of output name -> QuantileSketch
        The run's sketches (their bins and needed ranks).
    memory_limit : int
        Bytes of kept values above which the band gives up (pass 2 then redraws).
    """

    def __init__(self, sketches: Mapping[str, QuantileSketch], memory_limit: int):
        self.sketches = dict(sketches)
        self.memory_limit = int(memory_limit)
        self.fractions = {name: (s.ranks + 0.5) / s.n for name, s in self.sketches.items()}
        self.masks: dict[str, np.ndarray] | None = {name: np.ones(s.nbins + 1, dtype=bool)
                                                    for name, s in self.sketches.items()}
        self.kept: dict[str, list[np.ndarray]] = {name: [] for name in self.sketches}
        self.kept_bytes = 0

    @property
    def active(self) -> bool:
        return self.masks is not None

    def mask(self, name: str) -> np.ndarray | None:
        """The current band of `name` (a bool per bin), or None once the band has given up."""
        masks = self.masks  # one read: another thread may give up meanwhile
        return None if masks is None else masks[name]

    def narrow(self, counts: Mapping[str, np.ndarray]) -> None:
        """Intersect each band with the one implied by the counts so far, and drop kept values outside it."""
        if not self.active:
            return
        self.masks = {name: mask & band_mask(counts[name], self.fractions[name]) for name, mask in self.masks.items()}
        self.kept_bytes = 0
        for name in self.kept:
            values = self.sketches[name].in_bins(self.values(name), None, self.masks[name])
            self.kept[name] = [values]
            self.kept_bytes += values.nbytes

    def add(self, name: str, values: np.ndarray | None) -> None:
        """Keep one block's values of `name` that lay in the band (None once the band has given up)."""
        if values is None or not self.active:
            return
        self.kept[name].append(values)
        self.kept_bytes += values.nbytes
        if self.kept_bytes > self.memory_limit:
            self.give_up()

    def give_up(self) -> None:
        """Stop keeping values (pass 2 will redraw); frees what was kept."""
        self.masks = None
        self.kept = {name: [] for name in self.sketches}
        self.kept_bytes = 0

    def covers(self, name: str) -> bool:
        """After :meth:`QuantileSketch.plan`: whether every bin holding a needed rank of `name` lay in its band."""
        sketch = self.sketches[name]
        return self.active and bool(np.all(self.masks[name][sketch.bins_of_ranks]))

    def values(self, name: str) -> np.ndarray:
        """Every value of `name` kept in the band."""
        pieces = self.kept[name]
        return np.concatenate(pieces) if pieces else np.empty(0)
