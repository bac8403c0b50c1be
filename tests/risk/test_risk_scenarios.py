"""Scenario files, the stress table, common random numbers, and scenario errors through the CLI."""
import numpy as np
import pytest

from mc.errors import InputError
from mc.priors import load_priors
from mc.results import simulate
from mc.scenarios import STRESS_COLUMNS, load_scenario, load_scenarios, shipped_scenarios, stress

from risk_helpers import RISK_FIXTURES

SHIPPED = {"price_war", "low_paid_share", "bf16", "h20_fleet", "utilization_30", "peaky_load",
           "depreciation_4y", "bear"}


def test_shipped_scenarios_load_with_sources_and_reasons():
    assert SHIPPED <= set(shipped_scenarios())
    for s in load_scenarios():
        assert s.changes and s.description
        for a in s.changes:
            assert a.source and s.reasons[a.name]


def test_scenario_values_follow_facts():
    assert load_scenario("bf16").changes[0].distribution.params["value"] == 989
    h20 = {a.name: a for a in load_scenario("h20_fleet").changes}
    assert h20["gpu_tflops"].distribution.params["values"] == [148.0, 296.0]
    assert h20["gpu_price_cny"].distribution.params["mode"] == 110_000
    paid = load_scenario("low_paid_share").changes[0].distribution
    np.testing.assert_allclose(paid.ppf(np.array([0.05, 0.95])), [0.10, 0.20], rtol=1e-6)


def test_note_is_accepted_as_the_reason():
    s = load_scenario(RISK_FIXTURES / "good_note.toml")
    assert s.name == "slow_gpus" and s.reasons["gpu_tflops"] == "BF16 serving"


def test_stress_table_structure():
    base = load_priors()
    scenarios = load_scenarios(["price_war", "bf16"])
    table = stress(base, scenarios, 5_000, seed=1)
    assert list(table.columns) == STRESS_COLUMNS
    assert list(table["scenario"].unique()) == ["base", "price_war", "bf16"]
    base_rows = table[table.scenario == "base"]
    assert np.all(base_rows["change"] == 0) and np.all(base_rows["value"] == base_rows["base_value"])
    per_scenario = table.groupby("scenario").size()
    assert per_scenario.nunique() == 1  # same outputs and statistics for every scenario


def test_common_random_numbers_across_scenarios():
    base = load_priors()
    scenario = load_scenario("price_war")
    plain = simulate(base, 10_000, seed=7)
    stressed = simulate(scenario.apply(base), 10_000, seed=7)
    for name in base.names:
        if name != "price_cny_per_m_tokens":
            np.testing.assert_array_equal(stressed[name].values, plain[name].values)
    # Same lognormal sigma, half the median, same stream: every price draw exactly halves,
    # so revenue halves draw by draw and capex is unchanged.
    np.testing.assert_allclose(stressed["price_cny_per_m_tokens"].values, plain["price_cny_per_m_tokens"].values / 2,
                               rtol=1e-12)
    np.testing.assert_allclose(stressed["revenue_cny_per_year"].values, plain["revenue_cny_per_year"].values / 2,
                               rtol=1e-12)
    np.testing.assert_array_equal(stressed["capex_cny_per_year"].values, plain["capex_cny_per_year"].values)


def test_stress_change_matches_crn_ratio():
    table = stress(load_priors(), load_scenarios(["price_war"]), 20_000, seed=3)
    row = table[(table.scenario == "price_war") & (table.output == "revenue_cny_per_year")
                & (table.statistic == "p50")].iloc[0]
    assert row.change_pct == pytest.approx(-50.0, abs=1e-9)


def test_unknown_scenario_name_is_an_input_error():
    with pytest.raises(InputError, match="no such scenario"):
        load_scenario("price_wat")


BAD = [("unknown_assumption.toml", "unknown assumption"), ("wrong_type.toml", "must be a number"),
       ("bad_parameters.toml", "pert"), ("missing_source.toml", "missing 'source'"),
       ("missing_why.toml", "missing 'why'"), ("not_toml.toml", "not valid TOML"),
       ("no_such_file.toml", "file not found")]


@pytest.mark.parametrize("fixture, problem", BAD)
def test_bad_scenario_files_exit_2_with_one_line(run_mc, tmp_path, fixture, problem):
    out = tmp_path / "stress.csv"
    code, stdout, stderr = run_mc("stress", RISK_FIXTURES / fixture, "--draws", "1000", "--out", out)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0] and fixture in lines[0]
    assert not out.exists() and stdout == ""


def test_unknown_scenario_name_via_cli(run_mc, tmp_path):
    out = tmp_path / "stress.csv"
    code, stdout, stderr = run_mc("stress", "price_war", "nonesuch", "--draws", "1000", "--out", out)
    assert code == 2
    assert stderr.strip().count("\n") == 0 and "nonesuch: no such scenario" in stderr
    assert not out.exists()


def test_stress_progress_reports_each_run_without_changing_numbers():
    priors = load_priors()
    scenarios = load_scenarios(["price_war", "bf16"])
    calls = []
    with_progress = stress(priors, scenarios, 2000, seed=4, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    without = stress(priors, scenarios, 2000, seed=4)
    assert with_progress.equals(without)
