"""Base case: revenue, capex and margin under the base priors, at 100万亿 tokens a day and at dates.

Tables: ``base_case`` (percentiles with Monte Carlo standard errors at the
report's 100万亿 tokens/day), ``base_case_vs_report`` (the report's point value
of revenue, capex and margin beside mc's p5/p50/p95 and the probability of
falling below it) and, unless ``--no-dates``, ``base_case_dates`` (the same
percentiles with daily tokens drawn from the growth fit's posterior
predictive at each date).  Figures: ``base_case`` (histogram and CDF of each
output, the report's value marked) and ``base_case_dates`` (revenue per year
at each date: median, 50% and 90% intervals).

    python analyses/base_case.py OUTDIR [--draws N] [--dates 2025-06-30 2025-12-31] [--curve gompertz] [--no-dates]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from _common import main, n_draws, say
from mc.cli.common import iso_date
from mc.plots.distribution import distribution_figure, interval_figure, run_title
from mc.priors import load_priors
from mc.report import at_volumes
from mc.results import simulate, summarise

OUTPUTS = ("revenue_cny_per_year", "capex_cny_per_year", "margin")
DATES = ("2025-06-30", "2025-12-31", "2026-06-30", "2026-12-31")
QUICK_DATES = ("2025-12-31",)
QUICK_CURVE = "gompertz"


def options(p) -> None:
    p.add_argument("--dates", nargs="+", type=iso_date, help=f"dates for the growth-fit volume (default "
                                                              f"{' '.join(DATES)}; {QUICK_DATES[0]} with --quick)")
    p.add_argument("--no-dates", action="store_true", help="skip the dates (no growth fit)")
    p.add_argument("--curve", help=f"growth curve for the dates (default the growth fit's; {QUICK_CURVE} with "
                                   "--quick, one fit instead of four)")


def tables(args):
    return ("base_case", "base_case_vs_report") + (() if args.no_dates else ("base_case_dates",))


def figures(args):
    return ("base_case",) + (() if args.no_dates else ("base_case_dates",))


def study(args, out) -> None:
    priors = load_priors()
    n = n_draws(args)
    results = simulate(priors, n, seed=args.seed, keep_inputs=False)
    table = summarise(results)
    report = at_volumes().iloc[0]  # the report's column at 100万亿 tokens/day
    out.table(table, "base_case")
    out.table(versus_report(results, report), "base_case_vs_report")
    out.figure(distribution_figure(results, OUTPUTS, as_of=priors.meta.get("as_of"),
                                   reference={o: float(report[o]) for o in OUTPUTS}), "base_case")
    p50 = table.set_index(["output", "statistic"])["value"]
    say(args, f"base case at 1e14 tokens/day, {n:,} draws: median margin {100 * p50['margin', 'p50']:.1f}% "
              f"(report {100 * report['margin']:+.2f}%), P(margin < 0) = {p50['margin', 'p_negative']:.3f}")
    if not args.no_dates:
        at_dates(args, out, priors, n)


def versus_report(results, report) -> pd.DataFrame:
    """Per output: the report's point value, mc's p5/p50/p95/mean and P(draw < report)."""
    rows = []
    for output in OUTPUTS:
        values = np.asarray(results[output], dtype=float)
        p5, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
        rows.append({"output": output, "unit": results[output].attrs["unit"], "report": float(report[output]),
                     "p5": p5, "p50": p50, "p95": p95, "mean": float(values.mean()),
                     "share_below_report": float(np.mean(values < report[output]))})
    return pd.DataFrame(rows)


def at_dates(args, out, priors, n: int) -> None:
    """The same outputs with daily tokens from the growth fit at each date."""
    from mc.volume import volume_at_date  # lazy: imports PyMC

    dates = args.dates or [iso_date(d) for d in (QUICK_DATES if args.quick else DATES)]
    curve = args.curve or (QUICK_CURVE if args.quick else None)
    tables = []
    for when in dates:  # the fit is cached: one fit serves every date
        dated = priors.replace(volume_at_date(when, curve=curve))
        results = simulate(dated, n, seed=args.seed)  # inputs kept: the drawn volume is a row of the table
        tables.append(summarise(results, ["tokens_per_day", *dated.model.outputs]).assign(date=when.isoformat()))
        say(args, f"  {when}: median tokens/day {np.median(results['tokens_per_day'].values):.3g}")
    table = pd.concat(tables, ignore_index=True)
    out.table(table, "base_case_dates")
    title = (f"Revenue per year at each date, daily tokens from the growth fit ({curve or 'default curve'}) "
             f"posterior predictive\n"
             f"{run_title(results.attrs, as_of=priors.meta.get('as_of'))}")
    out.figure(interval_figure(table, "revenue_cny_per_year", "date", title=title, log=True), "base_case_dates")


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=tables, figures=figures, draws=200_000,
                quick_draws=5_000, options=options, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
