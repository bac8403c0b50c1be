"""`mc reproduce`: a published model's printed figures, recomputed from its point assumptions."""
from __future__ import annotations

import argparse
import json

from mc.display import display_path, fmt, pad


def register(subparsers) -> None:
    p = subparsers.add_parser("reproduce", help="recompute a report's printed figures from its point assumptions",
                              description="Evaluate the model of a priors file whose inputs are all fixed and "
                                          "check every figure its [[printed]] tables list, to the printed "
                                          "precision. Default: the Guosen Securities (Dec 2024) Doubao API table "
                                          "(priors/guosen_2024.toml); priors/video_generation.toml checks the "
                                          "video-generation fleet's 41万 H100s.")
    p.add_argument("priors", nargs="?", help="priors file with every input fixed and [[printed]] figures "
                                             "(default priors/guosen_2024.toml)")
    p.add_argument("--json", action="store_true", help="print the rows (with base-unit values) as JSON")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from mc.report import report_priors_path, reproduce  # scipy, pandas and pint load here, not at `mc --help`

    path = args.priors or report_priors_path()
    table = reproduce(path)
    if args.json:
        print(json.dumps({"priors": str(path), "rows": table.to_dict(orient="records")}, indent=2))
        return 0
    print(render(table, path))
    return 0 if bool(table["matches"].all()) else 1


def render(table, path) -> str:
    """Each printed figure beside mc's, in the printed unit, with ok or !!."""
    from mc.priors import load_priors

    model = load_priors(path).model
    lines = [f"{model.description or model.name}", f"model {display_path(model.origin)}, point values from {display_path(path)}", "",
             f"{'output':<22}{'at':<24}{'unit':<14}{'mc':>14}{'printed':>12}"]
    for r in table.itertuples():
        mark = "ok" if r.matches else "!!"
        lines.append(f"{r.output:<22}{pad(r.at, 24)}{pad(r.unit, 14)}{fmt(r.mc, 6):>14}{r.printed:>12} {mark}")
    lines += ["", f"{int(table['matches'].sum())} of {len(table)} printed figures match to the printed precision."]
    return "\n".join(lines)
