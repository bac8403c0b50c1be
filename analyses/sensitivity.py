"""Sensitivity: which assumptions the margin (or another output) hangs on.

Tables: ``rank_correlations`` (Spearman rho of every uncertain input with every
output), ``tornado`` (the output's median with each input at its p10 and p90,
common random numbers), ``sobol`` (first-order and total Sobol indices with
bootstrap half-widths, SALib), ``sensitivity`` (all three in one tidy table,
as ``mc sensitivity --out``).  Figures: ``tornado`` and ``sobol``.

    python analyses/sensitivity.py OUTDIR [--draws N] [--sobol-n 4096] [--output margin]
"""
from __future__ import annotations

import numpy as np

from _common import main, n_draws, say
from mc.plots.distribution import run_title
from mc.plots.tornado import discrete_inputs, tornado_figure
from mc.priors import load_priors
from mc.results import simulate
from mc.sensitivity import rank_correlations, sensitivity_table, sobol_indices, tornado

TABLES = ("rank_correlations", "tornado", "sobol", "sensitivity")
FIGURES = ("tornado", "sobol")
SOBOL_N, QUICK_SOBOL_N = 4096, 256


def options(p) -> None:
    p.add_argument("--output", default="margin", help="output analysed (default margin)")
    p.add_argument("--sobol-n", type=int, help=f"Sobol base sample N (default {SOBOL_N}; {QUICK_SOBOL_N} with "
                                               "--quick); the model runs N (d + 2) times")


def study(args, out) -> None:
    priors = load_priors()
    n = n_draws(args)
    sobol_n = args.sobol_n or (QUICK_SOBOL_N if args.quick else SOBOL_N)
    results = simulate(priors, n, seed=args.seed)
    rank = rank_correlations(results, priors)
    torn = tornado(priors, args.output, n_draws=n, seed=args.seed)
    sobol = sobol_indices(priors, args.output, n_base=sobol_n, seed=args.seed)
    for table, stem in ((rank, "rank_correlations"), (torn, "tornado"), (sobol.table, "sobol"),
                        (sensitivity_table(rank, torn, sobol, args.output), "sensitivity")):
        out.table(table, stem)
    run = run_title(results.attrs, as_of=priors.meta.get("as_of"), volume="at 1e14 tokens/day")
    fig = tornado_figure(torn, args.output, title=f"Tornado: median {args.output} with each input at its "
                                                  f"p10 / p90\n{run}", discrete=discrete_inputs(priors))
    fig.axes[0].title.set_fontsize(9)  # the run line is long; the risk module's default size clips it
    out.figure(fig, "tornado")
    out.figure(sobol_figure(sobol, args.output, run), "sobol")
    top = sobol.table.sort_values("ST", ascending=False).iloc[0]
    say(args, f"sensitivity of {args.output}: largest tornado swing {torn['input'].iloc[0]}, "
              f"largest total Sobol index {top['input']} (ST = {top['ST']:.2f})")


def sobol_figure(sobol, output: str, run: str):
    """First-order and total Sobol indices per input, with their bootstrap intervals."""
    import matplotlib.pyplot as plt

    table = sobol.table.sort_values("ST")
    y = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(table) + 1.8))
    ax.barh(y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], color="#DD8452", label="total (ST)")
    ax.barh(y - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], color="#4C72B0", label="first order (S1)")
    ax.set_yticks(y, table["input"], fontsize=8)
    ax.set_xlabel(f"share of the variance of {output} (dimensionless, 0 to 1)")
    ax.set_title(f"Sobol indices of {output} (SALib, N = {sobol.n_base:,}, {100 * sobol.conf_level:.0f}% "
                 f"bootstrap intervals; inputs independent)\n{run}", fontsize=9)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=TABLES, figures=FIGURES, draws=50_000,
                quick_draws=5_000, options=options, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
