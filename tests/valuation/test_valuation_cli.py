"""`mc value` refusals: one line naming the input, exit 2, no traceback, no file; and a small good run."""
from __future__ import annotations

from pathlib import Path

import pytest

import mc.cli
from mc.priors import PRIORS_DIR

SHIPPED = (PRIORS_DIR / "valuation.toml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def value_command(monkeypatch):
    """Register `mc value` while mc/cli/__init__.py does not list it yet (harmless once it does)."""
    if "value" not in mc.cli.COMMAND_MODULES:
        monkeypatch.setattr(mc.cli, "COMMAND_MODULES", (*mc.cli.COMMAND_MODULES, "value"))


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED, old
    path = tmp_path / "valuation.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


BAD = {
    # WACC can fall below g: refused at load, never truncated
    "wacc_below_growth": ("lower = 0.06\nupper = 0.20", "lower = 0.03\nupper = 0.20", "terminal_growth"),
    "negative_multiple": ('family = "lognormal"\np5 = 6.0\np95 = 20.0',
                          'family = "fixed"\nvalue = -2.0', "ev_ebitda_multiple"),
    "tax_rate_one": ('family = "uniform"\nlow = 0.15\nhigh = 0.25', 'family = "fixed"\nvalue = 1.0', "tax_rate"),
    "tax_rate_negative": ('family = "uniform"\nlow = 0.15\nhigh = 0.25', 'family = "uniform"\nlow = -0.1\nhigh = 0.25',
                          "tax_rate"),
    "start_fleet_too_large": ('family = "lognormal"\np5 = 2.0e4\np95 = 1.0e5', 'family = "fixed"\nvalue = 1.0e12',
                              "start_fleet_gpus"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_valuation_input_is_one_line_exit_2_no_file(case, tmp_path, capsys):
    old, new, field = BAD[case]
    path = _variant(tmp_path, old, new)
    if case == "start_fleet_too_large":  # no way to retire it
        path.write_text(path.read_text().replace("retire_excess_start_fleet = true",
                                                 "retire_excess_start_fleet = false"))
    out = tmp_path / "ev.csv"
    code = mc.cli.main(["value", "--valuation", str(path), "--draws", "500", "--out", str(out),
                        "--bridge", str(tmp_path / "b.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("mc: error: ") and "Traceback" not in err
    assert field in err and str(path) in err
    assert not out.exists() and not (tmp_path / "b.png").exists()


def test_good_run_writes_table_and_bridge_and_states_the_convention(tmp_path, capsys):
    out, bridge = tmp_path / "ev.csv", tmp_path / "bridge.png"
    code = mc.cli.main(["value", "--draws", "2000", "--convention", "end", "--out", str(out), "--bridge", str(bridge)])
    text = capsys.readouterr().out
    assert code == 0
    assert "discounting: end-of-year" in text and "P(EV < 0) = " in text and "EV (exit multiple)" in text
    import pandas as pd
    table = pd.read_csv(out)
    assert {"projection", "bridge"} <= set(table["section"])
    assert set(table["convention"]) == {"end"} and set(table["terminal"]) == {"gordon"}
    assert bridge.stat().st_size > 0
