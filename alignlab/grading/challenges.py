"""The course's challenges and how to recognise one: by the nbgrader grade ids its cells carry, so a notebook
renamed on download ("c1_preference_learning (1).ipynb") is still recognised."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


class GradingError(ValueError):
    """A notebook that cannot be graded, or a grading run that failed; the message says which and why."""


@dataclass(frozen=True)
class Challenge:
    name: str  # the nbgrader assignment id: the folder under source/ and release/
    title: str
    stages: tuple[str, ...]  # course stages the notebook loads: built before grading, outside the per-cell timeout

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def prefix(self) -> str:
        """Every nbgrader grade id of the challenge starts with this ("c1-")."""
        return self.name.split("_")[0] + "-"


CHALLENGES = {c.name: c for c in [
    Challenge("c1_preference_learning", "Preference learning: Bradley-Terry, sequence log-probabilities, DPO",
              ("sft",)),
    Challenge("c2_verifiable_rewards", "RL with verifiable rewards: a hack-proof reward, group advantages, GRPO",
              ("sft",)),
    Challenge("c3_red_team_and_defend", "Red team and defend: safety metrics, attacks on dpo, a safety-data recipe",
              ("sft", "dpo", "red_team")),
]}


def course_root() -> Path:
    """The folder with `nbgrader_config.py` and `source/`: `ALIGNLAB_COURSE_ROOT`, else the repository that
    holds this package."""
    root = Path(os.environ.get("ALIGNLAB_COURSE_ROOT") or Path(__file__).resolve().parents[2])
    if not (root / "nbgrader_config.py").is_file() or not (root / "source").is_dir():
        raise GradingError(f"the course's nbgrader files (nbgrader_config.py, source/) are not in {root}; "
                           "set ALIGNLAB_COURSE_ROOT to a clone of the course repository")
    return root


def grade_ids(notebook: dict) -> list[str]:
    return [c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "") for c in notebook.get("cells", [])]


def read_notebook(path: str | Path) -> dict:
    """The notebook's JSON, or a GradingError that names the file and what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise GradingError(f"{path}: no such file")
    if path.is_dir() or path.suffix != ".ipynb":
        raise GradingError(f"{path}: not a Jupyter notebook (expected a .ipynb file)")
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise GradingError(f"{path}: not a Jupyter notebook (invalid JSON: {e})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise GradingError(f"{path}: not a Jupyter notebook (no list of cells)")
    return notebook


def challenge_of(path: str | Path) -> Challenge:
    """The challenge a notebook belongs to, recognised from its cells' grade ids."""
    ids = grade_ids(read_notebook(path))
    for challenge in CHALLENGES.values():
        if any(i.startswith(challenge.prefix) for i in ids):
            return challenge
    raise GradingError(f"{path}: not a notebook of any challenge (none of its cells is an nbgrader cell of "
                       f"{', '.join(CHALLENGES)}); grade a notebook from release/")
