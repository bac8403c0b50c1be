"""Analyses of enterprise value: stress scenarios, tornado, Sobol indices and the value bridge table.

Each reuses the engine's machinery: scenarios are :class:`mc.scenarios.Scenario`
overlays of the base priors with paired standard errors from
:func:`mc.scenarios.paired_change_se`; Sobol indices come from
:func:`mc.sensitivity.sobol_analysis`.  Every run uses the same seed and the
sampler gives each input its own stream, so differences between runs come
from the changed input alone (common random numbers).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from mc.priors import Priors
from mc.projection import fleet
from mc.projection.priors import has_power
from mc.scenarios import BASE, paired_change_se
from mc.sensitivity import SobolResult, sobol_analysis
from mc.stats import summary_with_se
from mc.valuation.model import evaluate_value, value
from mc.valuation.priors import ValuationPriors

STRESS_STATISTICS = ("p5", "p50", "p95", "mean", "p_negative")
BRIDGE_STEPS = ("pv_explicit_cny", "pv_terminal_cny", "ev_cny")
BRIDGE_PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class ValuationSetup:
    """Everything a valuation run needs besides the draws: the three priors and the run's settings."""

    priors: Priors
    projection_priors: Priors
    valuation: ValuationPriors
    years: Sequence[int]
    seed: int = 0
    method: str = "mc"
    convention: str = "mid"
    terminal: str = "gordon"

    def run(self, n_draws: int, **changes):
        """:func:`mc.valuation.value` with this setup (fields overridden by `changes`)."""
        s = replace(self, **changes) if changes else self
        return value(s.priors, s.projection_priors, s.valuation, s.years, n_draws, seed=s.seed, method=s.method,
                     convention=s.convention, terminal=s.terminal)


def ev_stress(setup: ValuationSetup, scenarios: Iterable, n_draws: int, output: str = "ev_cny") -> pd.DataFrame:
    """EV under the base and each scenario, same seed (common random numbers).

    Returns
    -------
    DataFrame
        ``scenario, statistic, value, mc_se, change, change_se``; ``change_se``
        is the paired standard error of the change from the base.
    """
    base = setup.run(n_draws)[output].values
    rows = _stat_rows(BASE, base, base)
    for s in scenarios:
        rows += _stat_rows(s.name, setup.run(n_draws, priors=s.apply(setup.priors))[output].values, base)
    return pd.DataFrame(rows, columns=["scenario", "statistic", "value", "mc_se", "change", "change_se"])


def _stat_rows(name: str, values: np.ndarray, base: np.ndarray) -> list[dict]:
    stats, base_stats = summary_with_se(values), summary_with_se(base)
    return [{"scenario": name, "statistic": s, "value": stats[s][0], "mc_se": stats[s][1],
             "change": stats[s][0] - base_stats[s][0],
             "change_se": 0.0 if name == BASE else paired_change_se(base, values, s)} for s in STRESS_STATISTICS]


def _holder(setup: ValuationSetup, name: str) -> str:
    if name in setup.valuation.priors.assumptions:
        return "valuation"
    return "projection_priors" if name in setup.projection_priors.assumptions else "priors"


def uncertain_inputs(setup: ValuationSetup) -> list[str]:
    """Every uncertain input of the three priors (the projection's unused ``discount_rate`` left out)."""
    names = [*setup.priors.uncertain, *setup.projection_priors.uncertain, *setup.valuation.priors.uncertain]
    return [n for n in names if n != "discount_rate"]


def _fixed(setup: ValuationSetup, name: str, x: float) -> dict:
    where = _holder(setup, name)
    if where == "valuation":
        v = setup.valuation
        return {"valuation": replace(v, priors=v.priors.with_fixed(name, x, source="tornado"))}
    return {where: getattr(setup, where).with_fixed(name, x, source="tornado")}


def ev_tornado(setup: ValuationSetup, n_draws: int, output: str = "ev_cny", low: float = 0.10,
               high: float = 0.90) -> pd.DataFrame:
    """Median EV with each uncertain input at its `low` and `high` quantile, others drawn (same seed).

    Returns
    -------
    DataFrame
        Columns as :func:`mc.sensitivity.tornado` (``input, unit, input_low, input_high,
        output_at_low, output_at_high, base, swing, mc_se``), largest swing first.
    """
    def median(values):
        stat = summary_with_se(values, (50,))["p50"]
        return float(stat[0]), float(stat[1])

    base, _ = median(setup.run(n_draws)[output].values)
    rows = []
    for name in uncertain_inputs(setup):
        holder = getattr(setup, _holder(setup, name))
        assumption = (holder.priors if isinstance(holder, ValuationPriors) else holder)[name]
        x_lo, x_hi = (float(v) for v in assumption.distribution.ppf(np.array([low, high])))
        (y_lo, se_lo), (y_hi, se_hi) = (median(setup.run(n_draws, **_fixed(setup, name, x))[output].values)
                                        for x in (x_lo, x_hi))
        rows.append({"input": name, "unit": assumption.unit, "input_low": x_lo, "input_high": x_hi,
                     "output_at_low": y_lo, "output_at_high": y_hi, "base": base, "swing": abs(y_hi - y_lo),
                     "mc_se": max(se_lo, se_hi)})
    table = pd.DataFrame(rows)
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def ev_sobol(setup: ValuationSetup, n_base: int = 1024, output: str = "ev_cny") -> SobolResult:
    """First-order and total Sobol indices of `output` over every uncertain input (independent inputs)."""
    names = uncertain_inputs(setup)
    everything = {**setup.priors.assumptions, **setup.projection_priors.assumptions,
                  **setup.valuation.priors.assumptions}
    n_years = len(setup.years)

    def model(u: np.ndarray) -> np.ndarray:
        x = {n: np.full(u.shape[0], float(a.distribution.ppf(np.array([0.5]))[0]))
             for n, a in everything.items()}  # fixed inputs: their value (the median of a point mass)
        x.update({n: everything[n].distribution.ppf(u[:, j]) for j, n in enumerate(names)})
        volume = fleet.prior_volume_paths(x["start_tokens_per_day"], x["tokens_growth_multiple"],
                                          x["growth_persistence"], n_years)
        return evaluate_value(x, volume, model=setup.priors.model, power=has_power(setup.projection_priors),
                              retire_excess=setup.valuation.retire_excess_start_fleet, origin=setup.valuation.origin,
                              convention=setup.convention, terminal=setup.terminal)[output]

    return sobol_analysis(model, names, n_base=n_base, seed=setup.seed)


def bridge_table(ds) -> pd.DataFrame:
    """The value bridge: PV explicit, PV terminal and EV, each with percentiles, mean and standard errors.

    Returns
    -------
    DataFrame
        ``step, statistic, value, mc_se`` in CNY; steps in bridge order.
    """
    rows = []
    for step in BRIDGE_STEPS:
        stats = summary_with_se(ds[step].values, BRIDGE_PERCENTILES)
        rows += [{"step": step, "statistic": s, "value": v, "mc_se": se} for s, (v, se) in stats.items()]
    return pd.DataFrame(rows, columns=["step", "statistic", "value", "mc_se"])
