"""Reproduce a published model's printed figures from its point assumptions.

A priors file with every input fixed may list the figures its source printed::

    [[printed]]
    output = "gpus"
    value = "85.78"                   # exactly as printed: its decimals are the precision to match
    unit = "万 GPU"                    # the unit it is printed in (any unit of the output's kind)
    at = { tokens_per_day = 1e14 }    # optional: inputs set for this figure
    source = "seeds/000 table"

`mc reproduce FILE` evaluates the file's model at those values and checks each
figure to its printed precision. The shipped checks: the Guosen Securities
table (priors/guosen_2024.toml, 12 figures) and the video-generation fleet
(priors/video_generation.toml, 41万 H100s).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping

import pandas as pd

from mc.errors import InputError
from mc.priors import PRIORS_DIR, Priors, load_priors, read_toml


@dataclass(frozen=True)
class Printed:
    """One figure as its source printed it."""

    output: str
    value: str
    unit: str
    at: Mapping[str, float] = field(default_factory=dict)
    source: str = ""


def report_priors_path() -> Path:
    return PRIORS_DIR / "guosen_2024.toml"


def point_values(priors: Priors) -> dict[str, float]:
    """Each assumption's value when all are fixed (a report's priors)."""
    loose = [n for n in priors.names if not priors[n].is_fixed]
    if loose:
        raise InputError(priors.origin, loose[0], "reproduce needs every input fixed; this one is uncertain")
    return {n: float(a.distribution.params["value"]) for n, a in priors.assumptions.items()}


def printed_figures(path: str | Path, priors: Priors) -> list[Printed]:
    """The ``[[printed]]`` figures of a priors file, validated against its model."""
    origin = str(path)
    entries = read_toml(path).get("printed", [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise InputError(origin, "printed", "must be an array of tables ([[printed]])")
    return [_printed(e, i, priors, origin) for i, e in enumerate(entries)]


def _printed(entry: Mapping, i: int, priors: Priors, origin: str) -> Printed:
    where = f"printed[{i}]"
    model = priors.model
    output = entry.get("output")
    if output not in model.outputs:
        raise InputError(origin, f"{where}.output", f"{output!r} is not an output of model {model.name}")
    value, unit = entry.get("value"), entry.get("unit", model.outputs[output].unit)
    try:
        Decimal(str(value))
    except InvalidOperation:
        raise InputError(origin, f"{where}.value", f"must be the printed number as a string, got {value!r}") from None
    at = entry.get("at", {})
    if not isinstance(at, Mapping) or any(k not in model.inputs for k in at):
        raise InputError(origin, f"{where}.at", "must be a table of model inputs and values")
    _factor(model.outputs[output].unit, unit, origin, f"{where}.unit", model.base_units)
    return Printed(output, str(value), str(unit), {k: float(v) for k, v in at.items()}, str(entry.get("source", "")))


def _factor(declared: str, shown: str, origin: str, where: str, base_units: tuple[str, ...] = ()) -> float:
    from mc.model.units import UnitError, conversion_factor, parse_unit, registry

    reg = registry(base_units)
    try:
        factor = conversion_factor(parse_unit(declared, reg), parse_unit(shown, reg))
    except UnitError as exc:
        raise InputError(origin, where, str(exc)) from None
    if factor is None:
        raise InputError(origin, where, f"{shown!r} is not a unit of the same kind as {declared!r}")
    return factor


def printed_precision_match(value: float, printed: str) -> bool:
    """Whether `value` (already in the printed unit) rounds to `printed` at its printed precision."""
    decimals = -Decimal(printed).as_tuple().exponent
    return round(value, decimals) == float(printed)


def reproduce(path: str | Path | None = None) -> pd.DataFrame:
    """Every printed figure of a priors file beside the model's value, in the printed unit.

    Returns
    -------
    DataFrame
        Columns ``output, at, unit, mc, printed, matches, mc_base`` (``mc_base`` in the model's unit).
    """
    path = Path(path) if path is not None else report_priors_path()
    priors = load_priors(path)
    values = point_values(priors)
    rows = []
    for fig in printed_figures(path, priors):
        base = priors.model.point({**values, **fig.at})[fig.output]
        factor = _factor(priors.model.outputs[fig.output].unit, fig.unit, str(path), fig.output,
                         priors.model.base_units)
        shown = _in_unit(base, factor)
        rows.append({"output": fig.output, "at": ", ".join(f"{k}={v:g}" for k, v in fig.at.items()),
                     "unit": fig.unit, "mc": shown, "printed": fig.value,
                     "matches": printed_precision_match(shown, fig.value), "mc_base": base})
    return pd.DataFrame(rows, columns=["output", "at", "unit", "mc", "printed", "matches", "mc_base"])


def at_volumes(priors: Priors | None = None, volumes=(1e14, 1e15)) -> pd.DataFrame:
    """A model's every output at its point values, one row per daily volume (base units).

    Default: the report's point assumptions at its two columns, 100万亿 and 1000万亿 tokens a day.
    """
    priors = priors or load_priors(report_priors_path())
    values, model = point_values(priors), priors.model
    name = model.volume_input or "tokens_per_day"
    rows = [{name: float(v), **model.point({**values, name: float(v)})} for v in volumes]
    return pd.DataFrame(rows, columns=[name, *model.outputs])


def _in_unit(value: float, factor: float) -> float:
    """value * factor, dividing by exact powers of ten so 1e14 in 万亿 is exactly 100."""
    if factor < 1:
        inverse = 10 ** round(math.log10(1 / factor))
        if math.isclose(inverse * factor, 1.0, rel_tol=1e-12):
            return value / inverse
    return value * factor
