"""A model: named inputs, constants and outputs, and a vectorised evaluation of every output.

Two kinds share one interface (:class:`Model`): a model file, whose outputs
are formulas (:mod:`mc.model.file`), and a Python function with declared
inputs and outputs (:func:`python_model`). The engine (sampling, summaries,
sensitivity, scenarios, goal seek) knows only this interface: inputs, outputs,
units and ``evaluate``.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from mc.errors import InputError
from mc.model.quantity import Quantity
from mc.model.units import UnitError, describe, parse_unit, registry, same_unit


@dataclass(frozen=True)
class Constant:
    """A named number with its unit and source, fixed in every draw."""

    name: str
    value: float
    unit: str
    source: str = ""
    description: str = ""


@dataclass(frozen=True)
class Display:
    """How a quantity is shown on screen: its value times `factor`, labelled `label`."""

    factor: float = 1.0
    label: str = ""

    def apply(self, value):
        """`value` (base unit) in the display unit; powers of ten divide exactly (1e14 / 1e12 = 100)."""
        inverse = 1.0 / self.factor
        rounded = float(f"{inverse:.12g}")
        return value / rounded if abs(rounded - inverse) <= 1e-12 * abs(inverse) and rounded >= 1 else value * self.factor


class Model:
    """Inputs, constants and outputs with units, and ``evaluate`` over arrays of input draws.

    Parameters
    ----------
    name : str
    inputs, outputs : mapping of name to :class:`Quantity`
        Declared order is the order of tables and results.
    evaluator : callable
        ``evaluator({input: array}) -> {output: array}`` for every output.
    origin : str
        The file (or ``python:<function>``) the model came from, for messages.
    """

    def __init__(self, name: str, inputs: Mapping[str, Quantity], outputs: Mapping[str, Quantity],
                 evaluator: Callable[[Mapping[str, np.ndarray]], Mapping[str, Any]], *, origin: str = "<model>",
                 constants: Mapping[str, Constant] | None = None, display: Mapping[str, Display] | None = None,
                 depends: Mapping[str, frozenset] | None = None, description: str = "",
                 content: Mapping[str, Any] | None = None):
        self.name = name
        self.inputs = dict(inputs)
        self.outputs = dict(outputs)
        self.constants = dict(constants or {})
        self.display = dict(display or {})
        self.origin = origin
        self.description = description
        self._evaluator = evaluator
        self._depends = dict(depends) if depends is not None else {o: frozenset(self.inputs) for o in self.outputs}
        self._content = dict(content) if content is not None else {"name": name}
        self.headline: tuple[str, ...] = tuple(self.outputs)[-3:]  # outputs shown first: figures, stress tables
        self.volume_input: str | None = "tokens_per_day" if "tokens_per_day" in self.inputs else None
        self.base_units: tuple[str, ...] = ()
        self.aggregates: dict[str, tuple[str, str]] = {}  # ratio output -> (numerator, denominator) outputs  # the file's own base units (e.g. "cup"), for parsing its units

    def __repr__(self) -> str:
        return f"Model({self.name!r}, inputs={list(self.inputs)}, outputs={list(self.outputs)})"

    @property
    def key_output(self) -> str:
        """The output analysed by default (sensitivity, tails, goal seek): the last headline output."""
        return self.headline[-1]

    def quantity(self, name: str) -> Quantity:
        """The input or output called `name`."""
        return self.outputs.get(name) or self.inputs[name]

    def inputs_of(self, output: str) -> frozenset:
        """The inputs an output depends on (directly or through other outputs)."""
        return self._depends[output]

    @property
    def hash(self) -> str:
        """sha256 of the model's canonical content: same model, same hash."""
        blob = json.dumps(self._content, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Every output from arrays (or scalars) of every input, broadcast together.

        Parameters
        ----------
        inputs : mapping
            One array or number per input (extra names are ignored).

        Returns
        -------
        dict
            One float array per output, in declared order, shaped like the inputs broadcast.
        """
        missing = [n for n in self.inputs if n not in inputs]
        if missing:
            raise InputError(self.origin, missing[0], "no value given for this model input")
        arrays = {n: np.asarray(inputs[n], dtype=float) for n in self.inputs}
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
        with np.errstate(all="ignore"):
            values = self._evaluator(arrays)
        if not isinstance(values, Mapping):
            raise InputError(self.origin, "", f"returned {type(values).__name__}, not a mapping of output names "
                             "to arrays")
        return {n: _as_array(values, n, shape, self.origin) for n in self.outputs}

    def point(self, inputs: Mapping[str, float]) -> dict[str, float]:
        """Every output at one value per input."""
        return {n: float(v) for n, v in self.evaluate({k: float(inputs[k]) for k in self.inputs}).items()}


def _as_array(values: Mapping[str, Any], name: str, shape: tuple, origin: str) -> np.ndarray:
    if name not in values:
        raise InputError(origin, name, "the model did not return this output")
    value = np.asarray(values[name])
    if value.dtype.kind not in "biuf":  # complex would lose its imaginary part, text and objects fail later
        raise InputError(origin, name, f"returned {value.dtype} values, not real numbers")
    value = value.astype(float, copy=False)
    if value.shape == shape:
        return value
    try:
        return np.broadcast_to(value, shape).copy() if value.ndim == 0 else np.broadcast_to(value, shape)
    except ValueError:
        raise InputError(origin, name, f"returned shape {value.shape}, expected {shape}") from None


def nonfinite_error(model: Model, inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray],
                    origin: str) -> InputError | None:
    """An error naming the first output that is not finite and the input that drove it, or None.

    The input named is the one, among those the output depends on, whose value
    at the offending draw is farthest from 1 in orders of magnitude (the usual
    cause of an overflow); all of them are listed.
    """
    for name, values in outputs.items():
        bad = ~np.isfinite(values)
        if not bad.any():
            continue
        i = int(np.argmax(bad)) if np.ndim(values) else 0
        at = {n: float(np.asarray(inputs[n]).reshape(-1)[i] if np.size(inputs[n]) > 1 else inputs[n])
              for n in model.inputs if n in model.inputs_of(name) and n in inputs}  # declared order: same text every run
        culprit = max(at, key=lambda n: abs(math.log10(abs(at[n]))) if at[n] not in (0.0,) and math.isfinite(at[n])
                      else math.inf, default="")
        listed = ", ".join(f"{n}={v:g}" for n, v in at.items())
        value = float(np.reshape(values, -1)[i])
        return InputError(origin, culprit or name, f"makes output {name} {value:g} (not finite) at draw {i}; "
                          f"its inputs there: {listed}")
    return None


def _field_spec(name: str, spec: Any) -> Quantity:
    if isinstance(spec, Quantity):
        return spec
    if isinstance(spec, str):
        return Quantity(name, spec)
    if isinstance(spec, Mapping):
        from mc.model.quantity import parse_domain

        low, high, low_open, high_open = parse_domain(spec.get("domain", "(-inf, inf)"))
        return Quantity(name, spec["unit"], spec.get("description", ""), low, high, low_open, high_open)
    raise TypeError(f"{name}: declare a unit string, a Quantity or a dict with 'unit', got {spec!r}")


def python_model(function: Callable[..., Mapping[str, Any]], inputs: Mapping[str, Any],
                 outputs: Mapping[str, Any], *, name: str | None = None, description: str = "",
                 check_units: bool = True) -> Model:
    """A model from a vectorised Python function with declared inputs and outputs.

    Parameters
    ----------
    function : callable
        Called with one keyword argument per input (numpy arrays) and
        returning ``{output: array}`` for every declared output.
    inputs, outputs : mapping
        Name to unit string, :class:`Quantity`, or ``{"unit", "domain", "description"}``.
    check_units : bool
        Call the function once on pint quantities to check each output's
        unit; skipped (``model.units_checked`` False) if the function does not
        accept them.

    Examples
    --------
    >>> m = python_model(lambda price, volume: {"revenue": price * volume},
    ...                  inputs={"price": "CNY/token", "volume": "token/day"}, outputs={"revenue": "CNY/day"})
    """
    label = name or getattr(function, "__name__", "python_model")
    ins = {n: _field_spec(n, s) for n, s in inputs.items()}
    outs = {n: _field_spec(n, s) for n, s in outputs.items()}
    content = {"name": label, "python": getattr(function, "__qualname__", repr(function)),
               "inputs": {n: q.unit for n, q in ins.items()}, "outputs": {n: q.unit for n, q in outs.items()}}
    model = Model(label, ins, outs, lambda arrays: function(**arrays), origin=f"python:{label}",
                  description=description, content=content)
    model.units_checked = False
    if check_units:
        model.units_checked = check_python_units(model, function)
    return model


def check_python_units(model: Model, function) -> bool:
    """Call a Python model once on pint quantities and check each output's unit.

    Returns False (units unchecked) when the function does not accept pint
    quantities; raises InputError when it does and an output's unit is wrong.
    """
    reg = registry()
    try:
        args = {n: np.ones(1) * parse_unit(q.unit, reg) for n, q in model.inputs.items()}
        declared = {n: parse_unit(q.unit, reg) for n, q in model.outputs.items()}
    except UnitError as exc:
        raise InputError(model.origin, "units", str(exc)) from None
    try:
        with np.errstate(all="ignore"):
            result = function(**args)
        got = {n: result[n] for n in model.outputs}
    except Exception:  # noqa: BLE001 - any failure only means the function cannot run on pint quantities
        return False
    for name, value in got.items():
        unit = value if hasattr(value, "units") else reg.Quantity(1.0, "dimensionless")
        if not same_unit(1.0 * unit.units if hasattr(unit, "units") else unit, declared[name]):
            raise InputError(model.origin, f"outputs.{name}", f"the function returns {describe(1.0 * unit.units)} "
                             f"but the output is declared in {describe(declared[name])}")
    return True
