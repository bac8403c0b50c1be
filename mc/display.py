"""Units for the screen: 亿元 for money, 万 for GPUs, 万亿 for tokens per day.

Files always hold base units (CNY, tokens, GPUs); only what is printed is scaled.
"""
from __future__ import annotations

import math

YI = 1e8  # 亿
WAN = 1e4  # 万
WAN_YI = 1e12  # 万亿

# quantity -> (divide by, unit shown): the one-year outputs, the inputs, the projection's yearly outputs
DISPLAY_UNITS: dict[str, tuple[float, str]] = {
    "tokens_per_day": (WAN_YI, "万亿 tokens/day"),
    "tokens_per_s": (YI, "亿 tokens/s"),
    "required_eflops": (1.0, "EFLOPS"),
    "gpus": (WAN, "万 GPUs"),
    "revenue_cny_per_day": (YI, "亿元/day"),
    "revenue_cny_per_year": (YI, "亿元/yr"),
    "capex_cny_per_year": (YI, "亿元/yr"),
    "profit_cny_per_year": (YI, "亿元/yr"),
    "margin": (0.01, "%"),
    "active_params": (YI, "亿 params"),
    "peak_to_avg": (1.0, "x"),
    "gpu_tflops": (1.0, "TFLOPS"),
    "utilization": (0.01, "%"),
    "price_cny_per_m_tokens": (1.0, "元/M tokens"),
    "paid_share": (0.01, "%"),
    "gpu_price_cny": (WAN, "万元"),
    "depreciation_years": (1.0, "years"),
    "revenue_cny": (YI, "亿元/yr"),
    "fleet_gpus": (WAN, "万 GPUs"),
    "gpus_purchased": (WAN, "万 GPUs"),
    "capex_cny": (YI, "亿元/yr"),
    "depreciation_cny": (YI, "亿元/yr"),
    "power_cny": (YI, "亿元/yr"),
    "cash_flow_cny": (YI, "亿元/yr"),
    "margin_after_power": (0.01, "%"),
}


def scaled(output: str, value: float) -> float:
    """`value` in the display unit of `output` (unchanged if it has none)."""
    factor, _ = DISPLAY_UNITS.get(output, (1.0, ""))
    return value / factor


def unit(output: str) -> str:
    return DISPLAY_UNITS.get(output, (1.0, ""))[1]


def fmt(value: float, digits: int = 4) -> str:
    """A compact number for a table cell: 4 significant digits, no exponent below 1e6."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}"
    return f"{value:,.{max(digits - 1 - int(math.floor(math.log10(abs(value)))) if value else 2, 0)}f}"
