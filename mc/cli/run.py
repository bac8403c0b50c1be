"""`mc run`: sample the priors, evaluate the model, write the percentile table."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from mc.cli.common import add_output_options, add_sampling_options, check_output_option, emit_table, \
    iso_date, positive_float, positive_int, table_records, _json_default
from mc.cli.cluster import add_cluster_option, check_cluster_option, cluster_from_args
from mc.display import display_path, fmt, scaled, unit
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # heavy modules (scipy, pandas, xarray) load in the handler, so `mc --help` stays light
    from mc.priors import Priors

CLUSTER_TASK_DRAWS = 16 * 65_536  # draws per task on a cluster: amortises the per-task overhead
SCREEN_STATS = ("p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "mean", "sd")


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="Monte Carlo of every output of a priors file's model",
                              description="Sample every assumption, evaluate the priors file's model (default "
                                          "the report's: revenue, capex and margin) per draw and write "
                                          "percentiles (with Monte Carlo standard errors) of each output.")
    p.add_argument("priors", nargs="?", help="priors TOML file (default priors/base.toml)")
    add_sampling_options(p)
    volume = p.add_mutually_exclusive_group()
    volume.add_argument("--tokens-per-day", type=positive_float,
                        help="fix the model's volume input, daily tokens (e.g. 1e14 = 100万亿)")
    volume.add_argument("--date", type=iso_date,
                        help="draw the model's volume input from the growth fit's forecast at this date")
    p.add_argument("--curve", default=None, help="growth curve for --date (see `mc fit --help`; 'all' to combine)")
    p.add_argument("--data", help="token usage CSV for --date (default priors/token_usage.csv)")
    p.add_argument("--workers", type=positive_int, default=min(2, os.cpu_count() or 1),
                   help="threads drawing blocks in parallel (same numbers for any value)")
    p.add_argument("--plot", type=Path, help="write histograms and CDFs of the model's headline outputs (PNG)")
    p.add_argument("--memory-limit", type=positive_float, default=512, metavar="MIB",
                   help="above this much memory for full output arrays, compute the same table exactly "
                        "in two streaming passes (default 512 MiB, about 7 million draws)")
    add_cluster_option(p)
    add_output_options(p)
    p.set_defaults(handler=handle)


def prepare_priors(args: argparse.Namespace) -> Priors:
    """The priors file with any volume override from the command line applied."""
    from mc.priors import default_priors_path, load_priors

    priors = load_priors(args.priors or default_priors_path())
    date = getattr(args, "date", None)
    if args.tokens_per_day is None and date is None:
        return priors
    volume = volume_input(priors, "--tokens-per-day" if args.tokens_per_day is not None else "--date")
    if args.tokens_per_day is not None:
        return priors.with_fixed(volume, args.tokens_per_day, source="--tokens-per-day")
    from mc.progress import wants_progress
    from mc.volume import volume_at_date

    drawn = volume_at_date(date, curve=args.curve, data_path=args.data,
                           progressbar=wants_progress(quiet=args.quiet or args.json))
    return priors.replace(type(drawn)(volume, drawn.distribution, drawn.unit, drawn.source, drawn.note))


def volume_input(priors: Priors, option: str) -> str:
    """The model input that daily-token options set, or a clear error if the model has none."""
    from mc.errors import InputError

    name = priors.model.volume_input
    if name is None:
        raise InputError(option, priors.model.name, "this model declares no volume input "
                         "(set [model] volume_input in its file), so there is nothing to set")
    return name


def handle(args: argparse.Namespace) -> int:
    check_output_option(args)  # --out and --plot: a bad path fails before the simulation
    if args.plot is not None:  # a figure needs every draw in memory; the table alone can stream
        from mc.cli.common import check_draws
        from mc.priors import default_priors_path, load_priors

        model = load_priors(args.priors or default_priors_path()).model
        check_draws(args.draws, in_memory_values=len(model.inputs) + len(model.outputs), method=args.method)
    check_cluster_option(args)  # a malformed --cluster (or MC_CLUSTER) too
    priors = prepare_priors(args)
    from mc.progress import progress_bar
    from mc.results import run_attrs, simulate, summarise
    from mc.sampling import STREAM_BLOCK
    from mc.streaming import output_bytes, summarise_streaming

    shown = table_outputs(priors)
    quiet = args.quiet or args.json
    with cluster_from_args(args) as executor:
        streamed = args.plot is None and (executor is not None or
                                          output_bytes(args.draws, len(shown)) > args.memory_limit * 2**20)
        if streamed:
            with progress_bar("mc run", quiet=quiet, unit="blocks") as progress:
                table = summarise_streaming(priors, args.draws, seed=args.seed, method=args.method,
                                            workers=args.workers, memory_limit=int(args.memory_limit * 2**20),
                                            outputs=shown, executor=executor, progress=progress,
                                            chunk_size=CLUSTER_TASK_DRAWS if executor is not None else STREAM_BLOCK)
            return _emit(args, table, run_attrs(priors, args.draws, args.seed, args.method), priors)
        with progress_bar("mc run", quiet=quiet) as progress:
            results = simulate(priors, args.draws, seed=args.seed, method=args.method, workers=args.workers,
                               keep_inputs=len(shown) > len(priors.model.outputs), progress=progress)
    table = summarise(results, shown)
    if args.plot is not None:
        from mc.plots.distribution import plot_outputs

        plot_outputs(results, args.plot, outputs=priors.model.headline, as_of=priors.meta.get("as_of"),
                     force=args.force, model=priors.model)
    return _emit(args, table, results.attrs, priors)


def table_outputs(priors: Priors) -> list[str]:
    """The run table's rows: the model's outputs, after its volume input when that is drawn (``--date``)."""
    volume = priors.model.volume_input
    drawn = volume is not None and volume in priors.names and not priors[volume].is_fixed
    return ([volume] if drawn else []) + list(priors.model.outputs)


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
    model = priors.model
    lines = [f"mc run: {display_path(attrs['priors_origin'])}, model {model.name}  ({attrs['n_draws']:,} draws, "
             f"method {attrs['method']}, seed {attrs['seed']}{_volume_text(priors)})", ""]
    width = max([21] + [len(o) + 1 for o in values.index])
    lines.append(f"{'output':<{width}}{'unit':<17}" + "".join(f"{s:>10}" for s in SCREEN_STATS))
    for output, row in values.iterrows():
        cells = "".join(f"{fmt(scaled(output, row[s], model)):>10}" for s in SCREEN_STATS)
        lines.append(f"{output:<{width}}{unit(output, model):<17}{cells}")
    key = model.key_output
    p_loss = table[(table.output == key) & (table.statistic == "p_negative")]
    if len(p_loss) and p_loss.iloc[0].value > 0:  # an output that is never negative gets no such line
        row = p_loss.iloc[0]
        lines += ["", f"P({key} < 0) = {row.value:.4f} ± {row.mc_se:.4f} (Monte Carlo s.e.)"]
    if attrs["method"] != "mc":  # noqa: SIM102
        lines.append("standard errors assume independent draws: conservative for lhs and sobol")
    if priors.correlation.pairs:
        from mc.correlation import render_achieved

        lines += render_achieved(priors, attrs)
    return "\n".join(lines)


def _volume_text(priors: Priors) -> str:
    name = priors.model.volume_input
    if name is None or name not in priors.names:
        return ""
    volume = priors[name]
    if volume.is_fixed:
        value = volume.distribution.params["value"]
        return f", {fmt(scaled(name, value, priors.model))} {unit(name, priors.model)}"
    return f", {name} drawn from {volume.source or volume.distribution.family}"
