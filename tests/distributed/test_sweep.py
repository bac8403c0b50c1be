"""A sweep cell is the corresponding single run; bad grids are one-line InputErrors."""
import numpy as np
import pytest

from mc.errors import InputError
from mc.priors import load_priors
from mc.results import simulate, summarise
from mc.scenarios import load_scenarios
from mc.sweep import parse_grid, sweep

N = 2 * 65_536 + 5


def test_sweep_cell_equals_single_run():
    priors = load_priors()
    grids = [parse_grid("price_cny_per_m_tokens=0.5:3:3", priors.model.inputs),
             parse_grid("paid_share=0.1:0.5:2", priors.model.inputs)]
    scenarios = load_scenarios(["bear"], priors.model.inputs)
    table = sweep(priors, grids, N, scenarios=scenarios, seed=7, method="lhs")
    assert len(table.groupby(["scenario", "price_cny_per_m_tokens", "paid_share"])) == 2 * 3 * 2
    cell = table[(table.scenario == "bear") & (table.price_cny_per_m_tokens == 1.75) & (table.paid_share == 0.5)]
    single = scenarios[0].apply(priors).with_fixed("price_cny_per_m_tokens", 1.75).with_fixed("paid_share", 0.5)
    expected = summarise(simulate(single, N, seed=7, method="lhs", keep_inputs=False))
    got = cell.drop(columns=["scenario", "price_cny_per_m_tokens", "paid_share"]).reset_index(drop=True)
    assert got.equals(expected)


@pytest.mark.parametrize("text, message", [("price_cny_per_m_tokens=1:2", "expected NAME=LO:HI:N"),
                                           ("nope=1:2:3", "not an input"), ("paid_share=a:1:2", "numbers"),
                                           ("paid_share=0:1:0", "at least 1")])
def test_bad_grid(text, message):
    with pytest.raises(InputError, match=message):
        parse_grid(text, load_priors().model.inputs)


def test_grid_values_are_linspace():
    grid = parse_grid("paid_share=0.1:0.5:5", ["paid_share"])
    np.testing.assert_array_equal(grid.values, np.linspace(0.1, 0.5, 5))
