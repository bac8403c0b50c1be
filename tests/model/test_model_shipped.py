"""The shipped models beyond the report's: each loads, runs, and matches its closed form or source.

- video_generation: the seed's 41万 H100s through mc.report.reproduce;
- provider_rental: DeepSeek's 2025-03-01 figures ($87,072 a day, $562,027 to three figures, 545%);
- doubao_extended: reduces to the report's model when prices are equal and the cache does nothing;
- toy_shop: a coffee shop with no LLM names, through run, breakeven and sensitivity.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from mc.cli import main
from mc.model import load_model
from mc.priors import load_priors
from mc.report import point_values, reproduce

ROOT = Path(__file__).resolve().parents[2]
NEW_MODELS = ("video_generation", "doubao_extended", "provider_rental", "toy_shop")
PRIORS = ("video_generation", "video_generation_base", "doubao_extended", "provider_rental", "toy_shop")


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "models").glob("*.toml")))
def test_every_shipped_model_loads_with_units_and_sources(name):
    model = load_model(ROOT / "models" / f"{name}.toml")
    assert model.name == name and model.outputs and set(model.headline) <= set(model.outputs)
    assert all(c.source for c in model.constants.values()), "every constant names its source"


@pytest.mark.parametrize("name", PRIORS)
def test_every_prior_names_its_model_and_a_source(name):
    priors = load_priors(ROOT / "priors" / f"{name}.toml")
    assert priors.model.name == priors.meta["model"] and priors.model.name in NEW_MODELS
    assert all(priors[n].source for n in priors.names)


@pytest.mark.parametrize("name", PRIORS)
def test_mc_run_on_each_priors_file(name, capsys):
    assert main(["run", str(ROOT / "priors" / f"{name}.toml"), "--draws", "20000", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    model = load_priors(ROOT / "priors" / f"{name}.toml").model
    assert payload["meta"]["model"] == model.name and payload["meta"]["n_draws"] == 20000
    rows = {(r["output"], r["statistic"]): r["value"] for r in payload["rows"]}
    for output in model.outputs:
        assert np.isfinite(rows[(output, "p50")]) and rows[(output, "p5")] <= rows[(output, "p95")]


# --- video generation ------------------------------------------------------------------------------

def test_video_model_reproduces_41_wan_h100s():
    table = reproduce(ROOT / "priors" / "video_generation.toml")
    assert list(table["output"]) == ["gpus"] and table["matches"].all()
    assert table["printed"].iloc[0] == "41" and round(table["mc"].iloc[0]) == 41


def test_video_model_closed_form_and_implied_gpu_seconds():
    priors = load_priors(ROOT / "priors" / "video_generation.toml")
    point = point_values(priors)
    out = priors.model.point(point)
    video_s_per_day = 7e8 * 120 * 0.30  # seeds/003: 7亿 users x 2 minutes x 30%
    assert out["generated_video_s_per_day"] == pytest.approx(video_s_per_day, rel=1e-12)
    gpus = video_s_per_day / 86_400 * 0.626e15 / (989e12 * 0.45)
    assert out["gpus"] == pytest.approx(gpus, rel=1e-12)
    # the compute per video second the seed implies, needing no FLOPS assumption: 41万 GPU-days per day
    assert 410_000 * 86_400 / video_s_per_day == pytest.approx(out["gpu_s_per_video_s"], rel=1e-3)
    assert out["capex_cny_per_year"] == pytest.approx(gpus * 150_000 / 6, rel=1e-12)


def test_video_base_priors_centre_on_the_seed():
    """The base priors' medians, pushed through the model at peak 1, stay within a factor of 2 of 41万."""
    priors = load_priors(ROOT / "priors" / "video_generation_base.toml")
    medians = {n: float(priors[n].distribution.ppf(0.5)) for n in priors.names}
    assert 2e5 < priors.model.point({**medians, "peak_to_avg": 1.0})["gpus"] < 8.2e5


# --- provider rental (DeepSeek, 2025-03-01) --------------------------------------------------------

def test_provider_model_is_under_twenty_lines():
    lines = (ROOT / "models" / "provider_rental.toml").read_text(encoding="utf-8").splitlines()
    assert len([s for s in lines if s.strip() and not s.strip().startswith("#")]) < 20


def test_provider_model_reproduces_deepseek_figures():
    table = reproduce(ROOT / "priors" / "provider_rental.toml")
    assert list(table["output"]) == ["cost_usd_per_day", "revenue_usd_per_day", "cost_profit_margin"]
    assert table["matches"].all()
    base = dict(zip(table["output"], table["mc_base"]))
    assert base["cost_usd_per_day"] == 226.75 * 8 * 2 * 24 == 87_072
    revenue = (608e9 * (0.563 * 0.14 + 0.437 * 0.55) + 168e9 * 2.19) / 1e6
    assert base["revenue_usd_per_day"] == pytest.approx(revenue, rel=1e-12)
    assert abs(base["revenue_usd_per_day"] - 562_027) / 562_027 < 1e-3  # printed figure, from rounded counts
    assert base["cost_profit_margin"] == pytest.approx(revenue / 87_072 - 1, rel=1e-12)


# --- extended Doubao model -------------------------------------------------------------------------

GUOSEN_POINT = {"tokens_per_day": 1e14, "active_params": 1.1e11, "peak_to_avg": 3.0, "gpu_tflops": 1979.0,
                "utilization": 0.45, "paid_share": 0.40, "gpu_price_cny": 150000.0, "depreciation_years": 6.0}


def test_extended_model_reduces_to_the_report_model():
    """One price for every token, a cache that changes nothing: revenue, GPUs and depreciation are the report's."""
    extended, report = load_model("doubao_extended"), load_model("guosen_2024")
    rng = np.random.default_rng(3)
    n = 1000
    shared = {k: v * rng.uniform(0.5, 2, n) if k != "paid_share" else rng.uniform(0.05, 1, n)
              for k, v in GUOSEN_POINT.items()}
    price = rng.uniform(0.1, 10, n)
    ext = extended.evaluate({**shared, "input_share": rng.uniform(0, 1, n), "cache_hit_share": rng.uniform(0, 1, n),
                             "cached_compute_share": 1.0, "price_input_cny_per_m": price,
                             "price_cached_input_cny_per_m": price, "price_output_cny_per_m": price,
                             "power_w_per_gpu": 1000.0, "pue": 1.3, "electricity_cny_per_kwh": 0.6,
                             "other_opex_cny_per_gpu_year": 15000.0})
    rep = report.evaluate({**shared, "price_cny_per_m_tokens": price})
    for name in ("revenue_cny_per_day", "revenue_cny_per_year", "required_eflops", "gpus"):
        np.testing.assert_allclose(ext[name], rep[name], rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(ext["depreciation_cny_per_year"], rep["capex_cny_per_year"], rtol=1e-12)
    power = rep["gpus"] * 1000 * 1.3 / 1000 * 8760 * 0.6  # W x PUE -> kW, x hours a year x 元/kWh
    np.testing.assert_allclose(ext["power_cny_per_year"], power, rtol=1e-12)
    total = rep["capex_cny_per_year"] + power + rep["gpus"] * 15000
    np.testing.assert_allclose(ext["total_cost_cny_per_year"], total, rtol=1e-12)
    np.testing.assert_allclose(ext["operating_margin"], 1 - total / rep["revenue_cny_per_year"], rtol=1e-9)


def test_extended_model_prices_cache_hits_lower_and_computes_less():
    model = load_model("doubao_extended")
    base = {**GUOSEN_POINT, "input_share": 0.8, "cache_hit_share": 0.0, "cached_compute_share": 0.1,
            "price_input_cny_per_m": 0.8, "price_cached_input_cny_per_m": 0.16, "price_output_cny_per_m": 2.0,
            "power_w_per_gpu": 1000.0, "pue": 1.3, "electricity_cny_per_kwh": 0.6, "other_opex_cny_per_gpu_year": 1e4}
    cold, warm = model.point(base), model.point({**base, "cache_hit_share": 0.5})
    # half of the 80万亿 input tokens move from 0.8 to 0.16 元/M, paid 40%: 40e12/1e6 * 0.64 * 0.4 元 a day less
    assert cold["revenue_cny_per_day"] - warm["revenue_cny_per_day"] == pytest.approx(40e12 / 1e6 * 0.64 * 0.4)
    # and those 40万亿 tokens need a tenth of the compute: 100 -> 64万亿 fresh-token equivalents
    assert warm["gpus"] / cold["gpus"] == pytest.approx(0.64, rel=1e-12)


# --- the coffee shop: nothing about LLMs --------------------------------------------------------------

def test_toy_shop_has_none_of_the_report_names():
    model = load_model("toy_shop")
    report = load_model("guosen_2024")
    names = set(model.inputs) | set(model.outputs)
    assert not names & (set(report.inputs) | set(report.outputs))
    assert not any(word in n for n in names for word in ("token", "gpu", "flop", "param"))
    assert model.volume_input is None


def test_toy_shop_closed_form_with_tax_only_on_profit():
    model = load_model("toy_shop")
    shop = {"cups_per_day": 250.0, "price_cny_per_cup": 25.0, "ingredients_cny_per_cup": 6.0,
            "open_days_per_year": 350.0, "rent_cny_per_month": 25000.0, "staff_cny_per_month": 40000.0,
            "tax_rate": 0.25}
    out = model.point(shop)
    pretax = 250 * 350 * (25 - 6) - 65000 * 12
    assert out["pretax_profit_cny_per_year"] == pytest.approx(pretax, rel=1e-12)
    assert out["net_profit_cny_per_year"] == pytest.approx(0.75 * pretax, rel=1e-12)
    assert out["breakeven_cups_per_day"] == pytest.approx(65000 * 12 / (350 * 19), rel=1e-12)
    losing = model.point({**shop, "cups_per_day": 50.0})
    assert losing["net_profit_cny_per_year"] == losing["pretax_profit_cny_per_year"] < 0  # no tax on a loss


def test_toy_shop_breakeven_matches_the_closed_form(capsys):
    assert main(["breakeven", str(ROOT / "priors" / "toy_shop.toml"), "--json"]) == 0
    rows = {r["input"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    point = {n: r["point_value"] for n, r in rows.items()}
    fixed = (point["rent_cny_per_month"] + point["staff_cny_per_month"]) * 12
    price = point["ingredients_cny_per_cup"] + fixed / (point["cups_per_day"] * point["open_days_per_year"])
    assert rows["price_cny_per_cup"]["breakeven_value"] == pytest.approx(price, rel=1e-8)
    cups = fixed / (point["open_days_per_year"] * (point["price_cny_per_cup"] - point["ingredients_cny_per_cup"]))
    assert rows["cups_per_day"]["breakeven_value"] == pytest.approx(cups, rel=1e-8)


ANALYSES = [("toy_shop", ["sensitivity"]), ("toy_shop", ["tails"]),
            ("toy_shop", ["goalseek", "--assumption", "price_cny_per_cup"]),
            ("doubao_extended", ["sensitivity"]), ("doubao_extended", ["tails"]),
            ("doubao_extended", ["goalseek", "--assumption", "price_output_cny_per_m"])]


@pytest.mark.parametrize("priors, command", ANALYSES)
def test_analysis_commands_run_on_the_extended_model_and_the_coffee_shop(priors, command, capsys):
    assert main([*command, str(ROOT / "priors" / f"{priors}.toml"), "--draws", "4000", "--json"]) == 0
    text = capsys.readouterr().out
    json.loads(text)
    key = load_model(priors).key_output  # net_margin, operating_margin: each command analyses it by default
    assert key in text or command[0] == "goalseek" and command[-1] in text
    if priors == "toy_shop":
        assert "token" not in text.lower() and "gpu" not in text.lower()


def test_breakeven_runs_on_the_extended_model(capsys):
    assert main(["breakeven", str(ROOT / "priors" / "doubao_extended.toml"), "--json"]) == 0
    rows = {r["input"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert set(rows) == set(load_model("doubao_extended").inputs)
    row = rows["price_output_cny_per_m"]  # the operating margin rises with the output price
    assert row["above_target_when"] == "above breakeven" and row["feasible"]
    point = {n: r["point_value"] for n, r in rows.items()}
    at_breakeven = load_model("doubao_extended").point({**point, "price_output_cny_per_m": row["breakeven_value"]})
    assert abs(at_breakeven["operating_margin"]) < 1e-8


def test_stress_on_the_coffee_shop_changes_only_what_the_scenario_touches(tmp_path, capsys):
    scenario = tmp_path / "rent_up.toml"
    scenario.write_text('[meta]\nname = "rent_up"\ndescription = "rent doubles"\n\n'
                        '[assumptions.rent_cny_per_month]\nfamily = "fixed"\nvalue = 50000\nunit = "CNY/month"\n'
                        'source = "test"\nwhy = "the landlord"\n')
    assert main(["stress", "--priors", str(ROOT / "priors" / "toy_shop.toml"), str(scenario),
                 "--draws", "4000", "--json"]) == 0
    rows = {(r["scenario"], r["output"], r["statistic"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    # common random numbers: sales do not read the rent, so every draw and statistic is unchanged
    for stat in ("p5", "p50", "p95", "mean"):
        assert rows[("rent_up", "sales_cny_per_year", stat)]["change"] == 0.0
    # rent fixed at 50000 a month, above the base's 90% range (15000-40000): fixed costs rise, profit falls
    for stat in ("p5", "p50", "p95"):
        assert rows[("rent_up", "fixed_cny_per_year", stat)]["change"] > 0
        assert rows[("rent_up", "net_profit_cny_per_year", stat)]["change"] < 0
