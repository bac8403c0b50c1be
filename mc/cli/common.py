"""Options and output handling shared by the subcommands (no model logic here)."""
from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from mc.errors import InputError
from mc.export import FORMATS, check_writable, infer_format, write_table

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_SEED = 20241218  # the FORCE conference day the report summarises
DEFAULT_DRAWS = 200_000


def positive_int(text: str) -> int:
    try:
        value = int(float(text)) if "e" in text.lower() else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
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


def add_sampling_options(parser: argparse.ArgumentParser, *, draws: int = DEFAULT_DRAWS) -> None:
    parser.add_argument("--draws", type=positive_int, default=draws, help=f"Monte Carlo draws (default {draws:,})")
    parser.add_argument("--seed", type=nonnegative_int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--method", choices=("mc", "lhs", "sobol"), default="mc",
                        help="plain Monte Carlo, Latin hypercube or scrambled Sobol (default mc)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="write the table here (format from suffix or --format)")
    parser.add_argument("--format", choices=FORMATS, help="table format for --out")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    parser.add_argument("--json", action="store_true", help="print the table as JSON on stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress or summary on screen")


def check_output_option(args: argparse.Namespace) -> None:
    """Validate --out (and --plot, where the command has it) before any work, so a bad path costs nothing."""
    if getattr(args, "out", None) is not None:
        infer_format(args.out, args.format)
        check_writable(args.out, force=args.force)
    check_plot_option(args)


def check_plot_option(args: argparse.Namespace) -> None:
    """Validate --plot: a .png path that is new (or --force) in a folder that exists."""
    plot = getattr(args, "plot", None)
    if plot is not None:
        if Path(plot).suffix.lower() != ".png":
            raise InputError(str(plot), "--plot", "the figure is a PNG; give a path ending in .png")
        check_writable(plot, force=getattr(args, "force", False))


def emit_table(df: pd.DataFrame, args: argparse.Namespace, *, screen: str) -> None:
    """Write the table to --out, print JSON for --json, else print `screen`."""
    if getattr(args, "out", None) is not None:
        write_table(df, args.out, fmt=args.format, force=args.force)
    if getattr(args, "json", False):
        print(json.dumps(table_records(df), indent=2, default=_json_default))
    elif not getattr(args, "quiet", False):
        print(screen)
        if getattr(args, "out", None) is not None:
            print(f"\nwrote {args.out}")


def table_records(df: pd.DataFrame) -> dict:
    return {"rows": [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]}


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_default(value):
    if hasattr(value, "item"):
        return _clean(value.item())
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def fail(source: str, field: str, problem: str) -> None:
    raise InputError(source, field, problem)


def stderr(message: str) -> None:
    print(message, file=sys.stderr)
