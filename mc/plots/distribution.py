"""Distribution figures: a histogram with p5/p50/p95 markers beside the CDF.

One row per output (revenue, capex, margin by default).  Values are shown in
display units (亿元, %, 万 GPUs; :mod:`mc.display`); when no installed font can
draw Chinese the units are spelled in base units instead ("1e8 CNY"), so the
figure never shows empty boxes.  Ratios such as the margin have a long left
tail (revenue near zero), so the histogram spans p0.5-p99.5 and says how many
draws fall outside; the CDF and the markers use every draw.

    from mc.plots.distribution import plot_outputs
    plot_outputs(simulate(load_priors(), 100_000, seed=1), "base.png")
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from mc.display import fmt, scaled
from mc.display import unit as display_unit
from mc.plots.style import cjk_font, font_context, plain_number, save_png, unit_label  # noqa: F401 (re-exported); selects the Agg backend

DEFAULT_OUTPUTS = ("revenue_cny_per_year", "capex_cny_per_year", "margin")
MARKERS = ((0.05, "p5", "#C44E52"), (0.50, "p50", "black"), (0.95, "p95", "#C44E52"))
HIST_RANGE = (0.005, 0.995)  # histogram span; the tails beyond are counted, not drawn
LOG_RATIO = 10.0  # p99.5 / p50 (or p50 / p0.5) above which a positive output is drawn on a log axis
TITLES = {"revenue_cny_per_year": "Revenue per year", "capex_cny_per_year": "GPU capex per year",
          "profit_cny_per_year": "Profit per year (revenue - capex)", "margin": "Margin (revenue - capex) / revenue",
          "gpus": "GPUs needed", "required_eflops": "Compute needed at peak",
          "revenue_cny_per_day": "Revenue per day", "tokens_per_day": "Tokens per day"}


def run_title(attrs: Mapping, *, as_of: str | None = None, volume: str | None = None) -> str:
    """A title line naming the run: priors file and its as-of date, draws, method, seed, volume."""
    origin = Path(str(attrs.get("priors_origin", "priors"))).name
    as_of = as_of or attrs.get("priors_as_of") or attrs.get("as_of")
    parts = [f"priors {origin}" + (f" (as of {as_of})" if as_of else ""),
             f"{int(attrs.get('n_draws', 0)):,} draws", f"method {attrs.get('method', 'mc')}",
             f"seed {attrs.get('seed', '?')}"]
    if volume:
        parts.append(volume)
    return ", ".join(parts)


def volume_text(dataset, date=None) -> str | None:
    """"at 1e14 tokens/day" when the volume is fixed, "tokens/day drawn" when it varies.

    With `date` (the ``--date`` of the run) the drawn volume is named as the growth fit's forecast there.
    """
    if "tokens_per_day" not in dataset:
        return f"tokens/day from the growth fit at {date}" if date else None
    values = np.asarray(dataset["tokens_per_day"], dtype=float)
    if np.ptp(values) == 0:
        return f"at {_sci(values[0])} tokens/day"
    where = f" from the growth fit at {date}" if date else ""
    return f"tokens/day drawn{where} (median {_sci(float(np.median(values)))})"


def _sci(value: float) -> str:
    """1e14 rather than 1e+14; 2.35e14 rather than 2.35e+14."""
    mantissa, exponent = f"{value:.3g}".partition("e")[::2]
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def _display(output: str, values: np.ndarray, cjk: bool, model=None) -> tuple[np.ndarray, str]:
    return scaled(output, values, model), unit_label(display_unit(output, model), cjk) or "base unit"


def long_tailed(values: np.ndarray) -> bool:
    """True when a positive output spans more than a decade on either side of its median (p0.5-p99.5).

    Such an output (revenue or capex with the volume drawn from the growth fit) is squashed into a
    few bins on a linear axis; on a log axis its body and tail both show.
    """
    values = values[np.isfinite(values)]
    if values.size == 0 or float(values.min()) <= 0:
        return False
    lo, mid, hi = np.quantile(values, (HIST_RANGE[0], 0.5, HIST_RANGE[1]))
    return bool(hi / mid > LOG_RATIO or mid / lo > LOG_RATIO)


def _readable_axis(ax, log: bool) -> None:
    """At most ~6 plain-number ticks on the x axis, log or linear."""
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(mticker.LogLocator(base=10, numticks=8))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    else:
        ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=6))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(plain_number))


def _axis_fraction(x: float, lo: float, hi: float, log: bool) -> float:
    """Where `x` sits between the axis limits, 0 (left) to 1 (right), on the axis' own scale."""
    if log:
        x, lo, hi = np.log10(max(x, lo)), np.log10(lo), np.log10(hi)
    return float((x - lo) / (hi - lo)) if hi > lo else 0.5


def _histogram(ax_hist, values: np.ndarray, lo: float, hi: float, log: bool, unit: str) -> None:
    if log:  # log-spaced bins; the height is the share of draws in each bin, which reads on any scale
        bins = np.geomspace(lo, hi, 61)
        ax_hist.hist(values, bins=bins, weights=np.full(values.size, 1 / values.size), color="#4C72B0", alpha=0.75)
        ax_hist.set_ylabel("share of draws per bin", fontsize=8)
    else:
        ax_hist.hist(values, bins=80, range=(lo, hi), density=True, color="#4C72B0", alpha=0.75)
        ax_hist.set_ylabel(f"density (per {unit})", fontsize=8)


def _draw_row(ax_hist, ax_cdf, output: str, raw: np.ndarray, cjk: bool, reference: float | None,
              model=None) -> None:
    """Histogram with percentile markers (left) and the empirical CDF (right) of one output."""
    values, unit = _display(output, raw[np.isfinite(raw)], cjk, model)
    lo, hi = _histogram_span(values)
    log = long_tailed(values)
    marks = np.quantile(values, [p for p, _, _ in MARKERS])
    _histogram_panel(ax_hist, values, marks, lo, hi, log, unit)
    if reference is not None:
        _mark_reference(ax_hist, ax_cdf, output, raw, reference, cjk, model)
    name = TITLES.get(output, output)
    outside = np.mean((values < lo) | (values > hi))
    tail = f"; {100 * outside:.1f}% of draws beyond the axis" if outside > 0.0 else ""
    ax_hist.set_title(f"{name}: histogram (p0.5-p99.5{tail})", fontsize=9)
    ax_hist.legend(fontsize=7, loc="best")
    _cdf_curve(ax_cdf, values)
    scale = ", log scale" if log else ""
    for ax in (ax_hist, ax_cdf):
        _readable_axis(ax, log)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(f"{output} ({unit}{scale})")
        ax.grid(alpha=0.3)
    _cdf_markers(ax_cdf, marks, lo, hi, log)
    _cdf_title(ax_cdf, raw, name)


def _histogram_span(values: np.ndarray) -> tuple[float, float]:
    """The histogram's axis, p0.5 to p99.5, widened around a constant output so its bar shows."""
    lo, hi = np.quantile(values, HIST_RANGE)
    if lo == hi:
        lo, hi = lo - 0.5 * (abs(lo) or 1), hi + 0.5 * (abs(hi) or 1)
    return lo, hi


def _histogram_panel(ax_hist, values: np.ndarray, marks: np.ndarray, lo: float, hi: float, log: bool,
                     unit: str) -> None:
    """The histogram, a line at each marked percentile (`marks`, one per :data:`MARKERS`) and at zero if shown."""
    _histogram(ax_hist, values, lo, hi, log, unit)
    for (_, name, colour), x in zip(MARKERS, marks):
        ax_hist.axvline(x, color=colour, lw=1.4, ls="--" if name != "p50" else "-",
                        label=f"{name} = {fmt(float(x))}")
    if lo < 0 < hi:
        ax_hist.axvline(0, color="grey", lw=0.8)


def _mark_reference(ax_hist, ax_cdf, output: str, raw: np.ndarray, reference: float, cjk: bool, model) -> None:
    """A dotted green line at the report's value on both panels; the legend gives the share of draws below it."""
    ref = _display(output, np.array([reference]), cjk, model)[0][0]
    below = float(np.mean(raw < reference))
    for ax in (ax_hist, ax_cdf):
        ax.axvline(ref, color="#55A868", lw=1.6, ls=":",
                   label=f"report {fmt(float(ref))} (P below = {below:.2f})" if ax is ax_hist else None)


def _cdf_curve(ax_cdf, values: np.ndarray) -> None:
    """The empirical CDF, thinned to a few thousand points (a curve needs no more than that)."""
    ordered = np.sort(values)
    step = max(len(ordered) // 4000, 1)
    ax_cdf.plot(ordered[::step], (np.arange(len(ordered)) / len(ordered))[::step], color="#4C72B0")


def _cdf_markers(ax_cdf, marks: np.ndarray, lo: float, hi: float, log: bool) -> None:
    """A dot and a label at each marked percentile on the CDF; a label near the right edge goes to the left."""
    for (p, name_p, colour), x in zip(MARKERS, marks):
        ax_cdf.plot([x], [p], "o", color=colour, ms=4)
        right = _axis_fraction(float(x), lo, hi, log) > 0.7
        ax_cdf.annotate(f"{name_p} {fmt(float(x))}", (x, p), xytext=(-5 if right else 5, -3),
                        textcoords="offset points", fontsize=7, ha="right" if right else "left",
                        annotation_clip=False)


def _cdf_title(ax_cdf, raw: np.ndarray, name: str) -> None:
    """The CDF's title (with P(< 0) and a line at zero when the output can be negative) and its y label."""
    if float(np.min(raw)) < 0:
        below = float(np.mean(raw < 0))
        ax_cdf.axvline(0, color="grey", lw=0.8)
        ax_cdf.set_title(f"{name}: cumulative probability; P(< 0) = {below:.3f}", fontsize=9)
    else:
        ax_cdf.set_title(f"{name}: cumulative probability", fontsize=9)
    ax_cdf.set_ylabel("P(value ≤ x)", fontsize=8)


def model_of(attrs: Mapping):
    """The model a run's ``attrs`` name (``model_origin``), for its display units; None if it cannot be read."""
    origin = attrs.get("model_origin")
    if not origin or not Path(str(origin)).is_file():
        return None
    from mc.errors import InputError
    from mc.model import load_model

    try:
        return load_model(str(origin))
    except InputError:
        return None


def distribution_figure(dataset, outputs: Sequence[str] = DEFAULT_OUTPUTS, *, title: str | None = None,
                        as_of: str | None = None, reference: Mapping[str, float] | None = None, model=None,
                        date=None):
    """A figure with one row per output: histogram with p5/p50/p95 markers, and CDF.

    A positive output whose p99.5 or p0.5 is more than ten times from its median (:func:`long_tailed`)
    is drawn on a log x axis with log-spaced bins.

    Parameters
    ----------
    dataset : xarray.Dataset or mapping of arrays
        Draws, e.g. from :func:`mc.results.simulate`; its ``attrs`` (seed,
        draws, priors) go into the default title.
    outputs : sequence of str
        Variables to draw, one row each.
    title : str, optional
        Figure title; default names the outputs and the run (priors, as of, draws, seed).
    as_of : str, optional
        The priors' as-of date for the default title (``priors.meta["as_of"]``).
    reference : mapping of output -> value, optional
        A point value to mark (base units), e.g. the report's figure, with the
        share of draws below it.
    model : Model, optional
        Display units of its file (亿元, %, ...); default the model the dataset's attrs name.
    date : str or datetime.date, optional
        The date whose volume was drawn (``mc run --date``); the default title names it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    missing = [o for o in outputs if o not in dataset]
    if missing:
        raise KeyError(f"not in the results: {', '.join(missing)}")
    model = model if model is not None else model_of(getattr(dataset, "attrs", {}))
    title = _distribution_title(dataset, outputs, as_of, date) if title is None else title
    return _rows_figure(dataset, outputs, title, reference or {}, model)


def _rows_figure(dataset, outputs: Sequence[str], title: str, reference: Mapping[str, float], model):
    """The figure of :func:`distribution_figure`: one row (:func:`_draw_row`) per output under the title."""
    cjk = bool(cjk_font())
    with font_context():
        fig, axes = plt.subplots(len(outputs), 2, figsize=(12, 3.4 * len(outputs) + 0.8), squeeze=False)
        for (ax_hist, ax_cdf), output in zip(axes, outputs):
            _draw_row(ax_hist, ax_cdf, output, np.asarray(dataset[output], dtype=float), cjk,
                      reference.get(output), model)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 0.97 if len(outputs) > 1 else 0.92))
    return fig


def _distribution_title(dataset, outputs: Sequence[str], as_of: str | None, date) -> str:
    """The default title: the outputs drawn (at the ``--date``, if any), then the run (:func:`run_title`)."""
    attrs = getattr(dataset, "attrs", {})
    what = "Distribution of " + ", ".join(TITLES.get(o, o).split(" (")[0] for o in outputs)
    what += f" at {date}" if date else ""
    return f"{what}\n{run_title(attrs, as_of=as_of, volume=volume_text(dataset, date))}"


def plot_distribution(dataset, output: str, path: str | Path, *, title: str | None = None,
                      as_of: str | None = None, force: bool = False, date=None) -> Path:
    """Histogram (p5/p50/p95 marked) and CDF of one output, written as a PNG.

    Parameters
    ----------
    dataset : xarray.Dataset or mapping of arrays
    output : str
        The variable, e.g. ``"margin"``.
    path : path-like
        PNG destination; refused if it exists unless `force`.
    title, as_of, date : optional
        As :func:`distribution_figure`.
    force : bool
        Overwrite an existing file.

    Returns
    -------
    pathlib.Path
    """
    return save_png(distribution_figure(dataset, [output], title=title, as_of=as_of, date=date), path, force=force)


def plot_outputs(dataset, path: str | Path, *, outputs: Sequence[str] = DEFAULT_OUTPUTS,
                 title: str | None = None, as_of: str | None = None, reference: Mapping[str, float] | None = None,
                 force: bool = False, model=None, date=None) -> Path:
    """Revenue, capex and margin (or `outputs`), one row each, written as a PNG.

    Arguments as :func:`distribution_figure` (`date`: the ``--date`` whose volume was drawn);
    `path` and `force` as :func:`plot_distribution`.
    """
    fig = distribution_figure(dataset, outputs, title=title, as_of=as_of, reference=reference, model=model,
                              date=date)
    return save_png(fig, path, force=force)


def interval_figure(table: pd.DataFrame, output: str, group: str, *, title: str = "", order=None,
                    log: bool = False, model=None):
    """Median, 50% and 90% intervals of `output` per group (scenario, date, ...).

    Parameters
    ----------
    table : DataFrame
        Tidy percentile table (columns ``output, statistic, value`` and `group`),
        e.g. from :func:`mc.scenarios.stress` or several :func:`mc.results.summarise`
        tables concatenated with a group column; needs p5, p25, p50, p75, p95.
    output : str
    group : str
        The column naming each row of the chart.
    title : str
    order : sequence, optional
        Groups top to bottom (default the table's order).
    log : bool
        Log x axis (for positive outputs whose spread spans decades, e.g. revenue at far dates).

    Returns
    -------
    matplotlib.figure.Figure
    """
    font = cjk_font()
    groups, q = _interval_quantiles(table, output, group, order, model)
    with font_context():
        fig, ax = plt.subplots(figsize=(9, 0.5 * len(groups) + 1.8))
        y = np.arange(len(groups))[::-1]
        _draw_intervals(ax, q, y)
        _interval_scale(ax, q, log)
        ax.set_yticks(y, [str(g) for g in groups], fontsize=8)
        scale = ", log scale" if ax.get_xscale() == "log" else ""
        ax.set_xlabel(f"{output} ({unit_label(display_unit(output, model), bool(font)) or 'base unit'}{scale})")
        ax.set_title(title or f"{output}: median with 50% and 90% intervals", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
    return fig


def _interval_quantiles(table: pd.DataFrame, output: str, group: str, order, model) -> tuple[list, pd.DataFrame]:
    """The groups top to bottom and their p5, p25, p50, p75 and p95 of `output`, in display units."""
    rows = table[table["output"] == output]
    wide = rows.pivot(index=group, columns="statistic", values="value")
    groups = list(order) if order is not None else list(dict.fromkeys(rows[group]))
    return groups, scaled(output, wide.loc[groups, ["p5", "p25", "p50", "p75", "p95"]].astype(float), model)


def _draw_intervals(ax, q: pd.DataFrame, y: np.ndarray) -> None:
    """Per group (row `y`), a thin p5-p95 line, a thick p25-p75 bar and the median as a labelled dot."""
    ax.hlines(y, q["p5"], q["p95"], color="#4C72B0", lw=2, label="p5-p95")
    ax.hlines(y, q["p25"], q["p75"], color="#4C72B0", lw=7, alpha=0.6, label="p25-p75")
    ax.plot(q["p50"], y, "o", color="black", ms=5, label="median")
    for yi, med in zip(y, q["p50"]):
        ax.annotate(fmt(float(med)), (med, yi), xytext=(0, 7), textcoords="offset points", fontsize=7,
                    ha="center")


def _interval_scale(ax, q: pd.DataFrame, log: bool) -> None:
    """A log x axis when asked and every value is positive; else a line at zero when the intervals cross it."""
    if log and q.min().min() > 0:
        ax.set_xscale("log")
    elif q.min().min() < 0 < q.max().max():
        ax.axvline(0, color="grey", lw=0.8)
