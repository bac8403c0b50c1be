"""The formula language of model files: arithmetic on arrays, and nothing else.

A formula is parsed with :func:`ast.parse` and rebuilt as a tree of the few
node types below; anything else (attribute access, subscripts, lambdas,
comprehensions, strings, calls outside :data:`FUNCTIONS`) is refused with a
:class:`FormulaError`. The user's text is never evaluated: the tree is turned
into a chain of numpy calls by :func:`compile_formula`, with constant
sub-expressions folded once.

Grammar: numbers, names, ``+ - * / **``, unary minus and plus, parentheses,
one comparison ``< <= > >= == !=`` (true is 1.0, false 0.0), and the calls
``min(a, b, ...)``, ``max(a, b, ...)`` (element-wise), ``where(cond, a, b)``,
``clip(x, lo, hi)``, ``exp``, ``log``, ``log10``, ``sqrt``, ``abs``, ``ceil``,
``floor``.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import reduce
from typing import Callable, Mapping, Union

import numpy as np

MAX_FORMULA_CHARS = 4_000


class FormulaError(ValueError):
    """A formula that is not in the language (the message says what and where)."""


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / **
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True)
class Compare:
    op: str  # < <= > >= == !=
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple["Node", ...]


Node = Union[Num, Name, BinOp, Neg, Compare, Call]

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_UFUNC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
          "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
          "!=": np.not_equal}
# name -> (numpy function, number of arguments: int, or None for two or more)
FUNCTIONS: dict[str, tuple[Callable, int | None]] = {
    "min": (lambda *a: reduce(np.minimum, a), None),
    "max": (lambda *a: reduce(np.maximum, a), None),
    "where": (lambda c, a, b: np.where(np.asarray(c) != 0, a, b), 3),
    "clip": (lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), 3),
    "exp": (np.exp, 1), "log": (np.log, 1), "log10": (np.log10, 1), "sqrt": (np.sqrt, 1),
    "abs": (np.abs, 1), "ceil": (np.ceil, 1), "floor": (np.floor, 1),
}
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.BoolOp: "'and'/'or' (use where, min or max)",
    ast.IfExp: "'if ... else' (use where)", ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts",
    ast.Set: "sets", ast.Starred: "starred arguments", ast.NamedExpr: "assignments",
    ast.JoinedStr: "strings", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
}


def parse_formula(text: str) -> Node:
    """Parse `text` into the allow-listed tree, or raise :class:`FormulaError`."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {text!r}")
    if not text.strip():
        raise FormulaError("the formula is empty")
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError(f"the formula is longer than {MAX_FORMULA_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"syntax error at column {exc.offset}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is nested too deeply or contains a null byte") from None
    try:
        return _convert(tree.body)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None


def _convert(node: ast.AST) -> Node:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FormulaError(f"only numbers are allowed as literals, not {value!r}")
        number = float(value) if not isinstance(value, int) or abs(value) < 2**63 else float("inf")
        if not np.isfinite(number):
            raise FormulaError(f"the number {value!r} is not finite")
        return Num(number)
    if isinstance(node, ast.Name):
        return Name(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return BinOp(_BINOPS[type(node.op)], _convert(node.left), _convert(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _convert(node.operand)
        return Neg(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in _CMPOPS:
            raise FormulaError("only a single comparison < <= > >= == != is allowed (no chains, 'in' or 'is')")
        return Compare(_CMPOPS[type(node.ops[0])], _convert(node.left), _convert(node.comparators[0]))
    if isinstance(node, ast.Call):
        return _convert_call(node)
    raise FormulaError(f"not allowed in a formula: {_describe(node)}")


def _convert_call(node: ast.Call) -> Call:
    if not isinstance(node.func, ast.Name):
        raise FormulaError(f"not allowed in a formula: {_describe(node.func)}")
    name = node.func.id
    if name not in FUNCTIONS:
        raise FormulaError(f"function {name!r} is not allowed; allowed: {', '.join(FUNCTIONS)}")
    if node.keywords:
        raise FormulaError(f"{name}() takes no keyword arguments")
    args = tuple(_convert(a) for a in node.args)
    arity = FUNCTIONS[name][1]
    if arity is None and len(args) < 2:
        raise FormulaError(f"{name}() needs two or more arguments, got {len(args)}")
    if arity is not None and len(args) != arity:
        raise FormulaError(f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}")
    return Call(name, args)


def _describe(node: ast.AST) -> str:
    for kind, text in _REFUSED.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"operator {type(node.op).__name__}"
    return f"{type(node).__name__} expressions"


def free_names(node: Node) -> set[str]:
    """Every name a formula reads."""
    if isinstance(node, Name):
        return {node.id}
    if isinstance(node, (BinOp, Compare)):
        return free_names(node.left) | free_names(node.right)
    if isinstance(node, Neg):
        return free_names(node.operand)
    if isinstance(node, Call):
        return set().union(*(free_names(a) for a in node.args))
    return set()


Evaluator = Callable[[Mapping[str, np.ndarray]], np.ndarray]


def compile_formula(node: Node, constants: Mapping[str, float]) -> Evaluator | float:
    """A function of ``{name: array}`` computing the formula, or a float if it is constant.

    Constants are substituted and constant sub-expressions folded once, so
    evaluation is a short chain of numpy calls on the arrays.
    """
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        if node.id in constants:
            return float(constants[node.id])
        key = node.id
        return lambda env: env[key]
    if isinstance(node, Neg):
        return _apply(np.negative, [compile_formula(node.operand, constants)])
    if isinstance(node, (BinOp, Compare)):
        parts = [compile_formula(node.left, constants), compile_formula(node.right, constants)]
        return _apply(_UFUNC[node.op], parts, as_float=isinstance(node, Compare))
    return _apply(FUNCTIONS[node.func][0], [compile_formula(a, constants) for a in node.args])


def _apply(fn: Callable, parts: list, as_float: bool = False) -> Evaluator | float:
    if all(isinstance(p, float) for p in parts):
        with np.errstate(all="ignore"):
            value = float(fn(*parts))
        if not np.isfinite(value):
            raise FormulaError("a constant part of the formula is not finite (overflow, 0/0 or log of 0)")
        return value
    if as_float:
        def compare(env, parts=parts):
            return fn(*[p if isinstance(p, float) else p(env) for p in parts]).astype(float)
        return compare
    if len(parts) == 2:  # the common case, without building a list per call
        a, b = parts
        if isinstance(a, float):
            return lambda env: fn(a, b(env))
        if isinstance(b, float):
            return lambda env: fn(a(env), b)
        return lambda env: fn(a(env), b(env))
    if len(parts) == 1:
        (a,) = parts
        return lambda env: fn(a(env))
    return lambda env: fn(*[p if isinstance(p, float) else p(env) for p in parts])


def is_zero_literal(node: Node) -> bool:
    """A bare 0, which fits any unit (``max(profit, 0)``)."""
    return isinstance(node, Num) and node.value == 0.0
