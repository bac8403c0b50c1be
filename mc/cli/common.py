"""Argument types and the option groups the subcommands share (no model logic here).

Output paths are checked in :mod:`mc.cli.paths`, draw counts in :mod:`mc.cli.limits`, and tables are
printed or written by :mod:`mc.cli.emit`.
"""
from __future__ import annotations

import argparse
import math
from datetime import date
from pathlib import Path

from mc.cli.limits import DEFAULT_DRAWS_OUT_LIMIT_MIB, MAX_DRAWS, MAX_NUTS_DRAWS, check_draws
from mc.export import FORMATS

DEFAULT_SEED = 20241218  # the FORCE conference day the report summarises
DEFAULT_DRAWS = 200_000


def positive_int(text: str) -> int:
    try:
        number = float(text) if "e" in text.lower() else int(text)
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        value = int(number)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def draw_count(text: str) -> int:
    """A --draws value: a positive integer (``2e5`` allowed) no larger than :data:`MAX_DRAWS`."""
    value = positive_int(text)
    if value > MAX_DRAWS:
        raise argparse.ArgumentTypeError(f"{text!r} is more than the limit of {MAX_DRAWS:,} draws "
                                         f"(about three hours of streaming at 1e6 draws/s)")
    return value


def nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date YYYY-MM-DD") from None


def check_sampling_options(args: argparse.Namespace) -> None:
    """The limits every command's --draws (and --method, --tune) share, checked by `mc` before any handler runs.

    Monte Carlo commands (those with --method) get :data:`MAX_DRAWS` and the
    Sobol limit; growth-fit commands (those with --tune: NUTS draws and tuning
    steps per chain) get :data:`MAX_NUTS_DRAWS`. Memory depends on what a
    command keeps, so commands that hold draws in memory call
    :func:`check_draws` with their ``in_memory_values`` as well.
    """
    n_draws = getattr(args, "draws", None)
    if isinstance(getattr(args, "tune", None), int):
        check_draws(args.tune, option="--tune", max_draws=MAX_NUTS_DRAWS)
        if isinstance(n_draws, int):
            check_draws(n_draws, max_draws=MAX_NUTS_DRAWS)
    elif isinstance(n_draws, int) and isinstance(getattr(args, "method", None), str):
        check_draws(n_draws, method=args.method)


def add_sampling_options(parser: argparse.ArgumentParser, *, draws: int = DEFAULT_DRAWS) -> None:
    parser.add_argument("--draws", type=draw_count, default=draws,
                        help=f"Monte Carlo draws (default {draws:,}; at most {MAX_DRAWS:,})")
    parser.add_argument("--seed", type=nonnegative_int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--method", choices=("mc", "lhs", "sobol"), default="mc",
                        help="plain Monte Carlo, Latin hypercube or scrambled Sobol (default mc)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="write the table here (format from suffix or --format)")
    parser.add_argument("--format", choices=FORMATS, help="table format for --out")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    parser.add_argument("--json", action="store_true", help="print the table as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress or summary on screen")


def add_draws_out_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--draws-out FILE.parquet|.nc`` and ``--draws-out-limit MIB``."""
    parser.add_argument("--draws-out", type=Path, metavar="FILE",
                        help="write every input and output per draw (.parquet or .nc), base units")
    parser.add_argument("--draws-out-limit", type=positive_float, default=DEFAULT_DRAWS_OUT_LIMIT_MIB, metavar="MIB",
                        help=f"refuse --draws-out above this size (default {DEFAULT_DRAWS_OUT_LIMIT_MIB} MiB)")
