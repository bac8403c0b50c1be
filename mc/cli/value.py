"""`mc value`: enterprise value of the projected business: FCF, a start fleet, terminal value both ways."""
from __future__ import annotations

import argparse
from pathlib import Path

from mc.cli.common import add_draws_out_option, add_output_options, add_sampling_options, positive_int
from mc.cli.emit import emit_table, say_wrote
from mc.cli.paths import check_output_option, check_output_path
from mc.display import YI, display_path, fmt
from mc.overrides import add_override_options
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads in the handler, so `mc --help` stays light
    import pandas as pd

DEFAULT_DRAWS = 50_000
SCREEN_YEARLY = ("revenue_cny", "power_cny", "other_opex_cny", "ebitda_cny", "depreciation_cny", "ebit_cny",
                 "tax_cny", "capex_cny", "fcf_cny")
FIGURES = {"plot": "--plot", "bridge": "--bridge", "tornado_plot": "--tornado-plot"}
_PNG = {".png": "a PNG figure"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "value", allow_abbrev=False, help="enterprise value: free cash flow, start fleet, Gordon and exit-multiple terminal values",
        description="Value the projected business: free cash flow per year (revenue - power - other opex - tax "
                    "+ depreciation - capex) with a fleet already in service at the start, a terminal value by "
                    "Gordon growth and by exit multiple, and EV = PV(explicit FCF) + PV(terminal value) as a "
                    "distribution. Valuation inputs come from --valuation (default priors/valuation.toml).")
    p.add_argument("priors", nargs="?", help="base priors TOML (default priors/base.toml)")
    p.add_argument("--projection", type=Path, help="projection priors TOML (default priors/projection.toml)")
    p.add_argument("--valuation", type=Path, help="valuation priors TOML (default priors/valuation.toml)")
    p.add_argument("--from", dest="start", type=int, default=2025, help="start year = valuation date 1 Jan (default 2025)")
    p.add_argument("--to", dest="stop", type=int, default=2030, help="last explicit year (default 2030)")
    p.add_argument("--convention", choices=("mid", "end"), default="mid",
                   help="cash flows at mid-year or end of year (default mid)")
    p.add_argument("--terminal", choices=("gordon", "exit"), default="gordon",
                   help="terminal value in EV, the bridge, stress and tornado (both EVs are always shown)")
    p.add_argument("--stress", nargs="*", metavar="SCENARIO",
                   help="EV under these scenarios (no names: every shipped one), same draws")
    p.add_argument("--tornado", action="store_true", help="median EV with each input at its p10 / p90")
    p.add_argument("--analysis-draws", type=positive_int, default=10_000,
                   help="draws per run of --stress and --tornado (default 10,000)")
    p.add_argument("--sobol", type=positive_int, metavar="N", help="Sobol indices of EV with base sample size N")
    p.add_argument("--plot", type=Path, help="fan chart PNG of the yearly FCF terms and the EV box")
    p.add_argument("--bridge", type=Path, help="value bridge PNG (PV explicit -> PV terminal -> EV, with bands)")
    p.add_argument("--tornado-plot", type=Path, help="tornado PNG of median EV (implies --tornado)")
    add_sampling_options(p, draws=DEFAULT_DRAWS)
    add_override_options(p)
    add_draws_out_option(p)
    add_output_options(p)
    p.set_defaults(handler=handle)


def _check_figures(args: argparse.Namespace) -> None:
    check_output_option(args)
    for attr, option in FIGURES.items():
        if getattr(args, attr) is not None and attr != "plot":
            check_output_path(getattr(args, attr), option=option, force=args.force, suffixes=_PNG)
    named = [Path(getattr(args, a)).resolve() for a in [*FIGURES, "out", "draws_out"]
             if getattr(args, a, None) is not None]
    if len(set(named)) != len(named):
        from mc.errors import InputError
        raise InputError("--bridge/--plot/--tornado-plot/--out/--draws-out", "", "two options name the same file")


def handle(args: argparse.Namespace) -> int:
    # Every input a user can get wrong (files, priors, scenarios, output paths) is checked before the simulation.
    _check_figures(args)
    setup, scenarios = _valuation_setup(args)
    from mc.cli.emit import chosen_statistics, provenance

    ds = setup.run(args.draws)
    summary, bridge, stress, tornado, sobol = _valuation_analyses(args, setup, ds, scenarios)
    table = combined_table(chosen_statistics(summary, args), bridge, stress, tornado, sobol).assign(
        convention=args.convention, terminal=args.terminal)  # every file states how it was discounted
    _write_figures(args, summary, bridge, tornado, ds.attrs, setup)
    meta = provenance(args, {**ds.attrs, "volume": ds.attrs.get("volume_source", "")}, setup.priors)
    if args.draws_out is not None:
        from mc.export import write_draws

        write_draws(ds, args.draws_out, meta=meta, force=args.force)
    report = _valuation_report(args, chosen_statistics(summary, args), bridge, setup)
    emit_table(table, args, screen=render(summary, bridge, stress, tornado, sobol, ds), meta=meta, report=report)
    say_wrote(args, *(getattr(args, attr) for attr in (*FIGURES, "draws_out")))
    return 0


def _valuation_setup(args: argparse.Namespace):
    """The three priors (--set applied to the first that has each input), the run's settings and the
    --stress scenarios (None without --stress), every file and --draws-out's size checked."""
    import dataclasses

    from mc.overrides import apply_to_first
    from mc.priors import load_priors
    from mc.projection import load_projection_priors, year_range
    from mc.projection.model import check_base_model
    from mc.scenarios import load_scenarios
    from mc.valuation import load_valuation_priors
    from mc.valuation.analysis import ValuationSetup

    years = year_range(args.start, args.stop)
    loaded_valuation = load_valuation_priors(args.valuation)
    base = load_priors(args.priors)
    check_base_model(base)  # before --set, whose unknown names the projection's refusal explains better
    priors, projection_priors, valuation_inputs = apply_to_first(
        [base, load_projection_priors(args.projection), loaded_valuation.priors], args.overrides)
    valuation_priors = dataclasses.replace(loaded_valuation, priors=valuation_inputs)
    setup = ValuationSetup(priors, projection_priors, valuation_priors, years, seed=args.seed, method=args.method,
                           convention=args.convention, terminal=args.terminal)
    scenarios = load_scenarios(args.stress, quantities=priors.model.inputs) if args.stress is not None else None
    _check_draws_out(args, years, valuation_inputs)
    return setup, scenarios


def _valuation_analyses(args: argparse.Namespace, setup, ds, scenarios) -> tuple:
    """The run's summary and value bridge, and the stress, tornado and Sobol analyses asked for (else None)."""
    from mc.cli.emit import sampled_percentiles
    from mc.projection import summarise_projection
    from mc.valuation.analysis import bridge_table, ev_sobol, ev_stress, ev_tornado

    summary = summarise_projection(ds, percentiles=sampled_percentiles(args, (5, 25, 50, 75, 95)))
    bridge = bridge_table(ds)
    stress = ev_stress(setup, scenarios, args.analysis_draws) if scenarios is not None else None
    tornado = ev_tornado(setup, args.analysis_draws) if args.tornado or args.tornado_plot else None
    sobol = ev_sobol(setup, args.sobol) if args.sobol else None
    return summary, bridge, stress, tornado, sobol


def _valuation_report(args: argparse.Namespace, summary, bridge, setup):
    """The workbook of `mc value`: the projection's sheets after the value bridge, its three priors and figures."""
    from mc.cli.project import workbook_report

    report = workbook_report(summary, setup.priors, setup.projection_priors, args)
    report.priors = [setup.priors, setup.projection_priors, setup.valuation.priors]
    report.sheets = {"Valuation": bridge, **report.sheets}
    report.figures = [getattr(args, a) for a in FIGURES if getattr(args, a) is not None]
    return report


def _check_draws_out(args: argparse.Namespace, years, valuation_inputs) -> None:
    """--draws-out's size before the run: each yearly term per year, the path outputs and the valuation inputs."""
    from mc.cli.limits import check_draws_out
    from mc.valuation.model import PATH, YEARLY

    check_draws_out(args, len(YEARLY) * len(years) + len(PATH) + len(valuation_inputs.names))


def combined_table(summary, bridge, stress, tornado, sobol) -> "pd.DataFrame":
    import pandas as pd

    """One tidy table: ``section, item, year, output, unit, statistic, value, mc_se`` (base units)."""
    parts = [summary.assign(section="projection", item="")]
    parts.append(bridge.rename(columns={"step": "output"}).assign(section="bridge", item="", unit="CNY"))
    if stress is not None:
        s = stress.rename(columns={"scenario": "item"})
        parts.append(s[["item", "statistic", "value", "mc_se"]].assign(section="stress", output="ev_cny", unit="CNY"))
        parts.append(s[["item", "statistic", "change", "change_se"]].rename(
            columns={"change": "value", "change_se": "mc_se"}).assign(section="stress_change", output="ev_cny",
                                                                       unit="CNY"))
    if tornado is not None:
        long = tornado.melt(id_vars=["input", "mc_se"], value_vars=["input_low", "input_high", "output_at_low",
                                                                     "output_at_high", "swing"],
                            var_name="statistic").rename(columns={"input": "item"})
        parts.append(long.assign(section="tornado", output="ev_cny", unit=""))
    if sobol is not None:
        t = sobol.table
        for kind in ("S1", "ST"):
            parts.append(pd.DataFrame({"item": t["input"], "statistic": kind, "value": t[kind],
                                       "mc_se": t[f"{kind}_conf"], "section": "sobol", "output": "ev_cny",
                                       "unit": "fraction of variance"}))
    out = pd.concat(parts, ignore_index=True)
    return out[["section", "item", "year", "output", "unit", "statistic", "value", "mc_se"]]


def _write_figures(args, summary, bridge, tornado, attrs, setup) -> None:
    title = figure_title(attrs)
    if args.plot is not None:
        from mc.plots.fan import fan_chart, save_figure
        save_figure(fan_chart(summary, [*SCREEN_YEARLY, "fleet_gpus"], title=title), args.plot, force=args.force)
    if args.bridge is not None:
        from mc.plots.bridge import save_bridge
        save_bridge(bridge, args.bridge, title="Value bridge: " + title, force=args.force)
    if args.tornado_plot is not None:
        from mc.plots.tornado import save_tornado
        from types import SimpleNamespace

        from mc.model import Display
        in_yi = SimpleNamespace(display={"ev_cny": Display(1 / YI, "亿元")}, inputs={}, outputs={})  # EV in 亿元
        save_tornado(tornado, "ev_cny", args.tornado_plot, force=args.force, model=in_yi,
                     title=f"Median EV ({attrs['terminal']} terminal value) with each input at p10 / p90",
                     discrete=discrete_setup_inputs(setup))


def discrete_setup_inputs(setup) -> list[str]:
    """The discrete (choice, empirical) inputs of a valuation's three priors, marked as such in its tornado."""
    from mc.plots.tornado import discrete_inputs

    return [*discrete_inputs(setup.priors), *discrete_inputs(setup.projection_priors),
            *discrete_inputs(setup.valuation.priors)]


def figure_title(attrs) -> str:
    """What a figure shows: priors, terminal method, convention and run."""
    return (f"{Path(attrs['priors_origin']).name} + {Path(attrs['projection_priors_origin']).name} + "
            f"{Path(attrs['valuation_priors_origin']).name}\n{attrs['terminal']} terminal value, "
            f"{attrs['convention'].split(':')[0]} discounting to {attrs['valuation_date']}\n"
            f"{attrs['n_draws']:,} draws, seed {attrs['seed']}, volume: {attrs['volume_source']}")


def _stat(summary, output: str, statistic: str) -> tuple[float, float]:
    row = summary[(summary["output"] == output) & (summary["statistic"] == statistic)].iloc[0]
    return float(row["value"]), float(row["mc_se"])


def _pct_line(summary, output: str, label: str) -> str:
    cells = [f"{s} {fmt(_stat(summary, output, s)[0] / YI)} ± {fmt(_stat(summary, output, s)[1] / YI)}"
             for s in ("p5", "p25", "p50", "p75", "p95", "mean")]
    return f"{label:<26}" + "; ".join(cells)


def render(summary, bridge, stress, tornado, sobol, ds) -> str:
    """The screen: yearly FCF terms, then EV both ways with standard errors, then the analyses asked for."""
    a = ds.attrs
    yearly = summary[summary["year"].notna()].set_index(["output", "year", "statistic"])["value"]
    years = sorted(int(y) for y in ds["year"].values)
    lines = [f"mc value: {display_path(a['priors_origin'])} + {display_path(a['projection_priors_origin'])} + "
             f"{display_path(a['valuation_priors_origin'])}  "
             f"({a['n_draws']:,} draws, method {a['method']}, seed {a['seed']}, volume: {a['volume_source']})",
             f"discounting: {a['convention']}",
             f"terminal value in EV: {a['terminal']}; cells are median [p5, p95] in 亿元/yr", "",
             f"{'output':<18}" + "".join(f"{y:>26}" for y in years)]
    for o in SCREEN_YEARLY:
        cells = "".join(f"{_cell(yearly, o, y):>26}" for y in years)
        lines.append(f"{o:<18}{cells}")
    lines += ["", "亿元 at " + a["valuation_date"] + ", value ± Monte Carlo s.e.:"]
    for output, label in (("pv_explicit_cny", "PV explicit FCF"), ("pv_terminal_cny", "PV terminal value"),
                          ("ev_cny", "EV"), ("ev_gordon_cny", "EV (Gordon growth)"),
                          ("ev_exit_cny", "EV (exit multiple)")):
        lines.append(_pct_line(summary, output, label))
    for output, label in (("ev_cny", "EV"), ("ev_gordon_cny", "EV Gordon"), ("ev_exit_cny", "EV exit")):
        p, se = _stat(summary, output, "p_negative")
        lines.append(f"P({label} < 0) = {p:.4f} ± {se:.4f}")
    share, share_se = _stat(summary, "terminal_share", "p50")
    lines.append(f"terminal share of EV (PV terminal / EV), median: {share:.3f} ± {share_se:.3f}"
                 " (above 1 when the explicit years destroy value; negative when EV or PV terminal is)")
    lines += _render_analyses(stress, tornado, sobol)
    return "\n".join(lines)


def _cell(value, output: str, year: int) -> str:
    med, lo, hi = (value[(output, year, s)] / YI for s in ("p50", "p5", "p95"))
    return f"{fmt(med)} [{fmt(lo)}, {fmt(hi)}]"


def _render_analyses(stress, tornado, sobol) -> list[str]:
    lines = []
    if stress is not None:
        lines += ["", "EV by scenario (亿元; same draws for unchanged inputs; change ± paired s.e.)",
                  f"{'scenario':<18}{'p5':>12}{'p50':>12}{'p95':>12}{'mean':>12}{'P(EV<0)':>10}"
                  f"{'change of p50':>26}"]
        for name, rows in stress.groupby("scenario", sort=False):
            v = rows.set_index("statistic")
            lines.append(f"{name:<18}" + "".join(f"{fmt(v.loc[s, 'value'] / YI):>12}" for s in ("p5", "p50", "p95", "mean"))
                         + f"{v.loc['p_negative', 'value']:>10.3f}"
                         + f"{fmt(v.loc['p50', 'change'] / YI) + ' ± ' + fmt(v.loc['p50', 'change_se'] / YI):>26}")
    if tornado is not None:
        lines += ["", f"tornado: median EV (亿元) = {fmt(tornado['base'].iloc[0] / YI)} with nothing fixed",
                  f"{'input':<28}{'at p10':>12}{'at p90':>12}{'swing':>12}{'s.e.':>10}"]
        for r in tornado.itertuples():
            lines.append(f"{r.input:<28}{fmt(r.output_at_low / YI):>12}{fmt(r.output_at_high / YI):>12}"
                         f"{fmt(r.swing / YI):>12}{fmt(r.mc_se / YI):>10}")
    if sobol is not None:
        lines += ["", f"Sobol indices of EV (SALib, N = {sobol.n_base:,}; inputs independent; 95% CI half-width)",
                  "  EV is heavy-tailed, so its variance (and these indices) comes from a few extreme paths; "
                  "wide intervals mean: raise N, and read the tornado first"]
        for r in sobol.table.sort_values("ST", ascending=False).itertuples():
            lines.append(f"{r.input:<28}S1 {r.S1:6.3f}±{r.S1_conf:.3f}   ST {r.ST:6.3f}±{r.ST_conf:.3f}")
    return lines
