"""`mc sweep`: a grid over named inputs (crossed with scenarios), one table and one figure."""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import NamedTuple

from mc.cli.cluster import add_cluster_option, check_cluster_option, cluster_from_args
from mc.overrides import add_override_options
from mc.cli.common import add_draws_out_option, add_output_options, add_sampling_options, positive_int
from mc.cli.draws import check_runs_draws_out, runs_draws, write_runs_draws
from mc.cli.emit import emit_table, say_wrote
from mc.cli.paths import check_output_option


def register(subparsers) -> None:
    p = subparsers.add_parser("sweep", allow_abbrev=False, help="runs over a grid of input values (and scenarios), common random numbers",
                              description="Fix each --grid input at each of its values (the product of every grid, "
                                          "crossed with the base and each named scenario), run every cell with the "
                                          "same seed and write one tidy table and a line or heatmap figure.")
    p.add_argument("priors", nargs="?", help="priors TOML file (default priors/base.toml)")
    p.add_argument("--grid", action="append", required=True, metavar="NAME=LO:HI:N",
                   help="an input of the priors' model fixed at numpy.linspace(LO, HI, N) (base units); repeatable")
    p.add_argument("--scenario", action="append", default=[], metavar="SCENARIO",
                   help="also run every cell under this scenario (name or path); repeatable")
    p.add_argument("--output", default=None, help="output plotted (default the model's key output)")
    p.add_argument("--statistic", default="p50", help="statistic plotted: p1..p99, mean, sd, p_negative (default p50)")
    p.add_argument("--plot", type=Path, help="write a line (one grid) or heatmap (two grids) PNG of the statistic")
    p.add_argument("--workers", type=positive_int, default=min(2, os.cpu_count() or 1),
                   help="threads per cell when not on a cluster (same numbers for any value)")
    add_sampling_options(p, draws=100_000)
    add_override_options(p)
    add_cluster_option(p)
    add_draws_out_option(p)
    add_output_options(p)
    p.set_defaults(handler=handle)


class _SweepPlan(NamedTuple):
    """A sweep checked before any run: its priors, grids and scenarios, the output plotted and the
    keyword arguments passing --percentiles."""

    priors: object
    grids: list
    scenarios: list
    output: str
    extra: dict


def handle(args: argparse.Namespace) -> int:
    check_output_option(args)
    check_cluster_option(args)
    plan = _checked_plan(args)
    priors, grids, model = plan.priors, plan.grids, plan.priors.model
    drawn = runs_draws(args)  # with --draws-out, each cell's draws as sweep makes them
    from mc.progress import progress_bar
    from mc.sweep import plot_sweep, sweep

    with cluster_from_args(args) as executor, \
            progress_bar("mc sweep", quiet=args.quiet or args.json, unit="cells") as progress:
        table = sweep(priors, grids, args.draws, scenarios=plan.scenarios, seed=args.seed, method=args.method,
                      workers=args.workers, executor=executor, progress=progress, on_run=drawn, **plan.extra)
    if args.plot is not None:
        plot_sweep(table, grids, plan.output, args.statistic, args.plot, unit=model.quantity(plan.output).unit,
                   force=args.force)
    from mc.cli.emit import chosen_statistics, provenance
    from mc.results import run_attrs
    from mc.workbook import Report

    meta = provenance(args, run_attrs(priors, args.draws, args.seed, args.method), priors)
    write_runs_draws(args, drawn, meta)
    emit_table(chosen_statistics(table, args), args, screen=render(table, grids, plan.output, args), meta=meta,
               report=Report(model=model, priors=[priors], figures=[args.plot] if args.plot is not None else []))
    say_wrote(args, args.plot, args.draws_out)
    return 0


def _checked_plan(args: argparse.Namespace) -> _SweepPlan:
    """The priors (with --set), --percentiles, --output, --statistic, every --grid and --scenario, each cell's
    fixed values and --draws-out's size, checked in this order before any run."""
    from mc.cli.stress import _table_percentiles
    from mc.errors import InputError
    from mc.overrides import apply_overrides
    from mc.priors import default_priors_path, load_priors
    from mc.scenarios import load_scenarios
    from mc.sweep import check_statistic, parse_grid, sweep, sweep_cells

    priors = apply_overrides(load_priors(args.priors or default_priors_path()), args.overrides)
    model = priors.model
    extra = _table_percentiles(args, sweep, "sweep")
    output = args.output or model.key_output
    if output not in model.outputs:
        raise InputError("--output", output, f"not an output of model {model.name}; choose from "
                         f"{', '.join(model.outputs)}")
    check_statistic(args.statistic)
    grids = [parse_grid(g, model.inputs) for g in args.grid]
    scenarios = load_scenarios(args.scenario, model.inputs) if args.scenario else []
    cells = sweep_cells(priors, grids, scenarios)  # every cell's fixed values validated before any run
    check_runs_draws_out(args, len(cells), model)
    return _SweepPlan(priors, grids, scenarios, output, extra)


def render(table, grids, output: str, args: argparse.Namespace) -> str:
    """The plotted statistic per cell, one line each."""
    rows = table[(table.output == output) & (table.statistic == args.statistic)]
    keys = ["scenario"] + [g.name for g in grids]
    cells = len(rows)
    lines = [f"mc sweep: {cells} cells, {args.draws:,} draws each, method {args.method}, seed {args.seed} "
             "(common random numbers)", "",
             "".join(f"{k:>24}" for k in keys) + f"{args.statistic + ' ' + output:>24}{'mc_se':>12}"]
    for r in rows.itertuples(index=False):
        d = r._asdict()
        lines.append("".join(f"{d[k]:>24}" if k == "scenario" else f"{d[k]:>24.6g}" for k in keys)
                     + f"{r.value:>24.6g}{r.mc_se:>12.3g}")
    return "\n".join(lines)
