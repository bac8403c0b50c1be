"""mc.tails against hand-worked examples and brute-force numpy: tests that small bugs cannot pass.

Written against hand-made mutants of mc/tails.py (floor for ceil in the tail's
size, a tail that skips the worst draw, swapped sides or thresholds, a dropped
term or a wrong divisor in the CVaR's standard error, the KS test of the tail
against all draws instead of the rest, unstable tie-breaking, the sort order of
the drivers). Oracles are values worked out by hand from the documented
definitions, scipy's two-sample KS test on an independently built mask, and a
replication study whose tolerance is derived from the number of replications.
"""
import numpy as np
import pytest
from scipy import stats

from mc.errors import InputError
from mc.priors import PRIORS_DIR, load_priors, priors_from_dict
from mc.tails import bad_side, conditional_tail_expectation, tail_drivers, tail_expectations, tail_mask


@pytest.mark.parametrize("n, tail, k", [(10, 0.15, 2), (7, 0.5, 4), (1000, 0.001, 1), (3, 0.01, 1), (20, 0.25, 5)])
def test_tail_holds_ceil_of_tail_times_n_worst_draws(n, tail, k):
    x = np.random.default_rng(n).permutation(np.arange(float(n)))
    low, high = tail_mask(x, tail, "low"), tail_mask(x, tail, "high")
    assert low.sum() == k and high.sum() == k
    assert sorted(x[low]) == list(range(k))  # the k smallest, the very lowest included
    assert sorted(x[high]) == list(range(n - k, n))


def test_ties_are_broken_by_draw_order():
    # many equal values: the tail is the earliest draws among the lowest, as a stable sort gives
    x = np.random.default_rng(1).integers(0, 3, 5000).astype(float)
    mask = tail_mask(x, 0.1, "low")
    expected = np.zeros(x.size, bool)
    expected[np.flatnonzero(x == 0)[:500]] = True
    assert np.array_equal(mask, expected)
    mask = tail_mask(x, 0.1, "high")
    expected = np.zeros(x.size, bool)
    expected[np.flatnonzero(x == 2)[:500]] = True
    assert np.array_equal(mask, expected)


@pytest.mark.parametrize("tail", [0.0, 1.0])
def test_tail_of_none_or_all_draws_is_refused(tail):
    with pytest.raises(InputError):
        tail_mask(np.arange(10.0), tail)


def test_cvar_and_its_standard_error_by_hand():
    # x = 1..10, tail 0.3: the worst 3 low draws are 1, 2, 3: VaR 3, CVaR 2, sample variance (ddof 1) 1;
    # se = sqrt((1 + 0.7 * (2 - 3)^2) / (0.3 * 10)) = sqrt(1.7 / 3). High side: 8, 9, 10, VaR 8, CVaR 9.
    x = np.random.default_rng(2).permutation(np.arange(1.0, 11.0))
    low = conditional_tail_expectation(x, 0.3, "low")
    assert (low.var, low.cvar) == (3.0, 2.0)
    assert low.mc_se == pytest.approx(np.sqrt(1.7 / 3), rel=1e-12)
    high = conditional_tail_expectation(x, 0.3, "high")
    assert (high.var, high.cvar) == (8.0, 9.0)
    assert high.mc_se == pytest.approx(np.sqrt(1.7 / 3), rel=1e-12)


def test_cvar_standard_error_is_calibrated():
    # 400 independent runs of 4,000 normal draws: the spread of their CVaRs is the true error. The
    # sd of 400 draws is known to about 1 / sqrt(2 * 399) = 3.5% relative; the reported s.e. averaged
    # over runs to much better. A 10% tolerance is ~3 of those s.e.; a dropped threshold term (-32%) or
    # a wrong divisor (x sqrt(10)) fails by far.
    rng = np.random.default_rng(3)
    runs = [conditional_tail_expectation(rng.standard_normal(4000), 0.1, "low") for _ in range(400)]
    spread = np.std([r.cvar for r in runs], ddof=1)
    reported = np.mean([r.mc_se for r in runs])
    assert reported == pytest.approx(spread, rel=0.10)


def test_bad_side_defaults_to_low_and_follows_the_model():
    assert bad_side("anything") == "low"
    model = load_priors(PRIORS_DIR / "guosen_2024.toml").model
    assert bad_side("not_an_output", model) == "low"
    assert bad_side("capex_cny_per_year", model) == "high"


def test_tail_expectations_use_each_outputs_bad_side():
    model = load_priors(PRIORS_DIR / "guosen_2024.toml").model
    x = np.random.default_rng(4).permutation(np.arange(1.0, 101.0))
    table = tail_expectations({"capex_cny_per_year": x, "margin": x}, ["capex_cny_per_year", "margin"],
                              tail=0.1, model=model).set_index("output")
    assert table.loc["capex_cny_per_year", "cvar"] == pytest.approx(95.5)  # mean of 91..100
    assert table.loc["margin", "cvar"] == pytest.approx(5.5)  # mean of 1..10
    assert list(table["side"]) == ["high", "low"]


def _priors_with_three_uncertain_inputs():
    data = load_priors(PRIORS_DIR / "guosen_2024.toml").to_dict()
    data["assumptions"].update({
        "price_cny_per_m_tokens": {"family": "uniform", "low": 0.5, "high": 2.5},
        "paid_share": {"family": "uniform", "low": 0.35, "high": 0.45},
        "tokens_per_day": {"family": "lognormal", "median": 1e14, "sigma": 0.5},
    })
    return priors_from_dict(data, origin="<toy>")


def test_tail_drivers_equal_brute_force_statistics():
    priors = _priors_with_three_uncertain_inputs()
    rng = np.random.default_rng(5)
    n = 3000
    draws = {name: rng.lognormal(0, 1, n) for name in priors.uncertain}
    strong, weak, *rest = priors.uncertain
    output = -3 * draws[strong] - draws[weak] + rng.normal(0, 0.5, n)  # low output <- high strong, high weak
    table = tail_drivers({**draws, "margin": output}, priors, "margin", tail=0.2, side="low")
    worst = np.argsort(output, kind="stable")[:600]  # ceil(0.2 * 3000) lowest outputs
    mask = np.zeros(n, bool)
    mask[worst] = True
    rows = table.set_index("input")
    for name, x in draws.items():
        ks = stats.ks_2samp(x[mask], x[~mask])  # the tail against the rest: two disjoint samples
        shift = np.median(x[mask]) - np.median(x)
        assert rows.loc[name, "ks_statistic"] == pytest.approx(ks.statistic, rel=1e-12)
        assert rows.loc[name, "ks_pvalue"] == pytest.approx(ks.pvalue, rel=1e-9)
        assert rows.loc[name, "median_shift"] == pytest.approx(shift, rel=1e-12)
        assert rows.loc[name, "shift_sd"] == pytest.approx(shift / np.std(x), rel=1e-12)
    assert rows.loc[strong, "median_shift"] > 0 and rows.loc[strong, "shift_sd"] > 0
    assert list(table["ks_statistic"]) == sorted(table["ks_statistic"], reverse=True)
    assert table["input"].iloc[0] == strong
