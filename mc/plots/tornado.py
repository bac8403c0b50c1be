"""Tornado chart: an output's median with each input at its p10 and at its p90 (or two other percentiles).

Drawn from the table of :func:`mc.sensitivity.tornado`, so a saved table can be
re-plotted. Bars are sorted by swing (largest on top), start at the base
median (vertical line) and end at the median with the input at p10 (blue) or
p90 (orange). Money is shown in 亿元, margins in %.

Inputs whose swing is within Monte Carlo noise (zero, or below twice the
table's ``mc_se``) are listed in grey at the bottom under one label instead of
as empty rows. A discrete input (a ``choice`` or ``empirical`` family) is
marked "discrete": its p10 and p90 are two of its values, not a continuous
range, so its bar is a jump between two cases.
"""
from __future__ import annotations

from pathlib import Path
from typing import Collection

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import ticker as mticker
from matplotlib.patches import Patch

from mc.display import fmt, scaled, unit
from mc.plots.style import cjk_font, font_context, plain_number, save_png, unit_label  # selects the Agg backend

DISCRETE_FAMILIES = frozenset({"choice", "empirical"})
NOISE_SE = 2.0  # a swing below this many standard errors of the medians is shown as "no visible effect"


def discrete_inputs(priors) -> list[str]:
    """Names of the uncertain inputs of `priors` whose distribution is discrete (choice, empirical).

    Pass the result as ``discrete=`` to :func:`tornado_figure` / :func:`save_tornado`.
    """
    return [name for name in priors.uncertain if priors[name].distribution.family in DISCRETE_FAMILIES]


def _split_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows with a visible swing, and the names of inputs whose swing is zero or within noise."""
    se = table["mc_se"].astype(float) if "mc_se" in table else 0.0
    flat = (table["swing"].astype(float) <= NOISE_SE * se) | (table["swing"].astype(float) == 0.0)
    return table[~flat], list(table.loc[flat, "input"])


def _input_label(r, model, cjk: bool, discrete: Collection[str], percents: tuple[float, float]) -> str:
    u = unit(r.input, model) or r.unit
    low, high = fmt(scaled(r.input, r.input_low, model)), fmt(scaled(r.input, r.input_high, model))
    kind = "discrete: " if r.input in discrete else ""
    return f"{r.input}\n{kind}p{percents[0]:g} {low} / p{percents[1]:g} {high} ({unit_label(u, cjk)})"


def tornado_figure(table: pd.DataFrame, output: str, *, title: str = "", model=None,
                   discrete: Collection[str] | None = None, percents: tuple[float, float] = (10, 90)):
    """A matplotlib Figure of the tornado table (columns as :func:`mc.sensitivity.tornado`).

    Parameters
    ----------
    table : DataFrame
        Columns ``input, unit, input_low, input_high, output_at_low, output_at_high, base, swing``
        and optionally ``mc_se`` and ``family``.
    output : str
        The output whose median the table holds.
    title : str
    model : Model, optional
        Display units of its file (亿元, %); default the table in :mod:`mc.display`.
    discrete : collection of str, optional
        Inputs to label as discrete (see :func:`discrete_inputs`); default those whose ``family``
        column, when present, is choice or empirical.
    percents : (float, float)
        The percentiles each input was set to (the table's ``low`` and ``high``, in percent), for the labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    discrete = _table_discrete(table) if discrete is None else discrete
    cjk = cjk_font() is not None
    out_unit = unit_label(unit(output, model), cjk)
    shown, flat = _split_rows(table)
    rows = shown.iloc[::-1]  # barh draws bottom-up; largest swing on top
    base = scaled(output, float(table["base"].iloc[0]), model)
    with font_context():
        fig, ax = plt.subplots(figsize=(9, 0.55 * (len(rows) + (1 if flat else 0)) + 2.4), dpi=120)
        _draw_bars(ax, rows, output, base, model, discrete, percents, offset=1 if flat else 0)
        _label_inputs(ax, rows, flat, model, cjk, discrete, percents)
        ax.axvline(base, color="black", lw=1, label=f"base median {fmt(base)} {out_unit}")
        _label_axis(ax, output, out_unit, title, percents)
        _legend(fig, ax, any(r.input in discrete for r in rows.itertuples()))
    return fig


def _table_discrete(table: pd.DataFrame) -> set[str]:
    """The inputs whose ``family`` column, when the table has one, is discrete (choice, empirical)."""
    return set(table.loc[table["family"].isin(DISCRETE_FAMILIES), "input"]) if "family" in table else set()


def _label_axis(ax, output: str, out_unit: str, title: str, percents: tuple[float, float]) -> None:
    """The median's axis (plain numbers in the output's display unit) and the title (a default naming the run)."""
    ax.set_xlabel(f"median {output} ({out_unit or 'base unit'})")
    ax.set_title(title or f"Tornado: median {output} with each input at its p{percents[0]:g} / p{percents[1]:g}",
                 fontsize=10)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=7))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(plain_number))


def _draw_bars(ax, rows: pd.DataFrame, output: str, base: float, model, discrete: Collection[str],
               percents: tuple[float, float], offset: int) -> None:
    """One pair of bars per input from the base median to the median with the input low (blue) and high
    (orange), hatched for discrete inputs, starting at row `offset` (row 0 may hold the flat inputs)."""
    for y, r in enumerate(rows.itertuples(), start=offset):
        lo, hi = scaled(output, r.output_at_low, model), scaled(output, r.output_at_high, model)
        hatch = "//" if r.input in discrete else None
        ax.barh(y, lo - base, left=base, color="#4C72B0", height=0.6, hatch=hatch, edgecolor="white",
                label=f"input at p{percents[0]:g}" if y == offset else None)
        ax.barh(y, hi - base, left=base, color="#DD8452", height=0.6, hatch=hatch, edgecolor="white",
                label=f"input at p{percents[1]:g}" if y == offset else None)


def _label_inputs(ax, rows: pd.DataFrame, flat: list[str], model, cjk: bool, discrete: Collection[str],
                  percents: tuple[float, float]) -> None:
    """Each bar's input and its two values on the y axis, below them one grey row naming the `flat` inputs."""
    labels = [_input_label(r, model, cjk, discrete, percents) for r in rows.itertuples()]
    if flat:
        labels.insert(0, _flat_label(flat))
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    if flat:
        ax.get_yticklabels()[0].set_color("grey")
    ax.set_ylim(-0.6, len(labels) - 0.4)


def _legend(fig, ax, any_discrete: bool) -> None:
    """The legend below the axes (with the hatch's meaning when a discrete input is drawn), then the layout."""
    handles, names = ax.get_legend_handles_labels()
    if any_discrete:
        handles.append(Patch(facecolor="#999999", hatch="//", edgecolor="white"))
        names.append("discrete input (hatched): a jump between two of its values")
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.55 / fig.get_figheight(), 1, 1))


def _flat_label(names: list[str]) -> str:
    """One grey row naming the inputs with no visible swing, wrapped a few names a line."""
    lines = [", ".join(names[i:i + 2]) for i in range(0, len(names), 2)]
    return "no visible effect (swing zero or\nwithin Monte Carlo noise): " + ",\n".join(lines)


def save_tornado(table: pd.DataFrame, output: str, path: str | Path, *, title: str = "",
                 force: bool = False, model=None, discrete: Collection[str] | None = None,
                 percents: tuple[float, float] = (10, 90)) -> Path:
    """Render the tornado chart and write it as a PNG, atomically (arguments as :func:`tornado_figure`)."""
    fig = tornado_figure(table, output, title=title, model=model, discrete=discrete, percents=percents)
    return save_png(fig, path, force=force, dpi=120)
