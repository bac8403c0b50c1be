"""Writing tables and files atomically, never clobbering without consent.

Every output goes to a temporary file in the destination folder and is renamed
into place only once complete, so an interrupted or failed run leaves no partial
file and an existing file untouched.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

from mc.errors import InputError

if TYPE_CHECKING:  # pandas is imported by whoever builds the table, not by `mc --help`
    import pandas as pd

FORMATS = ("csv", "parquet", "xlsx", "md")
_SUFFIX_FORMAT = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx", ".md": "md"}


def infer_format(path: str | os.PathLike, fmt: str | None = None, *, option: str | None = None) -> str:
    """The table format: `fmt` if given, else from the file's suffix.

    `option` (e.g. ``"--out"``) names the command-line option in the error message.
    """
    if fmt:
        if fmt not in FORMATS:
            raise InputError("--format", "", f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIX_FORMAT:
        raise InputError(*_where(path, option),
                         f"cannot tell the format from suffix {suffix!r}; use --format {'|'.join(FORMATS)}")
    return _SUFFIX_FORMAT[suffix]


def _where(path: str | os.PathLike, option: str | None) -> tuple[str, str]:
    """InputError's (source, field): ``--out PATH: ...`` for an option, else ``PATH: ...``."""
    return (f"{option} {path}" if option else str(path)), ""


def check_writable(path: str | os.PathLike, *, force: bool = False, option: str | None = None) -> Path:
    """Fail before any work unless `path` can be written as a new file (or replaced, with `force`).

    Refused: a path that is a directory, an existing file without `force`, a
    folder that does not exist or is a file, and a folder where no file can be
    created (read-only, no permission, read-only file system). The last is
    tried for real, with an empty probe file that is removed at once, because
    permission bits do not tell the whole story (root ignores them; a
    read-only mount does not show in them).

    Parameters
    ----------
    path : path-like
        The output file.
    force : bool
        Whether an existing file may be replaced.
    option : str, optional
        The command-line option that named `path` (``"--out"``, ``"--plot"``),
        so the one-line error says which one is wrong.

    Returns
    -------
    Path
    """
    path = Path(path)
    where = _where(path, option)
    if path.is_dir():
        raise InputError(*where, "is a directory; name a file (e.g. a path inside it)")
    if path.exists() and not path.is_file():  # a device, FIFO or socket: replacing it would break the system
        raise InputError(*where, "is not a regular file (a device, pipe or socket); name a file")
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(*where, "output exists; pass --force to overwrite it")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(*where, _missing_folder_problem(folder))
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise InputError(*where, f"cannot create files in folder {str(folder)!r} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return path


def _missing_folder_problem(folder: Path) -> str:
    """Why `folder` (which is not a directory) cannot hold the output: it is a file, or what is missing."""
    for ancestor in (folder, *folder.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{str(ancestor)!r} is a file, not a folder"
            break
    return f"folder {str(folder)!r} does not exist"


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it (and put it back at once)
    os.umask(mask)
    return mask


def _final_mode(path: Path) -> int:
    """Mode of the finished file: the replaced file's, else what open() would give under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, force: bool = False, option: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` on success.

    On any exception (including an interrupt or a termination signal turned
    into one, see :mod:`mc.errors`) the temporary file is removed and `path`
    is untouched. The finished file gets the mode any other tool would give it
    (``0o666`` less the umask, or the mode of the file it replaces), not the
    ``0o600`` of a temporary file.
    """
    path = check_writable(path, force=force, option=option)
    tmp = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        os.close(fd)
        yield tmp
        if path.exists() and not force:  # appeared while we worked
            raise InputError(*_where(path, option), "output appeared during the run; pass --force to overwrite it")
        os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


def check_finite(df: "pd.DataFrame", source: str | os.PathLike) -> None:
    """Refuse a table holding an infinite or NaN value where a number belongs.

    A table file must never carry ``inf`` or ``nan``: a spreadsheet reads them
    as text or errors, and they mean an input overflowed upstream. The value
    column must be finite on every row; the standard-error column (``mc_se``,
    or any column ending ``_se``) may be NaN where no error is defined, but
    never infinite. Other numeric columns must be finite or NaN (e.g. an empty
    year on a whole-path row).

    Raises
    ------
    InputError
        Naming `source` and the first offending row (its output, statistic,
        scenario or year, whichever the table has) and column.
    """
    import numpy as np

    for column in df.columns:
        values = df[column]
        if values.dtype.kind not in "fiuc":
            continue
        x = values.to_numpy(dtype=float, na_value=np.nan)  # a nullable Int64 year may hold <NA> (pandas 2.1)
        bad = np.isinf(x) | (np.isnan(x) if column == "value" else False)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(str(source), _row_label(df, row, column),
                             f"is {x[row]} (not a finite number); an input overflowed or is out of range, "
                             f"so nothing was written")


def _row_label(df: "pd.DataFrame", row: int, column: str) -> str:
    keys = [c for c in ("scenario", "output", "input", "year", "statistic", "measure") if c in df.columns]
    record = df.iloc[row]
    parts = [record[k] for k in keys if str(record[k]) not in ("nan", "None")]
    label = "/".join(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in parts)
    return f"{label} {column}" if label else f"row {row} {column}"


def _writer(fmt: str, meta: dict | None, report=None) -> Callable[["pd.DataFrame", Path], None]:
    if fmt == "csv":
        return lambda df, p: df.to_csv(p, index=False)
    if fmt == "parquet":
        return lambda df, p: _write_parquet(df, p, meta)
    if fmt == "xlsx":
        from mc.workbook import write_workbook

        return lambda df, p: write_workbook(df, p, meta=meta, report=report)
    from mc.provenance import markdown_header

    header = markdown_header(meta) if meta else ""
    return lambda df, p: p.write_text(header + df.to_markdown(index=False) + "\n", encoding="utf-8")


def _write_parquet(df: "pd.DataFrame", path: Path, meta: dict | None) -> None:
    """Parquet with the provenance in the schema's key-value metadata (``mc.<key>``; see :mod:`mc.provenance`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if meta:
        from mc.provenance import parquet_metadata

        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **parquet_metadata(meta)})
    pq.write_table(table, path)


def table_meta(df: "pd.DataFrame", meta: Mapping | None) -> dict | None:
    """The provenance to write with `df`: `meta` if given, else the table's own ``attrs`` (e.g. from mc.summarise)."""
    if meta is not None:
        return dict(meta)
    return dict(df.attrs) if getattr(df, "attrs", None) else None


def sidecar_paths(path: str | os.PathLike, fmt: str, meta: Mapping | None) -> list[Path]:
    """Files written beside the table: a CSV's provenance sidecar ``FILE.csv.meta.json``."""
    from mc.provenance import sidecar_path

    return [sidecar_path(path)] if fmt == "csv" and meta else []


def write_table(df: "pd.DataFrame", path: str | os.PathLike, *, fmt: str | None = None,
                force: bool = False, option: str | None = None, meta: Mapping | None = None,
                report=None) -> Path:
    """Write `df` to `path` as csv, parquet, xlsx or md, atomically, with its provenance.

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
    option : str, optional
        The command-line option that named `path`, for error messages.
    meta : mapping, optional
        Provenance (default ``df.attrs``), stored as :mod:`mc.provenance`
        describes: Parquet metadata, an XLSX sheet, a Markdown header, a CSV
        sidecar ``FILE.csv.meta.json``.
    report : mc.workbook.Report, optional
        For xlsx: the model (display units), priors, the command's own sheets and figures.

    Raises
    ------
    InputError
        If the path cannot be written (see :func:`check_writable`) or the table
        holds a non-finite number (see :func:`check_finite`); nothing is written.
    """
    fmt = infer_format(path, fmt, option=option)
    check_finite(df, _where(path, option)[0])
    meta = table_meta(df, meta)
    sidecars = sidecar_paths(path, fmt, meta)
    for extra in sidecars:
        check_writable(extra, force=force, option=option)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_path(path, force=force, option=option))
        for extra in sidecars:  # renamed into place only if the table is written too
            from mc.provenance import sidecar_json

            stack.enter_context(atomic_path(extra, force=force, option=option)).write_text(
                sidecar_json(meta, path), encoding="utf-8")
        _writer(fmt, meta, report)(df, tmp)
    return Path(path)


def write_bytes_atomic(data: bytes, path: str | os.PathLike, *, force: bool = False,
                       option: str | None = None) -> Path:
    """Write raw bytes (a PNG, a JSON document) atomically."""
    with atomic_path(path, force=force, option=option) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def draws_frame(ds) -> "pd.DataFrame":
    """Every variable of a results Dataset as columns, one row per draw.

    A variable with a second dim (``year``) becomes one column per coordinate,
    ``name[2025]``; the ``sample`` dim is the row.
    """
    import pandas as pd

    columns = {}
    for name, var in ds.data_vars.items():
        if var.dims == ("sample",):
            columns[name] = var.values
            continue
        other = [d for d in var.dims if d != "sample"]
        stacked = var.transpose("sample", *other).values.reshape(var.sizes["sample"], -1)
        labels = [",".join(str(ds[d].values[i]) for d, i in zip(other, idx))
                  for idx in _product([range(var.sizes[d]) for d in other])]
        for j, label in enumerate(labels):
            columns[f"{name}[{label}]"] = stacked[:, j]
    return pd.DataFrame(columns)


def _product(ranges):
    import itertools

    return itertools.product(*ranges)


def write_draws(ds, path: str | os.PathLike, *, meta: Mapping | None = None, force: bool = False,
                option: str | None = "--draws-out") -> Path:
    """Write every draw of `ds` (inputs and outputs, base units) to .parquet or .nc, atomically.

    Parquet gets one column per variable (and year) and the provenance in its
    key-value metadata; netCDF keeps the dims and carries the provenance as
    global attributes (and each variable's unit and role).
    """
    path = Path(path)
    meta = dict(meta if meta is not None else ds.attrs)
    with atomic_path(path, force=force, option=option) as tmp:
        if path.suffix.lower() == ".nc":
            from mc.provenance import record

            out = ds.copy()
            out.attrs = record(meta)
            for var in out.data_vars.values():
                var.attrs = {k: str(v) for k, v in var.attrs.items()}
            out.to_netcdf(tmp, engine=_netcdf_engine())
        else:
            _write_parquet(draws_frame(ds), tmp, meta)
    return path


def _netcdf_engine() -> str:
    import importlib.util

    for engine, modules in (("netcdf4", ("netCDF4",)), ("h5netcdf", ("h5netcdf", "h5py"))):
        if all(importlib.util.find_spec(m) is not None for m in modules):  # h5netcdf >= 1.8 may come without h5py
            return engine
    return "scipy"  # netCDF3, always there with scipy
