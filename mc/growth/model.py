"""The PyMC model of announced daily token volume along one growth curve.

    z_k              ~ Normal(0, 1)                     one per curve parameter (non-centred)
    theta_k          = anchor_k + prior_k(z_k)          mu + sigma z  or  median exp(sigma_log z)
    misfit, sigma_level, sigma_rate = scale * HalfNormal(1)
    x(t)             = saturate(curve(t; theta)) + d(t) true log10 volume; d a Gaussian process
    log10(announced) ~ MvNormal(x(t) - offset, K_d + diag(noise^2))   (d marginalised)

``anchor_k`` is log10 of the series' first or last fitted row for a prior with
``relative_to`` (0 otherwise), so one priors file serves any series. d(t) is a
random walk in level and in growth rate from the series' start
(:mod:`mc.growth.deviation`), marginalised: the likelihood is the multivariate
normal with the closed-form covariance, one Op with a closed-form gradient
(:mod:`mc.growth.gp_op`, numpy inside: nothing to compile). PyMC's MvNormal
(symbolic Cholesky) and an unrolled Kalman filter both took minutes to compile
and milliseconds a gradient here; the latent walk, sampled non-centred, had a
narrow ridge when the noise floor is small. It is a ``pm.Potential``; the
pointwise leave-one-out densities for LOO are computed after sampling
(:func:`mc.growth.predictive.pointwise_loo_log_density`). Rows of kind ``lower_bound`` ("超过X") are read as
true = announced * (1 + u), u ~ Uniform(0, max): they sit ``rounding_offset``
below the truth with noise floor ``rounding_sd`` (about 0.05 and 0.028 dex for a
25% range). Rows of kind ``point`` (a stated average) have no offset and a noise
floor of :data:`POINT_SD_LOG10` (a figure stated to two significant digits).
The floors keep the sampler out of the funnel a free noise term falls into when
a curve meets a few points exactly.
"""
from __future__ import annotations

import numpy as np

from mc.growth.curves import Curve, saturate_log10
from mc.growth.gp_op import gp_log_likelihood_tensor
from mc.growth.data import TokenUsage
from mc.growth.priors import GrowthPriors

OBSERVED_NAME = "log10_tokens_per_day"
MISFIT_NAME = "misfit_log10"
LEVEL_NAME = "level_diffusion_log10"
RATE_NAME = "rate_diffusion_log10"
NOISE_PARAMS = (MISFIT_NAME, LEVEL_NAME, RATE_NAME)
# "1200亿" is stated to two significant digits: +-0.5 in the last digit of 12 is +-4%,
# a uniform rounding error with sd 0.04 / sqrt(3) / ln 10 = 0.01 dex.
POINT_SD_LOG10 = 0.01


def anchors(data: TokenUsage) -> dict[str, float]:
    """log10 of the first and last fitted rows: what ``relative_to`` priors are offsets from."""
    y = data.log10_tokens_per_day
    return {"first_row": float(y[0]), "last_row": float(y[-1]), "": 0.0}


def observation_offset(data: TokenUsage, priors: GrowthPriors) -> np.ndarray:
    """How far each row is expected to sit below the true volume (log10): rounding for lower bounds."""
    return np.where(data.is_lower_bound, priors.rounding_offset_log10, 0.0)


def observation_floor(data: TokenUsage, priors: GrowthPriors) -> np.ndarray:
    """Each row's noise floor (log10 sd): rounding spread for lower bounds, :data:`POINT_SD_LOG10` for points."""
    return np.where(data.is_lower_bound, priors.rounding_sd_log10, POINT_SD_LOG10)


def build_growth_model(data: TokenUsage, curve: Curve, priors: GrowthPriors):
    """Build the PyMC model for one curve.

    Parameters
    ----------
    data : TokenUsage
        The fitted rows (their kinds and time zero included).
    curve : Curve
        The growth-curve family.
    priors : GrowthPriors
        Priors for the shared and curve parameters, the rounding range and the bound.

    Returns
    -------
    pymc.Model
        With one Deterministic per named parameter and noise scale, and the
        observed ``log10_tokens_per_day`` (a multivariate normal).
    """
    import pymc as pm
    import pytensor.tensor as pt

    t = data.years_since_launch
    where = anchors(data)
    with pm.Model(coords={"announcement": np.arange(len(t))}) as model:
        params = {name: _non_centred(name, spec, pm, pt, where[spec.relative_to])
                  for name, spec in priors.for_curve(curve.name).items()}
        misfit, level, rate = (_non_centred(n, priors.shared[n], pm, pt, 0.0) for n in NOISE_PARAMS)
        log10_true = saturate_log10(curve.tensor_function(pt.as_tensor_variable(t), **params),
                                    priors.max_log10_tokens_per_day, pt)
        noise_var = observation_floor(data, priors) ** 2 + misfit ** 2
        residual = data.log10_tokens_per_day - (log10_true - observation_offset(data, priors))
        pm.Potential(OBSERVED_NAME, gp_log_likelihood_tensor(t, residual, noise_var, level, rate,
                                                                    priors.rate_damping_per_year))
    return model


def _non_centred(name, spec, pm, pt, anchor: float):
    if spec.dist == "halfnormal":
        z = pm.HalfNormal(f"{name}_z", 1.0)
    else:
        z = pm.Normal(f"{name}_z", 0.0, 1.0)
    return pm.Deterministic(name, spec.from_standard_normal(z, pt, anchor))
