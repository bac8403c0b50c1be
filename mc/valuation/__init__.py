"""Valuation: free cash flow, a fleet already in service, terminal values and enterprise value.

    from mc.priors import load_priors
    from mc.projection import load_projection_priors
    from mc.valuation import load_valuation_priors, value

    ds = value(load_priors(), load_projection_priors(), load_valuation_priors(), range(2025, 2031), 20_000)

Modules: :mod:`cashflow` (FCF, discounting and terminal-value kernels),
:mod:`priors` (priors/valuation.toml), :mod:`model` (:func:`value`),
:mod:`analysis` (stress, tornado and Sobol of EV, the value bridge table).
"""
from mc.valuation.cashflow import (CONVENTIONS, discount_factors, enterprise_values, exit_terminal_value,
                                   free_cash_flow, gordon_terminal_value)
from mc.valuation.model import TERMINAL_METHODS, convention_text, evaluate_value, value
from mc.valuation.priors import (VALUATION_INPUTS, ValuationPriors, default_valuation_priors_path,
                                 load_valuation_priors, valuation_priors_from_dict)

__all__ = ["CONVENTIONS", "TERMINAL_METHODS", "VALUATION_INPUTS", "ValuationPriors", "convention_text",
           "default_valuation_priors_path", "discount_factors", "enterprise_values", "evaluate_value",
           "exit_terminal_value", "free_cash_flow", "gordon_terminal_value", "load_valuation_priors",
           "valuation_priors_from_dict", "value"]
