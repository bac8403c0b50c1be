"""`mc reproduce`: the report's table from its point assumptions, beside its printed figures."""
from __future__ import annotations

import argparse
import json

from mc.display import fmt, unit

LABELS = {
    "tokens_per_s": "tokens per second", "required_eflops": "compute at peak",
    "gpus": "GPUs", "revenue_cny_per_day": "revenue per day", "revenue_cny_per_year": "revenue per year",
    "capex_cny_per_year": "GPU capex per year", "margin": "margin (implicit)",
}


def register(subparsers) -> None:
    p = subparsers.add_parser("reproduce", help="reproduce the Guosen report's table from its point assumptions",
                              description="Reproduce the Guosen Securities (Dec 2024) Doubao API table at "
                                          "100万亿 and 1000万亿 tokens/day, beside the report's printed figures.")
    p.add_argument("priors", nargs="?", help="priors file with every input fixed (default priors/guosen_2024.toml)")
    p.add_argument("--json", action="store_true", help="print rows in base units (CNY, tokens) as JSON")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from mc.priors import load_priors  # scipy and pandas load here, not at `mc --help`
    from mc.report import report_priors_path, reproduce

    path = args.priors or report_priors_path()
    table = reproduce(load_priors(path))
    if args.json:
        print(json.dumps({"rows": table.to_dict(orient="records")}, indent=2))
        return 0
    print(render(table, path))
    return 0


def render(table, path) -> str:
    from mc.report import comparison

    cmp = comparison(table)
    volumes = list(table["tokens_per_day"])
    head = f"{'':37}" + "".join(f"{fmt(v / 1e12) + '万亿 tokens/day':>26}" for v in volumes)
    sub = f"{'quantity':<21}{'unit':<16}" + "".join(f"{'mc':>13}{'report':>13}" for _ in volumes)
    lines = [f"Guosen Securities (Dec 2024) Doubao API model, from {path}", "", head, sub]
    for output, label in LABELS.items():
        cells = []
        for v in volumes:
            row = cmp[(cmp["output"] == output) & (cmp["tokens_per_day"] == v)].iloc[0]
            has_report = isinstance(row["matches"], bool)
            mark = (" ok" if row["matches"] else " !!") if has_report else ""
            report = f"{row['report']:g}{mark}" if has_report else "-"
            cells.append(f"{fmt(row['mc'], 6):>13}{report:>13}")
        lines.append(f"{label[:20]:<21}{unit(output):<16}" + "".join(cells))
    matched = [m for m in cmp["matches"] if isinstance(m, bool)]
    lines += ["", f"{sum(matched)} of {len(matched)} printed figures match to the report's precision; "
              "margin = (revenue - capex) / revenue, which the report leaves implicit."]
    return "\n".join(lines)
