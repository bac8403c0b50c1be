"""A command's table on screen, as JSON or in a file, with the provenance every output carries."""
from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date
from typing import TYPE_CHECKING

from mc.export import check_finite, write_table

if TYPE_CHECKING:
    import pandas as pd


def emit_table(df: pd.DataFrame, args: argparse.Namespace, *, screen: str, meta: dict | None = None,
               report=None) -> None:
    """Write the table to --out (honouring --force), print JSON for --json, else print `screen`.

    With `meta` the JSON is ``{"meta": meta, "rows": [...]}`` (provenance first)
    and the file carries it too (see :mod:`mc.provenance`), so every command's
    --json --out goes through this one path. `report` (:class:`mc.workbook.Report`)
    adds the command's sheets, inputs and figures to an .xlsx. A table holding
    a non-finite number is refused before anything is written.
    """
    records = table_records(df) if getattr(args, "json", False) else None
    if getattr(args, "out", None) is not None:
        write_table(df, args.out, fmt=args.format, force=args.force, option="--out", meta=meta, report=report)
    if records is not None:
        payload = records if meta is None else {"meta": dict(meta), **records}
        print(json.dumps(payload, indent=2, default=json_default))
    elif not getattr(args, "quiet", False):
        print(screen)
        if getattr(args, "out", None) is not None:
            print(f"\nwrote {args.out}")


def table_records(df: pd.DataFrame) -> dict:
    """``{"rows": [...]}`` for JSON; refuses a table with a non-finite value (see :func:`mc.export.check_finite`)."""
    check_finite(df, "--json")
    return {"rows": [{k: _clean(v) for k, v in row.items()} for row in df.to_dict(orient="records")]}


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_default(value):
    """``json.dumps(default=...)`` for numpy scalars and dates."""
    if hasattr(value, "item"):
        return _clean(value.item())
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def say_wrote(args: argparse.Namespace, *paths) -> None:
    """``wrote PATH`` for each file written (None skipped), unless --quiet or --json."""
    for path in paths:
        if path is not None and not (getattr(args, "quiet", False) or getattr(args, "json", False)):
            print(f"wrote {path}")


def stderr(message: str) -> None:
    """A message for the user on standard error (the table stays on standard output)."""
    print(message, file=sys.stderr)


def command_line(args: argparse.Namespace) -> str:
    """The command as it ran, every option spelled out (defaults included), for provenance."""
    import shlex

    names = {"start": "--from", "stop": "--to", "overrides": "--set", "grid": "--grid", "scenario": "--scenario"}
    words = ["mc", str(getattr(args, "command", "") or "")]
    for key, value in vars(args).items():
        if key in ("handler", "command", "json", "quiet") or value is None or value is False or value == []:
            continue
        if key in ("priors", "scenarios"):  # positionals
            words += [str(v) for v in (value if isinstance(value, list) else [value])]
            continue
        option = names.get(key, "--" + key.replace("_", "-"))
        if value is True:
            words.append(option)
        elif isinstance(value, list) and key in names:
            for v in value:
                words += [option, _word(v)]
        else:
            words += [option, _word(value)]
    return " ".join(shlex.quote(w) for w in words if w)


def _word(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_word(v) for v in value) if all(isinstance(v, (int, float)) for v in value) \
            else " ".join(_word(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(getattr(value, "text", None) or (value.isoformat() if isinstance(value, date) else value))


def provenance(args: argparse.Namespace, attrs: dict, priors=None) -> dict:
    """The run's attributes plus the command, the volume, the overrides and the percentiles tabulated."""
    from mc.overrides import overrides_text

    meta = {"command": command_line(args), **dict(attrs)}
    volume = volume_text(args, priors)
    if volume:
        meta["volume"] = volume
    if getattr(args, "overrides", None):
        meta["overrides"] = overrides_text(args.overrides)
    if getattr(args, "percentiles", None):
        meta["percentiles"] = ",".join(f"{p:g}" for p in args.percentiles)
    return meta


def volume_text(args: argparse.Namespace, priors=None) -> str:
    """What set the volume: --tokens-per-day, --date, or the priors' own volume input."""
    if getattr(args, "tokens_per_day", None) is not None:
        return f"tokens_per_day = {args.tokens_per_day:g} (--tokens-per-day)"
    if getattr(args, "date", None) is not None:
        return f"growth fit forecast at {args.date.isoformat()} (curve {getattr(args, 'curve', None) or 'default'})"
    model = getattr(priors, "model", None)
    name = getattr(model, "volume_input", None)
    if priors is not None and name in getattr(priors, "names", ()):
        a = priors[name]
        return (f"{name} = {a.distribution.params['value']:g} (priors)" if a.is_fixed
                else f"{name} ~ {a.distribution.family} (priors)")
    return ""


def sampled_percentiles(args: argparse.Namespace, screen: tuple = ()) -> tuple[float, ...]:
    """The percentiles to compute: --percentiles (default mc.stats.PERCENTILES) and any the screen needs."""
    from mc.stats import PERCENTILES

    chosen = getattr(args, "percentiles", None) or PERCENTILES
    return tuple(sorted(set(chosen) | set(screen)))


def chosen_statistics(table: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """The table's rows for --percentiles (and mean, sd, p_negative); unchanged without the option."""
    chosen = getattr(args, "percentiles", None)
    if not chosen:
        return table
    keep = {f"p{p:g}" for p in chosen} | {"mean", "sd", "p_negative"}
    stat = table["statistic"].astype(str)
    return table[~stat.str.match(r"^p\d") | stat.isin(keep)].reset_index(drop=True)
