"""Fixtures for the projection tests: point priors whose paths have closed forms."""
from __future__ import annotations

import pytest

from mc.priors import load_priors
from mc.projection import projection_priors_from_dict
from mc.report import report_priors_path

FIXTURES = __import__("pathlib").Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def report_priors():
    """The report's point assumptions (every input fixed; its tokens_per_day is unused by the projection)."""
    return load_priors(report_priors_path())


def _fixed_projection(**values):
    """Every projection input fixed; defaults: flat 1e14 tokens/day, no price or FLOPS change, no power."""
    base = {"start_tokens_per_day": 1e14, "tokens_growth_multiple": 1.0, "growth_persistence": 1.0,
            "price_change_per_year": 0.0, "flops_per_cny_improvement": 0.0, "discount_rate": 0.1}
    base.update(values)
    tables = {name: {"family": "fixed", "value": v} for name, v in base.items()}
    return projection_priors_from_dict({"assumptions": tables, "meta": {"as_of": "2025-01-01"}}, origin="<test>")


@pytest.fixture(scope="session")
def fixed_projection():
    return _fixed_projection


@pytest.fixture(scope="session")
def fixtures_dir():
    return FIXTURES
