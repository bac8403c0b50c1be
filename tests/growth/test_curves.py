"""Each curve against its closed form."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mc.growth.curves import CURVES, DecayingRate, Exponential, Gompertz, Logistic

Y0 = 11.0  # log10 tokens/day at launch


def test_exponential_matches_closed_form():
    t = np.array([0.0, 0.5, 2.0])
    got = Exponential().function(t, log10_launch_tokens_per_day=Y0, growth_rate_per_year=math.log(10))
    np.testing.assert_allclose(got, Y0 + t)  # x10 a year


def test_logistic_starts_at_launch_and_is_half_ceiling_at_midpoint():
    curve = Logistic()
    params = {"log10_launch_tokens_per_day": Y0, "growth_rate_per_year": 4.0, "log10_ceiling_tokens_per_day": 14.5}
    midpoint = curve.midpoint_years(**params)
    assert curve.function(0.0, **params) == pytest.approx(Y0)
    assert curve.function(midpoint, **params) == pytest.approx(14.5 - math.log10(2))
    assert curve.function(50.0, **params) == pytest.approx(14.5, abs=1e-9)


def test_gompertz_inflection_is_at_ceiling_over_e():
    curve = Gompertz()
    params = {"log10_launch_tokens_per_day": Y0, "growth_decay_per_year": 1.2, "log10_ceiling_tokens_per_day": 14.0}
    t_inflection = curve.inflection_years(**params)
    assert curve.function(t_inflection, **params) == pytest.approx(14.0 - 1 / math.log(10))
    # the inflection is where the second derivative of N(t) changes sign
    h = 1e-3
    n = lambda t: 10 ** curve.function(t, **params)  # noqa: E731
    second = lambda t: n(t + h) - 2 * n(t) + n(t - h)  # noqa: E731
    assert second(t_inflection - 0.05) > 0 > second(t_inflection + 0.05)
    assert curve.function(0.0, **params) == pytest.approx(Y0)


def test_decaying_rate_derivative_matches_r0_over_one_plus_t_over_tau():
    curve = DecayingRate()
    params = {"initial_growth_rate_per_year": 6.0, "rate_halving_years": 0.7}
    t = np.linspace(0.05, 3.0, 12)
    h = 1e-5
    ln_n = lambda t: math.log(10) * curve.function(t, log10_launch_tokens_per_day=Y0, **params)  # noqa: E731
    numeric = (ln_n(t + h) - ln_n(t - h)) / (2 * h)
    np.testing.assert_allclose(numeric, 6.0 / (1 + t / 0.7), rtol=1e-6)
    np.testing.assert_allclose(curve.growth_rate(t, **params), numeric, rtol=1e-6)
    assert curve.growth_rate(0.7, **params) == pytest.approx(3.0)  # halved at tau


@pytest.mark.parametrize("name", list(CURVES))
def test_curves_broadcast_draws_against_times(name):
    curve = CURVES[name]
    draws = {k: np.full((5, 1), spec.from_standard_normal(0.0, np, anchor=Y0)) for k, spec in curve.default_priors.items()}
    out = curve.function(np.linspace(0, 2, 7)[None, :], log10_launch_tokens_per_day=np.full((5, 1), Y0), **draws)
    assert out.shape == (5, 7)
    assert np.all(np.isfinite(out))
    assert np.all(np.diff(out, axis=1) > 0)  # every family grows


@pytest.mark.parametrize("name", list(CURVES))
def test_tensor_function_equals_numpy_function(name):
    import pytensor.tensor as pt  # noqa: F401 - the test is about the PyTensor version

    curve = CURVES[name]
    params = {k: spec.from_standard_normal(0.3, np, anchor=Y0) for k, spec in curve.default_priors.items()}
    t = np.array([0.0, 0.2, 0.6, 1.5])
    expected = curve.function(t, log10_launch_tokens_per_day=Y0, **params)
    got = curve.tensor_function(pt.as_tensor_variable(t), log10_launch_tokens_per_day=Y0, **params).eval()
    np.testing.assert_allclose(got, expected, rtol=1e-10)
