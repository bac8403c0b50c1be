"""The `mc` command: a thin dispatcher over the subcommand modules.

Each module in COMMAND_MODULES defines ``register(subparsers)``, which adds its
subcommands and sets ``handler`` on them. The modules import nothing heavy at
import time (PyMC is imported inside the growth handlers), so ``mc --help``
stays fast.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from typing import Iterator

from mc.errors import InputError, Terminated

COMMAND_MODULES = ("run", "reproduce", "growth", "stress", "risk", "project", "value", "sweep")
# which module registers each command, so that `mc run ...` builds only run's parser (a tenth of a second
# less than all of them; tests/cli check that this map matches what the modules register)
COMMAND_MODULE = {"run": "run", "reproduce": "reproduce", "fit": "growth", "forecast": "growth",
                  "backtest": "growth", "stress": "stress", "sensitivity": "risk", "tails": "risk",
                  "goalseek": "risk", "breakeven": "risk", "project": "project", "value": "value", "sweep": "sweep"}


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse hook
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> Parser:
    """The `mc` parser with every command, or with only the module that registers `command`."""
    parser = Parser(
        prog="mc",
        description="Monte Carlo valuation of LLM API revenue, GPU capex and margin.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if command not in COMMAND_MODULE else (COMMAND_MODULE[command],):
        try:
            module = importlib.import_module(f"mc.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mc.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


# Signals handled like SIGINT: raised as an exception so atomic writers clean up, then exit 128 + signum.
TERMINATION_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


_received: list[int] = []  # termination signals received during this main(): a C extension importing when
# the signal lands turns our Terminated into its own ImportError, and the exit must still say terminated


def _raise_terminated(signum, frame):
    for sig in TERMINATION_SIGNALS:  # a second signal must not interrupt the clean-up of the first
        signal.signal(sig, signal.SIG_IGN)
    _received.append(signum)
    raise Terminated(signum)


@contextlib.contextmanager
def termination_as_exception() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`mc.errors.Terminated`; the old handlers come back after.

    Only the main thread can install handlers; elsewhere (a notebook's worker
    thread) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_terminated) for sig in TERMINATION_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    """Run one `mc` command; returns the exit code (0, 2 for bad input, 128 + signal when stopped)."""
    _received.clear()
    with termination_as_exception():
        try:
            return _dispatch(argv)
        except KeyboardInterrupt:
            print("mc: interrupted", file=sys.stderr)
            return 130
        except Terminated as exc:
            return _terminated(exc.signum)
        except Exception:  # whatever a signal's exception became on its way up (e.g. an ImportError)
            if _received:
                return _terminated(_received[0])
            raise


def _terminated(signum: int) -> int:
    print(f"mc: terminated by {signal.Signals(signum).name}", file=sys.stderr)
    return 128 + signum


def _dispatch(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        from mc.cli.common import check_sampling_options
        from mc.process import tune_malloc

        tune_malloc()  # freed block arrays stay mapped for the next block: no page faults per block
        check_sampling_options(args)
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"mc: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # a safety net: commands check --draws against memory before working
        print(f"mc: error: not enough memory ({exc or 'allocation failed'}); use fewer --draws", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `mc reproduce --json | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
