"""Model files: TOML declaring inputs, constants and output formulas, parsed and unit-checked at load.

::

    [model]
    name = "toy"
    description = "revenue less cost"
    base_units = ["frame"]          # optional: new base units beyond mc.model.units.EXTRA_UNITS
    headline = ["revenue_per_year"] # optional: outputs shown first (figures, stress); default the last three
    volume_input = "volume"         # optional: the input --tokens-per-day and --date set

    [inputs.price]
    unit = "CNY/token"
    domain = "(0, inf)"             # interval notation; default (-inf, inf)
    description = "price per token"

    [constants.days_per_year]
    value = 365
    unit = "day/year"
    source = "calendar"

    [outputs.revenue_per_year]
    formula = "price * volume * days_per_year"
    unit = "CNY/year"
    display = "亿 CNY/year"         # optional: the unit the screen shows
    label = "亿元/yr"               # optional: its label (default: display)
    bad_tail = "low"                # optional: which end is bad for tail analysis ("high" for costs)
    aggregate_of = ["profit", "revenue"]  # optional, for a ratio: also report E[profit] / E[revenue]

Every problem raises :class:`mc.errors.InputError` naming the file, the
``inputs.X``/``outputs.X``/``constants.X`` entry and what is wrong.
"""
from __future__ import annotations

import graphlib
import keyword
import math
import os
from pathlib import Path
from typing import Any, Mapping

from mc.errors import InputError
from mc.files import read_toml
from mc.model.core import Constant, Display, Model
from mc.model.formula import FUNCTIONS, FormulaError, compile_formula, free_names, parse_formula
from mc.model.quantity import Quantity, parse_domain
from mc.model.units import UnitError, check_output_unit, conversion_factor, parse_unit, registry

MODELS_DIR = Path(__file__).resolve().parent.parent.parent / "models"
_SECTIONS = {"model", "inputs", "constants", "outputs"}
_KEYS = {
    "model": {"name", "description", "source", "base_units", "headline", "volume_input"},
    "inputs": {"unit", "domain", "description", "display", "label", "source"},
    "constants": {"value", "unit", "source", "description"},
    "outputs": {"formula", "unit", "description", "display", "label", "bad_tail", "aggregate_of"},
}


def resolve_model_path(reference: str, relative_to: Path | None = None) -> Path:
    """A model named in a priors file: a path (relative to that file), or a shipped model's name."""
    path = Path(reference)
    candidates = [path] if path.is_absolute() else [
        *([relative_to.parent / path] if relative_to is not None else []), path,
        MODELS_DIR / path, MODELS_DIR / f"{reference}.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[-1]


def load_model(path: str | Path) -> Model:
    """Read, parse and unit-check a model file (or a shipped model by name, e.g. ``"guosen_2024"``)."""
    path = resolve_model_path(str(path)) if not Path(path).is_file() else Path(path)
    return model_from_dict(read_toml(path), origin=str(path))


def model_from_dict(data: Mapping[str, Any], *, origin: str = "<dict>") -> Model:
    """Validate a parsed model file and build its :class:`Model`."""
    _check_layout(data, origin)
    meta = data.get("model", {})
    base_units = meta.get("base_units", [])
    if not (isinstance(base_units, list) and all(isinstance(u, str) and u.isidentifier() for u in base_units)):
        raise InputError(origin, "model.base_units", "must be a list of unit names (identifiers)")
    inputs = {n: _input(n, t, origin) for n, t in data.get("inputs", {}).items()}
    constants = {n: _constant(n, t, origin) for n, t in data.get("constants", {}).items()}
    outputs = {n: _output_quantity(n, t, origin) for n, t in data["outputs"].items()}
    _check_names(inputs, constants, outputs, origin)
    trees = {n: _parse(n, data["outputs"][n]["formula"], origin) for n in outputs}
    order = _evaluation_order(trees, inputs, constants, outputs, origin)
    factors = checked_units(data, trees, order, tuple(base_units), origin)
    values = {n: c.value for n, c in constants.items()}
    try:
        compiled = {n: compile_formula(trees[n], values) for n in order}
    except FormulaError as exc:
        raise InputError(origin, "outputs", str(exc)) from None
    display = {n: Display(factors[n], _text(t, "label", n, origin) or t.get("display") or t["unit"])
               for section in ("inputs", "outputs") for n, t in data.get(section, {}).items() if n in factors}
    model = Model(str(meta.get("name", Path(origin).stem)), inputs, outputs, _evaluator(order, compiled),
                  origin=origin, constants=constants, display=display, depends=_depends(order, trees, inputs),
                  description=str(meta.get("description", "")), content=_canonical(data))
    _set_roles(model, meta, origin)
    model.aggregates = {n: _aggregate(n, t["aggregate_of"], model, origin)
                        for n, t in data["outputs"].items() if "aggregate_of" in t}
    model.base_units = tuple(base_units)
    return model


def _aggregate(name: str, pair: Any, model: Model, origin: str) -> tuple[str, str]:
    """``aggregate_of = [numerator, denominator]``: the output is also reported as E[num] / E[den]."""
    if not (isinstance(pair, list) and len(pair) == 2 and all(p in model.outputs for p in pair)):
        raise InputError(origin, f"outputs.{name}.aggregate_of", "must be [numerator, denominator], two outputs of "
                         f"this model, got {pair!r}")
    return pair[0], pair[1]


def _set_roles(model: Model, meta: Mapping, origin: str) -> None:
    headline = meta.get("headline", list(model.outputs)[-3:])
    if not isinstance(headline, list) or not headline or any(h not in model.outputs for h in headline):
        raise InputError(origin, "model.headline", f"must be a list of outputs of this model, got {headline!r}")
    model.headline = tuple(headline)
    volume = meta.get("volume_input", "tokens_per_day" if "tokens_per_day" in model.inputs else None)
    if volume is not None and volume not in model.inputs:
        raise InputError(origin, "model.volume_input", f"{volume!r} is not an input of this model")
    model.volume_input = volume



def checked_units(data: Mapping, trees: Mapping, order: list[str], base_units: tuple[str, ...],
                  origin: str) -> dict[str, float]:
    """Check every unit of a model file (pint), once per file content: the display factors it implies.

    A file whose units passed before (same content, same mc and pint) is not
    checked again: the record in the cache (:mod:`mc.cache`) holds its display
    factors, so a run does not pay for pint. Only passes are recorded.
    """
    from mc import __version__
    from mc.cache import digest, read_record, write_record

    key = digest("model-units", data, __version__, _pint_version())
    record = read_record("units", key)
    if record is not None:
        return {n: float(v) for n, v in record["display"].items()}
    reg = registry(base_units)
    units = {}
    for section in ("inputs", "constants"):
        for name, table in data.get(section, {}).items():
            units[name] = _parsed(table["unit"], f"{section}.{name}", origin, reg)
    for name in order:
        declared = _parsed(data["outputs"][name]["unit"], f"outputs.{name}", origin, reg)
        try:
            check_output_unit(trees[name], units, declared, reg)
        except (UnitError, FormulaError) as exc:
            raise InputError(origin, f"outputs.{name}", f"{trees_text(data, name)}: {exc}") from None
        units[name] = declared
    display = {n: _display_factor(n, t, section, origin, reg) for section in ("inputs", "outputs")
               for n, t in data.get(section, {}).items() if "display" in t or "label" in t}
    write_record("units", key, {"display": display})
    return display


def _pint_version() -> str:
    """pint's installed version, read off its dist-info folder (importlib.metadata takes 0.1 s to import)."""
    import importlib.util

    spec = importlib.util.find_spec("pint")
    folders = [Path(p).parent for p in (spec.submodule_search_locations or [])] if spec else []
    found = sorted(name for folder in folders for name in os.listdir(folder)
                   if name.startswith("pint-") and name.endswith(".dist-info"))
    return found[-1][len("pint-"):-len(".dist-info")] if found else "unknown"


def _parsed(unit: str, where: str, origin: str, reg):
    try:
        return parse_unit(unit, reg)
    except UnitError as exc:
        raise InputError(origin, where, str(exc)) from None


def trees_text(data: Mapping, name: str) -> str:
    return f"formula {data['outputs'][name]['formula']!r}"


def _check_layout(data: Mapping, origin: str) -> None:
    unknown = set(data) - _SECTIONS
    if unknown:
        raise InputError(origin, sorted(unknown)[0], f"unknown section; expected {', '.join(sorted(_SECTIONS))}")
    if not isinstance(data.get("outputs"), Mapping) or not data["outputs"]:
        raise InputError(origin, "outputs", "no [outputs.<name>] tables found")
    for section in _SECTIONS:
        block = data.get(section, {})
        if not isinstance(block, Mapping):
            raise InputError(origin, section, "must be a table")
        tables = {"model": block} if section == "model" else block
        for name, table in tables.items():
            where = section if section == "model" else f"{section}.{name}"
            if not isinstance(table, Mapping):
                raise InputError(origin, where, "must be a table")
            extra = set(table) - _KEYS[section]
            if extra:
                raise InputError(origin, where, f"unknown key {sorted(extra)[0]!r}; expected "
                                 f"{', '.join(sorted(_KEYS[section]))}")
    for name, table in data["outputs"].items():
        if "formula" not in table:
            raise InputError(origin, f"outputs.{name}", "no formula")


def _text(table: Mapping, key: str, where: str, origin: str, required: bool = False) -> str:
    if key not in table:
        if required:
            raise InputError(origin, where, f"missing {key!r}")
        return ""
    if not isinstance(table[key], str):
        raise InputError(origin, f"{where}.{key}", f"must be a string, got {table[key]!r}")
    return table[key]


def _unit(table: Mapping, where: str, origin: str) -> str:
    unit = _text(table, "unit", where, origin, required=True)
    if not unit.strip():
        raise InputError(origin, where, "unit must not be empty (use \"dimensionless\" for a pure number)")
    return unit


def _input(name: str, table: Mapping, origin: str) -> Quantity:
    where = f"inputs.{name}"
    unit = _unit(table, where, origin)
    try:
        low, high, low_open, high_open = parse_domain(table.get("domain", "(-inf, inf)"))
    except ValueError as exc:
        raise InputError(origin, where, str(exc)) from None
    return Quantity(name, unit, _text(table, "description", where, origin), low, high, low_open, high_open)


def _constant(name: str, table: Mapping, origin: str) -> Constant:
    where = f"constants.{name}"
    value = table.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(origin, where, f"value must be a finite number, got {value!r}")
    return Constant(name, float(value), _unit(table, where, origin), _text(table, "source", where, origin),
                    _text(table, "description", where, origin))


def _output_quantity(name: str, table: Mapping, origin: str) -> Quantity:
    where = f"outputs.{name}"
    bad_tail = table.get("bad_tail", "low")
    if bad_tail not in ("low", "high"):
        raise InputError(origin, f"{where}.bad_tail", f"must be \"low\" or \"high\", got {bad_tail!r}")
    return Quantity(name, _unit(table, where, origin), _text(table, "description", where, origin),
                    bad_tail=bad_tail)


def _check_names(inputs: Mapping, constants: Mapping, outputs: Mapping, origin: str) -> None:
    seen: dict[str, str] = {}
    for section, names in (("inputs", inputs), ("constants", constants), ("outputs", outputs)):
        for name in names:
            where = f"{section}.{name}"
            if not name.isidentifier() or keyword.iskeyword(name):
                raise InputError(origin, where, "a name must be a Python-style identifier (letters, digits, _)")
            if name in FUNCTIONS:
                raise InputError(origin, where, f"{name!r} is the name of a function; choose another")
            if name in seen:
                raise InputError(origin, where, f"name already used in [{seen[name]}]")
            seen[name] = section


def _parse(name: str, text: Any, origin: str):
    try:
        return parse_formula(text)
    except FormulaError as exc:
        raise InputError(origin, f"outputs.{name}", f"formula {text!r}: {exc}") from None


def _evaluation_order(trees: Mapping, inputs: Mapping, constants: Mapping, outputs: Mapping,
                      origin: str) -> list[str]:
    known = set(inputs) | set(constants) | set(outputs)
    graph = {}
    for name, tree in trees.items():
        names = free_names(tree)
        unknown = sorted(names - known)
        if unknown:
            raise InputError(origin, f"outputs.{name}", f"unknown name {unknown[0]!r} in the formula "
                             "(not an input, constant or output)")
        graph[name] = {n for n in names if n in outputs}
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        raise InputError(origin, f"outputs.{cycle[0]}", "formulas form a cycle: " + " -> ".join(cycle)) from None


def _depends(order: list[str], trees: Mapping, inputs: Mapping) -> dict[str, frozenset]:
    depends: dict[str, frozenset] = {}
    for name in order:
        names = free_names(trees[name])
        depends[name] = frozenset(n for n in names if n in inputs).union(
            *(depends[n] for n in names if n in depends))
    return depends


def _evaluator(order: list[str], compiled: Mapping):
    steps = [(n, compiled[n]) for n in order]

    def evaluate(arrays: Mapping) -> dict:
        env = dict(arrays)
        for name, step in steps:
            env[name] = step if isinstance(step, float) else step(env)
        return env
    return evaluate


def _display_factor(name: str, table: Mapping, section: str, origin: str, reg) -> float:
    """The factor from the declared unit to the ``display`` unit (1 when only a label is given)."""
    where = f"{section}.{name}"
    shown = _text(table, "display", where, origin) or table["unit"]
    try:
        factor = conversion_factor(parse_unit(table["unit"], reg), parse_unit(shown, reg))
    except UnitError as exc:
        raise InputError(origin, f"{where}.display", str(exc)) from None
    if factor is None:
        raise InputError(origin, f"{where}.display", f"{shown!r} is not the same kind of unit as {table['unit']!r}")
    return factor


def _canonical(data: Mapping) -> dict:
    return {k: data[k] for k in sorted(data)}
