"""Writing tables and files atomically, never clobbering without consent.

Every output goes to a temporary file in the destination folder and is renamed
into place only once complete, so an interrupted or failed run leaves no partial
file and an existing file untouched.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from mc.errors import InputError

if TYPE_CHECKING:  # pandas is imported by whoever builds the table, not by `mc --help`
    import pandas as pd

FORMATS = ("csv", "parquet", "xlsx", "md")
_SUFFIX_FORMAT = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx", ".md": "md"}


def infer_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The table format: `fmt` if given, else from the file's suffix."""
    if fmt:
        if fmt not in FORMATS:
            raise InputError("--format", "", f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMAT:
        raise InputError(str(path), "", f"cannot tell the format from suffix {suffix!r}; use --format {'|'.join(FORMATS)}")
    return _SUFFIX_FORMAT[suffix]


def check_writable(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Fail before any work if `path` exists (without `force`) or its folder does not."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError(str(path), "", "output exists; pass --force to overwrite it")
    if path.is_dir():
        raise InputError(str(path), "", "output path is a directory")
    if not path.parent.exists():
        raise InputError(str(path), "", f"folder {str(path.parent)!r} does not exist")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` on success.

    On any exception the temporary file is removed and `path` is untouched.
    """
    path = check_writable(path, force=force)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if path.exists() and not force:  # appeared while we worked
            raise InputError(str(path), "", "output appeared during the run; pass --force to overwrite it")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _writer(fmt: str) -> Callable[["pd.DataFrame", Path], None]:
    if fmt == "csv":
        return lambda df, p: df.to_csv(p, index=False)
    if fmt == "parquet":
        return lambda df, p: df.to_parquet(p, index=False, engine="pyarrow")
    if fmt == "xlsx":
        return lambda df, p: df.to_excel(p, index=False, engine="openpyxl")
    return lambda df, p: p.write_text(df.to_markdown(index=False) + "\n", encoding="utf-8")


def write_table(df: "pd.DataFrame", path: str | os.PathLike, *, fmt: str | None = None,
                force: bool = False) -> Path:
    """Write `df` to `path` as csv, parquet, xlsx or md, atomically.

    Parameters
    ----------
    df : DataFrame
        The table; its index is not written (tables here carry their keys as columns).
    path : path-like
        Destination. Must not exist unless `force`.
    fmt : {"csv", "parquet", "xlsx", "md"}, optional
        Defaults to the format implied by the suffix.
    force : bool
        Overwrite an existing file.
    """
    fmt = infer_format(path, fmt)
    with atomic_path(path, force=force) as tmp:
        _writer(fmt)(df, tmp)
    return Path(path)


def write_bytes_atomic(data: bytes, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write raw bytes (a PNG, a JSON document) atomically."""
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
    return Path(path)
