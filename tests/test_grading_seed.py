"""The hidden tests draw their random cases from the instructor's seed (`ALIGNLAB_GRADING_SEED`, set in
nbgrader_config.py): under the default and under another seed, the solution passes every hidden test and each
sample's wrong answer still fails the hidden test of its function. Run in-process on the instructor notebooks'
cells (the graded round trip through nbgrader is in test_challenges.py)."""
import json
import os
import sys
from pathlib import Path

import pytest

from alignlab.grading.challenges import CHALLENGES
from alignlab.grading.references import grading_seed

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import challenge_c1, challenge_c2, challenge_c3  # noqa: E401,E402  (the challenges' definitions and samples)

DEFINITIONS = {d.NAME: d for d in (challenge_c1, challenge_c2, challenge_c3)}


def cells_of(challenge) -> tuple[list[str], dict[str, str]]:
    """The code cells before the first graded one (setup, imports), and every graded cell's code by grade id."""
    book = json.loads((REPO / "source" / challenge.name / challenge.notebook).read_text())
    setup, graded = [], {}
    for cell in book["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id:
            graded[grade_id] = "".join(cell["source"])
        elif cell["cell_type"] == "code" and not graded:
            setup.append("".join(cell["source"]))
    return setup, graded


def hidden_tests(graded: dict[str, str], prefix: str) -> dict[str, str]:
    """{solution grade id: its hidden test's code}."""
    return {prefix + gid.removeprefix(prefix + "hidden_"): code for gid, code in graded.items()
            if gid.startswith(prefix + "hidden_")}


def passes(setup: list[str], answer: str, test: str) -> bool:
    from alignlab.pipeline import Pipeline

    namespace: dict = {"pipe": Pipeline()}
    for code in setup:
        if "pipe.prepare(" not in code:  # the cell that builds the stages: the hidden tests of functions need none
            exec(code, namespace)
    exec(answer, namespace)
    try:
        exec(test, namespace)
    except Exception:  # an assertion, or an error the answer caused
        return False
    return True


def test_the_seed_is_the_salt_by_default_and_mixed_otherwise(monkeypatch):
    monkeypatch.delenv("ALIGNLAB_GRADING_SEED", raising=False)
    assert grading_seed(7) == 7
    monkeypatch.setenv("ALIGNLAB_GRADING_SEED", "424242")
    assert grading_seed(7) != 7 and grading_seed(7) != grading_seed(3) and 0 <= grading_seed(7) < 2**31
    monkeypatch.setenv("ALIGNLAB_GRADING_SEED", "secret")
    with pytest.raises(ValueError, match="ALIGNLAB_GRADING_SEED must be a whole number"):
        grading_seed(7)


def test_nbgrader_config_passes_the_instructors_seed_to_the_kernels(monkeypatch):
    environ = {k: v for k, v in os.environ.items() if k != "ALIGNLAB_GRADING_SEED"}
    monkeypatch.setattr(os, "environ", environ)  # nbgrader's kernels inherit nbgrader's environment
    config = type("Config", (), {"__getattr__": lambda self, name: self})()  # absorbs c.X.y = ...
    text = (REPO / "nbgrader_config.py").read_text()
    exec(text, {"get_config": lambda: config, "__file__": str(REPO / "nbgrader_config.py")})
    assert environ["ALIGNLAB_GRADING_SEED"] == "0"


@pytest.mark.parametrize("seed", ["0", "424242"])
@pytest.mark.parametrize("name", list(CHALLENGES))
def test_hidden_tests_hold_under_any_seed(name, seed, monkeypatch):
    monkeypatch.setenv("ALIGNLAB_GRADING_SEED", seed)
    challenge, definition = CHALLENGES[name], DEFINITIONS[name]
    setup, graded = cells_of(challenge)
    hidden = hidden_tests(graded, challenge.prefix)
    assert hidden, f"{name} has no hidden test"
    for solution_id, test in hidden.items():
        assert passes(setup, graded[solution_id], test), f"the solution fails {solution_id}'s hidden test"
    mutants = {gid: answer for sample in ("partly_correct", "wrong")
               for gid, answer in definition.SAMPLES[sample]["answers"].items()
               if gid in hidden and answer != definition.SAMPLES["correct"]["answers"].get(gid)}
    assert mutants, f"{name}'s samples have no wrong answer to a function with hidden tests"
    for solution_id, answer in mutants.items():
        assert not passes(setup, answer, hidden[solution_id]), f"a wrong {solution_id} passes its hidden test"


# Challenge 2's reward written from the challenge's text alone, one bullet of "The reward" per step and without a
# regular expression, so it shares no code or pattern with the solution or with `strict`.
SPEC_REWARD = '''def arithmetic_reward(completion, answer):
    phrase = "the answer is"
    if completion.lower().count(phrase) != 1:  # exactly once, in any letter case
        return 0.0
    lines = completion.strip().splitlines()  # leading and trailing whitespace removed
    if not lines:  # an empty or blank completion
        return 0.0
    last = lines[-1]
    at = last.lower().rfind(phrase)
    if at < 0:
        return 0.0
    rest = last[at + len(phrase):].strip()  # any whitespace (or none) after "is" and at the end
    if rest.endswith("."):  # an optional full stop, any whitespace before it
        rest = rest[:-1].rstrip()
    digits = rest[1:] if rest.startswith("-") else rest  # an optional minus sign
    if not digits or any(c not in "0123456789" for c in digits):  # ASCII digits only
        return 0.0
    return float(int(rest) == int(answer))'''


@pytest.mark.parametrize("seed", ["0", "424242"])
def test_a_reward_written_from_challenge_2s_text_passes_its_tests(seed, monkeypatch):
    """Challenge 2's spec states every rule its reward tests check (issue 30): an implementation of the text's
    rules and nothing else passes the visible and the hidden tests."""
    monkeypatch.setenv("ALIGNLAB_GRADING_SEED", seed)
    setup, graded = cells_of(CHALLENGES["c2_verifiable_rewards"])
    for test_id in ("c2-test_arithmetic_reward", "c2-hidden_arithmetic_reward"):
        assert passes(setup, SPEC_REWARD, graded[test_id]), f"the text's rules fail {test_id}"
    # and the tests are not vacuous: the text's rules with one bullet left out fail the hidden test
    loose = {"the phrase more than once": SPEC_REWARD.replace("!= 1:", "< 1:"),
             "one space before N only": SPEC_REWARD.replace("len(phrase):].strip()", "len(phrase) + 1:]"),
             "digits of other scripts": SPEC_REWARD.replace('c not in "0123456789"', "not c.isdigit()")}
    for rule, code in loose.items():
        assert code != SPEC_REWARD, rule
        assert not passes(setup, code, graded["c2-hidden_arithmetic_reward"]), f"the hidden test misses {rule}"
