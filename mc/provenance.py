"""Provenance: what made a file, in the form natural to each format.

Every table file mc writes carries the same record: the command, seed, draws,
method, priors file and hash, model name and hash, volume (or date), mc version
and time. How each format holds it:

- Parquet: the schema's key-value metadata, one ``mc.<key>`` entry per field
  (and ``mc.provenance``, the whole record as JSON);
- XLSX: a ``Provenance`` sheet (see :mod:`mc.workbook`);
- Markdown: a header block (a two-column table) above the data;
- CSV: a sidecar ``FILE.csv.meta.json`` beside the file, so ``pandas.read_csv``
  reads the table with no special options;
- JSON (``--json``): the ``meta`` object.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

# Keys in the order a reader looks for them; others follow in their own order.
ORDER = ("command", "seed", "n_draws", "method", "priors_origin", "priors_hash", "model", "model_origin",
         "model_hash", "volume", "overrides", "percentiles", "mc_version", "created_utc")
LABELS = {"n_draws": "draws", "priors_origin": "priors file", "priors_hash": "priors hash (sha256)",
          "model_origin": "model file", "model_hash": "model hash (sha256)", "mc_version": "mc version",
          "created_utc": "time (UTC)"}
SIDECAR_SUFFIX = ".meta.json"


def record(meta: Mapping[str, Any]) -> dict[str, str]:
    """The provenance as ordered text fields (every value a string; empty fields dropped)."""
    keys = [k for k in ORDER if k in meta] + [k for k in meta if k not in ORDER]
    return {k: text for k in keys if (text := _text(meta[k])) != ""}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.12g}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps({str(k): _text(v) for k, v in value.items()})
    return str(value)


def label(key: str) -> str:
    """A field's name as the Provenance sheet and the Markdown header show it."""
    return LABELS.get(key, key.replace("_", " "))


def parquet_metadata(meta: Mapping[str, Any]) -> dict[bytes, bytes]:
    """Key-value metadata for a Parquet schema: ``mc.<key>`` per field and ``mc.provenance`` as JSON."""
    fields = record(meta)
    out = {f"mc.{k}".encode(): v.encode() for k, v in fields.items()}
    out[b"mc.provenance"] = json.dumps(fields).encode()
    return out


def markdown_header(meta: Mapping[str, Any], title: str = "") -> str:
    """A header block for a Markdown table file: a title line and a two-column provenance table."""
    fields = record(meta)
    lines = [f"# {title or ' '.join(fields.get('command', 'mc').split()[:2])}", "", "| provenance | |", "|---|---|"]
    lines += [f"| {label(k)} | {v.replace('|', '/')} |" for k, v in fields.items()]
    return "\n".join(lines) + "\n\n"


def sidecar_path(path: str | Path) -> Path:
    """Where a CSV file's provenance goes: ``FILE.csv.meta.json``."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def sidecar_json(meta: Mapping[str, Any], table_file: str | Path) -> str:
    """The sidecar document: the file it describes and the provenance fields."""
    return json.dumps({"file": Path(table_file).name, "provenance": record(meta)}, indent=2, ensure_ascii=False) + "\n"
