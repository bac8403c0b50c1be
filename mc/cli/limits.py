"""How many draws a command may take, and how large a --draws-out file may be: refused before any work."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from mc.errors import InputError

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
# --draws-out refuses a file larger than this (MiB) unless --draws-out-limit raises it.
DEFAULT_DRAWS_OUT_LIMIT_MIB = 2048


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
        _check_fits_memory(source, n_draws, in_memory_values, available_bytes)
    return n_draws


def _check_fits_memory(source: str, n_draws: int, in_memory_values: int, available_bytes: int | None) -> None:
    """Refuse `n_draws` of `in_memory_values` float64 each above the memory budget, naming the draws that fit."""
    budget = int(MEMORY_SHARE * memory_bytes()) if available_bytes is None else int(available_bytes)
    per_draw = in_memory_values * BYTES_PER_VALUE
    if n_draws * per_draw > budget:
        raise InputError(source, "", f"needs {size_text(n_draws * per_draw)} of memory ({in_memory_values} "
                                     f"values per draw) but {size_text(budget)} is available; at most "
                                     f"{budget // per_draw:,} draws")


def check_draws_out(args: argparse.Namespace, values_per_draw: int, n_draws: int | None = None) -> None:
    """Refuse, before any work, a --draws-out file larger than --draws-out-limit (float64 per value).

    Parameters
    ----------
    args : argparse.Namespace
        With ``draws_out`` (None: nothing to check), ``draws_out_limit`` (MiB)
        and ``draws``.
    values_per_draw : int
        Columns the file holds per draw (inputs, outputs, times years).
    n_draws : int, optional
        Rows of the file; default ``args.draws``.

    Raises
    ------
    InputError
        ``--draws-out FILE: would write about ...``, naming the limit to raise.
    """
    if getattr(args, "draws_out", None) is None:
        return
    n_draws = args.draws if n_draws is None else n_draws
    size = n_draws * values_per_draw * BYTES_PER_VALUE
    limit = args.draws_out_limit * 2**20
    if size > limit:
        raise InputError(f"--draws-out {args.draws_out}", "", f"would write about {size_text(size)} ({n_draws:,} "
                         f"draws x {values_per_draw} values x 8 bytes), above --draws-out-limit "
                         f"{args.draws_out_limit:g} MiB; raise the limit or use fewer --draws")


def size_text(n_bytes: float) -> str:
    """A byte count for people: ``1.5 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n_bytes < 1024 or unit == "TiB":
            return f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} TiB"  # pragma: no cover
