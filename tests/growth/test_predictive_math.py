"""The deviation process, forecasts from a known posterior, the bound: closed forms, no fits."""
from __future__ import annotations

import math
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from mc.growth.curves import LN10, saturate_log10
from mc.growth.data import TokenUsage
from mc.growth.deviation import conditional_draws, covariance, loo_log_density
from mc.growth.fit import Diagnostics, GrowthFit
from mc.growth.predictive import predictive_log10

START = date(2025, 1, 1)
RATE = 2.0  # per year, natural log: truth is log10 N = 11 + RATE t / ln 10
N_DRAWS = 4000


def _truth(t):
    return 11.0 + RATE * np.asarray(t) / LN10


DAMPING = 1.0  # per year, as the shipped priors


def test_covariance_is_brownian_plus_integrated_brownian_without_damping():
    # Var W(t) = t; Var of the integral of W over [0, t] = t^3 / 3; Cov(W(s), W(t)) = min(s, t)
    assert covariance(2.0, 2.0, 1.0, 0.0, 0.0) == pytest.approx(2.0)
    assert covariance(2.0, 2.0, 0.0, 1.0, 0.0) == pytest.approx(8.0 / 3.0)
    assert covariance(1.0, 3.0, 1.0, 0.0, 0.0) == pytest.approx(1.0)
    # Cov(int_0^1 W, int_0^3 W) = 1^2 (3 * 3 - 1) / 6
    assert covariance(1.0, 3.0, 0.0, 1.0, 0.0) == pytest.approx(8.0 / 6.0)


@pytest.mark.parametrize("s, t, damping", [(0.5, 0.5, 1.0), (1.0, 3.0, 1.0), (2.0, 0.7, 0.3), (4.0, 4.0, 2.5)])
def test_damped_rate_covariance_is_the_double_integral_of_the_ou_covariance(s, t, damping):
    from scipy.integrate import dblquad

    def ou(u, w):  # Cov(v(u), v(w)) of an OU rate started at 0, unit diffusion
        return (math.exp(-damping * abs(u - w)) - math.exp(-damping * (u + w))) / (2 * damping)

    expected, _ = dblquad(ou, 0.0, s, 0.0, t, epsabs=1e-11, epsrel=1e-10)
    # quadrature across the kink at u = w is good to ~1e-7 here; a wrong term in the closed form is off by >1e-2
    assert covariance(s, t, 0.0, 1.0, damping) == pytest.approx(expected, rel=1e-6)


def test_damping_tends_to_the_integrated_random_walk_and_tames_far_horizons():
    assert covariance(1.0, 3.0, 0.0, 1.0, 1e-3) == pytest.approx(8.0 / 6.0, rel=2e-3)
    # far out the damped variance grows linearly, (2 a t - 3 + 4 e^-at - e^-2at) / (2 a^3): at 20 years,
    # 18.5 against the undamped t^3 / 3 = 2667
    assert covariance(20.0, 20.0, 0.0, 1.0, DAMPING) == pytest.approx((40.0 - 3.0 + 4 * math.exp(-20.0)) / 2, rel=1e-9)
    assert covariance(20.0, 20.0, 0.0, 1.0, DAMPING) < 0.01 * covariance(20.0, 20.0, 0.0, 1.0, 0.0)


def test_loo_density_is_the_conditional_normal():
    rng = np.random.default_rng(2)
    t, noise = np.array([0.0, 0.3, 0.8, 1.5]), np.full(4, 1e-3)
    residual = rng.normal(0, 0.1, 4)
    k = covariance(t[:, None], t[None, :], 0.2, 0.5, DAMPING) + np.diag(noise)
    got = loo_log_density(t, residual[None, :], np.sqrt(noise)[None, :], np.array([0.2]), np.array([0.5]),
                          damping=DAMPING)[0]
    for i in range(4):
        rest = [j for j in range(4) if j != i]
        weights = np.linalg.solve(k[np.ix_(rest, rest)], k[rest, i])
        mean, var = weights @ residual[rest], k[i, i] - weights @ k[rest, i]
        assert got[i] == pytest.approx(-0.5 * math.log(2 * math.pi * var) - 0.5 * (residual[i] - mean) ** 2 / var)


def test_conditional_draws_match_the_kriging_mean_and_variance():
    t_obs, t_new = np.array([0.0, 0.5, 1.0]), np.array([1.5, 3.0])
    residual, sd = np.array([0.0, 0.1, 0.3]), np.full(3, 0.02)
    n = 200_000
    draws = conditional_draws(t_obs, np.tile(residual, (n, 1)), np.tile(sd, (n, 1)), t_new, np.full(n, 0.1),
                              np.full(n, 0.5), np.random.default_rng(3), damping=DAMPING)
    k = covariance(t_obs[:, None], t_obs[None, :], 0.1, 0.5, DAMPING) + np.diag(sd ** 2)
    cross = covariance(t_new[:, None], t_obs[None, :], 0.1, 0.5, DAMPING)
    mean = cross @ np.linalg.solve(k, residual)
    cov = covariance(t_new[:, None], t_new[None, :], 0.1, 0.5, DAMPING) - cross @ np.linalg.solve(k, cross.T)
    # tolerances: 5 standard errors of a mean (sd / sqrt(n)) and of a covariance (~ var * sqrt(2 / n))
    np.testing.assert_allclose(draws.mean(axis=0), mean, atol=5 * np.sqrt(np.diag(cov).max() / n))
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=5 * np.diag(cov).max() * np.sqrt(2 / n))
    assert mean[1] > mean[0] > residual[-1]  # the rising residuals' slope carries on


def test_saturation_never_exceeds_the_bound_and_is_identity_far_below():
    x = np.array([10.0, 13.0, 15.9, 20.0, 300.0])
    out = saturate_log10(x, 15.9)
    assert np.all(out <= 15.9)  # equal only in floating point, for a volume 10^284 times the bound
    assert out[0] == pytest.approx(10.0, abs=1e-5) and out[-1] == pytest.approx(15.9)
    assert out[2] == pytest.approx(15.9 - math.log10(2))  # N = B gives B / 2


def _known_fit(shipped_priors, *, level=0.05, rate=0.3, curve="exponential"):
    """A stand-in fit: the posterior is the true curve (every draw), announcements exact lower bounds."""
    days = [0, 60, 120, 200, 300, 365]
    dates = tuple(START + timedelta(days=d) for d in days)
    t = np.array(days) / 365.25
    announced = 10 ** (_truth(t) - shipped_priors.rounding_offset_log10)  # what a "more than X" figure states
    data = TokenUsage(dates, announced, tuple("synthetic" for _ in dates), "synthetic", start=START)
    values = {"log10_launch_tokens_per_day": 11.0, "growth_rate_per_year": RATE, "misfit_log10": 1e-3,
              "level_diffusion_log10": level, "rate_diffusion_log10": rate}
    posterior = {k: SimpleNamespace(values=np.full((4, N_DRAWS // 4), v)) for k, v in values.items()}
    return GrowthFit(curve, SimpleNamespace(posterior=posterior), data, shipped_priors, None, "k", True,
                     Diagnostics(1.0, 1e4, 1e4, 0, 0.0))


def test_forecast_is_centred_on_the_true_curve_not_on_the_announced_figures(shipped_priors):
    fit = _known_fit(shipped_priors)
    when = START + timedelta(days=365 + 182)
    t = (when - START).days / 365.25
    truth = predictive_log10(fit, [when], seed=1)[:, 0]
    said = predictive_log10(fit, [when], seed=1, announced=True)[:, 0]
    # the median of 4000 draws of sd ~0.07 dex has a standard error of ~0.0014 dex; 0.01 is 7 s.e., while
    # getting the offset's sign wrong moves the centre by 2 * 0.05 = 0.1 dex (26% in volume)
    assert np.median(truth) == pytest.approx(_truth(t), abs=0.01)
    assert np.median(said) == pytest.approx(_truth(t) - shipped_priors.rounding_offset_log10, abs=0.01)


def test_bands_widen_with_the_horizon_and_respect_the_bound(shipped_priors):
    fit = _known_fit(shipped_priors)
    dates = [START + timedelta(days=365 + d) for d in (90, 365, 730, 1460)]
    draws = predictive_log10(fit, dates, seed=2)
    widths = np.percentile(draws, 95, axis=0) - np.percentile(draws, 5, axis=0)
    assert np.all(np.diff(widths) > 0), widths
    far = predictive_log10(fit, [date(2060, 1, 1), date(2100, 1, 1)], seed=3)
    assert np.all(far <= shipped_priors.max_log10_tokens_per_day)
    assert np.median(far[:, 1]) > shipped_priors.max_log10_tokens_per_day - 0.1  # the exponential saturates


def test_several_dates_share_one_posterior_draw_per_row(shipped_priors):
    fit = _known_fit(shipped_priors)
    dates = [START + timedelta(days=400), START + timedelta(days=410)]
    draws = predictive_log10(fit, dates, seed=4)
    assert np.corrcoef(draws.T)[0, 1] > 0.9  # ten days apart: nearly the same path


def test_gp_op_value_and_gradient_match_the_dense_normal_and_finite_differences():
    from mc.growth.gp_op import gp_log_likelihood_and_grad

    t = np.array([0.0, 0.2, 0.5, 0.6, 1.4])
    residual, noise = np.array([0.01, -0.05, 0.1, 0.02, 0.3]), np.array([1e-4, 8e-4, 8e-4, 1e-3, 8e-4])
    value, (g_r, g_noise, g_level, g_rate) = gp_log_likelihood_and_grad(t, residual, noise, 0.15, 0.6, DAMPING)
    dense = covariance(t[:, None], t[None, :], 0.15, 0.6, DAMPING) + np.diag(noise)
    assert value == pytest.approx(multivariate_normal(np.zeros(5), dense).logpdf(residual), abs=1e-6)
    f = lambda r=residual, n=noise, lv=0.15, rt=0.6: gp_log_likelihood_and_grad(t, r, n, lv, rt, DAMPING)[0]  # noqa: E731
    h, e = 1e-6, np.eye(5)
    # central differences: truncation error O(h^2) times third derivatives, far below 1e-4 relative here
    assert g_level == pytest.approx((f(lv=0.15 + h) - f(lv=0.15 - h)) / (2 * h), rel=1e-4)
    assert g_rate == pytest.approx((f(rt=0.6 + h) - f(rt=0.6 - h)) / (2 * h), rel=1e-4)
    for i in range(5):
        assert g_r[i] == pytest.approx((f(r=residual + h * e[i]) - f(r=residual - h * e[i])) / (2 * h), rel=1e-4)
        dn = 1e-9
        assert g_noise[i] == pytest.approx((f(n=noise + dn * e[i]) - f(n=noise - dn * e[i])) / (2 * dn), rel=1e-3)


def test_gp_op_gradient_flows_through_pytensor():
    import pytensor
    import pytensor.tensor as pt

    from mc.growth.gp_op import gp_log_likelihood_and_grad, gp_log_likelihood_tensor

    t, noise = np.array([0.0, 0.5, 1.0]), np.full(3, 1e-3)
    r, level = pt.dvector("r"), pt.dscalar("level")
    value = gp_log_likelihood_tensor(t, r, noise, level, 0.4, DAMPING)
    fn = pytensor.function([r, level], [value, *pt.grad(value, [r, level])])
    got = fn(np.array([0.0, 0.1, 0.15]), 0.2)
    expected, grads = gp_log_likelihood_and_grad(t, np.array([0.0, 0.1, 0.15]), noise, 0.2, 0.4, DAMPING)
    assert got[0] == pytest.approx(expected)
    np.testing.assert_allclose(got[1], grads[0])
    assert got[2] == pytest.approx(grads[2])
