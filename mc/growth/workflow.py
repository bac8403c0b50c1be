"""From files to fits to forecasts: the steps the CLI and the simulation share.

``curve="all"`` means every family, mixed with the weights of
:func:`mc.growth.forecast.model_weights`. A family whose fit fails the
convergence gate (after its automatic retry) is left out of the mix and named
in :attr:`Fits.excluded` with the reason; only when none passes is the request
refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from mc.growth.curves import CURVE_NAMES, get_curve
from mc.errors import InputError
from mc.growth.data import TokenUsage, load_token_usage
from mc.growth.fit import DEFAULT_CHAINS, DEFAULT_CORES, DEFAULT_DRAWS, DEFAULT_TUNE, GrowthFit, fit_growth
from mc.growth.forecast import Forecast, ModelWeights, horizon_note, mixture_log10, model_weights, \
    percentiles_tokens_per_day
from mc.growth.predictive import predictive_log10
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
    progressbar: bool = False  # the sampler's own bar, for a terminal; never changes the draws
    sampler: str = "auto"  # nutpie when installed, else PyMC
    retry: bool = True  # refit once with higher target_accept and longer tuning before refusing


class Fits(dict):
    """Curve name to GrowthFit, plus ``excluded``: curve name to why it was left out."""

    def __init__(self, fits=(), excluded=None):
        super().__init__(fits)
        self.excluded: dict[str, str] = dict(excluded or {})


def curve_names(curve: str) -> tuple[str, ...]:
    """The families `curve` stands for ("all" is every one)."""
    if curve == ALL:
        return CURVE_NAMES
    return (get_curve(curve).name,)


def fit_curves(data: TokenUsage, priors: GrowthPriors, curve: str, options: FitOptions) -> Fits:
    """Fit (or load from cache) each family `curve` names, in a fixed order.

    With several families, one that fails the gate (after its retry) is left out
    and named in ``excluded`` with the reason, unless `options.allow_unconverged`.

    Raises
    ------
    InputError
        The one family asked for, or every family of "all", failed the gate.
    """
    names = curve_names(curve)
    fits, excluded = {}, {}
    for name in names:
        try:
            fits[name] = _fit_one(data, priors, name, options)
        except InputError as exc:
            if len(names) == 1 or "did not converge" not in exc.problem:
                raise
            excluded[name] = exc.problem
    if not fits:
        reasons = "; ".join(f"{k}: {v}" for k, v in excluded.items())
        raise InputError(data.path, "--curve all", f"no curve passed the convergence gate ({reasons})")
    return Fits(fits, excluded)


def _fit_one(data: TokenUsage, priors: GrowthPriors, name: str, options: FitOptions) -> GrowthFit:
    return fit_growth(data, priors, name, until=options.until, draws=options.draws, tune=options.tune,
                      chains=options.chains, cores=options.cores, seed=options.seed, cache_dir=options.cache_dir,
                      use_cache=options.use_cache, allow_unconverged=options.allow_unconverged,
                      progressbar=options.progressbar, sampler=options.sampler, retry=options.retry)


def predictive_log10_for(fits: dict[str, GrowthFit], dates, *, seed: int, announced: bool = False, kinds=None
                         ) -> tuple[np.ndarray, ModelWeights | None]:
    """Predictive log10 draws (draws, dates) for one fit or the weighted mix of several."""
    if len(fits) == 1:
        (fit,) = fits.values()
        return predictive_log10(fit, dates, seed=seed, announced=announced, kinds=kinds), None
    weights = model_weights(fits, seed=seed)
    return mixture_log10(fits, weights, dates, seed=seed, announced=announced, kinds=kinds), weights


def check_target_date(target_date: date, start: date | None = None, *, source: str = "--date") -> date:
    """Refuse dates before the series' start (default the shipped launch), where the curves are not defined."""
    from mc.growth.data import LAUNCH_DATE

    start = LAUNCH_DATE if start is None else start
    if target_date < start:
        raise InputError(source, "", f"{target_date.isoformat()} is before the launch on {start.isoformat()}; "
                                     "the growth curves start there")
    return target_date


def forecasts_at(target_dates, fits: dict[str, GrowthFit], *, curve: str, seed: int) -> list[Forecast]:
    """Percentiles of the true tokens per day at each of `target_dates` (one joint draw of the paths)."""
    start = next(iter(fits.values())).data.start
    dates = [check_target_date(d, start) for d in target_dates]
    draws, weights = predictive_log10_for(fits, dates, seed=seed)
    as_of = max(fit.as_of for fit in fits.values())
    excluded = dict(getattr(fits, "excluded", {}))
    first = min(min(fit.data.dates) for fit in fits.values())

    def extra(target: date) -> dict:
        notes = {"excluded_curves": excluded} if excluded else {}
        note = horizon_note(target, first, as_of)
        return {**notes, "horizon_note": note} if note else notes

    return [Forecast(d, curve, percentiles_tokens_per_day(draws[:, j]), weights, as_of, extra(d))
            for j, d in enumerate(dates)]


def forecast_at(target_date: date, fits: dict[str, GrowthFit], *, curve: str, seed: int) -> Forecast:
    """Percentiles of the true tokens per day at `target_date`."""
    return forecasts_at([target_date], fits, curve=curve, seed=seed)[0]


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
    curve = curve or DEFAULT_CURVE
    seed = DEFAULT_GROWTH_SEED if seed is None else seed
    data = load_token_usage(data_path)
    dates = [check_target_date(d, data.start) for d in target_dates]
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
