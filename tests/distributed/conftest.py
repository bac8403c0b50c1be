"""One LocalCluster of 2 worker processes for the whole session: CI pays its start-up once."""
import pytest

from mc.priors import load_priors
from mc.sampling import STREAM_BLOCK

N = 3 * STREAM_BLOCK  # three blocks: every worker gets work, and the run stays small


@pytest.fixture(scope="session")
def cluster2():
    from mc.executor import cluster, using

    with cluster("local:2") as executor, using(None):  # tests pass it explicitly; later tests stay on threads
        yield executor


@pytest.fixture(scope="session", params=["base.toml", "correlated.toml"])
def priors(request):
    return load_priors(f"priors/{request.param}")
