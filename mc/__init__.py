"""mc: a Monte Carlo valuation engine for LLM API businesses, and any business written as a model file.

Public API (see README): load a model and priors, draw, evaluate, summarise, export.
Names are resolved lazily (PEP 562) so that ``mc --help`` does not pay for
scipy, pandas and xarray; PyMC is imported only by the growth fit.
"""
from __future__ import annotations

import importlib

__version__ = "0.3.1"

_EXPORTS = {
    "InputError": "mc.errors",
    "Assumption": "mc.priors",
    "Priors": "mc.priors",
    "load_priors": "mc.priors",
    "draw": "mc.results",
    "evaluate": "mc.results",
    "simulate": "mc.results",
    "summarise": "mc.results",
    "write_table": "mc.export",
    "reproduce": "mc.report",
    "Model": "mc.model",
    "load_model": "mc.model",
    "python_model": "mc.model",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'mc' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
