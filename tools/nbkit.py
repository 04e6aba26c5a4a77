"""Shared pieces of the notebook generators: the first (install) cell, the setup cell, the cell-list -> notebook
helper, and nbgrader cells."""
import nbformat as nbf

from alignlab import __version__

# Every notebook's first code cell: on Colab (or any machine without the course package) it installs the course's
# release, and on Colab it turns on the widget manager that plotly's and the course's widgets need.
INSTALL = f'''# First cell, here or on Colab: install the course package if it is missing (pinned to this release of the course)
# and, on Colab, turn on the widget manager that the interactive charts and widgets need.
import importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("alignlab") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "alignlab=={__version__}"])
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
