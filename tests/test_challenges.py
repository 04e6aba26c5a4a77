"""The nbgrader challenges: files in sync, releases without solutions, the self-check's errors, and the full round
trip (solution full marks, blank zero, sample submissions graded as they deserve, the instructor's workflow)."""
import csv
import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from alignlab.cli import main
from alignlab.grading.challenges import CHALLENGES, challenge_of
from alignlab.grading.course import Course

REPO = Path(__file__).resolve().parent.parent
C1 = CHALLENGES["c1_preference_learning"]
C2 = CHALLENGES["c2_verifiable_rewards"]
C3 = CHALLENGES["c3_red_team_and_defend"]
SAMPLES = REPO / "autograder" / "samples"

FULL = {"c1-test_sequence_logprobs": 1, "c1-hidden_sequence_logprobs": 2, "c1-test_bradley_terry_loss": 1,
        "c1-hidden_bradley_terry_loss": 2, "c1-test_dpo_loss": 1, "c1-hidden_dpo_loss": 3, "c1-test_training": 2}
NO_DPO = {**FULL, "c1-test_dpo_loss": 0, "c1-hidden_dpo_loss": 0, "c1-test_training": 0}
FULL_C2 = {"c2-test_arithmetic_reward": 1, "c2-hidden_arithmetic_reward": 2, "c2-test_group_advantages": 1,
           "c2-hidden_group_advantages": 2, "c2-test_grpo_loss": 1, "c2-hidden_grpo_loss": 3, "c2-test_training": 2}
FULL_C3 = {"c3-test_attack_success_rate": 1, "c3-hidden_attack_success_rate": 1, "c3-test_over_refusal_rate": 1,
           "c3-test_bbq_bias_scores": 1, "c3-hidden_bbq_bias_scores": 1, "c3-test_success_at_k": 1,
           "c3-hidden_success_at_k": 2, "c3-test_defence": 5}
# per challenge and sample: points per autograded cell, and whether the reflection waits for the instructor (None)
# or scored 0 (left blank)
EXPECTED = {
    C1.name: {
        "correct": (FULL, None),
        "blank": (dict.fromkeys(FULL, 0), 0),
        # unstable BT, attached rewards
        "partly_correct": ({**FULL, "c1-hidden_bradley_terry_loss": 0, "c1-hidden_dpo_loss": 0}, None),
        "wrong": (dict.fromkeys(FULL, 0), 0),
        "tampered_tests": (NO_DPO, None),
        "deleted_test": (NO_DPO, None),
        "endless_loop": (FULL, None),  # the loop's own cell is interrupted; every test is still graded
        "warns_on_stderr": (FULL, None),
    },
    C2.name: {
        "correct": (FULL_C2, None),
        "blank": (dict.fromkeys(FULL_C2, 0), 0),
        # a reward that takes digits of any script; a loss averaged over all tokens of the batch at once
        "partly_correct": ({**FULL_C2, "c2-hidden_arithmetic_reward": 0, "c2-test_grpo_loss": 0,
                            "c2-hidden_grpo_loss": 0}, None),
        # the naive reward, nan advantages on ties, an unclipped loss (which passes the on-policy visible test)
        "wrong": ({**dict.fromkeys(FULL_C2, 0), "c2-test_grpo_loss": 1}, 0),
    },
    C3.name: {
        "correct": (FULL_C3, None),
        "blank": (dict.fromkeys(FULL_C3, 0), 0),
        # the share of attacks rather than per behaviour; k tries drawn with replacement (right on the visible cases
        # only); a recipe of refusals only refuses (3 points) but refuses harmless requests too (no helping points)
        "partly_correct": ({**FULL_C3, "c3-test_attack_success_rate": 0, "c3-hidden_attack_success_rate": 0,
                            "c3-hidden_success_at_k": 0, "c3-test_defence": 3}, None),
        # unscaled ambiguous bias (passes only the all-unknown visible case), success linear in k, no pairs
        "wrong": ({**dict.fromkeys(FULL_C3, 0), "c3-test_bbq_bias_scores": 1}, 0),
    },
}
CASES = [(name, student) for name, samples in EXPECTED.items() for student in samples]


def text_of(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_challenge_files_match_their_generator(tmp_path):
    """source/, release/ and the samples are what tools/make_challenges.py writes (release via nbgrader)."""
    done = subprocess.run([sys.executable, str(REPO / "tools" / "make_challenges.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for folder in ("source", "release", "autograder/samples"):
        assert files_under(tmp_path / folder) == files_under(REPO / folder), folder
        for name in files_under(REPO / folder):
            assert filecmp.cmp(tmp_path / folder / name, REPO / folder / name, shallow=False), \
                f"{folder}/{name} is out of date: run python tools/make_challenges.py"


def solution_lines(source_text: str) -> list[str]:
    """Lines that only the solution and hidden-test blocks of an instructor notebook hold."""
    pattern = r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1"
    blocks = re.findall(pattern, source_text, flags=re.DOTALL)
    outside = re.sub(pattern, "", source_text, flags=re.DOTALL)
    return [line.strip() for _, block in blocks for line in block.splitlines()
            if len(line.strip()) > 12 and line.strip() not in outside]


@pytest.mark.parametrize("challenge", CHALLENGES.values(), ids=CHALLENGES)
def test_release_holds_no_solution_and_no_hidden_test(challenge):
    source = text_of(REPO / "source" / challenge.name / challenge.notebook)
    release = text_of(REPO / "release" / challenge.name / challenge.notebook)
    hidden = solution_lines(source)
    assert len(hidden) > 20
    assert "### BEGIN" not in release and "### END" not in release
    assert [line for line in hidden if line in release] == []
    assert source.count("**Rubric (") >= 1 and "Rubric" not in release  # what earns each hand-graded point
    points = [c.metadata.nbgrader.get("points", 0) for c in
              nbformat.read(REPO / "release" / challenge.name / challenge.notebook, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    assert all(p > 0 for p in points)


def test_a_renamed_copy_is_still_recognised(tmp_path):
    copy = tmp_path / "c1_preference_learning (1).ipynb"
    shutil.copy(REPO / "release" / C1.name / C1.notebook, copy)
    assert challenge_of(copy) is C1


@pytest.mark.parametrize("make, needle", [
    (lambda d: d / "missing.ipynb", "no such file"),
    (lambda d: (d / "notes.txt").write_text("hi") and d / "notes.txt", "not a Jupyter notebook"),
    (lambda d: (d / "broken.ipynb").write_text("{not json") and d / "broken.ipynb", "invalid JSON"),
    (lambda d: d, "not a Jupyter notebook"),
    (lambda d: REPO / "course" / "01_pretraining.ipynb", "not a notebook of any challenge"),
])
def test_grade_bad_input_one_line_exit_2(make, needle, tmp_path, capsys):
    assert main(["--cache", str(tmp_path / "cache"), "grade", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and err.startswith("alignlab: error:")
    assert not (tmp_path / "cache").exists()  # nothing was built for a file that cannot be graded


def scores_of(course: Course, challenge, student: str) -> tuple[dict, float | None]:
    scores = {s.grade_id: s for s in course.scores(challenge, student)}
    reflection = scores.pop(f"{challenge.prefix}reflection")
    full = EXPECTED[challenge.name]["correct"][0]
    assert {k: s.max_points for k, s in scores.items()} == full  # tampered points never count
    return {k: s.points for k, s in scores.items()}, reflection.points


@pytest.fixture(scope="module")
def graded_samples(course_pipeline, tmp_path_factory):
    """One scratch course with each challenge's blank release and samples submitted, autograded (one nbgrader run
    per challenge)."""
    for stage in {s for c in CHALLENGES.values() for s in c.stages}:
        course_pipeline.build(stage)  # the notebooks load them; built outside the graded cells' time limit
    course = Course.scratch(list(CHALLENGES.values()), tmp_path_factory.mktemp("course"))
    for name, samples in EXPECTED.items():
        challenge = CHALLENGES[name]
        course.submit(challenge, "blank", course.generate(challenge))
        for student in samples:
            if student != "blank":
                course.submit(challenge, student, SAMPLES / name / f"{student}.ipynb")
        course.autograde(challenge)
        course.feedback(challenge)
    return course


@pytest.mark.slow
@pytest.mark.parametrize("name, student", CASES, ids=[f"{n.split('_')[0]}-{s}" for n, s in CASES])
def test_samples_are_graded_as_they_deserve(graded_samples, name, student):
    challenge = CHALLENGES[name]
    assert scores_of(graded_samples, challenge, student) == EXPECTED[name][student]
    assert graded_samples.feedback_path(challenge, student).is_file()


@pytest.mark.slow
def test_a_deleted_test_cell_is_restored_and_an_endless_loop_is_interrupted(graded_samples):
    def autograded(student):
        return nbformat.read(graded_samples.root / "autograded" / student / C1.name / C1.notebook, as_version=4)

    restored = [c for c in autograded("deleted_test").cells if c.metadata.get("nbgrader", {}).get("grade_id") ==
                "c1-test_dpo_loss"]
    assert len(restored) == 1 and "was missing from the submission" in restored[0].source
    loop = next(c for c in autograded("endless_loop").cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "c1-bradley_terry_loss")
    assert "CellTimeoutError" in [o.ename for o in loop.outputs if o.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("challenge", CHALLENGES.values(), ids=CHALLENGES)
def test_validate_passes_the_solution_and_fails_the_release(course_pipeline, challenge):
    from nbgrader.validator import Validator
    from traitlets.config import Config

    for stage in challenge.stages:
        course_pipeline.build(stage)
    validator = Validator(config=Config({"Execute": {"timeout": 120}}))  # the per-cell limit of nbgrader_config.py
    assert "failed" not in validator.validate(str(REPO / "source" / challenge.name / challenge.notebook))
    assert validator.validate(str(REPO / "release" / challenge.name / challenge.notebook)).get("failed")


@pytest.mark.slow
def test_instructor_workflow_and_grading_twice(graded_samples, tmp_path):
    """generate, release to an exchange, fetch and submit as a student, collect, autograde, feedback, export; the
    correct sample grades exactly as it did in the other course."""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    course = Course.scratch([C1], tmp_path / "course")
    course.generate(C1)
    ex = f"--Exchange.root={exchange}"
    course.nbgrader("release_assignment", C1.name, ex)
    student_home = tmp_path / "student"
    student_home.mkdir()
    Course(student_home).nbgrader("fetch_assignment", C1.name, ex, "--course=alignlab")
    fetched = student_home / C1.name / C1.notebook
    shutil.copy(SAMPLES / C1.name / "correct.ipynb", fetched)
    Course(student_home).nbgrader("submit", C1.name, ex, "--course=alignlab")
    course.nbgrader("collect", C1.name, ex)
    [student] = [p.name for p in (course.root / "submitted").iterdir()]
    course.autograde(C1, student)
    course.feedback(C1, student)
    course.nbgrader("export", "--to", str(tmp_path / "grades.csv"))
    assert scores_of(course, C1, student) == scores_of(graded_samples, C1, "correct")
    with open(tmp_path / "grades.csv") as f:
        [row] = list(csv.DictReader(f))
    assert row["student_id"] == student and float(row["raw_score"]) == sum(FULL.values())
    assert course.feedback_path(C1, student).is_file()


@pytest.mark.slow
def test_self_check_prints_points_per_test(course_pipeline, tmp_path, capsys):
    course_pipeline.build("sft")
    cache = os.environ.get("ALIGNLAB_CACHE")
    argv = (["--cache", cache] if cache else []) + ["grade", str(SAMPLES / C1.name / "partly_correct.ipynb"),
                                                    "--workdir", str(tmp_path / "grading")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "c1-hidden_dpo_loss            0 / 3" in out and "Autograded total: 7 / 12" in out
    assert "Feedback: " in out and Path(out.split("Feedback: ")[1].strip()).is_file()
