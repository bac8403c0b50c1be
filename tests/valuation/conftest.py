"""Fixtures for the valuation tests: point priors whose values have closed forms."""
from __future__ import annotations

import pytest

from mc.valuation import valuation_priors_from_dict


def _fixed_valuation(retire: bool = False, **values):
    """Every valuation input fixed; defaults: WACC 10%, g 2%, multiple 10, no tax, no opex, no start fleet."""
    base = {"wacc": 0.10, "terminal_growth": 0.02, "ev_ebitda_multiple": 10.0, "tax_rate": 0.0,
            "other_opex_share": 0.0, "start_fleet_gpus": 0.0, "start_fleet_age_years": 0.0}
    base.update(values)
    tables = {name: {"family": "fixed", "value": v} for name, v in base.items()}
    return valuation_priors_from_dict({"assumptions": tables, "options": {"retire_excess_start_fleet": retire}},
                                      origin="<test>")


@pytest.fixture(scope="session")
def fixed_valuation():
    return _fixed_valuation


@pytest.fixture(scope="session")
def report_priors():
    """The report's point assumptions (every input fixed)."""
    from mc.priors import load_priors
    from mc.report import report_priors_path

    return load_priors(report_priors_path())


@pytest.fixture(scope="session")
def fixed_projection():
    """Every projection input fixed; defaults: flat 1e14 tokens/day, no price or FLOPS change, no power."""
    from mc.projection import projection_priors_from_dict

    def make(**values):
        base = {"start_tokens_per_day": 1e14, "tokens_growth_multiple": 1.0, "growth_persistence": 1.0,
                "price_change_per_year": 0.0, "flops_per_cny_improvement": 0.0, "discount_rate": 0.1}
        base.update(values)
        tables = {name: {"family": "fixed", "value": v} for name, v in base.items()}
        return projection_priors_from_dict({"assumptions": tables}, origin="<test>")
    return make
