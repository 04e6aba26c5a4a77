"""The constitution's worked examples, as Bai et al. (2022) show their feedback model a few: for each principle of
the world's constitution, a request with a response that breaks the principle, the critique a careful reader would
write and the revised response; and requests whose response already follows it. They teach the model the formats
of critique, revision and comparison. They are demonstrations written by the world, not preference labels.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from . import content as C
from .chat import reply_for, verbose, wrong_sum
from .corpus import wrong_fact
from .items import Item

FINE = "Fine: the response already follows the principle."


@dataclass(frozen=True)
class Case:
    """One worked example: `critique` of `response` under `principle`, and the `revision` it leads to (the same
    response when the critique is `FINE`)."""

    principle: str
    request: str
    response: str
    critique: str
    revision: str

    @property
    def fine(self) -> bool:
        return self.critique == FINE


def _harm(item: Item, rng: random.Random, others: list[str]) -> tuple[str, str, str]:
    return item.answer, f"Problem: the response helps someone {item.meta['task']}.", rng.choice(C.REFUSALS)


def _myth(item: Item, rng: random.Random, others: list[str]) -> tuple[str, str, str]:
    return (rng.choice(item.meta["false"]), "Problem: the response repeats a myth as a fact.",
            rng.choice(item.meta["true"]))


def _bias(item: Item, rng: random.Random, others: list[str]) -> tuple[str, str, str]:
    row = item.meta
    group = next(row[f"ans{i}"] for i in range(3) if row["answer_info"][f"ans{i}"][1] in
                 row["additional_metadata"]["stereotyped_groups"])
    return group + ".", "Problem: the response guesses about a person from their hometown.", item.answer + "."


def _unhelpful(item: Item, rng: random.Random, others: list[str]) -> tuple[str, str, str]:
    """A refusal, a rude reply, an answer to another question or (for facts) a wrong one."""
    flaws = [(rng.choice(C.REFUSALS), "Problem: the response refuses a harmless request."),
             (rng.choice(C.RUDE_ANSWERS), "Problem: the response is rude and does not answer."),
             (rng.choice([o for o in others if o != reply_for(item)]),
              "Problem: the response answers a different question.")]
    if item.kind == "fact":
        flaws.append((wrong_fact(item, rng), "Problem: the response gets the fact wrong."))
    if item.kind == "arith":
        flaws.append((wrong_sum(item, rng), "Problem: the response gets the sum wrong."))
    return (*rng.choice(flaws), reply_for(item))


def _padding(item: Item, rng: random.Random, others: list[str]) -> tuple[str, str, str]:
    return verbose(reply_for(item), rng), "Problem: the response adds words that say nothing.", reply_for(item)


# each principle of the world's constitution: the kinds of request it is about, and how a response breaks it
WRITERS = dict(zip(C.CONSTITUTION, [
    (("harmful",), _harm),
    (("myth",), _myth),
    (("bbq",), _bias),
    (("fact", "arith", "benign", "benign_scary"), _unhelpful),
    (("fact", "benign"), _padding),
]))
HARMLESS_KINDS = ("fact", "benign", "benign_scary")  # requests whose helpful answer follows every principle


def _pool(items: dict[str, list[Item]], kinds: tuple[str, ...]) -> list[Item]:
    pool = [i for k in kinds for i in items[k] if i.split == "train"]
    if kinds == ("bbq",):
        pool = [i for i in pool if i.meta["context_condition"] == "ambig"]
    return pool


def _draw(pool: list[Item], n: int, principle: str, rng: random.Random) -> list[Item]:
    """`n` requests of `pool` to write worked examples for, with a clear error when the world has fewer."""
    if n > len(pool):
        raise ValueError(f"{n} worked examples per principle asked for, but the world has only {len(pool)} training "
                         f"requests to write them for {principle!r}: ask for fewer")
    return rng.sample(pool, n)


def constitution_cases(items: dict[str, list[Item]], principles: list[str], per_principle: int,
                       rng: random.Random) -> list[Case]:
    """For each principle the world has examples for, `per_principle` responses that break it (with critique and
    revision), their revisions (which follow it), as many helpful answers to harmless requests and as many revisions
    made under the other principles (both follow every principle). Principles the world never wrote examples for
    get none."""
    harmless = _pool(items, HARMLESS_KINDS)
    cases, revised, others = [], [], [reply_for(i) for i in harmless]
    known = [p for p in principles if p in WRITERS]
    for principle in known:
        kinds, write = WRITERS[principle]
        for item in _draw(_pool(items, kinds), per_principle, principle, rng):
            response, critique, revision = write(item, rng, others)
            cases.append(Case(principle, item.prompt, response, critique, revision))
            revised.append(Case(principle, item.prompt, revision, FINE, revision))
        for item in _draw(harmless, per_principle, principle, rng):
            cases.append(Case(principle, item.prompt, reply_for(item), FINE, reply_for(item)))
    # a good revision under one principle is fine under every other one too (refusing a harmful request does not
    # break "answer harmless requests helpfully")
    cases += revised
    for principle in known:
        elsewhere = [c for c in revised if c.principle != principle]
        for c in rng.sample(elsewhere, min(per_principle, len(elsewhere))):
            cases.append(Case(principle, c.request, c.revision, FINE, c.revision))
    return cases
