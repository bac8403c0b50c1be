"""Fan charts of a multi-year projection: median, 50% and 90% bands per output.

Drawn from the percentile table of :func:`mc.projection.summarise_projection`
(p5, p25, p50, p75, p95 per year), so a saved table can be re-plotted without
the draws.  Money is shown in 亿元 (1e8 CNY), GPUs in 万, tokens in 万亿 per day,
margins in %.  A last panel shows the NPV's distribution as a box (p25-p75)
with whiskers at p5 and p95.

Reading at a glance: one legend for the whole figure, above the panels (never
over a band); a linear panel whose 90% band is far wider than its 50% band
(margins of -2000% in the worst paths) is cut at the 50% band plus one band
width, and says how far the 90% band goes; tick labels are plain numbers
(no offset text over the unit); the NPV/EV box's symlog axis labels only
decades that do not crowd each other.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

from mc.plots.style import cjk_font, font_context, plain_number, save_png, unit_label  # first: picks the backend
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import ticker as mticker  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from mc.display import DISPLAY_UNITS, YI, fmt  # noqa: E402

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
CLIP_RATIO = 3.0  # a linear panel whose 90% band is this many times wider than its 50% band is cut
MIN_TICK_GAP = 0.09  # symlog ticks closer than this share of the axis width are dropped
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
        fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows + 0.9), squeeze=False)
        flat = list(axes.flat)
        for ax, output in zip(flat, outputs):
            _fan_panel(ax, table[table["output"] == output], output, bool(font))
        if npv:
            _npv_panel(flat[len(outputs)], table[table["output"] == box], bool(font), BOX_OUTPUTS[box])
        for ax in flat[n_panels:]:
            ax.set_visible(False)
        _title_and_legend(fig, title)
    return fig


def _title_and_legend(fig, title: str) -> None:
    """The title on top, the bands' legend below it, and the panels laid out beneath both."""
    height = fig.get_figheight()
    title_in = 0.22 * (title.count("\n") + 1) if title else 0.0  # inches of title lines
    fig.suptitle(title, fontsize=11, y=1 - 0.08 / height)
    fig.legend(*_legend_entries(), loc="upper center", ncol=4, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, 1 - (title_in + 0.1) / height))
    fig.tight_layout(rect=(0, 0, 1, 1 - (title_in + 0.3) / height))


def _legend_entries() -> tuple[list, list[str]]:
    handles = [Patch(facecolor="C0", alpha=0.2), Patch(facecolor="C0", alpha=0.4),
               Line2D([], [], color="C0", lw=2, marker="o", ms=3)]
    return handles, ["90% band (p5-p95)", "50% band (p25-p75)", "median"]


def _quantiles(rows: pd.DataFrame, divisor: float) -> pd.DataFrame:
    wide = rows.pivot(index="year", columns="statistic", values="value")
    return wide[["p5", "p25", "p50", "p75", "p95"]].astype(float) / divisor


def readable_limits(q: pd.DataFrame) -> tuple[float, float] | None:
    """y limits for a linear fan panel whose 90% band dwarfs its 50% band, else None (show all).

    The cut is the 50% band's extent plus one 50%-band width on each side (and zero, when the
    band is near it), so the median and the 50% band fill the panel.
    """
    lo50, hi50 = float(q["p25"].min()), float(q["p75"].max())
    lo90, hi90 = float(q["p5"].min()), float(q["p95"].max())
    width = hi50 - lo50
    if width <= (hi90 - lo90) / 20 or hi90 - lo90 <= CLIP_RATIO * width:
        return None  # a degenerate 50% band (e.g. tax that is zero in most paths), or nothing to cut
    low, high = max(lo90, lo50 - width), min(hi90, hi50 + width)
    if 0 < low < width:  # zero is close: show it
        low = 0.0
    if -width < high < 0:
        high = 0.0
    return low, high


def _fan_panel(ax, rows: pd.DataFrame, output: str, cjk: bool) -> None:
    name, log = PANEL_TITLES.get(output, (output, False))
    divisor, unit = DISPLAY_UNITS.get(output, _money_or_raw(rows["unit"].iloc[0]))
    q = _quantiles(rows, divisor)
    years = q.index.astype(int)
    ax.fill_between(years, q["p5"], q["p95"], alpha=0.2, color="C0", lw=0)
    ax.fill_between(years, q["p25"], q["p75"], alpha=0.4, color="C0", lw=0)
    ax.plot(years, q["p50"], color="C0", lw=2, marker="o", ms=3)
    if log:
        ax.set_yscale("log", nonpositive="clip")
    else:
        if q.min().min() < 0 < q.max().max():
            ax.axhline(0, color="grey", lw=0.8)
        limits = readable_limits(q)
        if limits is not None:
            ax.set_ylim(*limits)
            name += "\n" + _cut_note(q, *limits)
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(plain_number))
    ax.set_title(name, fontsize=10 if "\n" not in name else 9)
    ax.set_xlabel("year")
    ax.set_ylabel(unit_label(unit, cjk) + (" (log scale)" if log else ""))
    ax.set_xticks(years)
    ax.grid(alpha=0.3)


def _cut_note(q: pd.DataFrame, low: float, high: float) -> str:
    """Where the 90% band goes beyond a cut axis, e.g. "(axis cut: 90% band reaches -1,620)"."""
    beyond = [fmt(v) for v in (float(q["p5"].min()), float(q["p95"].max())) if v < low or v > high]
    return f"(axis cut: 90% band reaches {' and '.join(beyond)})"


def _money_or_raw(unit: str) -> tuple[float, str]:
    """Money per year in 亿元/yr; anything else as it is."""
    return (YI, "亿元/yr") if unit == "CNY/year" else (1.0, unit)


def symlog_ticks(low: float, high: float, linthresh: float, transform) -> list[float]:
    """Decade ticks (and 0) between `low` and `high` that sit at least MIN_TICK_GAP of the axis apart.

    `transform` maps data to the symlog scale (``ax.xaxis.get_transform()``); ticks are kept from the
    outside in, so the extremes keep their labels and the crowded ones near zero go.
    """
    decades = [10.0 ** k for k in range(math.floor(math.log10(linthresh)), 16)]
    candidates = sorted({0.0, *(-d for d in decades if -d >= low), *(d for d in decades if d <= high)})
    position = transform.transform(np.array(candidates))
    span = transform.transform(np.array([high]))[0] - transform.transform(np.array([low]))[0]
    keep: list[int] = []
    for i in sorted(range(len(candidates)), key=lambda i: -abs(candidates[i])):
        if all(abs(position[i] - position[j]) >= MIN_TICK_GAP * span for j in keep):
            keep.append(i)
    return sorted(candidates[i] for i in keep)


def _npv_panel(ax, rows: pd.DataFrame, cjk: bool, label: str = "NPV") -> None:
    stat = rows.set_index("statistic")["value"].astype(float) / YI
    box = {"med": stat["p50"], "q1": stat["p25"], "q3": stat["p75"], "whislo": stat["p5"], "whishi": stat["p95"],
           "mean": stat["mean"], "label": label}
    ax.bxp([box], orientation="horizontal", showmeans=True, showfliers=False, widths=0.5)
    ax.axvline(0, color="grey", lw=0.8)
    share = rows.set_index("statistic")["value"].get("p_negative")
    extra = f", P({label} < 0) = {float(share):.2f}" if share is not None else ""
    ax.set_title(f"{label} of the path (box p25-p75, whiskers p5-p95, ▲ mean{extra})", fontsize=9)
    ax.set_xlabel(unit_label("亿元", cjk) + " at the start year (symlog scale)")
    linthresh = max(abs(stat["p50"]) / 10, 1.0)
    ax.set_xscale("symlog", linthresh=linthresh)
    values = [stat[k] for k in ("p5", "p25", "p50", "p75", "p95", "mean")]
    low, high = min(min(values), 0.0), max(max(values), 0.0)
    pad = 1.6  # a sixth of a decade or so beyond the extremes, so whiskers do not touch the frame
    low, high = (low * pad if low < 0 else -linthresh), (high * pad if high > 0 else linthresh)
    ax.set_xlim(low, high)
    ax.set_xticks(symlog_ticks(low, high, linthresh, ax.xaxis.get_transform()))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(plain_number))
    ax.xaxis.set_minor_locator(mticker.NullLocator())
    ax.grid(alpha=0.3)


def save_figure(fig, path: str | Path, *, force: bool = False) -> Path:
    """Write `fig` as a PNG atomically (no partial file; no overwrite without `force`)."""
    return save_png(fig, path, force=force, dpi=120)
