"""What every figure shares: the Agg backend, Chinese units when a font can draw them, atomic PNGs.

No CJK font ships with a plain Debian or CI machine, so a unit such as 亿元 is
spelled in base units ("1e8 CNY") unless an installed font has the glyphs. A
model's own Chinese names (收入) cannot be spelled otherwise: without a font they
show as boxes, and one note on stderr says which glyphs and how to get a font
(instead of matplotlib's warning per glyph and per draw). Any installed Noto /
Source Han CJK family is found (system-wide, or a font file inside a pip-installed package).
"""
from __future__ import annotations

import io
import re
import sys
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import os

import matplotlib

if "inline" not in os.environ.get("MPLBACKEND", ""):  # a Jupyter kernel keeps its inline backend: figures show
    matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from mc.export import check_writable, write_bytes_atomic  # noqa: E402

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Serif CJK SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
             "Droid Sans Fallback", "AR PL UMing CN")  # preferred order, then any family matching CJK_PATTERN
CJK_PATTERN = re.compile(r"CJK|Source Han|Noto (Sans|Serif) (SC|TC|HK|JP|KR)\b|Sarasa|WenQuanYi|Han ?Sans|"
                         r"Han ?Serif|YaHei|SimHei|SimSun|PingFang|Heiti|Songti|Droid Sans Fallback|AR PL",
                         re.IGNORECASE)
CJK_FILE_PATTERN = re.compile(r"(cjk|sourcehan|source-han|notosans(sc|tc|jp|kr)|notoserif(sc|tc|jp|kr)|wqy|sarasa)"
                              r"[^/]*\.(otf|ttf|ttc)$", re.IGNORECASE)
_FONT_PACKAGE_HINTS = ("font", "cjk", "noto", "han", "ttf", "otf")
_ASCII_UNITS = (("万亿", "1e12 "), ("亿元", "1e8 CNY"), ("万元", "1e4 CNY"), ("亿 ", "1e8 "), ("万 ", "1e4 "),
                ("元", "CNY"))


def _pick_cjk(names) -> str | None:
    """The preferred CJK family among `names`: a known Simplified Chinese one first, then any CJK-looking name."""
    names = set(names)
    known = next((name for name in CJK_FONTS if name in names), None)
    return known or next((name for name in sorted(names) if CJK_PATTERN.search(name)), None)


def _packaged_font_files() -> list[Path]:
    """CJK font files inside installed Python packages (fonts installed with pip, which matplotlib does not scan).

    Only top-level package folders whose names hint at fonts are walked, so this stays cheap.
    """
    found = []
    for entry in map(Path, sys.path):
        if not entry.is_dir() or entry.name not in ("site-packages", "dist-packages"):
            continue
        for item in entry.iterdir():
            if item.is_file() and CJK_FILE_PATTERN.search(item.name):  # some packages drop the file at the top
                found.append(item)
            elif item.is_dir() and any(hint in item.name.lower() for hint in _FONT_PACKAGE_HINTS):
                found += [f for f in item.rglob("*") if CJK_FILE_PATTERN.search(f.name)]
    return sorted(found)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """An installed font family that has Chinese glyphs, or None.

    Looks at every family matplotlib knows (system fonts: any Noto / Source Han CJK family, WenQuanYi, ...),
    then at font files shipped inside installed Python packages, which it registers with matplotlib.
    """
    found = _pick_cjk(f.name for f in font_manager.fontManager.ttflist)
    if found:
        return found
    added = []
    for path in _packaged_font_files():
        try:
            font_manager.fontManager.addfont(str(path))
            added.append(font_manager.FontProperties(fname=str(path)).get_name())
        except (OSError, RuntimeError, ValueError):  # an unreadable or unsupported file: skip it
            continue
    return _pick_cjk(added) or (added[0] if added else None)


@contextmanager
def font_context():
    """A matplotlib rc context that falls back to the CJK font for Chinese glyphs, when one is installed;
    glyphs no font has are gathered into one note (:func:`missing_glyphs_noted`)."""
    font = cjk_font()
    with plt.rc_context({"font.family": ["DejaVu Sans", font]} if font else {}), missing_glyphs_noted():
        yield


_GLYPH_WARNING = re.compile(r"^Glyph (\d+) .*missing from font")
_glyphs_noted: set[str] = set()  # glyphs already named in a note, once per process


@contextmanager
def missing_glyphs_noted():
    """Run a block of figure drawing; matplotlib's "Glyph ... missing from font" warnings (one per glyph and
    draw) become one line on stderr naming the glyphs; any other warning passes on unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    glyphs = []
    for w in caught:
        match = _GLYPH_WARNING.match(str(w.message))
        if match is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif chr(int(match.group(1))) not in _glyphs_noted:
            glyphs.append(chr(int(match.group(1))))
    if glyphs:
        _glyphs_noted.update(glyphs)
        print(f"mc: note: no installed font draws {''.join(dict.fromkeys(glyphs))}, so figures show boxes "
              "for them; install a CJK font (Debian: fonts-noto-cjk) to see Chinese names", file=sys.stderr)


def unit_label(unit: str, cjk: bool | None = None) -> str:
    """`unit` as printed on a figure: Chinese if a CJK font is installed, else base-unit words.

    >>> unit_label("亿元/yr", cjk=False)
    '1e8 CNY/yr'
    """
    if cjk is None:
        cjk = cjk_font() is not None
    if cjk:
        return unit
    for chinese, ascii_ in _ASCII_UNITS:
        unit = unit.replace(chinese, ascii_)
    return unit.replace("  ", " ")


def plain_number(value: float, _pos=None) -> str:
    """A tick label as a plain number with thousands separators: no offset text, no 1e5 exponents.

    >>> plain_number(-12500.0), plain_number(0.25)
    ('-12,500', '0.25')
    """
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def save_png(fig, path: str | Path, *, force: bool = False, dpi: int = 110) -> Path:
    """Write `fig` as a PNG atomically (no partial file; no overwrite without `force`) and close it."""
    check_writable(path, force=force)  # before rendering: a refused path costs nothing
    buffer = io.BytesIO()
    try:
        with missing_glyphs_noted():
            fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return write_bytes_atomic(buffer.getvalue(), path, force=force)
