"""The random deviation of log10 volume from a growth curve: a Gaussian process in time.

    d(t) = sigma_level * W1(t) + sigma_rate * integral_0^t W2(s) ds

with W1, W2 independent standard Wiener processes started at the series' time
zero: a random walk in the level (log10 per sqrt(year)) and one in the growth
rate (log10 per year^1.5). Its covariance is the sum of the two closed forms

    k(s, t) = sigma_level^2 min(s, t) + sigma_rate^2 m^2 (3 M - m) / 6,   m = min, M = max,

so the spread grows as sqrt(h) (level) and h^1.5 (rate) with the horizon h.
Given announcements, the deviation at new dates is the Gaussian conditional
(kriging) for each posterior draw; :func:`loo_log_density` gives the exact
leave-one-out predictive density of each announcement under one draw (the
standard Gaussian-process LOO identity), which feeds PSIS-LOO.
"""
from __future__ import annotations

import numpy as np

JITTER = 1e-10  # added to diagonals before a Cholesky factorisation (log10 units squared)
JOINT_LIMIT = 48  # at most this many dates are drawn jointly (12 years of 4 quadrature days); more (figure grids) per date


def covariance(s, t, level, rate, xp=np):
    """k(s, t) for broadcastable times `s`, `t` (years, >= 0) and diffusion scales."""
    m = xp.minimum(s, t)
    big = xp.maximum(s, t)
    return level ** 2 * m + rate ** 2 * m ** 2 * (3.0 * big - m) / 6.0


def _cov_batch(a, b, level, rate):
    """Covariances (draws, len(a), len(b)) for per-draw scales `level`, `rate` (draws,)."""
    return covariance(np.asarray(a)[None, :, None], np.asarray(b)[None, None, :], level[:, None, None],
                      rate[:, None, None])


def conditional_draws(t_obs, residual, noise_sd, t_new, level, rate, rng) -> np.ndarray:
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
    k_oo = _cov_batch(t_obs, t_obs, level, rate)
    k_oo[:, np.arange(len(t_obs)), np.arange(len(t_obs))] += noise_sd ** 2 + JITTER
    k_no = _cov_batch(t_new, t_obs, level, rate)
    chol = np.linalg.cholesky(k_oo)
    solved = np.linalg.solve(chol, np.swapaxes(k_no, 1, 2))  # L^-1 K_on: (draws, n, m)
    alpha = np.linalg.solve(chol, residual[:, :, None])  # L^-1 r
    mean = np.einsum("dnm,dn->dm", solved, alpha[:, :, 0])
    z = rng.standard_normal(mean.shape)
    if len(t_new) <= JOINT_LIMIT:
        cov = _cov_batch(t_new, t_new, level, rate) - np.einsum("dnm,dnk->dmk", solved, solved)
        cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
        cov[:, np.arange(len(t_new)), np.arange(len(t_new))] += JITTER
        return mean + np.einsum("dmk,dk->dm", _safe_cholesky(cov), z)
    var = covariance(np.asarray(t_new)[None, :], np.asarray(t_new)[None, :], level[:, None], rate[:, None])
    var = var - np.einsum("dnm,dnm->dm", solved, solved)
    return mean + np.sqrt(np.maximum(var, 0.0)) * z


def _safe_cholesky(cov: np.ndarray) -> np.ndarray:
    """Cholesky factors of a stack of covariances, clipping round-off negative eigenvalues."""
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(cov)
        return vectors * np.sqrt(np.maximum(values, 0.0))[:, None, :]


def loo_log_density(t_obs, residual, noise_sd, level, rate) -> np.ndarray:
    """log p(y_i | y_-i, theta) per draw and row, (draws, n): Gaussian-process LOO identity.

    With Q = K^-1 and r the residual, the left-out mean error is (Q r)_i / Q_ii and
    the variance 1 / Q_ii (Rasmussen and Williams 2006, eq. 5.12).
    """
    k_oo = _cov_batch(t_obs, t_obs, level, rate)
    k_oo[:, np.arange(len(t_obs)), np.arange(len(t_obs))] += noise_sd ** 2 + JITTER
    q = np.linalg.inv(k_oo)
    q_diag = np.einsum("dii->di", q)
    error = np.einsum("dij,dj->di", q, residual) / q_diag
    return -0.5 * (np.log(2 * np.pi / q_diag) + error ** 2 * q_diag)


def kalman_log_likelihood(t, residual, noise_var, level, rate, xp=np):
    """log N(residual; 0, K + diag(noise_var)) by a Kalman filter, O(n) small-matrix steps.

    The deviation is a Markov process in the state (level walk L, rate integral
    x, rate v); an announcement sees L + x plus its noise. Unrolled over the rows
    with 3 x 3 matrix steps, so it builds a small PyTensor graph (fast gradients,
    no Cholesky) and also runs on numpy, where it equals the dense multivariate normal.

    Parameters
    ----------
    t : (n,) float array, sorted years >= 0 (constants)
    residual : sequence of n scalars (observed minus expected, numpy or PyTensor)
    noise_var : sequence of n scalars
    level, rate : scalars, the diffusion scales
    xp : numpy or pytensor.tensor
    """
    observe = np.array([1.0, 1.0, 0.0])
    m, p = np.zeros(3), np.zeros((3, 3))
    total, previous = 0.0, 0.0
    for i in range(len(t)):
        dt, previous = float(t[i]) - previous, float(t[i])
        move = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
        level_q = np.diag([dt, 0.0, 0.0])
        rate_q = np.array([[0.0, 0.0, 0.0], [0.0, dt ** 3 / 3.0, dt ** 2 / 2.0], [0.0, dt ** 2 / 2.0, dt]])
        m = xp.dot(move, m)
        p = xp.dot(xp.dot(move, p), move.T) + level ** 2 * level_q + rate ** 2 * rate_q
        ph = xp.dot(p, observe)
        s = xp.dot(observe, ph) + noise_var[i]
        e = residual[i] - xp.dot(observe, m)
        total = total - 0.5 * (xp.log(2 * np.pi * s) + e * e / s)
        m = m + ph * (e / s)
        p = p - ph[:, None] * ph[None, :] / s
    return total
