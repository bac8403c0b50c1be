"""The test extras are installed at their declared floors: a broken install fails here instead of
turning into skipped tests (no test in this suite skips on a missing test extra)."""
from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
TEST_EXTRAS = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]["test"]


def test_the_test_extras_are_declared():
    names = {Requirement(r).name for r in TEST_EXTRAS}
    assert {"pytest", "hypothesis", "nbclient", "nbformat", "ipykernel"} <= names


@pytest.mark.parametrize("requirement", TEST_EXTRAS)
def test_each_test_extra_is_installed_at_its_floor(requirement):
    req = Requirement(requirement)
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        pytest.fail(f"{req.name} is a test extra but not installed: pip install -e '.[test]'")
    assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed} does not satisfy {req}"
