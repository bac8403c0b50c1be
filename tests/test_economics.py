"""Properties of the report's model file, models/guosen_2024.toml (hypothesis): linearity, inverses, bounds."""
import numpy as np
from hypothesis import given, settings, strategies as st

from mc.model import load_model

MODEL = load_model("guosen_2024")
INPUTS, evaluate = MODEL.inputs, MODEL.evaluate

BASE = {"tokens_per_day": 1e14, "active_params": 1.1e11, "peak_to_avg": 3.0, "gpu_tflops": 1979.0,
        "utilization": 0.45, "price_cny_per_m_tokens": 1.5, "paid_share": 0.4, "gpu_price_cny": 15e4,
        "depreciation_years": 6.0}

positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
share = st.floats(min_value=1e-3, max_value=1.0)


def _eval(**changes):
    return evaluate({**BASE, **changes})


@settings(derandomize=True)
@given(k=positive)
def test_revenue_linear_in_tokens_price_and_share(k):
    base = _eval()["revenue_cny_per_year"]
    for name in ("tokens_per_day", "price_cny_per_m_tokens"):
        assert np.isclose(_eval(**{name: BASE[name] * k})["revenue_cny_per_year"], k * base, rtol=1e-12)
    s = min(0.4 * k, 1.0)
    assert np.isclose(_eval(paid_share=s)["revenue_cny_per_year"], base * s / 0.4, rtol=1e-12)


@settings(derandomize=True)
@given(k=positive, u=share)
def test_gpus_linear_in_tokens_and_params_inverse_in_utilization(k, u):
    base = _eval()["gpus"]
    assert np.isclose(_eval(tokens_per_day=1e14 * k)["gpus"], k * base, rtol=1e-12)
    assert np.isclose(_eval(active_params=1.1e11 * k)["gpus"], k * base, rtol=1e-12)
    assert np.isclose(_eval(utilization=u)["gpus"], base * 0.45 / u, rtol=1e-12)


@given(tokens=st.floats(min_value=1e9, max_value=1e17), price=positive, paid=share, util=share,
       peak=st.floats(min_value=1.0, max_value=10.0), dep=st.floats(min_value=0.5, max_value=20.0))
@settings(max_examples=200, derandomize=True)
def test_margin_never_above_one_and_volume_free(tokens, price, paid, util, peak, dep):
    x = dict(price_cny_per_m_tokens=price, paid_share=paid, utilization=util, peak_to_avg=peak,
             depreciation_years=dep)
    m = _eval(tokens_per_day=tokens, **x)["margin"]
    assert m <= 1.0
    # revenue and capex are both linear in volume, so margin does not depend on it
    assert np.isclose(m, _eval(tokens_per_day=1e14, **x)["margin"], rtol=1e-9, atol=1e-12)


def test_vectorised_over_draws():
    n = 1000
    rng = np.random.default_rng(0)
    arrays = {k: np.full(n, v) for k, v in BASE.items()}
    arrays["paid_share"] = rng.uniform(0.1, 0.9, n)
    out = evaluate(arrays)
    assert all(out[k].shape == (n,) for k in out)
    np.testing.assert_allclose(out["revenue_cny_per_year"], 1e14 / 1e6 * 1.5 * arrays["paid_share"] * 365)


def test_every_input_has_a_unit_and_domain():
    for q in INPUTS.values():
        assert q.unit and q.domain_text()
    assert INPUTS["paid_share"].admits(1.0) and not INPUTS["paid_share"].admits(0.0)
