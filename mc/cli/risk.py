"""`mc sensitivity`, `mc tails`, `mc goalseek`, `mc breakeven`: risk analysis commands (`mc stress`: mc.cli.stress).

A thin layer over mc.sensitivity, mc.tails and mc.goalseek (shared set-up: mc.cli.analysis); heavy
modules are imported inside the handlers so `mc --help` stays fast.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from mc.cli.analysis import add_run_options, all_values, analysis_priors, check_memory, header, money
from mc.cli.common import add_output_options, positive_int
from mc.cli.emit import emit_table, json_default, provenance, say_wrote, table_records
from mc.cli.limits import check_draws_out
from mc.cli.paths import check_output_option
from mc.display import columns, display_path, fmt, pad, unit


def _finite(text: str) -> float:
    import math

    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be finite")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must lie strictly between 0 and 1")
    return value


def _analysis_parser(subparsers, name: str, help_: str, output_help: str) -> argparse.ArgumentParser:
    """A subcommand on one priors file and one output (its own options follow)."""
    p = subparsers.add_parser(name, help=help_, allow_abbrev=False)
    p.add_argument("priors", nargs="?", help="priors TOML (default priors/base.toml)")
    p.add_argument("--output", default=None, help=output_help)
    return p


def register(subparsers) -> None:
    _register_sensitivity(subparsers)
    _register_tails(subparsers)
    _register_goalseek(subparsers)
    _register_breakeven(subparsers)


def _register_sensitivity(subparsers) -> None:
    p = _analysis_parser(subparsers, "sensitivity", "rank correlation, tornado and Sobol indices per input",
                         "output analysed (default the model's key output, e.g. margin)")
    p.add_argument("--sobol-n", type=positive_int, default=4096, help="Sobol base sample N (runs N(d+2); default 4096)")
    p.add_argument("--no-sobol", action="store_true", help="skip the Sobol indices")
    p.add_argument("--plot", type=Path, help="write the tornado chart as PNG here")
    from mc.cli.cluster import add_cluster_option

    add_cluster_option(p)
    add_run_options(p, handle_sensitivity, draws=50_000, draws_out=True,
                     percentiles="the two percentiles each input is set to in the tornado, e.g. 5,95 "
                                 "(default 10,90)")


def _register_tails(subparsers) -> None:
    p = _analysis_parser(subparsers, "tails", "inputs in an output's bad tail, and its CVaR",
                         "output whose tail (default the model's key output, e.g. margin)")
    p.add_argument("--tail", type=_probability, default=0.1, help="share of worst draws (default 0.1)")
    p.add_argument("--plot", type=Path, help="write the output's histogram and CDF (PNG)")
    add_run_options(p, handle_tails, draws=200_000, draws_out=True,
                     percentiles="also tabulate these percentiles of each input over all draws and in the "
                                 "tail, e.g. 5,50,95 (columns p5_all, p5_tail, ...)")


def _register_goalseek(subparsers) -> None:
    p = _analysis_parser(subparsers, "goalseek", "solve for an assumption at which a statistic hits a target",
                         "output whose statistic hits the target (default the model's key output)")
    p.add_argument("--assumption", required=True, help="input to solve for, e.g. price_cny_per_m_tokens")
    p.add_argument("--statistic", default="p50", help="p1..p99, mean, sd or p_negative (default p50)")
    p.add_argument("--target", type=_finite, default=0.0,
                   help="target in the unit the screen shows for the output (e.g. %% for margin, 亿元/yr for "
                        "revenue; a probability for p_negative); default 0")
    p.add_argument("--lo", type=float, help="lower end of the search interval")
    p.add_argument("--hi", type=float, help="upper end of the search interval")
    p.add_argument("--mode", choices=("fix", "scale"), default="fix",
                   help="fix the input at each trial value, or scale its draws to that median (default fix)")
    p.add_argument("--batches", type=positive_int, default=10, help="batches for the standard error (default 10)")
    p.add_argument("--plot", type=Path, help="write the statistic against the assumption and the output's CDF "
                                             "at the solution (PNG)")
    add_run_options(p, handle_goalseek, draws=100_000,
                     percentiles="also tabulate these percentiles of the output at the solution, e.g. 5,50,95 "
                                 "(columns <output>_p5, ...)")


def _register_breakeven(subparsers) -> None:
    p = subparsers.add_parser("breakeven", allow_abbrev=False, help="each input's value at which an output (default margin) is 0")
    p.add_argument("priors", nargs="?", help="priors TOML (default priors/guosen_2024.toml; medians if uncertain)")
    p.add_argument("--output", default=None, help="output solved for (default the model's key output, e.g. margin)")
    p.add_argument("--target", type=float, default=0.0, help="target value in the output's base unit (default 0)")
    add_output_options(p)
    p.set_defaults(handler=handle_breakeven)


def handle_sensitivity(args: argparse.Namespace) -> int:
    low, high = _check_sensitivity(args)
    priors = analysis_priors(args)
    if not priors.uncertain:
        from mc.errors import InputError

        raise InputError(priors.origin, "assumptions", "every assumption is fixed: sensitivity needs an uncertain one")
    results, rank, torn, sobol = _sensitivity_analyses(args, priors, (low, high))
    from mc.sensitivity import sensitivity_table

    table = sensitivity_table(rank, torn, sobol, args.output, {n: q.unit for n, q in priors.model.inputs.items()})
    if args.plot is not None:
        _tornado_plot(args, priors, torn, (low, high))
    meta = _write_draws(args, results, priors)
    from mc.workbook import Report

    report = Report(model=priors.model, priors=[priors], sheets={"Sensitivity": table},
                    figures=[args.plot] if args.plot is not None else [])
    emit_table(table, args, screen=render_sensitivity(rank, torn, sobol, priors, args), meta=meta, report=report)
    say_wrote(args, args.plot, args.draws_out)
    return 0


def _check_sensitivity(args: argparse.Namespace) -> tuple[float, float]:
    """Every option of `mc sensitivity` checked before work; the tornado's two percentiles."""
    from mc.cli.cluster import check_cluster_option

    check_output_option(args)  # --out, --plot and --draws-out
    low, high = tornado_percents(args)
    check_memory(args, all_values)
    _check_sobol_and_draws_out(args)
    check_cluster_option(args)  # a malformed --cluster (or MC_CLUSTER) fails before work
    return low, high


def _sensitivity_analyses(args: argparse.Namespace, priors, percents: tuple[float, float]):
    """The run's draws, rank correlations, tornado and Sobol indices (None with --no-sobol), with progress."""
    from mc.cli.cluster import cluster_from_args
    from mc.progress import progress_bar
    from mc.results import simulate
    from mc.sensitivity import rank_correlations, sobol_indices, tornado

    low, high = percents
    steps = 2 + (not args.no_sobol)  # draws and rank correlations, tornado, Sobol
    # on a cluster every run's blocks go to the workers (the whole draws come back: ranks need them);
    # the Sobol design is evaluated here
    with cluster_from_args(args), \
            progress_bar("mc sensitivity", quiet=args.quiet or args.json, unit="steps") as progress:
        tick = progress or (lambda done, total: None)
        results = simulate(priors, args.draws, seed=args.seed, method=args.method)
        rank = rank_correlations(results, priors)
        tick(1, steps)
        torn = tornado(priors, args.output, n_draws=args.draws, seed=args.seed, method=args.method, results=results,
                       low=low / 100, high=high / 100)
        tick(2, steps)
        sobol = None if args.no_sobol else sobol_indices(priors, args.output, n_base=args.sobol_n, seed=args.seed)
        tick(steps, steps)
    return results, rank, torn, sobol


def _tornado_plot(args: argparse.Namespace, priors, torn, percents: tuple[float, float]) -> None:
    """The sensitivity tornado (discrete inputs marked) with the run in its title."""
    from mc.plots.tornado import discrete_inputs, save_tornado

    as_of = priors.meta.get("as_of", "")
    title = (f"Tornado: median {args.output}, each input at p{percents[0]:g} / p{percents[1]:g}\n"
             f"{Path(priors.origin).name}{' as of ' + str(as_of) if as_of else ''}, {args.draws:,} draws, "
             f"seed {args.seed}")
    save_tornado(torn, args.output, args.plot, title=title, force=args.force, model=priors.model,
                 discrete=discrete_inputs(priors), percents=percents)


def tornado_percents(args: argparse.Namespace) -> tuple[float, float]:
    """The tornado's two percentiles from --percentiles (default 10, 90), checked before any work."""
    chosen = getattr(args, "percentiles", None)
    if not chosen:
        return 10.0, 90.0
    if len(chosen) != 2:
        from mc.errors import InputError

        raise InputError("--percentiles", ",".join(f"{p:g}" for p in chosen),
                         "mc sensitivity sets each input to two percentiles, low and high, e.g. 5,95")
    return float(chosen[0]), float(chosen[1])


def _check_sobol_and_draws_out(args: argparse.Namespace) -> None:
    """--sobol-n runs N(d+2) model evaluations held in memory; --draws-out must fit its size limit."""
    from mc.cli.limits import check_draws
    from mc.priors import default_priors_path, load_priors

    model = load_priors(args.priors or default_priors_path()).model
    d = len(model.inputs)
    if not getattr(args, "no_sobol", True):
        check_draws(args.sobol_n * (d + 2), option="--sobol-n", in_memory_values=d + 1)
    check_draws_out(args, all_values(model))


def _write_draws(args: argparse.Namespace, results, priors) -> dict:
    """The provenance of this run; with --draws-out, every draw written with it."""
    meta = provenance(args, results.attrs, priors)
    if getattr(args, "draws_out", None) is not None:
        from mc.export import write_draws

        write_draws(results, args.draws_out, meta=meta, force=args.force)
    return meta


def render_sensitivity(rank, torn, sobol, priors, args) -> str:
    out, model = args.output, priors.model
    low, high = tornado_percents(args)
    shown = [o for o in model.headline if o in set(rank["output"])]
    rho = rank.pivot(index="input", columns="output", values="spearman")
    lines = [header("sensitivity", priors, args), "",
             f"tornado: median {out} ({unit(out, model)}) = {money(out, torn['base'].iloc[0], model)} with nothing "
             "fixed; "
             "Spearman rho with outputs; Sobol indices (95% CI half-width)",
             f"{'input':<24}{'at p' + format(low, 'g'):>10}{'at p' + format(high, 'g'):>10}{'swing':>10}"
             + "".join(pad('rho ' + o.split('_')[0], 13, ">") for o in shown)
             + ("" if sobol is None else f"{'S1':>15}{'ST':>15}")]
    s = None if sobol is None else sobol.table.set_index("input")
    for r in torn.itertuples():
        cells = "".join(f"{rho.loc[r.input, o]:>13.3f}" for o in shown)
        sob = "" if s is None else (f"{s.loc[r.input, 'S1']:>8.3f}±{s.loc[r.input, 'S1_conf']:<6.3f}"
                                   f"{s.loc[r.input, 'ST']:>8.3f}±{s.loc[r.input, 'ST_conf']:<6.3f}")
        lines.append(pad(r.input, 24) + f"{money(out, r.output_at_low, model):>10}"
                     f"{money(out, r.output_at_high, model):>10}{money(out, r.swing, model):>10}{cells}{sob}")
    if sobol is not None:
        lines.append(f"\nSobol: SALib design, N = {sobol.n_base:,}; inputs treated as independent")
    return "\n".join(lines)


def handle_tails(args: argparse.Namespace) -> int:
    from mc.results import simulate
    from mc.tails import tail_drivers, tail_expectations

    check_output_option(args)
    check_memory(args, all_values)
    _check_sobol_and_draws_out(args)
    priors = analysis_priors(args)
    results = simulate(priors, args.draws, seed=args.seed, method=args.method)
    drivers = _with_percentiles(tail_drivers(results, priors, args.output, tail=args.tail), results, args, model=priors.model)
    model = priors.model
    cvar = tail_expectations(results, tuple(dict.fromkeys((args.output, *model.headline))), tail=args.tail,
                             model=model)
    meta = _write_draws(args, results, priors)
    if args.plot is not None:
        from mc.plots.distribution import plot_outputs

        plot_outputs(results, args.plot, outputs=[args.output], as_of=priors.meta.get("as_of"), force=args.force,
                     model=model)
    from mc.workbook import Report

    report = Report(model=model, priors=[priors], sheets={"Tail drivers": drivers, "CVaR": cvar},
                    figures=[args.plot] if args.plot is not None else [])
    if args.json:
        return _print_tails_json(args, drivers, cvar, meta, report)
    emit_table(drivers, args, screen=render_tails(drivers, cvar, priors, args), meta=meta, report=report)
    say_wrote(args, args.plot, args.draws_out)
    return 0


def _print_tails_json(args: argparse.Namespace, drivers, cvar, meta: dict, report) -> int:
    """--json: the drivers and the CVaR table on stdout (and the drivers in --out)."""
    if args.out is not None:
        from mc.export import write_table

        write_table(drivers, args.out, fmt=args.format, force=args.force, option="--out", meta=meta, report=report)
    payload = {"meta": meta, "drivers": table_records(drivers)["rows"], "cvar": table_records(cvar)["rows"]}
    print(json.dumps(payload, indent=2, default=json_default))
    return 0


def render_tails(drivers, cvar, priors, args: argparse.Namespace) -> str:
    """The screen of `mc tails`: each input's shift in the output's bad tail, then VaR and CVaR per output."""
    from mc.tails import bad_side

    model = priors.model
    side = "lowest" if bad_side(args.output, model) == "low" else "highest"
    lines = [header("tails", priors, args), "",
             f"inputs in the {side} {100 * args.tail:g}% of {args.output} vs all draws (KS: tail vs the rest)",
             f"{'input':<24}{'unit':<24}{'median all':>12}{'median tail':>13}{'shift/sd':>10}{'KS D':>8}"]
    for r in drivers.itertuples():
        lines.append(pad(r.input, 24) + pad(r.unit, 24) + f"{fmt(r.median_all):>12}{fmt(r.median_tail):>13}"
                     f"{r.shift_sd:>10.2f}{r.ks_statistic:>8.3f}")
    lines += ["", f"conditional tail expectation (CVaR) over the worst {100 * args.tail:g}%:"]
    for r in cvar.itertuples():
        lines.append(f"  {pad(r.output, 22)} VaR {money(r.output, r.var, model):>9}  "
                     f"CVaR {money(r.output, r.cvar, model):>9} ± {money(r.output, r.mc_se, model)} "
                     f"{unit(r.output, model)}")
    return "\n".join(lines)


def _with_percentiles(drivers, results, args: argparse.Namespace, model):
    """With --percentiles, each input's percentiles over all draws (``p5_all``) and in the tail (``p5_tail``)."""
    if not getattr(args, "percentiles", None):
        return drivers
    import numpy as np

    from mc.stats import quantiles_with_se
    from mc.tails import bad_side, tail_mask

    mask = tail_mask(results[args.output].values, args.tail, bad_side(args.output, model))
    probs = np.array(args.percentiles) / 100
    columns = {}
    for name in drivers["input"]:
        x = results[name].values
        columns[name] = [*quantiles_with_se(x, probs)[0], *quantiles_with_se(x[mask], probs)[0]]
    labels = [f"p{p:g}_all" for p in args.percentiles] + [f"p{p:g}_tail" for p in args.percentiles]
    extra = np.array([columns[n] for n in drivers["input"]]).reshape(len(drivers), len(labels))
    return drivers.assign(**{label: extra[:, i] for i, label in enumerate(labels)})


def handle_goalseek(args: argparse.Namespace) -> int:
    """`mc goalseek` (in :mod:`mc.cli.goalseek`, which builds on this module's helpers)."""
    from mc.cli.goalseek import handle

    return handle(args)


def handle_breakeven(args: argparse.Namespace) -> int:
    from mc.goalseek import breakeven, point_output
    from mc.priors import PRIORS_DIR, load_priors

    check_output_option(args)
    priors = load_priors(args.priors or PRIORS_DIR / "guosen_2024.toml")
    model = priors.model
    out = args.output or model.key_output
    table = breakeven(priors, out, args.target)
    at_point = point_output(priors, out)
    width = max(24, *(columns(n) + 2 for n in model.inputs))
    lines = [f"mc breakeven: {display_path(priors.origin)}, model {model.name}  ({out} at the point values "
             f"{money(out, at_point, model)} {unit(out, model)})", "",
             f"each input's value at which {out} = {args.target:g}, the others at their point values (root finding)",
             f"{'input':<{width}}{'unit':<16}{'point':>12}{'breakeven':>12}{'change':>9}  {out} > {args.target:g} when"]
    for r in table.itertuples():
        cancels = r.above_target_when.startswith("independent")
        be = "cancels" if cancels else ("none" if not r.feasible else fmt(r.breakeven_value))
        change = "" if r.change_pct != r.change_pct else f"{r.change_pct:+.1f}%"
        flag = ""
        lines.append(pad(r.input, width) + pad(r.unit, 16) + f"{fmt(r.point_value):>12}{be:>12}{change:>9}  "
                     f"{r.above_target_when}{flag}")
    from mc import __version__

    attrs = {"priors_origin": priors.origin, "priors_hash": priors.hash, "model": model.name,
             "model_origin": model.origin, "model_hash": model.hash, "mc_version": __version__}
    emit_table(table, args, screen="\n".join(lines), meta=provenance(args, attrs, priors))
    return 0
