"""Announced daily token volumes: load, validate, and put on the model's time axis.

The file is ``date,tokens_per_day,source`` (header exact), one announcement a
row. Every problem is an :class:`mc.errors.InputError` naming the file, the row
(1-based data row and its date) or column, and what is wrong.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from mc.errors import InputError

HEADER = ("date", "tokens_per_day", "source")
LAUNCH_DATE = date(2024, 5, 15)  # Doubao launch: time zero of every curve
DAYS_PER_YEAR = 365.25
DEFAULT_DATA_PATH = Path(__file__).resolve().parents[2] / "priors" / "token_usage.csv"


@dataclass(frozen=True)
class TokenUsage:
    """Announced daily token volumes, sorted by date.

    Attributes
    ----------
    dates : tuple of datetime.date
    tokens_per_day : ndarray of float, tokens per day as announced
    sources : tuple of str
    path : str, where the rows came from
    """

    dates: tuple
    tokens_per_day: np.ndarray
    sources: tuple
    path: str

    def __len__(self) -> int:
        return len(self.dates)

    @property
    def years_since_launch(self) -> np.ndarray:
        """Time of each row in years since :data:`LAUNCH_DATE`."""
        return years_since_launch(self.dates)

    @property
    def log10_tokens_per_day(self) -> np.ndarray:
        return np.log10(self.tokens_per_day)

    def until(self, last_date: date | None) -> "TokenUsage":
        """The rows dated on or before `last_date` (all rows when None)."""
        if last_date is None:
            return self
        keep = [i for i, d in enumerate(self.dates) if d <= last_date]
        return self._subset(keep)

    def after(self, last_date: date) -> "TokenUsage":
        """The rows dated strictly after `last_date`."""
        return self._subset([i for i, d in enumerate(self.dates) if d > last_date])

    def _subset(self, keep: list[int]) -> "TokenUsage":
        return TokenUsage(tuple(self.dates[i] for i in keep), self.tokens_per_day[keep].copy(),
                          tuple(self.sources[i] for i in keep), self.path)

    def canonical_text(self) -> str:
        """The rows as text that changes exactly when the fitted numbers change."""
        return "\n".join(f"{d.isoformat()},{v!r}" for d, v in zip(self.dates, self.tokens_per_day))


def years_since_launch(dates) -> np.ndarray:
    """Years from :data:`LAUNCH_DATE` to each date (365.25-day years)."""
    return np.array([(d - LAUNCH_DATE).days / DAYS_PER_YEAR for d in dates], dtype=float)


def load_token_usage(path: str | Path | None = None, *, min_rows: int = 2) -> TokenUsage:
    """Read and validate a token-usage CSV.

    Parameters
    ----------
    path : path-like, optional
        The CSV; defaults to the shipped ``priors/token_usage.csv``.
    min_rows : int
        Fewest data rows accepted (a curve needs at least two points).

    Returns
    -------
    TokenUsage
        Rows sorted by date.

    Raises
    ------
    InputError
        Unreadable file, wrong header, bad date or value, duplicate date, too few rows.
    """
    path = Path(path) if path is not None else DEFAULT_DATA_PATH
    rows = _read_rows(path)
    if not rows or tuple(c.strip() for c in rows[0]) != HEADER:
        found = ",".join(rows[0]) if rows else "an empty file"
        raise InputError(str(path), "header", f"expected '{','.join(HEADER)}', found {found!r}")
    parsed = [_parse_row(path, n, row) for n, row in enumerate(rows[1:], start=1) if any(c.strip() for c in row)]
    _check_duplicates(path, parsed)
    if len(parsed) < min_rows:
        raise InputError(str(path), "rows", f"{len(parsed)} data row(s); a growth fit needs at least {min_rows}")
    parsed.sort(key=lambda r: r[0])
    return TokenUsage(tuple(r[0] for r in parsed), np.array([r[1] for r in parsed], dtype=float),
                      tuple(r[2] for r in parsed), str(path))


def _read_rows(path: Path) -> list[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read the file ({exc.strerror or exc.__class__.__name__})") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "", "cannot read the file (not UTF-8 text)") from None
    except csv.Error as exc:
        raise InputError(str(path), "", f"not a valid CSV file ({exc})") from None


def _parse_row(path: Path, number: int, row: list[str]) -> tuple[date, float, str, int]:
    date_text = row[0].strip() if row else ""
    where = f"row {number} ({date_text or 'no date'})"
    if len(row) != len(HEADER):
        raise InputError(str(path), where, f"expected {len(HEADER)} fields ({','.join(HEADER)}), found {len(row)}")
    try:
        when = date.fromisoformat(date_text)
        if len(date_text) != 10:
            raise ValueError
    except ValueError:
        raise InputError(str(path), where, f"date {date_text!r} is not an ISO date YYYY-MM-DD") from None
    value_text = row[1].strip()
    try:
        value = float(value_text)
    except ValueError:
        raise InputError(str(path), where, f"tokens_per_day {value_text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(str(path), where, f"tokens_per_day {value_text!r} must be a positive finite number")
    return when, value, row[2].strip(), number


def _check_duplicates(path: Path, parsed: list[tuple[date, float, str, int]]) -> None:
    seen: dict[date, int] = {}
    for when, _, _, number in parsed:
        if when in seen:
            raise InputError(str(path), f"row {number} ({when.isoformat()})",
                             f"duplicate date; row {seen[when]} has the same date")
        seen[when] = number
