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

Every changed assumption needs a ``source`` and a ``why`` (or ``note``).
:func:`stress` runs the base and each scenario with the same seed: the
sampler gives every assumption its own random stream, so inputs a scenario does
not touch get identical draws (common random numbers) and the differences in
the table come from the changed inputs, not from sampling noise.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from mc.errors import InputError
from mc.priors import PRIORS_DIR, Assumption, Priors, read_toml
from mc.results import simulate, summarise

SCENARIOS_DIR = PRIORS_DIR / "scenarios"
BASE = "base"
STRESS_COLUMNS = ["scenario", "output", "unit", "statistic", "value", "mc_se", "base_value", "change", "change_pct"]
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


def load_scenario(ref: str | Path) -> Scenario:
    """Read and validate a scenario by shipped name or path.

    Raises
    ------
    InputError
        Unknown name, unreadable file, bad TOML, unknown assumption, bad
        parameters, or a missing ``source`` / ``why``.
    """
    path = resolve_scenario(ref)
    return scenario_from_dict(read_toml(path), origin=str(path), default_name=path.stem)


def scenario_from_dict(data: Mapping, *, origin: str = "<dict>", default_name: str = "scenario") -> Scenario:
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
    for name, table in tables.items():
        assumption, reason = _parse_change(name, table, origin)
        changes.append(assumption)
        reasons[name] = reason
    name = meta.get("name", default_name)
    description = meta.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise InputError(origin, f"meta.{key}", f"must be a string, got {value!r}")
    return Scenario(name, description, origin, tuple(changes), reasons)


def _parse_change(name: str, table, origin: str) -> tuple[Assumption, str]:
    if not isinstance(table, Mapping):
        raise InputError(origin, name, "must be a table with a family and its parameters")
    table = dict(table)
    why = table.pop("why", None)
    for key, value in (("why", why), ("source", table.get("source"))):
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise InputError(origin, f"{name}.{key}", f"must be a non-empty string, got {value!r}")
    if not table.get("source"):
        raise InputError(origin, name, "missing 'source': say where the scenario's value comes from")
    assumption = Assumption.from_dict(name, table, origin=origin)
    reason = why or assumption.note
    if not reason:
        raise InputError(origin, name, "missing 'why' (or 'note'): say why the scenario changes this input")
    return assumption, reason


def load_scenarios(refs: Sequence[str] | None = None) -> list[Scenario]:
    """Every scenario named (all shipped ones if `refs` is empty), validated up front."""
    refs = list(refs) if refs else shipped_scenarios()
    scenarios = [load_scenario(r) for r in refs]
    seen = set()
    for s in scenarios:
        if s.name == BASE or s.name in seen:
            raise InputError(s.origin, "meta.name", f"scenario name {s.name!r} is {'reserved' if s.name == BASE else 'used twice'}")
        seen.add(s.name)
    return scenarios


def stress(priors: Priors, scenarios: Iterable[Scenario], n_draws: int, *, seed: int = 0, method: str = "mc",
           workers: int = 1, outputs: Iterable[str] | None = None, progress=None) -> pd.DataFrame:
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
    progress : callable, optional
        Called as ``progress(runs_done, runs)`` after each run (see :func:`mc.progress.progress_bar`).

    Returns
    -------
    DataFrame
        Columns :data:`STRESS_COLUMNS`: one row per scenario (``base`` first),
        output and statistic, with the base value and the change from it
        (``change_pct`` in percent of ``|base_value|``, NaN where that is zero).
    """
    runs = [(BASE, priors)] + [(s.name, s.apply(priors)) for s in scenarios]
    tables = []
    for done, (name, p) in enumerate(runs, start=1):
        table = summarise(simulate(p, n_draws, seed=seed, method=method, workers=workers, keep_inputs=False), outputs)
        tables.append(table.assign(scenario=name))
        if progress is not None:
            progress(done, len(runs))
    out = pd.concat(tables, ignore_index=True)
    base = tables[0].set_index(["output", "statistic"])["value"]
    out["base_value"] = base.reindex(pd.MultiIndex.from_frame(out[["output", "statistic"]])).to_numpy()
    out["change"] = out["value"] - out["base_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * out["change"].to_numpy() / np.abs(out["base_value"].to_numpy())
    out["change_pct"] = np.where(out["base_value"].to_numpy() == 0, np.nan, pct)
    return out[STRESS_COLUMNS]


def scenario_changes(scenarios: Iterable[Scenario]) -> pd.DataFrame:
    """What each scenario changes: ``scenario, assumption, family, params, source, why``."""
    rows = [{"scenario": s.name, "assumption": a.name, "family": a.distribution.family,
             "params": ", ".join(f"{k}={v}" for k, v in a.distribution.params.items()),
             "source": a.source, "why": s.reasons[a.name]} for s in scenarios for a in s.changes]
    return pd.DataFrame(rows, columns=["scenario", "assumption", "family", "params", "source", "why"])
