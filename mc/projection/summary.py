"""Percentile tables of a projection: one row per (year, output, statistic)."""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
import xarray as xr

from mc.projection.model import SAMPLE_DIM, YEAR_DIM
from mc.stats import summary_with_se

PROJECTION_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
COLUMNS = ["year", "output", "unit", "statistic", "value", "mc_se"]


def summarise_projection(ds: xr.Dataset, outputs: Iterable[str] | None = None,
                         percentiles=PROJECTION_PERCENTILES, posterior_batch=None) -> pd.DataFrame:
    """Percentiles, mean, sd and P(< 0) of each output in each year, with Monte Carlo standard errors.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`mc.projection.project`.
    outputs : iterable of str, optional
        Default: every output (role "output"), yearly ones first, then ``npv_cny``.
    percentiles : sequence of float
    posterior_batch : 1-D int array, optional
        The growth posterior's batch behind each path (volume drawn from the growth
        fit): every standard error then includes the posterior's own Monte Carlo
        error, by batch means (:func:`mc.volume.summary_with_posterior_se`).

    Returns
    -------
    DataFrame
        Columns ``year, output, unit, statistic, value, mc_se``; ``year`` is a
        nullable integer, empty for path-level outputs such as ``npv_cny``.
    """
    names = list(outputs) if outputs is not None else [n for n, v in ds.data_vars.items()
                                                       if v.attrs.get("role") == "output"]
    rows = []
    for name in names:
        var = ds[name]
        unit = var.attrs.get("unit", "")
        if YEAR_DIM in var.dims:
            for year in ds[YEAR_DIM].values:
                rows += _rows(int(year), name, unit, var.sel({YEAR_DIM: year}).values, percentiles, posterior_batch)
        else:
            rows += _rows(pd.NA, name, unit, var.transpose(SAMPLE_DIM).values, percentiles, posterior_batch)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["year"] = table["year"].astype("Int64")
    return table


def _rows(year, name: str, unit: str, values: np.ndarray, percentiles, posterior_batch=None) -> list[dict]:
    values = np.asarray(values, dtype=float)
    if posterior_batch is None:
        stats = summary_with_se(values, percentiles)
    else:
        from mc.volume import summary_with_posterior_se

        stats = summary_with_posterior_se({name: values}, posterior_batch, percentiles)[name]
    return [{"year": year, "output": name, "unit": unit, "statistic": s, "value": v, "mc_se": se}
            for s, (v, se) in stats.items()]
