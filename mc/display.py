"""Units for the screen: 亿元 for money, 万 for GPUs, 万亿 for tokens per day.

Files always hold base units (CNY, tokens, GPUs); only what is printed is scaled.
"""
from __future__ import annotations

import math
import os
import unicodedata
from pathlib import Path

YI = 1e8  # 亿
WAN = 1e4  # 万
WAN_YI = 1e12  # 万亿

# quantity -> (divide by, unit shown) for the projection's yearly outputs and its inputs; a model's own
# quantities are shown as its file says (``display`` and ``label``, :class:`mc.model.Display`)
DISPLAY_UNITS: dict[str, tuple[float, str]] = {
    "tokens_per_day": (WAN_YI, "万亿 tokens/day"),
    "required_eflops": (1.0, "EFLOPS"),
    "margin": (0.01, "%"),
    "price_cny_per_m_tokens": (1.0, "元/M tokens"),
    "revenue_cny": (YI, "亿元/yr"),
    "fleet_gpus": (WAN, "万 GPUs"),
    "gpus_purchased": (WAN, "万 GPUs"),
    "capex_cny": (YI, "亿元/yr"),
    "depreciation_cny": (YI, "亿元/yr"),
    "power_cny": (YI, "亿元/yr"),
    "cash_flow_cny": (YI, "亿元/yr"),
    "margin_after_power": (0.01, "%"),
}


def scaled(output: str, value: float, model=None) -> float:
    """`value` in the display unit of `output` (the model's, else the table's; unchanged if neither has one)."""
    if model is not None and output in model.display:
        return model.display[output].apply(value)
    if model is not None and (output in model.outputs or output in model.inputs):
        return value
    factor, _ = DISPLAY_UNITS.get(output, (1.0, ""))
    return value / factor


def unit(output: str, model=None) -> str:
    """The unit `output` is shown in."""
    if model is not None and output in model.display:
        return model.display[output].label
    if model is not None and (output in model.outputs or output in model.inputs):
        return model.quantity(output).unit
    return DISPLAY_UNITS.get(output, (1.0, ""))[1]


def columns(text: str) -> int:
    """Terminal columns `text` takes: a wide or full-width character (亿, 元, 收入) takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` filled with spaces to `width` terminal columns, left-aligned (``"<"``) or right-aligned (``">"``);
    unchanged if it is already as wide. ``f"{text:<{width}}"`` counts characters, so 亿 would shift a row."""
    fill = " " * max(width - columns(text), 0)
    return text + fill if align == "<" else fill + text


def fmt(value: float, digits: int = 4) -> str:
    """A compact number for a table cell: 4 significant digits, no exponent below 1e6."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.{digits - 1}e}"
    return f"{value:,.{max(digits - 1 - int(math.floor(math.log10(abs(value)))) if value else 2, 0)}f}"


def display_path(path) -> str:
    """A path as a header line shows it: relative to the working directory when it lies below it."""
    text = str(path)
    try:
        relative = os.path.relpath(Path(text).resolve(), Path.cwd())
    except (OSError, ValueError):
        return text
    return relative if not relative.startswith("..") else text
