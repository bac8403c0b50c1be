"""Stress scenarios: files that overlay the base priors, and the stress table.

A scenario file (``priors/scenarios/<name>.toml``) replaces or fixes some
assumptions, each in exactly the priors-file form plus a reason::

    [meta]
    name = "price_war"
    description = "Blended price halves"

    [assumptions.price_cny_per_m_tokens]
    family = "lognormal"
    p5 = 0.45
    p95 = 1.25
    source = "facts.md: doubao-seed-1.6-flash 0.15/1.5; batch at half price"
    why = "Competitors cut list prices; the blend halves"

Every changed assumption needs a ``source`` and a ``why`` (or ``note``); it
may name any input of the base priors' model.
:func:`stress` runs the base and each scenario with the same seed: the
sampler gives every assumption its own random stream, so inputs a scenario does
not touch get identical draws (common random numbers) and the differences in
the table come from the changed inputs, not from sampling noise. Each change
carries its *paired* standard error (``change_se``): the statistic's
difference computed per batch of the same draws, whose spread is small
precisely because the draws are shared.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from mc.errors import InputError
from mc.priors import PRIORS_DIR, Assumption, Priors, parse_assumption, read_toml
from mc.results import simulate, summarise
from mc.stats import STATISTICS, statistic_with_se

SCENARIOS_DIR = PRIORS_DIR / "scenarios"
BASE = "base"
STRESS_COLUMNS = ["scenario", "output", "unit", "statistic", "value", "mc_se", "base_value", "change", "change_se",
                  "change_pct"]
PAIRED_BATCHES = 20  # contiguous batches for the paired standard error of a scenario's change
_TOP_KEYS = {"meta", "assumptions"}
_REASON_KEYS = ("why", "note")


@dataclass(frozen=True)
class Scenario:
    """A named set of replacement assumptions, each with its reason.

    Attributes
    ----------
    name, description : str
    origin : str
        The file it was read from.
    changes : tuple of Assumption
        The replacement assumptions (with source and note).
    reasons : mapping of name -> str
        Why each assumption changes (the file's ``why``, else its ``note``).
    """

    name: str
    description: str
    origin: str
    changes: tuple[Assumption, ...]
    reasons: Mapping[str, str]

    def apply(self, priors: Priors) -> Priors:
        """The base priors with this scenario's assumptions swapped in."""
        return priors.replace(*self.changes, origin=f"{priors.origin} + {self.origin}")


def shipped_scenarios() -> list[str]:
    """Names of the scenario files shipped in priors/scenarios/, sorted."""
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.toml"))


def resolve_scenario(ref: str | Path) -> Path:
    """A scenario's file: a path if it looks like one, else priors/scenarios/<ref>.toml."""
    text = str(ref)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(text)
    path = SCENARIOS_DIR / f"{text}.toml"
    if not path.exists():
        raise InputError(text, "", f"no such scenario; shipped: {', '.join(shipped_scenarios())} (or give a path)")
    return path


def load_scenario(ref: str | Path, quantities: Mapping | None = None) -> Scenario:
    """Read and validate a scenario by shipped name or path.

    Parameters
    ----------
    ref : str or path
    quantities : mapping, optional
        The inputs a scenario may change (``priors.model.inputs``); default the report's model's.

    Raises
    ------
    InputError
        Unknown name, unreadable file, bad TOML, unknown assumption, bad
        parameters, or a missing ``source`` / ``why``.
    """
    path = resolve_scenario(ref)
    return scenario_from_dict(read_toml(path), origin=str(path), default_name=path.stem, quantities=quantities)


def _default_quantities() -> Mapping:
    from mc.model import DEFAULT_MODEL, load_model

    return load_model(DEFAULT_MODEL).inputs


def scenario_from_dict(data: Mapping, *, origin: str = "<dict>", default_name: str = "scenario",
                       quantities: Mapping | None = None) -> Scenario:
    """Validate the parsed content of a scenario file."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(origin, sorted(unknown)[0], "unknown section; a scenario has [meta] and [assumptions.<name>]")
    meta = data.get("meta", {})
    if not isinstance(meta, Mapping):
        raise InputError(origin, "meta", "must be a table")
    tables = data.get("assumptions")
    if not isinstance(tables, Mapping) or not tables:
        raise InputError(origin, "assumptions", "no [assumptions.<name>] tables found")
    changes, reasons = [], {}
    quantities = quantities if quantities is not None else _default_quantities()
    for name, table in tables.items():
        assumption, reason = _parse_change(name, table, origin, quantities)
        changes.append(assumption)
        reasons[name] = reason
    name = meta.get("name", default_name)
    description = meta.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise InputError(origin, f"meta.{key}", f"must be a string, got {value!r}")
    return Scenario(name, description, origin, tuple(changes), reasons)


def _parse_change(name: str, table, origin: str, quantities: Mapping) -> tuple[Assumption, str]:
    if not isinstance(table, Mapping):
        raise InputError(origin, name, "must be a table with a family and its parameters")
    table = dict(table)
    why = table.pop("why", None)
    for key, value in (("why", why), ("source", table.get("source"))):
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise InputError(origin, f"{name}.{key}", f"must be a non-empty string, got {value!r}")
    if not table.get("source"):
        raise InputError(origin, name, "missing 'source': say where the scenario's value comes from")
    assumption = parse_assumption(name, table, origin, quantities, getattr(quantities, "base_units", ()))
    reason = why or assumption.note
    if not reason:
        raise InputError(origin, name, "missing 'why' (or 'note'): say why the scenario changes this input")
    return assumption, reason


def load_scenarios(refs: Sequence[str] | None = None, quantities: Mapping | None = None) -> list[Scenario]:
    """Every scenario named (all shipped ones if `refs` is empty), validated up front against `quantities`."""
    refs = list(refs) if refs else shipped_scenarios()
    quantities = quantities if quantities is not None else _default_quantities()
    scenarios = [load_scenario(r, quantities) for r in refs]
    seen = set()
    for s in scenarios:
        if s.name == BASE or s.name in seen:
            raise InputError(s.origin, "meta.name", f"scenario name {s.name!r} is {'reserved' if s.name == BASE else 'used twice'}")
        seen.add(s.name)
    return scenarios


def stress(priors: Priors, scenarios: Iterable[Scenario], n_draws: int, *, seed: int = 0, method: str = "mc",
           workers: int = 1, outputs: Iterable[str] | None = None, progress=None,
           percentiles=None, on_run=None) -> pd.DataFrame:
    """Run the base and every scenario with common random numbers.

    Parameters
    ----------
    priors : Priors
        The base assumptions.
    scenarios : iterable of Scenario
    n_draws, seed, method, workers
        As :func:`mc.results.simulate`; the same seed for every run.
    outputs : iterable of str, optional
        Outputs to tabulate (default all).
    percentiles : sequence of float, optional
        The percentiles of the table (default :data:`mc.stats.PERCENTILES`).
    progress : callable, optional
        Called as ``progress(runs_done, runs)`` after each run (see :func:`mc.progress.progress_bar`).
    on_run : callable, optional
        ``on_run({"scenario": name}, run)`` with each run's Dataset (inputs kept), base first: its draws, not redrawn.

    Returns
    -------
    DataFrame
        Columns :data:`STRESS_COLUMNS`: one row per scenario (``base`` first),
        output and statistic, with the base value, the change from it and the
        change's paired standard error (``change_pct`` in percent of
        ``|base_value|``, NaN where that is zero).
    """
    runs = [(BASE, priors)] + [(s.name, s.apply(priors)) for s in scenarios]
    tables, base_run = [], None
    for done, (name, p) in enumerate(runs, start=1):
        run = simulate(p, n_draws, seed=seed, method=method, workers=workers, keep_inputs=on_run is not None)
        if on_run is not None:
            on_run({"scenario": name}, run)
        base_run = run if base_run is None else base_run
        tables.append(_run_table(run, base_run, name, outputs, percentiles))
        if progress is not None:
            progress(done, len(runs))
    return _with_changes(pd.concat(tables, ignore_index=True), tables[0])


def _run_table(run, base_run, name: str, outputs: Iterable[str] | None, percentiles) -> pd.DataFrame:
    """One run's summary with its scenario name and each statistic's paired standard error against the base."""
    table = summarise(run, outputs) if percentiles is None else summarise(run, outputs, percentiles)
    paired = [paired_change_se(base_run[o].values, run[o].values, s) for o, s in zip(table.output, table.statistic)]
    return table.assign(scenario=name, change_se=paired)


def _with_changes(out: pd.DataFrame, base_table: pd.DataFrame) -> pd.DataFrame:
    """The stacked runs with the base's value, the change from it and the change in percent of ``|base|``."""
    base = base_table.set_index(["output", "statistic"])["value"]
    out["base_value"] = base.reindex(pd.MultiIndex.from_frame(out[["output", "statistic"]])).to_numpy()
    out["change"] = out["value"] - out["base_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * out["change"].to_numpy() / np.abs(out["base_value"].to_numpy())
    out["change_pct"] = np.where(out["base_value"].to_numpy() == 0, np.nan, pct)
    return out[STRESS_COLUMNS]


def paired_change_se(base: np.ndarray, scenario: np.ndarray, statistic: str,
                     batches: int = PAIRED_BATCHES) -> float:
    """Standard error of ``stat(scenario) - stat(base)`` over the same draws.

    Means and P(< 0) use the per-draw differences directly (exact for iid
    draws). Percentiles and the sd use batch means: the difference computed in
    each of `batches` contiguous batches of the shared draws, whose standard
    deviation over sqrt(batches) estimates the error of the whole-run
    difference (conservative for lhs and sobol, like every iid error here).
    """
    if statistic not in STATISTICS and not statistic.startswith("p"):
        return float("nan")
    n = min(base.size, scenario.size)
    if statistic == "mean":
        return float(np.std(scenario[:n] - base[:n], ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    if statistic == "p_negative":
        diff = (scenario[:n] < 0).astype(float) - (base[:n] < 0)
        return float(np.std(diff, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    size = n // batches
    if size < 2:
        return float("nan")
    per_batch = [statistic_with_se(scenario[b * size:(b + 1) * size], statistic)[0]
                 - statistic_with_se(base[b * size:(b + 1) * size], statistic)[0] for b in range(batches)]
    return float(np.std(per_batch, ddof=1) / np.sqrt(batches))


def scenario_changes(scenarios: Iterable[Scenario]) -> pd.DataFrame:
    """What each scenario changes: ``scenario, assumption, family, params, source, why``."""
    rows = [{"scenario": s.name, "assumption": a.name, "family": a.distribution.family,
             "params": ", ".join(f"{k}={v}" for k, v in a.distribution.params.items()),
             "source": a.source, "why": s.reasons[a.name]} for s in scenarios for a in s.changes]
    return pd.DataFrame(rows, columns=["scenario", "assumption", "family", "params", "source", "why"])
