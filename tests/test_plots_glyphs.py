"""Chinese names on a machine with no CJK font: one note on stderr instead of a warning per glyph and draw."""
import warnings

import matplotlib.pyplot as plt
import pytest

from mc.plots import style


@pytest.fixture
def no_cjk_font(monkeypatch):
    monkeypatch.setattr(style, "cjk_font", lambda: None)
    monkeypatch.setattr(style, "_glyphs_noted", set())


def _figure(title: str):
    with style.font_context():
        fig, ax = plt.subplots()
        ax.set_title(title)
        fig.tight_layout()
    return fig


def test_missing_glyphs_become_one_note_once(tmp_path, capsys, no_cjk_font):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        style.save_png(_figure("利润 (CNY)"), tmp_path / "a.png")
        style.save_png(_figure("利润 and 收入"), tmp_path / "b.png")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    notes = capsys.readouterr().err.strip().splitlines()
    # the first figure names its two glyphs; the second only the two it adds
    assert len(notes) == 2 and "利润" in notes[0] and "收入" in notes[1] and "利" not in notes[1]
    assert (tmp_path / "a.png").stat().st_size > 0 and (tmp_path / "b.png").stat().st_size > 0


def test_other_warnings_pass_through(no_cjk_font):
    with pytest.warns(RuntimeWarning, match="not about glyphs"):
        with style.missing_glyphs_noted():
            warnings.warn("not about glyphs", RuntimeWarning)


def test_ascii_figures_say_nothing(tmp_path, capsys, no_cjk_font):
    style.save_png(_figure("revenue (1e8 CNY/yr)"), tmp_path / "c.png")
    assert capsys.readouterr().err == ""
