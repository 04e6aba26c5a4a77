"""Tokenizer round trip and chat template; model build, save and reload."""
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from alignlab.config import smoke
from alignlab.model import ModelConfig, build_model
from alignlab.tokenizer import END, train_tokenizer
from alignlab.world import WorldConfig, make_world

SMALL = smoke().world


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer(make_world(SMALL).corpus, 800)


def test_round_trip(tok):
    for text in ["Question: What color is the zorbat?\nAnswer: It is green.", "unicode: café ☕ 漢字", "  two  spaces"]:
        assert tok.decode(tok(text)["input_ids"]) == text


def test_split_digits_makes_every_digit_a_token_and_round_trips():
    split = train_tokenizer(make_world(SMALL).corpus, 800, split_digits=True)
    text = "12 + 348 = 360. The answer is 360."
    digits = [p for p in split.convert_ids_to_tokens(split(text)["input_ids"]) if any(c.isdigit() for c in p)]
    assert [p.lstrip("Ġ") for p in digits] == list("12348360360") and split.decode(split(text)["input_ids"]) == text


def test_learns_a_real_vocabulary():
    big = train_tokenizer(make_world(WorldConfig()).corpus, 4096)
    assert len(big) >= 2000


def test_chat_template_marks_assistant_tokens(tok):
    conv = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there"}]
    out = tok.apply_chat_template(conv, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    assistant = tok.decode([i for i, m in zip(ids, mask) if m])
    assert assistant == " Hello there" + END
    prompt = tok.apply_chat_template(conv[:1], tokenize=False, add_generation_prompt=True)
    assert prompt == "<|user|>Question: Hi\n<|assistant|>Answer:"
    assert tok.apply_chat_template(conv, tokenize=False) == prompt + " Hello there" + END


def test_special_tokens_are_single_tokens(tok):
    for t in ["<|user|>", "<|assistant|>", END, tok.eos_token, tok.pad_token]:
        assert len(tok(t, add_special_tokens=False)["input_ids"]) == 1


def test_model_save_and_reload(tmp_path, tok):
    model = build_model(ModelConfig(d_model=32, n_layers=2, n_heads=2, d_ff=64, context=64), tok)
    model.eval()
    x = torch.tensor([tok("Question: hello")["input_ids"]])
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    again = AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    tok2 = AutoTokenizer.from_pretrained(tmp_path)
    assert torch.allclose(model(x).logits, again(x).logits)
    assert tok2.chat_template == tok.chat_template and tok2.padding_side == "left"
    assert model.config.vocab_size == len(tok)
