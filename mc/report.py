"""The Guosen Securities table (seeds/000), reproduced from its point assumptions.

The report prints two columns, at 100万亿 and 1000万亿 tokens per day.  The
figures below are exactly as printed, in the report's display units; the
number of decimals printed is the precision a reproduction must match.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from mc.display import scaled
from mc.economics import evaluate
from mc.priors import PRIORS_DIR, Priors, load_priors

REPORT_VOLUMES = (1e14, 1e15)  # 100万亿 and 1000万亿 tokens per day
REPORT_COLUMNS = ("tokens_per_day", "tokens_per_s", "required_eflops", "gpus", "revenue_cny_per_day",
                  "revenue_cny_per_year", "capex_cny_per_year", "margin")

# As printed in seeds/000 (图：豆包API调用算力需求及收入), in display units (mc.display).
REPORT_PRINTED: dict[float, dict[str, str]] = {
    1e14: {"tokens_per_s": "11.57", "required_eflops": "763.89", "gpus": "85.78", "revenue_cny_per_day": "0.6",
           "revenue_cny_per_year": "219", "capex_cny_per_year": "214.44"},
    1e15: {"tokens_per_s": "115.74", "required_eflops": "7638.89", "gpus": "857.77", "revenue_cny_per_day": "6",
           "revenue_cny_per_year": "2190", "capex_cny_per_year": "2144.43"},
}


def report_priors_path() -> Path:
    return PRIORS_DIR / "guosen_2024.toml"


def point_values(priors: Priors) -> dict[str, float]:
    """Each assumption's value when all are fixed (the report's priors)."""
    loose = [n for n in priors.names if not priors[n].is_fixed]
    if loose:
        raise ValueError(f"reproduce needs fixed assumptions; {', '.join(loose)} are uncertain")
    return {n: float(a.distribution.params["value"]) for n, a in priors.assumptions.items()}


def reproduce(priors: Priors | None = None, volumes=REPORT_VOLUMES) -> pd.DataFrame:
    """The report's table from point assumptions: one row per daily volume, base units."""
    priors = priors or load_priors(report_priors_path())
    values = point_values(priors)
    rows = []
    for volume in volumes:
        out = evaluate({**values, "tokens_per_day": volume})
        rows.append({c: float(out[c]) for c in REPORT_COLUMNS})
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def printed_precision_match(output: str, value: float, printed: str) -> bool:
    """Whether `value` (base units) rounds to the report's printed figure at its printed precision."""
    decimals = -Decimal(printed).as_tuple().exponent
    return round(scaled(output, value), decimals) == float(printed)


def comparison(table: pd.DataFrame) -> pd.DataFrame:
    """mc's figures beside the report's printed ones, in display units, with a match flag."""
    rows = []
    for _, row in table.iterrows():
        printed = REPORT_PRINTED.get(row["tokens_per_day"], {})
        for output in REPORT_COLUMNS[1:]:
            text = printed.get(output)
            rows.append({
                "tokens_per_day": row["tokens_per_day"], "output": output,
                "mc": scaled(output, row[output]), "report": float(text) if text else float("nan"),
                "matches": bool(printed_precision_match(output, row[output], text)) if text else None,
            })
    return pd.DataFrame(rows)
