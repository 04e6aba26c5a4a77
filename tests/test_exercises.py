"""The exercise checks: a blank lets the notebook run on with the reference, a wrong answer fails with a hint, a
right one passes; bad names and missing references are clear errors."""
import math

import pytest
import torch

from alignlab import exercises
from alignlab.exercises import EXERCISES, bucket, check, solution


def test_blank_right_and_wrong(capsys):
    assert check("01.1", ..., val_loss=1.5) == pytest.approx(math.exp(1.5))
    assert exercises.STATUS["01.1"] == "blank" and "still blank" in capsys.readouterr().out
    assert check("01.1", math.exp(1.5), val_loss=1.5) == pytest.approx(math.exp(1.5))
    assert exercises.STATUS["01.1"] == "right"
    with pytest.raises(AssertionError, match="Hint: perplexity is e to the power"):
        check("01.1", 2 ** 1.5, val_loss=1.5)
    assert exercises.STATUS["01.1"] == "wrong"


def test_tensors_compare_by_shape_and_value():
    expected = torch.tensor([[0.5, -0.5, 0.5]])
    assert torch.equal(check("04.2", torch.tensor([[0.5, -0.5, 0.5]]), expected=expected), expected)
    with pytest.raises(AssertionError):
        check("04.2", torch.tensor([0.5, -0.5, 0.5]), expected=expected)  # right numbers, wrong shape
    with pytest.raises(AssertionError):
        check("04.2", "0.5", expected=expected)


def test_words_and_open_answers():
    assert check("02.2", " None ", expected="none") == " None "
    with pytest.raises(AssertionError):
        check("02.2", "all", expected="none")
    from alignlab import verifiers
    assert check("07.2", ..., naive=verifiers.naive, strict=verifiers.strict) == "7 8 9"
    assert check("07.2", "7 7", naive=verifiers.naive, strict=verifiers.strict) == "7 7"
    with pytest.raises(AssertionError):
        check("07.2", "4 + 3 = 7. The answer is 7.", naive=verifiers.naive, strict=verifiers.strict)


def test_bad_calls_say_what_is_wrong(capsys):
    with pytest.raises(ValueError, match="unknown exercise '1.1'"):
        check("1.1", 3.0)
    with pytest.raises(ValueError, match="pass it as expected="):
        check("03.1", 0.5)
    assert solution("03.1") == EXERCISES["03.1"].solution and "bt_loss = -F.logsigmoid" in capsys.readouterr().out


def test_answer_key_differs_from_its_mistakes():
    for name, ex in EXERCISES.items():
        assert ex.solution != ex.mistake and ex.variable.isidentifier(), name
    assert [bucket(x) for x in (0.0, 0.19, 0.5, 0.81)] == ["none", "none", "some", "all"]
