"""The PyMC model of announced daily token volume along one growth curve.

    z_k              ~ Normal(0, 1)                     one per curve parameter (non-centred)
    theta_k          = prior_k(z_k)                     mu + sigma z  or  median exp(sigma_log z)
    misfit_log10     = sigma_misfit * HalfNormal(1)
    noise_log10      = sqrt(rounding_sd^2 + misfit_log10^2)
    log10(announced) ~ Normal(curve(t; theta) - rounding_offset, noise_log10)

The curve is the *true* daily volume. Announcements ("超过X") are lower bounds,
true = announced * (1 + u) with u ~ Uniform(0, max): they sit rounding_offset
below the curve with a spread rounding_sd (about 0.05 and 0.028 dex for a 25%
range). That spread is a floor under the noise: it keeps the sampler out of the
funnel a free noise term falls into when a three-parameter curve meets three
points exactly. Time is years since launch (already of order one) and every
sampled variable is a standard (half-)normal a priori, so the posterior is well
scaled.
"""
from __future__ import annotations

import numpy as np

from mc.growth.curves import Curve
from mc.growth.priors import GrowthPriors

OBSERVED_NAME = "log10_tokens_per_day"
MISFIT_NAME = "misfit_log10"
NOISE_NAME = "noise_log10"


def build_growth_model(t_years, observed_log10, curve: Curve, priors: GrowthPriors):
    """Build the PyMC model for one curve.

    Parameters
    ----------
    t_years : array_like
        Years since launch of each announcement.
    observed_log10 : array_like
        log10 of the announced tokens per day.
    curve : Curve
        The growth-curve family.
    priors : GrowthPriors
        Priors for the shared and curve parameters, and the rounding range.

    Returns
    -------
    pymc.Model
        With one Deterministic per named parameter, ``misfit_log10``,
        ``noise_log10`` and the observed ``log10_tokens_per_day`` (its pointwise
        log-likelihood feeds LOO).
    """
    import pymc as pm
    import pytensor.tensor as pt

    t_years = np.asarray(t_years, dtype=float)
    observed_log10 = np.asarray(observed_log10, dtype=float)
    with pm.Model(coords={"announcement": np.arange(len(t_years))}) as model:
        params = {name: _non_centred(name, spec, pm, pt) for name, spec in priors.for_curve(curve.name).items()}
        misfit = _non_centred(MISFIT_NAME, priors.shared[MISFIT_NAME], pm, pt)
        noise = pm.Deterministic(NOISE_NAME, pt.sqrt(priors.rounding_sd_log10 ** 2 + misfit ** 2))
        t_data = pm.Data("t_years", t_years, dims="announcement")
        log10_true = curve.tensor_function(t_data, **params)
        pm.Normal(OBSERVED_NAME, mu=log10_true - priors.rounding_offset_log10, sigma=noise,
                  observed=observed_log10, dims="announcement")
    return model


def _non_centred(name, spec, pm, pt):
    if spec.dist == "halfnormal":
        z = pm.HalfNormal(f"{name}_z", 1.0)
    else:
        z = pm.Normal(f"{name}_z", 0.0, 1.0)
    return pm.Deterministic(name, spec.from_standard_normal(z, pt))
