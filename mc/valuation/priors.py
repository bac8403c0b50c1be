"""Valuation priors (priors/valuation.toml): WACC, long-run growth, exit multiple, tax, opex, start fleet.

Same format as every priors file (a family with its parameters or two
percentiles, unit, source, note; optional lower/upper), with its own names
(:data:`VALUATION_INPUTS`) and one ``[options]`` table.  Checked at load,
before any draw:

* tax rate in [0, 1), multiple >= 0, shares and fleet sizes in their domains
  (each assumption's whole support, via the domain of its quantity);
* WACC > g in *every* draw: the lowest WACC the distribution can produce must
  exceed the highest g.  An overlap is refused at load (not truncated): bound
  the two with ``lower`` / ``upper``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from mc.errors import InputError
from mc.model import Quantity
from mc.priors import PRIORS_DIR, Priors, parse_assumption_tables, read_toml

_TOP_KEYS = {"meta", "assumptions", "options"}
_OPTIONS = {"retire_excess_start_fleet": bool}

VALUATION_INPUTS: dict[str, Quantity] = {q.name: q for q in (
    Quantity("wacc", "fraction/year", "weighted average cost of capital (discount rate of FCF)", low=0.0),
    Quantity("terminal_growth", "fraction/year", "long-run growth of FCF after the horizon", low=-1.0),
    Quantity("ev_ebitda_multiple", "ratio", "exit EV / EBITDA multiple on the last year's EBITDA",
             low=0.0, low_open=False),
    Quantity("tax_rate", "fraction", "tax on positive operating profit", low=0.0, high=1.0, low_open=False),
    Quantity("other_opex_share", "fraction", "operating cost other than power and depreciation, share of revenue",
             low=0.0, high=1.0, low_open=False),
    Quantity("start_fleet_gpus", "GPU", "GPUs already in service at the start (start-year GPU equivalents)",
             low=0.0, low_open=False),
    Quantity("start_fleet_age_years", "year", "age of the start fleet at the start (its vintage)",
             low=0.0, low_open=False),
)}


@dataclass(frozen=True)
class ValuationPriors:
    """The valuation assumptions and options.

    Attributes
    ----------
    priors : Priors
        One assumption per name of :data:`VALUATION_INPUTS`.
    retire_excess_start_fleet : bool
        Whether start-fleet GPUs beyond the horizon's largest need are retired
        (written off, no proceeds) instead of refused.
    """

    priors: Priors
    retire_excess_start_fleet: bool = False

    @property
    def origin(self) -> str:
        return self.priors.origin


def default_valuation_priors_path() -> Path:
    """priors/valuation.toml shipped with the package checkout."""
    return PRIORS_DIR / "valuation.toml"


def load_valuation_priors(path: str | Path | None = None) -> ValuationPriors:
    """Read and validate a valuation priors file (default :func:`default_valuation_priors_path`).

    Raises
    ------
    InputError
        Naming the file, the assumption and the problem (WACC <= g possible,
        negative multiple, tax rate outside [0, 1), a missing assumption, ...).
    """
    path = Path(path) if path is not None else default_valuation_priors_path()
    return valuation_priors_from_dict(read_toml(path), origin=str(path))


def valuation_priors_from_dict(data: Mapping, *, origin: str = "<dict>") -> ValuationPriors:
    """Validate the parsed content of a valuation priors file (see :func:`load_valuation_priors`)."""
    parsed = parse_assumption_tables(data, origin, VALUATION_INPUTS, _TOP_KEYS)
    missing = [n for n in VALUATION_INPUTS if n not in parsed]
    if missing:
        raise InputError(origin, missing[0], "missing assumption (the valuation needs it)")
    wacc_low = parsed["wacc"].distribution.support()[0]
    g_high = parsed["terminal_growth"].distribution.support()[1]
    if not wacc_low > g_high:
        raise InputError(origin, "terminal_growth", f"can reach {g_high:g} while wacc can fall to {wacc_low:g}; "
                         "WACC <= g gives no Gordon value: bound them (upper on g, lower on wacc) so g < WACC always")
    options = data.get("options", {})
    if not isinstance(options, Mapping):
        raise InputError(origin, "options", "must be a table")
    for key, value in options.items():
        if key not in _OPTIONS:
            raise InputError(origin, f"options.{key}", f"unknown option; known: {', '.join(_OPTIONS)}")
        if not isinstance(value, _OPTIONS[key]):
            raise InputError(origin, f"options.{key}", f"must be true or false, got {value!r}")
    meta = data.get("meta", {})
    if not isinstance(meta, Mapping):
        raise InputError(origin, "meta", "must be a table")
    ordered = {n: parsed[n] for n in VALUATION_INPUTS}
    return ValuationPriors(Priors(ordered, origin=origin, meta=dict(meta)),
                           retire_excess_start_fleet=bool(options.get("retire_excess_start_fleet", False)))
