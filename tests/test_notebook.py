"""The walkthrough notebook runs top to bottom, and the stored file is what its generator writes."""
import subprocess
import sys
from pathlib import Path

import nbclient  # test extras: a broken install must fail here, not read as a skip
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _figure_cells(nb) -> dict[str, object]:
    """The code cells that draw the distribution and the tornado figures."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    return {"distribution": next(c for c in code if "distribution_figure(results" in c.source),
            "tornado": next(c for c in code if "tornado_figure(torn" in c.source)}


def _shows_png(cell) -> bool:
    return any("image/png" in o.get("data", {}) for o in cell.outputs)


def test_stored_notebook_matches_its_generator_and_is_stored_executed():
    res = subprocess.run([sys.executable, str(NOTEBOOKS / "build_walkthrough.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    nb = nbformat.read(NOTEBOOKS / "walkthrough.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)  # stored executed: reads on a code host
    assert all(c.outputs for c in code[1:])  # every cell after the setup (imports, helpers) shows its result
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert all(_shows_png(cell) for cell in _figure_cells(nb).values())


def test_stored_prose_matches_its_own_cumulative_table():
    """The markdown's claim about depreciation agrees with the table the notebook prints."""
    nb = nbformat.read(NOTEBOOKS / "walkthrough.ipynb", as_version=4)
    prose = next(c.source for c in nb.cells if c.cell_type == "markdown" and "skewed PERTs" in c.source)
    assert "0.1 point" not in prose and "about two points" in prose
    table = next(c for c in nb.cells if c.cell_type == "code" and '"made uncertain"' in c.source)
    text = next(o["data"]["text/plain"] for o in table.outputs if "text/plain" in o.get("data", {}))
    row = next(line for line in text.splitlines() if line.startswith("+ depreciation_years"))
    median = float(row.split()[2])
    assert -1.0 < median < 0.5  # +2.1% at the report's values: depreciation costs about two points


@pytest.mark.slow
def test_walkthrough_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("MC_CACHE_DIR", str(tmp_path / "cache"))  # a real fit, not one cached by an earlier run
    nb = nbformat.read(NOTEBOOKS / "walkthrough.ipynb", as_version=4)
    # generous: one growth fit (PyMC compiles on first use) plus a dozen small simulations on a slow CI core
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    # the reproduction cell ran and showed the comparison table
    assert "revenue_cny_per_year" in str(nb.cells[3].outputs)
    # the export cell listed the files written: the growth figure and the three exports
    listed = str(nb.cells[-1].outputs)
    assert all(name in listed for name in ("growth.png", "base_case.xlsx", "stress.csv", "base_case.png"))
    # the distribution and tornado figures display inline
    assert all(_shows_png(cell) for cell in _figure_cells(nb).values())
