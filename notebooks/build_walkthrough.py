"""Build notebooks/walkthrough.ipynb from the cells below, and execute it so it reads on a code host.

The notebook is generated so that a review reads this file, not JSON.  Run
``python notebooks/build_walkthrough.py --execute`` after editing: it writes the
cells and stores them executed (tables and figures inline). ``--check`` exits 1
if the stored notebook's cells differ from what this file would write (the test
suite runs the check; outputs are not compared, the slow test executes afresh).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
from mc.export import write_bytes_atomic  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent / "walkthrough.ipynb"

CELLS: list[tuple[str, str]] = [
    ("md", """\
# From the report's one number to distributions

Guosen Securities (Dec 2024) priced Doubao's API at 100万亿 tokens a day: **219亿元 of revenue a year against
214.44亿元 of GPU capex**, a margin of about +2%. Every input of that sum is uncertain. This notebook walks from
the report's table to distributions of revenue, capex and margin, then adds token growth, stress scenarios and
sensitivity, and ends with files a spreadsheet can open.

Draws are kept small so the notebook runs in a couple of minutes; the command line defaults (`mc run`: 200,000
draws) give tighter Monte Carlo errors. Files hold base units (CNY, tokens); the screen shows 亿元 (1e8 CNY)."""),
    ("code", """\
from datetime import date
from pathlib import Path
import tempfile

import numpy as np
import pandas as pd

import mc
from mc.display import scaled, unit
from mc.model import load_model
from mc.results import simulate, summarise, wide

DRAWS = 20_000      # per simulation; the standard errors below say what this buys
SEED = 20241218     # the FORCE conference day; same seed, same numbers
pd.set_option("display.float_format", lambda v: f"{v:,.4g}")


MODEL = load_model("guosen_2024")  # the report's model file: its display units (亿元, 万 GPUs, %)


def on_screen(table, statistics=("p5", "p50", "p95", "mean")):
    \"\"\"A summarise() table in display units (亿元, 万 GPUs, %), outputs as rows.\"\"\"
    values = wide(table)[list(statistics)]
    shown = values.apply(lambda row: row.map(lambda v: scaled(row.name, v, MODEL)), axis=1)
    return shown.assign(unit=[unit(o, MODEL) for o in shown.index])"""),
    ("md", """\
## 1. The report's table, reproduced

The report's model is a file, `models/guosen_2024.toml`: every formula with its units, checked when it loads.
`mc.report.reproduce` evaluates it at the report's point assumptions (`priors/guosen_2024.toml`) and sets each
figure the report printed beside mc's, at the precision the report prints; `at_volumes` gives every output."""),
    ("code", """\
from mc.report import at_volumes, reproduce

report = at_volumes()
check = reproduce()
assert check["matches"].all()
check"""),
    ("md", """\
## 2. Replace each point assumption by a prior

`priors/base.toml` keeps the report's value near the middle of each distribution and names its source. The
percentiles below come from each distribution's inverse CDF."""),
    ("code", """\
priors = mc.load_priors()
rows = []
for name in priors.names:
    a = priors[name]
    p5, p50, p95 = a.distribution.ppf(np.array([0.05, 0.5, 0.95]))
    rows.append({"assumption": name, "family": a.distribution.family, "p5": p5, "p50": p50, "p95": p95,
                 "unit": a.unit, "source": a.source})
pd.DataFrame(rows).set_index("assumption")"""),
    ("code", """\
results = simulate(priors, DRAWS, seed=SEED)
table = summarise(results)
on_screen(table)"""),
    ("code", """\
from mc.plots.distribution import distribution_figure

# Figures show inline: in a Jupyter kernel mc.plots keeps the inline backend (elsewhere it draws to files only).
OUTPUTS = ("revenue_cny_per_year", "capex_cny_per_year", "margin")
point = report.iloc[0]  # the report's column at 100万亿 tokens/day
distribution_figure(results, OUTPUTS, as_of=priors.meta.get("as_of"),
                    reference={o: float(point[o]) for o in OUTPUTS}, model=MODEL);"""),
    ("md", """\
## 3. Why the median margin is below the report's +2%

Below, the report's point assumptions are made uncertain one at a time, cumulatively. Alone, most inputs barely
move the median: the margin is monotone in each input, so its median is the margin at that input's median, and
the priors' medians sit near the report's values. The exceptions are the skewed PERTs: depreciation (mode 6,
median 5.87 years) alone takes the median from the report's +2.1% to about −0.1%, about two points; GPU price
(median 15.8万元) and peak load (median 3.13) take about four to six points more each (the table below).
Together, the cost-to-revenue ratio is a *product* of independent factors, several right-skewed (1/utilisation
and 1/paid share are convex), so its median exceeds the product of the medians. Last, the 15% chance that the
fleet runs at BF16's 989 TFLOPS rather than 1979 doubles the cost in those draws and moves the median by about
ten points more. Jensen's inequality acts on the mean, which falls much further than the median."""),
    ("code", """\
from mc.report import point_values, report_priors_path

report_priors = mc.load_priors(report_priors_path())
at_report = point_values(report_priors)
steps, current = [], report_priors
for name in ("depreciation_years", "gpu_price_cny", "peak_to_avg", "utilization", "paid_share",
             "price_cny_per_m_tokens", "active_params", "gpu_tflops"):
    current = current.replace(priors[name])  # this input now uncertain, the earlier ones too
    margin = simulate(current, DRAWS, seed=SEED, keep_inputs=False)["margin"].values
    steps.append({"made uncertain": f"+ {name}", "median margin %": 100 * np.median(margin),
                  "mean margin %": 100 * margin.mean(), "P(margin < 0)": np.mean(margin < 0)})
pd.DataFrame(steps).set_index("made uncertain")"""),
    ("md", """\
## 4. Fit token growth to the announcements

Nine public figures, from 1200亿 tokens a day at launch in May 2024 (a stated average) to more than
180万亿 in June 2026 (lower bounds: "超过X"), are the data (`priors/token_usage.csv`, each row with its
source). A Gompertz curve plus a random deviation in level and a damped one in growth rate gives a
posterior over paths (NUTS, 4 chains: nutpie on the model's compiled log density; the PyMC model in
`mc.growth.model` is its checked reference). Its posterior predictive is the daily volume at any date, as
draws. The fit is cached (in `$MC_CACHE_DIR`, default `~/.cache/mc`), so later steps with the same data,
curve and seed reuse it; `curve="all"` mixes four curve families by their predictive weights (`mc fit --curve all`)."""),
    ("code", """\
from mc.growth import load_growth_priors, load_token_usage
from mc.growth.workflow import FitOptions, fit_curves, forecast_at

CURVE = "gompertz"
usage = load_token_usage()
fits = fit_curves(usage, load_growth_priors(), CURVE, FitOptions(seed=SEED))
fits[CURVE].diagnostics"""),
    ("code", """\
from IPython.display import Image
from mc.growth.plots import plot_growth

folder = Path(tempfile.mkdtemp(prefix="mc-walkthrough-"))
target = date(2026, 12, 31)
forecast = forecast_at(target, fits, curve=CURVE, seed=SEED)
print({f"p{q}": f"{v / 1e12:,.1f}万亿" for q, v in forecast.percentiles_tokens_per_day.items()})
Image(filename=plot_growth(fits, usage, date(2027, 6, 30), folder / "growth.png", seed=SEED, marks=[target]))"""),
    ("md", """\
## 5. Revenue at a date

`mc.volume.volume_at_date` turns the forecast into the `tokens_per_day` assumption (the cached fit above);
every other input keeps its prior. Revenue and capex scale with volume; the margin does not (both are linear
in tokens)."""),
    ("code", """\
from mc.volume import volume_at_date

dated = priors.replace(volume_at_date(target, curve=CURVE))  # the fit of section 4, from the cache
at_date = summarise(simulate(dated, DRAWS, seed=SEED), ["tokens_per_day", *dated.model.outputs])
on_screen(at_date).loc[["tokens_per_day", "revenue_cny_per_year", "capex_cny_per_year", "margin"]]"""),
    ("md", """\
## 6. Stress scenarios

Each file in `priors/scenarios/` replaces a few assumptions and says why. All runs share the seed, so the inputs
a scenario leaves alone get identical draws (common random numbers): the changes are the scenario's effect."""),
    ("code", """\
from mc.scenarios import load_scenarios, stress

scenarios = load_scenarios(["bf16", "price_war", "h20_fleet", "low_paid_share"])
stressed = stress(priors, scenarios, DRAWS, seed=SEED, outputs=["revenue_cny_per_year", "margin"])
margin = stressed[stressed.output == "margin"].pivot(index="scenario", columns="statistic", values="value")
(100 * margin[["p5", "p50", "p95"]]).add_suffix(" margin %").assign(**{"P(margin < 0)": margin["p_negative"]})"""),
    ("md", """\
## 7. Sensitivity: which assumptions matter

The tornado fixes one input at its p10, then its p90, with every other input drawn; Sobol indices (SALib) split
the margin's variance among the inputs."""),
    ("code", """\
import matplotlib.pyplot as plt

from mc.plots.tornado import discrete_inputs, tornado_figure
from mc.sensitivity import sobol_indices, tornado

from IPython.display import display

torn = tornado(priors, "margin", n_draws=DRAWS, seed=SEED)
figure = tornado_figure(torn, "margin", model=MODEL, discrete=discrete_inputs(priors),
                        title=f"Median margin with each input at its p10 / p90 ({DRAWS:,} draws)")
display(figure)  # shown explicitly: the growth fit above may leave pyplot on a non-inline backend
plt.close(figure)"""),
    ("code", """\
sobol = sobol_indices(priors, "margin", n_base=512, seed=SEED)
sobol.table.sort_values("ST", ascending=False)"""),
    ("md", """\
## 8. Export

Tables go to CSV, Parquet, XLSX or Markdown in base units, atomically, and never over an existing file without
`force=True`. The same tables come from `mc run --out base.xlsx` and from `python analyses/base_case.py OUTDIR`."""),
    ("code", """\
from mc.plots.distribution import plot_outputs

mc.write_table(table, folder / "base_case.xlsx")
mc.write_table(stressed, folder / "stress.csv")
plot_outputs(results, folder / "base_case.png", as_of=priors.meta.get("as_of"))
sorted(p.name for p in folder.iterdir())  # growth.png from section 4, and the three files above"""),
]


def build() -> nbformat.NotebookNode:
    """The notebook, without outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    make = {"md": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nb.cells = [make[kind](source) for kind, source in CELLS]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids: rebuilding an unchanged notebook changes nothing
    return nb


def cell_sources(nb) -> list[tuple[str, str]]:
    """(cell type, source) of every cell: what ``--check`` compares, outputs aside."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def execute(nb, timeout: int = 1800) -> None:
    """Run every cell in a fresh kernel, from the repository root, keeping the outputs in `nb`."""
    import nbclient

    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent.parent)}}).execute()
    for cell in nb.cells:  # kernel timings and widget state vary by run; keep the stored file stable
        cell.metadata.pop("execution", None)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 if the stored notebook's cells are out of date")
    p.add_argument("--execute", action="store_true", help="store the notebook executed (outputs inline)")
    args = p.parse_args(argv)
    nb = build()
    if args.check:
        current = nbformat.read(NOTEBOOK, as_version=4) if NOTEBOOK.exists() else nbformat.v4.new_notebook()
        if cell_sources(current) != cell_sources(nb):
            print(f"{NOTEBOOK} is out of date; run python notebooks/build_walkthrough.py --execute", file=sys.stderr)
            return 1
        return 0
    if args.execute:
        execute(nb)
    write_bytes_atomic(nbformat.writes(nb).encode("utf-8"), NOTEBOOK, force=True)  # never a half-written notebook
    print(f"wrote {NOTEBOOK}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
