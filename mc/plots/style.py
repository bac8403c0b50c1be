"""What every figure shares: the Agg backend, Chinese units when a font can draw them, atomic PNGs.

No CJK font ships with a plain Debian or CI machine, so a unit such as 亿元 is
spelled in base units ("1e8 CNY") unless an installed font has the glyphs;
a figure never shows empty boxes.
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from mc.export import check_writable, write_bytes_atomic  # noqa: E402

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback", "AR PL UMing CN")
_ASCII_UNITS = (("万亿", "1e12 "), ("亿元", "1e8 CNY"), ("万元", "1e4 CNY"), ("亿 ", "1e8 "), ("万 ", "1e4 "),
                ("元", "CNY"))


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """An installed font that has Chinese glyphs, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def font_context():
    """A matplotlib rc context that falls back to the CJK font for Chinese glyphs, when one is installed."""
    font = cjk_font()
    return plt.rc_context({"font.family": ["DejaVu Sans", font]} if font else {})


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


def save_png(fig, path: str | Path, *, force: bool = False, dpi: int = 110) -> Path:
    """Write `fig` as a PNG atomically (no partial file; no overwrite without `force`) and close it."""
    check_writable(path, force=force)  # before rendering: a refused path costs nothing
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return write_bytes_atomic(buffer.getvalue(), path, force=force)
