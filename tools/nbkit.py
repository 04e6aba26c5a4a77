"""Shared pieces of the notebook generators: the setup cell and the cell-list -> notebook helper."""
import nbformat as nbf

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
    book = nbf.v4.new_notebook()
    book.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}}
    book.cells = [nbf.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbf.v4.new_code_cell(c) for c in cells]
    for i, cell in enumerate(book.cells):
        cell.id = f"cell-{i:02d}"  # stable ids: regenerating a notebook changes only what changed
    return book
