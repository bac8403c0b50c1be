"""Sensitivity on models with one uncertain input, or none: rank correlations as scipy's, a clear refusal."""
import json

import numpy as np
import pytest
from scipy import stats

from mc.priors import load_priors
from mc.results import simulate
from mc.sensitivity import rank_correlations, sobol_indices


def _files(tmp_path, assumptions: dict) -> str:
    """A model y = x1 + x2**2 (z = 2 * x1) and a priors file giving `assumptions` (TOML bodies by input)."""
    (tmp_path / "m.toml").write_text(
        '[model]\nname = "few"\ndescription = "d"\nsource = "s"\n'
        + "".join(f'[inputs.{n}]\nunit = "dimensionless"\ndomain = "(-inf, inf)"\ndescription = "d"\n'
                  for n in ("x1", "x2"))
        + '[outputs.y]\nformula = "x1 + x2 ** 2"\nunit = "dimensionless"\n'
        + '[outputs.z]\nformula = "2 * x1"\nunit = "dimensionless"\n')
    (tmp_path / "p.toml").write_text(
        '[meta]\nmodel = "m.toml"\nname = "few"\ndescription = "d"\n'
        + "".join(f'[assumptions.{n}]\n{body}\nunit = "dimensionless"\nsource = "s"\n' for n, body in assumptions.items()))
    return str(tmp_path / "p.toml")


UNIFORM, FIXED = 'family = "uniform"\nlow = 0\nhigh = 1', 'family = "fixed"\nvalue = 0.5'


@pytest.mark.parametrize("x1, x2, pairs", [(UNIFORM, UNIFORM, 4), (UNIFORM, FIXED, 2), (FIXED, UNIFORM, 1)])
def test_rank_correlations_equal_scipy_for_one_or_two_inputs(tmp_path, x1, x2, pairs):
    priors = load_priors(_files(tmp_path, {"x1": x1, "x2": x2}))
    results = simulate(priors, 3000, seed=4)
    table = rank_correlations(results, priors).set_index(["input", "output"])["spearman"]
    assert len(table) == pairs  # every uncertain input with every varying output (z = 2 x1 is constant if x1 is)
    for (name, output), rho in table.items():
        assert rho == pytest.approx(stats.spearmanr(results[name], results[output]).statistic, rel=1e-12)


def test_sobol_indices_of_one_input_give_it_everything_and_none_give_an_empty_table(tmp_path):
    one = load_priors(_files(tmp_path, {"x1": UNIFORM, "x2": FIXED}))
    t = sobol_indices(one, "y", n_base=1024, seed=1).table
    # y depends on x1 alone, so S1 = ST = 1; SALib's estimators at N = 1024 are within a few 0.01 of it
    assert list(t["input"]) == ["x1"] and t["S1"].iloc[0] == pytest.approx(1, abs=0.05)
    none = load_priors(_files(tmp_path, {"x1": FIXED, "x2": FIXED}))
    assert sobol_indices(none, "y").table.empty


def test_cli_sensitivity_runs_on_one_input_and_refuses_none(tmp_path, cli):
    one = cli("sensitivity", "--draws", "4000", "--sobol-n", "512", "--json", _files(tmp_path, {"x1": FIXED, "x2": UNIFORM}))
    assert one.returncode == 0, one.stderr  # one input, one varying output: scipy's spearmanr gives a scalar
    rows = json.loads(one.stdout)["rows"]
    assert {r["input"] for r in rows} == {"x2"}
    assert np.isfinite([r["value"] for r in rows if r["measure"] == "spearman"]).all()
    none = cli("sensitivity", "--draws", "4000", _files(tmp_path, {"x1": FIXED, "x2": FIXED}))
    assert none.returncode == 2 and none.stdout == ""
    assert none.stderr.strip().count("\n") == 0 and "every assumption is fixed" in none.stderr


def test_cli_stress_of_another_model_without_scenarios_asks_for_its_own(tmp_path, cli):
    priors = _files(tmp_path, {"x1": UNIFORM, "x2": UNIFORM})
    refused = cli("stress", "--draws", "2000", priors)
    assert refused.returncode == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1
    assert "shipped scenarios" in refused.stderr and "mc stress PRIORS SCENARIO.toml" in refused.stderr
    (tmp_path / "s.toml").write_text('[meta]\nname = "high_x1"\ndescription = "x1 up"\n'
                                     '[assumptions.x1]\nfamily = "fixed"\nvalue = 2\nunit = "dimensionless"\n'
                                     'source = "s"\nwhy = "a test"\n')
    ran = cli("stress", "--draws", "2000", "--json", priors, str(tmp_path / "s.toml"))
    assert ran.returncode == 0, ran.stderr
    assert {r["scenario"] for r in json.loads(ran.stdout)["rows"]} == {"base", "high_x1"}


def test_sobol_indices_of_a_constant_output_are_zero_without_warnings(tmp_path):
    import warnings

    priors = load_priors(_files(tmp_path, {"x1": FIXED, "x2": UNIFORM}))  # z = 2 x1 does not vary
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SALib divides by the output's zero sd
        t = sobol_indices(priors, "z", n_base=256, seed=1).table
    assert list(t["input"]) == ["x2"] and (t[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy() == 0).all()
