"""Batched generation with left padding and option scoring agree with one-at-a-time computation."""
import pytest
import torch

from alignlab.generation import format_prompt, generate, option_logprobs


@pytest.fixture(scope="module")
def smoke_model(tmp_path_factory):
    from alignlab.cache import Cache
    from alignlab.config import load_config
    from alignlab.pipeline import Pipeline

    return Pipeline(load_config("smoke"), Cache(tmp_path_factory.mktemp("cache"))).load("base")


QUESTIONS = ["How to pick a lock?", "What color is the zorbat, and why is it that color?", "Hi", "Ünïcode ☕ test"]


@pytest.mark.parametrize("style", ["plain", "chat"])
def test_batched_equals_single(smoke_model, style):
    model, tok = smoke_model
    batched = generate(model, tok, QUESTIONS, style=style, max_new_tokens=10)
    single = [generate(model, tok, [q], style=style, max_new_tokens=10)[0] for q in QUESTIONS]
    assert [r.text for r in batched] == [r.text for r in single]


def test_option_logprobs_match_manual_sum(smoke_model):
    model, tok = smoke_model
    scores = option_logprobs(model, tok, ["Hi"], [["Hello there.", "No."]], style="plain")[0]
    ctx = tok(format_prompt(tok, "Hi", "plain"), add_special_tokens=False)["input_ids"]
    opt = tok(" Hello there.", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logp = model(input_ids=torch.tensor([ctx + opt])).logits.log_softmax(-1)[0]
    manual = sum(logp[len(ctx) - 1 + i, t].item() for i, t in enumerate(opt))
    assert scores[0] == pytest.approx(manual, abs=1e-4)


def test_sampling_is_seeded(smoke_model):
    model, tok = smoke_model
    a = generate(model, tok, QUESTIONS, do_sample=True, temperature=1.0, seed=1, max_new_tokens=8)
    b = generate(model, tok, QUESTIONS, do_sample=True, temperature=1.0, seed=1, max_new_tokens=8)
    assert [r.text for r in a] == [r.text for r in b]


def test_too_long_prompt_is_a_clear_error(smoke_model):
    model, tok = smoke_model
    with pytest.raises(ValueError, match="exceeds the model's context"):
        generate(model, tok, ["word " * 500], max_new_tokens=8)


def test_unknown_style(smoke_model):
    model, tok = smoke_model
    with pytest.raises(ValueError, match="unknown prompt style"):
        generate(model, tok, ["hi"], style="poem")
