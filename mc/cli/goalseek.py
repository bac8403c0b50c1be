"""`mc goalseek`: solve for an assumption at which a statistic hits a target (registered in mc.cli.risk)."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mc.cli.analysis import all_values, analysis_attrs, analysis_priors, check_memory, header, money
from mc.cli.emit import emit_table, provenance, say_wrote
from mc.cli.paths import check_output_option
from mc.display import fmt, scaled, unit

CURVE_POINTS = 41  # trial values drawn in the figure's left panel


def handle(args: argparse.Namespace) -> int:
    """Solve, then print or write the one-row table (and --percentiles columns, --plot figure)."""
    from mc.goalseek import goal_seek

    check_output_option(args)
    check_memory(args, all_values)
    priors = analysis_priors(args)
    model, shown = priors.model, args.statistic not in ("p_negative",)
    target = _from_screen(args.output, args.target, model) if shown else args.target
    r = goal_seek(priors, args.assumption, args.output, args.statistic, target, lo=args.lo, hi=args.hi,
                  n_draws=args.draws, seed=args.seed, method=args.method, mode=args.mode, n_batches=args.batches)
    table = r.to_frame()
    at_solution = None
    if args.percentiles or args.plot is not None:
        draws = _draws(priors, args)
        at_solution = _outputs_at(priors, draws, r, r.value)
        table = _with_percentiles(table, at_solution, args)
    meta = provenance(args, analysis_attrs(priors, args), priors)
    if args.plot is not None:
        _plot(args, priors, r, draws, at_solution, meta)
    from mc.workbook import Report

    emit_table(table, args, screen=_screen(args, priors, r, table), meta=meta,
               report=Report(model=model, priors=[priors], figures=[args.plot] if args.plot is not None else []))
    say_wrote(args, args.plot)
    return 0


def _screen(args: argparse.Namespace, priors, r, table) -> str:
    model, shown = priors.model, r.statistic != "p_negative"
    verb = "fixed at" if r.mode == "fix" else "with its draws scaled to median"
    target_text = f"{args.target:g} {unit(r.output, model)}" if shown else f"{args.target:g}"
    achieved = money(r.output, r.achieved, model) if shown else f"{r.achieved:.4g}"
    lines = [
        header("goalseek", priors, args), "",
        f"{r.statistic} of {r.output} = {target_text} when {r.assumption} is {verb} "
        f"{fmt(scaled(r.assumption, r.value, model))} ± {fmt(scaled(r.assumption, r.mc_se, model))} "
        f"{unit(r.assumption, model)}",
        f"  (searched [{fmt(r.lo)}, {fmt(r.hi)}] {r.unit}; statistic there {achieved}; other inputs share their "
        f"draws across trials; ± is the batch-means standard error over {r.n_batches} batches)"]
    if args.percentiles:
        cells = ", ".join(f"p{p:g} {money(r.output, table[f'{r.output}_p{p:g}'].iloc[0], model)}"
                          for p in args.percentiles)
        lines.append(f"{r.output} at the solution ({unit(r.output, model)}): {cells}")
    return "\n".join(lines)


def _draws(priors, args: argparse.Namespace) -> dict:
    """The draws goal_seek searched over (same priors, count, seed and method)."""
    from mc.sampling import draw

    return draw(priors, args.draws, seed=args.seed, method=args.method)


def _outputs_at(priors, draws: dict, r, x: float) -> np.ndarray:
    """The output per draw with the assumption at trial value `x`, as mc.goalseek tries it."""
    from mc.goalseek import trial_inputs

    return np.asarray(priors.model.evaluate(trial_inputs(draws, r.assumption, r.mode)(x))[r.output], float)


def _with_percentiles(table, at_solution: np.ndarray, args: argparse.Namespace):
    """With --percentiles, the output's percentiles at the solution as ``<output>_p5`` columns (base units)."""
    if not args.percentiles:
        return table
    from mc.stats import quantiles_with_se

    values, _ = quantiles_with_se(at_solution, np.array(args.percentiles) / 100)
    return table.assign(**{f"{args.output}_p{p:g}": float(v) for p, v in zip(args.percentiles, values)})


def _plot(args: argparse.Namespace, priors, r, draws: dict, at_solution: np.ndarray, meta: dict) -> None:
    from mc.plots.goalseek import save_goalseek, statistic_label
    from mc.plots.style import cjk_font, unit_label
    from mc.stats import statistic_with_se

    xs = _trial_grid(r.lo, r.hi, r.value)
    ys = np.array([statistic_with_se(_outputs_at(priors, draws, r, x), r.statistic)[0] for x in xs])
    model, cjk = priors.model, cjk_font() is not None
    target = (f"{fmt(scaled(r.output, r.target, model))} {unit_label(unit(r.output, model), cjk)}"
              if r.statistic != "p_negative" else f"{r.target:g}")
    title = (f"Goal seek: {statistic_label(r.statistic, r.output)} = {target} at {r.assumption} = "
             f"{fmt(scaled(r.assumption, r.value, model))} ± {fmt(scaled(r.assumption, r.mc_se, model))} "
             f"{unit_label(unit(r.assumption, model), cjk)} ({r.mode})\n{Path(priors.origin).name}, {args.draws:,} draws, "
             f"method {args.method}, seed {args.seed}" + (f"; --set {meta['overrides']}" if meta.get("overrides") else ""))
    save_goalseek(r, xs, ys, at_solution, args.plot, model=model, title=title, force=args.force)


def _trial_grid(lo: float, hi: float, solved: float) -> np.ndarray:
    """Trial values over the search interval (log-spaced when it spans decades), the solution among them."""
    if lo > 0 and hi / lo > 20:
        grid = np.geomspace(lo, hi, CURVE_POINTS)
    else:
        grid = np.linspace(lo, hi, CURVE_POINTS)
    return np.unique(np.append(grid, solved))


def _from_screen(output: str, value: float, model) -> float:
    """A value typed in the output's screen unit (e.g. 10 for 10%) in its base unit (0.1)."""
    on_screen = scaled(output, 1.0, model)
    return value / on_screen if on_screen else value
