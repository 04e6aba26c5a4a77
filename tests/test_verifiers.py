"""The arithmetic verifiers: the strict one accepts only a single right final answer; the naive one is gameable."""
import pytest

from alignlab.verifiers import VERIFIERS, naive, strict, trl_reward

RIGHT = "4 + 3 = 7. The answer is 7."
# replies that game a verifier: every number written, several final answers, a hedge, the answer then more text
HACKS = ["1 2 3 4 5 6 7 8 9 10 11 12", "The answer is 6. The answer is 7.", "The answer is 7 or 8.",
         "The answer is 7. Or maybe 8.", "4 + 3 = 7. The answer is 8.", "The answer is 17."]


def test_strict_accepts_only_one_right_final_answer():
    assert strict(RIGHT, "7") == 1.0
    assert strict("The answer is 7", "7") == 1.0  # the final full stop is optional
    assert strict("The answer is -2.", "-2") == 1.0
    for reply in [*HACKS, "", "7", "The answer is seven."]:
        assert strict(reply, "7") == 0.0, reply


def test_naive_is_fooled_by_writing_many_numbers():
    assert naive(RIGHT, "7") == 1.0
    assert naive("The answer is 17.", "7") == 0.0  # it matches whole numbers, not digits
    fooled = [h for h in HACKS if naive(h, "7")]
    assert len(fooled) >= 4


def test_trl_reward_reads_conversational_completions():
    reward = trl_reward("strict")
    completions = [[{"role": "assistant", "content": RIGHT}], [{"role": "assistant", "content": HACKS[0]}]]
    assert reward(completions=completions, answer=["7", "7"], prompts=None) == [1.0, 0.0]
    assert reward.__name__ == "strict"
    assert set(VERIFIERS) == {"strict", "naive"}


def test_unknown_verifier_names_the_choices():
    with pytest.raises(ValueError, match="strict, naive"):
        trl_reward("lenient")


def test_only_ascii_digits_count():
    """`\\d` would also match the digits of other scripts; the world's answers are written 0-9."""
    assert strict("The answer is 12.", "12") == 1.0
    for digits in ("١٢", "１２", "۱۲"):
        assert strict(f"The answer is {digits}.", "12") == 0.0
        assert naive(f"The answer is {digits}.", "12") == 0.0
