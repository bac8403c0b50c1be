"""Priors for the growth curves, read from a TOML file the user can change.

Every parameter is a normal, a log-normal or a half-normal, written so that the
model can draw it non-centred: ``value = mu + sigma * z``,
``value = median * exp(sigma_log * z)`` with ``z ~ Normal(0, 1)``, or
``value = sigma * z`` with ``z ~ HalfNormal(1)``. Each prior carries its reason and source; the file is
read with :func:`mc.priors.read_toml` (tomllib, never evaluated) and every problem is an
:class:`mc.errors.InputError` naming the file and the key.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from mc.errors import InputError
from mc.growth.curves import CURVES
from mc.growth.spec import TEXT_KEYS, PriorSpec, require_text
from mc.priors import read_toml

DEFAULT_PRIORS_PATH = Path(__file__).resolve().parents[2] / "priors" / "growth.toml"
SHARED_SECTION = "shared"
OBSERVATION_SECTION = "observation"
BOUND_SECTION = "bound"
DEVIATION_SECTION = "deviation"
DEFAULT_RATE_DAMPING = 1.0  # per year, when a priors file has no [deviation] section
SHARED_PARAMS = ("log10_launch_tokens_per_day", "misfit_log10", "level_diffusion_log10", "rate_diffusion_log10")


@dataclass(frozen=True)
class GrowthPriors:
    """All growth priors: shared ones, per-curve ones, and the announcement rounding.

    Attributes
    ----------
    shared : mapping of name to PriorSpec (launch level, observation noise)
    curves : mapping of curve name to {parameter name: PriorSpec}
    rounding_max_fraction : float
        Lower-bound announcements ("超过X") are read as true = announced * (1 + u)
        with u uniform on [0, rounding_max_fraction]; point figures as the truth.
    path : str
    observation_text : mapping, the reason and source of the rounding range
    max_log10_tokens_per_day : float
        The physical bound: no forecast exceeds 10 ** this many tokens a day.
    bound_text : mapping, the bound's reason and source
    rate_damping_per_year : float
        How fast shocks to the growth rate fade (:mod:`mc.growth.deviation`); 0 = never.
    deviation_text : mapping, its reason and source
    """

    shared: Mapping[str, PriorSpec]
    curves: Mapping[str, Mapping[str, PriorSpec]]
    rounding_max_fraction: float
    path: str = "<defaults>"
    observation_text: Mapping[str, str] = field(default_factory=dict)
    max_log10_tokens_per_day: float = 16.0
    bound_text: Mapping[str, str] = field(default_factory=dict)
    rate_damping_per_year: float = DEFAULT_RATE_DAMPING
    deviation_text: Mapping[str, str] = field(default_factory=dict)

    @property
    def rounding_offset_log10(self) -> float:
        """Mean of log10(1 + u), u ~ Uniform(0, max): how far announcements sit below the curve."""
        return rounding_moments_log10(self.rounding_max_fraction)[0]

    @property
    def rounding_sd_log10(self) -> float:
        """Standard deviation of log10(1 + u): the noise floor rounding alone implies."""
        return rounding_moments_log10(self.rounding_max_fraction)[1]

    def for_curve(self, curve_name: str) -> dict[str, PriorSpec]:
        """The curve's parameters (launch level first), without the misfit prior."""
        if curve_name not in self.curves:
            raise InputError(self.path, curve_name, "no priors for this curve")
        return {"log10_launch_tokens_per_day": self.shared["log10_launch_tokens_per_day"], **self.curves[curve_name]}

    def to_dict(self) -> dict:
        """A plain dict with the file's layout (round-trips through :func:`priors_from_dict`)."""
        out: dict = {OBSERVATION_SECTION: {"rounding_max_fraction": self.rounding_max_fraction, **self.observation_text}}
        out[BOUND_SECTION] = {"max_log10_tokens_per_day": self.max_log10_tokens_per_day, **self.bound_text}
        out[DEVIATION_SECTION] = {"rate_damping_per_year": self.rate_damping_per_year, **self.deviation_text}
        out[SHARED_SECTION] = {k: v.to_dict() for k, v in self.shared.items()}
        out.update({c: {k: v.to_dict() for k, v in specs.items()} for c, specs in self.curves.items()})
        return out

    def content_hash(self) -> str:
        """SHA-256 of the canonical content (formatting and comments do not count)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


def rounding_moments_log10(max_fraction: float, *, points: int = 2001) -> tuple[float, float]:
    """Mean and sd of log10(1 + u) for u ~ Uniform(0, `max_fraction`) (midpoint rule)."""
    if max_fraction == 0:
        return 0.0, 0.0
    u = (np.arange(points) + 0.5) / points * max_fraction
    values = np.log10(1.0 + u)
    return float(values.mean()), float(values.std())


def priors_from_dict(document: Mapping[str, Any], *, source: str = "<dict>") -> GrowthPriors:
    """Validate a parsed priors document.

    Parameters
    ----------
    document : mapping
        The TOML tables: ``observation``, ``shared`` and one per curve.
    source : str
        Named in error messages.

    Returns
    -------
    GrowthPriors
    """

    known = {OBSERVATION_SECTION, BOUND_SECTION, DEVIATION_SECTION, SHARED_SECTION, *CURVES}
    for section in document:
        if section not in known:
            raise InputError(source, section, f"unknown section (expected {', '.join(sorted(known))})")
    fraction, texts = _observation(document.get(OBSERVATION_SECTION), source)
    shared = _section(document, SHARED_SECTION, SHARED_PARAMS, source)
    curves = {name: _section(document, name, curve.param_names, source) for name, curve in CURVES.items()}
    bound, bound_texts = _bound(document.get(BOUND_SECTION), source)
    damping, damping_texts = _deviation(document.get(DEVIATION_SECTION), source)
    return GrowthPriors(shared, curves, fraction, source, texts, bound, bound_texts, damping, damping_texts)


def _section(document: Mapping, section: str, names: tuple[str, ...], source: str) -> dict[str, PriorSpec]:
    table = document.get(section)
    if not isinstance(table, Mapping):
        raise InputError(source, section, f"missing section [{section}] (parameters {', '.join(names)})")
    extra = sorted(set(table) - set(names))
    if extra:
        raise InputError(source, f"{section}.{extra[0]}", f"unknown parameter (expected {', '.join(names)})")
    missing = [n for n in names if n not in table]
    if missing:
        raise InputError(source, f"{section}.{missing[0]}", "missing prior")
    return {n: PriorSpec.from_dict(f"{section}.{n}", table[n], source=source) for n in names}


def _observation(table: Any, source: str) -> tuple[float, dict[str, str]]:
    return _number_section(table, source, OBSERVATION_SECTION, "rounding_max_fraction", "[0, 1]",
                           lambda v: 0 <= v <= 1)


def _bound(table: Any, source: str) -> tuple[float, dict[str, str]]:
    return _number_section(table, source, BOUND_SECTION, "max_log10_tokens_per_day",
                           "(0, 30) (log10 tokens per day)", lambda v: 0 < v < 30)


def _deviation(table: Any, source: str) -> tuple[float, dict[str, str]]:
    """The optional [deviation] section: rate_damping_per_year in [0, 20] with its reason and source."""
    if table is None:
        return DEFAULT_RATE_DAMPING, {}
    return _number_section(table, source, DEVIATION_SECTION, "rate_damping_per_year",
                           "[0, 20] (per year; 0 = shocks to the growth rate never fade)", lambda v: 0 <= v <= 20)


def _number_section(table: Any, source: str, section: str, key: str, interval: str,
                    valid) -> tuple[float, dict[str, str]]:
    """A section of one number `key` (checked by `valid`, described by `interval`), a reason and a source."""
    keys = f"{key}, reason, source"
    if table is None:
        raise InputError(source, section, f"missing section [{section}] ({keys})")
    if not isinstance(table, Mapping):
        raise InputError(source, section, f"[{section}] must be a table ({keys})")
    extra = sorted(set(table) - {key, *TEXT_KEYS})
    if extra:
        raise InputError(source, f"{section}.{extra[0]}", f"unknown key (expected {keys})")
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not valid(value):
        raise InputError(source, f"{section}.{key}", f"must be a number in {interval}, found {value!r}")
    return float(value), {k: require_text(source, section, k, table.get(k)) for k in TEXT_KEYS}


def load_growth_priors(path: str | Path | None = None) -> GrowthPriors:
    """Read and validate a growth-priors TOML file (default: the shipped ``priors/growth.toml``).

    Raises
    ------
    InputError
        Unreadable file, TOML syntax error, unknown or missing section or key,
        bad distribution or parameter.
    """
    path = Path(path) if path is not None else DEFAULT_PRIORS_PATH
    return priors_from_dict(read_toml(path), source=str(path))
