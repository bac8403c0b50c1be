"""What the analysis commands share: their run options, priors, memory check and header.

:mod:`mc.cli.risk` (sensitivity, tails, breakeven), :mod:`mc.cli.stress` and
:mod:`mc.cli.goalseek` build on this module; it imports none of them.
"""
from __future__ import annotations

import argparse

from mc.cli.common import add_draws_out_option, add_output_options, add_sampling_options, iso_date, positive_float
from mc.display import display_path, fmt, scaled
from mc.overrides import add_override_options


def add_volume(p: argparse.ArgumentParser) -> None:
    volume = p.add_mutually_exclusive_group()
    volume.add_argument("--tokens-per-day", type=positive_float, help="fix daily token volume (e.g. 1e14 = 100万亿)")
    volume.add_argument("--date", type=iso_date, help="draw daily tokens from the growth fit's forecast at this date")
    p.add_argument("--curve", default=None, help="growth curve for --date")
    p.add_argument("--data", help="token usage CSV for --date (default priors/token_usage.csv)")


def add_run_options(p: argparse.ArgumentParser, handler, *, draws: int, percentiles: bool | str = False,
                     draws_out: bool = False) -> None:
    """Volume, sampling, override and output options shared by every simulating subcommand, and its handler.

    `percentiles` True adds run's ``--percentiles``; a string adds the same option (same parser and
    messages) with that help, for commands where the percentiles mean something of their own.
    """
    add_volume(p)
    add_sampling_options(p, draws=draws)
    add_override_options(p, percentiles=percentiles is True)
    if isinstance(percentiles, str):
        from mc.overrides import parse_percentiles

        p.add_argument("--percentiles", type=parse_percentiles, default=None, metavar="P,P,...", help=percentiles)
    if draws_out:
        add_draws_out_option(p)
    add_output_options(p)
    p.set_defaults(handler=handler)


def check_memory(args: argparse.Namespace, values_per_draw) -> None:
    """Refuse a draw count whose arrays cannot fit in memory, before any work.

    `values_per_draw(model)` is how many float64 values the command holds per draw.
    """
    from mc.cli.limits import check_draws
    from mc.priors import default_priors_path, load_priors

    model = load_priors(args.priors or default_priors_path()).model
    check_draws(args.draws, in_memory_values=values_per_draw(model), method=args.method)


def all_values(model) -> int:
    return len(model.inputs) + len(model.outputs)


def analysis_priors(args: argparse.Namespace):
    from mc.cli.run import prepare_priors

    priors = prepare_priors(args)
    if getattr(args, "output", "") is None:
        args.output = priors.model.key_output
    if getattr(args, "output", None) is not None and args.output not in priors.model.outputs:
        from mc.errors import InputError

        raise InputError("--output", args.output, f"not an output of model {priors.model.name}; choose from "
                         f"{', '.join(priors.model.outputs)}")
    return priors


def header(command: str, priors, args) -> str:
    return (f"mc {command}: {display_path(priors.origin)}, model {priors.model.name}  ({args.draws:,} draws, "
            f"method {args.method}, seed {args.seed})")


def money(output: str, value: float, model=None) -> str:
    return fmt(scaled(output, value, model))


def analysis_attrs(priors, args: argparse.Namespace) -> dict:
    from mc.results import run_attrs

    return run_attrs(priors, args.draws, args.seed, args.method)
