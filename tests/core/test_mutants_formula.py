"""The formula language against numpy, case by case: tests that small bugs cannot pass.

Written against hand-made mutants of mc/model/formula.py (a swapped operator
or operand order, comparison boundaries, where() on negative conditions,
min() of only two arguments, clip() with its bounds swapped, log for log10,
round for ceil, unary plus as minus, the length limit, free names of calls,
the zero literal). The random-formula property test in tests/model kills most
of these too; these direct cases name the rule each one breaks. The oracle is
the same expression written in numpy.
"""
import numpy as np
import pytest

from mc.model.formula import (MAX_FORMULA_CHARS, FormulaError, Num, compile_formula, free_names, is_zero_literal,
                              parse_formula)

ENV = {"a": np.array([1.0, 2.0, 3.0, -4.0]), "b": np.array([2.0, 2.0, 0.5, -4.0]),
       "c": np.array([-1.0, 0.0, 2.0, 0.5])}


def evaluate(text, constants=None):
    f = compile_formula(parse_formula(text), constants or {})
    return f if isinstance(f, float) else f(ENV)


A, B, C = ENV["a"], ENV["b"], ENV["c"]


@pytest.mark.parametrize("text, expected", [
    ("a - b", A - B), ("b - a", B - A), ("a / b", A / B), ("b ** 2", B**2), ("2 ** b", 2.0**B),
    ("a ** b", A**B), ("1 - a", 1 - A), ("a - 1", A - 1), ("10 / a", 10 / A), ("a / 10", A / 10),
    ("-a", -A), ("+a", A), ("-(a - b)", B - A),
    ("a < b", (A < B) * 1.0), ("a <= b", (A <= B) * 1.0), ("a > b", (A > B) * 1.0),
    ("a >= b", (A >= B) * 1.0), ("a == b", (A == B) * 1.0), ("a != b", (A != B) * 1.0),
    ("1 < a", (1 < A) * 1.0), ("a < 2", (A < 2) * 1.0),
    ("min(a, b, c)", np.minimum(np.minimum(A, B), C)), ("max(c, a, b)", np.maximum(np.maximum(A, B), C)),
    ("min(a, 0, b, c)", np.minimum.reduce([A, np.zeros(4), B, C])),
    ("where(c, a, b)", np.where(C != 0, A, B)), ("where(c, 1, b)", np.where(C != 0, 1.0, B)),
    ("where(a > b, a, 7)", np.where(A > B, A, 7.0)),
    ("clip(a, b, 2.5)", np.clip(A, B, 2.5)), ("clip(a, 0, 2)", np.clip(A, 0, 2)),
    ("clip(a, 3, 1)", np.clip(A, 3, 1)),  # bounds crossed: numpy's rule, every value becomes the upper bound
    ("log10(abs(a) * 100)", np.log10(np.abs(A) * 100)), ("ceil(a / 4)", np.ceil(A / 4)),
    ("floor(a / 4)", np.floor(A / 4)), ("sqrt(abs(a))", np.sqrt(np.abs(A))), ("exp(c)", np.exp(C)),
])
def test_formula_equals_numpy(text, expected):
    np.testing.assert_array_equal(evaluate(text), expected)


def test_comparison_boundaries_at_equal_values():
    # a == b in the second and fourth draws
    np.testing.assert_array_equal(evaluate("a < b"), [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(evaluate("a >= b"), [0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(evaluate("a != b"), [1.0, 0.0, 1.0, 0.0])


def test_constants_fold_to_a_float():
    assert evaluate("2 * k - 1", {"k": 3.0}) == 5.0
    assert evaluate("ceil(1.2) + log10(1000)") == 5.0
    assert evaluate("-k", {"k": 2.0}) == -2.0 and evaluate("+k", {"k": 2.0}) == 2.0


@pytest.mark.parametrize("text", ["min(a)", "max(b)", "clip(a, 1)", "where(a, b)", "exp(a, b)"])
def test_wrong_number_of_arguments_is_refused(text):
    with pytest.raises(FormulaError):
        parse_formula(text)


def test_length_limit_is_exact():
    at_limit = "0." + "1" * (MAX_FORMULA_CHARS - 2)  # one long number: no nesting
    assert len(at_limit) == MAX_FORMULA_CHARS
    assert parse_formula(at_limit) == Num(float("0." + "1" * 20))
    with pytest.raises(FormulaError, match="longer than"):
        parse_formula(at_limit + "0")


def test_free_names_of_every_argument():
    assert free_names(parse_formula("max(a, b, c * d)")) == {"a", "b", "c", "d"}
    assert free_names(parse_formula("where(x > 0, y, -z)")) == {"x", "y", "z"}


def test_only_a_bare_zero_is_the_unitless_zero():
    assert is_zero_literal(parse_formula("0")) and is_zero_literal(parse_formula("0.0"))
    assert not is_zero_literal(Num(0.5)) and not is_zero_literal(Num(1.0)) and not is_zero_literal(Num(-1.0))
    assert not is_zero_literal(parse_formula("a"))
