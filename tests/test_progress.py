"""Progress reporting: drawn only on a terminal, never changes the numbers."""
import io

import numpy as np
import pytest

from mc.errors import Terminated
from mc.priors import load_priors
from mc.progress import progress_bar, wants_progress
from mc.results import simulate
from mc.sampling import STREAM_BLOCK


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_on_a_terminal_and_not_when_quiet():
    assert wants_progress(stream=FakeTerminal())
    assert not wants_progress(stream=FakeTerminal(), quiet=True)
    assert not wants_progress(stream=io.StringIO())  # a pipe or a log file


def test_no_terminal_gives_no_callback_and_no_output():
    stream = io.StringIO()
    with progress_bar("test", stream=stream) as progress:
        assert progress is None
    assert stream.getvalue() == ""


def test_bar_is_drawn_on_a_terminal_and_reaches_the_total():
    stream = FakeTerminal()
    with progress_bar("mc run", stream=stream) as progress:
        progress(50, 200)
        progress(200, 200)
    text = stream.getvalue()
    assert "mc run" in text and "200/200" in text and "draws" in text


def test_bar_is_erased_when_the_work_is_terminated():
    """SIGTERM (raised as Terminated by the CLI) passes through, and the bar leaves a clean line behind."""
    stream = FakeTerminal()
    with pytest.raises(Terminated):
        with progress_bar("mc run", stream=stream) as progress:
            progress(10, 100)
            raise Terminated(15)
    last = stream.getvalue().rsplit("\r", 2)[-2]  # the final redraw: blanks over the bar
    assert "mc run" in stream.getvalue() and last.strip() == ""


def test_simulate_reports_cumulative_draws_and_same_numbers():
    priors = load_priors()
    n = 2 * STREAM_BLOCK + 10  # three blocks, the last one short
    calls = []
    with_progress = simulate(priors, n, seed=3, keep_inputs=False, progress=lambda d, t: calls.append((d, t)))
    without = simulate(priors, n, seed=3, keep_inputs=False)
    assert calls == [(STREAM_BLOCK, n), (2 * STREAM_BLOCK, n), (n, n)]
    np.testing.assert_array_equal(with_progress["margin"].values, without["margin"].values)


def test_cli_run_is_quiet_on_stderr_when_not_a_terminal(cli):
    res = cli("run", "--draws", "70000")  # two blocks; stderr is a pipe here
    assert res.returncode == 0 and res.stderr == ""
