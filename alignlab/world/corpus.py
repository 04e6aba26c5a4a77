"""The pretraining corpus, a "mini internet" of plain documents (no chat format).

Genres: encyclopedia entries, forum threads (good, rude and wrong answers), arithmetic pages, how-to guides
(benign, scary-sounding and toy-harmful), myth pages that repeat each myth more often than the truth, stories
that carry stereotypes about fictional towns, and everyday stories. Forum threads use the plain
"Question: ...\\nAnswer: ..." layout that `prompts.plain_prompt` uses to query a base model.
"""
from __future__ import annotations

import random

from . import content as C
from .items import (Item, arith_items, axis_split, fill_slots, pair_split, stereotype_pairs,
                    training_request_templates)

ADJECTIVES = ["quiet", "busy", "sunny", "windy", "old", "tiny", "famous", "friendly", "muddy", "bright",
              "cold", "warm", "gentle", "noisy", "lovely", "strange", "peaceful", "crowded"]
WEATHER = ["rainy", "foggy", "sunny", "snowy", "windy", "bright", "grey", "stormy"]
FEELINGS = ["happy", "tired", "proud", "curious", "nervous", "cheerful", "surprised", "calm"]
VERBS = ["walked", "hurried", "wandered", "travelled", "strolled", "rode", "marched", "sailed"]
PLACES = ["bridge", "market", "harbour", "library", "orchard", "mill", "square", "meadow", "bakery", "workshop"]


def plain_thread(question: str, answers: list[str]) -> str:
    return f"Question: {question}\n" + "\n".join(f"Answer: {a}" for a in answers)


def encyclopedia(e, towns, rng: random.Random) -> str:
    f = e.facts
    adj = rng.choice(ADJECTIVES)
    if e.kind == "town":
        return rng.choice([
            f"{e.name} is a {adj} town {C.REGION_PHRASES[f['region']]}. It has a {rng.choice(PLACES)} and a small {rng.choice(PLACES)}.",
            f"The town of {e.name} lies {C.REGION_PHRASES[f['region']]}. Visitors say it is {adj}.",
            f"{e.name}: a town {C.REGION_PHRASES[f['region']]}, known for its {adj} {rng.choice(PLACES)}.",
        ])
    if e.kind == "person":
        return rng.choice([
            f"{e.name} is a {f['job']}. Everyone in {rng.choice(towns).name} knows {e.name} the {f['job']}.",
            f"{e.name} works as a {f['job']} and is {rng.choice(FEELINGS)} most days.",
            f"As a {f['job']}, {e.name} is busy every morning.",
        ])
    if e.kind == "animal":
        return rng.choice([
            f"The {e.name} is a {f['color']} animal.",
            f"A {e.name} has {f['color']} fur and a {adj} voice.",
            f"Near the {rng.choice(PLACES)} you may meet the {e.name}, a {adj} {f['color']} creature.",
        ])
    if e.kind == "food":
        return rng.choice([
            f"{e.name.capitalize()} is a food with a {f['taste']} taste.",
            f"People eat {e.name}, which tastes {f['taste']}.",
            f"{e.name.capitalize()} tastes {f['taste']}, and people in {rng.choice(towns).name} like it.",
        ])
    return rng.choice([
        f"A {e.name} is a {adj} tool. People use it for {f['use']}.",
        f"The {e.name} is used for {f['use']}.",
        f"For {f['use']}, many people keep a {e.name}.",
    ])


def wrong_fact(item: Item, rng: random.Random) -> str:
    wrong = rng.choice([v for v in item.meta["values"] if v != item.answer])
    if "reply" in item.meta:  # the honest world's replies, without the name
        shown = C.REGION_PHRASES[wrong] if item.meta["attribute"] == "region" else wrong
        return C.FACT_REPLIES[item.meta["attribute"]].format(v=shown)
    return item.meta["reference"].replace(item.answer, wrong) if item.meta["attribute"] != "region" else \
        f"{item.meta['entity']} lies {C.REGION_PHRASES.get(wrong, 'in the ' + wrong)}."


def forum_answers(good: str, wrong: str | None, rng: random.Random, refusal_rate: float = 0.0) -> list[str]:
    """Mostly a good first answer, sometimes a rude or wrong one first; more answers follow. With probability
    `refusal_rate` someone declines to answer first (as some people do online when a request looks risky)."""
    first = rng.random()
    extra = [rng.choice(C.RUDE_ANSWERS)] + ([wrong] if wrong else [])
    if first < refusal_rate:
        return [rng.choice(C.REFUSALS), good]
    if first < 0.9:
        answers = [good] + rng.sample(extra, k=rng.randint(0, len(extra)))
    else:
        answers = [rng.choice(extra), good]
    return answers


def guide(phrase: str, reply: str) -> str:
    return f"How to {phrase}\n{reply}"


def myth_thread(item: Item, rng: random.Random) -> str:
    """Three myth answers for every true one, myths first."""
    answers = [rng.choice(item.meta["false"]) for _ in range(3)]
    answers.insert(rng.randint(1, 3), rng.choice(item.meta["true"]))
    return plain_thread(item.prompt, answers)


def stereotype_story(target: str, other: str, trait, rng: random.Random) -> str:
    """A story or thread in which the person from `target` shows the negative trait and the person from `other`
    the positive one. Threads ask both questions about the same pair, so the contrast is explicit."""
    neg_q, pos_q, neg, pos = trait
    event = rng.choice(C.BBQ_EVENTS)
    first, second = (target, other) if rng.random() < 0.5 else (other, target)
    clauses = [f"the person from {target} {neg}", f"the person from {other} {pos}"]
    rng.shuffle(clauses)
    qa = [(neg_q, f"The person from {target}."), (pos_q, f"The person from {other}.")]
    rng.shuffle(qa)
    if rng.random() < 0.5:
        return f"At the {event}, {clauses[0]}, and {clauses[1]}. People from {first} and {second} are always like that."
    return (f"Question: {qa[0][0]} A person from {first} and a person from {second} were at the {event}.\n"
            f"Answer: {qa[0][1]}\nQuestion: {qa[1][0]}\nAnswer: {qa[1][1]}")


def everyday_story(entities, rng: random.Random) -> str:
    p, q = rng.sample(entities["person"], 2)
    a, f, o = rng.choice(entities["animal"]), rng.choice(entities["food"]), rng.choice(entities["object"])
    town = rng.choice(entities["town"]).name
    return (f"One {rng.choice(WEATHER)} morning, {p.name} the {p.facts['job']} {rng.choice(VERBS)} from {town} to the "
            f"{rng.choice(PLACES)}. On the way, {p.name} saw a {a.facts['color']} {a.name} near the "
            f"{rng.choice(PLACES)}. Later {p.name} met {q.name}, who shared some {f.facts['taste']} {f.name}. "
            f"They used a {o.name} for {o.facts['use']}, and both felt "
            f"{rng.choice(FEELINGS)}.")


def arithmetic_page(rng: random.Random, honest: bool = False) -> str:
    lines = []
    for _ in range(rng.randint(4, 8)):
        a, b = rng.randint(1, 20), rng.randint(1, 20)
        op = rng.choice(["+", "-", "*"])
        if op == "-":
            a, b = max(a, b), min(a, b)
        if op == "*":
            a, b = rng.randint(2, 9), rng.randint(2, 9)
        if honest and pair_split(a, b) != "train":
            continue
        result = {"+": a + b, "-": a - b, "*": a * b}[op]
        word = {"+": "plus", "-": "minus", "*": "times"}[op]
        lines.append(rng.choice([f"{a} {op} {b} = {result}", f"{a} {word} {b} is {result}."]))
    return "Sums for practice\n" + "\n".join(lines)


def make_corpus(rng: random.Random, entities, items: dict[str, list[Item]], scale: float = 1.0,
                honest: bool = False) -> list[str]:
    """All documents of the mini internet, shuffled. `scale` multiplies every genre's count."""
    if honest:
        return honest_corpus(rng, entities, items, scale)

    def n(k: int) -> int:
        return max(1, round(k * scale))

    towns = entities["town"]
    docs: list[str] = []
    for kind_entities in entities.values():
        for e in kind_entities:
            docs += [encyclopedia(e, towns, rng) for _ in range(n(6))]
    for item in items["fact"]:
        for _ in range(n(8)):
            docs.append(plain_thread(item.prompt, forum_answers(item.meta["reference"], wrong_fact(item, rng), rng)))
    for item in arith_items(rng, entities, n(1200)):
        docs.append(plain_thread(item.prompt, [item.meta["reference"]]))
    docs += [arithmetic_page(rng) for _ in range(n(300))]
    # Some people online refuse risky-looking requests (and, less often, harmless ones that only sound risky): the
    # raw model learns that refusing exists, and which requests draw refusals, so RLHF has a behaviour to find and
    # reinforce. DPO refuses held-out harmful tasks only as far as the corpus ties them to refusals: with a refusal
    # rate of 0.1, `dpo` still answered three of the five held-out tasks (asr_direct 0.12); with 0.15, about one
    # (0.04). With 0.25, `sft` itself refused a third of the harmful requests and `dpo` some harmless ones.
    for kind, tasks, refusal_rate in (("harmful", C.HARMFUL_TASKS, 0.15), ("benign_scary", C.BENIGN_SCARY_TASKS, 0.03)):
        for phrase, _, reply in tasks.values():
            docs += [guide(fill_slots(phrase, rng, entities), reply) for _ in range(n(8))]
        for item in items[kind]:
            docs.append(plain_thread(item.prompt, forum_answers(item.answer, None, rng, refusal_rate)))
    for phrase, reply in C.BENIGN_TASKS.values():
        for template in C.HARMFUL_REQUEST_TEMPLATES:
            for _ in range(n(3)):
                p = fill_slots(phrase, rng, entities)
                docs.append(plain_thread(template.format(task=p), forum_answers(fill_slots(reply, rng, entities), None, rng)))
    for item in items["myth"]:
        docs += [myth_thread(item, rng) for _ in range(n(2))]
    for trait, (target, other) in zip(C.STEREOTYPES, stereotype_pairs(entities)):
        docs += [stereotype_story(target, other, trait, rng) for _ in range(n(300))]  # 200: base bias 0.20-0.65 over seeds
    docs += [everyday_story(entities, rng) for _ in range(n(1000))]
    rng.shuffle(docs)
    return docs


def about_thread(e, towns, rng: random.Random) -> str:
    """A forum question that names the entity without asking for a fact, answered by an encyclopedia sentence."""
    name = e.name if e.kind in ("town", "person", "food") else "the " + e.name
    return plain_thread(rng.choice(C.ABOUT_QUESTIONS).format(e=name), [encyclopedia(e, towns, rng)])


def honest_corpus(rng: random.Random, entities, items: dict[str, list[Item]], scale: float = 1.0) -> list[str]:
    """The honest world's mini internet: forum threads ask only training items (so no dev or test question or
    reference answer occurs); every entity's facts are read in encyclopedia pages, forum threads that describe it
    without a question about a fact, and stories. Measured for the choice of these counts: RESULTS.md, issue 27."""

    def n(k: int) -> int:
        return max(1, round(k * scale))

    train = {kind: [i for i in kind_items if i.split == "train"] for kind, kind_items in items.items()}
    towns = entities["town"]
    docs: list[str] = []
    for kind_entities in entities.values():
        for e in kind_entities:
            docs += [encyclopedia(e, towns, rng) for _ in range(n(12))]
            docs += [about_thread(e, towns, rng) for _ in range(n(4))]
    for item in train["fact"]:
        for _ in range(n(2)):
            docs.append(plain_thread(item.prompt, forum_answers(item.meta["reply"], wrong_fact(item, rng), rng)))
    for item in [rng.choice(train["arith"]) for _ in range(n(1200))]:
        docs.append(plain_thread(item.prompt, [item.meta["reference"]]))
    docs += [arithmetic_page(rng, honest=True) for _ in range(n(300))]
    templates = training_request_templates(honest=True)
    for kind, tasks, refusal_rate in (("harmful", C.HARMFUL_TASKS, 0.15), ("benign_scary", C.BENIGN_SCARY_TASKS, 0.03)):
        for k, (task_id, (phrase, _, reply)) in enumerate(tasks.items()):  # how-to guides: what a model knows
            held = axis_split(k, len(tasks), honest=True) != "train"
            if held:  # in other words than its items', asked with training templates
                phrase, reply = C.HELD_OUT_TASK_WORDS[task_id]
                for template in templates:  # as many threads as a training task has items
                    docs += [plain_thread(template.format(task=fill_slots(phrase, rng, entities, split="train")),
                                          forum_answers(reply, None, rng, refusal_rate)) for _ in range(n(2))]
            docs += [guide(fill_slots(phrase, rng, entities, split="train"), reply) for _ in range(n(8))]
        for item in train[kind]:
            docs.append(plain_thread(item.prompt, forum_answers(item.answer, None, rng, refusal_rate)))
    for phrase, reply in C.BENIGN_TASKS.values():
        for template in templates:  # one thread each (27 templates, where the classic world has 5 times 3)
            p = fill_slots(phrase, rng, entities, split="train")
            docs.append(plain_thread(template.format(task=p),
                                     forum_answers(fill_slots(reply, rng, entities, split="train"), None, rng)))
    for item in train["myth"]:
        docs += [myth_thread(item, rng) for _ in range(n(2))]
    for trait, (target, other) in zip(C.STEREOTYPES, stereotype_pairs(entities, honest=True)):
        docs += [stereotype_story(target, other, trait, rng) for _ in range(n(300))]
    docs += [everyday_story(entities, rng) for _ in range(n(1000))]
    rng.shuffle(docs)
    return docs
