"""Tornado chart: an output's median with each input at its p10 and at its p90.

Drawn from the table of :func:`mc.sensitivity.tornado`, so a saved table can be
re-plotted. Bars are sorted by swing (largest on top), start at the base
median (vertical line) and end at the median with the input at p10 (blue) or
p90 (orange). Money is shown in 亿元, margins in %.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from mc.display import fmt, scaled, unit
from mc.plots.style import cjk_font, save_png, unit_label  # selects the Agg backend before any figure exists

def tornado_figure(table: pd.DataFrame, output: str, *, title: str = "", model=None):
    """A matplotlib Figure of the tornado table (columns as :func:`mc.sensitivity.tornado`).

    `model` gives the display units of its file (亿元, %); default the table in :mod:`mc.display`.
    """
    font = cjk_font()
    out_unit = unit(output, model)
    rows = table.iloc[::-1]  # barh draws bottom-up; largest swing on top
    base = scaled(output, float(table["base"].iloc[0]), model)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.8), dpi=120)
    for y, r in enumerate(rows.itertuples()):
        lo, hi = scaled(output, r.output_at_low, model), scaled(output, r.output_at_high, model)
        ax.barh(y, lo - base, left=base, color="#4C72B0", height=0.6, label="input at p10" if y == 0 else None)
        ax.barh(y, hi - base, left=base, color="#DD8452", height=0.6, label="input at p90" if y == 0 else None)
    labels = []
    for r in rows.itertuples():
        u = unit(r.input, model) or r.unit
        labels.append(f"{r.input}\np10 {fmt(scaled(r.input, r.input_low, model))} / "
                      f"p90 {fmt(scaled(r.input, r.input_high, model))} ({unit_label(u, bool(font))})")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.axvline(base, color="black", lw=1, label=f"base median {fmt(base)} {unit_label(out_unit, bool(font))}")
    ax.set_xlabel(f"median {output} ({unit_label(out_unit, bool(font)) or 'base unit'})")
    ax.set_title(title or f"Tornado: median {output} with each input at its p10 / p90")
    ax.legend(loc="lower right", fontsize=8)
    if font:
        for text in [ax.title, ax.xaxis.label, *ax.get_yticklabels(), *ax.get_legend().get_texts()]:
            text.set_fontfamily([font, "DejaVu Sans"])
    fig.tight_layout()
    return fig


def save_tornado(table: pd.DataFrame, output: str, path: str | Path, *, title: str = "",
                 force: bool = False, model=None) -> Path:
    """Render the tornado chart and write it as a PNG, atomically."""
    return save_png(tornado_figure(table, output, title=title, model=model), path, force=force, dpi=120)
