"""--draws-out on stress, sweep and value: every draw of every run, the same draws as the table's."""
import numpy as np
import pandas as pd
import pytest

from mc.cli import main
from mc.priors import load_priors

SMALL = ["--draws", "3000", "--seed", "5"]


def _model_columns():
    model = load_priors().model
    return set(model.inputs) | set(model.outputs)


def _table_mean(table: pd.DataFrame, output: str, **labels) -> float:
    rows = table[(table.output == output) & (table.statistic == "mean")]
    for key, value in labels.items():
        rows = rows[np.isclose(rows[key], value)] if isinstance(value, float) else rows[rows[key] == value]
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def test_stress_draws_are_every_run_and_the_tables_draws(tmp_path):
    out, draws = tmp_path / "s.csv", tmp_path / "d.parquet"
    assert main(["stress", "bf16", "price_war", *SMALL, "--out", str(out), "--draws-out", str(draws),
                 "--quiet"]) == 0
    x, table = pd.read_parquet(draws), pd.read_csv(out)
    assert len(x) == 3 * 3000 and set(x.columns) == _model_columns() | {"scenario", "draw"}
    assert list(x["scenario"].unique()) == ["base", "bf16", "price_war"]
    assert (x.groupby("scenario")["draw"].apply(lambda d: (d.to_numpy() == np.arange(3000)).all())).all()
    for name, rows in x.groupby("scenario"):
        # the same draws as the table's: a different seed would move the mean by ~ sd / sqrt(3000), far above 1e-9
        assert rows["margin"].mean() == pytest.approx(_table_mean(table, "margin", scenario=name), rel=1e-9)


def test_sweep_draws_are_every_cell_with_its_grid_value(tmp_path):
    out, draws = tmp_path / "w.csv", tmp_path / "d.nc"
    assert main(["sweep", "--grid", "paid_share=0.2:0.4:3", *SMALL, "--out", str(out), "--draws-out", str(draws),
                 "--quiet"]) == 0
    import xarray as xr

    ds, table = xr.open_dataset(draws), pd.read_csv(out)
    assert ds.sizes["sample"] == 3 * 3000 and set(ds.data_vars) == _model_columns() | {"scenario", "draw"}
    assert ds.attrs["seed"] == "5" and ds.attrs["command"].startswith("mc sweep")
    x = ds.to_dataframe()
    assert sorted(x["paid_share"].unique()) == pytest.approx([0.2, 0.3, 0.4])
    for share, rows in x.groupby("paid_share"):
        assert len(rows) == 3000
        assert rows["margin"].mean() == pytest.approx(_table_mean(table, "margin", paid_share=share), rel=1e-9)


def test_value_draws_hold_each_year_and_the_ev(tmp_path):
    out, draws = tmp_path / "v.csv", tmp_path / "d.parquet"
    assert main(["value", "--to", "2027", "--draws", "2000", "--seed", "5", "--out", str(out),
                 "--draws-out", str(draws), "--quiet"]) == 0
    from mc.valuation.model import PATH, YEARLY

    x, table = pd.read_parquet(draws), pd.read_csv(out)
    assert len(x) == 2000
    assert {f"{n}[{y}]" for n in YEARLY for y in (2025, 2026, 2027)} | set(PATH) <= set(x.columns)
    ev = table[(table.section == "projection") & (table.output == "ev_cny") & (table.statistic == "mean")]
    assert x["ev_cny"].mean() == pytest.approx(float(ev["value"].iloc[0]), rel=1e-9)


@pytest.mark.parametrize("argv", [
    ["stress", "bf16"],
    ["sweep", "--grid", "paid_share=0.2:0.4:3"],
    ["value", "--to", "2026"],
])
def test_draws_out_above_the_limit_is_refused_before_work(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    code = main([*argv, *SMALL, "--out", "t.csv", "--draws-out", "d.parquet", "--draws-out-limit", "0.01"])
    err = capsys.readouterr().err
    assert code == 2 and "--draws-out-limit" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
