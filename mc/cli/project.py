"""`mc project`: multi-year paths of revenue, GPU fleet, capex, depreciation, power and NPV."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from mc.cli.common import _json_default, add_output_options, add_sampling_options, check_output_option, \
    emit_table, table_records
from mc.display import DISPLAY_UNITS, YI, fmt
from mc.export import write_table

DEFAULT_DRAWS = 50_000
SCREEN_OUTPUTS = ("tokens_per_day", "price_cny_per_m_tokens", "revenue_cny", "fleet_gpus", "gpus_purchased",
                  "capex_cny", "depreciation_cny", "power_cny", "margin", "margin_after_power", "cash_flow_cny")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "project", help="multi-year projection: fleet and capex by vintage, price erosion, power, NPV",
        description="Project each year's revenue, GPU fleet (bought by vintage, depreciated straight-line), "
                    "capex, depreciation, power cost and margins, and the NPV of the path's cash flows. "
                    "Economic inputs come from PRIORS (drawn once per path), the rest from --projection.")
    p.add_argument("priors", nargs="?", help="base priors TOML (default priors/base.toml)")
    p.add_argument("--projection", type=Path, help="projection priors TOML (default priors/projection.toml)")
    p.add_argument("--from", dest="start", type=int, default=2025, help="start year (default 2025)")
    p.add_argument("--to", dest="stop", type=int, default=2030, help="last year (default 2030)")
    p.add_argument("--volume-source", "--date-source", dest="volume_source", choices=("prior", "growth"),
                   default="prior", help="volume paths from the projection priors or from the growth fit "
                                         "(posterior predictive at each mid-year; default prior)")
    p.add_argument("--curve", default=None, help="growth curve for --volume-source growth")
    p.add_argument("--data", help="token usage CSV for --volume-source growth")
    p.add_argument("--plot", type=Path, help="write a fan chart PNG here")
    add_sampling_options(p, draws=DEFAULT_DRAWS)
    add_output_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Everything a user can get wrong is checked before the (seconds-long) simulation.
    check_output_option(args)
    from mc.priors import load_priors
    from mc.projection import (growth_volume_paths, load_projection_priors, project, summarise_projection,
                               year_range)

    years = year_range(args.start, args.stop)
    priors = load_priors(args.priors)
    from mc.cli.common import check_draws
    from mc.projection import YEARLY_OUTPUTS

    check_draws(args.draws, in_memory_values=len(years) * (len(YEARLY_OUTPUTS) + 1) + 2 * len(priors.names),
                method=args.method)
    projection_priors = load_projection_priors(args.projection)
    paths, attrs = None, {}
    if args.volume_source == "growth":
        paths, rank_corr = growth_volume_paths(years, args.draws, seed=args.seed, curve=args.curve,
                                               data_path=args.data)
        attrs = {"volume_source": f"growth fit ({args.curve or 'default curve'}), mid-year posterior predictive",
                 "volume_path_min_rank_correlation": rank_corr}
    ds = project(priors, projection_priors, years, args.draws, seed=args.seed, method=args.method,
                 volume_paths=paths, attrs=attrs)
    table = summarise_projection(ds)
    if args.plot is not None:
        _write_plot(table, ds.attrs, args)
    if args.json:
        if args.out is not None:
            write_table(table, args.out, fmt=args.format, force=args.force)
        print(json.dumps({"meta": dict(ds.attrs), **table_records(table)}, indent=2, default=_json_default))
        return 0
    emit_table(table, args, screen=render(table, ds.attrs))
    if args.plot is not None and not args.quiet:
        print(f"wrote {args.plot}")
    return 0


def _write_plot(table, attrs, args: argparse.Namespace) -> None:
    from mc.plots.fan import fan_chart, save_figure

    fig = fan_chart(table, title=chart_title(attrs, table))
    save_figure(fig, args.plot, force=args.force)


def chart_title(attrs, table) -> str:
    """What the chart shows, from which priors, as of when."""
    years = table["year"].dropna()
    return (f"Doubao API projection {int(years.min())}-{int(years.max())}: median, 50% and 90% bands\n"
            f"priors {Path(attrs['priors_origin']).name} + {Path(attrs['projection_priors_origin']).name}, "
            f"as of {attrs.get('as_of') or 'n/a'} (base priors {attrs.get('priors_as_of') or 'n/a'}); volume: {attrs['volume_source']}; "
            f"{attrs['n_draws']:,} draws, seed {attrs['seed']}")


def render(table, attrs) -> str:
    """Median and 90% interval of each output per year, in display units, then the NPV."""
    yearly = table[table["year"].notna()]
    years = sorted(int(y) for y in yearly["year"].unique())
    value = yearly.set_index(["output", "year", "statistic"])["value"]
    lines = [f"mc project: {attrs['priors_origin']} + {attrs['projection_priors_origin']}  "
             f"({attrs['n_draws']:,} draws, method {attrs['method']}, seed {attrs['seed']}, "
             f"volume: {attrs['volume_source']})",
             f"power: {attrs['power']}; cells are median [p5, p95]", ""]
    lines.append(f"{'output':<23}{'unit':<16}" + "".join(f"{y:>26}" for y in years))
    for output in SCREEN_OUTPUTS:
        divisor, unit = DISPLAY_UNITS[output]
        if output not in set(yearly["output"]):
            continue
        cells = "".join(f"{_cell(value, output, y, divisor):>26}" for y in years)
        lines.append(f"{output:<23}{unit:<16}{cells}")
    npv = table[table["output"] == "npv_cny"].set_index("statistic")
    if not npv.empty:
        v, se = npv["value"], npv["mc_se"]
        lines += ["", f"NPV at {years[0]} (亿元, no terminal value): median {fmt(v['p50'] / YI)} "
                      f"[p5 {fmt(v['p5'] / YI)}, p95 {fmt(v['p95'] / YI)}], mean {fmt(v['mean'] / YI)} "
                      f"± {fmt(se['mean'] / YI)} s.e.; P(NPV < 0) = {v['p_negative']:.4f} ± {se['p_negative']:.4f}"]
    return "\n".join(lines)


def _cell(value, output: str, year: int, divisor: float) -> str:
    med, lo, hi = (value[(output, year, s)] / divisor for s in ("p50", "p5", "p95"))
    return f"{fmt(med)} [{fmt(lo)}, {fmt(hi)}]"
