"""`mc project`: multi-year paths of revenue, GPU fleet, capex, depreciation, power and NPV."""
from __future__ import annotations

import argparse
from pathlib import Path

from mc.cli.cluster import add_cluster_option, check_cluster_option, cluster_from_args
from mc.cli.common import add_draws_out_option, add_output_options, add_sampling_options, positive_float
from mc.cli.emit import chosen_statistics, emit_table, provenance, sampled_percentiles
from mc.cli.limits import check_draws_out
from mc.cli.paths import check_output_option
from mc.display import display_path, DISPLAY_UNITS, YI, fmt, pad
from mc.overrides import add_override_options

DEFAULT_DRAWS = 50_000
SCREEN_OUTPUTS = ("tokens_per_day", "price_cny_per_m_tokens", "revenue_cny", "fleet_gpus", "gpus_purchased",
                  "capex_cny", "depreciation_cny", "power_cny", "margin", "margin_after_power", "cash_flow_cny")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "project", allow_abbrev=False, help="multi-year projection: fleet and capex by vintage, price erosion, power, NPV",
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
    p.add_argument("--tokens-per-day", type=positive_float,
                   help="fix the start year's average daily tokens (start_tokens_per_day); later years grow from it "
                        "as the projection priors say (with --volume-source prior)")
    p.add_argument("--date", help="not used here: a projection covers whole years (--from/--to); for volumes from "
                                  "the growth fit use --volume-source growth (its forecast at each mid-year)")
    p.add_argument("--curve", default=None, help="growth curve for --volume-source growth")
    p.add_argument("--data", help="token usage CSV for --volume-source growth")
    p.add_argument("--plot", type=Path, help="write a fan chart PNG here")
    add_sampling_options(p, draws=DEFAULT_DRAWS)
    add_cluster_option(p)
    add_override_options(p)
    add_draws_out_option(p)
    add_output_options(p)
    p.set_defaults(handler=handle)


def check_volume_options(args: argparse.Namespace) -> None:
    """--date has no meaning for a projection; --tokens-per-day sets the prior path's start."""
    from mc.errors import InputError

    if getattr(args, "date", None) is not None:
        raise InputError("--date", args.date, "a projection covers whole years (--from/--to); for volumes from the "
                         "growth fit use --volume-source growth (its forecast at each mid-year)")
    if getattr(args, "tokens_per_day", None) is not None and args.volume_source == "growth":
        raise InputError("--tokens-per-day", f"{args.tokens_per_day:g}", "sets the prior volume path's start; "
                         "it cannot be combined with --volume-source growth")


def load_inputs(args: argparse.Namespace):
    """The base and projection priors with --set and --tokens-per-day applied (validated before any work)."""
    from mc.overrides import Override, apply_to_first
    from mc.priors import load_priors
    from mc.projection import load_projection_priors

    overrides = list(getattr(args, "overrides", []))
    if getattr(args, "tokens_per_day", None) is not None:
        overrides.append(Override("start_tokens_per_day", None, args.tokens_per_day,
                                  f"start_tokens_per_day={args.tokens_per_day:g} (--tokens-per-day)"))
    from mc.projection.model import check_base_model

    base = load_priors(args.priors)
    check_base_model(base)  # before --set, whose unknown names the projection's refusal explains better
    return apply_to_first([base, load_projection_priors(args.projection)], overrides)


def handle(args: argparse.Namespace) -> int:
    # Everything a user can get wrong is checked before the (seconds-long) simulation.
    check_output_option(args)
    check_volume_options(args)
    check_cluster_option(args)
    from mc.projection import summarise_projection, year_range

    years = year_range(args.start, args.stop)
    priors, projection_priors = load_inputs(args)
    from mc.cli.limits import check_draws
    from mc.projection import YEARLY_OUTPUTS

    values = len(years) * (len(YEARLY_OUTPUTS) + 1) + 2 * len(priors.names)
    check_draws_out(args, values)
    check_draws(args.draws, in_memory_values=values, method=args.method)
    with cluster_from_args(args):  # connected before any work; the input draws' blocks run on the cluster
        ds, batch = _simulate(args, priors, projection_priors, years)
    table = summarise_projection(ds, percentiles=sampled_percentiles(args, (5, 25, 50, 75, 95)),
                                 posterior_batch=batch)
    meta = provenance(args, {**ds.attrs, "volume": ds.attrs.get("volume_source", "")}, priors)
    if args.plot is not None:
        _write_plot(table, ds.attrs, args)
    if args.draws_out is not None:
        from mc.export import write_draws

        write_draws(ds, args.draws_out, meta=meta, force=args.force)
    emit_table(chosen_statistics(table, args), args, screen=render(table, ds.attrs), meta=meta,
               report=workbook_report(chosen_statistics(table, args), priors, projection_priors, args))
    for path in (args.plot, args.draws_out):
        if path is not None and not (args.quiet or args.json):
            print(f"wrote {path}")
    return 0


def _simulate(args: argparse.Namespace, priors, projection_priors, years):
    """The projection's paths (volumes from the growth fit with --volume-source growth), and each path's
    growth posterior batch (None for prior volumes), for errors that include the posterior's own."""
    from mc.projection import growth_volume_paths, project

    paths, attrs, batch = None, {}, None
    if args.volume_source == "growth":
        paths, rank_corr, batch = growth_volume_paths(years, args.draws, seed=args.seed, curve=args.curve,
                                                      data_path=args.data, return_batch=True)
        attrs = {"volume_source": f"growth fit ({args.curve or 'default curve'}), yearly averages of the "
                                  "posterior predictive; errors include the posterior's own",
                 "volume_path_min_rank_correlation": rank_corr}
    return project(priors, projection_priors, years, args.draws, seed=args.seed, method=args.method,
                   volume_paths=paths, attrs=attrs), batch


def workbook_report(table, priors, projection_priors, args: argparse.Namespace):
    """Summary: the whole-path rows (NPV); Projection by year: each output per year, display units."""
    from mc.workbook import Report, summary_frame

    yearly = table[table["year"].notna()]
    by_year, _ = summary_frame(yearly)
    return Report(model=None, priors=[priors, projection_priors], summary=table[table["year"].isna()],
                  sheets={"Projection by year": by_year},
                  figures=[args.plot] if getattr(args, "plot", None) is not None else [])


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
    lines = [f"mc project: {display_path(attrs['priors_origin'])} + {display_path(attrs['projection_priors_origin'])}  "
             f"({attrs['n_draws']:,} draws, method {attrs['method']}, seed {attrs['seed']}, "
             f"volume: {attrs['volume_source']})",
             f"power: {attrs['power']}; cells are median [p5, p95]", ""]
    lines.append(f"{'output':<23}{'unit':<16}" + "".join(f"{y:>26}" for y in years))
    for output in SCREEN_OUTPUTS:
        divisor, unit = DISPLAY_UNITS[output]
        if output not in set(yearly["output"]):
            continue
        cells = "".join(f"{_cell(value, output, y, divisor):>26}" for y in years)
        lines.append(f"{output:<23}{pad(unit, 16)}{cells}")
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
