"""Random arithmetic formulas evaluate through mc.model.formula exactly as direct numpy does.

Hypothesis (derandomized) builds an expression as text and, alongside, as a chain of numpy calls:
numbers, array names, a substituted constant, + - * / **, unary minus, parentheses, comparisons and
every allowed function. The formula engine must parse the text and give the same numbers (NaN-equal,
bit for bit: constant parts are folded as Python floats on both sides), or refuse it with a
FormulaError exactly when a constant part is not finite.
"""
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mc.model.formula import FUNCTIONS, FormulaError, compile_formula, free_names, parse_formula

ARRAY_NAMES = ("a", "b", "c")
CONSTANTS = {"k": 2.5}
FINITE = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class Expr:
    text: str
    constant: bool  # True: `value` is a float; False: `value(env)` is an array
    value: Any
    bad: bool = False  # a constant part is not finite: the engine must refuse the formula
    names: frozenset = frozenset()


def number(x: float) -> Expr:
    return Expr(repr(float(x)), True, float(x))


def integer(i: int) -> Expr:
    return Expr(str(i), True, float(i))


def name(n: str) -> Expr:
    if n in CONSTANTS:
        return Expr(n, True, CONSTANTS[n], names=frozenset({n}))
    return Expr(n, False, lambda env: env[n], names=frozenset({n}))


def apply(fn, parts, text, as_float=False) -> Expr:
    """The numpy value of fn(*parts): a float when every part is constant, else a function of env."""
    bad = any(p.bad for p in parts)
    names = frozenset().union(*(p.names for p in parts))
    if all(p.constant for p in parts):
        with np.errstate(all="ignore"):
            value = float(fn(*[p.value for p in parts]))
        return Expr(text, True, value, bad or not np.isfinite(value), names)

    def evaluate(env):
        result = fn(*[p.value if p.constant else p.value(env) for p in parts])
        return result.astype(float) if as_float else result
    return Expr(text, False, evaluate, bad, names)


BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}
COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
           "!=": np.not_equal}
DIRECT = {  # the documented meaning of each allowed function, in plain numpy
    "min": lambda *a: reduce(np.minimum, a), "max": lambda *a: reduce(np.maximum, a),
    "where": lambda c, a, b: np.where(np.asarray(c) != 0, a, b),
    "clip": lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    "exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt, "abs": np.abs, "ceil": np.ceil,
    "floor": np.floor,
}
ARITY = {"where": 3, "clip": 3, "exp": 1, "log": 1, "log10": 1, "sqrt": 1, "abs": 1, "ceil": 1, "floor": 1}

numbers = st.one_of(
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False).map(number),
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]).map(number),
    st.integers(0, 1000).map(integer),
)
names = st.sampled_from(ARRAY_NAMES + tuple(CONSTANTS)).map(name)
leaves = st.one_of(names, numbers)  # names first: most formulas read an array


def extend(children):
    binary = st.tuples(st.sampled_from(sorted(BINARY)), children, children).map(
        lambda t: apply(BINARY[t[0]], [t[1], t[2]], f"({t[1].text} {t[0]} {t[2].text})"))
    negated = children.map(lambda e: apply(np.negative, [e], f"(-{e.text})"))
    compared = st.tuples(st.sampled_from(sorted(COMPARE)), children, children).map(
        lambda t: apply(COMPARE[t[0]], [t[1], t[2]], f"({t[1].text} {t[0]} {t[2].text})", as_float=True))
    called = st.sampled_from(sorted(DIRECT)).flatmap(
        lambda f: st.lists(children, min_size=ARITY.get(f, 2), max_size=ARITY.get(f, 4)).map(
            lambda args: apply(DIRECT[f], args, f"{f}({', '.join(a.text for a in args)})")))
    return st.one_of(binary, negated, compared, called)


expressions = st.recursive(leaves, extend, max_leaves=14)
environments = st.fixed_dictionaries({n: st.lists(FINITE, min_size=6, max_size=6).map(np.array)
                                      for n in ARRAY_NAMES})


def test_the_oracle_knows_every_allowed_function():
    assert set(DIRECT) == set(FUNCTIONS)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(expressions, environments)
def test_random_formulas_evaluate_as_direct_numpy(expr, env):
    tree = parse_formula(expr.text)
    assert free_names(tree) == set(expr.names)
    if expr.bad:
        with pytest.raises(FormulaError, match="not finite"):
            compile_formula(tree, CONSTANTS)
        return
    compiled = compile_formula(tree, CONSTANTS)
    with np.errstate(all="ignore"):
        got = compiled if isinstance(compiled, float) else compiled(env)
        want = expr.value if expr.constant else expr.value(env)
    assert isinstance(compiled, float) == expr.constant  # constant formulas are folded to one number
    np.testing.assert_array_equal(np.broadcast_to(got, (6,)), np.broadcast_to(want, (6,)), err_msg=expr.text)


@pytest.mark.parametrize("text, expected", [
    # Python's precedence and associativity, worked by hand
    ("-a ** 2", -9.0), ("a - b - c", 3.0 - 4.0 - 5.0), ("a / b / c", 3.0 / 4.0 / 5.0),
    ("2 ** 3 ** 2", 512.0), ("-2 ** 2", -4.0), ("a + b * c", 23.0), ("(a + b) * c", 35.0),
    ("a < b", 1.0), ("a + 1 >= b", 1.0), ("a == b", 0.0), ("+a", 3.0), ("--a", 3.0),
    ("min(a, b, c)", 3.0), ("max(a, b, c)", 5.0), ("where(a > b, a, b)", 4.0), ("clip(c, a, b)", 4.0),
])
def test_precedence_follows_python(text, expected):
    env = {"a": np.array([3.0]), "b": np.array([4.0]), "c": np.array([5.0])}
    compiled = compile_formula(parse_formula(text), {})
    got = compiled if isinstance(compiled, float) else compiled(env)
    assert np.array_equal(np.broadcast_to(got, (1,)), [expected])
