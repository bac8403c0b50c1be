"""Simulation results as labelled arrays, and their percentile tables.

`simulate` draws every assumption, evaluates the model block by block and
returns an xarray Dataset over dim ``sample`` whose attributes record seed,
draw count, method, priors hash and package version.  `summarise` turns it
into a tidy DataFrame: one row per (output, statistic) with its Monte Carlo
standard error.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import numpy as np

from mc import __version__
from mc.errors import InputError
from mc.model import Model, nonfinite_error
from mc.priors import Priors
from mc.sampling import STREAM_BLOCK, draw_block, map_blocks
from mc.stats import PERCENTILES, summary_with_se

if TYPE_CHECKING:  # pandas and xarray load on first use (each takes about a second to import)
    import pandas as pd
    import xarray as xr

SAMPLE_DIM = "sample"


def run_attrs(priors: Priors, n_draws: int, seed: int, method: str) -> dict:
    """Provenance carried by every result."""
    return {
        "seed": int(seed),
        "n_draws": int(n_draws),
        "method": method,
        "priors_hash": priors.hash,
        "priors_origin": priors.origin,
        "model": priors.model.name,
        "model_origin": priors.model.origin,
        "model_hash": priors.model.hash,
        "mc_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def simulate(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1,
             keep_inputs: bool = True, progress: Callable[[int, int], None] | None = None,
             chunk_size: int = STREAM_BLOCK) -> xr.Dataset:
    """Draw, evaluate and label: the whole Monte Carlo in one call.

    Parameters
    ----------
    priors : Priors
    n_draws : int
    seed : int
    method : {"mc", "lhs", "sobol"}
    workers : int
        Threads evaluating blocks in parallel (same numbers for any value).
    keep_inputs : bool
        Keep the input draws (needed for sensitivity); False halves memory.
    chunk_size : int
        Draws evaluated per task (rounded up to whole stream blocks); same numbers for any value.
    progress : callable, optional
        Called as ``progress(draws_done, n_draws)`` after each block (see
        :func:`mc.progress.progress_bar`); it does not change the numbers.

    Returns
    -------
    xarray.Dataset
        One variable per output (and input), dim ``sample``.
    """
    arrays = simulate_arrays(priors, n_draws, seed=seed, method=method, workers=workers, keep_inputs=keep_inputs,
                             progress=progress, chunk_size=chunk_size)
    return to_dataset(arrays, run_attrs(priors, n_draws, seed, method), priors.model)


def simulate_arrays(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1,
                    keep_inputs: bool = True, progress: Callable[[int, int], None] | None = None,
                    chunk_size: int = STREAM_BLOCK) -> dict[str, np.ndarray]:
    """:func:`simulate` as plain arrays ``{name: values}``, without importing xarray.

    Outputs (and inputs) constant in every run of these priors
    (:func:`constant_outputs`) are read-only broadcast views of one
    value: they take no memory. Parameters as :func:`simulate`.
    """
    model = priors.model
    names = list(model.outputs) + (list(model.inputs) if keep_inputs else [])
    constant = constant_outputs(priors, names)
    arrays = {n: np.empty(n_draws) for n in names if n not in constant}

    def work(block):
        return block, evaluate_block(priors, seed, block, method)

    done = 0
    for block, values in map_blocks(work, n_draws, workers=workers, chunk_size=chunk_size):
        for n in arrays:
            arrays[n][block.start:block.stop] = values[n]
        done += block.stop - block.start
        if progress is not None:
            progress(done, n_draws)
    arrays.update({n: np.broadcast_to(np.float64(v), (n_draws,)) for n, v in constant.items()})
    return {n: arrays[n] for n in names}


def constant_outputs(priors: Priors, names: Iterable[str], first: Mapping[str, np.ndarray] | None = None
                     ) -> dict[str, float]:
    """The outputs (or inputs) among `names` that are constant in every run of these priors, with their value.

    An output is constant when every input it depends on
    (:meth:`mc.model.Model.inputs_of`) is fixed; a fixed input is constant. Their
    statistics need no pass over the draws. `first`, the values of a first block,
    supplies the values (and confirms they are constant); without it the model
    is evaluated once at the fixed inputs.
    """
    model, fixed = priors.model, {n for n in priors.names if priors[n].is_fixed}
    found = [n for n in names if n in fixed or (n in model.outputs and model.inputs_of(n) <= fixed)]
    if first is None and found:
        from mc.sampling import Block

        first = evaluate_block(priors, 0, Block(0, 0, 1))
    out = {}
    for name in found:
        x = np.asarray(first[name], dtype=float)
        if x.size and x.min() == x.max():
            out[name] = float(x.min())
    return out


def evaluate_block(priors: Priors, seed: int, block, method: str = "mc") -> dict[str, np.ndarray]:
    """Every input's and output's values over one chunk of draws (see :func:`mc.sampling.blocks`).

    Raises
    ------
    InputError
        If an output is not finite (an overflow, or a division by zero), naming
        the input that drove it: no table ever holds inf or NaN.
    """
    inputs = draw_block(priors, seed, block, method)
    fixed = {n: float(a.distribution.params["value"]) for n, a in priors.assumptions.items() if a.is_fixed}
    outputs = priors.model.evaluate({**inputs, **fixed})  # fixed inputs as numbers: fewer array operations
    # a finite sum means every value is finite (one fast pass); otherwise find and name the culprit (a sum
    # of huge finite values may overflow: no warning, and nonfinite_error then finds nothing)
    with np.errstate(over="ignore", invalid="ignore"):
        finite = all(np.isfinite(np.add.reduce(v, axis=None)) for v in outputs.values())
    if not finite:
        error = nonfinite_error(priors.model, inputs, outputs, priors.origin)
        if error is not None:
            raise error
    return {**inputs, **outputs}


def draw(priors: Priors, n_draws: int, *, seed: int = 0, method: str = "mc", workers: int = 1) -> xr.Dataset:
    """Every input's draws as a labelled Dataset (dim ``sample``) with provenance attributes.

    The labelled twin of :func:`mc.sampling.draw`; feed it to :func:`evaluate`.
    """
    from mc.sampling import draw as draw_arrays

    arrays = draw_arrays(priors, n_draws, seed=seed, method=method, workers=workers)
    return to_dataset(arrays, run_attrs(priors, n_draws, seed, method), priors.model)


def evaluate(inputs: xr.Dataset | Mapping[str, np.ndarray], model: Model | None = None) -> xr.Dataset:
    """The model's outputs for labelled (or plain) input draws, keeping their attributes.

    Parameters
    ----------
    inputs : Dataset or mapping
        One array per model input.
    model : Model, optional
        Default: the report's model (:data:`mc.model.DEFAULT_MODEL`).
    """
    if model is None:
        from mc.model import DEFAULT_MODEL, load_model

        model = load_model(DEFAULT_MODEL)
    missing = [n for n in model.inputs if n not in inputs]
    if missing:
        raise InputError("inputs", missing[0], f"no draws for this input of model {model.name}")
    arrays = {n: np.asarray(inputs[n]) for n in model.inputs}
    attrs = dict(getattr(inputs, "attrs", {}))
    return to_dataset(model.evaluate(arrays), attrs, model)


def to_dataset(arrays: Mapping[str, np.ndarray], attrs: Mapping, model: Model) -> xr.Dataset:
    """Label plain arrays with units and roles along dim ``sample``."""
    import xarray as xr

    data_vars = {}
    for name, values in arrays.items():
        q = model.quantity(name)
        role = "output" if name in model.outputs else "input"
        data_vars[name] = xr.Variable((SAMPLE_DIM,), values, attrs={"unit": q.unit, "role": role,
                                                                     "description": q.description})
    return xr.Dataset(data_vars, attrs=dict(attrs))


def summarise(results: xr.Dataset | Mapping[str, np.ndarray], outputs: Iterable[str] | None = None,
              percentiles=PERCENTILES, units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Percentile table with Monte Carlo standard errors.

    Returns
    -------
    DataFrame
        Columns ``output, unit, statistic, value, mc_se``; statistics are
        p1 ... p99, mean, sd and p_negative (the probability the output is
        below zero: P(margin < 0) on the margin row).
    """
    if outputs is None:
        outputs = [n for n in results if getattr(results[n], "attrs", {}).get("role", "output") == "output"]
    outputs = list(outputs)
    units = dict(units) if units is not None else {n: getattr(results[n], "attrs", {}).get("unit", "")
                                                   for n in outputs if n in results}
    unknown = [n for n in outputs if n not in results]
    if unknown:
        raise InputError("outputs", unknown[0], f"not in the results; choose from {', '.join(results)}")
    stats = summarise_arrays({name: results[name] for name in outputs}, percentiles)
    table = summary_table(stats, units)
    table.attrs.update(dict(getattr(results, "attrs", {})))  # provenance: seed, draws, method, priors, model
    return table


def summarise_arrays(arrays: Mapping[str, np.ndarray], percentiles=PERCENTILES, *, workers: int = 1
                     ) -> dict[str, dict[str, tuple[float, float]]]:
    """``{output: {statistic: (value, standard error)}}`` of plain arrays, without pandas.

    Each output is summarised on its own (:func:`mc.stats.summary_with_se`), so
    `workers` threads (numpy releases the GIL in its passes) give the same bits
    as one.
    """
    def one(name: str) -> dict[str, tuple[float, float]]:
        return summary_with_se(np.asarray(arrays[name], dtype=float), percentiles)

    names = list(arrays)
    if workers <= 1 or len(names) < 2:
        return {name: one(name) for name in names}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(names, pool.map(one, names)))


TABLE_COLUMNS = ["output", "unit", "statistic", "value", "mc_se"]


def table_rows(stats: Mapping[str, Mapping[str, tuple[float, float]]], units: Mapping[str, str]) -> list[dict]:
    """The tidy table's rows, ``{output, unit, statistic, value, mc_se}`` each, without pandas."""
    rows = []
    for name, by_stat in stats.items():
        unit = units.get(name, "")
        rows += [{"output": name, "unit": unit, "statistic": stat, "value": value, "mc_se": se}
                 for stat, (value, se) in by_stat.items()]
    return rows


def summary_table(stats: Mapping[str, Mapping[str, tuple[float, float]]],
                  units: Mapping[str, str]) -> pd.DataFrame:
    """The tidy table from ``{output: {statistic: (value, standard error)}}`` and each output's unit."""
    return rows_frame(table_rows(stats, units))


def rows_frame(rows: list[dict]) -> pd.DataFrame:
    """Plain table rows (:func:`table_rows`) as the tidy DataFrame (imports pandas)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def wide(table: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """Outputs as rows and statistics as columns (for screens and spreadsheets)."""
    out = table.pivot(index="output", columns="statistic", values=column)
    order = [o for o in table["output"].unique()]
    return out.loc[order, list(dict.fromkeys(table["statistic"]))]
