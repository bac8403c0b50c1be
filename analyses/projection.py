"""Multi-year projection (2025-2030): fleet by vintage, capex, depreciation, power, margins and NPV.

Tables: ``projection`` (percentiles per output and year, and the NPV;
:func:`mc.projection.summarise_projection`).  Figure: ``projection_fan``
(median, 50% and 90% bands per output, NPV box; :mod:`mc.plots.fan`).

    python analyses/projection.py OUTDIR [--draws N] [--from 2025] [--to 2030] [--volume-source prior|growth]
"""
from __future__ import annotations

from _common import main, n_draws, say
from mc.cli.project import chart_title
from mc.display import YI
from mc.plots.fan import fan_chart
from mc.priors import load_priors
from mc.projection import growth_volume_paths, load_projection_priors, project, summarise_projection, year_range

TABLES = ("projection",)
FIGURES = ("projection_fan",)


def options(p) -> None:
    p.add_argument("--from", dest="start", type=int, default=2025, help="start year (default 2025)")
    p.add_argument("--to", dest="stop", type=int, default=2030, help="last year (default 2030)")
    p.add_argument("--volume-source", choices=("prior", "growth"), default="prior",
                   help="volume paths from priors/projection.toml or from the growth fit (default prior)")


def study(args, out) -> None:
    years = year_range(args.start, args.stop)
    n = n_draws(args)
    paths, attrs = None, {}
    if args.volume_source == "growth":
        paths, _ = growth_volume_paths(years, n, seed=args.seed)
        attrs = {"volume_source": "growth fit (default curve), mid-year posterior predictive"}
    ds = project(load_priors(), load_projection_priors(), years, n, seed=args.seed, volume_paths=paths, attrs=attrs)
    table = summarise_projection(ds)
    out.table(table, "projection")
    out.figure(fan_chart(table, title=chart_title(ds.attrs, table)), "projection_fan")
    npv = table[table["output"] == "npv_cny"].set_index("statistic")["value"]
    say(args, f"projection {years[0]}-{years[-1]}, {n:,} paths: NPV median {npv['p50'] / YI:,.0f} 亿元, "
              f"P(NPV < 0) = {npv['p_negative']:.3f}")


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=TABLES, figures=FIGURES, draws=50_000,
                quick_draws=2_000, options=options, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
