"""Post-training data: SFT conversations and preference pairs from simulated labelers.

The SFT data teaches the assistant format and helpfulness only: it holds no harmful request, no refusal, no
myth and no question about groups, so the SFT model still complies with harmful requests (as in real
pipelines, that is what preference learning then fixes).

Preferences come from a population of simulated labelers. Each compares two candidate replies by the gold
reward plus a personal taste for longer answers (`length_bias`, utility per 10 words), through a logistic
choice, and flips the label with probability `noise`. When two replies are worth about the same to a labeler
(utilities within `tie_margin`) the labeler says so and the pair is dropped, as real preference collection drops
ties. A reward model trained on them learns the length taste too, which a policy can then exploit (reward hacking).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from . import content as C
from .corpus import wrong_fact
from .items import Item
from .judges import gold_reward

SFT_KINDS = ("fact", "arith", "benign", "benign_scary", "smalltalk")
PREFERENCE_KINDS = ("fact", "arith", "harmful", "benign_scary", "myth", "bbq")


def reply_for(item: Item) -> str:
    """The reference helpful reply of an item (the honest world's fact replies leave the entity's name out)."""
    return item.meta.get("reply") or item.meta.get("reference", item.answer)


def conversation(prompt: str, reply: str) -> list[dict]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}]


def sft_examples(items: dict[str, list[Item]], rng: random.Random, n: int, padded_frac: float = 0.0) -> list[dict]:
    """`n` helpful conversations drawn from the training split of the SFT kinds (each kind weighted equally).
    A fraction `padded_frac` of the replies end with a pleasantry or two, as some human demonstrators write them:
    the SFT model can then pad its answers, which is what a length-loving reward model will reward."""
    pools = {k: [i for i in items[k] if i.split == "train"] for k in SFT_KINDS}
    out = []
    for j in range(n):
        kind = SFT_KINDS[j % len(SFT_KINDS)] if j % 10 else "fact"  # facts are the bulk of capability
        item = rng.choice(pools[kind])
        reply = reply_for(item)
        if rng.random() < padded_frac:
            reply = verbose(reply, rng, 1, 2)
        out.append({"messages": conversation(item.prompt, reply), "kind": kind})
    return out


def verbose(reply: str, rng: random.Random, least: int = 2, most: int = 4) -> str:
    """The reply padded with `least` to `most` pleasantries that add nothing."""
    return reply + " " + " ".join(rng.sample(C.FILLER, k=rng.randint(least, most)))


# Kinds whose reference replies serve as answers to the wrong question: a fine reply to another prompt is no answer
# to this one. Reward models must see such pairs, or a policy learns to give every prompt one pleasant sentence.
OFF_TOPIC_KINDS = ("fact", "arith", "benign", "benign_scary", "smalltalk")


def wrong_sum(item: Item, rng: random.Random) -> str:
    """An arithmetic item's worked solution with the result off by one or two (the operands left as they are)."""
    good, wrong = item.meta["reference"], str(int(item.answer) + rng.choice([-2, -1, 1, 2]))
    return (good.replace(f"= {item.answer}. The answer", f"= {wrong}. The answer")
            .replace(f"The answer is {item.answer}.", f"The answer is {wrong}."))


def arith_demonstrations(items: dict[str, list[Item]], rng: random.Random, n: int, worked_frac: float) -> list[dict]:
    """`n` arithmetic conversations as demonstrators write them: a fraction `worked_frac` work the sum out digit by
    digit (the reference), the rest state only "The answer is N.". An SFT model copies the majority habit and
    answers an unseen sum in one go, usually wrongly; sampled, it sometimes works it out and is then often right.
    That is the gap a verifiable reward (GRPO) can close and imitation cannot."""
    pool = [i for i in items["arith"] if i.split == "train"]
    out = []
    for _ in range(n):
        item = rng.choice(pool)
        reply = item.meta["reference"] if rng.random() < worked_frac else f"The answer is {item.answer}."
        out.append({"messages": conversation(item.prompt, reply), "kind": "arith"})
    return out


def candidates(item: Item, rng: random.Random, elsewhere: str = "") -> list[str]:
    """Replies of varied quality to one prompt, for labelers to compare; `elsewhere` answers another prompt."""
    refusal, rude = rng.choice(C.REFUSALS), rng.choice(C.RUDE_ANSWERS)
    elsewhere = elsewhere or rude
    if item.kind == "fact":
        good = reply_for(item)
        return [good, wrong_fact(item, rng), rude, refusal, verbose(good, rng), elsewhere]
    if item.kind == "arith":
        good = item.meta["reference"]
        return [good, wrong_sum(item, rng), verbose(good, rng), elsewhere]
    if item.kind == "harmful":
        return [refusal, item.answer, verbose(item.answer, rng), verbose(refusal, rng), elsewhere]
    if item.kind == "benign_scary":
        return [item.answer, refusal, verbose(item.answer, rng), elsewhere]
    if item.kind == "myth":
        return [*item.meta["true"], *item.meta["false"], verbose(item.meta["false"][0], rng), elsewhere]
    if item.kind == "bbq":
        row = item.meta
        return [row[f"ans{i}"] + "." for i in range(3)]
    raise ValueError(f"no candidate replies for items of kind {item.kind!r}")


@dataclass(frozen=True)
class Labeler:
    """One simulated labeler: a taste for length (utility per 10 words), a rate of careless flips, and the
    smallest difference in utility they notice."""

    length_bias: float
    noise: float
    tie_margin: float = 0.0

    def utility(self, item: Item, reply: str) -> float:
        return gold_reward(item, reply) + self.length_bias * len(reply.split()) / 10

    def prefers_first(self, item: Item, a: str, b: str, rng: random.Random, temperature: float = 0.2) -> bool | None:
        """True or False, or None for a tie."""
        gap = self.utility(item, a) - self.utility(item, b)
        if abs(gap) < self.tie_margin:
            return None
        choice = rng.random() < 1 / (1 + math.exp(-gap / temperature))
        return (not choice) if rng.random() < self.noise else choice


def labeler_population(rng: random.Random, n: int, length_bias: float, noise: float,
                       tie_margin: float = 0.0) -> list[Labeler]:
    """`n` labelers whose length taste varies around `length_bias` (0.5x to 1.5x)."""
    return [Labeler(length_bias * rng.uniform(0.5, 1.5), noise, tie_margin) for _ in range(n)]


def preference_pairs(items: dict[str, list[Item]], split: str, n: int, labelers: list[Labeler],
                     rng: random.Random) -> list[dict]:
    """`n` labelled pairs in TRL's conversational preference format, plus bookkeeping columns."""
    pools = [[i for i in items[k] if i.split == split] for k in PREFERENCE_KINDS]
    others = [reply_for(i) for k in OFF_TOPIC_KINDS for i in items[k] if i.split == "train"]
    rows = []
    while len(rows) < n:
        item = rng.choice(rng.choice(pools))
        elsewhere = rng.choice(others)
        a, b = rng.sample(candidates(item, rng, elsewhere if elsewhere != reply_for(item) else ""), 2)
        if a == b:
            continue
        labeler_id = rng.randrange(len(labelers))
        first = labelers[labeler_id].prefers_first(item, a, b, rng)
        if first is None:
            continue
        chosen, rejected = (a, b) if first else (b, a)
        chosen_gold = gold_reward(item, chosen)
        rows.append({"prompt": [{"role": "user", "content": item.prompt}],
                     "chosen": [{"role": "assistant", "content": chosen}],
                     "rejected": [{"role": "assistant", "content": rejected}],
                     "kind": item.kind, "labeler": labeler_id,
                     "gold_margin": chosen_gold - gold_reward(item, rejected),
                     "chosen_gold": chosen_gold})
    return rows
