"""The value bridge: PV of explicit cash flows, plus PV of terminal value, equals enterprise value.

Drawn from :func:`mc.valuation.analysis.bridge_table` (p5 .. p95 and the mean
per step), so a saved table can be re-plotted.  Bars are the medians (the
terminal bar floats from the explicit median, as a waterfall); each step
carries its own 50% (thick) and 90% (thin) band, because medians do not add:
the EV's median is not the sum of the two parts' medians, and the bars say so.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from mc.display import YI, fmt
from mc.plots.style import cjk_font, font_context, save_png, unit_label  # selects the Agg backend

STEP_LABELS = {"pv_explicit_cny": "PV of explicit FCF", "pv_terminal_cny": "PV of terminal value",
               "ev_cny": "Enterprise value"}
STEP_COLOURS = {"pv_explicit_cny": "#4C72B0", "pv_terminal_cny": "#DD8452", "ev_cny": "#55A868"}


def bridge_figure(table: pd.DataFrame, *, title: str = ""):
    """A matplotlib Figure of the bridge table (columns ``step, statistic, value``), in 亿元."""
    wide = table.pivot(index="step", columns="statistic", values="value").astype(float) / YI
    steps = [s for s in STEP_LABELS if s in wide.index]
    font = cjk_font()
    with font_context():
        fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
        explicit = wide.loc["pv_explicit_cny", "p50"] if "pv_explicit_cny" in wide.index else 0.0
        for x, step in enumerate(steps):
            q = wide.loc[step]
            bottom = explicit if step == "pv_terminal_cny" else 0.0
            ax.bar(x, q["p50"], bottom=bottom, width=0.55, color=STEP_COLOURS[step], alpha=0.85,
                   label="median (terminal bar starts at the explicit median)" if x == 0 else None)
            centre = bottom + q["p50"]
            ax.vlines(x, bottom + q["p5"], bottom + q["p95"], color="black", lw=1.2,
                      label="90% band (p5-p95) of the step" if x == 0 else None)
            ax.vlines(x, bottom + q["p25"], bottom + q["p75"], color="black", lw=5,
                      label="50% band (p25-p75)" if x == 0 else None)
            ax.plot(x, bottom + q["mean"], marker="^", color="white", mec="black", ms=7,
                    label="mean" if x == 0 else None)
            ax.annotate(f"median {fmt(q['p50'])}\n[{fmt(q['p5'])}, {fmt(q['p95'])}]", (x + 0.3, centre),
                        fontsize=8, va="center")
        lows = [(explicit if s == "pv_terminal_cny" else 0.0) + wide.loc[s, "p5"] for s in steps]
        highs = [(explicit if s == "pv_terminal_cny" else 0.0) + wide.loc[s, "p95"] for s in steps]
        span = max(max(abs(v) for v in lows + highs), 1.0)
        ax.set_ylim(min(min(lows) * 1.6, -span * 0.01), max(max(highs) * 1.6, span * 0.01))
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(range(len(steps)), [STEP_LABELS[s] for s in steps])
        ax.set_xlim(-0.6, len(steps) - 0.1)
        ax.set_ylabel(unit_label("亿元", bool(font)) + " at the valuation date (symlog)")
        ax.set_yscale("symlog", linthresh=max(abs(wide["p50"]).min() / 4, 1.0))
        ax.set_ylim(min(min(lows) * 1.6, -span * 0.01), max(max(highs) * 1.6, span * 0.01))
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=7, loc="best")
        ax.set_title(title, fontsize=9)
        fig.tight_layout()
    return fig


def save_bridge(table: pd.DataFrame, path: str | Path, *, title: str = "", force: bool = False) -> Path:
    """Render the bridge and write it as a PNG, atomically (no partial file; no overwrite without `force`)."""
    return save_png(bridge_figure(table, title=title), path, force=force, dpi=120)
