"""Figure: announced volumes, posterior median and 50%/90% bands on a log axis."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np

from mc.growth.data import TokenUsage

GRID_POINTS = 160


def date_grid(start: date, end: date, points: int = GRID_POINTS) -> list[date]:
    """`points` evenly spaced days from `start` to `end` inclusive."""
    span = max((end - start).days, 1)
    return sorted({start + timedelta(days=int(round(d))) for d in np.linspace(0, span, points)})


def plot_growth(fits, data: TokenUsage, horizon_date: date, path: str | Path, *, seed: int = 0,
                force: bool = False, title_curve: str | None = None, marks=(), held_out: bool = False) -> Path:
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
    marks : sequence of datetime.date
        Requested forecast dates, drawn as labelled vertical lines.
    held_out : bool
        A backtest figure: the bands are the predictive of what an announcement
        would state (the scale the backtest's printed numbers use), and the
        held-out rows are kept inside the frame.

    Returns
    -------
    pathlib.Path
    """
    from mc.growth.workflow import predictive_log10_for
    from mc.plots.style import plt, save_png  # sets the Agg backend

    fits = fits if isinstance(fits, dict) else {fits.curve: fits}
    as_of = max(f.as_of for f in fits.values())
    start = next(iter(fits.values())).data.start
    grid = date_grid(start, max(horizon_date, data.dates[-1], *marks))
    draws, weights = predictive_log10_for(fits, grid, seed=seed, announced=held_out)
    bands = 10.0 ** np.percentile(draws, [5, 25, 50, 75, 95], axis=0)
    fig, ax = plt.subplots(figsize=(8, 5))
    _draw(ax, grid, bands, data, as_of, announced=held_out)
    _mark_dates(ax, marks, grid, bands)
    _frame(ax, grid, bands, data)
    name = title_curve or (f"{next(iter(fits))} curve" if len(fits) == 1 else "weighted mix of all curves")
    ax.set_title(f"Daily token volume, {name}, data as of {as_of.isoformat()}")
    if weights is not None:
        text = ", ".join(f"{k} {w:.2f}" for k, w in weights.weights.items())
        ax.text(0.99, 0.01, f"weights ({weights.method}): {text}", transform=ax.transAxes, fontsize=7,
                va="bottom", ha="right")
    fig.autofmt_xdate()
    fig.tight_layout()
    return save_png(fig, path, force=force, dpi=120)


def _draw(ax, grid, bands, data: TokenUsage, as_of: date, *, announced: bool = False) -> None:
    what = "of an announcement's figure" if announced else "of the true volume"
    ax.fill_between(grid, bands[0], bands[4], color="tab:blue", alpha=0.18, label=f"90% predictive interval {what}")
    ax.fill_between(grid, bands[1], bands[3], color="tab:blue", alpha=0.35, label="50% predictive interval")
    ax.plot(grid, bands[2], color="tab:blue", lw=1.8, label="predictive median")
    dates, values = np.array(data.dates), data.tokens_per_day
    used, lower = np.array([d <= as_of for d in data.dates]), data.is_lower_bound
    styles = [(used & ~lower, dict(marker="o", color="black"), "stated daily average (fitted)"),
              (used & lower, dict(marker="^", color="black"), "'more than X', a lower bound (fitted)"),
              (~used & ~lower, dict(marker="o", facecolors="none", edgecolors="tab:red"), "stated average (held out)"),
              (~used & lower, dict(marker="^", facecolors="none", edgecolors="tab:red"), "lower bound (held out)")]
    for keep, style, label in styles:
        if keep.any():
            ax.scatter(dates[keep], values[keep], zorder=5, s=30, label=label, **style)
    ax.axvline(as_of, color="grey", ls=":", lw=1, label=f"data as of {as_of.isoformat()}")
    ax.set_yscale("log")
    ax.set_ylabel("tokens per day (log scale)")
    ax.set_xlabel("date")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=7)


def _mark_dates(ax, marks, grid, bands) -> None:
    """A labelled line at each requested date, with the median there."""
    for when in marks:
        j = int(np.argmin([abs((g - when).days) for g in grid]))
        ax.axvline(when, color="tab:orange", lw=1, ls="--")
        ax.annotate(f"{when.isoformat()}\nmedian {bands[2][j]:.2g}", (when, bands[2][j]), fontsize=7,
                    xytext=(-4, 8), textcoords="offset points", ha="right", color="tab:orange")


def _frame(ax, grid, bands, data: TokenUsage) -> None:
    """y range that holds the bands and every row (held-out ones too), with some room."""
    low = min(float(np.min(bands[0])), float(np.min(data.tokens_per_day)))
    high = max(float(np.max(bands[4])), float(np.max(data.tokens_per_day)))
    ax.set_ylim(low / 2.0, high * 4.0)
    ax.set_xlim(grid[0] - timedelta(days=10), grid[-1] + timedelta(days=10))
