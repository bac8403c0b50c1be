"""Announced daily token volumes: load, validate, and put on the series' own time axis.

The file is ``date,tokens_per_day,kind,source`` (or the older
``date,tokens_per_day,source``), one announcement a row:

- ``kind`` is ``point`` for a stated daily average (the launch figure "日均1200亿")
  or ``lower_bound`` for a "more than X" figure (超过, 突破, "more than"). A file
  without the column is read with every row a lower bound (the old reading) and
  :attr:`TokenUsage.note` says so.
- Time zero of every curve is the series' own start: a ``# launch_date: YYYY-MM-DD``
  comment line before the header, or else the first row's date. Rows before a
  declared launch, and rows dated after today, are refused.
- Lines starting with ``#`` before the header are comments.

Every problem is an :class:`mc.errors.InputError` naming the file, the row
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

HEADER = ("date", "tokens_per_day", "kind", "source")
OLD_HEADER = ("date", "tokens_per_day", "source")
POINT, LOWER_BOUND = "point", "lower_bound"
KINDS = (POINT, LOWER_BOUND)
LAUNCH_DATE = date(2024, 5, 15)  # Doubao launch: time zero of the shipped series
LAUNCH_KEY = "launch_date"
DAYS_PER_YEAR = 365.25
DEFAULT_DATA_PATH = Path(__file__).resolve().parents[2] / "priors" / "token_usage.csv"
OLD_FORMAT_NOTE = "no 'kind' column: every row read as a lower bound ('more than X'), as in the old format"


@dataclass(frozen=True)
class TokenUsage:
    """Announced daily token volumes, sorted by date.

    Attributes
    ----------
    dates : tuple of datetime.date
    tokens_per_day : ndarray of float, tokens per day as announced
    sources : tuple of str
    path : str, where the rows came from
    kinds : tuple of str, ``point`` or ``lower_bound`` per row (default all lower bounds)
    start : datetime.date or None, time zero (None: the first row's date)
    note : str, how the rows were read when that is not obvious (old format)
    """

    dates: tuple
    tokens_per_day: np.ndarray
    sources: tuple
    path: str
    kinds: tuple = ()
    start: date | None = None
    note: str = ""

    def __post_init__(self):
        if not self.kinds:
            object.__setattr__(self, "kinds", tuple(LOWER_BOUND for _ in self.dates))
        if self.start is None and self.dates:
            object.__setattr__(self, "start", self.dates[0])

    def __len__(self) -> int:
        return len(self.dates)

    @property
    def years_since_launch(self) -> np.ndarray:
        """Time of each row in years since the series' start."""
        return years_since_launch(self.dates, self.start)

    @property
    def log10_tokens_per_day(self) -> np.ndarray:
        return np.log10(self.tokens_per_day)

    @property
    def is_lower_bound(self) -> np.ndarray:
        """Boolean per row: True for a "more than X" figure."""
        return np.array([k == LOWER_BOUND for k in self.kinds], dtype=bool)

    def until(self, last_date: date | None) -> "TokenUsage":
        """The rows dated on or before `last_date` (all rows when None); same time zero."""
        if last_date is None:
            return self
        return self._subset([i for i, d in enumerate(self.dates) if d <= last_date])

    def after(self, last_date: date) -> "TokenUsage":
        """The rows dated strictly after `last_date`; same time zero."""
        return self._subset([i for i, d in enumerate(self.dates) if d > last_date])

    def first(self, n_rows: int) -> "TokenUsage":
        """The first `n_rows` rows."""
        return self._subset(list(range(min(n_rows, len(self)))))

    def _subset(self, keep: list[int]) -> "TokenUsage":
        return TokenUsage(tuple(self.dates[i] for i in keep), self.tokens_per_day[keep].copy(),
                          tuple(self.sources[i] for i in keep), self.path, tuple(self.kinds[i] for i in keep),
                          self.start, self.note)

    def canonical_text(self) -> str:
        """The rows as text that changes exactly when the fitted numbers change."""
        rows = [f"{d.isoformat()},{v!r},{k}" for d, v, k in zip(self.dates, self.tokens_per_day, self.kinds)]
        return "\n".join([f"start {self.start.isoformat() if self.start else ''}", *rows])


def years_since_launch(dates, start: date | None = None) -> np.ndarray:
    """Years from `start` (default :data:`LAUNCH_DATE`) to each date (365.25-day years)."""
    start = LAUNCH_DATE if start is None else start
    return np.array([(d - start).days / DAYS_PER_YEAR for d in dates], dtype=float)


def load_token_usage(path: str | Path | None = None, *, min_rows: int = 2, today: date | None = None) -> TokenUsage:
    """Read and validate a token-usage CSV.

    Parameters
    ----------
    path : path-like, optional
        The CSV; defaults to the shipped ``priors/token_usage.csv``.
    min_rows : int
        Fewest data rows accepted (a curve needs at least two points).
    today : datetime.date, optional
        Rows dated after this day are refused (default: the system date).

    Returns
    -------
    TokenUsage
        Rows sorted by date, with their kinds and the series' time zero.

    Raises
    ------
    InputError
        Unreadable file, wrong header, bad date, value or kind, duplicate date,
        a row before the declared launch or after today, too few rows.
    """
    path = Path(path) if path is not None else DEFAULT_DATA_PATH
    launch, rows = _split_comments(path, _read_rows(path))
    header = tuple(c.strip() for c in rows[0]) if rows else ()
    if header not in (HEADER, OLD_HEADER):
        found = ",".join(rows[0]) if rows else "an empty file"
        raise InputError(str(path), "header", f"expected '{','.join(HEADER)}' (or the old "
                                             f"'{','.join(OLD_HEADER)}'), found {found!r}")
    parsed = [_parse_row(path, n, row, header) for n, row in enumerate(rows[1:], start=1) if any(c.strip() for c in row)]
    _check_duplicates(path, parsed)
    if len(parsed) < min_rows:
        raise InputError(str(path), "rows", f"{len(parsed)} data row(s); a growth fit needs at least {min_rows}")
    parsed.sort(key=lambda r: r[0])
    _check_dates(path, parsed, launch, today or date.today())
    return TokenUsage(tuple(r[0] for r in parsed), np.array([r[1] for r in parsed], dtype=float),
                      tuple(r[2] for r in parsed), str(path), tuple(r[4] for r in parsed),
                      launch or parsed[0][0], "" if header == HEADER else OLD_FORMAT_NOTE)


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


def _split_comments(path: Path, rows: list[list[str]]) -> tuple[date | None, list[list[str]]]:
    """The declared launch date (if any) from leading ``#`` lines, and the rows after them."""
    launch = None
    while rows and (not any(c.strip() for c in rows[0]) or rows[0][0].lstrip().startswith("#")):
        text = ",".join(rows.pop(0)).lstrip().lstrip("#").strip()
        key, _, value = text.partition(":")
        if key.strip() == LAUNCH_KEY:
            try:
                launch = date.fromisoformat(value.strip())
            except ValueError:
                raise InputError(str(path), LAUNCH_KEY, f"{value.strip()!r} is not an ISO date YYYY-MM-DD") from None
    return launch, rows


def _parse_row(path: Path, number: int, row: list[str], header: tuple) -> tuple[date, float, str, int, str]:
    date_text = row[0].strip() if row else ""
    where = f"row {number} ({date_text or 'no date'})"
    if len(row) != len(header):
        raise InputError(str(path), where, f"expected {len(header)} fields ({','.join(header)}), found {len(row)}")
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
    kind = row[2].strip() if header == HEADER else LOWER_BOUND
    if kind not in KINDS:
        raise InputError(str(path), where, f"kind {kind!r} must be 'point' (a stated daily average) or "
                                           "'lower_bound' (a 'more than X' figure)")
    return when, value, row[-1].strip(), number, kind


def _check_duplicates(path: Path, parsed: list) -> None:
    seen: dict[date, int] = {}
    for when, _, _, number, _ in parsed:
        if when in seen:
            raise InputError(str(path), f"row {number} ({when.isoformat()})",
                             f"duplicate date; row {seen[when]} has the same date")
        seen[when] = number


def _check_dates(path: Path, parsed: list, launch: date | None, today: date) -> None:
    """Refuse rows before the declared launch (curves start there) and rows dated after today."""
    for when, _, _, number, _ in parsed:
        where = f"row {number} ({when.isoformat()})"
        if launch is not None and when < launch:
            raise InputError(str(path), where, f"dated before the declared {LAUNCH_KEY} {launch.isoformat()}, "
                                               "where the series' curves start")
        if when > today:
            raise InputError(str(path), where, f"dated in the future (today is {today.isoformat()}); "
                                               "an announcement states a volume already reached")
