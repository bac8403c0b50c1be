"""Reproduce the Guosen Securities (Dec 2024) Doubao API table from its point assumptions.

Tables: ``reproduce`` (mc's two columns in base units), ``comparison`` (mc beside
the report's printed figures, in the report's display units, with a match flag).
Figure: ``reproduce`` (revenue and capex per year against daily tokens, with
the report's printed columns marked; both lines are straight through the
origin, so the margin does not depend on volume).

    python analyses/reproduce_report.py OUTDIR
"""
from __future__ import annotations

import numpy as np

from _common import main, say
from mc.display import WAN_YI, YI
from mc.plots.style import unit_label
from mc.report import at_volumes, reproduce

TABLES = ("reproduce", "comparison")
FIGURES = ("reproduce",)


def study(args, out) -> None:
    table = at_volumes()
    check = reproduce()
    out.table(table, "reproduce")
    out.table(check, "comparison")
    out.figure(volume_figure(), "reproduce")
    matched = int(check["matches"].sum())
    say(args, f"reproduce: {matched} of {len(check)} printed figures match at the "
              f"report's precision; point margin {100 * table['margin'].iloc[0]:.2f}%")


def volume_figure():
    """Revenue and capex per year (亿元) from 10万亿 to 2000万亿 tokens/day, log-log."""
    import matplotlib.pyplot as plt

    volumes = np.geomspace(1e13, 2e15, 40)
    curve = at_volumes(volumes=volumes)
    printed = reproduce().set_index(["output", "at"])["printed"]
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(volumes / WAN_YI, curve["revenue_cny_per_year"] / YI, label="revenue per year (mc)")
    ax.plot(volumes / WAN_YI, curve["capex_cny_per_year"] / YI, label="GPU capex per year (mc)")
    for volume in (1e14, 1e15):
        label = "the report's printed figures" if volume == 1e14 else None
        at = f"tokens_per_day={volume:g}"
        ax.plot([volume / WAN_YI] * 2, [float(printed["revenue_cny_per_year", at]),
                                        float(printed["capex_cny_per_year", at])], "ko", ms=5, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"tokens per day ({unit_label('万亿 tokens/day')})")
    ax.set_ylabel(f"per year ({unit_label('亿元/yr')})")
    margin = 100 * curve["margin"].iloc[0]
    ax.set_title("Guosen Securities Doubao API model (Dec 2024), point assumptions (priors/guosen_2024.toml)\n"
                 f"revenue and capex are both linear in volume: margin {margin:+.2f}% at every volume", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=TABLES, figures=FIGURES, draws=1, quick_draws=1, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
