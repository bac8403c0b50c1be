"""The one-pass band on awkward outputs: heavy tails, atoms, huge values, rare spikes, extreme percentiles.

Whatever the band does (hold every needed bin, miss and redraw), the streamed table must be the
in-memory one bit for bit; these outputs are built to stress both.
"""
import numpy as np
import pytest

from mc.model import python_model
from mc.priors import priors_from_dict
from mc.results import simulate, summarise
from mc.sampling import STREAM_BLOCK
from mc.streaming import summarise_streaming

N = 5 * STREAM_BLOCK + 321
INPUTS = {"a": "dimensionless", "b": "dimensionless", "k": "dimensionless"}
OUTPUTS = {"ratio": "dimensionless", "atoms": "dimensionless", "holes": "dimensionless",
           "spike": "dimensionless", "shifted": "dimensionless"}


def awkward(a, b, k):
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"ratio": a / (b - 0.5),  # Cauchy-like tails, signs either way
                "atoms": np.floor(k) + 0 * a,  # three values only: ties across bins
                "holes": np.log(b + 1e-300) / (a - 0.5),  # huge near a = 0.5, both signs (NaN and inf are refused)
                "spike": np.where(a > 0.99999, 1e50, 0.0) + 0 * b,  # constant but for a few huge values
                "shifted": np.where(k > 2.5, a + 1e6, a)}  # two far-apart clusters


@pytest.fixture(scope="module")
def priors():
    model = python_model(awkward, INPUTS, OUTPUTS, name="awkward")
    return priors_from_dict({"assumptions": {
        "a": {"family": "uniform", "low": 0.0, "high": 1.0, "unit": "dimensionless"},
        "b": {"family": "beta", "alpha": 0.5, "beta": 0.5, "unit": "dimensionless"},
        "k": {"family": "choice", "values": [0.5, 1.5, 2.9], "weights": [0.2, 0.5, 0.3], "unit": "dimensionless"},
    }}, model=model)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
@pytest.mark.parametrize("percentiles", [(1, 5, 10, 25, 50, 75, 90, 95, 99), (0.1, 50, 99.9)])
def test_streamed_table_equals_in_memory_on_awkward_outputs(priors, method, percentiles):
    expected = summarise(simulate(priors, N, seed=11, method=method, keep_inputs=False), percentiles=percentiles)
    for workers in (1, 2):
        got = summarise_streaming(priors, N, seed=11, method=method, workers=workers, percentiles=percentiles)
        assert got.equals(expected), (method, workers)


@pytest.mark.parametrize("n", [1, 2, 3, 17, STREAM_BLOCK - 1, STREAM_BLOCK, STREAM_BLOCK + 1])
def test_streamed_table_equals_in_memory_at_small_sizes(priors, n):
    expected = summarise(simulate(priors, n, seed=2, keep_inputs=False))
    assert summarise_streaming(priors, n, seed=2, workers=2).equals(expected)
