"""Posterior predictive token volume at future dates, per curve or as a weighted mix.

A predictive draw is the curve at the date for one posterior draw, plus that
draw's misfit noise (true volume), or additionally shifted and spread by the
announcement rounding (what a future announcement would say). Draws keep the
posterior's order (chains then draws), so a seed fixes every number.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from mc.growth.curves import get_curve
from mc.growth.data import years_since_launch
from mc.growth.fit import GrowthFit

PERCENTILES = (5, 25, 50, 75, 95)
STACKING = "stacking"
FALLBACK_METHOD = "BB-pseudo-BMA"
PARETO_K_LIMIT = 0.7


@dataclass(frozen=True)
class ModelWeights:
    """Weights of the curves in a mix, and how they were found."""

    weights: dict[str, float]
    method: str
    note: str = ""


@dataclass(frozen=True)
class Forecast:
    """Predictive percentiles of tokens per day at one date."""

    date: date
    curve: str
    percentiles_tokens_per_day: dict[int, float]
    weights: ModelWeights | None = None
    as_of: date | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON shape: date, curve, p5..p95 (tokens per day) and weights for a mix."""
        out = {"date": self.date.isoformat(), "curve": self.curve}
        out.update({f"p{q}": float(v) for q, v in self.percentiles_tokens_per_day.items()})
        if self.weights is not None:
            out["weights"] = dict(self.weights.weights)
            out["weighting_method"] = self.weights.method
            if self.weights.note:
                out["weighting_note"] = self.weights.note
        return out


def predictive_log10(fit: GrowthFit, dates, *, seed: int, announced: bool = False) -> np.ndarray:
    """Posterior predictive log10 tokens per day, shape (draws, dates).

    Parameters
    ----------
    fit : GrowthFit
    dates : sequence of datetime.date
    seed : int
        Seeds the noise; the same seed gives the same draws.
    announced : bool
        False: the true daily volume (curve plus misfit). True: what an
        announcement would state (also shifted down and spread by the rounding).
    """
    draws = fit.posterior_draws()
    misfit = draws.pop("misfit_log10")
    t_years = years_since_launch(dates)[None, :]
    curve_log10 = get_curve(fit.curve).function(t_years, **{k: v[:, None] for k, v in draws.items()})
    sd = misfit[:, None]
    if announced:
        sd = np.sqrt(sd ** 2 + fit.priors.rounding_sd_log10 ** 2)
        curve_log10 = curve_log10 - fit.priors.rounding_offset_log10
    rng = np.random.default_rng([seed, 7])
    return curve_log10 + sd * rng.standard_normal(curve_log10.shape)


def model_weights(fits: dict[str, GrowthFit], *, seed: int) -> ModelWeights:
    """Stacking weights from PSIS-LOO, or Bayesian-bootstrap pseudo-BMA when LOO is unreliable.

    With a handful of announcements, leaving one out moves the posterior a lot
    (Pareto k above 0.7), so stacking, which optimises the weights on those very
    LOO densities, can put all weight on one curve by chance. In that case the
    weights come from BB-pseudo-BMA, which propagates the uncertainty of the
    LOO estimates and stays closer to equal weights; the note says so.
    """
    import arviz as az

    if len(fits) == 1:
        return ModelWeights({name: 1.0 for name in fits}, "single curve")
    idatas = {name: fit.idata for name, fit in fits.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        worst_k = max(float(np.max(az.loo(idata, pointwise=True).pareto_k.values)) for idata in idatas.values())
        if worst_k <= PARETO_K_LIMIT:
            table, method, note = az.compare(idatas, ic="loo", method=STACKING), STACKING, ""
        else:
            table = az.compare(idatas, ic="loo", method=FALLBACK_METHOD, seed=seed)
            method = FALLBACK_METHOD
            note = (f"PSIS-LOO is unreliable here (max Pareto k {worst_k:.2f} > {PARETO_K_LIMIT} with "
                    f"{min(len(f.data) for f in fits.values())} announcements); used {FALLBACK_METHOD} instead of stacking")
    weights = {name: float(table.loc[name, "weight"]) for name in fits}
    total = sum(weights.values())
    return ModelWeights({name: w / total for name, w in weights.items()}, method, note)


def mixture_log10(fits: dict[str, GrowthFit], weights: ModelWeights, dates, *, seed: int,
                  announced: bool = False) -> np.ndarray:
    """Predictive draws of the weighted mix, shape (draws, dates).

    Each draw picks one curve with probability equal to its weight (one pick per
    draw for all dates, so trajectories stay coherent) and takes that curve's
    predictive draw at the same position.
    """
    names = list(fits)
    per_curve = [predictive_log10(fits[n], dates, seed=seed, announced=announced) for n in names]
    n_draws = min(p.shape[0] for p in per_curve)
    probs = np.array([weights.weights[n] for n in names])
    pick = np.random.default_rng([seed, 11]).choice(len(names), size=n_draws, p=probs / probs.sum())
    stacked = np.stack([p[:n_draws] for p in per_curve])  # (curves, draws, dates)
    return stacked[pick, np.arange(n_draws)]


def percentiles_tokens_per_day(log10_draws: np.ndarray) -> dict[int, float]:
    """p5..p95 of tokens per day from 1-D log10 draws."""
    values = np.percentile(np.asarray(log10_draws, dtype=float), PERCENTILES)
    return {q: float(10.0 ** v) for q, v in zip(PERCENTILES, values)}
