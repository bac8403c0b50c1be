"""Token growth: Bayesian growth curves fitted to announced daily token volumes.

Light at import time: PyMC, PyTensor, ArviZ and matplotlib are imported inside
the functions that need them, so ``mc --help`` and ``mc run`` do not pay for them.
"""
from __future__ import annotations

from mc.growth.curves import CURVE_NAMES, CURVES, get_curve
from mc.growth.data import LAUNCH_DATE, TokenUsage, load_token_usage, years_since_launch
from mc.growth.priors import GrowthPriors, PriorSpec, load_growth_priors
from mc.growth.workflow import DEFAULT_CURVE, FitOptions, Fits, fit_curves, forecast_at, forecasts_at, \
    predictive_paths, predictive_tokens_per_day

__all__ = ["CURVE_NAMES", "CURVES", "get_curve", "LAUNCH_DATE", "TokenUsage", "load_token_usage",
           "years_since_launch", "GrowthPriors", "PriorSpec", "load_growth_priors", "DEFAULT_CURVE", "FitOptions",
           "Fits", "fit_curves", "forecast_at", "forecasts_at", "predictive_paths", "predictive_tokens_per_day"]
