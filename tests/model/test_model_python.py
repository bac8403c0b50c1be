"""A Python function as a model: evaluate, unit check on pint quantities, and the engine on its priors."""
import numpy as np
import pytest
from scipy import stats

from mc.errors import InputError
from mc.model import python_model
from mc.priors import priors_from_dict
from mc.results import simulate, summarise

INPUTS = {"flour_kg_per_day": {"unit": "kg/day", "domain": "(0, inf)"},
          "bread_price_cny_per_kg": "CNY/kg",
          "flour_cost_cny_per_kg": "CNY/kg",
          "rent_cny_per_day": "CNY/day"}


def bakery(flour_kg_per_day, bread_price_cny_per_kg, flour_cost_cny_per_kg, rent_cny_per_day):
    """A bakery's day: bread from flour at a margin per kilogram, less rent (works on pint quantities)."""
    gross = flour_kg_per_day * (bread_price_cny_per_kg - flour_cost_cny_per_kg)
    return {"gross_cny_per_day": gross, "profit_cny_per_day": gross - rent_cny_per_day,
            "rent_share": rent_cny_per_day / gross}


OUTPUTS = {"gross_cny_per_day": "CNY/day", "profit_cny_per_day": "CNY/day", "rent_share": "dimensionless"}


def test_evaluate_equals_the_function_and_broadcasts():
    model = python_model(bakery, INPUTS, OUTPUTS)
    assert model.units_checked and list(model.inputs) == list(INPUTS) and list(model.outputs) == list(OUTPUTS)
    flour = np.array([10.0, 20.0, 40.0])
    out = model.evaluate({"flour_kg_per_day": flour, "bread_price_cny_per_kg": 30.0,
                          "flour_cost_cny_per_kg": 6.0, "rent_cny_per_day": 300.0})
    np.testing.assert_array_equal(out["gross_cny_per_day"], flour * 24.0)
    np.testing.assert_array_equal(out["profit_cny_per_day"], flour * 24.0 - 300.0)
    np.testing.assert_allclose(out["rent_share"], 300.0 / (flour * 24.0), rtol=1e-15)
    assert model.inputs["flour_kg_per_day"].low == 0.0 and not model.inputs["flour_kg_per_day"].admits(0.0)


def test_a_wrong_declared_unit_is_refused():
    wrong = {**OUTPUTS, "profit_cny_per_day": "CNY/year"}  # the function returns CNY/day
    with pytest.raises(InputError, match="declared in") as caught:
        python_model(bakery, INPUTS, wrong, name="bakery")
    assert caught.value.field == "outputs.profit_cny_per_day" and caught.value.source == "python:bakery"


def test_a_dimension_error_is_refused_too():
    with pytest.raises(InputError) as caught:
        python_model(bakery, INPUTS, {**OUTPUTS, "rent_share": "CNY"})
    assert caught.value.field == "outputs.rent_share"


def test_a_function_that_refuses_quantities_is_left_unchecked():
    def plain(flour_kg_per_day, bread_price_cny_per_kg, flour_cost_cny_per_kg, rent_cny_per_day):
        if not isinstance(flour_kg_per_day, np.ndarray):
            raise TypeError("plain arrays only")
        return bakery(flour_kg_per_day, bread_price_cny_per_kg, flour_cost_cny_per_kg, rent_cny_per_day)

    wrong = {**OUTPUTS, "profit_cny_per_day": "CNY/year"}
    model = python_model(plain, INPUTS, wrong)  # cannot be checked: accepted, and flagged as unchecked
    assert model.units_checked is False
    assert model.point({"flour_kg_per_day": 10, "bread_price_cny_per_kg": 30, "flour_cost_cny_per_kg": 6,
                        "rent_cny_per_day": 300})["profit_cny_per_day"] == -60.0


PRIORS = {
    "meta": {"name": "bakery"},
    "assumptions": {
        "flour_kg_per_day": {"family": "normal", "mean": 50.0, "sd": 5.0, "lower": 0.0, "unit": "kg/day",
                             "source": "test: truncated at 0, ten sd below the mean (no visible change)"},
        "bread_price_cny_per_kg": {"family": "fixed", "value": 30.0, "source": "test"},
        "flour_cost_cny_per_kg": {"family": "fixed", "value": 6.0, "source": "test"},
        "rent_cny_per_day": {"family": "uniform", "low": 800.0, "high": 1200.0, "source": "test"},
    },
}


def test_simulate_and_summarise_on_its_priors():
    model = python_model(bakery, INPUTS, OUTPUTS, name="bakery")
    priors = priors_from_dict(PRIORS, model=model)
    assert priors.model is model and priors.names == tuple(INPUTS)
    n = 200_000
    results = simulate(priors, n, seed=11)
    assert results.attrs["model"] == "bakery" and results["profit_cny_per_day"].attrs["unit"] == "CNY/day"
    table = summarise(results).set_index(["output", "statistic"])
    # closed forms: gross = 24 x N(50, 5) = N(1200, 120); profit = gross - U(800, 1200), mean 200,
    # sd sqrt(120^2 + 400^2 / 12). Tolerances: 5 Monte Carlo standard errors (sd / sqrt(n) for the mean).
    sd_profit = np.sqrt(120.0**2 + 400.0**2 / 12)
    mean = table.loc[("profit_cny_per_day", "mean")]
    assert abs(mean["value"] - 200.0) < 5 * sd_profit / np.sqrt(n)
    assert mean["mc_se"] == pytest.approx(sd_profit / np.sqrt(n), rel=0.05)
    p50 = table.loc[("gross_cny_per_day", "p50"), "value"]
    assert abs(p50 - 1200.0) < 5 * 120.0 * np.sqrt(np.pi / 2) / np.sqrt(n)  # s.e. of a normal median
    assert table.loc[("gross_cny_per_day", "sd"), "value"] == pytest.approx(120.0, rel=0.01)
    p_negative = stats.norm.cdf(0, 200.0, sd_profit)  # normal approximation is loose: compare to 0.01 absolute
    assert table.loc[("profit_cny_per_day", "p_negative"), "value"] == pytest.approx(p_negative, abs=0.01)


def test_priors_for_a_python_model_refuse_an_input_it_lacks():
    data = {**PRIORS, "assumptions": {**PRIORS["assumptions"], "tokens_per_day": {"family": "fixed", "value": 1}}}
    with pytest.raises(InputError, match="no such input"):
        priors_from_dict(data, model=python_model(bakery, INPUTS, OUTPUTS))


@pytest.mark.parametrize("returned, words", [
    (lambda x: None, "returned NoneType, not a mapping"),
    (lambda x: x, "returned ndarray, not a mapping"),
    (lambda x: {"y": x + 1j}, "returned complex128 values, not real numbers"),  # would drop the imaginary part
    (lambda x: {"y": np.array(["a"] * np.size(x))}, "values, not real numbers"),
    (lambda x: {"y": [None] * np.size(x)}, "returned object values, not real numbers"),
])
def test_a_function_returning_something_else_is_refused_by_name(returned, words):
    model = python_model(returned, inputs={"x": "dimensionless"}, outputs={"y": "dimensionless"}, name="odd",
                         check_units=False)
    with pytest.raises(InputError, match=words):
        model.evaluate({"x": np.linspace(0.1, 1, 7)})


def test_finite_outputs_whose_sum_overflows_run_without_a_warning():
    import warnings

    model = python_model(lambda x: {"y": x * 1e308}, inputs={"x": "dimensionless"}, outputs={"y": "dimensionless"},
                         name="huge", check_units=False)
    priors = priors_from_dict({"assumptions": {"x": {"family": "uniform", "low": 0.5, "high": 1}}}, model=model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fast finiteness check sums the block: 65,536 values near 1e308
        results = simulate(priors, 5000, seed=2)
    assert np.isfinite(results["y"].values).all() and results["y"].values.max() <= 1e308


def test_a_nonfinite_output_lists_its_inputs_in_declared_order():
    from mc.model.core import nonfinite_error

    names = [f"x{k}" for k in (7, 3, 11, 0, 5, 9, 1, 10, 4, 8, 2, 6)]  # 12! orders: a set's would not match
    model = python_model(lambda **x: {"y": np.prod(list(x.values()), axis=0) * np.inf},
                         inputs={n: "dimensionless" for n in names}, outputs={"y": "dimensionless"}, name="order",
                         check_units=False)
    inputs = {n: np.full(3, 2.0) for n in names}
    error = nonfinite_error(model, inputs, model.evaluate(inputs), "here")
    listed = str(error).split("its inputs there: ")[1]
    assert [item.split("=")[0] for item in listed.split(", ")] == names
