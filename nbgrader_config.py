"""nbgrader configuration of the course's three challenges (see autograder/README.md).

The course root is this folder: `source/` holds the instructor notebooks, `release/` the student versions,
and `submitted/`, `autograded/`, `feedback/` and `gradebook.db` appear here when an instructor grades
(they are git-ignored). `alignlab grade` copies this file into a temporary course to self-check one notebook.
"""
import os

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "alignlab"

# Each cell gets 120 s. The challenges' slowest graded cells, the training ones, take under a minute on 2 cores
# (`make bench` prints each challenge's slowest cells). An endless loop costs only its own cell, which is
# interrupted, and the rest of the notebook is still graded.
c.Execute.timeout = 120
# A test cell whose student deleted it is put back (with its original code) and graded.
c.OverwriteCells.add_missing_cells = True
# nbgrader gives a test cell zero when anything reaches stderr. Marks come from assertions only, so stderr
# (warnings, progress bars, logging) is dropped before grading: a correct answer that warns keeps its points.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"^"
# Long outputs (a print in a loop) are cut so feedback stays readable.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# The seed the hidden tests draw their random cases from (batches, records, predictions). The repository is public,
# so an instructor who grades for credit sets a private number here (or in the environment): the published hidden
# tests then do not fix the cases a grade depends on. 0 keeps the cases the course ships with.
GRADING_SEED = 0
os.environ.setdefault("ALIGNLAB_GRADING_SEED", str(GRADING_SEED))

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
