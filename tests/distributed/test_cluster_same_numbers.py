"""Tables on a LocalCluster of 2 worker processes equal one process's, bit for bit."""
import pytest

from mc.executor import using
from mc.results import simulate, summarise
from mc.scenarios import load_scenarios, stress
from mc.streaming import summarise_streaming
from mc.sweep import parse_grid, sweep

N = 3 * 65_536  # as tests/distributed/conftest.py: three stream blocks


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_streaming_on_cluster_equals_in_memory_table(cluster2, priors, method):
    expected = summarise(simulate(priors, N + 123, seed=5, method=method, keep_inputs=False))
    got = summarise_streaming(priors, N + 123, seed=5, method=method, executor=cluster2)
    assert cluster2.workers == 2
    assert got.equals(expected)


def test_larger_tasks_on_cluster_give_the_same_table(cluster2, priors):
    """Two stream blocks per task: chunking changes scheduling, never the numbers."""
    expected = summarise_streaming(priors, N, seed=1, memory_limit=0)
    assert summarise_streaming(priors, N, seed=1, executor=cluster2, chunk_size=2 * 65_536).equals(expected)


def test_stress_on_cluster_equals_one_process(cluster2, priors):
    scenarios = load_scenarios(["price_war", "bear"], priors.model.inputs)
    expected = stress(priors, scenarios, N, seed=2, method="lhs")
    with using(cluster2):
        got = stress(priors, scenarios, N, seed=2, method="lhs")
    assert got.equals(expected)


def test_sweep_on_cluster_equals_threads(cluster2, priors):
    grids = [parse_grid("price_cny_per_m_tokens=0.5:3:3", priors.model.inputs)]
    expected = sweep(priors, grids, N, seed=4, method="sobol", workers=2)
    got = sweep(priors, grids, N, seed=4, method="sobol", executor=cluster2)
    assert len(got) == 3 * len(summarise_streaming(priors, 1000)) and got.equals(expected)


def test_input_error_on_a_worker_comes_back_as_input_error(cluster2):
    """A model that overflows on a worker: the same one-line InputError as in one process."""
    from mc.errors import InputError
    from mc.priors import load_priors

    priors = load_priors().with_fixed("price_cny_per_m_tokens", 1e308)
    with pytest.raises(InputError) as local:
        summarise_streaming(priors, N, seed=1)
    with pytest.raises(InputError) as remote:
        summarise_streaming(priors, N, seed=1, executor=cluster2)
    assert str(remote.value) == str(local.value)
