"""A trained reward model as a scoring function, its held-out metrics, and best-of-n sampling.

The reward model reads the whole conversation in the chat template (as TRL's `RewardTrainer` tokenised it) and
outputs one number from its last token.
"""
from __future__ import annotations

from pathlib import Path

import torch

from .generation import generate
from .timing import phase
from .world.chat import conversation


class RewardScorer:
    """`scorer(questions, replies) -> list[float]` with the reward model saved at `path`."""

    def __init__(self, path: str | Path, model=None, tokenizer=None):
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.model = model or AutoModelForSequenceClassification.from_pretrained(path)
        self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(path)
        self.model.eval()

    def texts(self, questions: list[str], replies: list[str]) -> list[str]:
        return [self.tokenizer.apply_chat_template(conversation(q, r), tokenize=False) for q, r in zip(questions, replies)]

    @torch.no_grad()
    @phase("score")
    def __call__(self, questions: list[str], replies: list[str], batch_size: int = 64) -> list[float]:
        if len(questions) != len(replies):
            raise ValueError(f"{len(questions)} questions but {len(replies)} replies")
        texts = self.texts(questions, replies)
        dev = next(self.model.parameters()).device
        scores: list[float] = []
        for start in range(0, len(texts), batch_size):
            enc = self.tokenizer(texts[start: start + batch_size], return_tensors="pt", padding=True,
                                 add_special_tokens=False).to(dev)
            scores += self.model(**enc).logits.squeeze(-1).float().tolist()
        return scores


def score_distinct(scorer, questions: list[str], replies: list[str]) -> list[float]:
    """`scorer(questions, replies)`, each distinct (question, reply) scored once: n samples of a small model's reply
    to one question repeat one another, and every repeat gets the same score."""
    if len(questions) != len(replies):
        raise ValueError(f"{len(questions)} questions but {len(replies)} replies")
    distinct = list(dict.fromkeys(zip(questions, replies)))
    scores = dict(zip(distinct, scorer([q for q, _ in distinct], [r for _, r in distinct]) if distinct else []))
    return [scores[pair] for pair in zip(questions, replies)]


class ImplicitReward:
    """DPO's implicit reward model: `scorer(questions, replies)` gives beta * (log pi(reply) - log pi_ref(reply)),
    the reply's summed token log-probabilities under `policy` and `reference` (two causal LMs sharing `tokenizer`),
    so that `preference_metrics` measures a DPO policy as it measures a reward model (Rafailov et al., 2023)."""

    def __init__(self, policy, reference, tokenizer, beta: float, reference_memo: dict | None = None):
        self.policy, self.reference, self.tokenizer, self.beta = policy.eval(), reference.eval(), tokenizer, beta
        # log-probabilities already computed, per model and (questions, replies): pass one `reference_memo` to every
        # implicit reward that shares `reference` (a sweep) and the reference scores each reply once
        self.memo = {"policy": {}, "reference": {} if reference_memo is None else reference_memo}

    def logprobs(self, which: str, questions: list[str], replies: list[str]) -> list[float]:
        """`reply_logprobs` under the "policy" or the "reference", each (questions, replies) computed once."""
        key = (tuple(questions), tuple(replies))
        if key not in self.memo[which]:
            self.memo[which][key] = self.reply_logprobs(getattr(self, which), questions, replies)
        return self.memo[which][key]

    @torch.no_grad()
    def reply_logprobs(self, model, questions: list[str], replies: list[str], batch_size: int = 64) -> list[float]:
        """Each reply's summed log-probability under `model`, end-of-turn token included, given its question."""
        tok, out = self.tokenizer, []
        for start in range(0, len(questions), batch_size):
            qs, rs = questions[start: start + batch_size], replies[start: start + batch_size]
            full = [tok.apply_chat_template(conversation(q, r), tokenize=False) for q, r in zip(qs, rs)]
            prompt = [tok.apply_chat_template(conversation(q, r)[:1], tokenize=False, add_generation_prompt=True)
                      for q, r in zip(qs, rs)]
            n_prompt = [len(tok(p, add_special_tokens=False)["input_ids"]) for p in prompt]
            enc = tok(full, return_tensors="pt", padding=True, add_special_tokens=False)
            logp = model(**enc).logits[:, :-1].float().log_softmax(-1)  # position t predicts token t + 1
            token_logp = torch.gather(logp, 2, enc["input_ids"][:, 1:].unsqueeze(-1)).squeeze(-1)
            attention = enc["attention_mask"]
            # a reply token is a real token at or after its row's first reply position (after any left padding)
            first = (attention.cumsum(1) == 0).sum(1) + torch.tensor(n_prompt)
            positions = torch.arange(1, attention.shape[1]).unsqueeze(0)
            reply = (positions >= first.unsqueeze(1)) & attention[:, 1:].bool()
            out += (token_logp * reply).sum(-1).tolist()
        return out

    @phase("score")
    def __call__(self, questions: list[str], replies: list[str]) -> list[float]:
        if len(questions) != len(replies):
            raise ValueError(f"{len(questions)} questions but {len(replies)} replies")
        pi, ref = self.logprobs("policy", questions, replies), self.logprobs("reference", questions, replies)
        return [self.beta * (a - b) for a, b in zip(pi, ref)]


def preference_metrics(scorer: RewardScorer, pairs: list[dict]) -> dict:
    """`pref_accuracy`: how often the chosen reply outscores the rejected one (the labelers' choice);
    `gold_agreement`: on pairs where the gold reward differs, how often the reward model sides with the gold judge;
    `by_kind`: the accuracy and number of pairs of each kind of prompt (fact, harmful, myth...)."""
    questions = [p["prompt"][0]["content"] for p in pairs]
    chosen = scorer(questions, [p["chosen"][0]["content"] for p in pairs])
    rejected = scorer(questions, [p["rejected"][0]["content"] for p in pairs])
    margins = [c - r for c, r in zip(chosen, rejected)]
    decided = [(m, p["gold_margin"]) for m, p in zip(margins, pairs) if p["gold_margin"] != 0]
    right: dict[str, list[bool]] = {}
    for m, p in zip(margins, pairs):
        right.setdefault(p.get("kind", "all"), []).append(m > 0)
    return {"pref_accuracy": sum(m > 0 for m in margins) / len(margins),
            "gold_agreement": sum((m > 0) == (g > 0) for m, g in decided) / len(decided),
            "n_pairs": len(pairs), "n_gold_decided": len(decided),
            "by_kind": {k: {"accuracy": sum(v) / len(v), "n": len(v)} for k, v in sorted(right.items())}}


def best_of_n(model, tokenizer, scorer: RewardScorer, questions: list[str], n: int = 8, temperature: float = 1.0,
              max_new_tokens: int = 48, seed: int = 0) -> list[dict]:
    """Sample `n` replies per question and keep the one the reward model scores highest (the simplest way to
    use a reward model: no training, n times the generation cost)."""
    samples = generate(model, tokenizer, [q for q in questions for _ in range(n)], do_sample=True,
                       temperature=temperature, max_new_tokens=max_new_tokens, seed=seed)
    scores = score_distinct(scorer, [q for q in questions for _ in range(n)], [s.text for s in samples])
    out = []
    for i, q in enumerate(questions):
        group = list(zip(samples[i * n:(i + 1) * n], scores[i * n:(i + 1) * n]))
        best, best_score = max(group, key=lambda g: g[1])
        out.append({"question": q, "best": best.text, "best_score": best_score,
                    "candidates": [(s.text, sc) for s, sc in group]})
    return out


def finetune_reward_model(scorer: RewardScorer, pairs: list[dict], lr: float = 3e-4, epochs: int = 2,
                          batch_size: int = 16, seed: int = 0) -> RewardScorer:
    """A copy of the reward model, trained further on `pairs` with the from-scratch Bradley-Terry loss (a few
    seconds for a few hundred pairs): how the learner's own labels enter the reward model."""
    import copy
    import random

    from .losses import bradley_terry_loss

    model = copy.deepcopy(scorer.model).train()
    tuned = RewardScorer(None, model, scorer.tokenizer)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    rng = random.Random(seed)
    questions = [p["prompt"][0]["content"] for p in pairs]
    for _ in range(epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            texts = tuned.texts([questions[i] for i in idx], [pairs[i]["chosen"][0]["content"] for i in idx])
            texts += tuned.texts([questions[i] for i in idx], [pairs[i]["rejected"][0]["content"] for i in idx])
            enc = scorer.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
            chosen, rejected = model(**enc).logits.squeeze(-1).chunk(2)
            loss = bradley_terry_loss(chosen, rejected)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return tuned
