"""The random deviation of log10 volume from a growth curve: a Gaussian process in time.

    d(t) = sigma_level * W(t) + sigma_rate * integral_0^t v(s) ds,   dv = -a v dt + dW2,  v(0) = 0

with W, W2 independent standard Wiener processes started at the series' time
zero: a random walk in the level (log10 per sqrt(year)) and a damped random
walk in the growth rate (an Ornstein-Uhlenbeck rate: shocks to the growth rate
fade at ``a`` per year, the damped local trend of forecasting). Its covariance
is the sum of two closed forms, with m = min(s, t), M = max(s, t):

    k(s, t) = sigma_level^2 m
              + sigma_rate^2 (2 a m - 2 + 2 e^{-a m} + 2 e^{-a M} - e^{-a (M - m)} - e^{-a (M + m)}) / (2 a^3)

(the second term tends to m^2 (3 M - m) / 6, the integrated random walk, as a -> 0).
The spread grows as h^1.5 for horizons h well below 1 / a and as sqrt(h) / a
beyond: far-horizon bands widen without exploding.
Given announcements, the deviation at new dates is the Gaussian conditional
(kriging) for each posterior draw; :func:`loo_log_density` gives the exact
leave-one-out predictive density of each announcement under one draw (the
standard Gaussian-process LOO identity), which feeds PSIS-LOO.
"""
from __future__ import annotations

import numpy as np

JITTER = 1e-10  # added to diagonals before a Cholesky factorisation (log10 units squared)
SMALL_DAMPING = 1e-4  # per year: below this the integrated random walk's form (no cancellation)
JOINT_LIMIT = 48  # at most this many dates are drawn jointly (12 years of 4 quadrature days); more (figure grids) per date


def covariance(s, t, level, rate, damping: float, xp=np):
    """k(s, t) for broadcastable times `s`, `t` (years, >= 0), diffusion scales and rate damping (per year)."""
    m = xp.minimum(s, t)
    big = xp.maximum(s, t)
    return level ** 2 * m + rate ** 2 * rate_kernel(m, big, damping, xp)


def rate_kernel(m, big, damping: float, xp=np):
    """Covariance of the integrated damped rate at times m <= big, for unit diffusion."""
    if damping < SMALL_DAMPING:
        return m ** 2 * (3.0 * big - m) / 6.0
    a = damping
    return (2 * a * m - 2 + 2 * xp.exp(-a * m) + 2 * xp.exp(-a * big) - xp.exp(-a * (big - m))
            - xp.exp(-a * (big + m))) / (2 * a ** 3)


def _cov_batch(a, b, level, rate, damping):
    """Covariances (draws, len(a), len(b)) for per-draw scales `level`, `rate` (draws,)."""
    return covariance(np.asarray(a)[None, :, None], np.asarray(b)[None, None, :], level[:, None, None],
                      rate[:, None, None], damping)


def conditional_draws(t_obs, residual, noise_sd, t_new, level, rate, rng, *, damping: float) -> np.ndarray:
    """Draws of the deviation at `t_new` given announcements, one per posterior draw.

    Parameters
    ----------
    t_obs : (n,) years of the fitted rows
    residual : (draws, n) observed log10 minus the curve's expected announcement, per draw
    noise_sd : (draws, n) observation noise sd per draw and row
    t_new : (m,) years to draw at
    level, rate : (draws,) diffusion scales
    rng : numpy Generator

    Returns
    -------
    (draws, m) array; joint across dates when m <= JOINT_LIMIT, else per date.
    """
    k_oo = _cov_batch(t_obs, t_obs, level, rate, damping)
    k_oo[:, np.arange(len(t_obs)), np.arange(len(t_obs))] += noise_sd ** 2 + JITTER
    k_no = _cov_batch(t_new, t_obs, level, rate, damping)
    chol = np.linalg.cholesky(k_oo)
    solved = np.linalg.solve(chol, np.swapaxes(k_no, 1, 2))  # L^-1 K_on: (draws, n, m)
    alpha = np.linalg.solve(chol, residual[:, :, None])  # L^-1 r
    mean = np.einsum("dnm,dn->dm", solved, alpha[:, :, 0])
    z = rng.standard_normal(mean.shape)
    if len(t_new) <= JOINT_LIMIT:
        cov = _cov_batch(t_new, t_new, level, rate, damping) - np.einsum("dnm,dnk->dmk", solved, solved)
        cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
        cov[:, np.arange(len(t_new)), np.arange(len(t_new))] += JITTER
        return mean + np.einsum("dmk,dk->dm", _safe_cholesky(cov), z)
    var = covariance(np.asarray(t_new)[None, :], np.asarray(t_new)[None, :], level[:, None], rate[:, None], damping)
    var = var - np.einsum("dnm,dnm->dm", solved, solved)
    return mean + np.sqrt(np.maximum(var, 0.0)) * z


def _safe_cholesky(cov: np.ndarray) -> np.ndarray:
    """Cholesky factors of a stack of covariances, clipping round-off negative eigenvalues."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(cov)
        return vectors * np.sqrt(np.maximum(values, 0.0))[:, None, :]


def loo_log_density(t_obs, residual, noise_sd, level, rate, *, damping: float) -> np.ndarray:
    """log p(y_i | y_-i, theta) per draw and row, (draws, n): Gaussian-process LOO identity.

    With Q = K^-1 and r the residual, the left-out mean error is (Q r)_i / Q_ii and
    the variance 1 / Q_ii (Rasmussen and Williams 2006, eq. 5.12).
    """
    k_oo = _cov_batch(t_obs, t_obs, level, rate, damping)
    k_oo[:, np.arange(len(t_obs)), np.arange(len(t_obs))] += noise_sd ** 2 + JITTER
    q = np.linalg.inv(k_oo)
    q_diag = np.einsum("dii->di", q)
    error = np.einsum("dij,dj->di", q, residual) / q_diag
    return -0.5 * (np.log(2 * np.pi / q_diag) + error ** 2 * q_diag)
