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


class RunsDraws:
    """Every run's draws, labelled as they are made: the ``on_run`` of :func:`mc.scenarios.stress` and
    :func:`mc.sweep.sweep`, so --draws-out keeps the very runs the table summarised (each simulated once).

    Called as ``collect(labels, run)`` with a run's labels (``{"scenario": "base", "paid_share": 0.3}``)
    and its Dataset (inputs kept); :meth:`dataset` stacks them.
    """

    def __init__(self) -> None:
        self.parts: list = []
        self.labels: list[str] = []

    def __call__(self, labels: dict, run: xr.Dataset) -> None:
        import numpy as np

        n_draws = run.sizes["sample"]
        label_vars = {key: ("sample", np.full(n_draws, value)) for key, value in labels.items() if key not in run}
        self.parts.append(run.assign(**label_vars, **{DRAW: ("sample", np.arange(n_draws))}))
        self.labels = self.labels or list(labels)

    def dataset(self) -> xr.Dataset:
        """The runs stacked along ``sample``, labels and ``draw`` first; the attributes of the first run."""
        import xarray as xr

        ordered = [*dict.fromkeys([*self.labels, DRAW, *self.parts[0].data_vars])]
        return xr.concat(self.parts, dim="sample")[ordered]


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
    from mc.results import simulate

    collect = RunsDraws()
    for labels, priors in runs:
        collect(labels, simulate(priors, n_draws, seed=seed, method=method, workers=workers, keep_inputs=True))
    return collect.dataset()


def runs_draws(args: argparse.Namespace) -> RunsDraws | None:
    """A collector for the runs' draws with --draws-out (pass it as the runs' ``on_run``); else None."""
    return RunsDraws() if getattr(args, "draws_out", None) is not None else None


def write_runs_draws(args: argparse.Namespace, collected: RunsDraws | None, meta: dict) -> None:
    """With --draws-out, the draws `collected` during the runs written with the command's provenance."""
    if collected is None:
        return
    from mc.export import write_draws

    write_draws(collected.dataset(), args.draws_out,
                meta={**meta, "draws_layout": "one row per run and draw; draw = index in run"}, force=args.force)
