"""Options and output handling shared by the subcommands (no model logic here)."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from mc.errors import InputError
from mc.export import FORMATS, check_finite, check_writable, infer_format, write_table

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_SEED = 20241218  # the FORCE conference day the report summarises
DEFAULT_DRAWS = 200_000

# Draw-count limits, in one place (see check_draws).
# Streaming (`mc run` without --plot) holds a few blocks at a time, so memory never binds; time does.
# Measured on the 2-core dev machine: about 1e6 draws/s through both streaming passes (8e6 draws in
# 14 s, 2e6 in 8 s), so 1e10 draws is about three hours; beyond that a run does not finish in a working day.
MAX_DRAWS = 10**10
# scipy's Sobol engine (30 bits) generates at most 2**30 distinct points.
MAX_SOBOL_DRAWS = 2**30
# NUTS draws (or tuning steps) per chain for the growth fit: the default is 1000 and a step takes
# milliseconds, so 1e5 is already hours of sampling and a posterior of 1e5 x chains x parameters.
MAX_NUTS_DRAWS = 100_000
# Commands that hold every draw in memory may use at most this share of the machine's memory.
MEMORY_SHARE = 0.8
BYTES_PER_VALUE = 8  # float64


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


def memory_bytes() -> int:
    """Memory this process may use: physical memory, or the container's limit if lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return int(total)


def check_draws(n_draws: int, *, in_memory_values: int = 0, method: str = "mc", option: str = "--draws",
                max_draws: int = MAX_DRAWS, available_bytes: int | None = None) -> int:
    """Refuse, before any work, a draw count that cannot fit in memory or finish.

    Parameters
    ----------
    n_draws : int
        The requested count.
    in_memory_values : int
        float64 values the command holds per draw at once (outputs kept, times
        scenarios or years held together); 0 for streaming commands.
    method : {"mc", "lhs", "sobol"}
        Sobol is limited to :data:`MAX_SOBOL_DRAWS` points.
    option : str
        The option named in the message (``--draws``, ``--tune``, ``--sobol-n``).
    max_draws : int
        The count that would not finish in time (:data:`MAX_DRAWS`, or
        :data:`MAX_NUTS_DRAWS` for the growth fit).
    available_bytes : int, optional
        Memory to fit in; default :data:`MEMORY_SHARE` of :func:`memory_bytes`.

    Returns
    -------
    int
        `n_draws`, unchanged.

    Raises
    ------
    InputError
        One line naming the option, the count and the limit it breaks.
    """
    source = f"{option} {n_draws:,}"
    if n_draws > max_draws:
        raise InputError(source, "", f"more than the limit of {max_draws:,}; the run would not finish")
    if method == "sobol" and n_draws > MAX_SOBOL_DRAWS:
        raise InputError(source, "", f"Sobol sequences have at most 2**30 = {MAX_SOBOL_DRAWS:,} points; "
                                     f"use fewer draws or --method mc")
    if in_memory_values > 0:
        budget = int(MEMORY_SHARE * memory_bytes()) if available_bytes is None else int(available_bytes)
        per_draw = in_memory_values * BYTES_PER_VALUE
        if n_draws * per_draw > budget:
            raise InputError(source, "", f"needs {_size(n_draws * per_draw)} of memory ({in_memory_values} values "
                                         f"per draw) but {_size(budget)} is available; at most "
                                         f"{budget // per_draw:,} draws")
    return n_draws


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


def _size(n_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024 or unit == "TiB":
            return f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} TiB"  # pragma: no cover


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


# Options naming a file the command writes; each goes through check_output_path.
OUTPUT_OPTIONS = {"out": "--out", "plot": "--plot", "draws_out": "--draws-out"}
# Options naming a file the command reads: no output may replace one of them.
INPUT_OPTIONS = {"priors": "PRIORS", "projection": "--projection", "data": "--data", "model": "--model"}


def check_output_path(path: str | os.PathLike, *, option: str, force: bool = False,
                      suffixes: dict[str, str] | None = None, fmt: str | None = None) -> Path:
    """The one check of an output path option, before any work.

    Parameters
    ----------
    path : path-like
        The file to be written.
    option : str
        The option that named it (``"--out"``), for the message.
    force : bool
        Whether an existing file may be replaced.
    suffixes : dict, optional
        Accepted suffixes and what the file is (``{".png": "a PNG"}``); None
        means a table, whose suffix must name a table format unless `fmt` does.
    fmt : str, optional
        The --format given with a table path.

    Raises
    ------
    InputError
        ``--out PATH: what is wrong`` (a directory, an existing file without
        --force, a missing or read-only folder, a folder that is a file, a
        wrong suffix).
    """
    path = check_writable(path, force=force, option=option)
    if suffixes is None and infer_format(path, fmt, option=option) == "csv":  # and its provenance sidecar
        from mc.provenance import sidecar_path

        check_writable(sidecar_path(path), force=force, option=option)
    if suffixes is not None:
        if path.suffix.lower() not in suffixes:
            kinds = " or ".join(dict.fromkeys(suffixes.values()))
            raise InputError(f"{option} {path}", "", f"the file is {kinds}; give a path ending in "
                                                     f"{' or '.join(suffixes)}")
    else:
        infer_format(path, fmt, option=option)
    return path


def check_output_option(args: argparse.Namespace) -> None:
    """Validate every output path option (--out, --plot) before any work, so a bad path costs nothing."""
    force = getattr(args, "force", False)
    if getattr(args, "out", None) is not None:
        check_output_path(args.out, option="--out", force=force, fmt=getattr(args, "format", None))
    check_plot_option(args)
    if getattr(args, "draws_out", None) is not None:
        check_output_path(args.draws_out, option="--draws-out", force=force, suffixes=DRAWS_SUFFIXES)
    _check_distinct_files(args)


def _check_distinct_files(args: argparse.Namespace) -> None:
    """No two outputs on one file, and no output on an input the command reads."""
    named = [(option, Path(getattr(args, attr))) for attr, option in OUTPUT_OPTIONS.items()
             if getattr(args, attr, None) is not None]
    inputs = [(option, Path(value)) for attr, option in INPUT_OPTIONS.items()
              if isinstance(value := getattr(args, attr, None), (str, os.PathLike))]
    for i, (option, path) in enumerate(named):
        for other, other_path in named[i + 1:]:
            if path.resolve() == other_path.resolve():
                raise InputError(f"{other} {other_path}", "", f"is also the {option} file; name two different files")
        for source, input_path in inputs:
            if path.resolve() == input_path.resolve():
                raise InputError(f"{option} {path}", "", f"is the {source} file this command reads; "
                                                         f"name another output file")


def check_plot_option(args: argparse.Namespace) -> None:
    """Validate --plot: a .png path that is new (or --force) in a folder that can be written."""
    plot = getattr(args, "plot", None)
    if plot is not None:
        check_output_path(plot, option="--plot", force=getattr(args, "force", False), suffixes={".png": "a PNG figure"})


def emit_table(df: pd.DataFrame, args: argparse.Namespace, *, screen: str, meta: dict | None = None,
               report=None) -> None:
    """Write the table to --out (honouring --force), print JSON for --json, else print `screen`.

    With `meta` the JSON is ``{"meta": meta, "rows": [...]}`` (provenance first)
    and the file carries it too (see :mod:`mc.provenance`), so every command's
    --json --out goes through this one path. `report` (:class:`mc.workbook.Report`)
    adds the command's sheets, inputs and figures to an .xlsx. A table holding
    a non-finite number is refused before anything is written.
    """
    records = table_records(df) if getattr(args, "json", False) else None
    if getattr(args, "out", None) is not None:
        write_table(df, args.out, fmt=args.format, force=args.force, option="--out", meta=meta, report=report)
    if records is not None:
        payload = records if meta is None else {"meta": dict(meta), **records}
        print(json.dumps(payload, indent=2, default=_json_default))
    elif not getattr(args, "quiet", False):
        print(screen)
        if getattr(args, "out", None) is not None:
            print(f"\nwrote {args.out}")


def table_records(df: pd.DataFrame) -> dict:
    """``{"rows": [...]}`` for JSON; refuses a table with a non-finite value (see :func:`mc.export.check_finite`)."""
    check_finite(df, "--json")
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


# --draws-out: every input and output per draw, for a quant's own analysis.
DRAWS_SUFFIXES = {".parquet": "Parquet", ".nc": "netCDF"}
DEFAULT_DRAWS_OUT_LIMIT_MIB = 2048


def add_draws_out_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--draws-out FILE.parquet|.nc`` and ``--draws-out-limit MIB``."""
    parser.add_argument("--draws-out", type=Path, metavar="FILE",
                        help="write every input and output per draw (.parquet or .nc), base units")
    parser.add_argument("--draws-out-limit", type=positive_float, default=DEFAULT_DRAWS_OUT_LIMIT_MIB, metavar="MIB",
                        help=f"refuse --draws-out above this size (default {DEFAULT_DRAWS_OUT_LIMIT_MIB} MiB)")


def check_draws_out(args: argparse.Namespace, values_per_draw: int, n_draws: int | None = None) -> None:
    """Refuse, before any work, a --draws-out file larger than --draws-out-limit (float64 per value)."""
    if getattr(args, "draws_out", None) is None:
        return
    n_draws = args.draws if n_draws is None else n_draws
    size = n_draws * values_per_draw * BYTES_PER_VALUE
    limit = args.draws_out_limit * 2**20
    if size > limit:
        raise InputError(f"--draws-out {args.draws_out}", "", f"would write about {_size(size)} ({n_draws:,} draws x "
                         f"{values_per_draw} values x 8 bytes), above --draws-out-limit {args.draws_out_limit:g} MiB; "
                         f"raise the limit or use fewer --draws")


def command_line(args: argparse.Namespace) -> str:
    """The command as it ran, every option spelled out (defaults included), for provenance."""
    import shlex

    names = {"start": "--from", "stop": "--to", "overrides": "--set", "grid": "--grid", "scenario": "--scenario"}
    words = ["mc", str(getattr(args, "command", "") or "")]
    for key, value in vars(args).items():
        if key in ("handler", "command", "json", "quiet") or value is None or value is False or value == []:
            continue
        if key in ("priors", "scenarios"):  # positionals
            words += [str(v) for v in (value if isinstance(value, list) else [value])]
            continue
        option = names.get(key, "--" + key.replace("_", "-"))
        if value is True:
            words.append(option)
        elif isinstance(value, list) and key in names:
            for v in value:
                words += [option, _word(v)]
        else:
            words += [option, _word(value)]
    return " ".join(shlex.quote(w) for w in words if w)


def _word(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_word(v) for v in value) if all(isinstance(v, (int, float)) for v in value) \
            else " ".join(_word(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(getattr(value, "text", None) or (value.isoformat() if isinstance(value, date) else value))


def provenance(args: argparse.Namespace, attrs: dict, priors=None) -> dict:
    """The run's attributes plus the command, the volume, the overrides and the percentiles tabulated."""
    from mc.overrides import overrides_text

    meta = {"command": command_line(args), **dict(attrs)}
    volume = volume_text(args, priors)
    if volume:
        meta["volume"] = volume
    if getattr(args, "overrides", None):
        meta["overrides"] = overrides_text(args.overrides)
    if getattr(args, "percentiles", None):
        meta["percentiles"] = ",".join(f"{p:g}" for p in args.percentiles)
    return meta


def volume_text(args: argparse.Namespace, priors=None) -> str:
    """What set the volume: --tokens-per-day, --date, or the priors' own volume input."""
    if getattr(args, "tokens_per_day", None) is not None:
        return f"tokens_per_day = {args.tokens_per_day:g} (--tokens-per-day)"
    if getattr(args, "date", None) is not None:
        return f"growth fit forecast at {args.date.isoformat()} (curve {getattr(args, 'curve', None) or 'default'})"
    model = getattr(priors, "model", None)
    name = getattr(model, "volume_input", None)
    if priors is not None and name in getattr(priors, "names", ()):
        a = priors[name]
        return (f"{name} = {a.distribution.params['value']:g} (priors)" if a.is_fixed
                else f"{name} ~ {a.distribution.family} (priors)")
    return ""


def sampled_percentiles(args: argparse.Namespace, screen: tuple = ()) -> tuple[float, ...]:
    """The percentiles to compute: --percentiles (default mc.stats.PERCENTILES) and any the screen needs."""
    from mc.stats import PERCENTILES

    chosen = getattr(args, "percentiles", None) or PERCENTILES
    return tuple(sorted(set(chosen) | set(screen)))


def chosen_statistics(table: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """The table's rows for --percentiles (and mean, sd, p_negative); unchanged without the option."""
    chosen = getattr(args, "percentiles", None)
    if not chosen:
        return table
    keep = {f"p{p:g}" for p in chosen} | {"mean", "sd", "p_negative"}
    stat = table["statistic"].astype(str)
    return table[~stat.str.match(r"^p\d") | stat.isin(keep)].reset_index(drop=True)
