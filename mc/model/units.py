"""Unit checking of model formulas with pint, once, when a model is loaded.

Every input, constant and output declares a unit. A formula's unit follows
from its operands (``*`` multiplies units, ``+`` needs equal ones, ...), and it
must equal the output's declared unit *with a factor of exactly one*: the
engine evaluates plain numbers, so a formula in CNY/day declared per year, a
price per million tokens used without its million, or FLOPS against TFLOPS is
refused rather than silently converted. Conversions are written as named
constants (``days_per_year = 365 day/year``), so every factor is visible.

Besides pint's units the registry knows token, GPU, parameter, FLOP, FLOPS,
node, user, request, CNY (元, RMB, yuan), USD, and the multipliers 万 (1e4),
亿 (1e8) and 万亿 (1e12).
"""
from __future__ import annotations

import functools
import math
from typing import Iterable, Mapping

from mc.model.formula import BinOp, Call, Compare, FormulaError, Name, Neg, Node, Num, is_zero_literal

EXTRA_UNITS = (
    "token = [token] = tok",
    "GPU = [gpu]",
    "parameter = [parameter] = param",
    "FLOP = [flop]",
    "FLOPS = FLOP / second",
    "node = [node]",
    "user = [user]",
    "request = [request]",
    "CNY = [currency_cny] = 元 = RMB = yuan",
    "USD = [currency_usd] = _ = US_dollar",
    "万 = 1e4",
    "亿 = 1e8",
    "万亿 = 1e12",
    "fraction = 1",
    "ratio = 1",
)
_TOLERANCE = 1e-9


class UnitError(ValueError):
    """A unit that cannot be parsed, or a formula whose units do not agree."""


@functools.lru_cache(maxsize=None)
def _registry_for(extra_base_units: tuple[str, ...]):
    import pint  # imported on first use: `mc --help` does not pay for it

    registry = pint.UnitRegistry(autoconvert_offset_to_baseunit=False)
    for definition in EXTRA_UNITS:
        registry.define(definition)
    for name in extra_base_units:
        registry.define(f"{name} = [{name}]")
    return registry


def registry(extra_base_units: Iterable[str] = ()):
    """The unit registry, with a model's own base units (e.g. ``frame``) added."""
    return _registry_for(tuple(sorted(extra_base_units)))


def parse_unit(text: str, reg):
    """A unit string as a pint Unit-like quantity of magnitude one."""
    if not isinstance(text, str) or not text.strip():
        raise UnitError(f"unit must be a non-empty string, got {text!r}")
    if text.strip() in ("1", "dimensionless"):
        return reg.Quantity(1.0, "dimensionless")
    try:
        quantity = reg.Quantity(1.0, reg.parse_units(text))
    except Exception as exc:  # pint raises several types for a bad unit string
        raise UnitError(f"unknown unit {text!r} ({exc.__class__.__name__}: {exc})") from None
    return quantity


def conversion_factor(a, b) -> float | None:
    """The number that turns a value in unit `a` into unit `b`, or None if their dimensions differ."""
    ratio = (a / b).to_base_units()
    if not ratio.dimensionless:
        return None
    return float(ratio.magnitude)


def same_unit(a, b) -> bool:
    """Equal dimension and a conversion factor of one."""
    factor = conversion_factor(a, b)
    return factor is not None and math.isclose(factor, 1.0, rel_tol=_TOLERANCE)


def describe(unit) -> str:
    text = str(unit.units)
    return text or "dimensionless"


def mismatch_text(got, declared) -> str:
    """Why two units differ: their dimensions, or the factor between them."""
    factor = conversion_factor(got, declared)
    if factor is None:
        return f"formula gives {describe(got)} but the output is declared in {describe(declared)}"
    return (f"formula gives {describe(got)} but the output is declared in {describe(declared)}, a factor of "
            f"{factor:.6g} apart; add a conversion constant")


def formula_unit(node: Node, units: Mapping[str, object], reg):
    """The unit of a formula from the units of the names it reads (`units`)."""
    if isinstance(node, Num):
        return reg.Quantity(1.0, "dimensionless")
    if isinstance(node, Name):
        return units[node.id]
    if isinstance(node, Neg):
        return formula_unit(node.operand, units, reg)
    if isinstance(node, Compare):
        _agree(node.op, [node.left, node.right], units, reg)
        return reg.Quantity(1.0, "dimensionless")
    if isinstance(node, BinOp):
        return _binop_unit(node, units, reg)
    return _call_unit(node, units, reg)


def _binop_unit(node: BinOp, units, reg):
    if node.op in "+-":
        return _agree(node.op, [node.left, node.right], units, reg)
    left, right = formula_unit(node.left, units, reg), formula_unit(node.right, units, reg)
    if node.op == "*":
        return left * right
    if node.op == "/":
        return left / right
    if not right.dimensionless or not same_unit(right, reg.Quantity(1.0, "dimensionless")):
        raise UnitError(f"an exponent must be dimensionless, got {describe(right)}")
    if left.dimensionless and same_unit(left, reg.Quantity(1.0, "dimensionless")):
        return left
    if not isinstance(node.right, Num) and not _is_negated_number(node.right):
        raise UnitError(f"a quantity in {describe(left)} can only be raised to a literal number")
    exponent = node.right.value if isinstance(node.right, Num) else -node.right.operand.value
    return reg.Quantity(1.0, left.units ** exponent)


def _is_negated_number(node: Node) -> bool:
    return isinstance(node, Neg) and isinstance(node.operand, Num)


def _call_unit(node: Call, units, reg):
    name, args = node.func, node.args
    if name in ("min", "max"):
        return _agree(f"{name}()", list(args), units, reg)
    if name == "where":
        formula_unit(args[0], units, reg)
        return _agree("where()", list(args[1:]), units, reg)
    if name == "clip":
        return _agree("clip()", list(args), units, reg)
    inner = formula_unit(args[0], units, reg)
    if name in ("abs", "ceil", "floor"):
        return inner
    if name == "sqrt":
        return reg.Quantity(1.0, inner.units ** 0.5)
    if not same_unit(inner, reg.Quantity(1.0, "dimensionless")):
        raise UnitError(f"{name}() needs a dimensionless argument, got {describe(inner)}")
    return reg.Quantity(1.0, "dimensionless")


def _agree(where: str, nodes: list[Node], units, reg):
    """Operands that must share one unit (a bare 0 fits any); their unit."""
    found = [(n, formula_unit(n, units, reg)) for n in nodes]
    typed = [(n, u) for n, u in found if not is_zero_literal(n)]
    if not typed:
        return found[0][1]
    first = typed[0][1]
    for _, unit in typed[1:]:
        if not same_unit(unit, first):
            raise UnitError(f"'{where}' mixes {describe(first)} and {describe(unit)}")
    return first


def check_output_unit(node: Node, units: Mapping[str, object], declared, reg) -> None:
    """Raise :class:`UnitError` unless the formula's unit equals `declared` (factor one)."""
    try:
        got = formula_unit(node, units, reg)
    except FormulaError:
        raise
    if not same_unit(got, declared):
        raise UnitError(mismatch_text(got, declared))
