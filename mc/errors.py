"""Errors a user can fix: bad priors, scenario or data files, impossible parameters.

The CLI turns each into one line on stderr and exit code 2; the Python API raises
them so a notebook shows the same message.
"""
from __future__ import annotations


class InputError(ValueError):
    """A problem in a user's input, located by file and field.

    Parameters
    ----------
    source : str
        The file (or other origin, such as ``--tokens-per-day``) the problem is in.
    field : str
        The assumption, column, row or option that is wrong ("" when the whole
        source is wrong, e.g. a TOML syntax error).
    problem : str
        What is wrong, in words a user can act on.
    """

    def __init__(self, source: str, field: str, problem: str):
        self.source = str(source)
        self.field = field
        self.problem = problem
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {problem}")

    def __reduce__(self):  # pickles whole, so an error raised on a Dask worker comes back as itself
        return (type(self), (self.source, self.field, self.problem))


class Terminated(BaseException):
    """A termination signal (SIGTERM, SIGHUP) raised as an exception, so clean-up runs.

    Like KeyboardInterrupt for SIGINT, it derives from BaseException, so
    ``except Exception`` does not swallow it, and every ``finally`` on the way
    out runs (an atomic writer removes its temporary file). The CLI turns it
    into one line on stderr and exit code ``128 + signum`` (143 for SIGTERM).

    Parameters
    ----------
    signum : int
        The signal's number.
    """

    def __init__(self, signum: int):
        self.signum = int(signum)
        super().__init__(signum)
