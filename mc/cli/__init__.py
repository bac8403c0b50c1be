"""The `mc` command: a thin dispatcher over the subcommand modules.

Each module in COMMAND_MODULES defines ``register(subparsers)``, which adds its
subcommands and sets ``handler`` on them. The modules import nothing heavy at
import time (PyMC is imported inside the growth handlers), so ``mc --help``
stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from mc.errors import InputError

COMMAND_MODULES = ("run", "reproduce", "growth", "risk", "project")


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse hook
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="mc",
        description="Monte Carlo valuation of LLM API revenue, GPU capex and margin.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"mc.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mc.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"mc: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `mc reproduce --json | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("mc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
