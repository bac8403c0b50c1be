"""A model's named quantity: an input, constant or output with its unit and admissible domain."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A model input or output: its unit and, for inputs, its admissible domain."""

    name: str
    unit: str
    description: str = ""
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True
    bad_tail: str = "low"  # outputs: which end is the bad tail ("high" for costs)

    def domain_text(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def admits(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below)


_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])\s*$")


def parse_domain(text: str) -> tuple[float, float, bool, bool]:
    """``"(0, inf)"`` or ``"[0, 1]"`` as (low, high, low_open, high_open).

    Raises
    ------
    ValueError
        If the text is not an interval with low < high.
    """
    match = _INTERVAL.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"domain {text!r} is not an interval such as \"(0, inf)\" or \"[0, 1]\"")
    left, low_text, high_text, right = match.groups()
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise ValueError(f"domain {text!r}: the bounds must be numbers or inf") from None
    if math.isnan(low) or math.isnan(high) or not low < high:
        raise ValueError(f"domain {text!r}: the lower bound must be below the upper bound")
    if (left == "[" and math.isinf(low)) or (right == "]" and math.isinf(high)):
        raise ValueError(f"domain {text!r}: an infinite bound must be open")
    return low, high, left == "(", right == ")"
