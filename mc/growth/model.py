"""The PyMC model of announced daily token volume along one growth curve.

    z_k              ~ Normal(0, 1)                      one per parameter (non-centred)
    theta_k          = prior_k(z_k)                      mu + sigma z  or  median exp(sigma_log z)
    noise_log10      = prior(z_noise)
    log10(announced) ~ Normal(curve(t; theta) - log10(1 + rounding), noise_log10)

Time is years since launch, already of order one (0 to about 0.6 on the shipped
data), and every sampled variable is a standard normal a priori, so the sampler
sees a well-scaled posterior. The curve itself is the *true* volume; announcements
("超过X") sit below it by the rounding offset.
"""
from __future__ import annotations

import numpy as np

from mc.growth.curves import Curve
from mc.growth.priors import GrowthPriors

OBSERVED_NAME = "log10_tokens_per_day"
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
        Priors for the shared and curve parameters.

    Returns
    -------
    pymc.Model
        With one Deterministic per named parameter, ``noise_log10``, and the
        observed ``log10_tokens_per_day`` (its pointwise log-likelihood feeds LOO).
    """
    import pymc as pm
    import pytensor.tensor as pt

    t_years = np.asarray(t_years, dtype=float)
    observed_log10 = np.asarray(observed_log10, dtype=float)
    with pm.Model(coords={"announcement": np.arange(len(t_years))}) as model:
        params = {name: _non_centred(name, spec, pm, pt) for name, spec in priors.for_curve(curve.name).items()}
        noise = _non_centred(NOISE_NAME, priors.shared[NOISE_NAME], pm, pt)
        t_data = pm.Data("t_years", t_years, dims="announcement")
        log10_true = curve.tensor_function(t_data, **params)
        pm.Normal(OBSERVED_NAME, mu=log10_true - priors.rounding_offset_log10, sigma=noise,
                  observed=observed_log10, dims="announcement")
    return model


def _non_centred(name, spec, pm, pt):
    z = pm.Normal(f"{name}_z", 0.0, 1.0)
    return pm.Deterministic(name, spec.from_standard_normal(z, pt))
