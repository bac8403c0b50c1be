"""Growth backtest: fit each curve on the announcements up to a date, score its forecast of the later ones.

With the shipped data (launch 2024-05-15, 2024-07-25, 2024-12-18) the one
honest fold fits the first two and predicts December's 4万亿 tokens a day. Each
curve is scored beside the spreadsheet baseline (a straight line in log10
through the last two training points); see :mod:`mc.growth.backtest`.

Tables: ``backtest_points`` (per curve and held-out announcement: actual,
p5..p95, covered by the 50% / 90% intervals), ``backtest_scores`` (per curve:
coverage, log score, CRPS in log10, and the baseline's).  Figures:
``backtest_<curve>`` (the fit on the training rows, the held-out rows hollow).

    python analyses/growth_backtest.py OUTDIR [--until 2024-07-31] [--curves gompertz logistic]
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from _common import main, say
from mc.cli.common import iso_date

DEFAULT_UNTIL = "2024-07-31"
QUICK_CURVES = ("gompertz",)
QUICK_NUTS = 500  # draws and tuning steps per chain with --quick (the default fit uses 1000 each)


def _curve_names(args) -> tuple[str, ...]:
    from mc.growth import CURVE_NAMES

    return tuple(args.curves or (QUICK_CURVES if args.quick else CURVE_NAMES))


def options(p) -> None:
    p.add_argument("--until", type=iso_date, default=iso_date(DEFAULT_UNTIL),
                   help=f"fit announcements on or before this day (default {DEFAULT_UNTIL})")
    p.add_argument("--curves", nargs="+", help="curve families (default all; gompertz with --quick)")
    p.add_argument("--data", help="token usage CSV (default priors/token_usage.csv)")


def figures(args):
    return tuple(f"backtest_{c}" for c in _curve_names(args))


def study(args, out) -> None:
    from mc.growth import load_growth_priors, load_token_usage
    from mc.growth.backtest import run_backtest
    from mc.growth.plots import plot_growth
    from mc.growth.workflow import FitOptions

    data, priors = load_token_usage(args.data), load_growth_priors()
    fit_options = FitOptions(seed=args.seed)
    if args.quick:
        # a smoke test: smaller chains, and a fit short of the ESS gate is used rather than refused
        fit_options = replace(fit_options, draws=QUICK_NUTS, tune=QUICK_NUTS, allow_unconverged=True)
    points, scores = [], []
    for curve in _curve_names(args):
        result = run_backtest(data, priors, args.until, curve, fit_options)
        points += [{"curve": curve, **p} for p in result.points]
        scores.append(score_row(curve, result.summary))
        horizon = max(data.dates[-1], date(args.until.year + 1, 6, 30))
        plot_growth(result.fits, data, horizon, out.figure_path(f"backtest_{curve}"), seed=args.seed, force=args.force)
        say(args, f"  {curve}: 90% coverage {result.summary['coverage_90']:.2f}, CRPS "
                  f"{result.summary['crps_log10']:.3f} dex (baseline {result.summary['baseline']['crps_log10']:.3f})")
    out.table(pd.DataFrame(points), "backtest_points")
    out.table(pd.DataFrame(scores), "backtest_scores")


def score_row(curve: str, summary: dict) -> dict:
    """One row of scores: the model's, then the baseline's with a ``baseline_`` prefix."""
    keys = ("coverage_50", "coverage_90", "log_score", "crps_log10")
    row = {"curve": curve, **{k: summary[k] for k in keys}}
    row.update({f"baseline_{k}": summary["baseline"][k] for k in keys})
    return row


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=("backtest_points", "backtest_scores"), figures=figures,
                draws=1, quick_draws=1, options=options, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
