"""Where mc keeps what it can recompute: growth fits, unit checks. ``$MC_CACHE_DIR`` or ``~/.cache/mc``.

Only results mc itself produced are stored (NetCDF posteriors, JSON records),
never a user's file; a missing or unreadable entry is recomputed.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_ENV = "MC_CACHE_DIR"


def default_cache_dir() -> Path:
    """``$MC_CACHE_DIR`` if set, else ``~/.cache/mc``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "mc")


def digest(*parts: Any) -> str:
    """SHA-256 of the JSON of `parts` (sorted keys): the key of a cache entry."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def read_record(kind: str, key: str) -> dict | None:
    """The JSON record stored under `kind`/`key`, or None if absent or unreadable."""
    path = default_cache_dir() / kind / f"{key[:40]}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("key") == key else None


def write_record(kind: str, key: str, record: dict) -> None:
    """Store `record` atomically; a cache that cannot be written is skipped silently (it only saves time)."""
    folder = default_cache_dir() / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({**record, "key": key}, handle)
        os.replace(tmp, folder / f"{key[:40]}.json")
    except OSError:
        return
