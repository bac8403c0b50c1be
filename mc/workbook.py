"""An XLSX workbook that is a report: Summary, the command's own sheets, Inputs, Provenance, figures, data.

Sheets, in order:

- ``Summary``: one row per output (per scenario, year or grid cell when the
  table has those), statistics as columns in display units (亿元, %, 万 GPUs)
  with the Monte Carlo standard error beside each value, number formats, a
  frozen header and widths to fit;
- the command's own sheets (``Scenarios``, ``Sensitivity``, ``Projection by
  year``, ``Valuation``, ...), as the command passes them;
- ``Inputs``: each assumption's family, parameters, p5/p50/p95 (display
  units), unit and source;
- ``Provenance``: command, seed, draws, method, priors file and hash, model
  and hash, volume, mc version, time;
- ``Figures``: the command's PNG figures, embedded;
- ``Data``: the table in long form and base units, machine-readable.

openpyxl is imported inside :func:`write_workbook`, so the CLI stays light.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from mc.display import YI, scaled, unit
from mc.provenance import label, record

if TYPE_CHECKING:
    import pandas as pd

DATA_SHEET = "Data"
SUMMARY_SHEET = "Summary"
# Columns of a long table that are neither keys of a Summary row nor statistics.
VALUE_COLUMNS = {"statistic", "value", "mc_se", "unit", "base_value", "change", "change_se", "change_pct",
                 "convention", "terminal"}
PROBABILITY_STATISTICS = {"p_negative"}
HEADER_FILL = "DDE6F0"


@dataclass
class Report:
    """What a command adds to its workbook beyond the table itself.

    Parameters
    ----------
    model : Model, optional
        Gives display units (:func:`mc.display.scaled`, :func:`mc.display.unit`).
    priors : sequence of Priors
        Their assumptions fill the Inputs sheet.
    sheets : mapping of sheet name to DataFrame
        The command's own sheets, written as given (after Summary).
    figures : sequence of paths
        PNG files to embed on the Figures sheet.
    summary : DataFrame, optional
        The long table the Summary pivots (default: the table written).
    """

    model: Any = None
    priors: Sequence[Any] = ()
    sheets: Mapping[str, "pd.DataFrame"] = field(default_factory=dict)
    figures: Sequence[Path] = ()
    summary: "pd.DataFrame | None" = None


def display_factor(name: str, model=None) -> tuple[float, str]:
    """``(factor, label)``: a value of `name` in base units times factor is what the screen shows."""
    if model is None or name not in getattr(model, "display", {}):
        known = model is not None and (name in model.outputs or name in model.inputs)
        if not known and name.endswith("_cny") and scaled(name, 1.0) == 1.0:
            return 1 / YI, "亿元"  # money the display table does not list (EV, FCF): 亿元 as on screen
    return scaled(name, 1.0, model), unit(name, model)


def summary_frame(table: "pd.DataFrame", model=None) -> tuple["pd.DataFrame", list[str]]:
    """The Summary: one row per key, each statistic in display units followed by its s.e.

    Returns
    -------
    (DataFrame, list of str)
        The frame, and the statistic columns (their s.e. columns are ``"<stat> s.e."``).
    """
    import pandas as pd

    keys = [c for c in table.columns if c not in VALUE_COLUMNS and c != "output"] + ["output"]
    statistics = list(dict.fromkeys(table["statistic"]))
    rows = []
    for key, group in table.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key))
        factor, shown = display_factor(row["output"], model)
        row["unit"] = shown
        by_stat = group.set_index("statistic")
        for s in statistics:
            f = 1.0 if s in PROBABILITY_STATISTICS else factor
            value = by_stat["value"].get(s, math.nan)
            se = by_stat["mc_se"].get(s, math.nan) if "mc_se" in by_stat else math.nan
            row[s], row[f"{s} s.e."] = float(value) * f, float(se) * abs(f)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame = frame.dropna(axis=1, how="all")  # e.g. no year on whole-path rows only
    columns = [c for c in (*keys, "unit") if c in frame] + [c for s in statistics for c in (s, f"{s} s.e.")
                                                            if c in frame]
    return frame[columns], [s for s in statistics if s in frame]


def inputs_frame(priors_sets: Sequence[Any], model=None) -> "pd.DataFrame":
    """Each assumption: family, parameters (base units), p5/p50/p95 (display units), unit, source."""
    import numpy as np
    import pandas as pd

    rows = []
    for priors in priors_sets:
        shown_model = model if priors.model is None or model is None else priors.model
        for name, a in priors.assumptions.items():
            d = a.distribution
            factor, shown = display_factor(name, shown_model) if name in getattr(shown_model, "inputs", {}) \
                else (1.0, a.unit)
            p5, p50, p95 = (float(v) * factor for v in d.ppf(np.array([0.05, 0.5, 0.95])))
            params = ", ".join(f"{k}={_param_text(v)}" for k, v in d.params.items())
            bounds = "".join(f", {k}={getattr(d, k):g}" for k in ("lower", "upper") if getattr(d, k) is not None)
            elicited = "" if not a.elicited else " (from " + ", ".join(f"{k}={v:g}" for k, v in a.elicited.items()) + ")"
            rows.append({"input": name, "family": d.family, "parameters": params + bounds + elicited,
                         "p5": p5, "p50": p50, "p95": p95, "unit": shown, "base unit": a.unit,
                         "source": a.source, "note": a.note})
    return pd.DataFrame(rows)


def _param_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def number_format(values: Sequence[float], *, extra_digits: int = 0) -> str:
    """An Excel number format showing about four significant digits of the largest of `values`."""
    finite = [abs(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v) and v != 0]
    if not finite:
        return "0.00"
    top = max(finite)
    if top >= 1e9 or top < 1e-4:
        return "0.000E+00"
    decimals = min(max(3 - int(math.floor(math.log10(top))) + extra_digits, 0), 8)
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def write_workbook(table: "pd.DataFrame", path: str | Path, *, meta: Mapping[str, Any] | None = None,
                   report: Report | None = None) -> Path:
    """Write the report workbook to `path` (not atomically: :func:`mc.export.write_table` renames it into place).

    Parameters
    ----------
    table : DataFrame
        The command's table in base units (the Data sheet, and the Summary when
        it has ``output, statistic, value`` columns and the report gives no other).
    path : path
    meta : mapping, optional
        Provenance (see :mod:`mc.provenance`).
    report : Report, optional
        Model, priors, the command's own sheets and figures.
    """
    from openpyxl import Workbook

    report = report or Report()
    book = Workbook()
    book.remove(book.active)
    long = report.summary if report.summary is not None else table
    if {"output", "statistic", "value"} <= set(long.columns):
        summary, statistics = summary_frame(long, report.model)
        _summary_sheet(book.create_sheet(SUMMARY_SHEET), summary, statistics)
    for name, frame in report.sheets.items():
        statistics = [c for c in frame.columns if f"{c} s.e." in frame.columns]
        if "unit" in frame.columns and statistics:  # a pivot like the Summary's: formatted row by row
            _summary_sheet(book.create_sheet(_sheet_name(name)), frame, statistics)
        else:
            _frame_sheet(book.create_sheet(_sheet_name(name)), frame)
    if report.priors:
        _frame_sheet(book.create_sheet("Inputs"), inputs_frame(report.priors, report.model),
                     row_groups=[("p5", "p50", "p95")])
    if meta:
        _provenance_sheet(book.create_sheet("Provenance"), meta)
    if report.figures:
        _figures_sheet(book.create_sheet("Figures"), report.figures)
    _frame_sheet(book.create_sheet(DATA_SHEET), table, formats=False)
    book.save(path)
    return Path(path)


def _sheet_name(name: str) -> str:
    return "".join("_" if c in "[]:*?/\\" else c for c in name)[:31]


def _header(ws, columns: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.append([str(c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)


def _cell_value(value):
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _summary_sheet(ws, frame: "pd.DataFrame", statistics: Sequence[str]) -> None:
    """Rows of display-unit values; each row's format from its own magnitude; header and key columns frozen."""
    from openpyxl.styles import Font

    _header(ws, frame.columns)
    n_keys = list(frame.columns).index("unit") + 1
    se_font = Font(color="666666", italic=True)
    for record_ in frame.itertuples(index=False):
        ws.append([_cell_value(v) for v in record_])
        row = ws.max_row
        cells = dict(zip(frame.columns, ws[row]))
        scale = [cells[s].value for s in statistics if s not in PROBABILITY_STATISTICS]
        value_format = number_format(scale)
        se_format = number_format(scale, extra_digits=1)
        for s in statistics:
            probability = s in PROBABILITY_STATISTICS
            cells[s].number_format = "0.0000" if probability else value_format
            if f"{s} s.e." in cells:  # a statistic without any standard error has no s.e. column
                cells[f"{s} s.e."].number_format = "0.0000" if probability else se_format
                cells[f"{s} s.e."].font = se_font
    ws.freeze_panes = ws.cell(row=2, column=n_keys + 1)
    _fit_widths(ws, frame, numeric_width=11)


def _frame_sheet(ws, frame: "pd.DataFrame", *, formats: bool = True,
                 row_groups: Sequence[Sequence[str]] = ()) -> None:
    """A plain table: bold frozen header, widths to fit, numbers with about four significant digits.

    Columns in one of `row_groups` (e.g. an input's p5, p50, p95) share a format chosen per row.
    """
    _header(ws, frame.columns)
    grouped = {c for group in row_groups for c in group}
    for record_ in frame.itertuples(index=False):
        ws.append([_cell_value(v) for v in record_])
        cells = dict(zip(frame.columns, ws[ws.max_row]))
        for group in row_groups if formats else ():
            fmt = number_format([cells[c].value for c in group if c in cells])
            for c in group:
                if c in cells:
                    cells[c].number_format = fmt
    if formats:
        for j, column in enumerate(frame.columns, start=1):
            if column in grouped:
                continue
            if frame[column].dtype.kind == "f":
                fmt = number_format(frame[column].abs().tolist())
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
    ws.freeze_panes = "A2"
    _fit_widths(ws, frame)


def _fit_widths(ws, frame: "pd.DataFrame", numeric_width: int = 12) -> None:
    from openpyxl.utils import get_column_letter

    for j, column in enumerate(frame.columns, start=1):
        if frame[column].dtype.kind in "fiu":
            width = max(numeric_width, len(str(column)) + 2)
        else:
            longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(500)])
            width = min(max(longest + 2, 8), 60)
        ws.column_dimensions[get_column_letter(j)].width = width


def _provenance_sheet(ws, meta: Mapping[str, Any]) -> None:
    fields = record(meta)
    import pandas as pd

    frame = pd.DataFrame({"field": [label(k) for k in fields], "key": list(fields), "value": list(fields.values())})
    _frame_sheet(ws, frame, formats=False)


def _figures_sheet(ws, figures: Sequence[Path]) -> None:
    """Each PNG at its own anchor, one below the other, scaled to about 900 px wide."""
    from openpyxl.drawing.image import Image

    row = 1
    for path in figures:
        ws.cell(row=row, column=1, value=Path(path).name)
        image = Image(str(path))
        scale = min(1.0, 900 / image.width)
        image.width, image.height = int(image.width * scale), int(image.height * scale)
        ws.add_image(image, f"A{row + 1}")
        row += 2 + int(image.height / 20) + 1  # default rows are 20 px high
