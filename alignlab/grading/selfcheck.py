"""The learner's self-check (`alignlab grade NOTEBOOK`): autograde one challenge notebook offline, in a scratch
nbgrader course, and report points per test cell. No instructor, exchange or network is needed."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .challenges import Challenge, challenge_of
from .course import CellScore, Course

STUDENT = "learner"


@dataclass(frozen=True)
class SelfCheck:
    challenge: Challenge
    scores: list[CellScore]
    feedback: Path

    @property
    def points(self) -> float:
        return sum(s.points for s in self.scores if not s.manual)

    @property
    def max_points(self) -> float:
        return sum(s.max_points for s in self.scores if not s.manual)

    @property
    def manual_points(self) -> float:
        return sum(s.max_points for s in self.scores if s.manual)


def self_check(notebook: str | Path, pipeline=None, workdir: str | Path | None = None) -> SelfCheck:
    """Autograde `notebook` as the instructor would. The course stages the challenge loads are built first (once,
    in the course cache), so the notebook's per-cell time limit only times the learner's own code."""
    from ..pipeline import Pipeline

    challenge = challenge_of(notebook)
    pipeline = pipeline or Pipeline()
    for stage in challenge.stages:
        pipeline.build(stage)
    course = Course.scratch([challenge], workdir)
    course.generate(challenge)
    course.submit(challenge, STUDENT, notebook)
    # the notebook's kernel sees the same course cache and profile, so it loads the stages just built
    course.autograde(challenge, STUDENT, env={"ALIGNLAB_CACHE": str(pipeline.cache.root),
                                              "ALIGNLAB_PROFILE": pipeline.config.profile})
    course.feedback(challenge, STUDENT)
    return SelfCheck(challenge, course.scores(challenge, STUDENT), course.feedback_path(challenge, STUDENT))


def format_self_check(result: SelfCheck) -> str:
    width = max(len(s.grade_id) for s in result.scores)
    lines = [f"{result.challenge.name}: {result.challenge.title}"]
    for s in result.scores:
        shown = "graded by your instructor" if s.manual else f"{s.points:g}"
        lines.append(f"  {s.grade_id:<{width}}  {shown} / {s.max_points:g}")
    lines.append(f"Autograded total: {result.points:g} / {result.max_points:g}"
                 + (f" (plus {result.manual_points:g} points your instructor grades by hand)" if result.manual_points else ""))
    lines.append(f"Feedback: {result.feedback}")
    return "\n".join(lines)
