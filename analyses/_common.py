"""What every study shares: its command line, its output folder, and how it writes.

Each study is ``python analyses/<name>.py OUTDIR [--draws N] [--quick] [--seed S]
[--force] [--quiet]`` and declares the files it writes up front, so an existing
file is refused before any work is done (not after minutes of sampling), and a
test can check that exactly those files appear.  Tables are written twice, as
CSV and XLSX, in base units (CNY, tokens, GPUs); figures as PNG; every file
atomically through :mod:`mc.export`.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout without installing
    sys.path.insert(0, str(ROOT))

from mc.cli.common import DEFAULT_SEED, nonnegative_int, positive_int  # noqa: E402
from mc.errors import InputError  # noqa: E402
from mc.export import check_writable, write_table  # noqa: E402

TABLE_FORMATS = ("csv", "xlsx")


@dataclass
class OutDir:
    """The study's output folder and the files it may write.

    Parameters
    ----------
    path : Path
        The folder (created if missing).
    tables : sequence of str
        Table stems; each is written as ``<stem>.csv`` and ``<stem>.xlsx``.
    figures : sequence of str
        Figure stems; each is written as ``<stem>.png``.
    force : bool
        Overwrite existing files.
    """

    path: Path
    tables: Sequence[str]
    figures: Sequence[str]
    force: bool = False
    written: list[Path] = field(default_factory=list)

    @property
    def planned(self) -> list[Path]:
        """Every file the study will write."""
        names = [f"{t}.{fmt}" for t in self.tables for fmt in TABLE_FORMATS] + [f"{f}.png" for f in self.figures]
        return [self.path / n for n in names]

    def check(self) -> None:
        """Create the folder and refuse, before any work, files that exist (unless force)."""
        if self.path.exists() and not self.path.is_dir():
            raise InputError(str(self.path), "", "OUTDIR is a file, not a folder")
        self.path.mkdir(parents=True, exist_ok=True)
        for target in self.planned:
            check_writable(target, force=self.force)

    def table(self, df: pd.DataFrame, stem: str) -> None:
        """Write `df` as ``<stem>.csv`` and ``<stem>.xlsx``."""
        self._declared(stem, self.tables)
        for fmt in TABLE_FORMATS:
            self.written.append(write_table(df, self.path / f"{stem}.{fmt}", force=self.force))

    def figure(self, fig, stem: str) -> None:
        """Write a matplotlib figure as ``<stem>.png`` (and close it)."""
        from mc.plots.style import save_png

        self._declared(stem, self.figures)
        self.written.append(save_png(fig, self.path / f"{stem}.png", force=self.force))

    def figure_path(self, stem: str) -> Path:
        """The declared ``<stem>.png`` path, for plotting functions that write their own file."""
        self._declared(stem, self.figures)
        path = self.path / f"{stem}.png"
        self.written.append(path)
        return path

    @staticmethod
    def _declared(stem: str, allowed: Sequence[str]) -> None:
        if stem not in allowed:  # a study writing an undeclared file would dodge the up-front check
            raise ValueError(f"{stem!r} is not declared; add it to the study's TABLES or FIGURES")


def parser(description: str, *, draws: int, quick_draws: int) -> argparse.ArgumentParser:
    """The command line every study takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("outdir", type=Path, metavar="OUTDIR", help="folder for the tables (CSV, XLSX) and figures (PNG)")
    p.add_argument("--draws", type=positive_int, help=f"Monte Carlo draws (default {draws:,}; {quick_draws:,} "
                                                      "with --quick)")
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke test (seconds, not minutes)")
    p.add_argument("--seed", type=nonnegative_int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--force", action="store_true", help="overwrite existing files in OUTDIR")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(full_draws=draws, quick_draws=quick_draws)
    return p


def n_draws(args: argparse.Namespace) -> int:
    """--draws if given, else the study's quick or full default."""
    return args.draws or (args.quick_draws if args.quick else args.full_draws)


def say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, flush=True)


Plan = Sequence[str] | Callable[[argparse.Namespace], Sequence[str]]


def main(study: Callable[[argparse.Namespace, OutDir], None], description: str, *, tables: Plan, figures: Plan,
         draws: int, quick_draws: int, options: Callable[[argparse.ArgumentParser], None] | None = None,
         argv: Sequence[str] | None = None) -> int:
    """Parse the command line, check OUTDIR, run `study`, report; exit 2 on bad input.

    Parameters
    ----------
    study : callable
        ``study(args, out)``: does the work and writes through `out`.
    description : str
        The study's one-line summary for ``--help``.
    tables, figures : sequence of str, or callable
        The stems the study writes, or a function of the parsed arguments
        returning them (when options change what is written).
    draws, quick_draws : int
        Default draws without and with ``--quick``.
    options : callable, optional
        Adds study-specific options to the parser.
    argv : sequence of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code (0, or 2 with one line on stderr naming the bad input).
    """
    p = parser(description, draws=draws, quick_draws=quick_draws)
    if options is not None:
        options(p)
    args = p.parse_args(argv)
    planned = [plan(args) if callable(plan) else plan for plan in (tables, figures)]
    out = OutDir(args.outdir, *planned, force=args.force)
    try:
        out.check()
        study(args, out)
    except InputError as exc:
        print(f"{Path(sys.argv[0]).name}: error: {exc}", file=sys.stderr)
        return 2
    say(args, f"wrote {len(out.written)} files to {out.path}")
    return 0
