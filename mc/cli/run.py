"""`mc run`: sample the priors, evaluate the model, write the percentile table."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from mc.cli.common import add_draws_out_option, add_output_options, add_sampling_options, iso_date, positive_float, \
    positive_int
from mc.cli.emit import chosen_statistics, emit_table, provenance, sampled_percentiles
from mc.cli.limits import check_draws_out
from mc.cli.paths import check_output_option
from mc.cli.cluster import add_cluster_option, check_cluster_option, cluster_from_args
from mc.display import columns, display_path, fmt, pad, scaled, unit
from mc.errors import InputError
from mc.overrides import add_override_options
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # heavy modules (scipy, pandas, xarray) load in the handler, so `mc --help` stays light
    from mc.priors import Priors

SCREEN_STATS = ("p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "mean", "sd")


def register(subparsers) -> None:
    p = subparsers.add_parser("run", allow_abbrev=False, help="Monte Carlo of every output of a priors file's model",
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
                   help="keep the values near the needed percentiles (a band that narrows as the run goes, "
                        "about 0.1%% of 1e9 draws) up to this much memory; above it, compute the same table by "
                        "drawing every block twice (default 512 MiB; --date, --plot and --draws-out keep every draw)")
    add_cluster_option(p)
    add_override_options(p)
    add_draws_out_option(p)
    add_output_options(p)
    p.set_defaults(handler=handle)


def prepare_priors(args: argparse.Namespace) -> Priors:
    """The priors file with any volume override from the command line applied."""
    from mc.priors import default_priors_path, load_priors

    from mc.overrides import apply_overrides

    priors = apply_overrides(load_priors(args.priors or default_priors_path()), getattr(args, "overrides", ()))
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
    check_output_option(args)  # --out, --plot and --draws-out: a bad path fails before the simulation
    in_memory = args.plot is not None or args.draws_out is not None  # a figure or the draws file needs every draw
    dated = getattr(args, "date", None) is not None  # posterior-aware errors need every draw too
    if in_memory or dated:
        _check_in_memory(args)
    if check_cluster_option(args) is not None and dated:  # a malformed --cluster (or MC_CLUSTER) fails here too
        raise InputError("--date", "", "posterior-aware standard errors need every draw in one process; "
                                       "run without --cluster (or unset MC_CLUSTER)")
    priors = prepare_priors(args)
    from mc.results import run_attrs

    shown = table_outputs(priors)
    if in_memory or dated:
        return _in_memory_run(args, priors, shown, in_memory)
    # the default path: statistics gathered block by block (mc.streaming), the values near the percentiles
    # kept up to --memory-limit and every block redrawn above it; no full output arrays, the same table bit for bit
    with cluster_from_args(args) as executor:
        stats = _streamed_stats(args, priors, shown, executor)
    return _emit(args, _rows(stats, priors), run_attrs(priors, args.draws, args.seed, args.method), priors)


def _check_in_memory(args: argparse.Namespace) -> None:
    """Refuse, before any work, a run that must hold every draw but cannot fit in memory (or --draws-out's limit)."""
    from mc.cli.limits import check_draws
    from mc.priors import default_priors_path, load_priors

    model = load_priors(args.priors or default_priors_path()).model
    values = len(model.inputs) + len(model.outputs)
    check_draws_out(args, values)
    check_draws(args.draws, in_memory_values=values, method=args.method)


def _streamed_stats(args: argparse.Namespace, priors: Priors, shown: list[str], executor) -> dict:
    from mc.progress import progress_bar
    from mc.streaming import streaming_stats

    with progress_bar("mc run", quiet=args.quiet or args.json, unit="blocks") as progress:
        return streaming_stats(priors, args.draws, seed=args.seed, method=args.method, workers=args.workers,
                               memory_limit=int(args.memory_limit * 2**20), outputs=shown, executor=executor,
                               progress=progress, percentiles=sampled_percentiles(args))


def _in_memory_run(args: argparse.Namespace, priors: Priors, shown: list[str], in_memory: bool) -> int:
    """Simulate into plain arrays (no pandas, no xarray), summarise, then write what the options ask for."""
    from mc.progress import progress_bar
    from mc.results import run_attrs, simulate_arrays, summarise_arrays

    keep_inputs = in_memory or len(shown) > len(priors.model.outputs)
    with progress_bar("mc run", quiet=args.quiet or args.json) as progress:
        arrays = simulate_arrays(priors, args.draws, seed=args.seed, method=args.method, workers=args.workers,
                                 keep_inputs=keep_inputs, progress=progress)
    attrs = run_attrs(priors, args.draws, args.seed, args.method)
    posterior = posterior_of(priors) if getattr(args, "date", None) is not None else None
    if posterior is not None:
        stats, aggregate_se = posterior_stats(arrays, shown, posterior, sampled_percentiles(args), priors.model)
        rows = _rows(stats, priors, aggregate_se)
    else:
        stats = summarise_arrays({n: arrays[n] for n in shown}, sampled_percentiles(args), workers=args.workers)
        rows = _rows(stats, priors)
    if in_memory:
        _write_draws_and_plot(args, arrays, attrs, priors)
    return _emit(args, rows, attrs, priors, posterior=posterior)


def posterior_of(priors: Priors) -> tuple[str, list[float]] | None:
    """The drawn volume input and its posterior draws (chain order) when it is the growth fit's, else None."""
    name = priors.model.volume_input
    if name is None or name not in priors.names or priors[name].distribution.family != "empirical":
        return None
    return name, list(priors[name].distribution.params["values"])


def posterior_stats(arrays, shown: list[str], posterior: tuple[str, list[float]], percentiles,
                    model) -> tuple[dict, dict[str, float]]:
    """Statistics, and the aggregate ratios' errors, that include the growth posterior's own Monte Carlo error.

    Each draw is traced to the posterior draw it used (:func:`mc.volume.posterior_draw_index`)
    and posterior draws are cut into contiguous batches within their chains
    (:func:`mc.volume.posterior_batch`), once; :func:`mc.volume.summary_with_posterior_se`
    and :func:`mc.volume.aggregate_se_with_posterior` take the larger of the
    independent-draw error and the batch-means error.
    """
    from mc.volume import aggregate_se_with_posterior, posterior_batch, posterior_draw_index, summary_with_posterior_se

    name, values = posterior
    batch = posterior_batch(posterior_draw_index(arrays[name], values), len(values))
    return (summary_with_posterior_se({n: arrays[n] for n in shown}, batch, percentiles),
            aggregate_se_with_posterior(arrays, batch, getattr(model, "aggregates", {})))


def _write_draws_and_plot(args: argparse.Namespace, arrays, attrs: dict, priors: Priors) -> None:
    from mc.results import to_dataset

    results = to_dataset(arrays, attrs, priors.model)  # xarray: only --draws-out and --plot need it
    if args.draws_out is not None:
        from mc.export import write_draws

        write_draws(results, args.draws_out, meta=provenance(args, attrs, priors), force=args.force)
    if args.plot is not None:
        from mc.plots.distribution import plot_outputs

        plot_outputs(results, args.plot, outputs=priors.model.headline, as_of=priors.meta.get("as_of"),
                     force=args.force, model=priors.model, date=getattr(args, "date", None))


def _rows(stats: dict, priors: Priors, aggregate_se: dict[str, float] | None = None) -> list[dict]:
    """The tidy table as plain rows, with the model's aggregate rows (as mc.aggregates.with_aggregates adds them).

    `aggregate_se` replaces the standard error of named aggregate rows (see :func:`posterior_stats`).
    """
    from mc.aggregates import aggregate_rows
    from mc.results import table_rows

    rows = table_rows(stats, {n: priors.model.quantity(n).unit for n in stats})
    aggregates = aggregate_rows(rows, priors.model)
    for row in aggregates:
        row["mc_se"] = (aggregate_se or {}).get(row["output"], row["mc_se"])
    return rows + aggregates


def table_outputs(priors: Priors) -> list[str]:
    """The run table's rows: the model's outputs, after its volume input when that is drawn (``--date``)."""
    volume = priors.model.volume_input
    drawn = volume is not None and volume in priors.names and not priors[volume].is_fixed
    return ([volume] if drawn else []) + list(priors.model.outputs)


def _emit(args: argparse.Namespace, rows: list[dict], attrs, priors: Priors, posterior=None) -> int:
    """Print the screen table; --json and --out build the DataFrame (pandas loads only for them)."""
    meta = provenance(args, attrs, priors)
    if posterior is not None:
        meta["mc_se"] = posterior_note(posterior)
    screen = "" if args.quiet or args.json else render(rows, attrs, priors, args, posterior=posterior)
    if args.json or args.out is not None:
        from mc.results import rows_frame
        from mc.workbook import Report

        report = Report(model=priors.model, priors=[priors], figures=[args.plot] if args.plot is not None else [])
        emit_table(chosen_statistics(rows_frame(rows), args), args, screen=screen, meta=meta, report=report)
    elif not args.quiet:
        print(screen)
    if args.draws_out is not None and not (args.quiet or args.json):
        print(f"wrote {args.draws_out}")
    return 0


def posterior_note(posterior: tuple[str, list[float]]) -> str:
    """What the standard errors of a run at a date include (screen footnote and provenance)."""
    from mc.volume import GROWTH_CHAINS, POSTERIOR_BATCHES

    return (f"standard errors include the growth posterior's own Monte Carlo error (batch means over its "
            f"{len(posterior[1]):,} draws: {POSTERIOR_BATCHES} batches within {GROWTH_CHAINS} chains)")


def _cell(text: str) -> str:
    """A table cell right-aligned in 10 characters, and always at least one space from the cell before."""
    return f"{text:>{max(10, len(text) + 1)}}"


def render(rows: list[dict], attrs, priors: Priors, args: argparse.Namespace | None = None, *,
           posterior=None) -> str:
    """The table in display units (亿元, 万 GPUs, %), one output per line."""
    chosen = getattr(args, "percentiles", None)
    stats = SCREEN_STATS if not chosen else (*(f"p{p:g}" for p in chosen), "mean", "sd")
    values = _wide(rows)
    model = priors.model
    lines = [f"mc run: {display_path(attrs['priors_origin'])}, model {model.name}  ({attrs['n_draws']:,} draws, "
             f"method {attrs['method']}, seed {attrs['seed']}{_volume_text(priors)})", ""]
    width = max([21] + [columns(o) + 1 for o in values])
    unit_width = max([17] + [columns(unit(o, model)) + 1 for o in values])
    lines.append(f"{'output':<{width}}{'unit':<{unit_width}}" + "".join(f"{s:>10}" for s in stats))
    for output, row in values.items():
        cells = "".join(_cell(fmt(scaled(output, row[s], model))) for s in stats)
        lines.append(pad(output, width) + pad(unit(output, model), unit_width) + cells)
    key = model.key_output
    p_loss = next((r for r in rows if r["output"] == key and r["statistic"] == "p_negative"), None)
    if p_loss is not None and p_loss["value"] > 0:  # an output that is never negative gets no such line
        lines += ["", f"P({key} < 0) = {p_loss['value']:.4f} ± {p_loss['mc_se']:.4f} (Monte Carlo s.e.)"]
    lines += aggregate_lines(rows, model)
    if attrs["method"] != "mc":  # noqa: SIM102
        lines.append("standard errors assume independent draws: conservative for lhs and sobol")
    if posterior is not None:
        lines.append(posterior_note(posterior))
    if priors.correlation.pairs:
        from mc.correlation import render_achieved
        from mc.sampling import redraw_first_block

        drawn = redraw_first_block(priors, attrs["n_draws"], seed=int(attrs["seed"]), method=attrs["method"])
        lines += render_achieved(priors, drawn)
    return "\n".join(lines)


def _wide(rows: list[dict]) -> dict[str, dict[str, float]]:
    """``{output: {statistic: value}}`` in table order, aggregate rows left out."""
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["statistic"] != "aggregate":
            out.setdefault(r["output"], {})[r["statistic"]] = r["value"]
    return out


def aggregate_lines(rows: list[dict], model) -> list[str]:
    """``aggregate margin E[profit]/E[revenue] = ...`` beside the mean of the per-draw ratio, labelled."""
    lines = []
    for output, (num, den) in getattr(model, "aggregates", {}).items():
        found = {r["statistic"]: r for r in rows if r["output"] == output}
        if "aggregate" not in found:
            continue
        agg, mean = found["aggregate"], found["mean"]
        shown = unit(output, model)
        lines.append(f"aggregate {output} E[{num}]/E[{den}] = {fmt(scaled(output, agg['value'], model))} ± "
                     f"{fmt(scaled(output, agg['mc_se'], model))} {shown} (ratio of means); mean of per-draw "
                     f"{output} = {fmt(scaled(output, mean['value'], model))} {shown}")
    return lines


def _volume_text(priors: Priors) -> str:
    name = priors.model.volume_input
    if name is None or name not in priors.names:
        return ""
    volume = priors[name]
    if volume.is_fixed:
        value = volume.distribution.params["value"]
        return f", {fmt(scaled(name, value, priors.model))} {unit(name, priors.model)}"
    return f", {name} drawn from {volume.source or volume.distribution.family}"
