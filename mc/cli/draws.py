"""--draws-out for commands that make several runs (stress, sweep): every run's draws in one long file.

One row per run and draw, with the run's labels (``scenario``, the swept inputs' values, which
the input columns hold too) and ``draw``, the draw's index within its run; the same seed in every
run, so row ``draw = k`` of two runs used the same random numbers for every unchanged input.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Sequence

from mc.cli.limits import check_draws, check_draws_out

if TYPE_CHECKING:
    import xarray as xr

    from mc.priors import Priors

DRAW = "draw"  # the column holding each row's index within its run


def check_runs_draws_out(args: argparse.Namespace, runs: int, model) -> None:
    """Refuse, before any work, a --draws-out of `runs` runs above --draws-out-limit or beyond memory.

    Parameters
    ----------
    args : argparse.Namespace
        With ``draws_out``, ``draws_out_limit``, ``draws`` and ``method``.
    runs : int
        Runs written (the base and each scenario, or each sweep cell).
    model : Model
        The priors' model: each row holds its inputs, outputs, the labels and the draw index.
    """
    if getattr(args, "draws_out", None) is None:
        return
    values = len(model.inputs) + len(model.outputs) + 2  # + scenario label and draw index
    check_draws_out(args, values, n_draws=runs * args.draws)
    check_draws(runs * args.draws, in_memory_values=values, method=args.method)


def runs_dataset(runs: Sequence[tuple[dict, Priors]], n_draws: int, *, seed: int, method: str,
                 workers: int = 1) -> xr.Dataset:
    """Every run's inputs and outputs, stacked along ``sample`` with its labels and ``draw`` index.

    Parameters
    ----------
    runs : sequence of (dict, Priors)
        Each run's labels (``{"scenario": "base", "paid_share": 0.3}``) and priors.
    n_draws, seed, method, workers
        As :func:`mc.results.simulate`; the same seed in every run (common random numbers).

    Returns
    -------
    xarray.Dataset
        ``len(runs) * n_draws`` samples; the attributes of the first run.
    """
    import numpy as np
    import xarray as xr

    from mc.results import simulate

    parts = []
    for labels, priors in runs:
        ds = simulate(priors, n_draws, seed=seed, method=method, workers=workers, keep_inputs=True)
        label_vars = {key: ("sample", np.full(n_draws, value)) for key, value in labels.items() if key not in ds}
        parts.append(ds.assign(**label_vars, **{DRAW: ("sample", np.arange(n_draws))}))
    ordered = [*dict.fromkeys([*runs[0][0], DRAW, *parts[0].data_vars])]
    return xr.concat(parts, dim="sample")[ordered]


def write_runs_draws(args: argparse.Namespace, runs: Sequence[tuple[dict, Priors]], meta: dict) -> None:
    """With --draws-out, every run's draws (see :func:`runs_dataset`) written with the command's provenance."""
    if getattr(args, "draws_out", None) is None:
        return
    from mc.export import write_draws

    ds = runs_dataset(runs, args.draws, seed=args.seed, method=args.method, workers=getattr(args, "workers", 1))
    write_draws(ds, args.draws_out, meta={**meta, "draws_layout": "one row per run and draw; draw = index in run"},
                force=args.force)
