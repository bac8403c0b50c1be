"""The multi-year projection: one path per draw, labelled over (sample, year).

Per draw, the economic inputs of the base priors (active parameters, peak
factor, GPU FLOPS and price, utilisation, start-year price, paid share,
depreciation period) are drawn once and held for every year of the path: the
simplest honest choice, since nothing is known about how they would wander.
The base priors' ``tokens_per_day`` is not used; the volume comes from the path.
The projection priors (price erosion, FLOPS per CNY, volume path, power,
discount rate) are also drawn once per path.  Both files are drawn in one call
of :func:`mc.sampling.draw`, so each input keeps its own random stream (and a
Sobol run uses one sequence over all of them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping, Sequence

import numpy as np
import xarray as xr

from mc import __version__
from mc.errors import InputError
from mc.priors import Priors
from mc.projection import fleet
from mc.projection.priors import PROJECTION_INPUTS, has_power
from mc.sampling import draw

SAMPLE_DIM, YEAR_DIM = "sample", "year"
MAX_YEARS = 50
# what a year of the projection reads from the base priors' model (the report's kind: tokens priced per
# million, served by GPUs bought at a price and depreciated over years)
BASE_INPUTS = ("tokens_per_day", "price_cny_per_m_tokens", "gpu_price_cny", "depreciation_years")
BASE_OUTPUTS = ("revenue_cny_per_year", "required_eflops", "gpus")

# name -> (unit, description) of each yearly output
YEARLY_OUTPUTS: dict[str, tuple[str, str]] = {
    "tokens_per_day": ("tokens/day", "average daily tokens over the year"),
    "price_cny_per_m_tokens": ("CNY per million tokens", "blended price that year"),
    "revenue_cny": ("CNY/year", "paid-token revenue"),
    "required_eflops": ("EFLOPS", "compute needed at peak, before utilisation"),
    "gpus_purchased": ("GPUs", "GPUs bought that year (shortfall against the surviving fleet)"),
    "fleet_gpus": ("GPUs", "GPUs in service that year"),
    "capex_cny": ("CNY/year", "cash spent on GPUs"),
    "depreciation_cny": ("CNY/year", "straight-line depreciation of the vintages in the books"),
    "margin": ("fraction", "(revenue - depreciation) / revenue, as the report"),
    "power_cny": ("CNY/year", "electricity of the fleet in service at full draw"),
    "margin_after_power": ("fraction", "(revenue - depreciation - power) / revenue"),
    "cash_flow_cny": ("CNY/year", "revenue - capex - power"),
}
PATH_OUTPUTS: dict[str, tuple[str, str]] = {
    "npv_cny": ("CNY", "cash flows discounted to the start year (no terminal value)"),
}


def year_range(start: int, stop: int) -> np.ndarray:
    """Years ``start .. stop`` inclusive, validated."""
    if stop < start:
        raise InputError("--to", "", f"end year {stop} is before start year {start}")
    if stop - start + 1 > MAX_YEARS:
        raise InputError("--to", "", f"at most {MAX_YEARS} years, got {stop - start + 1}")
    return np.arange(start, stop + 1)


def check_base_model(priors: Priors) -> None:
    """Refuse, in one line naming what is missing, base priors whose model the projection cannot read."""
    model = priors.model
    missing = ([f"input {n}" for n in BASE_INPUTS if n not in model.inputs]
               + [f"output {n}" for n in BASE_OUTPUTS if n not in model.outputs])
    if missing:
        raise InputError(priors.origin, "model", f"the projection and valuation read {', '.join(missing)} from "
                         f"the base model, which model {model.name} lacks; they run on models of the report's kind "
                         "(models/guosen_2024.toml)")


def project(priors: Priors, projection_priors: Priors, years: Sequence[int], n_draws: int, *, seed: int = 0,
            method: str = "mc", volume_paths: np.ndarray | None = None,
            attrs: Mapping | None = None) -> xr.Dataset:
    """Project revenue, fleet, capex, depreciation, power and NPV over `years`.

    Parameters
    ----------
    priors : Priors
        Base priors of the one-year model (:func:`mc.priors.load_priors`).
    projection_priors : Priors
        From :func:`mc.projection.load_projection_priors`.
    years : sequence of int
        Consecutive years, the first being the start year.
    n_draws : int
    seed : int
    method : {"mc", "lhs", "sobol"}
    volume_paths : ndarray (n_draws, n_years), optional
        Average daily tokens per path and year (e.g. from the growth fit);
        default: the prior path of the projection priors.
    attrs : mapping, optional
        Extra provenance to record (e.g. the volume source).

    Returns
    -------
    xarray.Dataset
        Yearly outputs over dims ``(sample, year)``, ``npv_cny`` and the path
        inputs over ``sample``; units in each variable's attrs.
    """
    check_base_model(priors)
    years = np.asarray(years, dtype=int)
    if years.size == 0 or np.any(np.diff(years) != 1):
        raise InputError("years", "", "years must be consecutive and non-empty")
    x = draw(Priors({**priors.assumptions, **projection_priors.assumptions}, origin=priors.origin,
                    correlation=priors.correlation), n_draws, seed=seed, method=method)
    if volume_paths is None:
        volume = fleet.prior_volume_paths(x["start_tokens_per_day"], x["tokens_growth_multiple"],
                                          x["growth_persistence"], years.size)
        source = "prior path (projection priors)"
    else:
        volume = _checked_paths(volume_paths, n_draws, years.size)
        source = "given paths"
    yearly = evaluate_paths(x, volume, power=has_power(projection_priors), model=priors.model)
    npv = fleet.net_present_value(yearly["cash_flow_cny"], x["discount_rate"])
    meta = {"volume_source": source, **_provenance(priors, projection_priors, n_draws, seed, method),
            **dict(attrs or {})}
    return _dataset(yearly, npv, x, years, projection_priors, meta)


@dataclass(frozen=True)
class StartFleet:
    """GPUs in service before the start year (one vintage of the start-year GPU).

    Attributes
    ----------
    gpus, remaining_years : ndarray (n_draws,)
        GPUs in service at the start and their years of depreciation left.
    retire_excess : bool
        GPUs beyond the horizon's largest need are retired (written off, no
        proceeds) at the start; when False such a draw is refused.
    origin : str
        Where the start fleet was declared, for the refusal message.
    """

    gpus: np.ndarray
    remaining_years: np.ndarray
    retire_excess: bool = False
    origin: str = "start fleet"


def evaluate_paths(x: Mapping[str, np.ndarray], volume: np.ndarray, *, power: bool, model,
                   start_fleet: StartFleet | None = None) -> dict[str, np.ndarray]:
    """Every yearly output from per-path inputs ``x`` (shape (n,)) and volume paths (n, n_years).

    Each year's revenue, compute and GPU need come from the base priors' model
    file (its ``revenue_cny_per_year``, ``required_eflops`` and ``gpus``) at that
    year's volume and price; the fleet, vintages and cash flows are the projection's own.
    With `start_fleet`, the GPUs already in service cover need first; they add
    to ``fleet_gpus``, ``depreciation_cny`` and power, never to capex.
    """
    n_years = volume.shape[1]
    k = np.arange(n_years)
    col = {n: np.asarray(v, dtype=float)[:, None] for n, v in x.items()}
    price = col["price_cny_per_m_tokens"] * (1.0 + col["price_change_per_year"]) ** k
    year = model.evaluate({**col, "tokens_per_day": volume, "price_cny_per_m_tokens": price})
    revenue, eflops = year["revenue_cny_per_year"], year["required_eflops"]
    need = year["gpus"]  # in start-year GPU equivalents
    flops_multiple = (1.0 + col["flops_per_cny_improvement"]) ** k
    legacy_gpus, legacy_charge = _legacy(start_fleet, need, x)
    bought, in_service = fleet.vintage_fleet(need, flops_multiple, x["depreciation_years"],
                                             legacy_capacity=legacy_gpus)
    in_service = in_service + legacy_gpus
    capex = bought * col["gpu_price_cny"]
    depreciation = fleet.depreciation_by_year(capex, x["depreciation_years"]) + legacy_charge
    out = {"tokens_per_day": volume, "price_cny_per_m_tokens": price, "revenue_cny": revenue,
           "required_eflops": eflops, "gpus_purchased": bought, "fleet_gpus": in_service,
           "capex_cny": capex, "depreciation_cny": depreciation,
           "margin": 1.0 - depreciation / revenue}
    power_cny = np.zeros_like(revenue)
    if power:
        power_cny = fleet.power_cost_cny(in_service, col["gpu_power_w"], col["pue"], col["electricity_cny_per_kwh"])
        out["power_cny"] = power_cny
        out["margin_after_power"] = 1.0 - (depreciation + power_cny) / revenue
    out["cash_flow_cny"] = revenue - capex - power_cny
    return out


def _legacy(start_fleet: StartFleet | None, need: np.ndarray, x) -> tuple[np.ndarray, np.ndarray]:
    """GPUs of the start fleet in service and their depreciation per year (zeros without one)."""
    if start_fleet is None:
        return np.zeros_like(need), np.zeros_like(need)
    gpus = np.asarray(start_fleet.gpus, dtype=float)
    most = need.max(axis=1)
    excess = gpus > most
    if np.any(excess) and not start_fleet.retire_excess:
        i = int(np.argmax(excess))
        raise InputError(start_fleet.origin, "start_fleet_gpus",
                         f"{gpus[i]:.4g} GPUs exceed the horizon's largest need ({most[i]:.4g}) in "
                         f"{excess.mean():.2%} of draws and cannot be retired; lower it or set "
                         f"retire_excess_start_fleet = true")
    gpus = np.minimum(gpus, most) if start_fleet.retire_excess else gpus
    return fleet.legacy_fleet(gpus, start_fleet.remaining_years, x["gpu_price_cny"], x["depreciation_years"],
                              need.shape[1])


def _checked_paths(paths, n_draws: int, n_years: int) -> np.ndarray:
    paths = np.asarray(paths, dtype=float)
    if paths.shape != (n_draws, n_years):
        raise InputError("volume_paths", "", f"shape {paths.shape} is not (n_draws, n_years) = {(n_draws, n_years)}")
    if not np.all(np.isfinite(paths)) or np.any(paths <= 0):
        raise InputError("volume_paths", "", "tokens per day must be positive and finite")
    return paths


def _provenance(priors: Priors, projection_priors: Priors, n_draws: int, seed: int, method: str) -> dict:
    return {
        "seed": int(seed), "n_draws": int(n_draws), "method": method,
        "priors_origin": priors.origin, "priors_hash": priors.hash,
        "projection_priors_origin": projection_priors.origin, "projection_priors_hash": projection_priors.hash,
        "as_of": str(projection_priors.meta.get("as_of", "")),
        "priors_as_of": str(priors.meta.get("as_of", "")),
        "power": "modelled at full draw, all year, every GPU in service" if has_power(projection_priors)
                 else "not modelled",
        "mc_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _dataset(yearly, npv, x, years, projection_priors: Priors, attrs: Mapping) -> xr.Dataset:
    data_vars = {}
    for name, values in yearly.items():
        unit, description = YEARLY_OUTPUTS[name]
        data_vars[name] = xr.Variable((SAMPLE_DIM, YEAR_DIM), values,
                                      attrs={"unit": unit, "description": description, "role": "output"})
    unit, description = PATH_OUTPUTS["npv_cny"]
    data_vars["npv_cny"] = xr.Variable((SAMPLE_DIM,), npv, attrs={"unit": unit, "description": description,
                                                                  "role": "output"})
    for name in projection_priors.names:
        q = PROJECTION_INPUTS[name]
        data_vars[name] = xr.Variable((SAMPLE_DIM,), x[name], attrs={"unit": q.unit, "description": q.description,
                                                                     "role": "input"})
    return xr.Dataset(data_vars, coords={YEAR_DIM: years}, attrs=dict(attrs))
