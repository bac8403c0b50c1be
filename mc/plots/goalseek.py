"""Goal-seek figure: the statistic against the assumption searched, and the output's CDF at the solution.

Left: the statistic of the output (e.g. its median) at each trial value of the
assumption, every other input keeping the same draws (so the curve is what the
root finder saw), the target as a dashed line and the solution with its
±1 Monte Carlo s.e. band. Right: the output's distribution at the solution,
with the solved statistic marked where it meets the target. Values in display
units (%, 亿元) as on the screen.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker as mticker

from mc.display import fmt, scaled, unit
from mc.plots.style import cjk_font, font_context, plain_number, save_png, unit_label  # selects the Agg backend

SHOWN_RANGE = (0.5, 99.5)  # the CDF's x axis spans these percentiles of the output (long tails are cut)


def _axis_label(name: str, model, cjk: bool) -> str:
    u = unit_label(unit(name, model), cjk)
    return f"{name} ({u})" if u else name


def _is_probability(statistic: str) -> bool:
    return statistic == "p_negative"


def statistic_label(statistic: str, output: str) -> str:
    """``p50 of margin``, or ``P(margin < 0)`` for p_negative."""
    return f"P({output} < 0)" if _is_probability(statistic) else f"{statistic} of {output}"


def goalseek_figure(result, trial_values: np.ndarray, statistic_values: np.ndarray, outputs_at_solution: np.ndarray,
                    *, model=None, title: str = ""):
    """A two-panel matplotlib Figure of a goal seek.

    Parameters
    ----------
    result : mc.goalseek.GoalSeekResult
        The solution (assumption, output, statistic, target, value, mc_se, lo, hi).
    trial_values, statistic_values : 1-D arrays
        The assumption's trial values (base units) and the statistic of the output at each.
    outputs_at_solution : 1-D array
        The output's draws with the assumption at the solution (base units).
    model : Model, optional
        Display units of its file; default :mod:`mc.display`'s table.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    cjk = cjk_font() is not None
    with font_context():
        fig, (ax_curve, ax_cdf) = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
        _curve_panel(ax_curve, result, trial_values, statistic_values, model, cjk)
        _cdf_panel(ax_cdf, result, outputs_at_solution, model, cjk)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()  # leaves room for the suptitle
    return fig


def _on_screen(result, values, model):
    """The statistic in display units (a probability stays a probability)."""
    return np.asarray(values, float) if _is_probability(result.statistic) else scaled(result.output, np.asarray(values, float), model)


def _curve_panel(ax, result, xs, ys, model, cjk: bool) -> None:
    name = result.assumption
    x, y = scaled(name, np.asarray(xs, float), model), _on_screen(result, ys, model)
    solved, se = scaled(name, result.value, model), scaled(name, result.mc_se, model)
    target = float(_on_screen(result, result.target, model))
    ax.plot(x, y, color="#4C72B0", lw=1.8, label=f"{statistic_label(result.statistic, result.output)} at each trial value")
    ax.axhline(target, color="#C44E52", ls="--", lw=1.2, label=f"target {fmt(target)}")
    if np.isfinite(se) and se > 0:
        ax.axvspan(solved - se, solved + se, color="#DD8452", alpha=0.25, label="solution ±1 Monte Carlo s.e.")
    ax.axvline(solved, color="#DD8452", lw=1.5)
    ax.plot([solved], [target], "o", color="black", ms=5,
            label=f"{name} = {fmt(solved)}" + (f" ± {fmt(se)}" if np.isfinite(se) else ""))
    positive = np.all(np.asarray(x) > 0)
    if positive and x.max() / x.min() > 20:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(plain_number))
    ax.set_xlabel(_axis_label(name, model, cjk) + ("" if result.mode == "fix" else ", median of its scaled draws"))
    y_unit = "probability" if _is_probability(result.statistic) else unit_label(unit(result.output, model), cjk)
    ax.set_ylabel(statistic_label(result.statistic, result.output) + (f" ({y_unit})" if y_unit else ""))
    ax.set_title(f"{statistic_label(result.statistic, result.output)} against {name}\n(other inputs keep their "
                 "draws)", fontsize=9)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(plain_number))
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)


def _cdf_panel(ax, result, outputs, model, cjk: bool) -> None:
    values = np.sort(scaled(result.output, np.asarray(outputs, float), model))
    values = values[np.isfinite(values)]
    prob = np.arange(1, values.size + 1) / values.size
    lo, hi = np.percentile(values, SHOWN_RANGE)
    ax.plot(values, prob, color="#4C72B0", lw=1.8, label=f"{result.output} at the solution")
    zero_line = _is_probability(result.statistic)
    if result.statistic.startswith("p") and not zero_line:
        level, at = float(result.statistic[1:]) / 100, float(scaled(result.output, result.target, model))
    elif zero_line:
        level, at = float(result.target), 0.0
    else:  # mean, sd: no point on the CDF; mark the value
        level, at = None, float(scaled(result.output, result.target, model))
    ax.axvline(at, color="#C44E52", ls="--", lw=1.2,
               label=f"{result.output} = {fmt(at)}" if zero_line else f"target {result.statistic} {fmt(at)}")
    if level is not None:
        ax.axhline(level, color="#C44E52", ls=":", lw=1.0)
        ax.plot([at], [level], "o", color="black", ms=5, label=f"P = {level:.3g} at {fmt(at)}")
    ax.set_xlim(min(lo, at) - 0.02 * (hi - lo), max(hi, at) + 0.02 * (hi - lo))
    ax.set_ylim(0, 1)
    ax.set_xlabel(_axis_label(result.output, model, cjk)
                  + f"  (axis p{SHOWN_RANGE[0]:g}-p{SHOWN_RANGE[1]:g})")
    ax.set_ylabel("cumulative probability")
    ax.set_title(f"CDF of {result.output} with {result.assumption} at the solution", fontsize=9)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(plain_number))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)


def save_goalseek(result, trial_values, statistic_values, outputs_at_solution, path: str | Path, *,
                  model=None, title: str = "", force: bool = False) -> Path:
    """Render :func:`goalseek_figure` and write it as a PNG, atomically."""
    fig = goalseek_figure(result, trial_values, statistic_values, outputs_at_solution, model=model, title=title)
    return save_png(fig, path, force=force)
