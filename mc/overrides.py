"""Command-line overrides of a priors file: ``--set NAME=VALUE``, ``--set NAME.PARAM=VALUE`` and ``--percentiles``.

``--set paid_share=0.3`` fixes an input for one run; ``--set paid_share.p95=0.5``
changes one parameter (or one of the percentiles the assumption was elicited
from) and solves the distribution again through the priors parser
(:func:`mc.priors.parse_assumption`), so an override obeys every rule a priors
file does: the family's parameters, the input's domain, its unit. Nothing here
evaluates user text; values are parsed as floats.
"""
from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from mc.errors import InputError

if TYPE_CHECKING:
    from mc.priors import Priors

_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_.]*))?$")
_PERCENTILE_KEY = re.compile(r"^p(\d+(?:\.\d+)?)$")
DEFAULT_PAIR = ("p5", "p95")  # the percentiles changed when an assumption was given by its parameters


@dataclass(frozen=True)
class Override:
    """One ``--set``: an input, optionally one of its parameters, and the new value (base units)."""

    name: str
    param: str | None
    value: float
    text: str

    @property
    def option(self) -> str:
        return f"--set {self.text}"


def parse_set(text: str) -> Override:
    """An argparse type for ``--set NAME=VALUE`` or ``--set NAME.PARAM=VALUE`` (syntax only)."""
    key, sep, raw = text.partition("=")
    match = _NAME.match(key.strip())
    if not sep or match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE or NAME.PARAM=VALUE "
                                         f"(e.g. paid_share=0.3 or paid_share.p95=0.5)")
    try:
        value = float(raw.strip().replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {raw.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r}: the value must be finite")
    return Override(match.group(1), match.group(2), value, text.strip())


def parse_percentiles(text: str) -> tuple[float, ...]:
    """An argparse type for ``--percentiles 2.5,50,97.5``: distinct numbers strictly between 0 and 100, sorted."""
    parts = [p.strip().lstrip("pP") for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"{text!r}: give percentiles separated by commas, e.g. 2.5,50,97.5")
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: {part!r} is not a number") from None
        if not (math.isfinite(value) and 0 < value < 100):
            raise argparse.ArgumentTypeError(f"{text!r}: {part} is not strictly between 0 and 100")
        values.append(value)
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"{text!r}: a percentile is given twice")
    return tuple(sorted(values))


def add_override_options(parser: argparse.ArgumentParser, *, percentiles: bool = True) -> None:
    """Add ``--set`` (repeatable) and, where the command tabulates percentiles, ``--percentiles``."""
    parser.add_argument("--set", dest="overrides", action="append", type=parse_set, default=[],
                        metavar="NAME[.PARAM]=VALUE",
                        help="fix an input (paid_share=0.3) or change one parameter or elicited percentile "
                             "(paid_share.p95=0.5), base units; repeatable")
    if percentiles:
        parser.add_argument("--percentiles", type=parse_percentiles, default=None, metavar="P,P,...",
                            help="percentiles tabulated, e.g. 2.5,50,97.5 (default 1,5,10,25,50,75,90,95,99)")


def apply_overrides(priors: Priors, overrides: Sequence[Override]) -> Priors:
    """`priors` with every override applied, each validated as a priors file entry would be.

    Raises
    ------
    InputError
        ``--set TEXT: NAME: what is wrong`` for an unknown input or parameter,
        a value outside the input's domain, or parameters the family refuses.
    """
    for override in overrides:
        priors = priors.replace(override_assumption(priors, override))
    return priors


def apply_to_first(priors_sets: Sequence[Priors], overrides: Sequence[Override]) -> list[Priors]:
    """Apply each override to the first of several priors sets whose inputs name it (projection, valuation)."""
    out = list(priors_sets)
    for override in overrides:
        index = next((i for i, p in enumerate(out) if override.name in p.quantities), None)
        if index is None:
            known = sorted({n for p in out for n in p.quantities})
            raise InputError(override.option, override.name, f"no input of that name; known: {', '.join(known)}")
        out[index] = out[index].replace(override_assumption(out[index], override))
    return out


def override_assumption(priors: Priors, override: Override):
    """The new :class:`mc.priors.Assumption` one override makes."""
    from mc.priors import parse_assumption

    quantities = priors.quantities
    if override.name not in quantities:
        raise InputError(override.option, override.name,
                         f"no input of that name in model {getattr(priors.model, 'name', '')}; "
                         f"known: {', '.join(quantities)}")
    base_units = priors.model.base_units if priors.model is not None else ()
    if override.param is None:
        table = {"family": "fixed", "value": override.value}
    else:
        if override.name not in priors.names:
            raise InputError(override.option, override.name, "has no assumption to change; fix it with NAME=VALUE")
        table = _changed_table(priors[override.name], override)
    current = priors[override.name] if override.name in priors.names else None
    table["source"] = f"{override.option}" + (f" (was: {current.source})" if current and current.source else "")
    if current is not None and current.unit:
        table["unit"] = current.unit
    return parse_assumption(override.name, table, override.option, quantities, base_units)


def _changed_table(assumption, override: Override) -> dict:
    """The assumption's file table with one parameter or elicited percentile replaced."""
    dist = assumption.distribution
    bounds = {k: getattr(dist, k) for k in ("lower", "upper") if getattr(dist, k) is not None}
    param = override.param
    if param in ("lower", "upper"):
        return {"family": dist.family, **dict(dist.params), **bounds, param: override.value}
    if _PERCENTILE_KEY.match(param):
        given = dict(assumption.elicited or {})
        if not given:  # given by parameters: keep the other end of its 90% interval
            given = {k: float(dist.ppf(float(k[1:]) / 100)) for k in DEFAULT_PAIR}
        if param not in given:
            raise InputError(override.option, override.name, f"{param} is not one of the percentiles it is "
                             f"elicited from ({', '.join(given)}); set one of those")
        return {"family": dist.family, **given, param: override.value, **bounds}
    if param not in dist.params:
        raise InputError(override.option, override.name, f"{dist.family} has no parameter {param!r}; "
                         f"its parameters are {', '.join(dist.params)}"
                         + (f", or its percentiles {', '.join(assumption.elicited)}" if assumption.elicited else ""))
    if dist.family in ("choice", "empirical"):
        raise InputError(override.option, override.name, f"{param} of a {dist.family} input is a list; "
                         "fix the input with NAME=VALUE instead")
    return {"family": dist.family, **dict(dist.params), **bounds, param: override.value}


def overrides_text(overrides: Sequence[Override]) -> str:
    """The overrides as provenance records them (``paid_share.p95=0.5; gpu_price_cny=2e5``), or ''."""
    return "; ".join(o.text for o in overrides)
