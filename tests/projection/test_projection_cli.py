"""`mc project`: tables, JSON, fan chart, and clean failures on bad input."""
import json

import pandas as pd
import pytest

from mc.cli import main

SMALL = ["--draws", "2000", "--seed", "5"]


def test_bad_projection_priors_exit_2_one_line_no_output(fixtures_dir, tmp_path, capsys):
    out, plot = tmp_path / "table.csv", tmp_path / "fan.png"
    bad = fixtures_dir / "bad" / "power_without_pue.toml"
    code = main(["project", "--projection", str(bad), "--out", str(out), "--plot", str(plot), *SMALL])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(bad) in err and "pue" in err
    assert not out.exists() and not plot.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary files left either


def test_bad_projection_priors_in_a_subprocess_has_no_traceback(cli, fixtures_dir):
    result = cli("project", "--projection", fixtures_dir / "bad" / "toml_syntax.toml", "--draws", "10")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "not valid TOML" in result.stderr


def test_table_plot_and_refusal_to_overwrite(tmp_path, capsys):
    out, plot = tmp_path / "p.csv", tmp_path / "p.png"
    assert main(["project", "--from", "2025", "--to", "2027", "--out", str(out), "--plot", str(plot), *SMALL]) == 0
    screen = capsys.readouterr().out
    assert "NPV at 2025" in screen and "capex_cny" in screen
    table = pd.read_csv(out)
    assert list(table.columns) == ["year", "output", "unit", "statistic", "value", "mc_se"]
    assert set(table["year"].dropna().astype(int)) == {2025, 2026, 2027}
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = out.read_bytes()
    assert main(["project", "--to", "2027", "--out", str(out), *SMALL]) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == before


def test_json_matches_python_api(capsys):
    from mc.priors import load_priors
    from mc.projection import load_projection_priors, project, summarise_projection

    assert main(["project", "--to", "2026", "--json", *SMALL]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["meta"]["n_draws"] == 2000
    api = summarise_projection(project(load_priors(), load_projection_priors(), [2025, 2026], 2000, seed=5))
    row = next(r for r in payload["rows"] if r["output"] == "npv_cny" and r["statistic"] == "p50")
    assert row["year"] is None
    assert row["value"] == pytest.approx(api[(api.output == "npv_cny") & (api.statistic == "p50")]["value"].iloc[0])


@pytest.mark.parametrize("args, words", [
    (["--from", "2030", "--to", "2025"], "before start year"),
    (["--plot", "fan.jpg"], "PNG"),
])
def test_bad_options_fail_before_work(tmp_path, capsys, args, words):
    fixed = [a if a != "fan.jpg" else str(tmp_path / a) for a in args]
    assert main(["project", *fixed, *SMALL]) == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_growth_source_without_the_growth_fit_is_one_clean_error(monkeypatch, capsys):
    import sys
    import types

    monkeypatch.setitem(sys.modules, "mc.growth", types.SimpleNamespace())  # no predictive_paths
    assert main(["project", "--volume-source", "growth", *SMALL]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "growth fit is not available" in err


def test_growth_source_uses_the_fit_paths(monkeypatch, capsys):
    import sys
    import types

    import numpy as np

    base = np.random.default_rng(1).lognormal(31, 0.5, 300)
    fake = types.SimpleNamespace(
        predictive_paths=lambda dates, **kw: np.column_stack([base * 1.5 ** (d.year - 2025) for d in dates]))
    monkeypatch.setitem(sys.modules, "mc.growth", fake)
    assert main(["project", "--date-source", "growth", "--to", "2026", "--json", *SMALL]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["meta"]["volume_source"].startswith("growth fit")
    assert payload["meta"]["volume_path_min_rank_correlation"] == pytest.approx(1.0)
    med = {r["year"]: r["value"] for r in payload["rows"] if r["output"] == "tokens_per_day" and r["statistic"] == "p50"}
    assert med[2026] / med[2025] == pytest.approx(1.5)  # every path grows by the fake fit's 1.5x
