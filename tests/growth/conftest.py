"""Shared fixtures for the growth tests: each curve is fitted once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Small NUTS runs: enough for forecasts and plots in tests, not for the gate.
TEST_DRAWS = 300
TEST_TUNE = 300


@pytest.fixture(scope="session")
def shipped_data():
    from mc.growth.data import load_token_usage

    return load_token_usage()


@pytest.fixture(scope="session")
def shipped_priors():
    from mc.growth.priors import load_growth_priors

    return load_growth_priors()


@pytest.fixture(scope="session")
def growth_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("growth_cache")


@pytest.fixture(scope="session")
def test_options(growth_cache):
    from mc.growth.workflow import FitOptions

    return FitOptions(draws=TEST_DRAWS, tune=TEST_TUNE, cache_dir=growth_cache, allow_unconverged=True)


@pytest.fixture(scope="session")
def all_fits(shipped_data, shipped_priors, test_options):
    """Every curve fitted to the shipped data (small runs), cached in the session cache."""
    from mc.growth.workflow import fit_curves

    return fit_curves(shipped_data, shipped_priors, "all", test_options)


@pytest.fixture(scope="session")
def small_fit_args(growth_cache) -> list[str]:
    """CLI options matching `test_options`, so the CLI reuses the session fits."""
    return ["--draws", str(TEST_DRAWS), "--tune", str(TEST_TUNE), "--cache-dir", str(growth_cache), "--allow-unconverged"]
