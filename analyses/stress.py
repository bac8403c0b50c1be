"""Stress scenarios: the base priors against every shipped scenario, with common random numbers.

Tables: ``stress`` (every output's percentiles per scenario, with the base value
and the change; :func:`mc.scenarios.stress`), ``scenario_changes`` (what each
scenario replaces, its source and why).  Figures: ``stress_margin``,
``stress_profit`` and ``stress_capex`` (median, 50% and 90% intervals per scenario).

    python analyses/stress.py OUTDIR [--draws N] [--scenarios bf16 price_war]
"""
from __future__ import annotations

from _common import main, n_draws, say
from mc.plots.distribution import interval_figure, run_title
from mc.priors import load_priors
from mc.scenarios import load_scenarios, scenario_changes, stress

TABLES = ("stress", "scenario_changes")
FIGURES = ("stress_margin", "stress_profit", "stress_capex")
PANELS = (("margin", "stress_margin", "Margin"), ("profit_cny_per_year", "stress_profit", "Profit per year"),
          ("capex_cny_per_year", "stress_capex", "GPU capex per year"))


def options(p) -> None:
    p.add_argument("--scenarios", nargs="+", help="scenario names or files (default every shipped scenario)")


def study(args, out) -> None:
    priors = load_priors()
    scenarios = load_scenarios(args.scenarios)
    n = n_draws(args)
    table = stress(priors, scenarios, n, seed=args.seed)
    out.table(table, "stress")
    out.table(scenario_changes(scenarios), "scenario_changes")
    attrs = {"priors_origin": priors.origin, "n_draws": n, "method": "mc", "seed": args.seed}
    run = run_title(attrs, as_of=priors.meta.get("as_of"), volume="common random numbers")
    for output, stem, what in PANELS:
        title = f"{what} under each stress scenario (base = priors/base.toml at 1e14 tokens/day)\n{run}"
        out.figure(interval_figure(table, output, "scenario", title=title), stem)
    medians = table[(table.output == "margin") & (table.statistic == "p50")].set_index("scenario")["value"]
    say(args, "median margin by scenario: " + ", ".join(f"{s} {100 * v:.0f}%" for s, v in medians.items()))


def run(argv=None) -> int:
    """Run the study with `argv` (default the command line); returns the exit code."""
    return main(study, __doc__.splitlines()[0], tables=TABLES, figures=FIGURES, draws=100_000,
                quick_draws=5_000, options=options, argv=argv)


if __name__ == "__main__":
    raise SystemExit(run())
