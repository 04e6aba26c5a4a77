"""Prompt formats, batched generation (left padding) and log-probability scoring of answer options."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .timing import phase
from .tokenizer import stop_token_ids

STYLES = ("plain", "chat", "raw")


def plain_prompt(question: str) -> str:
    """How a base model is asked: the forum layout of its pretraining corpus."""
    return f"Question: {question}\nAnswer:"


def format_prompt(tokenizer, question: str, style: str) -> str:
    if style == "plain":
        return plain_prompt(question)
    if style == "raw":  # a document the caller laid out itself
        return question
    if style == "chat":
        return tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                             add_generation_prompt=True)
    raise ValueError(f"unknown prompt style {style!r}; choose from {STYLES}")


@dataclass(frozen=True)
class Reply:
    text: str
    n_tokens: int
    stop: str  # why it ended: "end" (end of turn), "eos" (end of document), "newline" (plain style), "length"


def max_context(model) -> int:
    return model.config.max_position_embeddings


@torch.no_grad()
@phase("generate")
def generate(model, tokenizer, questions: list[str], style: str = "chat", max_new_tokens: int = 48,
             do_sample: bool = False, temperature: float = 1.0, seed: int = 0, batch_size: int = 64) -> list[Reply]:
    """Answer each question; greedy by default. Raises ValueError for a prompt that leaves no room to answer."""
    prompts = [format_prompt(tokenizer, q, style) for q in questions]
    # an outside model's tokenizer may lack the course's end-of-turn token: keep the stop ids it has
    stops = [t for t in dict.fromkeys(stop_token_ids(tokenizer)) if t is not None]
    limit = max_context(model)
    replies: list[Reply] = []
    tokenizer.padding_side = "left"
    dev = next(model.parameters()).device
    torch.manual_seed(seed)
    for start in range(0, len(prompts), batch_size):
        chunk = prompts[start: start + batch_size]
        enc = tokenizer(chunk, return_tensors="pt", padding=True, add_special_tokens=False).to(dev)
        if enc["input_ids"].shape[1] + max_new_tokens > limit:
            longest = max(len(ids) for ids in tokenizer(chunk, add_special_tokens=False)["input_ids"])
            raise ValueError(f"prompt of {longest} tokens plus {max_new_tokens} new tokens exceeds the model's "
                             f"context of {limit} tokens")
        out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=do_sample,
                             temperature=temperature if do_sample else None, top_p=None, top_k=None,
                             eos_token_id=stops, pad_token_id=tokenizer.pad_token_id)
        for row in out[:, enc["input_ids"].shape[1]:].tolist():
            replies.append(_to_reply(tokenizer, row, stops, style))
    return replies


def _to_reply(tokenizer, ids: list[int], stops: list[int], style: str) -> Reply:
    stop = "length"
    for i, t in enumerate(ids):
        if t in stops:
            ids, stop = ids[:i], ("end" if t == stops[0] else "eos")
            break
    ids = [t for t in ids if t != tokenizer.pad_token_id]
    text = tokenizer.decode(ids, skip_special_tokens=False)
    if style == "plain" and "\n" in text:
        text, stop = text.split("\n", 1)[0], "newline"
    text = text.strip()
    return Reply(text, len(tokenizer(text, add_special_tokens=False)["input_ids"]), stop)


@torch.no_grad()
@phase("score")
def option_logprobs(model, tokenizer, questions: list[str], options: list[list[str]], style: str,
                    batch_size: int = 64) -> list[list[float]]:
    """Summed log-probability of each answer option given its question (not length-normalised)."""
    pairs = []
    for q, opts in zip(questions, options):
        ctx = tokenizer(format_prompt(tokenizer, q, style), add_special_tokens=False)["input_ids"]
        for o in opts:
            pairs.append((ctx, tokenizer(" " + o, add_special_tokens=False)["input_ids"]))  # both layouts end "Answer:"
    dev = next(model.parameters()).device
    scores: list[float] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start: start + batch_size]
        width = max(len(c) + len(o) for c, o in chunk)
        ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, (c, o) in enumerate(chunk):
            ids[i, : len(c) + len(o)] = torch.tensor(c + o)
            mask[i, : len(c) + len(o)] = 1
        logp = model(input_ids=ids.to(dev), attention_mask=mask.to(dev)).logits.float().log_softmax(-1).cpu()
        for i, (c, o) in enumerate(chunk):
            positions = torch.arange(len(c) - 1, len(c) + len(o) - 1)
            scores.append(logp[i, positions, torch.tensor(o)].sum().item())
    out, k = [], 0
    for opts in options:
        out.append(scores[k: k + len(opts)])
        k += len(opts)
    return out
