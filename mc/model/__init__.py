"""Models as data: a model file (TOML formulas with units) or a Python function, one interface.

See :mod:`mc.model.file` for the file format, :mod:`mc.model.formula` for the
formula language and :mod:`mc.model.units` for the unit check.
"""
from mc.model.core import Constant, Display, Model, nonfinite_error, python_model
from mc.model.file import MODELS_DIR, load_model, model_from_dict, resolve_model_path
from mc.model.quantity import Quantity, parse_domain

DEFAULT_MODEL = "guosen_2024"

__all__ = ["Constant", "DEFAULT_MODEL", "Display", "MODELS_DIR", "Model", "Quantity", "load_model",
           "model_from_dict", "nonfinite_error", "parse_domain", "python_model", "resolve_model_path"]
