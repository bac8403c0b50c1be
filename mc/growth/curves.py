"""Growth-curve families for daily token volume, in log space.

Each family is a tiny class: ``function(t_years, **params)`` is the pure numpy
curve, ``tensor_function`` the same formula on PyTensor variables (used inside
the PyMC model), and ``default_priors`` the built-in priors (the shipped
``priors/growth.toml`` holds the same numbers with their reasons). Time is in
years since the series' start (its launch); every curve returns log10 tokens per day.
Rates are continuously compounded per year (natural log per year; 2.30 = x10 a
year). Parameters broadcast, so a column of posterior draws against a row of
times gives a (draws, times) array.

Why these four: exponential (constant rate) is the report's implicit view of
"33x in seven months"; logistic and Gompertz saturate at an uncertain ceiling
(symmetric vs early-peaking slowdown); the decaying-rate curve slows down
without a ceiling (rate r0 / (1 + t / tau), so volume grows as a power of time).
A rate decaying *exponentially*, r0 * exp(-t / tau), integrates to exactly the
Gompertz curve with ceiling N0 * exp(r0 * tau), so it is not a separate family.
"""
from __future__ import annotations

import math
from typing import ClassVar, Mapping

import numpy as np

from mc.growth.spec import PriorSpec

LN10 = math.log(10.0)
_MIN_HEADROOM_LN = 1e-6  # logistic: ceiling must exceed the launch level


def _normal(name: str, mu: float, sigma: float, relative_to: str = "") -> PriorSpec:
    return PriorSpec(name, "normal", {"mu": mu, "sigma": sigma}, "built-in default", "see priors/growth.toml",
                     relative_to)


def _halfnormal(name: str, sigma: float) -> PriorSpec:
    return PriorSpec(name, "halfnormal", {"sigma": sigma}, "built-in default", "see priors/growth.toml")


def _lognormal(name: str, median: float, sigma_log: float) -> PriorSpec:
    return PriorSpec(name, "lognormal", {"median": median, "sigma_log": sigma_log}, "built-in default", "see priors/growth.toml")


LAUNCH_PRIOR = _normal("log10_launch_tokens_per_day", 0.0, 1.0, "first_row")
MISFIT_PRIOR = _halfnormal("misfit_log10", 0.05)
LEVEL_DIFFUSION_PRIOR = _halfnormal("level_diffusion_log10", 0.15)
RATE_DIFFUSION_PRIOR = _halfnormal("rate_diffusion_log10", 0.6)
CEILING_PRIOR = _normal("log10_ceiling_tokens_per_day", 1.5, 0.75, "last_row")


def saturate_log10(log10_tokens, max_log10_tokens, xp=np):
    """Smooth physical bound: log10 of 1 / (1/N + 1/B); below B always, N when N << B.

    Works on numpy or PyTensor (`xp`); ``B = 10 ** max_log10_tokens``.
    """
    return -xp.logaddexp(-LN10 * log10_tokens, -LN10 * max_log10_tokens) / LN10


class Curve:
    """Base class: subclasses set ``name``, ``param_names``, ``default_priors`` and ``_ln_tokens``."""

    name: ClassVar[str]
    description: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]
    default_priors: ClassVar[Mapping[str, PriorSpec]]
    # NUTS target acceptance: high, because with a handful of announcements the
    # posterior bends (the logistic's low-ceiling corner, small diffusion scales);
    # at 0.95 nutpie met a few divergences on the shipped data, at 0.99 none or one.
    target_accept: ClassVar[float] = 0.99

    def function(self, t_years, log10_launch_tokens_per_day, **params):
        """log10 tokens per day at `t_years` (numpy; parameters broadcast against t)."""
        t = np.asarray(t_years, dtype=float)
        ln_n0 = LN10 * np.asarray(log10_launch_tokens_per_day, dtype=float)
        values = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        return self._ln_tokens(t, ln_n0, values, np) / LN10

    def tensor_function(self, t_years, log10_launch_tokens_per_day, **params):
        """The same curve on PyTensor variables (for the PyMC model)."""
        import pytensor.tensor as pt

        return self._ln_tokens(t_years, LN10 * log10_launch_tokens_per_day, params, pt) / LN10

    def _ln_tokens(self, t, ln_n0, p, xp):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Exponential(Curve):
    """ln N(t) = ln N0 + r t: constant growth rate r per year."""

    name = "exponential"
    description = "constant growth rate"
    param_names = ("growth_rate_per_year",)
    default_priors = {"growth_rate_per_year": _lognormal("growth_rate_per_year", 3.0, 1.0)}

    def _ln_tokens(self, t, ln_n0, p, xp):
        return ln_n0 + p["growth_rate_per_year"] * t


class Logistic(Curve):
    """N(t) = K / (1 + (K/N0 - 1) exp(-r t)): symmetric S-curve to ceiling K (midpoint K/2)."""

    name = "logistic"
    description = "S-curve to an uncertain ceiling"
    param_names = ("growth_rate_per_year", "log10_ceiling_tokens_per_day")
    default_priors = {"growth_rate_per_year": _lognormal("growth_rate_per_year", 3.0, 1.0),
                      "log10_ceiling_tokens_per_day": CEILING_PRIOR}

    def _ln_tokens(self, t, ln_n0, p, xp):
        ln_k = LN10 * p["log10_ceiling_tokens_per_day"]
        # ln(K/N0 - 1), written through expm1 so it stays finite for large K/N0
        ln_excess = xp.log(xp.expm1(xp.maximum(ln_k - ln_n0, _MIN_HEADROOM_LN)))
        return ln_k - xp.logaddexp(0.0, ln_excess - p["growth_rate_per_year"] * t)

    def midpoint_years(self, log10_launch_tokens_per_day, growth_rate_per_year, log10_ceiling_tokens_per_day):
        """Time at which N = K/2."""
        ln_ratio = LN10 * (np.asarray(log10_ceiling_tokens_per_day) - np.asarray(log10_launch_tokens_per_day))
        return np.log(np.expm1(ln_ratio)) / np.asarray(growth_rate_per_year)


class Gompertz(Curve):
    """ln N(t) = ln K - ln(K/N0) exp(-c t): growth rate decays at rate c; inflection at K/e."""

    name = "gompertz"
    description = "early-peaking slowdown to an uncertain ceiling"
    param_names = ("growth_decay_per_year", "log10_ceiling_tokens_per_day")
    default_priors = {"growth_decay_per_year": _lognormal("growth_decay_per_year", 1.0, 1.0),
                      "log10_ceiling_tokens_per_day": CEILING_PRIOR}

    def _ln_tokens(self, t, ln_n0, p, xp):
        ln_k = LN10 * p["log10_ceiling_tokens_per_day"]
        return ln_k - (ln_k - ln_n0) * xp.exp(-p["growth_decay_per_year"] * t)

    def inflection_years(self, log10_launch_tokens_per_day, growth_decay_per_year, log10_ceiling_tokens_per_day):
        """Time at which N = K/e (fastest absolute growth)."""
        ln_ratio = LN10 * (np.asarray(log10_ceiling_tokens_per_day) - np.asarray(log10_launch_tokens_per_day))
        return np.log(ln_ratio) / np.asarray(growth_decay_per_year)


class DecayingRate(Curve):
    """Growth rate r(t) = r0 / (1 + t/tau), so ln N(t) = ln N0 + r0 tau ln(1 + t/tau); no ceiling."""

    name = "decaying"
    description = "growth rate halving after tau years, no ceiling"
    param_names = ("initial_growth_rate_per_year", "rate_halving_years")
    default_priors = {"initial_growth_rate_per_year": _lognormal("initial_growth_rate_per_year", 3.0, 1.0),
                      "rate_halving_years": _lognormal("rate_halving_years", 1.0, 1.0)}

    def _ln_tokens(self, t, ln_n0, p, xp):
        tau = p["rate_halving_years"]
        return ln_n0 + p["initial_growth_rate_per_year"] * tau * xp.log1p(t / tau)

    def growth_rate(self, t_years, initial_growth_rate_per_year, rate_halving_years):
        """d ln N / dt at `t_years`, per year."""
        return np.asarray(initial_growth_rate_per_year) / (1.0 + np.asarray(t_years) / np.asarray(rate_halving_years))


CURVES: dict[str, Curve] = {c.name: c() for c in (Exponential, Logistic, Gompertz, DecayingRate)}
CURVE_NAMES = tuple(CURVES)


def get_curve(name: str, *, source: str = "--curve") -> Curve:
    """The curve called `name`; InputError naming the choices otherwise."""
    from mc.errors import InputError

    if name not in CURVES:
        raise InputError(source, "", f"unknown curve {name!r}; choose one of {', '.join(CURVE_NAMES)}")
    return CURVES[name]
