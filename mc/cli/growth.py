"""`mc fit`, `mc forecast`, `mc backtest`: token growth curves from the command line.

Only light modules are imported here; PyMC and ArviZ load inside the handlers.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from mc.cli.common import DEFAULT_SEED, iso_date, nonnegative_int, positive_int
from mc.cli.paths import check_output_path, check_plot_option
from mc.display import WAN_YI
from mc.errors import InputError
from mc.export import FORMATS, check_writable

CURVE_CHOICES = ("exponential", "logistic", "gompertz", "decaying", "all")


def register(subparsers) -> None:
    """Add the fit, forecast and backtest subcommands."""
    fit = subparsers.add_parser("fit", help="fit token-growth curves (Bayesian, NUTS) and check convergence",
                                description="Fit growth curves to announced daily token volumes.")
    fit.add_argument("data", nargs="?", type=Path, help="token-usage CSV (default priors/token_usage.csv)")
    _common(fit)
    _table_options(fit)
    fit.add_argument("--posterior", type=Path, metavar="FILE.nc",
                     help="write the posterior draws as netCDF (ArviZ InferenceData; one curve only)")
    fit.add_argument("--horizon", type=iso_date, help="right end of --plot (default one year after the data)")
    fit.set_defaults(handler=run_fit)

    forecast = subparsers.add_parser("forecast", help="tokens per day at a date (posterior predictive)",
                                     description="Posterior predictive percentiles of tokens per day at a date.")
    forecast.add_argument("--date", type=iso_date, required=True, nargs="+", action="extend", metavar="DATE",
                          help="target date(s) YYYY-MM-DD (several, after one --date or each with its own: "
                               "one row each)")
    forecast.add_argument("--data", type=Path, help="token-usage CSV (default priors/token_usage.csv)")
    _common(forecast)
    _table_options(forecast)
    forecast.set_defaults(handler=run_forecast)

    backtest = subparsers.add_parser("backtest", help="fit up to a date, score predictions of later announcements",
                                     description="Fit on rows up to --until and score the predictions of later rows.")
    backtest.add_argument("data", type=Path, help="token-usage CSV")
    _common(backtest, until_required=True)
    _table_options(backtest)
    backtest.set_defaults(handler=run_backtest)


def _table_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="write the table here (csv, parquet, xlsx or md, from the suffix)")
    parser.add_argument("--format", choices=FORMATS, help="table format for --out")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --out, --plot or --posterior file")


def _common(parser: argparse.ArgumentParser, *, until_required: bool = False) -> None:
    parser.add_argument("--curve", choices=CURVE_CHOICES, default="all",
                        help="growth-curve family, or all (weighted mix of the curves that converge; default)")
    if until_required:
        parser.add_argument("--until", type=iso_date, required=True, nargs="+", metavar="DATE",
                            help="fit only announcements on or before this day; several dates: one backtest each")
    else:
        parser.add_argument("--until", type=iso_date, help="fit only announcements dated on or before this day")
    parser.add_argument("--sampler", choices=("auto", "nutpie", "pymc"), default="auto",
                        help="NUTS implementation (default auto: nutpie on the compiled density when installed, "
                             "else PyMC; pymc: PyMC's NUTS on the PyMC model, the slower reference)")
    parser.add_argument("--priors", type=Path, help="growth priors TOML (default priors/growth.toml)")
    parser.add_argument("--draws", type=positive_int, default=1000, help="NUTS draws per chain (default 1000)")
    parser.add_argument("--tune", type=positive_int, default=1000, help="NUTS tuning steps per chain (default 1000)")
    parser.add_argument("--cores", type=int, choices=(1, 2), default=1,
                        help="worker processes for the 4 chains (default 1: faster for these small models)")
    parser.add_argument("--seed", type=nonnegative_int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--cache-dir", type=Path, help="fit cache folder (default $MC_CACHE_DIR or ~/.cache/mc)")
    parser.add_argument("--allow-unconverged", action="store_true",
                        help="use fits that fail the convergence gate (R-hat, divergences, ESS)")
    parser.add_argument("--plot", type=Path, help="save a PNG of the fit and its predictive bands")
    parser.add_argument("--json", action="store_true", help="print JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no sampling progress bar on the terminal")


def _inputs(args: argparse.Namespace, data_path):
    """Load and validate data and priors, check output paths, before any fitting."""
    from mc.growth.data import load_token_usage
    from mc.growth.priors import load_growth_priors
    from mc.growth.workflow import FitOptions

    data = load_token_usage(data_path)
    priors = load_growth_priors(args.priors)
    if args.out is not None:
        if args.out.suffix.lower() == ".nc":
            raise InputError(str(args.out), "--out", "--out writes a table (csv, parquet, xlsx or md); "
                             "write the posterior netCDF with --posterior")
        check_output_path(args.out, option="--out", force=args.force, fmt=args.format)
    if getattr(args, "posterior", None) is not None:
        check_writable(args.posterior, force=args.force)
    check_plot_option(args)
    from mc.progress import wants_progress

    until = args.until if not isinstance(args.until, list) else None  # backtest folds set their own
    options = FitOptions(until=until, draws=args.draws, tune=args.tune, cores=args.cores, seed=args.seed,
                         progressbar=wants_progress(quiet=args.quiet or args.json), sampler=args.sampler,
                         cache_dir=args.cache_dir, allow_unconverged=args.allow_unconverged)
    return data, priors, options


def _warn_unconverged(fits) -> None:
    for name, reason in getattr(fits, "excluded", {}).items():
        print(f"mc: warning: {name} left out of the mix: {reason}", file=sys.stderr)
    for name, fit in fits.items():
        problems = fit.diagnostics.problems()
        if problems:
            print(f"mc: warning: {name} fit did not converge ({'; '.join(problems)}); used anyway "
                  "(--allow-unconverged)", file=sys.stderr)


def run_fit(args: argparse.Namespace) -> int:
    """Handler for `mc fit`."""
    from mc.growth.fit import write_posterior
    from mc.growth.workflow import fit_curves

    if args.posterior is not None and args.curve == "all":
        raise InputError(str(args.posterior), "--posterior", "a posterior file holds one curve; pass --curve NAME")
    data, priors, options = _inputs(args, args.data)
    fits = fit_curves(data, priors, args.curve, options)
    _warn_unconverged(fits)
    if args.posterior is not None:
        write_posterior(next(iter(fits.values())), args.posterior, force=args.force)
    if args.plot is not None:
        _plot(fits, data, args.horizon or _one_year_after(max(f.as_of for f in fits.values())), args)
    report = {name: _fit_record(fit) for name, fit in fits.items()}
    if args.out is not None:
        from mc.export import write_table

        write_table(_fit_table(report), args.out, fmt=args.format, force=args.force, option="--out")
    if args.json:
        print(json.dumps({"curves": report}, indent=2))
    else:
        for name, record in report.items():
            print(_fit_line(name, record))
        for option in ("out", "posterior", "plot"):
            if getattr(args, option) is not None:
                print(f"wrote {getattr(args, option)}")
    return 0


def _fit_table(report: dict):
    """One row per curve and parameter: posterior p5/p50/p95 and the curve's convergence diagnostics."""
    import pandas as pd

    rows = [{"curve": name, "parameter": param, **values, "rows": record["rows"], "as_of": record["as_of"],
             "converged": record["converged"], **record["diagnostics"]}
            for name, record in report.items() for param, values in record["parameters"].items()]
    return pd.DataFrame(rows)


def _fit_record(fit) -> dict:
    import numpy as np

    params = {}
    for name, values in fit.posterior_draws().items():
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        params[name] = {"p5": float(p5), "p50": float(p50), "p95": float(p95)}
    return {"rows": len(fit.data), "as_of": fit.as_of.isoformat(), "from_cache": fit.from_cache,
            "converged": not fit.diagnostics.problems(), "diagnostics": fit.diagnostics.to_dict(),
            "parameters": params}


def _fit_line(name: str, record: dict) -> str:
    d = record["diagnostics"]
    head = (f"{name:<12} {record['rows']} rows to {record['as_of']}: max R-hat {d['max_rhat']:.3f}, "
            f"min ESS bulk {d['min_ess_bulk']:.0f} / tail {d['min_ess_tail']:.0f}, {d['divergences']} divergences, "
            f"{d['seconds']:.1f} s{' (cached)' if record['from_cache'] else ''}")
    params = "; ".join(f"{k} {v['p50']:.3g} [{v['p5']:.3g}, {v['p95']:.3g}]" for k, v in record["parameters"].items())
    return f"{head}\n{'':<13}median [90% interval]: {params}"


def run_forecast(args: argparse.Namespace) -> int:
    """Handler for `mc forecast`: one row per --date."""
    from mc.growth.workflow import check_target_date, fit_curves, forecasts_at

    data, priors, options = _inputs(args, args.data)
    dates = [check_target_date(d, data.start) for d in args.date]
    fits = fit_curves(data, priors, args.curve, options)
    _warn_unconverged(fits)
    results = forecasts_at(dates, fits, curve=args.curve, seed=args.seed)
    if args.plot is not None:
        _plot(fits, data, max(dates), args, marks=dates)
    table = _forecast_table(results)
    if args.out is not None:
        from mc.export import write_table

        write_table(table, args.out, fmt=args.format, force=args.force, option="--out")
    if args.json:
        records = [r.to_dict() for r in results]
        print(json.dumps(records[0] if len(records) == 1 else {"forecasts": records}, indent=2))
        return 0
    for result in results:
        p = result.percentiles_tokens_per_day
        print(f"{result.date.isoformat()}, {args.curve} (data as of {result.as_of.isoformat()}): median "
              f"{p[50] / WAN_YI:.3g}万亿 tokens/day; 50% interval {p[25] / WAN_YI:.3g}-{p[75] / WAN_YI:.3g}万亿, "
              f"90% interval {p[5] / WAN_YI:.3g}-{p[95] / WAN_YI:.3g}万亿")
        if result.extra.get("horizon_note"):
            print(f"  note: {result.extra['horizon_note']}")
    _print_weights(results[0].weights)
    for option in ("out", "plot"):
        if getattr(args, option) is not None:
            print(f"wrote {getattr(args, option)}")
    return 0


def _print_weights(weights) -> None:
    if weights is None:
        return
    text = ", ".join(f"{k} {w:.2f}" for k, w in weights.weights.items())
    print(f"weights ({weights.method}): {text}")
    if weights.note:
        print(f"note: {weights.note}")


def _forecast_table(results):
    import pandas as pd

    rows = []
    for r in results:
        row = {"date": r.date.isoformat(), "curve": r.curve, "data_as_of": r.as_of.isoformat()}
        row.update({f"p{q}_tokens_per_day": v for q, v in r.percentiles_tokens_per_day.items()})
        row["weighting_method"] = r.weights.method if r.weights is not None else "single curve"
        rows.append(row)
    return pd.DataFrame(rows)


def run_backtest(args: argparse.Namespace) -> int:
    """Handler for `mc backtest`: one backtest per --until date."""
    from dataclasses import replace

    from mc.growth.backtest import run_backtest as backtest
    from mc.growth.backtest import split

    data, priors, options = _inputs(args, args.data)
    for until in args.until:  # every fold checked before any is fitted
        split(data, until)
    results = [backtest(data, priors, until, args.curve, replace(options, until=until)) for until in args.until]
    if args.plot is not None:
        last = results[-1]
        _plot(last.fits, data, data.dates[-1], args, held_out=True)
    table = _backtest_table(results)
    if args.out is not None:
        from mc.export import write_table

        write_table(table, args.out, fmt=args.format, force=args.force, option="--out")
    if args.json:
        records = [r.to_dict() for r in results]
        print(json.dumps(records[0] if len(records) == 1 else {"backtests": records}, indent=2))
        return 0
    for result in results:
        _print_backtest(result, args.curve)
    for option in ("out", "plot"):
        if getattr(args, option) is not None:
            print(f"wrote {getattr(args, option)}")
    return 0


def _print_backtest(result, curve: str) -> None:
    print(f"backtest of {curve}, fitted to {result.until.isoformat()}:")
    for p in result.points:
        print(f"  {p['date']}: actual {p['actual'] / WAN_YI:.3g}万亿, median {p['p50'] / WAN_YI:.3g}万亿, "
              f"90% {p['p5'] / WAN_YI:.3g}-{p['p95'] / WAN_YI:.3g}万亿, in 50%: {p['covered_50']}, in 90%: {p['covered_90']}")
    for label, s in (("model", result.summary), ("baseline", result.summary["baseline"])):
        print(f"  {label:<8} coverage 50% {s['coverage_50']:.2f}, 90% {s['coverage_90']:.2f}, "
              f"log score {s['log_score']:.3f}, CRPS {s['crps_log10']:.4f} (log10), "
              f"90% width {s['width_90_log10']:.2f} decades")
    if "note" in result.summary:
        print(f"  note: {result.summary['note']}")
    if "weighting_method" in result.summary:
        print(f"  weights ({result.summary['weighting_method']}): "
              + ", ".join(f"{k} {w:.2f}" for k, w in result.summary["weights"].items()))
    for name, reason in result.summary.get("excluded_curves", {}).items():
        print(f"  left out: {name} ({reason})")


def _backtest_table(results):
    import pandas as pd

    rows = [{"until": r.until.isoformat(), "curve": r.curve, **p} for r in results for p in r.points]
    return pd.DataFrame(rows)


def _plot(fits, data, horizon: date, args: argparse.Namespace, *, marks=(), held_out: bool = False) -> None:
    from mc.growth.plots import plot_growth

    plot_growth(fits, data, horizon, args.plot, seed=args.seed, force=args.force, marks=marks, held_out=held_out)


def _one_year_after(day: date) -> date:
    return day + timedelta(days=365)
