"""An nbgrader course folder and the steps of grading in it: generate, submit, autograde, feedback, scores.

The learner's self-check and the tests use a scratch copy of the course (its `nbgrader_config.py` and the
instructor notebooks of the challenges at hand), so grading never touches the repository or a real gradebook."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .challenges import Challenge, GradingError, course_root, grade_ids, read_notebook

COURSE_ID = "alignlab"


@dataclass(frozen=True)
class CellScore:
    grade_id: str
    points: float | None  # None while a manually graded answer waits for the instructor
    max_points: float

    @property
    def manual(self) -> bool:
        return self.points is None


class Course:
    """An nbgrader course rooted at `root` (the folder of its `nbgrader_config.py`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def scratch(cls, challenges: list[Challenge], where: str | Path | None = None,
                source_root: str | Path | None = None) -> Course:
        """A new course folder holding the course's config and the given challenges' instructor notebooks (from
        `source_root`/source, by default the course's own)."""
        root = Path(where) if where else Path(tempfile.mkdtemp(prefix="alignlab-grading-"))
        course = course_root()
        source = Path(source_root or course) / "source"
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(course / "nbgrader_config.py", root / "nbgrader_config.py")
        for c in challenges:
            shutil.copytree(source / c.name, root / "source" / c.name, dirs_exist_ok=True)
        return cls(root)

    def nbgrader(self, *args: str, env: dict | None = None, timeout: float = 3600) -> str:
        """Run one nbgrader command in the course folder (`env` adds to the environment, which the notebooks'
        kernels inherit); its log, or a GradingError with the log's end."""
        env = dict(os.environ, PYTHONWARNINGS="ignore", **(env or {}))
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # nbgrader runs alembic
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        if done.returncode != 0:
            raise GradingError(f"nbgrader {' '.join(args)} failed in {self.root}:\n{done.stdout[-3000:]}")
        return done.stdout

    def generate(self, challenge: Challenge) -> Path:
        """Record the challenge's grade cells in the gradebook and write its student version to release/."""
        self.nbgrader("generate_assignment", challenge.name, "--force")
        return self.root / "release" / challenge.name / challenge.notebook

    def submit(self, challenge: Challenge, student: str, notebook: str | Path) -> Path:
        """Put a student's notebook where `nbgrader autograde` looks for it (what `nbgrader collect` does)."""
        read_notebook(notebook)
        target = self.root / "submitted" / student / challenge.name / challenge.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, target)
        return target

    def autograde(self, challenge: Challenge, student: str | None = None, env: dict | None = None) -> str:
        return self.nbgrader("autograde", challenge.name, "--force", *(["--student", student] if student else []),
                             env=env)

    def feedback(self, challenge: Challenge, student: str | None = None) -> str:
        return self.nbgrader("generate_feedback", challenge.name, "--force",
                             *(["--student", student] if student else []))

    def feedback_path(self, challenge: Challenge, student: str) -> Path:
        return self.root / "feedback" / student / challenge.name / challenge.notebook.replace(".ipynb", ".html")

    def scores(self, challenge: Challenge, student: str) -> list[CellScore]:
        """Points per grade cell of an autograded submission, in the notebook's order."""
        from nbgrader.api import Gradebook, MissingEntry

        order = [i for i in grade_ids(read_notebook(self.root / "source" / challenge.name / challenge.notebook)) if i]
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
            try:
                notebook = gb.find_submission_notebook(challenge.name, challenge.name, student)
            except MissingEntry:
                raise GradingError(f"no autograded submission of {challenge.name} by {student} in {self.root}") from None
            grades = {g.name: CellScore(g.name, None if g.needs_manual_grade else g.score, g.max_score)
                      for g in notebook.grades}
        return [grades[i] for i in order if i in grades]
