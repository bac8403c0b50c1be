"""mc.aggregates against hand-worked ratios of means: tests that small bugs cannot pass.

Written against hand-made mutants of mc/aggregates.py (the ratio upside down,
a dropped or misread term of the error bound, a lost absolute value, the
numerator's unit, the median read as the mean). The oracle is the documented
definition worked out by hand: R = E[N] / E[D] and the bound
se = (se_N + |R| se_D) / |E[D]|; and, for the bound, the delta-method error of
a ratio of means computed with numpy on correlated draws.
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mc.aggregates import with_aggregates

MODEL = SimpleNamespace(aggregates={"margin": ("profit", "revenue")})


def _table(profit, revenue, margin_mean=0.123):
    """A summary table: (mean, se) of profit and revenue, with medians that differ from the means."""
    rows = [("profit", "CNY", "mean", *profit), ("profit", "CNY", "p50", profit[0] + 7, 1.0),
            ("revenue", "CNY", "mean", *revenue), ("revenue", "CNY", "p50", revenue[0] * 3, 1.0),
            ("margin", "%", "mean", margin_mean, 0.01), ("margin", "%", "p50", 0.2, 0.01)]
    return pd.DataFrame(rows, columns=["output", "unit", "statistic", "value", "mc_se"])


def _aggregate(table):
    out = with_aggregates(table, MODEL)
    rows = out[out["statistic"] == "aggregate"]
    assert len(rows) == 1 and rows["output"].iloc[0] == "margin"
    return rows.iloc[0]


@pytest.mark.parametrize("profit, revenue, ratio, se", [
    # R = -30 / 60 = -0.5; se = (2 + 0.5 * 4) / 60 = 1 / 15
    ((-30.0, 2.0), (60.0, 4.0), -0.5, 1 / 15),
    # a negative denominator: R = 30 / -60 = -0.5; the error stays positive, 1 / 15
    ((30.0, 2.0), (-60.0, 4.0), -0.5, 1 / 15),
    # R = 45 / 100 = 0.45; se = (3 + 0.45 * 10) / 100 = 0.075
    ((45.0, 3.0), (100.0, 10.0), 0.45, 0.075),
])
def test_aggregate_row_by_hand(profit, revenue, ratio, se):
    row = _aggregate(_table(profit, revenue))
    assert row["value"] == pytest.approx(ratio, rel=1e-12)
    assert row["mc_se"] == pytest.approx(se, rel=1e-12)
    assert row["unit"] == "%"  # the ratio output's unit, not its numerator's


def test_table_without_the_ratio_output_is_returned_unchanged():
    table = _table((45.0, 3.0), (100.0, 10.0))
    table = table[table["output"] != "margin"].reset_index(drop=True)
    assert with_aggregates(table, MODEL).equals(table)


def test_zero_denominator_gives_nan_not_an_error():
    row = _aggregate(_table((45.0, 3.0), (0.0, 10.0)))
    assert np.isnan(row["value"]) and np.isnan(row["mc_se"])


def test_error_bound_covers_the_delta_method_error():
    # draws of N and D, correlated either way: the delta-method s.e. of mean(N) / mean(D) uses their
    # covariance; the reported bound ignores it and must never be smaller (it is a bound for any
    # correlation, equal to the delta method at correlation -1 up to sampling noise).
    rng = np.random.default_rng(11)
    n = 50_000
    z1, z2 = rng.standard_normal((2, n))
    for rho in (-0.99, 0.0, 0.9):
        den = 100 + 10 * z1
        num = 45 + 6 * (rho * z1 + np.sqrt(1 - rho**2) * z2)
        mn, md = num.mean(), den.mean()
        se_n, se_d = num.std(ddof=1) / np.sqrt(n), den.std(ddof=1) / np.sqrt(n)
        r = mn / md
        delta = np.sqrt(np.var(num - r * den, ddof=1) / n) / abs(md)
        row = _aggregate(_table((mn, se_n), (md, se_d)))
        assert row["value"] == pytest.approx(r, rel=1e-12)
        assert row["mc_se"] >= delta * (1 - 1e-9)
        if rho < 0:
            assert row["mc_se"] == pytest.approx(delta, rel=0.02)  # perfectly opposed: the bound is tight
