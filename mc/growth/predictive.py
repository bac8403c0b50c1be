"""Posterior predictive log10 volume for one fitted curve: curve, deviation, noise, bound.

For each posterior draw, the true log10 volume at a date is

    saturate(curve(t) + d(t) + misfit * e)

where d is the curve's random deviation (:mod:`mc.growth.deviation`) conditioned
on that draw's residuals at the fitted rows, e a standard normal, and saturate
the smooth physical bound (:func:`mc.growth.curves.saturate_log10`). What a
future announcement would state is that truth shifted down by the rounding
offset and spread by the rounding sd when it is a lower bound ("超过X"). Draws
keep the posterior's order (chains then draws), so a seed fixes every number.
"""
from __future__ import annotations

import numpy as np

from mc.growth.curves import get_curve, saturate_log10
from mc.growth.data import LOWER_BOUND, TokenUsage, years_since_launch
from mc.growth.deviation import conditional_draws, loo_log_density
from mc.growth.model import LEVEL_NAME, MISFIT_NAME, NOISE_PARAMS, RATE_NAME, observation_floor, observation_offset
from mc.growth.priors import GrowthPriors


def _curve_at(curve: str, draws: dict, t_years, priors: GrowthPriors) -> np.ndarray:
    """Saturated curve, (draws, len(t))."""
    params = {k: np.asarray(v)[:, None] for k, v in draws.items() if k not in NOISE_PARAMS}
    raw = get_curve(curve).function(np.asarray(t_years, dtype=float)[None, :], **params)
    return saturate_log10(raw, priors.max_log10_tokens_per_day)


def _residual_and_sd(curve: str, draws: dict, data: TokenUsage, priors: GrowthPriors):
    expected = _curve_at(curve, draws, data.years_since_launch, priors) - observation_offset(data, priors)[None, :]
    residual = data.log10_tokens_per_day[None, :] - expected
    sd = np.sqrt(observation_floor(data, priors)[None, :] ** 2 + np.asarray(draws[MISFIT_NAME])[:, None] ** 2)
    return residual, sd


def pointwise_loo_log_density(curve: str, draws: dict, data: TokenUsage, priors: GrowthPriors) -> np.ndarray:
    """log p(y_i | y_-i, theta) for every posterior draw and row, shape (draws, rows)."""
    residual, sd = _residual_and_sd(curve, draws, data, priors)
    return loo_log_density(data.years_since_launch, residual, sd, np.asarray(draws[LEVEL_NAME]),
                           np.asarray(draws[RATE_NAME]), damping=priors.rate_damping_per_year)


def predictive_log10(fit, dates, *, seed: int, announced: bool = False, kinds=None) -> np.ndarray:
    """Posterior predictive log10 tokens per day, shape (draws, dates).

    Parameters
    ----------
    fit : GrowthFit
    dates : sequence of datetime.date
        On or after the series' start.
    seed : int
        Seeds the deviation and the noise; the same seed gives the same draws.
    announced : bool
        False: the true daily volume. True: what an announcement would state:
        for a lower-bound row shifted down and spread by the rounding.
    kinds : sequence of str, optional
        With `announced`, the kind of each date's announcement (default: all
        lower bounds, the usual wording).
    """
    draws = fit.posterior_draws()
    data, priors = fit.data, fit.priors
    t_new = years_since_launch(dates, data.start)
    rng = np.random.default_rng([seed, 7])
    residual, sd = _residual_and_sd(fit.curve, draws, data, priors)
    deviation = conditional_draws(data.years_since_launch, residual, sd, t_new, np.asarray(draws[LEVEL_NAME]),
                                  np.asarray(draws[RATE_NAME]), rng, damping=priors.rate_damping_per_year)
    raw = get_curve(fit.curve).function(t_new[None, :], **{k: np.asarray(v)[:, None] for k, v in draws.items()
                                                            if k not in NOISE_PARAMS})
    misfit = np.asarray(draws[MISFIT_NAME])[:, None]
    truth = saturate_log10(raw + deviation + misfit * rng.standard_normal(deviation.shape),
                           priors.max_log10_tokens_per_day)
    if not announced:
        return truth
    lower = np.array([k == LOWER_BOUND for k in (kinds or [LOWER_BOUND] * len(t_new))], dtype=bool)[None, :]
    spread = np.where(lower, priors.rounding_sd_log10, 0.0)
    return truth - np.where(lower, priors.rounding_offset_log10, 0.0) + spread * rng.standard_normal(truth.shape)
