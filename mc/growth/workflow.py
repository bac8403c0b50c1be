"""From files to fits to forecasts: the steps the CLI and the simulation share.

``curve="all"`` means every family, mixed with the weights of
:func:`mc.growth.forecast.model_weights`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from mc.growth.curves import CURVE_NAMES, get_curve
from mc.errors import InputError
from mc.growth.data import LAUNCH_DATE, TokenUsage, load_token_usage
from mc.growth.fit import DEFAULT_CHAINS, DEFAULT_CORES, DEFAULT_DRAWS, DEFAULT_TUNE, GrowthFit, fit_growth
from mc.growth.forecast import (Forecast, ModelWeights, mixture_log10, model_weights,
                                percentiles_tokens_per_day, predictive_log10)
from mc.growth.priors import GrowthPriors, load_growth_priors

ALL = "all"
DEFAULT_CURVE = ALL
DEFAULT_GROWTH_SEED = 20241218


@dataclass(frozen=True)
class FitOptions:
    """How to fit: cut-off date, NUTS sizes, seed, cache and the convergence gate."""

    until: date | None = None
    draws: int = DEFAULT_DRAWS
    tune: int = DEFAULT_TUNE
    chains: int = DEFAULT_CHAINS
    cores: int = DEFAULT_CORES
    seed: int = DEFAULT_GROWTH_SEED
    cache_dir: str | Path | None = None
    use_cache: bool = True
    allow_unconverged: bool = False
    progressbar: bool = False  # PyMC's own bar, for a terminal; never changes the draws


def curve_names(curve: str) -> tuple[str, ...]:
    """The families `curve` stands for ("all" is every one)."""
    if curve == ALL:
        return CURVE_NAMES
    return (get_curve(curve).name,)


def fit_curves(data: TokenUsage, priors: GrowthPriors, curve: str, options: FitOptions) -> dict[str, GrowthFit]:
    """Fit (or load from cache) each family `curve` names, in a fixed order."""
    return {name: fit_growth(data, priors, name, until=options.until, draws=options.draws, tune=options.tune,
                             chains=options.chains, cores=options.cores, seed=options.seed,
                             cache_dir=options.cache_dir, use_cache=options.use_cache,
                             allow_unconverged=options.allow_unconverged, progressbar=options.progressbar)
            for name in curve_names(curve)}


def predictive_log10_for(fits: dict[str, GrowthFit], dates, *, seed: int, announced: bool = False
                         ) -> tuple[np.ndarray, ModelWeights | None]:
    """Predictive log10 draws (draws, dates) for one fit or the weighted mix of several."""
    if len(fits) == 1:
        (fit,) = fits.values()
        return predictive_log10(fit, dates, seed=seed, announced=announced), None
    weights = model_weights(fits, seed=seed)
    return mixture_log10(fits, weights, dates, seed=seed, announced=announced), weights


def check_target_date(target_date: date, *, source: str = "--date") -> date:
    """Refuse dates before launch, where the curves are not defined."""
    if target_date < LAUNCH_DATE:
        raise InputError(source, "", f"{target_date.isoformat()} is before the launch on {LAUNCH_DATE.isoformat()}; "
                                     "the growth curves start there")
    return target_date


def forecast_at(target_date: date, fits: dict[str, GrowthFit], *, curve: str, seed: int) -> Forecast:
    """Percentiles of the true tokens per day at `target_date`."""
    check_target_date(target_date)
    draws, weights = predictive_log10_for(fits, [target_date], seed=seed)
    as_of = max(fit.as_of for fit in fits.values())
    return Forecast(target_date, curve, percentiles_tokens_per_day(draws[:, 0]), weights, as_of)


def predictive_paths(target_dates, *, data_path: str | Path | None = None, priors_path: str | Path | None = None,
                     curve: str | None = DEFAULT_CURVE, until: date | None = None,
                     cache_dir: str | Path | None = None, allow_unconverged: bool = False,
                     seed: int | None = DEFAULT_GROWTH_SEED, progressbar: bool = False) -> np.ndarray:
    """Posterior predictive tokens per day at several dates, one row per posterior draw.

    Loads (or fits) the curves once for all dates; row i of every column comes
    from the same posterior draw, so each row is a coherent volume path.
    Arguments as :func:`predictive_tokens_per_day`; `progressbar` shows PyMC's
    sampling progress when a fit is not in the cache.

    Returns
    -------
    numpy.ndarray
        Shape ``(draws, len(target_dates))``, tokens per day.
    """
    dates = [check_target_date(d, source="target_date") for d in target_dates]
    curve = curve or DEFAULT_CURVE
    seed = DEFAULT_GROWTH_SEED if seed is None else seed
    data = load_token_usage(data_path)
    priors = load_growth_priors(priors_path)
    options = FitOptions(until=until, cache_dir=cache_dir, allow_unconverged=allow_unconverged, seed=seed,
                         progressbar=progressbar)
    fits = fit_curves(data, priors, curve, options)
    log10_draws, _ = predictive_log10_for(fits, dates, seed=seed)
    return 10.0 ** log10_draws


def predictive_tokens_per_day(target_date: date, *, data_path: str | Path | None = None,
                              priors_path: str | Path | None = None, curve: str | None = DEFAULT_CURVE,
                              until: date | None = None, cache_dir: str | Path | None = None,
                              allow_unconverged: bool = False, seed: int | None = DEFAULT_GROWTH_SEED) -> np.ndarray:
    """Posterior predictive draws of tokens per day at `target_date`, for the simulation.

    Parameters
    ----------
    target_date : datetime.date
    data_path, priors_path : path-like, optional
        Default: the shipped ``priors/token_usage.csv`` and ``priors/growth.toml``.
    curve : str, optional
        A family name or "all" (the weighted mix; the default, also for None).
    until : datetime.date, optional
        Fit only announcements on or before this day.
    cache_dir : path-like, optional
        Where fits are cached (default ``$MC_CACHE_DIR`` or ``~/.cache/mc``).
    allow_unconverged : bool
        Use a fit that fails the convergence gate instead of raising InputError.
    seed : int, optional
        Seeds the fit and the predictive noise (None: :data:`DEFAULT_GROWTH_SEED`).

    Returns
    -------
    numpy.ndarray
        1-D float array of tokens per day (4 chains x 1000 draws = 4000 values by
        default), in a fixed order: the same inputs and seed give the same array.
    """
    return predictive_paths([target_date], data_path=data_path, priors_path=priors_path, curve=curve, until=until,
                            cache_dir=cache_dir, allow_unconverged=allow_unconverged, seed=seed)[:, 0]
