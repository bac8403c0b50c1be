"""The compiled growth density (mc.growth.logdensity) against the PyMC model and finite differences."""
from __future__ import annotations

import numpy as np
import pytest

from mc.growth import logdensity
from mc.growth.curves import CURVE_NAMES, get_curve
from mc.growth.gp_op import gp_log_likelihood_and_grad


def _point(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.5, 1.5, size)


@pytest.mark.parametrize("damping", [0.0, 1e-5, 0.4, 1.0, 3.0])
def test_gp_matches_the_numpy_likelihood_and_its_gradient(damping):
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0.0, 2.5, 11))
    residual, noise_var = rng.normal(0.0, 0.3, 11), rng.uniform(1e-4, 1e-2, 11)
    value, d_residual, d_noise, d_level, d_rate = logdensity.gp(residual, noise_var, 0.2, 0.7,
                                                                *logdensity.unit_covariances(times, damping))
    expected, grads = gp_log_likelihood_and_grad(times, residual, noise_var, 0.2, 0.7, damping)
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(d_residual, grads[0], rtol=1e-9)
    np.testing.assert_allclose(d_noise, grads[1], rtol=1e-9)
    assert (d_level, d_rate) == pytest.approx((grads[2], grads[3]), rel=1e-9)


@pytest.mark.parametrize("curve", CURVE_NAMES)
def test_packed_buffer_unpacks_to_the_arguments(curve, shipped_data, shipped_priors):
    arguments = logdensity.density_arguments(shipped_data, get_curve(curve), shipped_priors)
    for got, expected in zip(logdensity.unpack(logdensity.pack(arguments)), arguments, strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("curve", CURVE_NAMES)
def test_gradient_matches_central_differences(curve, shipped_data, shipped_priors):
    arguments = logdensity.density_arguments(shipped_data, get_curve(curve), shipped_priors)
    x = _point(len(logdensity.parameter_names(get_curve(curve))), seed=1)
    _, grad = logdensity.logp_and_grad(x, *arguments)
    step = 1e-6  # central differences: truncation ~ step^2 * f''' , rounding ~ 1e-16 |f| / step
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        numeric = (logdensity.logp_and_grad(up, *arguments)[0] - logdensity.logp_and_grad(down, *arguments)[0]) / (2 * step)
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("curve", CURVE_NAMES)
def test_density_equals_the_pymc_model(curve, shipped_data, shipped_priors):
    """Same log density (Jacobians and constants included) and gradient as PyMC's compile_logp/compile_dlogp."""
    from mc.growth.model import build_growth_model

    chosen = get_curve(curve)
    model = build_growth_model(shipped_data, chosen, shipped_priors)
    names = logdensity.parameter_names(chosen)
    value_names = [f"{n}_z_log__" if shipped_priors.for_curve(curve).get(n, shipped_priors.shared.get(n)).dist == "halfnormal"
                   else f"{n}_z" for n in names]
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    order = [v.name for v in model.value_vars]
    arguments = logdensity.density_arguments(shipped_data, chosen, shipped_priors)
    for seed in range(3):
        x = _point(len(names), seed)
        point = {name: np.asarray(x[i]) for i, name in enumerate(value_names)}
        value, grad = logdensity.logp_and_grad(x, *arguments)
        assert value == pytest.approx(float(logp(point)), rel=1e-9, abs=1e-9)
        pymc_grad = dict(zip(order, np.asarray(dlogp(point))))
        np.testing.assert_allclose(grad, [pymc_grad[n] for n in value_names], rtol=1e-7, atol=1e-9)
