"""Run the README's tour and rewrite its output blocks, so the README shows what the commands print.

Each output block in README.md sits between two markers::

    <!-- tour: NAME -->
    ```text
    $ mc reproduce
    ...
    ```
    <!-- /tour -->

``NAME`` is a key of :data:`TOUR`, which lists the block's commands. Running::

    python scripts/tour.py                  # rerun every block and rewrite README.md
    python scripts/tour.py reproduce run    # only these blocks
    python scripts/tour.py --check --fast   # exit 1 if a fast block differs from a fresh run

runs each command from the repository root (paths relative to it, the default seed) and writes its output
under a ``$ command`` line. ``tests/test_tour.py`` runs the fast, deterministic blocks and compares.
The tour was made with the versions in constraints.txt; other versions may move the growth numbers.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"<!-- tour: (?P<name>[\w-]+) -->\n```(?P<lang>\w*)\n(?P<body>.*?)```\n<!-- /tour -->", re.S)


@dataclass(frozen=True)
class Command:
    """One command of a block: its words, and which part of its output the README shows."""

    line: str
    tail: int | None = None          # only the last lines (the README says so after the command)
    head: int | None = None          # only the first lines, then "..."
    expect_error: bool = False       # a refusal shown on purpose: stderr, nonzero exit
    writes: tuple[str, ...] = ()     # files the command writes in the repository root, removed before and after

    def shown(self) -> str:
        """The ``$`` line as printed in the README."""
        note = "   (last lines)" if self.tail else ""
        return f"$ {self.line}{note}"


@dataclass(frozen=True)
class Block:
    """A README output block: its commands, and whether the test reruns it (fast and deterministic)."""

    commands: tuple[Command, ...]
    fast: bool = False


def _c(line: str, **kw) -> tuple[Command, ...]:
    return (Command(line, **kw),)


TOUR: dict[str, Block] = {
    "reproduce": Block(_c("mc reproduce"), fast=True),
    "run": Block(_c("mc run"), fast=True),
    "run-date": Block(_c("mc run --date 2026-12-31 --draws 50000")),  # growth fit (nutpie)
    "stress": Block(_c("mc stress"), fast=True),
    "sensitivity": Block(_c("mc sensitivity --plot tornado.png", writes=("tornado.png",))),
    "growth": Block((Command("mc fit"), Command("mc forecast --date 2026-12-31 2027-12-31 2030-12-31"),
                     Command("mc backtest priors/token_usage.csv --until 2024-12-31 --curve gompertz"))),
    "project": Block(_c("mc project")),
    "value": Block(_c("mc value --stress --tornado")),
    "value-exit": Block(_c("mc value --terminal exit --convention end --draws 20000", tail=9)),
    "cluster": Block((Command("mc run --draws 1000000 --cluster local:2"),
                      Command("mc run --draws 1000 --cluster tcp://127.0.0.1:1", expect_error=True))),
    "sweep": Block(_c("mc sweep --grid price_cny_per_m_tokens=0.5:3:6 --scenario price_war --draws 65536 "
                      "--out sweep.csv --plot sweep.png", head=9,
                      writes=("sweep.csv", "sweep.csv.meta.json", "sweep.png"))),
    "reproduce-video": Block(_c("mc reproduce priors/video_generation.toml"), fast=True),
    "reproduce-provider": Block(_c("mc reproduce priors/provider_rental.toml"), fast=True),
}


def run_command(command: Command, cwd: Path = ROOT) -> str:
    """The command's output as the README shows it (stdout; stderr for an expected refusal)."""
    env = dict(os.environ, COLUMNS="200", PYTHONIOENCODING="utf-8")
    env.pop("MC_CLUSTER", None)  # the tour runs in one process unless a command says otherwise
    words = shlex.split(command.line)
    exe = [sys.executable, "-m", "mc", *words[1:]] if words[0] == "mc" else words
    for name in command.writes:
        (cwd / name).unlink(missing_ok=True)
    try:
        res = subprocess.run(exe, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    finally:
        for name in command.writes:
            (cwd / name).unlink(missing_ok=True)
    if command.expect_error != (res.returncode != 0):
        raise RuntimeError(f"{command.line}: exit {res.returncode}\n{res.stderr[-2000:]}")
    text = res.stderr if command.expect_error else res.stdout
    lines = [line.rstrip() for line in text.rstrip("\n").splitlines()]
    if command.tail:
        lines = lines[-command.tail:]
    if command.head and len(lines) > command.head:
        lines = lines[:command.head] + ["..."]
    return "\n".join(lines)


def render(block: Block, cwd: Path = ROOT) -> str:
    """The text inside a block's fence: each command's ``$`` line and output, a blank line between."""
    return "\n\n".join(f"{c.shown()}\n{run_command(c, cwd)}".rstrip() for c in block.commands) + "\n"


def blocks_in(readme: str) -> dict[str, str]:
    """``{name: body}`` of every marked block in the README text."""
    return {m["name"]: m["body"] for m in MARKER.finditer(readme)}


def rewrite(readme: str, bodies: dict[str, str]) -> str:
    """The README text with the named blocks' bodies replaced."""
    def swap(m: re.Match) -> str:
        body = bodies.get(m["name"], m["body"])
        return f"<!-- tour: {m['name']} -->\n```{m['lang']}\n{body}```\n<!-- /tour -->"
    return MARKER.sub(swap, readme)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="blocks to run (default all marked in README.md)")
    p.add_argument("--fast", action="store_true", help="only the fast, deterministic blocks")
    p.add_argument("--check", action="store_true", help="compare with README.md instead of rewriting it")
    args = p.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    present = blocks_in(readme)
    unknown = sorted(set(args.names) - set(TOUR)) + sorted(set(present) - set(TOUR))
    if unknown:
        p.error(f"unknown tour block(s): {', '.join(unknown)} (known: {', '.join(TOUR)})")
    names = [n for n in (args.names or present) if n in present and (TOUR[n].fast or not args.fast)]
    fresh = {}
    for name in names:
        print(f"tour: {name}", file=sys.stderr)
        fresh[name] = render(TOUR[name])
    if args.check:
        stale = [n for n in names if fresh[n] != present[n]]
        for n in stale:
            print(f"README block {n!r} differs from a fresh run", file=sys.stderr)
        return 1 if stale else 0
    README.write_text(rewrite(readme, fresh), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
