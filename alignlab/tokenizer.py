"""Byte-level BPE tokenizer trained on the corpus, wrapped as a `transformers` fast tokenizer with a chat template.

The chat template wraps assistant turns in `{% generation %}` so TRL's SFT can train on assistant tokens only.
"""
from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

EOS, PAD, END = "<|endoftext|>", "<|pad|>", "<|end|>"
ROLE_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>"]
SPECIAL_TOKENS = [EOS, PAD, END, *ROLE_TOKENS]

# Role tokens mark the turns; inside them the text keeps the "Question: ... Answer: ..." layout of the forum
# threads the model read in pretraining, so that what it learned there carries over to the assistant (as
# Anthropic's HH data used a plain "Human: ... Assistant: ..." layout). A base model still never ends a turn.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "<|assistant|>Answer:{% generation %} {{ message['content'] }}<|end|>{% endgeneration %}"
    "{%- elif message['role'] == 'user' -%}"
    "<|user|>Question: {{ message['content'] }}{{ '\\n' }}"
    "{%- else -%}"
    "<|{{ message['role'] }}|>{{ message['content'] }}{{ '\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|assistant|>Answer:{%- endif -%}"
)


def train_tokenizer(texts, vocab_size: int, split_digits: bool = False) -> PreTrainedTokenizerFast:
    """Train byte-level BPE on `texts` (any iterable of strings) and wrap it for `transformers`. With `split_digits`
    every digit is its own token, as in Llama's and DeepSeek LLM's tokenizers: byte-level BPE alone merges " 17" into
    one token, and a model cannot add numbers it sees as unrelated symbols digit by digit."""
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    if split_digits:
        core.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), core.pre_tokenizer])
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(texts, trainer=trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token=EOS, pad_token=PAD, padding_side="left",
                                  additional_special_tokens=[END, *ROLE_TOKENS])
    tok.chat_template = CHAT_TEMPLATE
    tok.model_max_length = 1_000_000
    return tok


def adopt_tokenizer(tok):
    """An outside model's tokenizer made to speak the course's chat format: the course's role and end-of-turn
    tokens (added, so the model's embeddings must be resized to `len(tok)`), a pad token, the chat template."""
    tok.add_special_tokens({"additional_special_tokens": [END, *ROLE_TOKENS]}, replace_extra_special_tokens=False)
    if tok.pad_token is None:
        tok.add_special_tokens({"pad_token": PAD})
    tok.padding_side = "left"
    tok.chat_template = CHAT_TEMPLATE
    return tok


def stop_token_ids(tokenizer) -> list[int]:
    """Token ids that end a generation: end of an assistant turn, end of a document."""
    return [tokenizer.convert_tokens_to_ids(END), tokenizer.eos_token_id]
