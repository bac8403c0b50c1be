"""`mc stress`: the base priors and each scenario with common random numbers, and their table.

A thin layer over :func:`mc.scenarios.stress`; the options and helpers it shares
with the other risk commands live in :mod:`mc.cli.risk`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from mc.cli.analysis import add_run_options, analysis_attrs, analysis_priors, check_memory, header, money
from mc.cli.cluster import add_cluster_option, check_cluster_option, cluster_from_args
from mc.cli.draws import check_runs_draws_out, runs_draws, write_runs_draws
from mc.cli.emit import emit_table, provenance, say_wrote
from mc.cli.paths import check_output_option
from mc.display import pad, unit


def register(subparsers) -> None:
    p = subparsers.add_parser("stress", help="base vs stress scenarios with common random numbers",
                              allow_abbrev=False,
                              description="Run the base priors (PRIORS, default priors/base.toml) and each scenario "
                                          "(priors/scenarios/<name>.toml or a path; none = all shipped) with the same "
                                          "seed and tabulate the changes. The first name is the priors file when it "
                                          "is a priors file (it has [assumptions] and no scenario `why`).")
    p.add_argument("scenarios", nargs="*", metavar="[PRIORS] SCENARIO")
    p.add_argument("--priors", dest="priors_option", help="deprecated: give the priors file first instead")
    p.add_argument("--plot", type=Path, help="write the median, 50%% and 90%% intervals per scenario (PNG)")
    add_cluster_option(p)
    add_run_options(p, handle_stress, draws=100_000, percentiles=True, draws_out=True)


def _split_stress_names(args: argparse.Namespace) -> None:
    """``mc stress [PRIORS] [SCENARIO ...]``: sets ``args.priors`` and ``args.scenarios``; --priors still works."""
    names = list(args.scenarios)
    args.priors = None
    if args.priors_option is not None:
        from mc.cli.emit import stderr

        stderr("mc stress: --priors is deprecated; give the priors file first: mc stress PRIORS [SCENARIO ...]")
        args.priors = args.priors_option
    elif names and _is_priors_file(names[0]):
        args.priors = names.pop(0)
    args.scenarios = names


def _is_priors_file(name: str) -> bool:
    """A priors file, not a scenario: a TOML file whose assumptions cover every input of the model it feeds.

    A scenario changes a few inputs (and gives each a ``why``); a priors file names them all.
    """
    from mc.errors import InputError
    from mc.priors import model_of, read_toml

    path = Path(name)
    if path.suffix.lower() != ".toml" or not path.is_file():
        return False
    data = read_toml(path)
    tables, meta = data.get("assumptions"), data.get("meta", {})
    if not isinstance(tables, dict) or any(isinstance(t, dict) and "why" in t for t in tables.values()):
        return False
    try:
        model = model_of(meta if isinstance(meta, dict) else {}, str(path))
    except InputError:
        return "model" in meta  # a priors file naming a bad model: let loading it say why
    return set(model.inputs) <= set(tables)


def _table_percentiles(args: argparse.Namespace, function, command: str):
    """Keyword arguments passing --percentiles to `function` when it takes them; else the defaults must cover them."""
    import inspect

    from mc.stats import PERCENTILES

    chosen = getattr(args, "percentiles", None)
    if not chosen:
        return {}
    if "percentiles" in inspect.signature(function).parameters:
        from mc.cli.emit import sampled_percentiles

        return {"percentiles": sampled_percentiles(args, (5, 25, 50, 75, 95))}
    missing = [p for p in chosen if p not in PERCENTILES]
    if missing:
        from mc.errors import InputError

        raise InputError("--percentiles", f"{missing[0]:g}", f"mc {command} tabulates only "
                         f"{','.join(f'{p:g}' for p in PERCENTILES)} (choose among them)")
    return {}


def _scenarios_for(args: argparse.Namespace, priors_path, model):
    """The scenarios named, or all shipped ones; those are written for the report's model, so a model they do
    not fit is told to name its own scenario files (not only which input the first shipped file lacks)."""
    from mc.errors import InputError
    from mc.scenarios import load_scenarios

    try:
        return load_scenarios(args.scenarios, model.inputs)
    except InputError as error:
        if args.scenarios:
            raise
        raise InputError(priors_path, "scenarios", f"the shipped scenarios (priors/scenarios) do not fit model "
                         f"{model.name} ({error.field}: {error.problem}); name scenario files after the priors: "
                         "mc stress PRIORS SCENARIO.toml ...") from None


def handle_stress(args: argparse.Namespace) -> int:
    from mc.priors import default_priors_path, load_priors
    from mc.scenarios import scenario_changes, stress

    _split_stress_names(args)
    check_output_option(args)
    check_cluster_option(args)
    priors_path = args.priors or default_priors_path()
    model = load_priors(priors_path).model
    scenarios = _scenarios_for(args, priors_path, model)  # every file validated before any work
    check_memory(args, lambda m: 2 * len(m.outputs))  # the base run beside each scenario's
    check_runs_draws_out(args, 1 + len(scenarios), model)
    extra = _table_percentiles(args, stress, "stress")
    priors = analysis_priors(args)
    drawn = runs_draws(args)  # with --draws-out, each run's draws as stress makes them
    from mc.progress import progress_bar

    # on a cluster, every run's blocks go to the workers (mc.executor.using inside cluster_from_args);
    # stress keeps each run's outputs for its paired standard errors, so those blocks come back whole
    with cluster_from_args(args), \
            progress_bar("mc stress", quiet=args.quiet or args.json, unit="runs") as progress:
        table = stress(priors, scenarios, args.draws, seed=args.seed, method=args.method, progress=progress,
                       on_run=drawn, **extra)
    meta = provenance(args, analysis_attrs(priors, args), priors)
    write_runs_draws(args, drawn, meta)
    if args.plot is not None:
        _stress_plot(table, priors, args, meta)
    from mc.cli.emit import chosen_statistics
    from mc.workbook import Report

    report = Report(model=model, priors=[priors], sheets={"Scenarios": scenario_changes(scenarios)},
                    figures=[args.plot] if args.plot is not None else [])
    emit_table(chosen_statistics(table, args), args, screen=render_stress(table, scenarios, priors, args),
               meta=meta, report=report)
    say_wrote(args, args.plot, args.draws_out)
    return 0


def _stress_plot(table, priors, args: argparse.Namespace, meta: dict) -> None:
    """Median, 50% and 90% intervals of the key output per scenario (as analyses/stress.py draws them)."""
    from mc.plots.distribution import interval_figure, run_title
    from mc.plots.style import save_png

    key = priors.model.key_output
    title = (f"{key} under each stress scenario (base = {Path(priors.origin).name})\n"
             + run_title(meta, as_of=priors.meta.get("as_of"), volume="common random numbers")
             + (f"\n--set {meta['overrides']}" if meta.get("overrides") else ""))
    save_png(interval_figure(table, key, "scenario", title=title, model=priors.model), args.plot, force=args.force)


def render_stress(table, scenarios, priors, args) -> str:
    """Median and p5-p95 of the headline outputs, and P(key output < 0), per scenario."""
    model = priors.model
    shown, key = model.headline, model.key_output
    idx = table.set_index(["scenario", "output", "statistic"])
    value, se = idx["value"], idx["change_se"]

    def cell(name: str, o: str) -> str:
        band = (f"{money(o, value[name, o, 'p50'], model)} [{money(o, value[name, o, 'p5'], model)}, "
                f"{money(o, value[name, o, 'p95'], model)}]")
        return f"{band:>30}"

    head = "".join(pad(o.split('_')[0] + ' ' + unit(o, model), 30, ">") for o in shown)
    lines = [header("stress", priors, args) + "; same draws for unchanged inputs", "",
             "p50 [p5, p95] per scenario; P(<0) and the change of the median with its paired s.e.",
             f"{'scenario':<17}{head}{'P(' + key + '<0)':>16}{'Δ p50 ' + key:>26}"]
    for name in table["scenario"].unique():
        cells = "".join(cell(name, o) for o in shown)
        change = value[name, key, "p50"] - value["base", key, "p50"]
        delta = "" if name == "base" else (f"{money(key, change, model)} ± "
                                          f"{money(key, se[name, key, 'p50'], model)}")
        lines.append(pad(name, 17) + f"{cells}{value[name, key, 'p_negative']:>16.3f}{delta:>26}")
    lines += ["", *(f"  {s.name}: {s.description}" for s in scenarios)]
    return "\n".join(lines)
