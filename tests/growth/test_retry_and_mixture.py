"""The automatic refit and the partial mixture, with the sampler replaced by stand-ins (fast)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from mc.errors import InputError
from mc.growth import fit as fit_module
from mc.growth import workflow
from mc.growth.curves import get_curve
from mc.growth.fit import RETRY_TARGET_ACCEPT, RETRY_TUNE_FACTOR, Diagnostics, GrowthFit
from mc.growth.workflow import FitOptions, fit_curves

GOOD = Diagnostics(1.001, 900.0, 800.0, 0, 1.0)
BAD = Diagnostics(1.001, 900.0, 800.0, 3, 1.0)


def _fit(curve, diagnostics, data, priors):
    return GrowthFit(curve, SimpleNamespace(), data, priors, None, "key", False, diagnostics)


def test_a_failing_fit_is_refit_with_higher_target_accept_and_longer_tuning(shipped_data, shipped_priors,
                                                                            monkeypatch):
    calls = []

    def fit_once(fitted, priors, curve, *, tune, target_accept, attempt, **kwargs):
        calls.append((tune, target_accept, attempt))
        return _fit(curve, BAD if attempt == 1 else GOOD, fitted, priors)

    monkeypatch.setattr(fit_module, "_fit_once", fit_once)
    result = fit_module.fit_growth(shipped_data, shipped_priors, "gompertz", tune=200, sampler="pymc")
    first = get_curve("gompertz").target_accept
    assert first < RETRY_TARGET_ACCEPT  # the retry really asks for more
    assert calls == [(200, first, 1), (200 * RETRY_TUNE_FACTOR, RETRY_TARGET_ACCEPT, 2)]
    assert result.diagnostics is GOOD


def test_refused_only_after_the_retry_fails_too(shipped_data, shipped_priors, monkeypatch):
    def fit_once(fitted, priors, curve, *, attempt, **kwargs):
        return _fit(curve, Diagnostics(1.001, 900.0, 800.0, 3, 1.0, attempts=attempt), fitted, priors)

    monkeypatch.setattr(fit_module, "_fit_once", fit_once)
    with pytest.raises(InputError, match=r"did not converge \(3 divergent transition\(s\)\) after 2 attempt"):
        fit_module.fit_growth(shipped_data, shipped_priors, "gompertz", sampler="pymc")
    allowed = fit_module.fit_growth(shipped_data, shipped_priors, "gompertz", sampler="pymc", allow_unconverged=True)
    assert allowed.diagnostics.attempts == 2


def test_all_goes_ahead_with_the_curves_that_pass_and_names_the_others(shipped_data, shipped_priors, monkeypatch):
    def fit_growth(data, priors, curve, **kwargs):
        if curve in ("gompertz", "decaying"):
            raise InputError(data.path, f"{curve} fit", "did not converge (2 divergent transition(s)) after 2 attempt(s)")
        return _fit(curve, GOOD, data, priors)

    monkeypatch.setattr(workflow, "fit_growth", fit_growth)
    fits = fit_curves(shipped_data, shipped_priors, "all", FitOptions())
    assert list(fits) == ["exponential", "logistic"]
    assert set(fits.excluded) == {"gompertz", "decaying"} and "2 divergent" in fits.excluded["gompertz"]


def test_all_is_refused_when_no_curve_passes(shipped_data, shipped_priors, monkeypatch):
    def fit_growth(data, priors, curve, **kwargs):
        raise InputError(data.path, f"{curve} fit", "did not converge (max R-hat 1.2 > 1.01) after 2 attempt(s)")

    monkeypatch.setattr(workflow, "fit_growth", fit_growth)
    with pytest.raises(InputError, match="no curve passed the convergence gate") as info:
        fit_curves(shipped_data, shipped_priors, "all", FitOptions())
    assert all(name in info.value.problem for name in ("exponential", "logistic", "gompertz", "decaying"))
    with pytest.raises(InputError, match="did not converge"):  # one curve asked for: its own error
        fit_curves(shipped_data, shipped_priors, "gompertz", FitOptions())


def test_other_input_errors_are_not_swallowed_by_the_mixture(shipped_data, shipped_priors, monkeypatch):
    def fit_growth(data, priors, curve, **kwargs):
        raise InputError(data.path, "rows", "1 row(s) in the file; a growth fit needs at least 2")

    monkeypatch.setattr(workflow, "fit_growth", fit_growth)
    with pytest.raises(InputError, match="needs at least 2"):
        fit_curves(shipped_data, shipped_priors, "all", FitOptions())
