"""`mc run`: sample the priors, evaluate the model, write the percentile table."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from mc.cli.common import add_output_options, add_sampling_options, check_output_option, emit_table, \
    iso_date, positive_float, positive_int, table_records, _json_default
from mc.display import fmt, scaled, unit
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # heavy modules (scipy, pandas, xarray) load in the handler, so `mc --help` stays light
    from mc.priors import Priors

SCREEN_STATS = ("p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "mean", "sd")


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="Monte Carlo of revenue, capex and margin from a priors file",
                              description="Sample every assumption, evaluate the report's model per draw and "
                                          "write percentiles (with Monte Carlo standard errors) of each output.")
    p.add_argument("priors", nargs="?", help="priors TOML file (default priors/base.toml)")
    add_sampling_options(p)
    volume = p.add_mutually_exclusive_group()
    volume.add_argument("--tokens-per-day", type=positive_float, help="fix daily token volume (e.g. 1e14 = 100万亿)")
    volume.add_argument("--date", type=iso_date, help="draw daily tokens from the growth fit's forecast at this date")
    p.add_argument("--curve", default=None, help="growth curve for --date (see `mc fit --help`; 'all' to combine)")
    p.add_argument("--data", help="token usage CSV for --date (default priors/token_usage.csv)")
    p.add_argument("--workers", type=positive_int, default=min(2, os.cpu_count() or 1),
                   help="threads drawing blocks in parallel (same numbers for any value)")
    p.add_argument("--plot", type=Path, help="write histograms and CDFs of revenue, capex and margin (PNG)")
    p.add_argument("--memory-limit", type=positive_float, default=512, metavar="MIB",
                   help="above this much memory for full output arrays, compute the same table exactly "
                        "in two streaming passes (default 512 MiB, about 7 million draws)")
    add_output_options(p)
    p.set_defaults(handler=handle)


def prepare_priors(args: argparse.Namespace) -> Priors:
    """The priors file with any volume override from the command line applied."""
    from mc.priors import default_priors_path, load_priors

    priors = load_priors(args.priors or default_priors_path())
    if args.tokens_per_day is not None:
        priors = priors.with_fixed("tokens_per_day", args.tokens_per_day, source="--tokens-per-day")
    elif getattr(args, "date", None) is not None:
        from mc.volume import volume_at_date

        from mc.progress import wants_progress

        priors = priors.replace(volume_at_date(args.date, curve=args.curve, data_path=args.data,
                                               progressbar=wants_progress(quiet=args.quiet or args.json)))
    return priors


def handle(args: argparse.Namespace) -> int:
    check_output_option(args)  # --out and --plot: a bad path fails before the simulation
    priors = prepare_priors(args)
    from mc.results import run_attrs, simulate, summarise
    from mc.streaming import output_bytes, summarise_streaming

    if args.plot is None and output_bytes(args.draws) > args.memory_limit * 2**20:
        table = summarise_streaming(priors, args.draws, seed=args.seed, method=args.method, workers=args.workers,
                                    memory_limit=int(args.memory_limit * 2**20))
        return _emit(args, table, run_attrs(priors, args.draws, args.seed, args.method), priors)
    from mc.progress import progress_bar

    with progress_bar("mc run", quiet=args.quiet or args.json) as progress:
        results = simulate(priors, args.draws, seed=args.seed, method=args.method, workers=args.workers,
                           keep_inputs=False, progress=progress)
    table = summarise(results)
    if args.plot is not None:
        from mc.plots.distribution import plot_outputs

        plot_outputs(results, args.plot, as_of=priors.meta.get("as_of"), force=args.force)
    return _emit(args, table, results.attrs, priors)


def _emit(args: argparse.Namespace, table, attrs, priors: Priors) -> int:
    if args.json:
        payload = {"meta": dict(attrs), **table_records(table)}
        if args.out is not None:
            emit_table(table, argparse.Namespace(**{**vars(args), "json": False, "quiet": True}), screen="")
        print(json.dumps(payload, indent=2, default=_json_default))
        return 0
    emit_table(table, args, screen=render(table, attrs, priors))
    return 0


def render(table, attrs, priors: Priors) -> str:
    """The table in display units (亿元, 万 GPUs, %), one output per line."""
    from mc.results import wide

    values = wide(table)
    volume = priors["tokens_per_day"]
    vol_text = (f"{fmt(volume.distribution.params['value'] / 1e12)}万亿 tokens/day" if volume.is_fixed
                else f"tokens/day drawn from {volume.source or volume.distribution.family}")
    lines = [f"mc run: {attrs['priors_origin']}  ({attrs['n_draws']:,} draws, method {attrs['method']}, "
             f"seed {attrs['seed']}, {vol_text})", ""]
    lines.append(f"{'output':<21}{'unit':<17}" + "".join(f"{s:>10}" for s in SCREEN_STATS))
    for output, row in values.iterrows():
        cells = "".join(f"{fmt(scaled(output, row[s])):>10}" for s in SCREEN_STATS)
        lines.append(f"{output:<21}{unit(output):<17}{cells}")
    p_loss = table[(table.output == "margin") & (table.statistic == "p_negative")].iloc[0]
    lines += ["", f"P(margin < 0) = {p_loss.value:.4f} ± {p_loss.mc_se:.4f} (Monte Carlo s.e.)"]
    if attrs["method"] != "mc":
        lines.append("standard errors assume independent draws: conservative for lhs and sobol")
    if priors.correlation.pairs:
        from mc.correlation import render_achieved

        lines += render_achieved(priors, attrs)
    return "\n".join(lines)
