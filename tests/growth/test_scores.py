"""Backtest scoring kernels against closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mc.growth.backtest import crps_energy, log_density_kde


def test_crps_energy_matches_normal_closed_form():
    draws = np.random.default_rng(3).standard_normal(20_000)
    for y in (0.0, 1.0, -2.0):
        pdf = math.exp(-y * y / 2) / math.sqrt(2 * math.pi)
        cdf = 0.5 * (1 + math.erf(y / math.sqrt(2)))
        exact = y * (2 * cdf - 1) + 2 * pdf - 1 / math.sqrt(math.pi)
        assert crps_energy(draws, y) == pytest.approx(exact, abs=0.01)


def test_crps_energy_equals_the_pairwise_definition():
    draws = np.random.default_rng(4).normal(size=300)
    pairwise = np.mean(np.abs(draws - 0.4)) - 0.5 * np.mean(np.abs(draws[:, None] - draws[None, :]))
    assert crps_energy(draws, 0.4) == pytest.approx(pairwise, rel=1e-12)


def test_kde_log_density_close_to_normal():
    draws = np.random.default_rng(5).normal(12.0, 0.2, size=8000)
    exact = -0.5 * math.log(2 * math.pi * 0.04)
    assert log_density_kde(draws, 12.0) == pytest.approx(exact, abs=0.05)
