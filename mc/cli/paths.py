"""The one check of every file a command writes (--out, --plot, --draws-out), before any work."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from mc.errors import InputError
from mc.export import check_writable, infer_format

# Options naming a file the command writes; each goes through check_output_path.
OUTPUT_OPTIONS = {"out": "--out", "plot": "--plot", "draws_out": "--draws-out"}
# Options naming a file the command reads: no output may replace one of them.
INPUT_OPTIONS = {"priors": "PRIORS", "projection": "--projection", "data": "--data", "model": "--model"}
# --draws-out: every input and output per draw, for a quant's own analysis.
DRAWS_SUFFIXES = {".parquet": "Parquet", ".nc": "netCDF"}
PNG_SUFFIXES = {".png": "a PNG figure"}


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
    """Validate every output path option (--out, --plot, --draws-out) before any work, so a bad path costs nothing."""
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
        check_output_path(plot, option="--plot", force=getattr(args, "force", False), suffixes=PNG_SUFFIXES)
