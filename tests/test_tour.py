"""The README's tour is what the commands print: scripts/tour.py reruns the fast, deterministic blocks
(same seed, the versions in constraints.txt) and the README must match them line for line."""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _tour():
    spec = importlib.util.spec_from_file_location("tour", ROOT / "scripts" / "tour.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["tour"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


tour = _tour()
BLOCKS = tour.blocks_in(README.read_text(encoding="utf-8"))
QUICK = ["reproduce", "reproduce-video", "reproduce-provider", "run"]  # a few seconds each
SLOWER = ["stress"]  # 9 scenarios x 100,000 draws


def test_every_marked_block_is_known_and_every_fast_block_is_marked():
    assert set(BLOCKS) <= set(tour.TOUR)
    assert {name for name, block in tour.TOUR.items() if block.fast} <= set(BLOCKS)
    assert set(QUICK + SLOWER) == {name for name, block in tour.TOUR.items() if block.fast}


def test_rewrite_replaces_only_the_named_block():
    text = ("intro\n<!-- tour: run -->\n```text\nold run\n```\n<!-- /tour -->\nmiddle\n"
            "<!-- tour: stress -->\n```text\nold stress\n```\n<!-- /tour -->\nend\n")
    new = tour.rewrite(text, {"run": "$ mc run\nnew\n"})
    assert tour.blocks_in(new) == {"run": "$ mc run\nnew\n", "stress": "old stress\n"}
    assert new.startswith("intro\n") and "middle\n" in new and new.endswith("end\n")


def test_the_readme_commands_use_the_constraints_file_and_ci_runs_the_test_command():
    first_two = README.read_text(encoding="utf-8").split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert all("-c constraints.txt" in line for line in first_two)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == first_two[1]  # CI runs exactly the README's test command
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned = {line.split("==")[0] for line in pins if "==" in line}
    assert {"numpy", "scipy", "pymc", "pytensor", "arviz", "pandas", "matplotlib", "pytest"} <= pinned


def test_block_headers_print_paths_relative_to_the_working_directory():
    for name in QUICK + SLOWER:
        assert str(ROOT) not in BLOCKS[name], name


def test_no_block_prints_an_absolute_path():
    assert not [name for name, body in BLOCKS.items() if str(ROOT) in body or "/work/" in body]


@pytest.mark.parametrize("name", QUICK)
def test_readme_block_matches_a_fresh_run(name):
    assert tour.render(tour.TOUR[name]) == BLOCKS[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOWER)
def test_readme_block_matches_a_fresh_run_slow(name):
    assert tour.render(tour.TOUR[name]) == BLOCKS[name]
