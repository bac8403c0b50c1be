"""constraints-min.txt and constraints.txt agree with pyproject.toml (they cannot drift apart unnoticed)."""
import importlib.util
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("make_constraints", ROOT / "scripts" / "make_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def _dependencies() -> list[Requirement]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return [Requirement(d) for d in tomllib.load(fh)["project"]["dependencies"]]


def test_constraints_min_pins_every_floor_of_pyproject(capsys):
    # regenerate: the committed file must be exactly what `make_constraints.py --floors` prints now
    _script().main(["--floors"])
    assert capsys.readouterr().out == (ROOT / "constraints-min.txt").read_text()
    pins = _pins(ROOT / "constraints-min.txt")
    for req in _dependencies():
        floor = [s.version for s in req.specifier if s.operator == ">="]
        assert pins[re.sub(r"[-_.]+", "-", req.name).lower()] == floor[0], req
        assert Version(floor[0]) in req.specifier  # the floor itself satisfies every bound (e.g. <6)


def test_constraints_pins_satisfy_pyproject():
    pins = _pins(ROOT / "constraints.txt")
    for req in _dependencies():
        version = pins[re.sub(r"[-_.]+", "-", req.name).lower()]
        assert Version(version) in req.specifier, f"constraints.txt pins {req.name}=={version}, pyproject wants {req}"
