"""Progress on a terminal for long runs (many draws, Sobol designs, growth fits).

A progress report is a plain callback ``progress(done, total)`` that the
long-running function calls after each unit of work (a block of draws, a
model evaluation batch).  Library functions take it as an optional keyword
(default None: no reporting, no cost); the command line makes one with
:func:`progress_bar`, which draws a tqdm bar on stderr only when stderr is a
terminal and the user did not ask for ``--quiet``, so pipes, CI logs and
``--json`` output stay clean.

    with progress_bar("mc run", quiet=args.quiet) as progress:
        results = simulate(priors, n, seed=s, progress=progress)
"""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator, TextIO

ProgressCallback = Callable[[int, int], None]


def wants_progress(*, quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Whether to draw progress: not quiet and `stream` (default stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return not quiet and bool(isatty and isatty())


@contextlib.contextmanager
def progress_bar(label: str, *, quiet: bool = False, unit: str = "draws",
                 stream: TextIO | None = None) -> Iterator[ProgressCallback | None]:
    """A ``progress(done, total)`` callback drawing a bar, or None when not wanted.

    Parameters
    ----------
    label : str
        Shown before the bar (the command or step, e.g. ``"mc run"``).
    quiet : bool
        The user's ``--quiet``: never draw.
    unit : str
        What `done` and `total` count (draws, evaluations, ...).
    stream : file-like, optional
        Where to draw (default stderr); nothing is drawn unless it is a terminal.

    Yields
    ------
    callable or None
        ``progress(done, total)`` with `done` the cumulative count; None when no
        bar is wanted, so callers pass it straight on and pay nothing.
    """
    stream = sys.stderr if stream is None else stream
    if not wants_progress(quiet=quiet, stream=stream):
        yield None
        return
    from tqdm import tqdm  # installed with PyMC; imported only when a bar is drawn

    # 1.2M draws reads better scaled; a handful of runs or steps reads better as integers
    bar = tqdm(desc=label, unit=unit, unit_scale=unit == "draws", file=stream, leave=False, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if done >= total:  # tqdm skips redraws within its minimum interval; always show the end
            bar.refresh()

    try:
        yield progress
    finally:
        bar.close()
