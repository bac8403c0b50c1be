"""Cluster task sizes: whole stream blocks, about 16 tasks per worker, within bounds (no dask needed)."""
import pytest

from mc.executor import MAX_TASK_DRAWS, MIN_TASK_DRAWS, TASKS_PER_WORKER, cluster_task_draws
from mc.sampling import STREAM_BLOCK


@pytest.mark.parametrize("n_draws, workers", [(1, 1), (10**6, 2), (10**9, 4), (10**11, 200), (10**12, 2),
                                              (3 * STREAM_BLOCK + 5, 7)])
def test_task_draws_are_whole_blocks_within_bounds(n_draws, workers):
    size = cluster_task_draws(n_draws, workers)
    assert size % STREAM_BLOCK == 0 and MIN_TASK_DRAWS <= size <= MAX_TASK_DRAWS
    tasks = -(-n_draws // size)
    if MIN_TASK_DRAWS < size < MAX_TASK_DRAWS:  # not clamped: about TASKS_PER_WORKER per worker, never more
        assert TASKS_PER_WORKER * workers * 0.9 <= tasks <= TASKS_PER_WORKER * workers


def test_1e11_draws_on_200_workers_send_few_summaries():
    """The pass-1 summaries scale with tasks: 1e11 draws on 200 workers make 3,200 tasks, not 95,000."""
    assert -(-10**11 // cluster_task_draws(10**11, 200)) <= TASKS_PER_WORKER * 200
