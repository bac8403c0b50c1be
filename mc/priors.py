"""Assumption files: load, validate and serialise the priors of the model's inputs.

A priors file is TOML::

    [meta]
    name = "base"
    model = "guosen_2024"  # the model file it feeds: a path (relative to this file) or a shipped name

    [assumptions.paid_share]
    unit = "fraction"
    source = "seeds/000 assumption 5 (40%); facts.md: IDC volumes suggest lower"
    family = "beta"
    p5 = 0.20          # a credible interval: any two percentiles ...
    p95 = 0.55         # ... solved into alpha and beta, which are recorded

    [correlation]      # optional rank correlations, applied by the sampler
    pairs = [["price_cny_per_m_tokens", "paid_share", -0.3]]

Without ``meta.model`` the report's model (:data:`mc.model.DEFAULT_MODEL`) is used.
Every problem raises :class:`mc.errors.InputError` naming the file, the
assumption and what is wrong. Files are parsed with tomllib, never executed.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from mc.distributions import FAMILIES, Distribution, ParameterError, solve_quantiles
from mc.errors import InputError
from mc.files import read_toml  # noqa: F401 - re-exported: every priors-like file is read by it
from mc.model import DEFAULT_MODEL, Model, Quantity, load_model, resolve_model_path

PRIORS_DIR = Path(__file__).resolve().parent.parent / "priors"
_QUANTILE_KEY = re.compile(r"^p(\d+(?:\.\d+)?)$")
_META_KEYS = {"family", "unit", "source", "note", "lower", "upper", "elicited"}  # elicited: a record of percentiles solved earlier
_TOP_KEYS = {"meta", "assumptions", "correlation", "printed"}  # printed: figures mc.report checks
_CORRELATION_KEYS = {"pairs", "method", "repair"}
CORRELATION_METHODS = ("gaussian", "iman-conover")


def default_priors_path() -> Path:
    """priors/base.toml shipped with the package checkout."""
    return PRIORS_DIR / "base.toml"


@dataclass(frozen=True)
class Assumption:
    """One model input as a distribution, with its unit and source."""

    name: str
    distribution: Distribution
    unit: str = ""
    source: str = ""
    note: str = ""
    elicited: Mapping[str, float] | None = None  # the percentiles given, e.g. {"p5": 0.8, "p95": 2.6}

    @property
    def is_fixed(self) -> bool:
        return self.distribution.is_fixed

    def to_dict(self) -> dict:
        """The file form, with solved parameters recorded next to the percentiles given."""
        d = self.distribution
        out: dict[str, Any] = {"family": d.family, **{k: _plain(v) for k, v in d.params.items()}}
        if self.elicited:
            out["elicited"] = dict(self.elicited)
        for key in ("lower", "upper"):
            if getattr(d, key) is not None:
                out[key] = getattr(d, key)
        out.update({k: v for k, v in (("unit", self.unit), ("source", self.source), ("note", self.note)) if v})
        return out

    @classmethod
    def from_dict(cls, name: str, table: Mapping, *, origin: str = "<dict>") -> "Assumption":
        """Build and validate one assumption from its TOML table."""
        return parse_assumption(name, table, origin)


@dataclass(frozen=True)
class Correlation:
    """Target Spearman rank correlations between pairs of inputs."""

    pairs: tuple[tuple[str, str, float], ...] = ()
    method: str = "gaussian"
    repair: bool = False


@dataclass(frozen=True)
class Priors:
    """An immutable set of assumptions, one per input of `model`."""

    assumptions: Mapping[str, Assumption]
    origin: str = "<dict>"
    meta: Mapping[str, Any] = field(default_factory=dict)
    correlation: Correlation = field(default_factory=Correlation)
    model: Model | None = field(default=None, compare=False)

    def __getitem__(self, name: str) -> Assumption:
        return self.assumptions[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.assumptions)

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Names of the assumptions that are not fixed, in file order."""
        return tuple(n for n, a in self.assumptions.items() if not a.is_fixed)

    def replace(self, *changed: Assumption, origin: str | None = None) -> "Priors":
        """A copy with the given assumptions swapped in (by name)."""
        merged = dict(self.assumptions)
        for a in changed:
            merged[a.name] = a
        return replace(self, assumptions=merged, origin=origin or self.origin)

    def with_fixed(self, name: str, value: float, source: str = "fixed by the user") -> "Priors":
        """A copy with one input fixed at `value` (validated against its domain)."""
        table = {"family": "fixed", "value": value, "source": source}
        base_units = self.model.base_units if self.model is not None else ()
        return self.replace(parse_assumption(name, table, source, self.quantities, base_units))

    @property
    def quantities(self) -> Mapping[str, Quantity]:
        """The inputs these assumptions may name (the model's, or their own for a model-less set)."""
        if self.model is not None:
            return self.model.inputs
        return {n: Quantity(n, a.unit) for n, a in self.assumptions.items()}

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"meta": dict(self.meta),
                               "assumptions": {n: a.to_dict() for n, a in self.assumptions.items()}}
        if self.correlation.pairs:
            c = self.correlation
            out["correlation"] = {"pairs": [list(p) for p in c.pairs], "method": c.method, "repair": c.repair}
        return out

    @property
    def hash(self) -> str:
        """sha256 of the canonical content (not of the file's bytes): same priors, same hash."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def load_priors(path: str | Path | None = None, *, model: Model | None = None) -> Priors:
    """Read and validate a priors TOML file (default: priors/base.toml).

    Parameters
    ----------
    path : path, optional
    model : Model, optional
        The model the priors feed; default the one named by the file's
        ``meta.model`` (resolved relative to the file), else the report's.
    """
    path = Path(path) if path is not None else default_priors_path()
    return priors_from_dict(read_toml(path), origin=str(path), model=model)


def priors_from_dict(data: Mapping, *, origin: str = "<dict>", require_all: bool = True,
                     model: Model | None = None) -> Priors:
    """Validate the parsed content of a priors file against its model's inputs."""
    meta = data.get("meta", {})
    if not isinstance(meta, Mapping):
        raise InputError(origin, "meta", "must be a table")
    model = model or model_of(meta, origin)
    parsed = parse_assumption_tables(data, origin, model.inputs, base_units=model.base_units)
    if require_all:
        missing = [n for n in model.inputs if n not in parsed]
        if missing:
            raise InputError(origin, missing[0], f"missing assumption (every input of model {model.name} needs one)")
    ordered = {n: parsed[n] for n in model.inputs if n in parsed}
    correlation = _parse_correlation(data.get("correlation"), ordered, origin)
    return Priors(ordered, origin=origin, meta=dict(meta), correlation=correlation, model=model)


def model_of(meta: Mapping, origin: str) -> Model:
    """The model a priors file names in ``meta.model`` (default: the report's)."""
    reference = meta.get("model", DEFAULT_MODEL)
    if not isinstance(reference, str) or not reference.strip():
        raise InputError(origin, "meta.model", f"must be a model file path or name, got {reference!r}")
    relative_to = Path(origin) if not origin.startswith("<") else None
    path = resolve_model_path(reference, relative_to)
    if not path.is_file():
        raise InputError(origin, "meta.model", f"model {reference!r} not found (no file {path})")
    return load_model(path)


def parse_assumption_tables(data: Mapping, origin: str, quantities: Mapping[str, Quantity],
                            sections: frozenset | set = frozenset(_TOP_KEYS),
                            base_units: tuple[str, ...] = ()) -> dict[str, Assumption]:
    """Check a priors-like file's sections and parse each ``[assumptions.<name>]`` table."""
    unknown = set(data) - set(sections)
    if unknown:
        raise InputError(origin, sorted(unknown)[0], f"unknown section; expected {', '.join(sorted(sections))}")
    tables = data.get("assumptions")
    if not isinstance(tables, Mapping) or not tables:
        raise InputError(origin, "assumptions", "no [assumptions.<name>] tables found")
    return {name: parse_assumption(name, table, origin, quantities, base_units) for name, table in tables.items()}


def parse_assumption(name: str, table: Any, origin: str, quantities: Mapping[str, Quantity],
                     base_units: tuple[str, ...] = ()) -> Assumption:
    """Validate one ``[assumptions.<name>]`` table against the inputs `quantities` knows.

    Other file formats with their own inputs (the projection priors) pass their
    own registry, so every priors-like file follows the same rules.
    """
    if name not in quantities:
        raise InputError(origin, name, f"unknown assumption: the model has no such input; known: {', '.join(quantities)}")
    if not isinstance(table, Mapping):
        raise InputError(origin, name, "must be a table with a family and its parameters")
    family = table.get("family")
    if not isinstance(family, str) or family not in FAMILIES:
        raise InputError(origin, name, f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    quantity = quantities[name]
    unit = _text(table, "unit", name, origin)
    if unit and not units_agree(unit, quantity.unit, base_units):
        raise InputError(origin, name, f"unit {unit!r} does not match the model's {quantity.unit!r}")
    try:
        params, elicited = _parameters(family, table, name, origin)
        bounds = {k: _number(table[k], f"{name}.{k}", origin) for k in ("lower", "upper") if k in table}
        dist = Distribution(family, params, **bounds)
    except ParameterError as exc:
        raise InputError(origin, name, f"{family}: {exc}") from None
    _check_domain(quantity, dist, origin)
    if elicited is None and "elicited" in table:
        record = table["elicited"]
        if not isinstance(record, Mapping):
            raise InputError(origin, f"{name}.elicited", "must be a table of percentiles, e.g. {p5 = 1, p95 = 2}")
        elicited = {k: _number(v, f"{name}.elicited.{k}", origin) for k, v in record.items()}
    return Assumption(name, dist, unit=unit or quantity.unit, source=_text(table, "source", name, origin),
                      note=_text(table, "note", name, origin), elicited=elicited)


def units_agree(given: str, declared: str, base_units: tuple[str, ...] = ()) -> bool:
    """The same string, or units equal with a factor of one (``tokens/day`` = ``token/day``)."""
    if given == declared:
        return True
    from mc.cache import digest, read_record, write_record
    from mc.model.units import UnitError, parse_unit, registry, same_unit

    key = digest("unit-pair", given, declared, sorted(base_units))
    if read_record("units", key) is not None:  # equal before: pint need not load again
        return True
    reg = registry(base_units)
    try:
        agree = same_unit(parse_unit(given, reg), parse_unit(declared, reg))
    except UnitError:
        return False
    if agree:
        write_record("units", key, {})
    return agree


def _parameters(family: str, table: Mapping, name: str, origin: str):
    fam = FAMILIES[family]
    given = {k: v for k, v in table.items() if k not in _META_KEYS}
    quantiles = {k: v for k, v in given.items() if _QUANTILE_KEY.match(k)}
    if quantiles:
        if len(quantiles) != len(given):
            extra = sorted(set(given) - set(quantiles))[0]
            raise InputError(origin, name, f"give either parameters or two percentiles, not both ({extra!r})")
        probs = {float(_QUANTILE_KEY.match(k).group(1)) / 100: _number(v, f"{name}.{k}", origin)
                 for k, v in quantiles.items()}
        return solve_quantiles(family, probs), {k: float(v) for k, v in quantiles.items()}
    allowed = set(fam.params) | set(fam.optional)
    for key in given:
        if key not in allowed:
            raise InputError(origin, name, f"unexpected parameter {key!r} for {family} "
                             f"(expected {', '.join(fam.params)})")
    for key in fam.params:
        if key not in given:
            raise InputError(origin, name, f"missing parameter {key!r} for {family} "
                             f"(expected {', '.join(fam.params)})")
    if family in ("choice", "empirical"):
        return {k: [_number(v, f"{name}.{k}", origin) for v in _list(given[k], name, k, origin)]
                for k in given}, None
    return {k: _number(v, f"{name}.{k}", origin) for k, v in given.items()}, None


def _check_domain(q: Quantity, dist: Distribution, origin: str) -> None:
    if dist.family in ("fixed", "choice", "empirical"):
        values = [dist.params["value"]] if dist.family == "fixed" else dist.params["values"]
        bad = [v for v in values if not q.admits(v)]
        if bad:
            raise InputError(origin, q.name, f"value {bad[0]:g} is outside {q.domain_text()} ({q.unit})")
        return
    lo, hi = dist.support()  # a continuous family puts no mass on an open end itself
    if lo < q.low or hi > q.high:
        raise InputError(origin, q.name, f"{dist.family} puts mass on [{lo:g}, {hi:g}], outside "
                         f"{q.domain_text()} ({q.unit}); choose another family or set lower/upper")


def _parse_correlation(block: Any, assumptions: Mapping[str, Assumption], origin: str) -> Correlation:
    if block is None:
        return Correlation()
    if not isinstance(block, Mapping):
        raise InputError(origin, "correlation", "must be a table with pairs = [[a, b, rho], ...]")
    unknown = set(block) - _CORRELATION_KEYS
    if unknown:
        raise InputError(origin, f"correlation.{sorted(unknown)[0]}", "unknown key; expected pairs, method, repair")
    method = block.get("method", "gaussian")
    if method not in CORRELATION_METHODS:
        raise InputError(origin, "correlation.method", f"unknown method {method!r}; choose {' or '.join(CORRELATION_METHODS)}")
    repair = block.get("repair", False)
    if not isinstance(repair, bool):
        raise InputError(origin, "correlation.repair", "must be true or false")
    pairs = tuple(_parse_pair(p, assumptions, origin) for p in _list(block.get("pairs", []), "correlation", "pairs", origin))
    seen = set()
    for a, b, _ in pairs:
        if frozenset((a, b)) in seen:
            raise InputError(origin, f"correlation {a}~{b}", "pair given twice")
        seen.add(frozenset((a, b)))
    return Correlation(pairs, method, repair)


def _parse_pair(pair: Any, assumptions: Mapping[str, Assumption], origin: str) -> tuple[str, str, float]:
    if not (isinstance(pair, list) and len(pair) == 3 and all(isinstance(x, str) for x in pair[:2])):
        raise InputError(origin, "correlation.pairs", f"each pair must be [name, name, rho], got {pair!r}")
    a, b, rho = pair
    field_ = f"correlation {a}~{b}"
    rho = _number(rho, field_, origin)
    for n in (a, b):
        if n not in assumptions:
            raise InputError(origin, field_, f"{n!r} is not an assumption in this file")
    for n in (a, b):
        if assumptions[n].is_fixed:
            raise InputError(origin, field_, f"{n!r} is fixed; only uncertain inputs can be correlated")
    if a == b:
        raise InputError(origin, field_, "an input cannot be correlated with itself")
    if not -1 < rho < 1:
        raise InputError(origin, field_, f"rank correlation {rho:g} must lie strictly between -1 and 1")
    return a, b, rho


def _number(value: Any, where: str, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(origin, where, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InputError(origin, where, f"must be finite, got {value!r}")
    return float(value)


def _list(value: Any, name: str, key: str, origin: str) -> list:
    if not isinstance(value, list):
        raise InputError(origin, f"{name}.{key}", f"must be a list, got {value!r}")
    return value


def _text(table: Mapping, key: str, name: str, origin: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise InputError(origin, f"{name}.{key}", f"must be a string, got {value!r}")
    return value


def _plain(value: Any) -> Any:
    return [float(v) for v in value] if isinstance(value, (list, tuple)) else value
