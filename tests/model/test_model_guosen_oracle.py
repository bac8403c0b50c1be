"""The report's model file against the hand-written economics it replaced (1f54b9a:mc/economics.py).

The oracle below is a verbatim copy of the old functions (that module is deleted): every output of
models/guosen_2024.toml must equal them to 1e-12 relative on random inputs and at the report's columns.
"""
import numpy as np
import pytest

from mc.model import load_model

# --- oracle: the old mc/economics.py (git show 1f54b9a:mc/economics.py), formulas unchanged -----------
SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365
FLOPS_PER_PARAM_PER_TOKEN = 2
TERA = 1e12
EXA = 1e18
TOKENS_PER_PRICE_UNIT = 1e6


def _tokens_per_s(tokens_per_day):
    return np.divide(tokens_per_day, SECONDS_PER_DAY)


def _required_eflops(tokens_per_day, active_params, peak_to_avg):
    flops = FLOPS_PER_PARAM_PER_TOKEN * np.multiply(active_params, _tokens_per_s(tokens_per_day))
    return flops * peak_to_avg / EXA


def _gpus(required_eflops_, gpu_tflops, utilization):
    return np.multiply(required_eflops_, EXA) / (np.multiply(gpu_tflops, TERA) * utilization)


def _revenue_cny_per_day(tokens_per_day, price_cny_per_m_tokens, paid_share):
    return np.divide(tokens_per_day, TOKENS_PER_PRICE_UNIT) * price_cny_per_m_tokens * paid_share


def _capex_cny_per_year(gpus_, gpu_price_cny, depreciation_years):
    return np.multiply(gpus_, gpu_price_cny) / depreciation_years


def _margin(revenue_cny_per_year_, capex_cny_per_year_):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - np.divide(capex_cny_per_year_, revenue_cny_per_year_)


def old_evaluate(x):
    eflops = _required_eflops(x["tokens_per_day"], x["active_params"], x["peak_to_avg"])
    fleet = _gpus(eflops, x["gpu_tflops"], x["utilization"])
    per_day = _revenue_cny_per_day(x["tokens_per_day"], x["price_cny_per_m_tokens"], x["paid_share"])
    revenue = per_day * DAYS_PER_YEAR
    capex = _capex_cny_per_year(fleet, x["gpu_price_cny"], x["depreciation_years"])
    return {
        "tokens_per_day": np.asarray(x["tokens_per_day"], dtype=float),
        "tokens_per_s": _tokens_per_s(x["tokens_per_day"]),
        "required_eflops": eflops,
        "gpus": fleet,
        "revenue_cny_per_day": per_day,
        "revenue_cny_per_year": revenue,
        "capex_cny_per_year": capex,
        "profit_cny_per_year": revenue - capex,
        "margin": _margin(revenue, capex),
    }
# --- end of oracle ----------------------------------------------------------------------------------

REPORT_POINT = {"tokens_per_day": 1e14, "active_params": 1.1e11, "peak_to_avg": 3.0, "gpu_tflops": 1979.0,
                "utilization": 0.45, "price_cny_per_m_tokens": 1.5, "paid_share": 0.40, "gpu_price_cny": 150000.0,
                "depreciation_years": 6.0}
RTOL = 1e-12


@pytest.fixture(scope="module")
def model():
    return load_model("models/guosen_2024.toml")


def random_inputs(n, seed):
    """Each input over several orders of magnitude inside its domain (log-uniform; shares in (0, 1])."""
    rng = np.random.default_rng(seed)
    log_uniform = lambda lo, hi: np.exp(rng.uniform(np.log(lo), np.log(hi), n))  # noqa: E731
    return {"tokens_per_day": log_uniform(1e9, 1e17), "active_params": log_uniform(1e8, 1e13),
            "peak_to_avg": rng.uniform(1, 10, n), "gpu_tflops": log_uniform(10, 1e4),
            "utilization": rng.uniform(0.01, 1, n), "price_cny_per_m_tokens": log_uniform(0.01, 100),
            "paid_share": rng.uniform(0.01, 1, n), "gpu_price_cny": log_uniform(1e3, 1e7),
            "depreciation_years": rng.uniform(0.5, 15, n)}


def assert_equal_to_oracle(new, old, names):
    for name in names:
        if name == "profit_cny_per_year":
            # a difference of two terms: relative to the terms, as the oracle's own rounding is
            scale = np.maximum(np.abs(old["revenue_cny_per_year"]), np.abs(old["capex_cny_per_year"]))
            assert np.all(np.abs(new[name] - old[name]) <= RTOL * scale), name
        elif name == "margin":
            scale = np.maximum(1.0, np.abs(old["capex_cny_per_year"] / old["revenue_cny_per_year"]))
            assert np.all(np.abs(new[name] - old[name]) <= RTOL * scale), name
        else:
            np.testing.assert_allclose(new[name], old[name], rtol=RTOL, atol=0, err_msg=name)


def test_model_file_has_the_old_inputs_and_outputs(model):
    assert set(model.inputs) == set(REPORT_POINT)
    # the old table also echoed tokens_per_day as an output; the model file keeps it an input only
    assert list(model.outputs) == [n for n in old_evaluate(REPORT_POINT) if n != "tokens_per_day"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_output_equals_the_old_functions_on_random_inputs(model, seed):
    inputs = random_inputs(50_000, seed)
    new, old = model.evaluate(inputs), old_evaluate(inputs)
    assert_equal_to_oracle(new, old, model.outputs)


@pytest.mark.parametrize("tokens_per_day", [1e14, 1e15])
def test_the_report_columns_equal_the_old_functions(model, tokens_per_day):
    point = {**REPORT_POINT, "tokens_per_day": tokens_per_day}
    new = model.point(point)
    old = {k: float(v) for k, v in old_evaluate(point).items()}
    assert_equal_to_oracle({k: np.asarray(v) for k, v in new.items()},
                           {k: np.asarray(v) for k, v in old.items()}, model.outputs)
    # and the report's printed table (seeds/000) at 100万亿: 85.78万 GPUs, 219 and 214.44 亿元/yr
    if tokens_per_day == 1e14:
        assert round(new["gpus"] / 1e4, 2) == 85.78
        assert round(new["revenue_cny_per_year"] / 1e8) == 219
        assert round(new["capex_cny_per_year"] / 1e8, 2) == 214.44


def test_broadcasting_a_scalar_against_arrays_matches_the_oracle(model):
    inputs = {**REPORT_POINT, "tokens_per_day": np.geomspace(1e10, 1e16, 7), "utilization": np.linspace(0.1, 1, 7)}
    new, old = model.evaluate(inputs), old_evaluate(inputs)
    assert all(new[n].shape == (7,) for n in model.outputs)
    assert_equal_to_oracle(new, old, model.outputs)
