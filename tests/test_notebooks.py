"""The notebooks run top to bottom on the demo data (executed with nbclient, kernel from this venv)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # each notebook runs the planner or the expansion MIP

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A kernel spec that runs this interpreter (the venv), whatever ``python`` is on PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "haiplan-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "haiplan (venv)", "language": "python"}), encoding="utf-8")
    return root


def test_the_three_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_weekly_plan.ipynb", "02_coverage.ipynb", "03_expansion.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, kernel_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"
    client = NotebookClient(nb, kernel_name="haiplan-venv", timeout=600,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
