"""Sweeps: a grid of fixed input values (crossed with scenarios), one streamed run per cell.

Every cell is a run of the priors with the grid's inputs fixed at the cell's
values (and the cell's scenario applied), with the same seed: common random
numbers, so differences between cells come from the grid, not from sampling
noise. Each cell's table is exactly the table of the corresponding single run
(:func:`mc.streaming.summarise_streaming`, equal to ``summarise(simulate(...))``);
its blocks run on threads or on a Dask cluster (:mod:`mc.executor`).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from mc.errors import InputError
from mc.stats import PERCENTILES
from mc.priors import Priors
from mc.results import simulate, summarise
from mc.stats import STATISTICS

MAX_CELLS = 10_000
SCENARIO = "scenario"
BASE = "base"


@dataclass(frozen=True)
class Grid:
    """One swept input: its name and the values it is fixed at (base units)."""

    name: str
    values: tuple[float, ...]


def parse_grid(text: str, inputs: Iterable[str], option: str = "--grid") -> Grid:
    """``NAME=LO:HI:N`` as a :class:`Grid` of ``numpy.linspace(LO, HI, N)``.

    Raises
    ------
    InputError
        A malformed value, an unknown input (naming the model's inputs), non-finite
        ends or N < 1.
    """
    name, eq, spec = text.partition("=")
    parts = spec.split(":")
    source = f"{option} {text}"
    if not eq or not name or len(parts) != 3:
        raise InputError(source, "", "expected NAME=LO:HI:N, e.g. price_cny_per_m_tokens=0.5:3:11")
    inputs = list(inputs)
    if name not in inputs:
        raise InputError(source, name, f"not an input of the priors' model; choose from {', '.join(inputs)}")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise InputError(source, name, "LO and HI must be numbers and N an integer") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or n < 1:
        raise InputError(source, name, "LO and HI must be finite and N at least 1")
    return Grid(name, tuple(float(v) for v in np.linspace(lo, hi, n)))


def sweep_cells(priors: Priors, grids: Sequence[Grid], scenarios: Sequence = ()) -> list[tuple[dict, Priors]]:
    """Every cell's labels (``{"scenario": ..., input: value, ...}``) and priors, validated before any run."""
    names = [g.name for g in grids]
    if len(set(names)) != len(names):
        raise InputError("--grid", next(n for n in names if names.count(n) > 1), "swept twice; give it once")
    runs = [(BASE, priors)] + [(s.name, s.apply(priors)) for s in scenarios]
    count = len(runs) * math.prod(len(g.values) for g in grids)
    if count > MAX_CELLS:
        raise InputError("--grid", "", f"{count:,} cells is more than the limit of {MAX_CELLS:,}")
    cells = []
    for (scenario, base), values in itertools.product(runs, itertools.product(*(g.values for g in grids))):
        p = base
        for name, value in zip(names, values):
            p = p.with_fixed(name, value, source="--grid")
        cells.append(({SCENARIO: scenario, **dict(zip(names, values))}, p))
    return cells


def sweep(priors: Priors, grids: Sequence[Grid], n_draws: int, *, scenarios: Sequence = (), seed: int = 0,
          method: str = "mc", workers: int = 1, outputs: Iterable[str] | None = None, executor=None,
          progress=None, percentiles=PERCENTILES, on_run=None) -> pd.DataFrame:
    """Run every cell with common random numbers; one tidy table.

    Parameters
    ----------
    priors : Priors
    grids : sequence of Grid
        The swept inputs (see :func:`parse_grid`); their product makes the cells.
    n_draws, seed, method, workers
        As :func:`mc.results.simulate`; the same seed in every cell.
    scenarios : sequence of Scenario
        Crossed with the grid (the base priors always come first as ``base``).
    outputs : iterable of str, optional
        Default every output of the model.
    percentiles : sequence of float
        The percentiles of each cell's table (default :data:`mc.stats.PERCENTILES`).
    executor : optional
        A :mod:`mc.executor` executor (e.g. a Dask cluster); default threads.
    progress : callable, optional
        ``progress(cells_done, cells)``.
    on_run : callable, optional
        ``on_run(labels, run)`` with each cell's labels and Dataset (inputs kept): each cell is then
        simulated in memory once and summarised from those draws (the same table as streaming).

    Returns
    -------
    DataFrame
        ``scenario``, one column per swept input, then ``output, unit, statistic, value, mc_se``.
    """
    cells = sweep_cells(priors, grids, scenarios)
    tables = []
    for done, (labels, cell) in enumerate(cells, start=1):
        table = _cell_table(cell, labels, n_draws=n_draws, seed=seed, method=method, workers=workers,
                            outputs=outputs, executor=executor, percentiles=percentiles, on_run=on_run)
        tables.append(_labelled(table, labels))
        if progress is not None:
            progress(done, len(cells))
    return pd.concat(tables, ignore_index=True)


def _labelled(table: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """A cell's table with its labels (scenario, each swept input's value) as its first columns."""
    for i, (key, value) in enumerate(labels.items()):
        table.insert(i, key, value)
    return table


def _cell_table(cell: Priors, labels: dict, *, n_draws: int, seed: int, method: str, workers: int, outputs,
                executor, percentiles, on_run) -> pd.DataFrame:
    """One cell's table: streamed (its draws never all held), or with `on_run` from draws it is handed."""
    if on_run is not None:
        run = _cell_draws(cell, n_draws, seed=seed, method=method, workers=workers, executor=executor)
        on_run(labels, run)
        table = summarise(run, list(outputs) if outputs is not None else list(cell.model.outputs), percentiles)
        table.attrs.clear()  # as the streamed table, equal to it (see mc.streaming): provenance is the caller's
        return table
    from mc.streaming import summarise_streaming

    return summarise_streaming(cell, n_draws, seed=seed, method=method, workers=workers, outputs=outputs,
                               executor=executor, percentiles=percentiles)


def _cell_draws(cell: Priors, n_draws: int, *, seed: int, method: str, workers: int, executor):
    """One cell simulated in memory, inputs kept, on `executor` if given (else threads or the current one)."""
    from contextlib import nullcontext

    from mc.executor import using

    with nullcontext() if executor is None else using(executor):
        return simulate(cell, n_draws, seed=seed, method=method, workers=workers, keep_inputs=True)


def check_statistic(statistic: str, option: str = "--statistic") -> str:
    """A statistic of the run table (p1..p99, mean, sd, p_negative)."""
    if statistic not in STATISTICS:
        raise InputError(option, statistic, f"choose from {', '.join(STATISTICS)}")
    return statistic


def plot_sweep(table: pd.DataFrame, grids: Sequence[Grid], output: str, statistic: str, path: str | Path, *,
               unit: str = "", force: bool = False) -> Path:
    """A line (one grid) or heatmap (two or more: the first two, others at their first value) of a statistic.

    One line per scenario, or one heatmap panel per scenario; the values are in
    the output's base unit.
    """
    from mc.plots.style import font_context, plt, save_png

    rows = table[(table.output == output) & (table.statistic == statistic)]
    for g in grids[2:]:
        rows = rows[rows[g.name] == g.values[0]]
    scenarios = list(dict.fromkeys(rows[SCENARIO]))
    label = f"{statistic} of {output}" + (f" ({unit})" if unit else "")
    with font_context():
        if len(grids) == 1:
            fig, ax = plt.subplots(figsize=(7, 4.5))
            for name in scenarios:
                part = rows[rows[SCENARIO] == name]
                ax.plot(part[grids[0].name], part["value"], marker="o", label=name)
            ax.set_xlabel(grids[0].name)
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
            if len(scenarios) > 1:
                ax.legend()
        else:
            fig, axes = plt.subplots(1, len(scenarios), figsize=(5.5 * len(scenarios), 4.5), squeeze=False)
            x, y = grids[0], grids[1]
            for ax, name in zip(axes[0], scenarios):
                part = rows[rows[SCENARIO] == name].pivot(index=y.name, columns=x.name, values="value")
                mesh = ax.pcolormesh(part.columns, part.index, part.to_numpy(), shading="nearest", cmap="viridis")
                fig.colorbar(mesh, ax=ax, label=label)
                ax.set_xlabel(x.name)
                ax.set_ylabel(y.name)
                ax.set_title(name)
        fig.suptitle(f"Sweep: {label}")
        fig.tight_layout()
        return save_png(fig, path, force=force)
