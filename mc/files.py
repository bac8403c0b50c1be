"""Reading the files a user gives mc: every way a TOML file can be unreadable is one InputError.

The lowest layer of file handling, shared by priors, scenarios, model files and
growth priors; files are parsed with tomllib, never executed.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from mc.errors import InputError


def read_toml(path: str | Path) -> dict:
    """Parse a TOML file, turning every way it can be unreadable into one InputError."""
    origin = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(origin, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(origin, "", f"cannot read the file ({exc.__class__.__name__}: {exc})") from None
    if not text.strip():
        raise InputError(origin, "", "file is empty")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(origin, "", f"not valid TOML: {exc}") from None
