"""A growth-driven projection's standard errors include the growth posterior's own error."""
from __future__ import annotations

import numpy as np
import xarray as xr

from mc.projection.model import SAMPLE_DIM, YEAR_DIM
from mc.projection.summary import summarise_projection
from mc.volume import posterior_batch

N_POSTERIOR = 400  # 4 chains x 100 draws, as a small growth fit
N_PATHS = 20_000


def _table(seed: int, with_batch: bool):
    """Paths resampled from a posterior of N_POSTERIOR lognormal draws, summarised as a projection."""
    rng = np.random.default_rng(seed)
    posterior = np.exp(rng.normal(30.0, 1.0, (N_POSTERIOR, 2)))
    index = np.random.default_rng(seed + 1000).integers(0, N_POSTERIOR, N_PATHS)
    ds = xr.Dataset({"tokens_per_day": ((SAMPLE_DIM, YEAR_DIM), posterior[index], {"role": "output", "unit": "1/d"})},
                    coords={YEAR_DIM: [2026, 2027]})
    batch = posterior_batch(index, N_POSTERIOR) if with_batch else None
    table = summarise_projection(ds, percentiles=(50,), posterior_batch=batch)
    row = table[(table.year == 2026) & (table.statistic == "p50")].iloc[0]
    return np.log(row["value"]), row["mc_se"] / row["value"]  # log scale: relative errors


def test_errors_cover_the_spread_between_independent_posteriors():
    # 40 independent "refits": the spread of the median between them is the error the table must report.
    medians, reported = zip(*(_table(seed, True) for seed in range(40)))
    observed = np.std(medians, ddof=1)  # its own sampling error is about 1/sqrt(2 * 39) = 11%
    assert 0.6 * observed < np.median(reported) < 2.0 * observed
    # independent-draw errors alone understate it by far (20,000 paths but only 400 distinct values)
    _, iid = _table(0, False)
    assert iid < 0.5 * observed
