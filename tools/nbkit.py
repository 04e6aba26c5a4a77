"""Shared notebook pieces: the first (install) cell and the setup cell every course notebook and challenge holds
(tests/test_notebooks.py checks the course notebooks against them), the cell-list -> notebook helper and the
nbgrader cells the challenge generator uses."""
import nbformat as nbf

from alignlab import __version__

# The course's git repository, when it is published: the first cell installs the course from it on a machine
# without the package. Empty: the first cell installs only from a wheel (`make wheel`) placed next to the notebook.
REPOSITORY = ""

# Every notebook's first code cell: on Colab (or any machine without the course package) it installs this release
# of the course, from a wheel next to the notebook or else from REPOSITORY, and otherwise says in one sentence what
# to do; on Colab it also turns on the widget manager that plotly's and the course's widgets need.
INSTALL = f'''# First cell, here or on Colab: install the course package if it is missing (this release of the course, from its
# wheel next to this notebook or from the course's repository) and, on Colab, turn on the widget manager.
import glob, importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("alignlab") is None:
    wheels = sorted(glob.glob("alignlab-{__version__}-*.whl"))  # `make wheel` writes it to dist/; upload it here
    source = wheels[-1] if wheels else "{"git+" + REPOSITORY + "@v" + __version__ if REPOSITORY else ""}"
    if not source:
        raise SystemExit("The course package is missing: run `make wheel` in the course repository and upload "
                         "dist/alignlab-{__version__}-py3-none-any.whl next to this notebook, then run this cell again.")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", source])
    importlib.invalidate_caches()
if "google.colab" in sys.modules:
    from google.colab import output
    output.enable_custom_widget_manager()'''

SETUP = '''# Setup: quiet, offline, and the course package.
import os, warnings
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
warnings.filterwarnings("ignore")
import alignlab
from alignlab.pipeline import Pipeline, STAGE_ORDER, available_stages, check_stage
from alignlab.report import report_card
pipe = Pipeline()  # the cache lives in $ALIGNLAB_CACHE (or ~/.cache/alignlab); built stages are reused'''


def nb(cells):
    """A notebook of these cells (strings, "md:" for markdown, or cells), with INSTALL as its first code cell."""
    first_code = next(i for i, c in enumerate(cells) if not (isinstance(c, str) and c.startswith("md:"))
                      and not (isinstance(c, nbf.NotebookNode) and c.cell_type == "markdown"))
    cells = [*cells[:first_code], INSTALL, *cells[first_code:]]
    book = nbf.v4.new_notebook()
    book.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}}
    book.cells = [c if isinstance(c, nbf.NotebookNode) else
                  nbf.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbf.v4.new_code_cell(c) for c in cells]
    for i, cell in enumerate(book.cells):
        cell.id = f"cell-{i:02d}"  # stable ids: regenerating a notebook changes only what changed
    return book


def _graded(cell, grade_id: str, *, solution: bool, grade: bool, points: float | None = None, locked: bool = False):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def solution(grade_id: str, source: str):
    """A code cell the learner writes (its `### BEGIN/END SOLUTION` part is cut from the release)."""
    return _graded(nbf.v4.new_code_cell(source), grade_id, solution=True, grade=False)


def tests(grade_id: str, points: float, source: str):
    """A locked, autograded test cell (a `### BEGIN/END HIDDEN TESTS` part is cut from the release)."""
    return _graded(nbf.v4.new_code_cell(source), grade_id, solution=False, grade=True, points=points, locked=True)


def answer(grade_id: str, points: float, text: str, rubric: list[str]):
    """A markdown answer the instructor grades by hand: in the instructor's version, the rubric (what earns each
    point) and a model answer; the release replaces the whole cell with nbgrader's "YOUR ANSWER HERE"."""
    if len(rubric) != points:
        raise ValueError(f"{grade_id}: {len(rubric)} rubric lines for {points} points: one line per point")
    lines = "\n".join(f"* 1 point: {r}" for r in rubric)
    return _graded(nbf.v4.new_markdown_cell(f"**Rubric ({points:g} points; half a point for a claim that is right "
                                            f"but not argued).**\n\n{lines}\n\n**Model answer.** {text}"),
                   grade_id, solution=True, grade=True, points=points)


def solved(code: str) -> str:
    """A solution cell's code without its `### BEGIN/END SOLUTION` markers (what a sample submission holds)."""
    return code.replace("    ### BEGIN SOLUTION\n", "").replace("\n    ### END SOLUTION", "")


def check_your_work(challenge: str):
    """The closing cell of a challenge: how to self-check with `alignlab grade`."""
    return nbf.v4.new_markdown_cell(f"""## Check your work

Save the notebook, then in a terminal (or a cell starting with `!`):

```
alignlab grade {challenge}.ipynb
```

It grades your notebook offline exactly as your instructor's nbgrader will (hidden tests included) and prints
the points per test and the path of an HTML feedback page.""")


def challenge_setup(stdlib: str = "os, warnings", torch_imports: str = "import torch") -> str:
    """A challenge's setup cell: quiet, offline, deterministic, with the imports its code needs."""
    return f'''# Setup: quiet, offline, deterministic.
import {stdlib}
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
warnings.filterwarnings("ignore")
{torch_imports}
torch.manual_seed(0)'''


def challenge_stages(name: str) -> str:
    """The cell after a challenge's setup: the course stages it loads, built before any graded cell."""
    return f'''# The course stages this challenge loads: built the first time (minutes on 2 cores, one line per stage), then
# found in the course cache. Built here, before any graded cell, so a graded cell times only your own code.
from alignlab.grading.challenges import CHALLENGES
from alignlab.pipeline import Pipeline

pipe = Pipeline()
pipe.prepare(CHALLENGES["{name}"].stages)'''
