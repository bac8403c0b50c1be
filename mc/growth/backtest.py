"""Backtest: fit on announcements up to a date, score the predictions of later ones.

Scores are in log10 units, on what an announcement would state (the predictive
includes the rounding of "超过X" figures):

- coverage: share of later announcements inside the central 50% and 90% intervals;
- log_score: mean log predictive density of log10(actual), from a Gaussian
  kernel density estimate (scipy ``gaussian_kde``, Scott's bandwidth) of the
  predictive log10 draws; higher is better;
- crps_log10: mean CRPS in log10 units, sample (energy) form
  E|X - y| - E|X - X'| / 2; lower is better.

A backtest with a single held-out announcement says so in its summary
(``note``): its coverage is one yes-or-no, not a rate.

The baseline is what a spreadsheet would do: extend the straight line in log10
through the last two training announcements. To be scored the same way it is
made a normal in log10 with standard deviation
sqrt(rounding_sd^2 + (BASELINE_RATE_RELATIVE_SD * slope * horizon)^2): the
rounding spread of one announcement, plus an uncertain growth rate (relative
sd 50%, the spread a rate measured from two announcements months apart has,
with one of them a lower bound) carried over the horizon in years. Its draws
go through the same KDE and CRPS code as the model's.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from mc.errors import InputError
from mc.growth.data import TokenUsage, years_since_launch
from mc.growth.priors import GrowthPriors
from mc.growth.workflow import FitOptions, fit_curves, predictive_log10_for

BASELINE_RATE_RELATIVE_SD = 0.5


@dataclass(frozen=True)
class BacktestResult:
    """Per-announcement predictions and the summary scores, model and baseline.

    ``fits`` holds the fits made on the training rows (curve name to GrowthFit),
    so a caller can plot them without loading them again; it is not serialised.
    """

    curve: str
    until: date
    points: list[dict]
    summary: dict
    fits: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"curve": self.curve, "until": self.until.isoformat(), "points": self.points, "summary": self.summary}


def crps_energy(draws: np.ndarray, actual: float) -> float:
    """CRPS of sample `draws` at `actual`: E|X - y| - E|X - X'| / 2 (exact over all pairs)."""
    x = np.sort(np.asarray(draws, dtype=float))
    n = x.size
    mean_abs_error = np.mean(np.abs(x - actual))
    # sum over i<j of (x_j - x_i) for sorted x, via ranks: sum_i (2i - n + 1) x_i
    pair_sum = np.sum((2.0 * np.arange(n) - n + 1.0) * x)
    return float(mean_abs_error - pair_sum / (n * n))


def log_density_kde(draws: np.ndarray, actual: float) -> float:
    """log of a Gaussian KDE (Scott's rule) of `draws`, evaluated at `actual`."""
    from scipy.stats import gaussian_kde

    density = float(gaussian_kde(np.asarray(draws, dtype=float))(actual)[0])
    return float(np.log(density)) if density > 0 else float("-inf")


def baseline_log10(train: TokenUsage, dates, priors: GrowthPriors, *, n_draws: int, seed: int) -> np.ndarray:
    """Draws (n_draws, dates) of the log-linear extrapolation of the last two training rows."""
    t = train.years_since_launch[-2:]
    y = train.log10_tokens_per_day[-2:]
    slope = (y[1] - y[0]) / (t[1] - t[0])
    horizon = years_since_launch(dates, train.start) - t[1]
    mean = y[1] + slope * horizon
    sd = np.sqrt(priors.rounding_sd_log10 ** 2 + (BASELINE_RATE_RELATIVE_SD * slope * horizon) ** 2)
    return mean + sd * np.random.default_rng([seed, 13]).standard_normal((n_draws, len(mean)))


def score_points(log10_draws: np.ndarray, test: TokenUsage) -> tuple[list[dict], dict]:
    """Per-row percentiles and coverage flags, and the summary scores."""
    points, log_scores, crps = [], [], []
    for j, (when, actual) in enumerate(zip(test.dates, test.tokens_per_day)):
        column, y = log10_draws[:, j], float(np.log10(actual))
        p5, p25, p50, p75, p95 = (float(10.0 ** v) for v in np.percentile(column, (5, 25, 50, 75, 95)))
        points.append({"date": when.isoformat(), "actual": float(actual), "p5": p5, "p25": p25, "p50": p50,
                       "p75": p75, "p95": p95, "covered_50": bool(p25 <= actual <= p75),
                       "covered_90": bool(p5 <= actual <= p95)})
        log_scores.append(log_density_kde(column, y))
        crps.append(crps_energy(column, y))
    summary = {"coverage_50": float(np.mean([p["covered_50"] for p in points])),
               "coverage_90": float(np.mean([p["covered_90"] for p in points])),
               "log_score": float(np.mean(log_scores)), "crps_log10": float(np.mean(crps))}
    return points, summary


def split(data: TokenUsage, until: date) -> tuple[TokenUsage, TokenUsage]:
    """Training rows (on or before `until`) and held-out rows (after it).

    Raises
    ------
    InputError
        Fewer than two training rows, or no held-out row.
    """
    train, test = data.until(until), data.after(until)
    if len(train) < 2:
        raise InputError(data.path, "--until", f"{len(train)} row(s) on or before {until.isoformat()}; need at least 2 to fit")
    if len(test) == 0:
        raise InputError(data.path, "--until", f"no rows after {until.isoformat()} to predict")
    return train, test


def run_backtest(data: TokenUsage, priors: GrowthPriors, until: date, curve: str,
                 options: FitOptions) -> BacktestResult:
    """Fit `curve` on rows up to `until` and score its predictions of every later row.

    Raises
    ------
    InputError
        Fewer than two rows on or before `until`, or none after it.
    """
    train, test = split(data, until)
    fits = fit_curves(data, priors, curve, replace(options, until=until))
    draws, weights = predictive_log10_for(fits, list(test.dates), seed=options.seed, announced=True,
                                          kinds=list(test.kinds))
    points, summary = score_points(draws, test)
    summary["held_out"] = len(test)
    if len(test) == 1:
        summary["note"] = ("a single held-out announcement: each coverage figure is one yes-or-no (1.00 or 0.00), "
                           "not a coverage rate")
    if fits.excluded:
        summary["excluded_curves"] = dict(fits.excluded)
    base = baseline_log10(train, list(test.dates), priors, n_draws=draws.shape[0], seed=options.seed)
    _, summary["baseline"] = score_points(base, test)
    summary["baseline"]["method"] = (f"log-linear through the last two training rows; normal in log10, sd = "
                                     f"sqrt(rounding_sd^2 + ({BASELINE_RATE_RELATIVE_SD} * slope * horizon)^2)")
    summary["log_score_method"] = "Gaussian KDE (Scott) of predictive log10 draws"
    summary["width_90_log10"] = float(np.mean([np.log10(p["p95"] / p["p5"]) for p in points]))
    summary["baseline"]["width_90_log10"] = float(np.mean(np.percentile(base, 95, axis=0)
                                                          - np.percentile(base, 5, axis=0)))
    if weights is not None:
        summary["weights"] = dict(weights.weights)
        summary["weighting_method"] = weights.method
        summary["weighting_note"] = weights.note
    return BacktestResult(curve, until, points, summary, fits)
