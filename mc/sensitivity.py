"""Which assumptions the answer hangs on: rank correlation, tornado and Sobol indices.

* Rank correlation: Spearman's rho between each uncertain input's draws and each
  output's, from one simulation.
* Tornado: the output's median with one input fixed at its p10 and then at its
  p90, every other input drawn as usual. The same seed is used for every run and
  the sampler gives each input its own stream, so the other inputs' draws are
  identical across runs (common random numbers) and the swing is the input's
  effect, not sampling noise.
* Sobol: first-order and total indices (with bootstrap confidence intervals) by
  SALib's Saltelli/Sobol design on the unit hypercube, each column mapped
  through the input's inverse CDF, so any marginal works. Sobol indices assume
  independent inputs; a correlation block is ignored there.

Fixed inputs are excluded from all three.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mc.priors import Priors
from mc.results import simulate
from mc.stats import quantiles_with_se

_U_EPS = 1e-12  # keeps Sobol points off 0 and 1, where unbounded inverse CDFs are infinite


def rank_correlations(results, priors: Priors, outputs: Iterable[str] | None = None) -> pd.DataFrame:
    """Spearman rank correlation of every uncertain input with every varying output.

    Parameters
    ----------
    results : xarray.Dataset or mapping
        Draws of the inputs and outputs (``simulate(..., keep_inputs=True)``).
    priors : Priors
        Names the uncertain inputs.
    outputs : iterable of str, optional
        Default: every output in `results` that is not constant.

    Returns
    -------
    DataFrame
        Columns ``input, output, spearman``.
    """
    inputs = list(priors.uncertain)
    names = list(outputs) if outputs is not None else [o for o in priors.model.outputs if o in results]
    names = [o for o in names if np.ptp(np.asarray(results[o], float)) > 0]
    if not inputs or not names:
        return pd.DataFrame(columns=["input", "output", "spearman"])
    matrix = np.column_stack([np.asarray(results[n], float) for n in inputs + names])
    rho = np.corrcoef(stats.rankdata(matrix, axis=0), rowvar=False)  # spearmanr's own steps, 2-d for any count
    rows = [{"input": i, "output": o, "spearman": float(rho[a, len(inputs) + b])}
            for a, i in enumerate(inputs) for b, o in enumerate(names)]
    return pd.DataFrame(rows, columns=["input", "output", "spearman"])


def tornado(priors: Priors, output: str | None = None, *, n_draws: int = 50_000, seed: int = 0, method: str = "mc",
            low: float = 0.10, high: float = 0.90, workers: int = 1, results=None) -> pd.DataFrame:
    """The output's median with each uncertain input at its `low` and `high` quantile.

    Parameters
    ----------
    priors : Priors
    output : str, optional
        An output of the priors' model; default its key output.
    n_draws, seed, method, workers
        As :func:`mc.results.simulate`; one seed for all runs (common random numbers).
    low, high : float
        Probabilities of the input values tried (default p10 and p90).
    results : xarray.Dataset, optional
        A run of `priors` already at hand with the same `n_draws`, `seed` and
        `method` (e.g. the one given to :func:`rank_correlations`); the base
        median is read from it instead of simulating the same draws again.

    Returns
    -------
    DataFrame
        Columns ``input, unit, input_low, input_high, output_at_low, output_at_high,
        base, swing, mc_se`` sorted by swing (largest first); ``base`` is the median
        with nothing fixed, ``mc_se`` the larger standard error of the two medians.
    """
    def median(p: Priors, values=None) -> tuple[float, float]:
        if values is None:
            values = simulate(p, n_draws, seed=seed, method=method, workers=workers, keep_inputs=False)[output].values
        q, se = quantiles_with_se(values, [0.5])
        return float(q[0]), float(se[0])

    output = output or priors.model.key_output
    base, _ = median(priors, None if results is None else _same_run(results, n_draws, seed, method)[output])
    rows = []
    for name in priors.uncertain:
        x_lo, x_hi = (float(v) for v in priors[name].distribution.ppf(np.array([low, high])))
        (y_lo, se_lo), (y_hi, se_hi) = (median(priors.with_fixed(name, x, source=f"tornado p{100 * p:g}"))
                                        for x, p in ((x_lo, low), (x_hi, high)))
        rows.append({"input": name, "unit": priors.model.inputs[name].unit, "input_low": x_lo, "input_high": x_hi,
                     "output_at_low": y_lo, "output_at_high": y_hi, "base": base,
                     "swing": abs(y_hi - y_lo), "mc_se": max(se_lo, se_hi)})
    table = pd.DataFrame(rows, columns=["input", "unit", "input_low", "input_high", "output_at_low",
                                        "output_at_high", "base", "swing", "mc_se"])
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _same_run(results, n_draws: int, seed: int, method: str):
    """`results`, after checking its provenance matches the run it stands in for."""
    attrs = getattr(results, "attrs", {})
    wanted = {"n_draws": n_draws, "seed": seed, "method": method}
    if any(k in attrs and attrs[k] != v for k, v in wanted.items()):
        raise ValueError(f"results come from {({k: attrs.get(k) for k in wanted})}, not the tornado's run {wanted}")
    return results


@dataclass(frozen=True)
class SobolResult:
    """First-order and total Sobol indices with confidence half-widths.

    Attributes
    ----------
    table : DataFrame
        Columns ``input, S1, S1_conf, ST, ST_conf`` (``*_conf`` are half-widths of
        the `conf_level` bootstrap intervals).
    n_base : int
        Base sample size N of the design; the model was run ``N (d + 2)`` times.
    conf_level : float
    """

    table: pd.DataFrame
    n_base: int
    conf_level: float

    def index(self, name: str, kind: str = "S1") -> float:
        """One index by input name, e.g. ``result.index("paid_share", "ST")``."""
        return float(self.table.set_index("input").loc[name, kind])


def sobol_analysis(model: Callable[[np.ndarray], np.ndarray], names: Sequence[str], *, n_base: int = 4096,
                   seed: int = 0, conf_level: float = 0.95, num_resamples: int = 200) -> SobolResult:
    """Sobol indices of a vectorised model of independent uniforms on [0, 1].

    Parameters
    ----------
    model : callable
        Maps an array of shape ``(n, d)`` of points in the unit hypercube to ``n`` outputs.
    names : sequence of str
        The ``d`` input names.
    n_base : int
        Base sample size N of SALib's Sobol design (a power of two keeps balance).
    seed : int
        Seeds the scrambled Sobol design and the bootstrap.
    conf_level : float
        Probability of the bootstrap confidence intervals.
    num_resamples : int
        Bootstrap resamples.
    """
    if not names:  # no uncertain input: nothing varies, so there is nothing to apportion
        return _zero_indices(names, n_base, conf_level)
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    with warnings.catch_warnings():  # SALib warns when N is not a power of two; the caller chose N
        warnings.simplefilter("ignore", UserWarning)
        points = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    y = np.asarray(model(np.clip(points, _U_EPS, 1 - _U_EPS)), float)
    if np.ptp(y) == 0:  # no variance to apportion (SALib 1.5 gives NaN, 1.6 zeros after a divide warning)
        return _zero_indices(names, n_base, conf_level)
    result = sobol_analyze.analyze(problem, y, calc_second_order=False, conf_level=conf_level,
                                   num_resamples=num_resamples, seed=seed)
    return SobolResult(_indices_table(names, result), n_base, conf_level)


_INDICES = ("S1", "S1_conf", "ST", "ST_conf")


def _indices_table(names: Sequence[str], indices: Mapping) -> pd.DataFrame:
    """Columns ``input`` and :data:`_INDICES`, one row per name."""
    return pd.DataFrame({"input": list(names), **{k: indices[k] for k in _INDICES}})


def _zero_indices(names: Sequence[str], n_base: int, conf_level: float) -> SobolResult:
    """Every index 0 with no uncertainty: the output does not vary (or no input does)."""
    return SobolResult(_indices_table(names, dict.fromkeys(_INDICES, np.zeros(len(names)))), n_base, conf_level)


def priors_model(priors: Priors, output: str) -> tuple[Callable[[np.ndarray], np.ndarray], tuple[str, ...]]:
    """The priors' model as a function of the uncertain inputs' uniforms.

    Returns
    -------
    (model, names)
        ``model(u)`` maps columns of `u` (one per name in `names`, the uncertain
        inputs) through each input's inverse CDF, holds fixed inputs at their
        values, and returns `output`.
    """
    names = priors.uncertain
    fixed = {n: float(a.distribution.params["value"]) for n, a in priors.assumptions.items() if a.is_fixed}

    def model(u: np.ndarray) -> np.ndarray:
        inputs = {n: priors[n].distribution.ppf(u[:, j]) for j, n in enumerate(names)}
        inputs.update({n: np.full(u.shape[0], v) for n, v in fixed.items()})
        return evaluate(inputs)[output]

    evaluate = priors.model.evaluate
    return model, names


def sobol_indices(priors: Priors, output: str | None = None, *, n_base: int = 4096, seed: int = 0,
                  conf_level: float = 0.95) -> SobolResult:
    """First-order and total Sobol indices of `output` for every uncertain input.

    Inputs are treated as independent (a correlation block is ignored). An output
    with heavy tails (the margin, a ratio) needs a larger `n_base` for tight intervals.
    """
    model, names = priors_model(priors, output or priors.model.key_output)
    return sobol_analysis(model, names, n_base=n_base, seed=seed, conf_level=conf_level)


def sensitivity_table(rank: pd.DataFrame, tornado_table: pd.DataFrame, sobol: SobolResult | None,
                      output: str, units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Everything in one tidy table: ``input, unit, output, measure, value, conf``.

    Measures: ``spearman`` (for every output in `rank`); for `output`:
    ``tornado_input_low/high``, ``median_at_low/high``, ``swing`` (conf = the
    medians' standard error) and ``S1``, ``ST`` (conf = interval half-width).
    """
    rows = [{"input": r.input, "output": r.output, "measure": "spearman", "value": r.spearman, "conf": np.nan}
            for r in rank.itertuples()]
    for r in tornado_table.itertuples():
        for measure, value, conf in (("tornado_input_low", r.input_low, np.nan),
                                     ("tornado_input_high", r.input_high, np.nan),
                                     ("median_at_low", r.output_at_low, r.mc_se),
                                     ("median_at_high", r.output_at_high, r.mc_se),
                                     ("swing", r.swing, r.mc_se * np.sqrt(2))):
            rows.append({"input": r.input, "output": output, "measure": measure, "value": value, "conf": conf})
    if sobol is not None:
        for r in sobol.table.itertuples():
            rows += [{"input": r.input, "output": output, "measure": "S1", "value": r.S1, "conf": r.S1_conf},
                     {"input": r.input, "output": output, "measure": "ST", "value": r.ST, "conf": r.ST_conf}]
    out = pd.DataFrame(rows, columns=["input", "output", "measure", "value", "conf"])
    units = units if units is not None else dict(zip(tornado_table["input"], tornado_table["unit"]))
    out.insert(1, "unit", [units.get(n, "") for n in out["input"]])
    return out
