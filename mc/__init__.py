"""mc: a Monte Carlo valuation engine for LLM API businesses.

Public API (see README): load priors, draw, evaluate, summarise, export.
Heavy optional parts (PyMC growth fits) are imported lazily by their modules.
"""
from __future__ import annotations

__version__ = "0.1.0"

from mc.errors import InputError
from mc.priors import Assumption, Priors, load_priors
from mc.sampling import draw
from mc.economics import evaluate
from mc.results import simulate, summarise
from mc.export import write_table

__all__ = [
    "__version__",
    "InputError",
    "Assumption",
    "Priors",
    "load_priors",
    "draw",
    "evaluate",
    "simulate",
    "summarise",
    "write_table",
]
