"""Tail drivers: what the inputs look like in an output's bad tail, and its CVaR.

For the worst ``tail`` share of draws of an output (lowest margin, revenue or
profit; highest capex, GPUs or compute), each uncertain input's draws there are
compared with all its draws: the shift of the median, and the two-sample
Kolmogorov-Smirnov statistic. The tail is a subset of all draws, so the test
compares the tail with the *rest* (two disjoint samples); its statistic is the
tail-vs-all distance divided by ``1 - tail``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mc.errors import InputError
from mc.priors import Priors

DRIVER_COLUMNS = ["input", "unit", "median_all", "median_tail", "median_shift", "shift_sd", "ks_statistic",
                  "ks_pvalue"]


def bad_side(output: str, model=None) -> str:
    """The model file's ``bad_tail`` of an output: "high" for cost-like outputs, else "low"."""
    if model is not None and output in model.outputs:
        return model.outputs[output].bad_tail
    return "low"


def tail_mask(values: np.ndarray, tail: float, side: str = "low") -> np.ndarray:
    """Boolean mask of the ``ceil(tail * n)`` worst draws (lowest if side is "low").

    Ties are broken by draw order, so the mask holds exactly that many draws.
    """
    if not 0 < tail < 1:
        raise InputError("--tail", "", f"must lie strictly between 0 and 1, got {tail}")
    values = np.asarray(values, float)
    k = max(int(np.ceil(tail * values.size)), 1)
    order = np.argsort(values if side == "low" else -values, kind="stable")
    mask = np.zeros(values.size, bool)
    mask[order[:k]] = True
    return mask


@dataclass(frozen=True)
class TailExpectation:
    """Conditional tail expectation (CVaR) of one output with its standard error."""

    output: str
    tail: float
    side: str
    var: float  # the tail's threshold (value at risk)
    cvar: float
    mc_se: float


def conditional_tail_expectation(values: np.ndarray, tail: float = 0.1, side: str = "low",
                                 output: str = "") -> TailExpectation:
    """Mean of the worst `tail` share of draws (expected shortfall, CVaR).

    The standard error is the asymptotic one of the empirical expected
    shortfall: ``sqrt((var_tail + (1 - tail) (cvar - VaR)^2) / (tail n))``
    (the second term is the uncertainty of the threshold itself).
    """
    values = np.asarray(values, float)
    mask = tail_mask(values, tail, side)
    worst = values[mask]
    threshold = float(worst.max() if side == "low" else worst.min())
    cvar = float(worst.mean())
    spread = float(worst.var(ddof=1)) if worst.size > 1 else 0.0
    se = float(np.sqrt((spread + (1 - tail) * (cvar - threshold) ** 2) / (tail * values.size)))
    return TailExpectation(output, tail, side, threshold, cvar, se)


def tail_drivers(results, priors: Priors, output: str | None = None, *, tail: float = 0.1,
                 side: str | None = None) -> pd.DataFrame:
    """Each uncertain input in the output's bad tail against its whole distribution.

    Parameters
    ----------
    results : xarray.Dataset or mapping
        Input and output draws (``simulate(..., keep_inputs=True)``).
    priors : Priors
        Names the uncertain inputs.
    output : str, optional
        Default the model's key output.
    tail : float
        Share of draws in the tail (0.1 = worst 10%).
    side : {"low", "high"}, optional
        Which end is bad; default from :func:`bad_side`.

    Returns
    -------
    DataFrame
        Columns :data:`DRIVER_COLUMNS`, sorted by KS statistic (strongest driver
        first). ``shift_sd`` is the median shift in the input's standard deviations;
        the KS test compares the tail with the rest of the draws.
    """
    output = output or priors.model.key_output
    side = side or bad_side(output, priors.model)
    mask = tail_mask(results[output], tail, side)
    rows = []
    for name in priors.uncertain:
        x = np.asarray(results[name], float)
        med_all, med_tail = float(np.median(x)), float(np.median(x[mask]))
        sd = float(x.std())
        ks = stats.ks_2samp(x[mask], x[~mask])
        rows.append({"input": name, "unit": priors.model.inputs[name].unit, "median_all": med_all, "median_tail": med_tail,
                     "median_shift": med_tail - med_all, "shift_sd": (med_tail - med_all) / sd if sd else 0.0,
                     "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue)})
    table = pd.DataFrame(rows, columns=DRIVER_COLUMNS)
    return table.sort_values("ks_statistic", ascending=False, kind="stable").reset_index(drop=True)


def tail_expectations(results, outputs, tail: float = 0.1, model=None) -> pd.DataFrame:
    """CVaR of several outputs, each at its own bad side (:func:`bad_side`).

    Returns
    -------
    DataFrame
        Columns ``output, unit, tail, side, var, cvar, mc_se``.
    """
    rows = []
    for o in outputs:
        t = conditional_tail_expectation(results[o], tail, bad_side(o, model), o)
        rows.append({"output": o, "unit": getattr(results[o], "attrs", {}).get("unit", ""), "tail": tail, "side": t.side, "var": t.var,
                     "cvar": t.cvar, "mc_se": t.mc_se})
    return pd.DataFrame(rows, columns=["output", "unit", "tail", "side", "var", "cvar", "mc_se"])
