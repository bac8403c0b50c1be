"""Growth backtest on several public series: fit on each series' first rows, score the later ones.

Series: the shipped Doubao file and every CSV in priors/series/ (Google's monthly
tokens, Baidu's ERNIE API calls, China market surveys), each with its own time
zero. For each series and each training size in ``--train-rows`` (default 3 and
4) with at least one later row, the curve(s) are fitted on the first rows only
and every later row is scored against the predictive of what an announcement
would state (:mod:`mc.growth.backtest`): inside the central 50% / 90% intervals,
the 90% interval's width in decades, CRPS in log10, beside the log-linear
spreadsheet baseline. The pooled row at the end counts every held-out point once
per fold: the calibration target is at least 90% of points inside the 90% band
and about half inside the 50% band.

Tables: ``backtest_points`` (per series, fold and held-out row), ``backtest_scores``
(per series and fold, then ``pooled``). Figures: ``backtest_<series>`` (the first
fold's fit, bands on the announcement scale, held-out rows hollow).

    python analyses/growth_backtest.py OUTDIR [--train-rows 3 4] [--curves all] [--quick]
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from _common import main, say

SERIES_DIR = Path(__file__).resolve().parents[1] / "priors" / "series"
QUICK_NUTS = 300  # draws and tuning steps per chain with --quick (the default fit uses 1000 each)
SCORES = ("coverage_50", "coverage_90", "width_90_log10", "crps_log10")


def series_paths() -> dict[str, Path]:
    """Series name to CSV: the shipped Doubao file, then priors/series/*.csv."""
    from mc.growth.data import DEFAULT_DATA_PATH

    return {"doubao": DEFAULT_DATA_PATH, **{p.stem: p for p in sorted(SERIES_DIR.glob("*.csv"))}}


def options(p) -> None:
    p.add_argument("--train-rows", type=int, nargs="+", default=[3, 4], help="training sizes (default 3 4)")
    p.add_argument("--curves", default="all", help="curve family or all (default all; exponential with --quick)")


def figures(args):
    """One figure per series that has a fold: more rows than the smallest training size."""
    return tuple(f"backtest_{name}" for name in backtested_series(args))


def backtested_series(args) -> list[str]:
    from mc.growth import load_token_usage

    return [name for name, path in series_paths().items() if len(load_token_usage(path)) > min(args.train_rows)]


def study(args, out) -> None:
    from mc.growth import load_growth_priors, load_token_usage
    from mc.growth.backtest import run_backtest
    from mc.growth.plots import plot_growth
    from mc.growth.workflow import FitOptions

    priors = load_growth_priors()
    fit_options = FitOptions(seed=args.seed)
    curve = "exponential" if args.quick and args.curves == "all" else args.curves
    if args.quick:
        fit_options = replace(fit_options, draws=QUICK_NUTS, tune=QUICK_NUTS, allow_unconverged=True)
    points, scores = [], []
    for name, path in series_paths().items():
        data = load_token_usage(path)
        for k, rows in enumerate(n for n in args.train_rows if n < len(data)):
            result = run_backtest(data, priors, data.dates[rows - 1], curve, fit_options)
            points += [{"series": name, "train_rows": rows, "curve": curve, **p} for p in result.points]
            scores.append(score_row(name, rows, curve, result.summary))
            if k == 0:
                plot_growth(result.fits, data, data.dates[-1], out.figure_path(f"backtest_{name}"), seed=args.seed,
                            force=args.force, held_out=True)
            say(args, f"  {name}, first {rows} rows: 90% coverage {result.summary['coverage_90']:.2f} of "
                      f"{result.summary['held_out']}, CRPS {result.summary['crps_log10']:.3f} dex "
                      f"(baseline {result.summary['baseline']['crps_log10']:.3f})")
    points = pd.DataFrame(points)
    scores.append(pooled_row(points, pd.DataFrame(scores), curve))
    out.table(points, "backtest_points")
    out.table(pd.DataFrame(scores), "backtest_scores")


def score_row(series: str, rows: int, curve: str, summary: dict) -> dict:
    """One row of scores: the model's, then the baseline's with a ``baseline_`` prefix."""
    row = {"series": series, "train_rows": rows, "curve": curve, "held_out": summary["held_out"],
           **{k: summary[k] for k in SCORES}}
    row.update({f"baseline_{k}": summary["baseline"][k] for k in SCORES})
    return row


def pooled_row(points: pd.DataFrame, scores: pd.DataFrame, curve: str) -> dict:
    """Coverage over every held-out point of every fold; width and CRPS averaged over points."""
    weights = scores["held_out"].to_numpy(dtype=float)
    row = {"series": "pooled", "train_rows": 0, "curve": curve, "held_out": int(weights.sum()),
           "coverage_50": float(points["covered_50"].mean()), "coverage_90": float(points["covered_90"].mean())}
    for key in ("width_90_log10", "crps_log10", "baseline_width_90_log10", "baseline_crps_log10"):
        row[key] = float(np.average(scores[key], weights=weights))
    return row


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=("backtest_points", "backtest_scores"), figures=figures,
                draws=1, quick_draws=1, options=options, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
