"""Closed-form inverse CDFs for the families that have one.

scipy's generic ``ppf`` validates arguments and broadcasts through several layers;
for LHS and Sobol on millions of points the closed forms below are several times
faster and agree with scipy to rounding (tests/test_fastppf.py checks that).
Families without a closed form return None and the caller uses scipy.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from scipy import special


def _triangular(p: Mapping, u: np.ndarray) -> np.ndarray:
    low, mode, high = p["low"], p["mode"], p["high"]
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < c, left, right)


_CLOSED_FORMS = {
    "fixed": lambda p, u: np.full(u.shape, float(p["value"])),
    "normal": lambda p, u: p["mean"] + p["sd"] * special.ndtri(u),
    "lognormal": lambda p, u: p["median"] * np.exp(p["sigma"] * special.ndtri(u)),
    "uniform": lambda p, u: p["low"] + (p["high"] - p["low"]) * u,
    "loguniform": lambda p, u: np.exp(math.log(p["low"]) + math.log(p["high"] / p["low"]) * u),
    "triangular": _triangular,
}


def ppf(family: str, params: Mapping, u: np.ndarray) -> np.ndarray | None:
    """Inverse CDF at `u` by closed form, or None if `family` has none here."""
    fn = _CLOSED_FORMS.get(family)
    return None if fn is None else fn(params, u)
