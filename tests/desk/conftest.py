"""Fixtures shared by the analyst's-desk tests."""
from __future__ import annotations

import pytest

from mc.cli import main


@pytest.fixture
def assert_refused(capsys):
    """``assert_refused(argv, folder, words)``: `mc ARGV` exits 2 with one stderr line holding `words`
    and writes nothing into `folder` (argparse type and usage errors raise SystemExit; mc's own
    refusals return 2)."""
    def check(argv: list[str], folder, words: str) -> None:
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        err = capsys.readouterr().err
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1
        assert list(folder.iterdir()) == []
    return check
