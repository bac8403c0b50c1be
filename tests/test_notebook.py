"""The walkthrough notebook runs top to bottom, and the stored file is what its generator writes."""
import subprocess
import sys
from pathlib import Path

import nbclient  # test extras: a broken install must fail here, not read as a skip
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def test_stored_notebook_matches_its_generator_and_has_no_outputs():
    res = subprocess.run([sys.executable, str(NOTEBOOKS / "build_walkthrough.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    nb = nbformat.read(NOTEBOOKS / "walkthrough.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


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
