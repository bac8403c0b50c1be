"""Ratios reported as a ratio of means: E[numerator] / E[denominator], beside the mean of the per-draw ratio.

The mean of a per-draw ratio misleads when the denominator varies (the base
margin's mean is about -69% while the business's aggregate margin,
E[profit] / E[revenue], is about -45%). A model file declares such a ratio
with ``aggregate_of = [numerator, denominator]`` on the output
(:attr:`mc.model.Model.aggregates`); the table gains a row with statistic
``aggregate``.
"""
from __future__ import annotations

import math

import pandas as pd


def with_aggregates(table: pd.DataFrame, model) -> pd.DataFrame:
    """The table with an ``aggregate`` row (E[num] / E[den]) for each declared ratio output it holds.

    The value and its standard error come from the table's own means and their
    standard errors, so an in-memory and a streamed run give the same row. The
    error is the bound ``(se_N + |R| se_D) / |E[D]|``, which holds whatever the
    correlation of N and D: conservative (the delta method with their
    covariance would be smaller when N and D move together).
    """
    means = table[table["statistic"] == "mean"].set_index("output")
    rows = []
    for output, (num, den) in getattr(model, "aggregates", {}).items():
        if output not in set(table["output"]) or num not in means.index or den not in means.index:
            continue
        mean_d = means.loc[den, "value"]
        ratio = means.loc[num, "value"] / mean_d if mean_d else math.nan
        se = (means.loc[num, "mc_se"] + abs(ratio) * means.loc[den, "mc_se"]) / abs(mean_d) if mean_d else math.nan
        unit = table.loc[table["output"] == output, "unit"].iloc[0]
        rows.append({"output": output, "unit": unit, "statistic": "aggregate", "value": float(ratio),
                     "mc_se": float(se)})
    return table if not rows else pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
