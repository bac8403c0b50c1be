"""One growth parameter's prior, as the curves and the priors file both use it.

A normal (mu, sigma), a log-normal (median, sigma_log) or a half-normal
(sigma), drawn non-centred from a standard (half-)normal ``z``. The curves
(:mod:`mc.growth.curves`) declare their defaults with it and the priors file
(:mod:`mc.growth.priors`) validates its tables into it; it depends on neither.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from mc.errors import InputError

_DIST_PARAMS = {"normal": ("mu", "sigma"), "lognormal": ("median", "sigma_log"), "halfnormal": ("sigma",)}
TEXT_KEYS = ("reason", "source")
RELATIVE_TO = ("first_row", "last_row")  # a normal prior's mu may be an offset from the series' own rows


@dataclass(frozen=True)
class PriorSpec:
    """One parameter's prior: normal (mu, sigma), log-normal (median, sigma_log) or half-normal (sigma)."""

    name: str
    dist: str
    params: Mapping[str, float]
    reason: str = ""
    source: str = ""
    relative_to: str = ""

    def from_standard_normal(self, z, xp, anchor: float = 0.0):
        """The parameter value for a standard (half-)normal `z` (numpy or pytensor `xp`).

        `anchor` is added to a normal prior with ``relative_to`` (log10 of the
        series' first or last fitted row); it is ignored otherwise.
        """
        if self.dist == "normal":
            return (anchor if self.relative_to else 0.0) + self.params["mu"] + self.params["sigma"] * z
        if self.dist == "halfnormal":
            return self.params["sigma"] * abs(z)
        return self.params["median"] * xp.exp(self.params["sigma_log"] * z)

    def to_dict(self) -> dict:
        extra = {"relative_to": self.relative_to} if self.relative_to else {}
        return {"dist": self.dist, **self.params, **extra, "reason": self.reason, "source": self.source}

    @classmethod
    def from_dict(cls, name: str, table: Any, *, source: str) -> "PriorSpec":
        """Validate one ``[section.name]`` table; raise InputError on any problem."""
        if not isinstance(table, Mapping):
            raise InputError(source, name, "must be a table with dist, its parameters, reason and source")
        dist = table.get("dist")
        if not isinstance(dist, str) or dist not in _DIST_PARAMS:
            raise InputError(source, f"{name}.dist", f"{dist!r} is not one of {', '.join(map(repr, _DIST_PARAMS))}")
        expected = set(_DIST_PARAMS[dist]) | set(TEXT_KEYS) | {"dist"} | ({"relative_to"} if dist == "normal" else set())
        unknown = sorted(set(table) - expected)
        if unknown:
            raise InputError(source, f"{name}.{unknown[0]}", f"unknown key for a {dist} prior (expected {', '.join(sorted(expected))})")
        params = {key: _positive_or_finite(source, name, key, table.get(key)) for key in _DIST_PARAMS[dist]}
        texts = {key: require_text(source, name, key, table.get(key)) for key in TEXT_KEYS}
        relative = table.get("relative_to", "")
        if relative and relative not in RELATIVE_TO:
            raise InputError(source, f"{name}.relative_to", f"{relative!r} is not one of {', '.join(RELATIVE_TO)}")
        return cls(name, dist, params, **texts, relative_to=relative)


def _positive_or_finite(source: str, name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(source, f"{name}.{key}", f"must be a number, found {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(source, f"{name}.{key}", "must be finite")
    if key != "mu" and value <= 0:
        raise InputError(source, f"{name}.{key}", f"must be positive, found {value}")
    return value


def require_text(source: str, name: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, f"{name}.{key}", "each prior needs a non-empty reason and source (text)")
    return value.strip()
