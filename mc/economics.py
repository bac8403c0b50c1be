"""The report's economics as pure vectorised functions of input arrays.

Guosen Securities (Dec 2024, seeds/000, 豆包API调用收入计算): tokens per day ->
tokens per second -> compute at peak -> GPUs -> capex per year, against revenue
from paid tokens. Every function takes and returns numpy arrays (or scalars)
and broadcasts; nothing loops over draws.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365
FLOPS_PER_PARAM_PER_TOKEN = 2  # forward pass: one multiply-add per active parameter
TERA = 1e12
EXA = 1e18
TOKENS_PER_PRICE_UNIT = 1e6  # prices are quoted per million tokens


@dataclass(frozen=True)
class Quantity:
    """A model input or output: its unit and, for inputs, its admissible domain."""

    name: str
    unit: str
    description: str
    low: float = -np.inf
    high: float = np.inf
    low_open: bool = True
    high_open: bool = True

    def domain_text(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def admits(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below)


def _positive(name: str, unit: str, description: str) -> Quantity:
    return Quantity(name, unit, description, low=0.0)


def _share(name: str, description: str) -> Quantity:
    return Quantity(name, "fraction", description, low=0.0, high=1.0, high_open=False)


INPUTS: dict[str, Quantity] = {q.name: q for q in (
    _positive("tokens_per_day", "tokens/day", "average daily tokens served"),
    _positive("active_params", "parameters", "parameters active per token (MoE)"),
    Quantity("peak_to_avg", "ratio", "capacity built for peak over average load", low=1.0, low_open=False),
    _positive("gpu_tflops", "TFLOPS", "peak throughput per GPU at the serving precision"),
    _share("utilization", "average achieved fraction of GPU peak"),
    _positive("price_cny_per_m_tokens", "CNY per million tokens", "blended price of a paid token"),
    _share("paid_share", "share of tokens that are paid for"),
    _positive("gpu_price_cny", "CNY per GPU", "purchase price of one GPU"),
    _positive("depreciation_years", "years", "straight-line depreciation period of a GPU"),
)}

OUTPUTS: dict[str, Quantity] = {q.name: q for q in (
    Quantity("tokens_per_day", "tokens/day", "average daily tokens"),
    Quantity("tokens_per_s", "tokens/s", "average tokens per second"),
    Quantity("required_eflops", "EFLOPS", "compute needed at peak, before utilisation"),
    Quantity("gpus", "GPUs", "GPUs needed at peak"),
    Quantity("revenue_cny_per_day", "CNY/day", "paid-token revenue per day"),
    Quantity("revenue_cny_per_year", "CNY/year", "paid-token revenue per year"),
    Quantity("capex_cny_per_year", "CNY/year", "GPU purchases spread over the depreciation period"),
    Quantity("profit_cny_per_year", "CNY/year", "revenue less annual GPU capex"),
    Quantity("margin", "fraction", "(revenue - capex) / revenue"),
)}


def tokens_per_s(tokens_per_day):
    return np.divide(tokens_per_day, SECONDS_PER_DAY)


def required_eflops(tokens_per_day, active_params, peak_to_avg):
    """Compute needed at peak, in EFLOPS: 2 FLOPs per active parameter per token."""
    flops = FLOPS_PER_PARAM_PER_TOKEN * np.multiply(active_params, tokens_per_s(tokens_per_day))
    return flops * peak_to_avg / EXA


def gpus(required_eflops_, gpu_tflops, utilization):
    """GPUs needed so that achieved throughput covers the peak requirement."""
    return np.multiply(required_eflops_, EXA) / (np.multiply(gpu_tflops, TERA) * utilization)


def revenue_cny_per_day(tokens_per_day, price_cny_per_m_tokens, paid_share):
    return np.divide(tokens_per_day, TOKENS_PER_PRICE_UNIT) * price_cny_per_m_tokens * paid_share


def capex_cny_per_year(gpus_, gpu_price_cny, depreciation_years):
    """The fleet's purchase price spread evenly over its depreciation period."""
    return np.multiply(gpus_, gpu_price_cny) / depreciation_years


def margin(revenue_cny_per_year_, capex_cny_per_year_):
    """(revenue - capex) / revenue; never above 1 since capex is not negative."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - np.divide(capex_cny_per_year_, revenue_cny_per_year_)


def evaluate(inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All outputs of the report's model from arrays (or scalars) of every input.

    Parameters
    ----------
    inputs : mapping
        One array per name in :data:`INPUTS`, all broadcastable together.

    Returns
    -------
    dict
        One array per name in :data:`OUTPUTS`, in base units (CNY, tokens).
    """
    x = inputs
    eflops = required_eflops(x["tokens_per_day"], x["active_params"], x["peak_to_avg"])
    fleet = gpus(eflops, x["gpu_tflops"], x["utilization"])
    per_day = revenue_cny_per_day(x["tokens_per_day"], x["price_cny_per_m_tokens"], x["paid_share"])
    revenue = per_day * DAYS_PER_YEAR
    capex = capex_cny_per_year(fleet, x["gpu_price_cny"], x["depreciation_years"])
    return {
        "tokens_per_day": np.asarray(x["tokens_per_day"], dtype=float),
        "tokens_per_s": tokens_per_s(x["tokens_per_day"]),
        "required_eflops": eflops,
        "gpus": fleet,
        "revenue_cny_per_day": per_day,
        "revenue_cny_per_year": revenue,
        "capex_cny_per_year": capex,
        "profit_cny_per_year": revenue - capex,
        "margin": margin(revenue, capex),
    }
