"""Enterprise value per path: the projection's yearly economics, free cash flow and terminal values.

All three priors files (base, projection, valuation) are drawn in one call of
:func:`mc.sampling.draw`, so every input keeps its own random stream: a
scenario or a fixed input changes only its own draws (common random numbers).
The projection's ``discount_rate`` is not used here; the valuation's ``wacc``
discounts the free cash flow.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import xarray as xr

from mc.errors import InputError
from mc.priors import Priors
from mc.projection import fleet
from mc.projection.model import SAMPLE_DIM, YEAR_DIM, StartFleet, check_base_model, evaluate_paths
from mc.projection.priors import has_power
from mc.sampling import draw
from mc.valuation.cashflow import CONVENTIONS, enterprise_values, free_cash_flow
from mc.valuation.priors import ValuationPriors

TERMINAL_METHODS = ("gordon", "exit")
# name -> (unit, description): yearly outputs shown per year, then path outputs
YEARLY = {
    "revenue_cny": ("CNY/year", "paid-token revenue"),
    "power_cny": ("CNY/year", "electricity of the fleet in service"),
    "other_opex_cny": ("CNY/year", "other operating cost (share of revenue)"),
    "ebitda_cny": ("CNY/year", "revenue - power - other opex"),
    "depreciation_cny": ("CNY/year", "depreciation, start fleet included"),
    "ebit_cny": ("CNY/year", "EBITDA - depreciation"),
    "tax_cny": ("CNY/year", "tax on positive EBIT"),
    "capex_cny": ("CNY/year", "cash spent on GPUs"),
    "fcf_cny": ("CNY/year", "EBIT - tax + depreciation - capex"),
    "fleet_gpus": ("GPUs", "GPUs in service, start fleet included"),
    "gpus_purchased": ("GPUs", "GPUs bought that year"),
}
PATH = {
    "pv_explicit_cny": ("CNY", "PV of the explicit years' FCF at the valuation date"),
    "pv_terminal_cny": ("CNY", "PV of the chosen terminal value"),
    "ev_cny": ("CNY", "enterprise value: PV explicit + PV terminal (chosen method)"),
    "terminal_share": ("fraction", "PV terminal / EV (chosen method)"),
    "ev_gordon_cny": ("CNY", "EV with the Gordon growth terminal value"),
    "ev_exit_cny": ("CNY", "EV with the exit-multiple terminal value"),
    "pv_tv_gordon_cny": ("CNY", "PV of the Gordon growth terminal value"),
    "pv_tv_exit_cny": ("CNY", "PV of the exit-multiple terminal value"),
}


def value(priors: Priors, projection_priors: Priors, valuation: ValuationPriors, years: Sequence[int],
          n_draws: int, *, seed: int = 0, method: str = "mc", convention: str = "mid", terminal: str = "gordon",
          volume_paths: np.ndarray | None = None, attrs: Mapping | None = None) -> xr.Dataset:
    """Free cash flow per year and path, and the enterprise value both ways.

    Parameters
    ----------
    priors, projection_priors : Priors
        As :func:`mc.projection.project`.
    valuation : ValuationPriors
        From :func:`mc.valuation.load_valuation_priors`.
    years : sequence of int
        Consecutive years; the valuation date is 1 January of the first.
    n_draws, seed, method
        As :func:`mc.sampling.draw`.
    convention : {"mid", "end"}
        Cash flows at the middle or the end of each year.
    terminal : {"gordon", "exit"}
        The terminal value in ``ev_cny`` (both EVs are always reported).
    volume_paths : ndarray (n_draws, n_years), optional
        Default: the prior path of the projection priors.

    Returns
    -------
    xarray.Dataset
        Yearly outputs over ``(sample, year)``, path outputs and every valuation
        input over ``sample``; attrs record the convention and terminal method.
    """
    if convention not in CONVENTIONS:
        raise InputError("--convention", "", f"must be one of {', '.join(CONVENTIONS)}, got {convention!r}")
    if terminal not in TERMINAL_METHODS:
        raise InputError("--terminal", "", f"must be one of {', '.join(TERMINAL_METHODS)}, got {terminal!r}")
    check_base_model(priors)
    years = np.asarray(years, dtype=int)
    x = draw(Priors({**priors.assumptions, **projection_priors.assumptions, **valuation.priors.assumptions},
                    origin=priors.origin, correlation=priors.correlation), n_draws, seed=seed, method=method)
    volume = volume_paths if volume_paths is not None else fleet.prior_volume_paths(
        x["start_tokens_per_day"], x["tokens_growth_multiple"], x["growth_persistence"], years.size)
    outputs = evaluate_value(x, volume, model=priors.model, power=has_power(projection_priors),
                             retire_excess=valuation.retire_excess_start_fleet, origin=valuation.origin,
                             convention=convention, terminal=terminal)
    meta = {"convention": convention_text(convention), "terminal": terminal, "n_draws": n_draws, "seed": seed,
            "method": method, "priors_origin": priors.origin, "projection_priors_origin": projection_priors.origin,
            "valuation_priors_origin": valuation.origin, "valuation_date": f"{years[0]}-01-01",
            "volume_source": "prior path (projection priors)" if volume_paths is None else "given paths",
            **dict(attrs or {})}
    return _dataset(outputs, x, valuation.priors.names, years, meta)


def evaluate_value(x: Mapping[str, np.ndarray], volume: np.ndarray, *, model, power: bool, retire_excess: bool,
                   origin: str, convention: str = "mid", terminal: str = "gordon") -> dict[str, np.ndarray]:
    """Every yearly and path output of the valuation from per-path inputs ``x`` and volume paths."""
    remaining = np.maximum(np.asarray(x["depreciation_years"], float) - x["start_fleet_age_years"], 0.0)
    start = StartFleet(np.asarray(x["start_fleet_gpus"], float), remaining, retire_excess, origin)
    yearly = evaluate_paths(x, volume, power=power, model=model, start_fleet=start)
    revenue = yearly["revenue_cny"]
    power_cny = yearly.get("power_cny", np.zeros_like(revenue))
    other_opex = np.asarray(x["other_opex_share"], float)[:, None] * revenue
    flows = free_cash_flow(revenue, power_cny, other_opex, yearly["depreciation_cny"], yearly["capex_cny"],
                           x["tax_rate"])
    ev = enterprise_values(flows["fcf_cny"], flows["ebitda_cny"], x["wacc"], x["terminal_growth"],
                           x["ev_ebitda_multiple"], convention)
    pv_terminal = ev["pv_tv_gordon_cny"] if terminal == "gordon" else ev["pv_tv_exit_cny"]
    total = ev["pv_explicit_cny"] + pv_terminal
    with np.errstate(divide="ignore", invalid="ignore"):
        share = pv_terminal / total
    return {**{k: yearly[k] for k in ("revenue_cny", "depreciation_cny", "capex_cny", "fleet_gpus",
                                      "gpus_purchased")},
            "power_cny": power_cny, "other_opex_cny": other_opex, **flows, **ev,
            "pv_terminal_cny": pv_terminal, "ev_cny": total, "terminal_share": share}


def convention_text(convention: str) -> str:
    """The discounting convention in words, for every output."""
    if convention == "mid":
        return "mid-year: year k's cash flow discounted by (1 + WACC)^-(k + 0.5) from 1 January of the start year"
    return "end-of-year: year k's cash flow discounted by (1 + WACC)^-(k + 1) from 1 January of the start year"


def _dataset(outputs, x, input_names, years, attrs) -> xr.Dataset:
    data_vars = {n: xr.Variable((SAMPLE_DIM, YEAR_DIM), outputs[n], attrs={"unit": u, "description": d,
                                                                          "role": "output"})
                 for n, (u, d) in YEARLY.items()}
    data_vars.update({n: xr.Variable((SAMPLE_DIM,), outputs[n], attrs={"unit": u, "description": d, "role": "output"})
                      for n, (u, d) in PATH.items()})
    data_vars.update({n: xr.Variable((SAMPLE_DIM,), np.asarray(x[n], float), attrs={"role": "input"})
                      for n in input_names})
    return xr.Dataset(data_vars, coords={YEAR_DIM: years}, attrs=dict(attrs))
