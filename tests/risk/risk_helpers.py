"""Toy priors for the risk-analysis tests, built from the report's point values."""
from pathlib import Path

from mc.priors import PRIORS_DIR, load_priors, priors_from_dict

RISK_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def guosen_dict() -> dict:
    """priors/guosen_2024.toml as a plain dict (every input fixed at the report's value)."""
    return load_priors(PRIORS_DIR / "guosen_2024.toml").to_dict()


def toy_priors(changes: dict, correlation: dict | None = None):
    """The report's point values with some assumptions replaced by the given tables."""
    data = guosen_dict()
    data["assumptions"].update(changes)
    if correlation is not None:
        data["correlation"] = correlation
    return priors_from_dict(data, origin="<toy>")
