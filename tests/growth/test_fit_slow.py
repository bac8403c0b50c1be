"""PyMC fits: the convergence gate, the cache, parameter recovery, forecasts, backtest, figure."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from mc.cli import main
from mc.errors import InputError
from mc.growth.data import LAUNCH_DATE, TokenUsage

pytestmark = pytest.mark.slow
SHIPPED = Path(__file__).resolve().parents[2] / "priors" / "token_usage.csv"
KEYS = ("p5", "p25", "p50", "p75", "p95")


def test_unconverged_fit_is_refused_unless_allowed(tmp_path, capsys):
    out = tmp_path / "posterior.nc"
    args = ["fit", "--curve", "gompertz", "--draws", "15", "--tune", "15", "--cache-dir", str(tmp_path), "--posterior", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did not converge" in err[0] and "--allow-unconverged" in err[0]
    assert not out.exists()
    assert main([*args, "--allow-unconverged", "--json"]) == 0
    captured = capsys.readouterr()
    assert "warning: gompertz fit did not converge" in captured.err
    record = json.loads(captured.out)["curves"]["gompertz"]
    assert record["converged"] is False and record["from_cache"] is True  # the refused fit was cached
    assert out.exists()
    import arviz as az

    with az.rc_context({"data.load": "eager"}):
        assert "log10_ceiling_tokens_per_day" in az.from_netcdf(out).posterior
    assert main([*args, "--allow-unconverged"]) == 2  # --out exists, no --force
    assert "--force" in capsys.readouterr().err


def _usage(dates, values, path="synthetic") -> TokenUsage:
    return TokenUsage(tuple(dates), np.asarray(values, dtype=float), tuple("s" for _ in dates), path,
                      start=LAUNCH_DATE)


def test_cache_reused_for_same_inputs_and_refitted_when_they_change(shipped_data, shipped_priors, tmp_path):
    from mc.growth.fit import fit_growth

    kwargs = dict(draws=60, tune=60, cache_dir=tmp_path, allow_unconverged=True, seed=5)
    first = fit_growth(shipped_data, shipped_priors, "exponential", **kwargs)
    again = fit_growth(shipped_data, shipped_priors, "exponential", **kwargs)
    assert not first.from_cache and again.from_cache and again.cache_key == first.cache_key
    np.testing.assert_array_equal(first.posterior_draws()["growth_rate_per_year"],
                                  again.posterior_draws()["growth_rate_per_year"])
    more = _usage([*shipped_data.dates, date(2025, 5, 15)], [*shipped_data.tokens_per_day, 1.6e13])
    assert not fit_growth(more, shipped_priors, "exponential", **kwargs).from_cache
    document = shipped_priors.to_dict()
    document["exponential"]["growth_rate_per_year"]["median"] = 2.0
    from mc.growth.priors import priors_from_dict

    changed = priors_from_dict(document)
    assert not fit_growth(shipped_data, changed, "exponential", **kwargs).from_cache
    # a cache file whose stored key does not match (other data or priors) is refitted
    cached = next((tmp_path / "growth").glob(f"exponential-{first.cache_key[:24]}.npz"))
    with np.load(cached, allow_pickle=False) as stored:
        arrays = dict(stored)
    attrs = json.loads(str(arrays["__attrs__"]))
    assert attrs["mc_cache_key"] == first.cache_key
    arrays["__attrs__"] = np.array(json.dumps({**attrs, "mc_cache_key": "made-from-other-data"}))
    with open(cached, "wb") as handle:
        np.savez(handle, **arrays)
    assert not fit_growth(shipped_data, shipped_priors, "exponential", **kwargs).from_cache


@pytest.mark.parametrize("curve, truth", [
    ("exponential", {"log10_launch_tokens_per_day": 11.1, "growth_rate_per_year": 4.0}),
    ("decaying", {"log10_launch_tokens_per_day": 11.1, "initial_growth_rate_per_year": 7.0, "rate_halving_years": 0.8}),
])
def test_parameters_recovered_from_synthetic_data(curve, truth, shipped_priors, tmp_path):
    from mc.growth.curves import get_curve
    from mc.growth.fit import fit_growth

    days = [0, 45, 90, 150, 220, 300, 400, 500]
    t = np.array(days) / 365.25
    noise = np.random.default_rng(11).normal(0.0, 0.03, size=t.size)
    log10_true = get_curve(curve).function(t, **truth)
    announced = 10 ** (log10_true - shipped_priors.rounding_offset_log10 + noise)
    data = _usage([LAUNCH_DATE + timedelta(days=d) for d in days], announced)
    fit = fit_growth(data, shipped_priors, curve, draws=400, tune=400, cache_dir=tmp_path, seed=3,
                     allow_unconverged=True)
    draws = fit.posterior_draws()
    for name, value in truth.items():
        low, high = np.percentile(draws[name], [5, 95])
        assert low <= value <= high, (name, value, low, high)


def test_forecast_json_for_one_curve_and_the_mix(all_fits, small_fit_args, capsys):
    for curve in ("gompertz", "all"):
        assert main(["forecast", "--date", "2025-06-15", "--curve", curve, "--json", *small_fit_args]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["date"] == "2025-06-15" and result["curve"] == curve
        values = [result[k] for k in KEYS]
        assert all(isinstance(v, float) for v in values)
        assert values == sorted(values) and values[0] > 4e12  # grows past the last announcement
    assert set(result["weights"]) == {"exponential", "logistic", "gompertz", "decaying"}
    assert sum(result["weights"].values()) == pytest.approx(1.0)
    assert result["weighting_method"] in ("stacking", "equal weights")


def test_forecast_screen_line_in_wan_yi(all_fits, small_fit_args, capsys):
    assert main(["forecast", "--date", "2026-06-15", "--curve", "logistic", *small_fit_args]) == 0
    out = capsys.readouterr().out
    assert "万亿 tokens/day" in out and "2026-06-15" in out


def test_mixture_draws_are_deterministic(all_fits):
    from mc.growth.workflow import predictive_log10_for

    a, wa = predictive_log10_for(all_fits, [date(2025, 6, 15)], seed=9)
    b, wb = predictive_log10_for(all_fits, [date(2025, 6, 15)], seed=9)
    np.testing.assert_array_equal(a, b)
    smallest = min(next(iter(f.posterior_draws().values())).size for f in all_fits.values())
    assert wa == wb and a.shape == (smallest, 1)  # one draw per position of the shortest posterior (a retry doubles)
    assert smallest >= 4 * 300


def test_backtest_json_structure_and_coverage_flags(small_fit_args, capsys):
    args = ["backtest", str(SHIPPED), "--until", "2026-04-30", "--curve", "exponential", "--json", *small_fit_args]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    (point,) = result["points"]
    assert point["date"] == "2026-06-23" and point["actual"] == 1.8e14
    assert "single held-out announcement" in result["summary"]["note"]
    assert [point[k] for k in KEYS] == sorted(point[k] for k in KEYS)
    assert point["covered_50"] == (point["p25"] <= point["actual"] <= point["p75"])
    assert point["covered_90"] == (point["p5"] <= point["actual"] <= point["p95"])
    summary = result["summary"]
    for scores in (summary, summary["baseline"]):
        assert {"coverage_50", "coverage_90", "log_score", "crps_log10"} <= set(scores)
        assert scores["crps_log10"] >= 0 and np.isfinite(scores["log_score"])
    assert summary["coverage_90"] == float(point["covered_90"])


def test_predictive_tokens_per_day_with_default_settings_converges(tmp_path):
    from mc.growth import predictive_tokens_per_day

    first = predictive_tokens_per_day(date(2025, 6, 15), curve="exponential", cache_dir=tmp_path)
    again = predictive_tokens_per_day(date(2025, 6, 15), curve="exponential", cache_dir=tmp_path)
    assert first.ndim == 1 and first.dtype == float and first.size == 4000
    np.testing.assert_array_equal(first, again)
    assert np.all(first > 0) and np.median(first) > 4e12


def test_plot_growth_writes_a_png_atomically(all_fits, shipped_data, tmp_path):
    from mc.growth.plots import plot_growth

    path = plot_growth(all_fits, shipped_data, date(2026, 6, 15), tmp_path / "growth.png", seed=1)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError, match="--force"):
        plot_growth(all_fits["gompertz"], shipped_data, date(2026, 6, 15), path)
    plot_growth(all_fits["gompertz"], shipped_data, date(2026, 6, 15), path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["growth.png"]  # no temporary left behind


def test_forecast_of_simulated_announcements_is_centred_on_the_known_curve(shipped_priors, tmp_path):
    """A real fit to lower-bound announcements simulated from a known exponential: the forecast of the
    true volume half a year on is centred on the true curve, not on the (lower) announced figures."""
    from mc.growth.curves import get_curve
    from mc.growth.fit import fit_growth
    from mc.growth.workflow import forecast_at

    truth = {"log10_launch_tokens_per_day": 11.0, "growth_rate_per_year": 3.0}
    days = [0, 40, 90, 150, 220, 300, 365]
    t = np.array(days) / 365.25
    u = np.random.default_rng(21).uniform(0, shipped_priors.rounding_max_fraction, t.size)
    announced = 10 ** get_curve("exponential").function(t, **truth) / (1 + u)  # "more than X"
    data = _usage([LAUNCH_DATE + timedelta(days=d) for d in days], announced)
    fit = fit_growth(data, shipped_priors, "exponential", draws=500, tune=500, cache_dir=tmp_path, seed=4,
                     allow_unconverged=True)
    target = LAUNCH_DATE + timedelta(days=365 + 182)
    p50 = forecast_at(target, {"exponential": fit}, curve="exponential", seed=1).percentiles_tokens_per_day[50]
    expected = get_curve("exponential").function((target - LAUNCH_DATE).days / 365.25, **truth)
    # the posterior median's spread over refits is ~0.05 dex here; 0.08 dex is well inside, while a flipped
    # offset sign puts the centre 0.1 dex (26%) too high on top of that
    assert abs(np.log10(p50) - expected) < 0.08


def test_a_tiny_tuning_budget_is_retried_then_refused(shipped_data, shipped_priors, tmp_path):
    from mc.growth.fit import fit_growth

    with pytest.raises(InputError, match="after 2 attempt"):
        fit_growth(shipped_data, shipped_priors, "gompertz", draws=30, tune=10, cache_dir=tmp_path, seed=1)
    fit = fit_growth(shipped_data, shipped_priors, "gompertz", draws=30, tune=10, cache_dir=tmp_path, seed=1,
                     allow_unconverged=True)
    assert fit.diagnostics.attempts == 2 and fit.from_cache  # both attempts were cached


def test_refit_with_another_seed_moves_statistics_within_the_reported_errors(shipped_priors, tmp_path):
    """Issue 16.1: errors at a date include the posterior's own error (mc.volume.summary_with_posterior_se)."""
    from mc.growth.data import load_token_usage
    from mc.growth.workflow import FitOptions, fit_curves, predictive_log10_for
    from mc.volume import posterior_batch, posterior_draw_index, summary_with_posterior_se

    data = load_token_usage()
    summaries = []
    for seed in (1, 2):
        fits = fit_curves(data, shipped_priors, "gompertz", FitOptions(cache_dir=tmp_path, seed=seed,
                                                                        allow_unconverged=True))
        posterior = 10 ** predictive_log10_for(fits, [date(2026, 12, 31)], seed=seed)[0][:, 0]
        rng = np.random.default_rng([seed, 99])
        volume = posterior[rng.integers(0, posterior.size, 20_000)]
        revenue = volume * 365 * 1.5e-6 * rng.beta(4, 6, volume.size)  # yuan a year at a paid share
        batch = posterior_batch(posterior_draw_index(volume, posterior), posterior.size)
        summaries.append(summary_with_posterior_se({"tokens_per_day": volume, "revenue": revenue}, batch))
    a, b = summaries
    for output in a:
        for stat, (value, se) in a[output].items():
            other, other_se = b[output][stat]
            # 4 combined standard errors: about 1 in 16,000 per statistic if the errors are honest
            assert abs(value - other) <= 4 * np.hypot(se, other_se) + 1e-12, (output, stat, value, other, se)
