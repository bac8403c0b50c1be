"""`mc run` end to end: tables in every format, JSON, overwrite rules, volume override."""
import json

import numpy as np
import pandas as pd
import pytest

from mc.cli import main
from mc.stats import STATISTICS


def test_default_run_prints_a_readable_table(cli):
    res = cli("run", "--draws", "20000")
    assert res.returncode == 0, res.stderr
    assert "亿元/yr" in res.stdout and "P(margin < 0)" in res.stdout
    assert "revenue_cny_per_year" in res.stdout


@pytest.mark.parametrize("suffix", ["csv", "parquet", "xlsx", "md"])
def test_every_format_writes_the_long_table(tmp_path, suffix, capsys):
    out = tmp_path / f"table.{suffix}"
    assert main(["run", "--draws", "5000", "--out", str(out), "--quiet"]) == 0
    sidecar = [tmp_path / "table.csv.meta.json"] if suffix == "csv" else []  # CSV provenance beside the table
    assert out.exists() and sorted(tmp_path.iterdir()) == sorted([out, *sidecar])  # no temporary file left
    if suffix == "md":
        text = out.read_text()
        assert text.startswith("# mc run") and "| seed | 20241218 |" in text and "\n| output" in text
        return
    read = {"csv": pd.read_csv, "parquet": pd.read_parquet,
            "xlsx": lambda path: pd.read_excel(path, sheet_name="Data")}[suffix]  # the long sheet, base units
    df = read(out)
    assert list(df.columns) == ["output", "unit", "statistic", "value", "mc_se"]
    assert set(df["statistic"]) == set(STATISTICS) | {"aggregate"}  # the margin's E[profit]/E[revenue] row
    assert set(df[df.statistic == "aggregate"]["output"]) == {"margin"}
    revenue = df[(df.output == "revenue_cny_per_year") & (df.statistic == "p50")]["value"].iloc[0]
    assert 1e10 < revenue < 4e10  # base units (CNY), not 亿元


def test_existing_output_needs_force_and_is_untouched(tmp_path, capsys):
    out = tmp_path / "table.csv"
    out.write_text("precious\n")
    assert main(["run", "--draws", "1000", "--out", str(out)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert out.read_text() == "precious\n"
    assert main(["run", "--draws", "1000", "--out", str(out), "--force", "--quiet"]) == 0
    assert out.read_text().startswith("output,unit,statistic")


def test_output_folder_must_exist(tmp_path, capsys):
    assert main(["run", "--draws", "1000", "--out", str(tmp_path / "no" / "t.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unknown_suffix_is_refused(tmp_path, capsys):
    assert main(["run", "--draws", "1000", "--out", str(tmp_path / "t.txt")]) == 2
    assert "--format" in capsys.readouterr().err
    assert not (tmp_path / "t.txt").exists()


def _report_model_by_hand(x):
    """DESIGN.md's formulas in plain numpy: an oracle independent of mc's model file and evaluator."""
    tokens_per_s = x["tokens_per_day"] / 86400
    flops = 2 * x["active_params"] * tokens_per_s * x["peak_to_avg"]
    gpus = flops / (x["gpu_tflops"] * 1e12 * x["utilization"])
    revenue = x["tokens_per_day"] / 1e6 * x["price_cny_per_m_tokens"] * x["paid_share"] * 365
    capex = gpus * x["gpu_price_cny"] / x["depreciation_years"]
    return {"gpus": gpus, "revenue_cny_per_year": revenue, "capex_cny_per_year": capex,
            "margin": (revenue - capex) / revenue}


def test_json_table_and_provenance(capsys):
    from mc.priors import default_priors_path, load_priors
    from mc.sampling import draw

    assert main(["run", "--draws", "4000", "--seed", "5", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    meta = payload["meta"]
    priors = load_priors(default_priors_path())
    assert meta["seed"] == 5 and meta["n_draws"] == 4000 and meta["method"] == "mc"
    assert meta["priors_hash"] == priors.hash and meta["priors_origin"].endswith("base.toml")
    rows = {(r["output"], r["statistic"]): r for r in payload["rows"]}
    # the same 4000 input draws (seed 5), pushed through the report's formulas by hand
    out = _report_model_by_hand(draw(priors, 4000, seed=5))
    p_loss = float(np.mean(out["margin"] < 0))
    assert rows[("margin", "p_negative")]["value"] == p_loss
    assert rows[("margin", "p_negative")]["mc_se"] == pytest.approx(np.sqrt(p_loss * (1 - p_loss) / 4000), rel=1e-12)
    for output in out:
        for stat in ("p1", "p5", "p50", "p95", "p99"):  # numpy's default (linear) percentile definition
            expected = np.percentile(out[output], float(stat[1:]))
            assert rows[(output, stat)]["value"] == pytest.approx(expected, rel=1e-12), (output, stat)
        assert rows[(output, "mean")]["value"] == pytest.approx(out[output].mean(), rel=1e-12)
        assert rows[(output, "sd")]["value"] == pytest.approx(out[output].std(ddof=1), rel=1e-9)
        assert rows[(output, "mean")]["mc_se"] == pytest.approx(out[output].std(ddof=1) / np.sqrt(4000), rel=1e-9)


def test_same_seed_same_json(capsys):
    outputs = []
    for workers in ("1", "2"):
        main(["run", "--draws", "70000", "--seed", "9", "--json", "--workers", workers, "--method", "lhs"])
        outputs.append(json.loads(capsys.readouterr().out)["rows"])
    assert outputs[0] == outputs[1]


def test_tokens_per_day_scales_revenue_not_margin(capsys):
    tables = []
    for volume in ("1e14", "1e15"):
        main(["run", "--draws", "3000", "--tokens-per-day", volume, "--json"])
        tables.append({(r["output"], r["statistic"]): r["value"] for r in json.loads(capsys.readouterr().out)["rows"]})
    small, big = tables
    assert big[("revenue_cny_per_year", "p50")] == pytest.approx(10 * small[("revenue_cny_per_year", "p50")])
    assert big[("margin", "p50")] == pytest.approx(small[("margin", "p50")])


@pytest.mark.parametrize("args", [["--draws", "0"], ["--tokens-per-day", "-5"], ["--method", "qmc"],
                                  ["--seed", "x"]])
def test_bad_options_exit_2_one_line(cli, args):
    res = cli("run", *args)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_report_priors_give_the_report_point(capsys):
    from mc.priors import PRIORS_DIR

    main(["run", str(PRIORS_DIR / "guosen_2024.toml"), "--draws", "100", "--json"])
    rows = {(r["output"], r["statistic"]): r["value"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows[("revenue_cny_per_year", "p1")] == pytest.approx(219e8)
    assert rows[("capex_cny_per_year", "p99")] == pytest.approx(214.443e8, rel=1e-5)


def test_date_draws_volume_from_the_growth_predictive(monkeypatch, capsys):
    """--date takes tokens/day from the growth fit's predictive draws, resampled per draw."""
    import sys
    import types

    volumes = np.array([1e13, 2e13, 4e13, 8e13])  # a stand-in posterior predictive
    seen = {}

    def predictive_paths(dates, **kwargs):
        seen.update(dates=dates, **kwargs)
        return volumes[:, None] * np.ones(len(dates))

    monkeypatch.setitem(sys.modules, "mc.growth", types.SimpleNamespace(predictive_paths=predictive_paths))
    assert main(["run", "--date", "2026-06-15", "--curve", "gompertz", "--draws", "20000", "--json"]) == 0
    rows = {(r["output"], r["statistic"]): r["value"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert str(seen["dates"][0]) == "2026-06-15" and seen["curve"] == "gompertz"
    assert rows[("tokens_per_day", "p1")] == 1e13 and rows[("tokens_per_day", "p99")] == 8e13
    # each of the four values is drawn with probability 1/4: the mean within 5 standard errors
    se = volumes.std() / np.sqrt(20000)
    assert abs(rows[("tokens_per_day", "mean")] - volumes.mean()) < 5 * se


@pytest.mark.slow
def test_date_with_a_real_fit(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path))  # a real fit, not an earlier run's cache
    assert main(["run", "--date", "2025-06-15", "--curve", "gompertz", "--draws", "20000", "--json"]) == 0
    rows = {(r["output"], r["statistic"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    from datetime import date

    from mc.growth import predictive_tokens_per_day

    forecast = predictive_tokens_per_day(date(2025, 6, 15), curve="gompertz")
    # the run resamples these same predictive draws, so its median differs from theirs only by the
    # resampling error, which the reported s.e. (independent draws and the posterior's batches) bounds
    median = rows[("tokens_per_day", "p50")]
    assert abs(median["value"] - float(np.median(forecast))) < 4 * median["mc_se"]
    assert median["mc_se"] < 0.05 * median["value"]  # and that bound is informative, not a blanket


def _legacy_render(table, attrs, priors, percentiles=None):
    """The screen of `mc run` as it was built from the summarise() DataFrame (pandas), kept as the oracle."""
    from mc.cli.run import SCREEN_STATS, _volume_text
    from mc.display import display_path, fmt, pad, scaled, unit
    from mc.results import wide

    stats = SCREEN_STATS if not percentiles else (*(f"p{p:g}" for p in percentiles), "mean", "sd")
    values = wide(table[table["statistic"] != "aggregate"])
    model = priors.model
    lines = [f"mc run: {display_path(attrs['priors_origin'])}, model {model.name}  ({attrs['n_draws']:,} draws, "
             f"method {attrs['method']}, seed {attrs['seed']}{_volume_text(priors)})", ""]
    width = max([21] + [len(o) + 1 for o in values.index])
    lines.append(f"{'output':<{width}}{'unit':<17}" + "".join(f"{s:>10}" for s in stats))
    for output, row in values.iterrows():
        cells = "".join(f"{fmt(scaled(output, row[s], model)):>10}" for s in stats)
        lines.append(f"{output:<{width}}{pad(unit(output, model), 17)}{cells}")  # 亿 and 万 take two columns
    p_loss = table[(table.output == model.key_output) & (table.statistic == "p_negative")]
    if len(p_loss) and p_loss.iloc[0].value > 0:
        row = p_loss.iloc[0]
        lines += ["", f"P({model.key_output} < 0) = {row.value:.4f} ± {row.mc_se:.4f} (Monte Carlo s.e.)"]
    for output, (num, den) in model.aggregates.items():
        rows = table[table["output"] == output].set_index("statistic")
        agg, mean = rows.loc["aggregate"], rows.loc["mean"]
        shown = unit(output, model)
        lines.append(f"aggregate {output} E[{num}]/E[{den}] = {fmt(scaled(output, agg.value, model))} ± "
                     f"{fmt(scaled(output, agg.mc_se, model))} {shown} (ratio of means); mean of per-draw {output} "
                     f"= {fmt(scaled(output, mean.value, model))} {shown}")
    if attrs["method"] != "mc":
        lines.append("standard errors assume independent draws: conservative for lhs and sobol")
    return "\n".join(lines)


@pytest.mark.parametrize("extra", [[], ["--method", "lhs", "--percentiles", "5,50,95"],
                                   ["--memory-limit", "1e-3"]])  # the last one streams in two passes
def test_printed_table_equals_the_summarise_based_one(capsys, extra):
    """Issue 15.4: the pandas-free run path prints exactly what summarise() + with_aggregates gave."""
    from mc.aggregates import with_aggregates
    from mc.priors import default_priors_path, load_priors
    from mc.results import simulate, summarise

    assert main(["run", "--draws", "140000", "--seed", "11", *extra]) == 0  # 2 whole stream blocks + a partial
    printed = capsys.readouterr().out.rstrip("\n")
    priors = load_priors(default_priors_path())
    method = extra[1] if extra[:1] == ["--method"] else "mc"
    percentiles = (5, 50, 95) if "--percentiles" in extra else None
    results = simulate(priors, 140_000, seed=11, method=method, workers=2, keep_inputs=False)
    table = with_aggregates(summarise(results, percentiles=percentiles or (1, 5, 10, 25, 50, 75, 90, 95, 99)),
                            priors.model)
    assert printed == _legacy_render(table, results.attrs, priors, percentiles)


def test_json_rows_equal_the_summarise_table(capsys):
    """--json carries the same rows, values and errors as summarise() + with_aggregates (bit for bit)."""
    from mc.aggregates import with_aggregates
    from mc.priors import default_priors_path, load_priors
    from mc.results import simulate, summarise

    assert main(["run", "--draws", "70000", "--seed", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    priors = load_priors(default_priors_path())
    table = with_aggregates(summarise(simulate(priors, 70_000, seed=3, keep_inputs=False)), priors.model)
    assert rows == table.to_dict(orient="records")


def _fake_growth(monkeypatch, volumes):
    """Stand in for the growth fit: `volumes` as its posterior predictive draws, in chain order (no PyMC)."""
    import sys
    import types

    def predictive_paths(dates, **kwargs):
        return np.asarray(volumes, dtype=float)[:, None] * np.ones(len(dates))

    monkeypatch.setitem(sys.modules, "mc.growth", types.SimpleNamespace(predictive_paths=predictive_paths))


def _autocorrelated_posterior():
    """4 chains x 100 draws whose 20 contiguous batches (5 per chain) sit at very different levels.

    Within a batch the draws differ by a relative 1e-9 only, so each batch's simulation mean is its level to
    ~1e-9, and the batch-means error of the mean is sd(levels) / sqrt(20) (closed form below), while draws
    treated as independent would give an error ~sqrt(20000 / 20) = 30 times smaller.
    """
    levels = 1e13 * (1 + (7 * np.arange(20) % 20) / 4)  # 20 distinct levels, 1 to 5.75 (1e13 tokens/day)
    jitter = 1 + 1e-9 * np.arange(20)
    return levels, np.concatenate([level * jitter for level in levels])


def test_date_errors_include_the_posterior_error(monkeypatch, capsys, tmp_path):
    """Issue 16.1: every ± of `mc run --date` (screen, JSON, --out) includes the posterior's own MC error."""
    levels, volumes = _autocorrelated_posterior()
    _fake_growth(monkeypatch, volumes)
    args = ["run", "--date", "2026-06-15", "--draws", "20000", "--seed", "4"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    rows = {(r["output"], r["statistic"]): r for r in payload["rows"]}
    expected = np.std(levels, ddof=1) / np.sqrt(20)  # batch means of the volume's mean, in closed form
    assert rows[("tokens_per_day", "mean")]["mc_se"] == pytest.approx(expected, rel=1e-6)
    iid = rows[("tokens_per_day", "sd")]["value"] / np.sqrt(20000)
    assert rows[("tokens_per_day", "mean")]["mc_se"] > 10 * iid  # far above the independent-draw error
    assert "posterior" in payload["meta"]["mc_se"]
    # revenue is proportional to volume per draw: its mean's error is inflated the same way
    revenue = rows[("revenue_cny_per_year", "mean")]
    assert revenue["mc_se"] > 5 * rows[("revenue_cny_per_year", "sd")]["value"] / np.sqrt(20000)
    out = tmp_path / "t.csv"
    assert main([*args, "--out", str(out)]) == 0
    screen = capsys.readouterr().out
    assert "standard errors include the growth posterior's own Monte Carlo error" in screen
    import pandas as pd

    written = pd.read_csv(out).set_index(["output", "statistic"])["mc_se"]
    for key, row in rows.items():
        assert written[key] == pytest.approx(row["mc_se"], rel=1e-12), key


def test_date_errors_are_never_below_the_independent_draw_errors(monkeypatch, capsys):
    """A posterior of independent draws: the reported errors are at least summarise()'s ordinary ones."""
    from mc.priors import default_priors_path, load_priors
    from mc.results import simulate_arrays, summarise_arrays

    volumes = np.random.default_rng(8).lognormal(np.log(5e13), 0.4, 400)
    _fake_growth(monkeypatch, volumes)
    assert main(["run", "--date", "2026-06-15", "--draws", "20000", "--seed", "4", "--json"]) == 0
    rows = {(r["output"], r["statistic"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    from mc.volume import volume_at_date
    from datetime import date

    priors = load_priors(default_priors_path())
    drawn = volume_at_date(date(2026, 6, 15))
    priors = priors.replace(type(drawn)("tokens_per_day", drawn.distribution, drawn.unit, drawn.source, drawn.note))
    arrays = simulate_arrays(priors, 20_000, seed=4, workers=1)
    ordinary = summarise_arrays({n: arrays[n] for n in ("tokens_per_day", *priors.model.outputs)})
    for output, by_stat in ordinary.items():
        for stat, (value, se) in by_stat.items():
            assert rows[(output, stat)]["value"] == value  # the same draws and statistics
            assert rows[(output, stat)]["mc_se"] >= se or (np.isnan(se) and rows[(output, stat)]["mc_se"] is None)


def test_date_refuses_a_cluster_before_fitting(monkeypatch, capsys):
    _fake_growth(monkeypatch, [1e13, 2e13, 3e13, 4e13])
    assert main(["run", "--date", "2026-06-15", "--draws", "1000", "--cluster", "local:1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mc: error: --date") and "--cluster" in err


def test_cold_and_warm_caches_give_the_same_table(tmp_path, monkeypatch, capsys):
    """A first run (solutions and beta/PERT tables computed) and a later one (read from mc.cache) agree exactly."""
    from mc import fastppf

    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path))
    tables = []
    for _ in range(2):
        fastppf.beta_ppf.cache_clear()  # the second run must read the tables from disk, not this process
        assert main(["run", "--draws", "70000", "--seed", "2", "--json"]) == 0
        tables.append(json.loads(capsys.readouterr().out)["rows"])
    assert list((tmp_path / "tables").glob("*.npy")) and list((tmp_path / "solved").glob("*.json"))
    assert tables[0] == tables[1]


def test_date_aggregate_error_counts_the_posterior_without_adding_cancelling_errors(monkeypatch, capsys):
    """The aggregate margin E[profit]/E[revenue] at a date: its ± is the ratio's own batch-means error (or the
    independent-draw bound if larger), not the sum of the numerator's and denominator's posterior-aware errors,
    which move together with volume and cancel in the ratio."""
    from mc.priors import default_priors_path, load_priors
    from mc.results import simulate_arrays
    from mc.volume import posterior_batch, posterior_draw_index

    levels, volumes = _autocorrelated_posterior()
    _fake_growth(monkeypatch, volumes)
    assert main(["run", "--date", "2026-06-15", "--draws", "20000", "--seed", "4", "--json"]) == 0
    rows = {(r["output"], r["statistic"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    aggregate = rows[("margin", "aggregate")]
    profit, revenue = rows[("profit_cny_per_year", "mean")], rows[("revenue_cny_per_year", "mean")]
    summed = (profit["mc_se"] + abs(aggregate["value"]) * revenue["mc_se"]) / abs(revenue["value"])
    assert aggregate["mc_se"] < summed / 5  # the cancelling errors are not added
    # the oracle, by hand from the same draws: max(independent-draw bound, sd of the 20 batch ratios / sqrt 20)
    from datetime import date

    from mc.volume import volume_at_date

    drawn = volume_at_date(date(2026, 6, 15))
    priors = load_priors(default_priors_path())
    priors = priors.replace(type(drawn)("tokens_per_day", drawn.distribution, drawn.unit, drawn.source, drawn.note))
    a = simulate_arrays(priors, 20_000, seed=4, workers=1)
    batch = posterior_batch(posterior_draw_index(a["tokens_per_day"], volumes), volumes.size)
    p, r = a["profit_cny_per_year"], a["revenue_cny_per_year"]
    ratio = p.mean() / r.mean()
    assert aggregate["value"] == pytest.approx(ratio, rel=1e-12)
    iid = (p.std(ddof=1) + abs(ratio) * r.std(ddof=1)) / np.sqrt(p.size) / abs(r.mean())
    batch_ratios = [p[batch == b].mean() / r[batch == b].mean() for b in range(20)]
    expected = max(iid, np.std(batch_ratios, ddof=1) / np.sqrt(20))
    assert aggregate["mc_se"] == pytest.approx(expected, rel=1e-9)


def test_run_with_huge_values_prints_separate_cells(tmp_path, capsys):
    """Revenue near 1e200: wide cells keep a space between them, the sd is inf, and nothing crashes."""
    from mc.priors import default_priors_path

    text = default_priors_path().read_text().replace("p5 = 0.9\np95 = 2.5", "p5 = 1e150\np95 = 1e200")
    priors = tmp_path / "huge.toml"
    priors.write_text(text)
    assert main(["run", str(priors), "--draws", "70000", "--seed", "3"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("revenue_cny_per_year"))
    cells = row.split()[2:]  # after the name and the unit (亿元/yr)
    assert len(cells) == 11 and cells[-1] == "inf" and all("e+" in c for c in cells[:-1])
