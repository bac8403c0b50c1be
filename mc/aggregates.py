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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def with_aggregates(table: "pd.DataFrame", model) -> "pd.DataFrame":
    """The table with an ``aggregate`` row (E[num] / E[den]) for each declared ratio output it holds.

    The value and its standard error come from the table's own means and their
    standard errors, so an in-memory and a streamed run give the same row. The
    error is the bound ``(se_N + |R| se_D) / |E[D]|``, which holds whatever the
    correlation of N and D: conservative (the delta method with their
    covariance would be smaller when N and D move together).
    """
    import pandas as pd

    rows = aggregate_rows(table.to_dict("records"), model)
    return table if not rows else pd.concat([table, pd.DataFrame(rows)], ignore_index=True)


def aggregate_rows(rows: list[dict], model) -> list[dict]:
    """The ``aggregate`` rows of :func:`with_aggregates`, from plain table rows (no pandas: the run path).

    Rows are dicts with ``output, unit, statistic, value, mc_se``; the value is
    ``E[num] / E[den]`` from the rows' means and the error the bound
    ``(se_N + |R| se_D) / |E[D]|``.
    """
    means = {r["output"]: r for r in rows if r["statistic"] == "mean"}
    units = {}
    for r in rows:
        units.setdefault(r["output"], r["unit"])
    out = []
    for output, (num, den) in getattr(model, "aggregates", {}).items():
        if output not in units or num not in means or den not in means:
            continue
        mean_d = means[den]["value"]
        ratio = means[num]["value"] / mean_d if mean_d else math.nan
        se = (means[num]["mc_se"] + abs(ratio) * means[den]["mc_se"]) / abs(mean_d) if mean_d else math.nan
        out.append({"output": output, "unit": units[output], "statistic": "aggregate", "value": float(ratio),
                    "mc_se": float(se)})
    return out
