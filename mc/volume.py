"""Daily token volume at a date, from the growth fit, as an assumption for the sampler,
and Monte Carlo errors that include the growth posterior's own error.

A run at a date resamples a finite set of posterior predictive draws (4 chains x
1000 by default). Treating every simulation draw as independent then understates
the error: refitting with another fit seed moves the statistics by several of
those standard errors. :func:`summary_with_posterior_se` gives honest errors for
any model's outputs by batch means over the posterior draws: the posterior draws
are cut into :data:`POSTERIOR_BATCHES` contiguous stretches of their chains
(long against the chains' autocorrelation), every statistic is recomputed on the
simulation draws that used each stretch, and the spread of those batch values,
divided by the square root of the number of batches, is the standard error of
the full-run statistic. It counts both the simulation's sampling error and the
posterior's, because each batch has its own share of both. It is reported as
the larger of that and the ordinary (independent-draw) error, so a batch
estimate that comes out low by chance never makes a statistic look more precise.
"""
from __future__ import annotations

from datetime import date
from typing import Mapping

import numpy as np

from mc.distributions import Distribution
from mc.priors import Assumption

POSTERIOR_BATCHES = 20
GROWTH_CHAINS = 4  # chains of the growth fit (mc.growth.fit.DEFAULT_CHAINS), stored chain after chain


def volume_at_date(target: date, *, curve: str | None = None, data_path=None, fit_seed: int | None = None,
                   progressbar: bool = False) -> Assumption:
    """`tokens_per_day` as the growth posterior predictive at `target`.

    Each simulation draw takes one posterior predictive draw (resampled with the
    draw's own stream), so volume and the economic inputs vary together per draw.
    The values are in posterior order (chain after chain), which
    :func:`posterior_draw_index` and :func:`summary_with_posterior_se` rely on.
    The fit keeps its own seed (`fit_seed`, default the growth module's), so a new
    simulation seed reuses the cached posterior instead of refitting. `progressbar`
    shows the sampler's progress when the fit is not yet cached.
    """
    from mc.growth import predictive_paths  # lazy: PyMC is heavy

    draws = predictive_paths([target], curve=curve, data_path=data_path, seed=fit_seed, progressbar=progressbar)[:, 0]
    label = f"growth fit ({curve or 'all curves, weighted'}) posterior predictive at {target.isoformat()}"
    return Assumption("tokens_per_day", Distribution("empirical", {"values": [float(v) for v in draws]}),
                      unit="tokens/day", source=label,
                      note=f"{len(draws)} posterior predictive draws in chain order ({GROWTH_CHAINS} chains)")


def posterior_draw_index(drawn, posterior_values) -> np.ndarray:
    """The index into `posterior_values` of each value in `drawn` (exact match).

    Raises
    ------
    ValueError
        A drawn value is not one of the posterior values.
    """
    values = np.asarray(posterior_values, dtype=float)
    drawn = np.asarray(drawn, dtype=float)
    order = np.argsort(values, kind="stable")
    position = np.clip(np.searchsorted(values[order], drawn), 0, values.size - 1)
    index = order[position]
    if not np.array_equal(values[index], drawn):
        raise ValueError("a drawn value is not among the posterior values; cannot attribute it to a posterior draw")
    return index


def posterior_batch(index, n_posterior: int, *, chains: int = GROWTH_CHAINS,
                    n_batches: int = POSTERIOR_BATCHES) -> np.ndarray:
    """Batch number of each posterior draw index: contiguous stretches within each chain.

    With `n_batches` a multiple of `chains`, no batch spans two chains.
    """
    index = np.asarray(index)
    per_chain = max(n_posterior // chains, 1)
    chain, within = index // per_chain, index % per_chain
    batches_per_chain = max(n_batches // chains, 1)
    return np.minimum(chain, chains - 1) * batches_per_chain + (within * batches_per_chain) // per_chain


def summary_with_posterior_se(outputs: Mapping[str, np.ndarray], batch, percentiles=None
                              ) -> dict[str, dict[str, tuple[float, float]]]:
    """Every statistic of every output with a standard error that includes the posterior's error.

    Parameters
    ----------
    outputs : mapping of name to 1-D array
        Per-draw values of any model's outputs (and inputs), all the same length.
    batch : 1-D int array
        Posterior batch of each simulation draw (:func:`posterior_batch`).
    percentiles : sequence of float, optional
        As :func:`mc.stats.summary_with_se` (default its own).

    Returns
    -------
    dict
        ``{output: {statistic: (value, standard error)}}``, the shape
        :func:`mc.stats.summary_with_se` gives per output, so it feeds the same
        table builder (``mc.results.summary_table``).
    """
    from mc.stats import PERCENTILES, summary_with_se

    percentiles = PERCENTILES if percentiles is None else percentiles
    batch = np.asarray(batch)
    labels = np.unique(batch)
    out = {}
    for name, values in outputs.items():
        x = np.asarray(values, dtype=float).ravel()
        full = summary_with_se(x, percentiles)
        per_batch = [summary_with_se(x[batch == b], percentiles) for b in labels]
        out[name] = {stat: (value, _combined_se(se, [p[stat][0] for p in per_batch]))
                     for stat, (value, se) in full.items()}
    return out


def aggregate_se_with_posterior(arrays: Mapping[str, np.ndarray], batch, aggregates: Mapping[str, tuple[str, str]]
                                ) -> dict[str, float]:
    """The s.e. of each aggregate ratio E[num] / E[den], counting the growth posterior's error.

    The ratio's own batch means (the ratio of each posterior batch's means) or the
    independent-draw bound of :func:`mc.aggregates.aggregate_rows`, whichever is
    larger. Bounding it from the numerator's and denominator's posterior-aware
    errors instead would add errors that cancel in the ratio (both scale with
    volume), many times too wide.
    """
    batch = np.asarray(batch)
    labels = np.unique(batch)
    out = {}
    for output, (num, den) in aggregates.items():
        if num not in arrays or den not in arrays:
            continue
        x, y = np.asarray(arrays[num], dtype=float), np.asarray(arrays[den], dtype=float)
        mean_y = y.mean()
        ratio = x.mean() / mean_y if mean_y else np.nan
        iid = (x.std(ddof=1) + abs(ratio) * y.std(ddof=1)) / np.sqrt(x.size) / abs(mean_y) if mean_y else np.nan
        out[output] = _combined_se(iid, [x[batch == b].mean() / y[batch == b].mean() for b in labels])
    return out


def _combined_se(iid_se: float, batch_values) -> float:
    """max(independent-draw error, batch-means error sd(batch values) / sqrt(batches))."""
    values = np.asarray(batch_values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float(iid_se)
    return float(max(iid_se, np.std(values, ddof=1) / np.sqrt(values.size)))
