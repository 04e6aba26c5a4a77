"""Writes the challenges: source/<challenge>/ (instructor notebooks), release/<challenge>/ (generated from them by
`nbgrader generate_assignment`) and autograder/samples/<challenge>/ (sample submissions built on the release).

    python tools/make_challenges.py            # into the repository
    python tools/make_challenges.py --out DIR  # into DIR (the tests compare DIR with the repository)
"""
import argparse
import copy
import shutil
import sys
from pathlib import Path

import challenge_c1
import challenge_c2
import challenge_c3
import nbformat as nbf
from nbkit import nb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from alignlab.grading.challenges import CHALLENGES
from alignlab.grading.course import Course

DEFINITIONS = [challenge_c1, challenge_c2, challenge_c3]


def write(book, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbf.write(book, path)


def sample(release, spec: dict):
    """A submission: the release with the learner's answers in its solution cells, and any tampering applied."""
    book = copy.deepcopy(release)
    kept = []
    for cell in book.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in spec.get("delete", []):
            continue
        if grade_id in spec.get("answers", {}):
            cell.source = spec["answers"][grade_id]
        if grade_id in spec.get("edit", {}):
            cell.source = spec["edit"][grade_id]
            cell.metadata["nbgrader"]["points"] = 100
        kept.append(cell)
    book.cells = kept
    return book


def main(out: Path) -> None:
    for definition in DEFINITIONS:
        challenge = CHALLENGES[definition.NAME]
        source = out / "source" / challenge.name / challenge.notebook
        write(nb(definition.cells()), source)
        scratch = Course.scratch([challenge], source_root=out)
        release_path = out / "release" / challenge.name / challenge.notebook
        release_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(scratch.generate(challenge), release_path)
        shutil.rmtree(scratch.root)
        release = nbf.read(release_path, as_version=4)
        for name, spec in definition.SAMPLES.items():
            write(sample(release, spec), out / "autograder" / "samples" / challenge.name / f"{name}.ipynb")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO)
    main(parser.parse_args().out)
