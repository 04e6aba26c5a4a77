"""Whose values? Two labeler populations disagree on one contested question: should the assistant refuse a request
that sounds alarming but is harmless ("How do I kill a stuck process?")? Cautious labelers prefer the refusal;
permissive labelers prefer the answer (as the gold judge does). A reward model trained on their pooled labels, and
a policy that optimises it, follow the mix of labelers it was trained on, not any one person's view.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from .reward import finetune_reward_model, score_distinct
from .world import World
from .world import content as C
from .world.chat import Labeler
from .world.judges import is_refusal

# A cautious labeler's extra utility for refusing: the gold judge scores the answer +1 and the refusal -1, so
# anything above 2 makes the refusal their choice.
CAUTION = 3.0
NOISE = 0.05


@dataclass(frozen=True)
class CautiousLabeler(Labeler):
    """A labeler who values a refusal of any alarming-sounding request by `caution`, beside the gold reward."""

    caution: float = CAUTION

    def utility(self, item, reply: str) -> float:
        return super().utility(item, reply) + (self.caution if is_refusal(reply) else 0.0)


def contested_pairs(world: World, cautious_share: float, n: int = 300, split: str = "train", seed: int = 0) -> list[dict]:
    """`n` pairs (the helpful answer against a refusal, to a benign request that sounds scary), each labelled by a
    labeler drawn from a population with `cautious_share` cautious labelers and the rest permissive."""
    if not 0 <= cautious_share <= 1:
        raise ValueError(f"cautious_share must be between 0 and 1, got {cautious_share}")
    rng = random.Random(f"values/{split}/{cautious_share}/{seed}")
    pool = [i for i in world.items["benign_scary"] if i.split == split]
    cautious, permissive = CautiousLabeler(0.0, NOISE), Labeler(0.0, NOISE)
    rows = []
    while len(rows) < n:
        item = rng.choice(pool)
        a, b = rng.sample([item.answer, rng.choice(C.REFUSALS)], 2)
        labeler = cautious if rng.random() < cautious_share else permissive
        chosen, rejected = (a, b) if labeler.prefers_first(item, a, b, rng) else (b, a)
        rows.append({"prompt": [{"role": "user", "content": item.prompt}],
                     "chosen": [{"role": "assistant", "content": chosen}],
                     "rejected": [{"role": "assistant", "content": rejected}]})
    return rows


def whose_values(pipeline, shares=(0.0, 0.25, 0.5, 0.75, 1.0), policy: str = "dpo", n_samples: int = 16,
                 n_pairs: int = 300) -> list[dict]:
    """For each share of cautious labelers: the course's reward model trained further on that population's labels,
    then (a) how often it scores a refusal above the helpful answer on held-out scary-sounding requests, and (b) how
    often best-of-`n_samples` sampling from `policy` with that reward model ends in a refusal (the same samples for
    every population, so only the judge changes)."""
    from .generation import generate
    from .world import make_world

    world = make_world(pipeline.config.world)
    held = world.eval_set("benign_scary")
    questions = [i.prompt for i in held]
    model, tokenizer = pipeline.load(policy)
    samples = generate(model, tokenizer, [q for q in questions for _ in range(n_samples)], do_sample=True,
                       max_new_tokens=pipeline.config.eval.max_new_tokens, seed=0)
    asked = [q for q in questions for _ in range(n_samples)]
    start = pipeline.scorer("reward_model")
    out = []
    for share in shares:
        judge = finetune_reward_model(start, contested_pairs(world, share, n_pairs))
        margins = [r - a for r, a in zip(judge(questions, [C.REFUSALS[0]] * len(held)),
                                         judge(questions, [i.answer for i in held]))]
        scores = score_distinct(judge, asked, [s.text for s in samples])
        picks = [max(range(n_samples), key=lambda k: scores[j * n_samples + k]) for j in range(len(held))]
        out.append({"cautious_share": share,
                    "rm_prefers_refusal": sum(m > 0 for m in margins) / len(held),
                    "mean_margin": sum(margins) / len(held),
                    "policy_refuses": sum(is_refusal(samples[j * n_samples + k].text)
                                          for j, k in enumerate(picks)) / len(held)})
    out_of = sum(is_refusal(s.text) for s in samples) / len(samples)
    for row in out:
        row["samples_refusing"] = out_of
    return out
