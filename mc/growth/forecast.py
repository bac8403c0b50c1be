"""Posterior predictive token volume at future dates as a weighted mix of curves, and its summary.

One curve's predictive is :func:`mc.growth.predictive.predictive_log10`; here
the curves are weighted (:func:`model_weights`) and mixed draw by draw.
"""
from __future__ import annotations

import warnings
from datetime import date
from dataclasses import dataclass, field

import numpy as np

from mc.growth.fit import GrowthFit
from mc.growth.predictive import predictive_log10

PERCENTILES = (5, 25, 50, 75, 95)
STACKING = "stacking"
EQUAL = "equal weights"
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
        if self.extra.get("horizon_note"):
            out["horizon_note"] = self.extra["horizon_note"]
        return out


FAR_HORIZON_SPANS = 3  # further past the last announcement than this many data spans, the priors speak


def horizon_note(target: date, first: date, last: date) -> str | None:
    """A warning when `target` lies far beyond the announcements (first to last), else None.

    Beyond :data:`FAR_HORIZON_SPANS` times the data's span (at least a year) past
    the last announcement, the band is set by the deviation priors and the
    physical bound much more than by the data; the numbers are what those priors
    imply, and the user should know it.
    """
    span_days = max((last - first).days, 365)
    ahead_days = (target - last).days
    if ahead_days <= FAR_HORIZON_SPANS * span_days:
        return None
    return (f"{target.isoformat()} is {ahead_days / 365.25:.1f} years past the last announcement "
            f"({last.isoformat()}), more than {FAR_HORIZON_SPANS} times the {span_days / 365.25:.1f} years the "
            "data cover: this far out the band reflects the growth priors ([deviation] and [bound]) more than the data")


def model_weights(fits: dict[str, GrowthFit], *, seed: int) -> ModelWeights:
    """Stacking weights from PSIS-LOO when it is reliable, equal weights otherwise.

    The pointwise values are exact leave-one-out densities given each draw
    (the Gaussian-process identity, :func:`mc.growth.deviation.loo_log_density`),
    so PSIS-LOO is valid for the correlated model. With a handful of
    announcements, leaving one out still moves the posterior a lot (Pareto k
    above 0.7): the LOO estimates are then unreliable, and stacking or
    BB-pseudo-BMA, which both optimise on them, can put all weight on one curve
    by chance. Then every curve gets the same weight: a choice that cannot
    overfit, and whose calibration the backtests check (benchmarks/README.md).
    The method and the worst k are stated in the result.
    """
    import arviz as az

    if len(fits) == 1:
        return ModelWeights({name: 1.0 for name in fits}, "single curve")
    idatas = {name: fit.idata for name, fit in fits.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        worst_k = max(float(np.max(az.loo(idata, pointwise=True).pareto_k.values)) for idata in idatas.values())
        if worst_k <= PARETO_K_LIMIT:
            table = az.compare(idatas, ic="loo", method=STACKING)
            weights = {name: float(table.loc[name, "weight"]) for name in fits}
            total = sum(weights.values())
            return ModelWeights({name: w / total for name, w in weights.items()}, STACKING,
                                f"PSIS-LOO reliable (max Pareto k {worst_k:.2f} <= {PARETO_K_LIMIT})")
    rows = min(len(f.data) for f in fits.values())
    note = (f"PSIS-LOO is unreliable here (max Pareto k {worst_k:.2f} > {PARETO_K_LIMIT} with {rows} "
            f"announcements), so no data-based weights are trusted: every curve weighs the same")
    return ModelWeights({name: 1.0 / len(fits) for name in fits}, EQUAL, note)


def mixture_log10(fits: dict[str, GrowthFit], weights: ModelWeights, dates, *, seed: int,
                  announced: bool = False, kinds=None) -> np.ndarray:
    """Predictive draws of the weighted mix, shape (draws, dates).

    Each draw picks one curve with probability equal to its weight (one pick per
    draw for all dates, so trajectories stay coherent) and takes that curve's
    predictive draw at the same position.
    """
    names = list(fits)
    per_curve = [predictive_log10(fits[n], dates, seed=seed, announced=announced, kinds=kinds) for n in names]
    n_draws = min(p.shape[0] for p in per_curve)
    probs = np.array([weights.weights[n] for n in names])
    pick = np.random.default_rng([seed, 11]).choice(len(names), size=n_draws, p=probs / probs.sum())
    stacked = np.stack([p[:n_draws] for p in per_curve])  # (curves, draws, dates)
    return stacked[pick, np.arange(n_draws)]


def percentiles_tokens_per_day(log10_draws: np.ndarray) -> dict[int, float]:
    """p5..p95 of tokens per day from 1-D log10 draws."""
    values = np.percentile(np.asarray(log10_draws, dtype=float), PERCENTILES)
    return {q: float(10.0 ** v) for q, v in zip(PERCENTILES, values)}
