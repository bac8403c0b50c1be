"""Figure: announced volumes, posterior median and 50%/90% bands on a log axis."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np

from mc.growth.data import LAUNCH_DATE, TokenUsage

GRID_POINTS = 160


def date_grid(start: date, end: date, points: int = GRID_POINTS) -> list[date]:
    """`points` evenly spaced days from `start` to `end` inclusive."""
    span = max((end - start).days, 1)
    return sorted({start + timedelta(days=int(round(d))) for d in np.linspace(0, span, points)})


def plot_growth(fits, data: TokenUsage, horizon_date: date, path: str | Path, *, seed: int = 0,
                force: bool = False, title_curve: str | None = None) -> Path:
    """Plot the fitted growth curve(s) through `horizon_date` and save a PNG atomically.

    Parameters
    ----------
    fits : GrowthFit or dict of name to GrowthFit
        One fit, or several to show as their weighted mix.
    data : TokenUsage
        Announcements to mark: those used in the fit filled, later ones hollow.
    horizon_date : datetime.date
        Right end of the time axis.
    path : path-like
        PNG destination; must not exist unless `force`.
    seed : int
        Seeds the predictive noise (and the mix's draw assignment).
    title_curve : str, optional
        Name for the title (default: the curve, or "all" for a mix).

    Returns
    -------
    pathlib.Path
    """
    from mc.growth.workflow import predictive_log10_for
    from mc.plots.style import plt, save_png  # sets the Agg backend

    fits = fits if isinstance(fits, dict) else {fits.curve: fits}
    as_of = max(f.as_of for f in fits.values())
    grid = date_grid(LAUNCH_DATE, max(horizon_date, data.dates[-1]))
    draws, weights = predictive_log10_for(fits, grid, seed=seed)
    bands = 10.0 ** np.percentile(draws, [5, 25, 50, 75, 95], axis=0)
    fig, ax = plt.subplots(figsize=(8, 5))
    _draw(ax, grid, bands, data, as_of)
    name = title_curve or (f"{next(iter(fits))} curve" if len(fits) == 1 else "weighted mix of all curves")
    ax.set_title(f"Daily token volume, {name}, data as of {as_of.isoformat()}")
    if weights is not None:
        text = ", ".join(f"{k} {w:.2f}" for k, w in weights.weights.items())
        ax.text(0.01, 0.01, f"weights ({weights.method}): {text}", transform=ax.transAxes, fontsize=7, va="bottom")
    fig.autofmt_xdate()
    fig.tight_layout()
    return save_png(fig, path, force=force, dpi=120)


def _draw(ax, grid, bands, data: TokenUsage, as_of: date) -> None:
    ax.fill_between(grid, bands[0], bands[4], color="tab:blue", alpha=0.18, label="90% predictive interval")
    ax.fill_between(grid, bands[1], bands[3], color="tab:blue", alpha=0.35, label="50% predictive interval")
    ax.plot(grid, bands[2], color="tab:blue", lw=1.8, label="posterior predictive median (true volume)")
    used = np.array([d <= as_of for d in data.dates])
    dates = np.array(data.dates)
    ax.scatter(dates[used], data.tokens_per_day[used], color="black", zorder=5, label="announced, a lower bound (fitted)")
    if (~used).any():
        ax.scatter(dates[~used], data.tokens_per_day[~used], facecolors="none", edgecolors="tab:red", zorder=5,
                   label="announced (held out)")
    ax.axvline(as_of, color="grey", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_ylabel("tokens per day (log scale)")
    ax.set_xlabel("date")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
