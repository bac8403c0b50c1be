"""Yearly volume paths from the growth fit's posterior predictive.

The growth module gives posterior predictive draws of tokens per day at one date
(``mc.growth.predictive_tokens_per_day``).  A coherent path needs the *same*
posterior draw in every year, so each path takes one index into the draws and
keeps it across years.  That is only coherent if the function returns its draws
in the same posterior order at every date; :func:`path_rank_correlation` lets a
caller check (adjacent years of coherent paths are strongly rank-correlated,
shuffled ones are not), and :func:`growth_volume_paths` records it.
"""
from __future__ import annotations

from datetime import date

import numpy as np
from scipy import stats

from mc.errors import InputError
from mc.sampling import stream

MID_YEAR = (7, 2)  # 2 July: the middle day of a 365-day year


def mid_year(year: int) -> date:
    """The date whose volume stands for the year's average (the middle day)."""
    return date(year, *MID_YEAR)


def growth_volume_paths(years, n_draws: int, *, seed: int = 0, curve: str | None = None,
                        data_path=None) -> tuple[np.ndarray, float]:
    """Tokens per day at each year's middle day, one posterior draw per path.

    Parameters
    ----------
    years : sequence of int
    n_draws : int
        Paths to return (posterior draws are resampled with one common index).
    seed : int
        Seeds the resampling index (the growth fit keeps its own seed and cache).
    curve : str, optional
        Growth curve name (default: the growth module's default).
    data_path : path-like, optional
        Token usage CSV (default: the growth module's default).

    Returns
    -------
    (paths, min_rank_correlation)
        ``paths`` shaped ``(n_draws, len(years))``; the smallest Spearman
        correlation between adjacent years' draws (near 1 for coherent paths).
        The mid-year value stands in for the year's average: for growth that
        is exponential within the year it is slightly below the mean.
    """
    try:
        from mc.growth import predictive_paths  # lazy: PyMC is heavy
    except ImportError as exc:
        raise InputError("--volume-source", "growth", f"the growth fit is not available ({exc})") from None
    # the fit keeps its own seed, so a new projection seed reuses the cached posterior
    draws = np.asarray(predictive_paths([mid_year(y) for y in years], curve=curve, data_path=data_path), dtype=float)
    if draws.ndim != 2 or draws.shape[1] != len(years):
        raise InputError("mc.growth", "predictive_paths",
                         f"returned shape {draws.shape}, expected (draws, {len(years)}); cannot align paths")
    index = stream(seed, 0, "__projection_volume_index__").integers(0, draws.shape[0], n_draws)
    return draws[index], path_rank_correlation(draws)


def path_rank_correlation(paths: np.ndarray) -> float:
    """Smallest Spearman rank correlation between adjacent columns (years) of ``paths``."""
    paths = np.asarray(paths, dtype=float)
    if paths.shape[1] < 2:
        return 1.0
    return float(min(stats.spearmanr(paths[:, k], paths[:, k + 1]).statistic for k in range(paths.shape[1] - 1)))
