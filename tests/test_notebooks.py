"""Every course notebook runs top to bottom in a fresh kernel, and is committed without outputs."""
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

COURSE = Path(__file__).resolve().parent.parent / "course"
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))


def test_notebooks_exist_and_are_clean():
    assert [p.stem for p in NOTEBOOKS][:6] == ["00_pipeline_tour", "01_pretraining", "02_sft", "03_reward_model",
                                               "04_rlhf_ppo", "05_dpo"]
    for p in NOTEBOOKS:
        for cell in json.loads(p.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, p.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, course_pipeline, tmp_path):
    course_pipeline.build("base")  # upstream stages come from the shared cache (the stage tests build the rest)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
