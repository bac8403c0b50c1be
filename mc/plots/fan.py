"""Fan charts of a multi-year projection: median, 50% and 90% bands per output.

Drawn from the percentile table of :func:`mc.projection.summarise_projection`
(p5, p25, p50, p75, p95 per year), so a saved table can be re-plotted without
the draws.  Money is shown in 亿元 (1e8 CNY), GPUs in 万, tokens in 万亿 per day,
margins in %.  A last panel shows the NPV's distribution as a box (p25-p75)
with whiskers at p5 and p95.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from mc.display import DISPLAY_UNITS, YI  # noqa: E402
from mc.plots.style import cjk_font, font_context, save_png, unit_label  # noqa: E402

# output -> (panel title, log scale); divisors and units come from mc.display
PANEL_TITLES: dict[str, tuple[str, bool]] = {
    "tokens_per_day": ("Average daily tokens", True),
    "price_cny_per_m_tokens": ("Blended price", False),
    "revenue_cny": ("Revenue", True),
    "fleet_gpus": ("GPUs in service", True),
    "capex_cny": ("Capex (cash on GPUs)", True),
    "depreciation_cny": ("Depreciation", True),
    "power_cny": ("Power cost", True),
    "cash_flow_cny": ("Cash flow (revenue - capex - power)", False),
    "margin": ("Margin on depreciation", False),
    "margin_after_power": ("Margin after power", False),
    "required_eflops": ("Compute at peak", True),
    "gpus_purchased": ("GPUs bought", True),
    "other_opex_cny": ("Other opex", True),
    "ebitda_cny": ("EBITDA (revenue - power - other opex)", False),
    "ebit_cny": ("EBIT (EBITDA - depreciation)", False),
    "tax_cny": ("Tax on positive EBIT", False),
    "fcf_cny": ("Free cash flow (EBIT - tax + depreciation - capex)", False),
}
# path outputs drawn as the last panel's box, with their label
BOX_OUTPUTS = {"npv_cny": "NPV", "ev_cny": "EV"}
DEFAULT_OUTPUTS = ("tokens_per_day", "price_cny_per_m_tokens", "revenue_cny", "fleet_gpus", "capex_cny",
                   "depreciation_cny", "power_cny", "cash_flow_cny", "margin", "margin_after_power")
def fan_chart(table: pd.DataFrame, outputs: Sequence[str] | None = None, *, title: str = ""):
    """A grid of fan charts, one panel per output, plus the NPV box when present.

    Parameters
    ----------
    table : DataFrame
        From :func:`mc.projection.summarise_projection`; needs p5, p25, p50,
        p75 and p95 rows.
    outputs : sequence of str, optional
        Yearly outputs to draw (default :data:`DEFAULT_OUTPUTS` that are present).
    title : str
        Figure title (say what and as of when).

    Returns
    -------
    matplotlib.figure.Figure
    """
    present = set(table["output"])
    outputs = [o for o in (outputs or DEFAULT_OUTPUTS) if o in present]
    box = next((o for o in BOX_OUTPUTS if o in present), None)
    npv = box is not None
    n_panels = len(outputs) + npv
    ncols = 3 if n_panels > 4 else max(n_panels, 1)
    nrows = math.ceil(n_panels / ncols)
    font = cjk_font()
    with font_context():
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
        flat = list(axes.flat)
        for ax, output in zip(flat, outputs):
            _fan_panel(ax, table[table["output"] == output], output, bool(font))
        if npv:
            _npv_panel(flat[len(outputs)], table[table["output"] == box], bool(font), BOX_OUTPUTS[box])
        for ax in flat[n_panels:]:
            ax.set_visible(False)
        fig.suptitle(title, fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def _quantiles(rows: pd.DataFrame, divisor: float) -> pd.DataFrame:
    wide = rows.pivot(index="year", columns="statistic", values="value")
    return wide[["p5", "p25", "p50", "p75", "p95"]].astype(float) / divisor


def _fan_panel(ax, rows: pd.DataFrame, output: str, cjk: bool) -> None:
    name, log = PANEL_TITLES.get(output, (output, False))
    divisor, unit = DISPLAY_UNITS.get(output, _money_or_raw(rows["unit"].iloc[0]))
    q = _quantiles(rows, divisor)
    years = q.index.astype(int)
    ax.fill_between(years, q["p5"], q["p95"], alpha=0.2, color="C0", lw=0, label="90% band (p5-p95)")
    ax.fill_between(years, q["p25"], q["p75"], alpha=0.4, color="C0", lw=0, label="50% band (p25-p75)")
    ax.plot(years, q["p50"], color="C0", lw=2, marker="o", ms=3, label="median")
    if log:
        ax.set_yscale("log", nonpositive="clip")
    elif q.min().min() < 0 < q.max().max():
        ax.axhline(0, color="grey", lw=0.8)
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("year")
    ax.set_ylabel(unit_label(unit, cjk) + (" (log scale)" if log else ""))
    ax.set_xticks(years)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")


def _money_or_raw(unit: str) -> tuple[float, str]:
    """Money per year in 亿元/yr; anything else as it is."""
    return (YI, "亿元/yr") if unit == "CNY/year" else (1.0, unit)


def _npv_panel(ax, rows: pd.DataFrame, cjk: bool, label: str = "NPV") -> None:
    stat = rows.set_index("statistic")["value"].astype(float) / YI
    box = {"med": stat["p50"], "q1": stat["p25"], "q3": stat["p75"], "whislo": stat["p5"], "whishi": stat["p95"],
           "mean": stat["mean"], "label": label}
    ax.bxp([box], orientation="horizontal", showmeans=True, showfliers=False, widths=0.5)
    ax.axvline(0, color="grey", lw=0.8)
    share = rows.set_index("statistic")["value"].get("p_negative")
    extra = f", P({label} < 0) = {float(share):.2f}" if share is not None else ""
    ax.set_title(f"{label} of the path (box p25-p75, whiskers p5-p95, ▲ mean{extra})", fontsize=9)
    ax.set_xlabel(unit_label("亿元", cjk) + " at the start year")
    ax.set_xscale("symlog", linthresh=max(abs(stat["p50"]) / 10, 1.0))
    ax.grid(alpha=0.3)


def save_figure(fig, path: str | Path, *, force: bool = False) -> Path:
    """Write `fig` as a PNG atomically (no partial file; no overwrite without `force`)."""
    return save_png(fig, path, force=force, dpi=120)
