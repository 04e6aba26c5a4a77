"""Every course notebook runs top to bottom in a fresh kernel with its exercises left blank, is committed without
outputs, and each exercise's check passes the answer key and rejects a typical mistake."""
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from alignlab.exercises import EXERCISES
from alignlab.pipeline import available_stages

COURSE = Path(__file__).resolve().parent.parent / "course"
NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))


def exercises_in(nb) -> dict[str, tuple[int, int]]:
    """Exercise name -> (index of the cell holding its blank `<variable> = ...`, index of the cell checking it)."""
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for name in re.findall(r'check\("(\d\d\.\d+)"', cell.source):
            blank = re.compile(rf"^{re.escape(EXERCISES[name].variable)} = \.\.\.(\s*#.*)?$", re.M)
            found[name] = (next(j for j in range(i, -1, -1) if nb.cells[j].cell_type == "code"
                                and blank.search(nb.cells[j].source)), i)
    return found


def filled(source: str, variable: str, expression: str) -> str:
    return re.sub(rf"^{re.escape(variable)} = \.\.\.(\s*#.*)?$", f"{variable} = {expression}", source, flags=re.M)


def test_notebooks_exist_and_are_clean():
    assert [p.stem for p in NOTEBOOKS][:6] == ["00_pipeline_tour", "01_pretraining", "02_sft", "03_reward_model",
                                               "04_rlhf_ppo", "05_dpo"]
    for p in NOTEBOOKS:
        for cell in json.loads(p.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, p.name


def test_every_exercise_has_a_blank_and_a_check_in_its_notebook():
    seen = {}
    for p in NOTEBOOKS:
        found = exercises_in(nbformat.read(p, as_version=4))
        assert all(name.startswith(p.stem[:2] + ".") for name in found), (p.name, sorted(found))
        if p.stem[:2] != "00":  # the tour shows; notebooks 01-09 each give the learner at least two things to do
            assert len(found) >= 2, f"{p.name} has {len(found)} exercises"
        seen.update(found)
    assert sorted(seen) == sorted(EXERCISES)


def run_extra(client, nb, source: str):
    """Run `source` in the notebook's kernel as a cell after the last (nbclient stores each cell it runs)."""
    nb.cells.append(nbformat.v4.new_code_cell(source))
    try:
        return client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    finally:
        nb.cells.pop()


def kernel_status(client, nb) -> dict:
    cell = run_extra(client, nb, "import json\nfrom alignlab.exercises import STATUS\nprint(json.dumps(STATUS))")
    return json.loads(next(o.text for o in cell.outputs if o.output_type == "stream"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, course_pipeline, tmp_path):
    """Run with the blanks left (each check says so and the notebook goes on), then, in the same kernel, fill
    each blank with the answer key and with a typical mistake and rerun its cells."""
    course_pipeline.build("base")  # upstream stages come from the shared cache (the stage tests build the rest)
    if path.stem == "09_evaluate_and_iterate":
        # its first cells evaluate every stage: built here, outside nbclient's per-cell limit, since in the suite's
        # two workers this notebook may run before the other tests have built them
        course_pipeline.run([s for s in available_stages() if s != "reward_model"])
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    exercises = exercises_in(nb)
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        assert kernel_status(client, nb) == dict.fromkeys(exercises, "blank")
        for name, (blank, check) in exercises.items():
            ex = EXERCISES[name]
            for expression, expected in ((ex.solution, "right"), (ex.mistake, "wrong")):
                sources = [filled(nb.cells[blank].source, ex.variable, expression)]
                if check != blank:
                    sources.append(nb.cells[check].source)
                try:
                    for source in sources:
                        run_extra(client, nb, source)
                except CellExecutionError as e:
                    assert expected == "wrong" and "not yet right" in str(e), (name, expression, str(e)[-800:])
                assert kernel_status(client, nb)[name] == expected, (name, expression)


def test_shared_cells_are_the_same_in_every_notebook():
    """The notebooks are edited as notebooks; the two cells they share are checked here, not generated: the first
    code cell (install on Colab) and the setup cell are tools/nbkit.py's INSTALL and SETUP."""
    import sys
    sys.path.insert(0, str(COURSE.parent / "tools"))
    from nbkit import INSTALL, SETUP
    for p in NOTEBOOKS:
        code = [c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"]
        assert code[0] == INSTALL and SETUP in code, f"{p.name}: its install or setup cell differs from tools/nbkit.py"


MEASURED = (r"\b(?:{metrics})\b[^.\n]{{0,40}}?(?<![\w.])\d*\.\d+"
            r"|\b(?:about|around|roughly|nearly)\s+(?:\d*\.\d+|\d+%)")
CITATION = re.compile(r"\b(?:19|20)\d\d\b")


def test_no_measured_number_is_typed_into_markdown():
    """A number about the course's models comes from the run (an f-string or a printed table), never from prose
    that the next world or CPU would make wrong: no metric name followed by a number, no "about 0.6", except in a
    sentence that cites a paper (a year)."""
    from alignlab.report import METRICS
    measured = re.compile(MEASURED.format(metrics="|".join(METRICS)))
    assert measured.search("its asr_direct fell to 0.12") and measured.search("agreed on about 0.6 of pairs")
    found = []
    for p in [*NOTEBOOKS, *sorted((COURSE.parent / "source").glob("*/*.ipynb"))]:
        for cell in nbformat.read(p, as_version=4).cells:
            if cell.cell_type == "markdown":
                found += [(p.name, s) for s in re.split(r"(?<=[.!?])\s+", cell.source)
                          if measured.search(s) and not CITATION.search(s)]
    assert not found, found


def prose_words(markdown: str) -> int:
    """Words of prose in a markdown cell (table rows and display maths left out)."""
    kept = [line for line in markdown.split("\n") if not line.lstrip().startswith(("|", "$$", "\\"))]
    return len(" ".join(kept).split())


def test_markdown_cells_are_short():
    """A notebook reads in 20-30 minutes when its text comes in short cells between the cells that run."""
    long = [(p.name, c.id, prose_words(c.source)) for p in NOTEBOOKS for c in nbformat.read(p, as_version=4).cells
            if c.cell_type == "markdown" and prose_words(c.source) > 120]
    assert not long, long
