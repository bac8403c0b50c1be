"""Projection priors: what a multi-year path adds to the one-year model.

priors/projection.toml has the same format as a base priors file (a family with
its parameters or two percentiles, unit, source, note; optional lower/upper),
but its own set of names (:data:`PROJECTION_INPUTS`): price erosion, GPU
price-performance, the volume path prior, power and the discount rate.  The
result is a :class:`mc.priors.Priors` value, so :func:`mc.sampling.draw` samples
it with the same streams, methods and reproducibility as the base priors.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from mc.distributions import Distribution
from mc.model import Quantity
from mc.errors import InputError
from mc.priors import PRIORS_DIR, Assumption, Priors, parse_assumption_tables, read_toml

_TOP_KEYS = {"meta", "assumptions"}

PROJECTION_INPUTS: dict[str, Quantity] = {q.name: q for q in (
    Quantity("start_tokens_per_day", "tokens/day", "average daily tokens over the start year", low=0.0),
    Quantity("tokens_growth_multiple", "ratio", "second year's average daily tokens over the first's", low=0.0),
    Quantity("growth_persistence", "fraction", "share of excess growth kept each later year",
             low=0.0, high=1.0, low_open=False, high_open=False),
    Quantity("price_change_per_year", "fraction/year", "yearly relative change of the blended price", low=-1.0),
    Quantity("flops_per_cny_improvement", "fraction/year", "yearly gain of GPU FLOPS per CNY of price",
             low=-1.0),
    Quantity("gpu_power_w", "W", "all-in power per GPU at full draw", low=0.0),
    Quantity("pue", "ratio", "data-centre power usage effectiveness", low=1.0, low_open=False),
    Quantity("electricity_cny_per_kwh", "CNY/kWh", "electricity price", low=0.0),
    Quantity("discount_rate", "fraction/year", "yearly discount rate of the cash flows", low=-1.0),
)}
REQUIRED = ("start_tokens_per_day", "tokens_growth_multiple", "price_change_per_year",
            "flops_per_cny_improvement", "discount_rate")
POWER = ("gpu_power_w", "pue", "electricity_cny_per_kwh")  # all three or none
DEFAULTS = {"growth_persistence": 1.0}  # constant growth multiple when not given


def default_projection_priors_path() -> Path:
    """priors/projection.toml shipped with the package checkout."""
    return PRIORS_DIR / "projection.toml"


def has_power(priors: Priors) -> bool:
    """Whether the projection priors model power cost (all of :data:`POWER` present)."""
    return all(n in priors.assumptions for n in POWER)


def load_projection_priors(path: str | Path | None = None) -> Priors:
    """Read and validate a projection priors TOML file.

    Parameters
    ----------
    path : path-like, optional
        Default :func:`default_projection_priors_path`.

    Returns
    -------
    Priors
        One assumption per name of :data:`PROJECTION_INPUTS` present, with
        defaults filled in (growth_persistence fixed at 1).

    Raises
    ------
    InputError
        Naming the file, the assumption and the problem.
    """
    path = Path(path) if path is not None else default_projection_priors_path()
    return projection_priors_from_dict(read_toml(path), origin=str(path))


def projection_priors_from_dict(data: Mapping, *, origin: str = "<dict>") -> Priors:
    """Validate the parsed content of a projection priors file (see :func:`load_projection_priors`)."""
    parsed = parse_assumption_tables(data, origin, PROJECTION_INPUTS, _TOP_KEYS)
    missing = [n for n in REQUIRED if n not in parsed]
    if missing:
        raise InputError(origin, missing[0], "missing assumption (the projection needs it)")
    power = [n for n in POWER if n in parsed]
    if power and len(power) != len(POWER):
        absent = next(n for n in POWER if n not in parsed)
        raise InputError(origin, absent, f"power cost needs all of {', '.join(POWER)} (or none)")
    for name, value in DEFAULTS.items():
        if name not in parsed:
            parsed[name] = Assumption(name, Distribution("fixed", {"value": value}),
                                      unit=PROJECTION_INPUTS[name].unit, source="default")
    meta = data.get("meta", {})
    if not isinstance(meta, Mapping):
        raise InputError(origin, "meta", "must be a table")
    ordered = {n: parsed[n] for n in PROJECTION_INPUTS if n in parsed}
    return Priors(ordered, origin=origin, meta=dict(meta))
