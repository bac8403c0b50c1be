"""--draws-out on stress and sweep: each run is simulated once, and the file and the table are unchanged.

The expected file is built as the old code built it: each run simulated again with
:func:`mc.results.simulate` on the same seed (inputs kept), labelled and stacked. The expected
table is the command's table without --draws-out. Both are compared exactly: the same seed and
the same blocks give the same bits, so any difference is a changed computation, not noise.
"""
import numpy as np
import pandas as pd
import pytest

import mc.results
import mc.streaming
from mc.cli import main
from mc.priors import load_priors
from mc.results import simulate
from mc.scenarios import load_scenarios, stress
from mc.sweep import parse_grid, sweep, sweep_cells

DRAWS, SEED = 3000, 5
SMALL = ["--draws", str(DRAWS), "--seed", str(SEED), "--quiet"]


@pytest.fixture
def count_runs(monkeypatch):
    """Counts in-memory simulations (every :func:`mc.results.simulate` goes through simulate_arrays)
    and streamed summaries; ``count_runs()`` returns ``(simulated, streamed)`` since the fixture began."""
    calls = {"simulated": 0, "streamed": 0}
    simulate_arrays, streaming_stats = mc.results.simulate_arrays, mc.streaming.streaming_stats

    def counted_simulate_arrays(*args, **kwargs):
        calls["simulated"] += 1
        return simulate_arrays(*args, **kwargs)

    def counted_streaming_stats(*args, **kwargs):
        calls["streamed"] += 1
        return streaming_stats(*args, **kwargs)

    monkeypatch.setattr(mc.results, "simulate_arrays", counted_simulate_arrays)
    monkeypatch.setattr(mc.streaming, "streaming_stats", counted_streaming_stats)
    return lambda: (calls["simulated"], calls["streamed"])


def _expected_draws(runs: list[tuple[dict, object]]) -> pd.DataFrame:
    """Each run simulated again on the same seed, labelled with its labels and draw index, stacked."""
    parts = []
    for labels, priors in runs:
        x = simulate(priors, DRAWS, seed=SEED, keep_inputs=True).to_dataframe().reset_index(drop=True)
        for key, value in labels.items():
            x[key] = value
        parts.append(x.assign(draw=np.arange(DRAWS)))
    return pd.concat(parts, ignore_index=True)


def _assert_same_draws(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(written) == len(expected)
    for column in expected.columns:
        np.testing.assert_array_equal(written[column].to_numpy(), expected[column].to_numpy(), err_msg=column)


def test_stress_draws_out_simulates_each_run_once(tmp_path, count_runs):
    table_out, draws_out = tmp_path / "s.csv", tmp_path / "d.parquet"
    assert main(["stress", "bf16", "price_war", *SMALL, "--out", str(table_out),
                 "--draws-out", str(draws_out)]) == 0
    assert count_runs() == (3, 0)  # base, bf16, price_war: once each (the old code drew 6 times)
    assert main(["stress", "bf16", "price_war", *SMALL, "--out", str(tmp_path / "plain.csv")]) == 0
    assert (table_out.read_text() == (tmp_path / "plain.csv").read_text())
    priors = load_priors()
    scenarios = load_scenarios(["bf16", "price_war"], priors.model.inputs)
    runs = [({"scenario": "base"}, priors), *(({"scenario": s.name}, s.apply(priors)) for s in scenarios)]
    written = pd.read_parquet(draws_out)
    assert list(written.columns[:2]) == ["scenario", "draw"]
    _assert_same_draws(written, _expected_draws(runs))


def test_sweep_draws_out_simulates_each_cell_once_and_streams_nothing(tmp_path, count_runs):
    table_out, draws_out = tmp_path / "w.csv", tmp_path / "d.parquet"
    argv = ["sweep", "--grid", "paid_share=0.2:0.4:2", "--scenario", "bf16", *SMALL]
    assert main([*argv, "--out", str(table_out), "--draws-out", str(draws_out)]) == 0
    assert count_runs() == (4, 0)  # 2 grid values x (base, bf16), each simulated once, none streamed
    assert main([*argv, "--out", str(tmp_path / "plain.csv")]) == 0
    assert count_runs() == (4, 4)  # without --draws-out every cell is streamed, nothing held
    assert table_out.read_text() == (tmp_path / "plain.csv").read_text()
    priors = load_priors()
    cells = sweep_cells(priors, [parse_grid("paid_share=0.2:0.4:2", priors.model.inputs)],
                        load_scenarios(["bf16"], priors.model.inputs))
    written = pd.read_parquet(draws_out)
    assert list(written.columns[:3]) == ["scenario", "paid_share", "draw"]
    _assert_same_draws(written, _expected_draws(cells))


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_sweep_table_is_the_same_with_and_without_the_draws_kept(method):
    priors = load_priors()
    grids = [parse_grid("utilization=0.3:0.6:2", priors.model.inputs)]
    kept = []
    streamed = sweep(priors, grids, 2048, seed=SEED, method=method, percentiles=(2.5, 50, 97.5))
    in_memory = sweep(priors, grids, 2048, seed=SEED, method=method, percentiles=(2.5, 50, 97.5),
                      on_run=lambda labels, run: kept.append((labels, run)))
    pd.testing.assert_frame_equal(in_memory, streamed, check_exact=True)
    assert [labels for labels, _ in kept] == [{"scenario": "base", "utilization": 0.3},
                                              {"scenario": "base", "utilization": 0.6}]
    assert all(set(priors.model.inputs) <= set(run.data_vars) for _, run in kept)  # inputs kept for the file


def test_stress_table_is_the_same_with_and_without_the_draws_kept():
    priors = load_priors()
    scenarios = load_scenarios(["price_war"], priors.model.inputs)
    kept = []
    plain = stress(priors, scenarios, 2000, seed=SEED)
    with_draws = stress(priors, scenarios, 2000, seed=SEED, on_run=lambda labels, run: kept.append(labels))
    pd.testing.assert_frame_equal(with_draws, plain, check_exact=True)
    assert kept == [{"scenario": "base"}, {"scenario": "price_war"}]
