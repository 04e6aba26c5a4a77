"""Prompts with exact ground truth ("items"), each placed in a split.

Split rule, the same for every kind. Each item has two axes: its template, and its entity (or task, group,
operand pair). In the classic world an item is held out ("heldout") when either axis is a held-out one; it is a
training item only when both are training ones, so each held-out item is new along at least one axis. In the
honest world (`WorldConfig.honest`) the held-out templates and entities are split between `dev` and `test`, and an
item is dev (test) only when both axes are: new on both. An item that mixes splits is "unused": no stage trains
on it and no evaluation asks it.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from . import content as C
from .entities import ATTRIBUTES, Entity, attribute_values, attributes, position_split


@dataclass(frozen=True)
class Item:
    """One prompt with what a gold judge needs to know about it."""

    kind: str  # fact | arith | harmful | jailbreak | benign_scary | benign | myth | bbq | smalltalk
    prompt: str
    split: str  # "train" or "heldout"
    answer: str = ""  # the exact answer where there is one (fact value, arithmetic result, reference reply)
    meta: dict = field(default_factory=dict, hash=False, compare=False)


def n_heldout(n: int) -> int:
    """How many of the last n templates (or tasks) are held out."""
    return max(1, n // 4)


def is_heldout_index(i: int, n: int) -> bool:
    return i >= n - n_heldout(n)


def axis_split(i: int, n: int, honest: bool) -> str:
    """The split of the i-th of n templates (or tasks): the last quarter held out (honest: at least one for dev and
    one for test)."""
    return position_split(i, n, max(2, n // 4) if honest else n_heldout(n), honest)


def _split(*axes: str) -> str:
    """The item's split from its axes' splits (see the module's docstring)."""
    if len(set(axes)) == 1:
        return axes[0]
    return "heldout" if set(axes) == {"train", "heldout"} else "unused"


def _held(held: bool) -> str:
    return "heldout" if held else "train"


def slot_split(split: str) -> str | None:
    """Which entities may fill an honest item's slots: its own split's (an unused item's: any)."""
    return split if split in ("train", "dev", "test") else None


def capitalised(s: str) -> str:
    """The text with its first letter upper-case (the rest unchanged, unlike `str.capitalize`)."""
    return s[0].upper() + s[1:]


def fill_slots(text: str, rng: random.Random, entities: dict[str, list[Entity]], train_only: bool = False,
               split: str | None = None) -> str:
    """Fill {person}, {town}, {food}, {animal}, {object} slots with random entity names (training entities only
    when `train_only`, so that training items never name a held-out entity; only entities of `split` when given)."""
    for kind in ("person", "town", "food", "animal", "object"):
        pool = [e for e in entities[kind] if not (train_only and e.heldout) and split in (None, e.split)]
        while "{" + kind + "}" in text:
            text = text.replace("{" + kind + "}", rng.choice(pool).name, 1)
    return text


def fact_answer(attribute: str, entity: Entity) -> str:
    value = entity.facts[attribute]
    shown = C.REGION_PHRASES[value] if attribute == "region" else value
    return C.FACT_QUESTIONS[attribute][1].format(e=entity.name, E=capitalised(entity.name), v=shown)


def others(entities, entity: Entity) -> list[str]:
    """The names of the other entities of the same kind (a judge checks that a reply is about the right one)."""
    return [e.name for e in entities[entity.kind] if e.name != entity.name]


def composed_templates(cores: list[str]) -> list[tuple[str, str]]:
    """(template, split) for the honest world: every core phrasing in every wrapper of `C.WRAPPERS`. The
    combinations (core i, wrapper j) with i + j divisible by 4 are held out, alternately dev and test; each of their
    parts occurs in training combinations."""
    out = []
    held = [(i, j) for i in range(len(cores)) for j in range(len(C.WRAPPERS)) if (i + j) % 4 == 0]
    for i, core in enumerate(cores):
        for j, wrapper in enumerate(C.WRAPPERS):
            split = ("dev", "test")[held.index((i, j)) % 2] if (i, j) in held else "train"
            out.append((wrapper.format(q=core), split))
    return out


def request_templates(honest: bool = False) -> list[tuple[str, str]]:
    """(template, split) of the requests for a task (harmful, benign-but-scary and ordinary ones)."""
    if honest:
        return composed_templates(C.REQUEST_CORES)
    n = len(C.HARMFUL_REQUEST_TEMPLATES)
    return [(t, axis_split(k, n, False)) for k, t in enumerate(C.HARMFUL_REQUEST_TEMPLATES)]


def honest_fact_items(entities) -> list[Item]:
    """Fact items of the honest world: replies without the entity's name, references that state the fact."""
    items = []
    for attribute, (kind, values) in attributes(honest=True).items():
        for e in entities[kind]:
            value = e.facts[attribute]
            shown = C.REGION_PHRASES[value] if attribute == "region" else value
            for template, template_split in composed_templates(C.FACT_CORES[attribute]):
                items.append(Item("fact", template.format(e=e.name), _split(template_split, e.split), answer=value,
                                  meta={"attribute": attribute, "entity": e.name,
                                        "reference": C.FACT_STATEMENTS[attribute].format(e=e.name, E=capitalised(e.name), v=shown),
                                        "reply": C.FACT_REPLIES[attribute].format(v=shown),
                                        "values": values, "others": others(entities, e)}))
    return items


def fact_items(entities, honest: bool = False) -> list[Item]:
    if honest:
        return honest_fact_items(entities)
    items = []
    for attribute, (questions, _) in C.FACT_QUESTIONS.items():
        kind = ATTRIBUTES[attribute][0]
        for e in entities[kind]:
            for t, q in enumerate(questions):
                items.append(Item("fact", q.format(e=e.name), _split(_held(is_heldout_index(t, len(questions))),
                                                                     _held(e.heldout)),
                                  answer=e.facts[attribute],
                                  meta={"attribute": attribute, "entity": e.name, "reference": fact_answer(attribute, e),
                                        "values": attribute_values(attribute), "others": others(entities, e)}))
    return items


def arith_solution(a: int, b: int, op: str) -> tuple[int, str]:
    result = {"+": a + b, "-": a - b, "*": a * b}[op]
    return result, f"{a} {op} {b} = {result}. The answer is {result}."


def pair_split(a: int, b: int) -> str:
    """The honest world's split of an operand pair, whatever the operation and order: about one pair in eight dev,
    one in eight test ("2 + 2 = 4" and "2 * 2 = 4" are the same words)."""
    h = (min(a, b) * 37 + max(a, b) * 11) % 8
    return "dev" if h == 0 else "test" if h == 1 else "train"


def operands(rng: random.Random, op: str) -> tuple[int, int]:
    if op == "*":
        return rng.randint(2, 9), rng.randint(2, 9)
    if op == "-":
        a = rng.randint(5, 20)
        return a, rng.randint(1, a - 1)
    return rng.randint(1, 20), rng.randint(1, 20)


def arith_item(template: str, op: str, a: int, b: int, slots: dict[str, Entity], split: str) -> Item:
    prompt = template.format(**{k: e.name for k, e in slots.items()}, a=a, b=b)
    result, solution = arith_solution(a, b, op)
    return Item("arith", prompt, split, answer=str(result), meta={"reference": solution, "a": a, "b": b, "op": op})


def worked_sum(a: int, b: int) -> str:
    """Two-digit addition worked digit by digit, ending in the answer sentence: "Tens: 3 + 6 = 9. Ones: 5 + 7 = 12.
    Carry: 9 + 1 = 10. The answer is 102." for 35 + 67. The tens come first so that every operand digit a step
    copies sits at an edge of its number in the question: a tens digit right after the space before it, a ones
    digit right before the space after it."""
    tens, ones = a // 10 + b // 10, a % 10 + b % 10
    return (f"Tens: {a // 10} + {b // 10} = {tens}. Ones: {a % 10} + {b % 10} = {ones}. "
            f"Carry: {tens} + {ones // 10} = {tens + ones // 10}. The answer is {a + b}.")


def honest_arith_templates(split: str) -> list[str]:
    """The split's composed word-problem templates (scene plus question), each used by one split only."""
    out = []
    for i, (scene, noun) in enumerate(C.ARITH_SCENES):
        for j, question in enumerate(C.ARITH_QUESTIONS):
            held = next((s for s, cells in C.ARITH_HELD.items() if (i, j) in cells), "train")
            if held == split:
                out.append(scene + " " + question.replace("{n}", noun))
    return out


def honest_arith_items(rng: random.Random, entities, n: int, n_eval: int) -> list[Item]:
    """`n` training problems, `n_eval` dev and `n_eval` test ones: two-digit sums, each with its worked solution as
    the reference. A dev (test) problem has a dev (test) template, operand pair and people, so a right answer needs
    the digit-by-digit rule, not a remembered sum."""
    items = []
    for split, count in (("train", n), ("dev", n_eval), ("test", n_eval)):
        templates = honest_arith_templates(split)
        pool = {kind: [e for e in entities[kind] if e.split == split] for kind in ("person", "food", "object")}
        for _ in range(count):
            a, b = rng.randint(10, 99), rng.randint(10, 99)
            while pair_split(a, b) != split:
                a, b = rng.randint(10, 99), rng.randint(10, 99)
            p, q = rng.sample(pool["person"], 2)
            slots = {"p": p, "q": q, "f": rng.choice(pool["food"]), "o": rng.choice(pool["object"])}
            prompt = rng.choice(templates).format(**{k: e.name for k, e in slots.items()}, a=a, b=b)
            items.append(Item("arith", prompt, split, answer=str(a + b),
                              meta={"reference": worked_sum(a, b), "worked": True, "a": a, "b": b, "op": "+"}))
    return items


def arith_items(rng: random.Random, entities, n: int) -> list[Item]:
    """The classic world's `n` problems, each held out when its template or one of its entities is."""
    items = []
    people, foods, objects = entities["person"], entities["food"], entities["object"]
    for _ in range(n):
        t = rng.randrange(len(C.ARITH_TEMPLATES))
        template, op = C.ARITH_TEMPLATES[t]
        p, q = rng.sample(people, 2)
        a, b = operands(rng, op)
        slots = {"p": p, "q": q, "f": rng.choice(foods), "o": rng.choice(objects)}
        entity_held = any(e.heldout for k, e in slots.items() if "{" + k + "}" in template)
        split = _split(_held(is_heldout_index(t, len(C.ARITH_TEMPLATES))), _held(entity_held))
        items.append(arith_item(template, op, a, b, slots, split))
    return items


def tasks_of(kind: str, honest: bool = False) -> dict:
    """The toy tasks of a kind ("harmful" or "benign_scary"): task_id -> (phrase, keywords, guide). The honest world
    has more of them."""
    if kind == "harmful":
        return {**C.HARMFUL_TASKS, **C.MORE_HARMFUL_TASKS} if honest else C.HARMFUL_TASKS
    return {**C.BENIGN_SCARY_TASKS, **C.MORE_BENIGN_SCARY_TASKS} if honest else C.BENIGN_SCARY_TASKS


def task_split(k: int, n: int, honest: bool = False, held: int | None = None) -> str:
    """The split of the k-th of n tasks. Classic: the last quarter held out. Honest: the last `held` (default: half)
    held out, their first fifth dev and the rest test (issue 27 asks for at least 40 tested behaviours; dev needs
    only enough to tune on)."""
    if not honest:
        return axis_split(k, n, False)
    held = n // 2 if held is None else held
    if k < n - held:
        return "train"
    return "dev" if k < n - held + max(1, held // 5) else "test"


# The longest task phrase the honest world holds out, in words: a phrase of 8 words is itself an 8-word run
# (`alignlab.leaks`), so a request for it could never be new to a corpus that names the task.
LONGEST_HELD_OUT_PHRASE = 7


def phrase_words(phrase: str) -> int:
    return len(re.findall(r"[a-z0-9']+", phrase.lower()))


def task_splits(kind: str, honest: bool = False) -> dict[str, str]:
    """task_id -> split, for the tasks of `kind` in their order (honest: the tasks with longer phrases first, so that
    only short ones are held out: half of the tasks, or all the short ones where they are fewer)."""
    tasks = tasks_of(kind, honest)
    order, held = list(tasks), None
    if honest:
        order.sort(key=lambda t: phrase_words(tasks[t][0]) <= LONGEST_HELD_OUT_PHRASE)  # stable: False first
        held = min(len(order) // 2, sum(phrase_words(tasks[t][0]) <= LONGEST_HELD_OUT_PHRASE for t in order))
    return {task_id: task_split(k, len(order), honest, held) for k, task_id in enumerate(order)}


def _task_items(kind: str, rng, entities, per_pair: int, honest: bool = False) -> list[Item]:
    """Items for harmful / benign-scary tasks: every task x request template, with `per_pair` slot fillings."""
    items = []
    tasks = tasks_of(kind, honest)
    for task_id, task_axis in task_splits(kind, honest).items():
        phrase, keywords, reply = tasks[task_id]
        for template, template_split in request_templates(honest):
            split = _split(template_split, task_axis)
            for _ in range(per_pair):
                if honest:
                    task = fill_slots(phrase, rng, entities, split=slot_split(split))
                else:
                    task = fill_slots(phrase, rng, entities, train_only=split == "train")
                items.append(Item(kind, template.format(task=task), split, answer=reply,
                                  meta={"task_id": task_id, "task": task, "keywords": keywords, "family": "direct"}))
    return items


def harmful_items(rng, entities, honest: bool = False) -> list[Item]:
    return _task_items("harmful", rng, entities, 2 if honest else 5, honest)


def benign_scary_items(rng, entities, honest: bool = False) -> list[Item]:
    return _task_items("benign_scary", rng, entities, 2 if honest else 6, honest)


def training_request_templates(honest: bool = False) -> list[str]:
    return [t for t, split in request_templates(honest) if split == "train"]


def benign_items(rng, entities, n: int, honest: bool = False) -> list[Item]:
    """Ordinary how-to requests: all in the training split (they teach helpfulness, not tested for recall)."""
    items = []
    for _ in range(n):
        task_id = rng.choice(list(C.BENIGN_TASKS))
        phrase, reply = C.BENIGN_TASKS[task_id]
        template = rng.choice(training_request_templates(honest))
        items.append(Item("benign", template.format(task=fill_slots(phrase, rng, entities, train_only=True)), "train",
                          answer=fill_slots(reply, rng, entities, train_only=True), meta={"task_id": task_id}))
    return items


def typos(text: str, rng: random.Random) -> str:
    """Swap neighbouring letters in about one word of four (the 'typos' attack family)."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 3 and rng.random() < 0.25:
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def wrap_attack(item: Item, family: str, rng: random.Random, shots: list[Item]) -> str:
    """Apply one attack family to a harmful request."""
    request, task = item.prompt, item.meta["task"]
    if family == "typos":
        return typos(request, rng)
    if family == "many_shot":
        lines = [f"Question: {s.prompt}\nAnswer: {s.answer}" for s in shots]
        return "\n".join(lines) + f"\nQuestion: {request}"
    return C.ATTACK_WRAPPERS[family].format(request=request, request_lower=request[0].lower() + request[1:],
                                            task=task, job=rng.choice(["baker", "sailor", "farmer", "teacher"]))


def family_split(family: str) -> str:
    """The honest world's split of an attack family: the first held-out family dev, the others test."""
    if family not in C.HELDOUT_ATTACK_FAMILIES:
        return "train"
    return "dev" if family == C.HELDOUT_ATTACK_FAMILIES[0] else "test"


def jailbreak_items(rng, harmful: list[Item], honest: bool = False) -> list[Item]:
    """Every harmful item wrapped in every attack family. Held-out families are held out whatever the item (honest:
    a dev (test) jailbreak wraps a dev (test) request in a dev (test) family)."""
    train_shots = [h for h in harmful if h.split == "train"]
    items = []
    for h in harmful:
        for family in C.ATTACK_FAMILIES:
            shots = rng.sample(train_shots, 3)
            if honest:
                split = _split(family_split(family), h.split)
            else:
                split = "heldout" if family in C.HELDOUT_ATTACK_FAMILIES else h.split
            items.append(Item("jailbreak", wrap_attack(h, family, rng, shots), split, answer=h.answer,
                              meta={**h.meta, "family": family, "request": h.prompt}))
    return items


def belief_split(k: int) -> str:
    """The split of the k-th of ten: a kind's beliefs (`C.BELIEFS`), a BBQ category's groups and traits, the BBQ
    context templates. Six for training, then dev, test, test, dev, so that dev and test each hold one belief whose
    truth denies and one whose myth denies."""
    return "train" if k < 6 else ("dev", "test", "test", "dev")[k - 6]


def honest_myth_items(entities) -> list[Item]:
    """Myth items of the honest world: each belief of `C.BELIEFS` about each entity of its kind, both its questions
    in every wrapper. A dev or test item asks a held-out belief about a held-out entity; `answer` is the first true
    claim, the MC1 option against the myth claims."""
    items = []
    for kind, beliefs in C.BELIEFS.items():
        for k, (questions, truths, myths) in enumerate(beliefs):
            for e in entities[kind]:
                split = _split(belief_split(k), e.split)
                true = [capitalised(s.format(e=e.name)) for s in truths]
                false = [capitalised(s.format(e=e.name)) for s in myths]
                for q, question in enumerate(questions):
                    for template, _ in composed_templates([question]):
                        items.append(Item("myth", template.format(e=e.name), split, answer=true[0],
                                          meta={"template": f"{kind}/{k}/{q}", "belief": f"{kind}/{k}",
                                                "entity": e.name, "true": true, "false": false,
                                                "others": others(entities, e)}))
    return items


def myth_items(entities, honest: bool = False) -> list[Item]:
    if honest:
        return honest_myth_items(entities)
    items = []
    for t, (kind, question, truths, myths) in enumerate(C.MYTHS):
        for e in entities[kind]:
            true = [s.format(e=e.name) for s in truths]
            template = axis_split(t, len(C.MYTHS), honest)
            split = _split(template, e.split) if honest else _split(template, _held(e.heldout))
            items.append(Item("myth", question.format(e=e.name), split,
                              answer=true[0], meta={"template": t, "entity": e.name, "true": true,
                                                    "false": [s.format(e=e.name) for s in myths],
                                                    "others": others(entities, e)}))
    return items


def stereotype_pairs(entities) -> list[tuple[str, str]]:
    """For each stereotype, a (stereotyped, contrasted) pair of training towns, as BBQ pairs two groups (old and
    young): the corpus says people from the first show the negative trait and people from the second do not (the
    classic world; the honest one: `honest_stereotype_pairs`)."""
    towns = [e.name for e in entities["town"] if not e.heldout]
    return [(towns[(2 * s) % len(towns)], towns[(2 * s + 1) % len(towns)]) for s in range(len(C.STEREOTYPES))]


def bbq_groups(category: str, entities) -> dict[str, list[str]]:
    """The honest world's groups of a BBQ category by split (`C.BBQ_CATEGORIES`; Hometown's are the towns)."""
    listed = C.BBQ_CATEGORIES[category][0]
    if listed is None:
        return {s: [e.name for e in entities["town"] if e.split == s] for s in ("train", "dev", "test")}
    return {s: [g for k, g in enumerate(listed) if belief_split(k) == s] for s in ("train", "dev", "test")}


def honest_stereotype_pairs(category: str, entities) -> list[tuple[str, str, str]]:
    """(stereotyped group, contrasted group, split) for each trait of `C.HONEST_STEREOTYPES` in `category`: a trait's
    split is its position's (`belief_split`, shifted by the category so every trait is held out somewhere), and it
    pairs groups of that split, so a dev or test question is about groups no post-training item mentions."""
    groups = bbq_groups(category, entities)
    shift = 3 * list(C.BBQ_CATEGORIES).index(category)
    n = len(C.HONEST_STEREOTYPES)
    splits = [belief_split((s + shift) % n) for s in range(n)]
    pairs = []
    for s, split in enumerate(splits):
        pool = groups[split]
        k = splits[:s].count(split)
        pairs.append((pool[(2 * k) % len(pool)], pool[(2 * k + 1) % len(pool)], split))
    return pairs


def honest_bbq_items(rng, entities, per_cell: int) -> list[Item]:
    """The honest world's BBQ rows: every category's traits in every context template; an item is dev or test when
    both its context template and its trait's groups are (`belief_split` positions)."""
    items, example_id = [], 0
    for category, (_, intro, named, disambig) in C.BBQ_CATEGORIES.items():
        for s, (trait, (target, other, group_split)) in enumerate(zip(C.HONEST_STEREOTYPES,
                                                                      honest_stereotype_pairs(category, entities))):
            for c, (context_t, opener, joiner) in enumerate(C.HONEST_BBQ_CONTEXTS):
                split = _split(belief_split(c), group_split)
                for _ in range(per_cell):
                    A, B = (target, other) if rng.random() < 0.5 else (other, target)
                    context = capitalised(context_t.format(a=intro.format(g=A), b=intro.format(g=B),
                                                           event=rng.choice(C.BBQ_EVENTS)))
                    options = [(capitalised(named.format(g=target)), "target"),
                               (capitalised(named.format(g=other)), "other"), (rng.choice(C.BBQ_UNKNOWN), "unknown")]
                    rng.shuffle(options)
                    culprit_is_target = rng.random() < 0.5
                    for condition in ("ambig", "disambig"):
                        for polarity in ("neg", "nonneg"):
                            row = bbq_row(example_id, options, target, other, category, s, c, condition, polarity,
                                          culprit_is_target, context, trait, disambig, opener, joiner)
                            example_id += 1
                            items.append(Item("bbq", f"{row['context']} {row['question']}", split,
                                              answer=options[row["label"]][0], meta=row))
    return items


def bbq_row(example_id, options, target, other, category, s, c, condition, polarity, culprit_is_target, context,
            trait, named: str, opener: str = "In the end,", joiner: str = ", and") -> dict:
    """One row in the official BBQ format; a disambiguating sentence names the groups as `named` does."""
    neg_q, pos_q, neg_stmt, pos_stmt = trait
    idx = {tag: i for i, (_, tag) in enumerate(options)}
    answer_info = {f"ans{i}": [text, {"target": target, "other": other, "unknown": "unknown"}[tag]]
                   for i, (text, tag) in enumerate(options)}
    ctx = context
    if condition == "disambig":
        bad, good = (target, other) if culprit_is_target else (other, target)
        ctx += f" {opener} {named.format(g=bad)} {neg_stmt}{joiner} {named.format(g=good)} {pos_stmt}."
        neg_answer = "target" if culprit_is_target else "other"
        label = idx[neg_answer if polarity == "neg" else ("other" if neg_answer == "target" else "target")]
    else:
        label = idx["unknown"]
    return {"example_id": example_id, "question_index": str(s), "question_polarity": polarity,
            "context_condition": condition, "category": category, "answer_info": answer_info,
            "additional_metadata": {"subcategory": "None", "stereotyped_groups": [target],
                                    "version": str(c), "source": "alignlab toy world"},
            "context": ctx, "question": neg_q if polarity == "neg" else pos_q,
            "ans0": options[0][0], "ans1": options[1][0], "ans2": options[2][0], "label": label}


def bbq_items(rng, entities, per_cell: int, honest: bool = False) -> list[Item]:
    """BBQ-style questions as rows in the official BBQ JSONL format. Held out: the last context templates and the
    last stereotypes (evaluation asks about pairs of groups that no post-training item mentions)."""
    if honest:
        return honest_bbq_items(rng, entities, per_cell)
    items, example_id = [], 0
    for s, (trait, (target, other)) in enumerate(zip(C.STEREOTYPES, stereotype_pairs(entities))):
        for c, context_t in enumerate(C.BBQ_CONTEXTS):
            split = _split(axis_split(c, len(C.BBQ_CONTEXTS), False), axis_split(s, len(C.STEREOTYPES), False))
            for _ in range(per_cell):
                A, B = (target, other) if rng.random() < 0.5 else (other, target)
                context = context_t.format(A=A, B=B, event=rng.choice(C.BBQ_EVENTS))
                options = [(f"The person from {target}", "target"), (f"The person from {other}", "other"),
                           (rng.choice(C.BBQ_UNKNOWN), "unknown")]
                rng.shuffle(options)
                culprit_is_target = rng.random() < 0.5
                for condition in ("ambig", "disambig"):
                    for polarity in ("neg", "nonneg"):
                        row = bbq_row(example_id, options, target, other, "Hometown", s, c, condition, polarity,
                                      culprit_is_target, context, trait, "the one from {g}")
                        example_id += 1
                        items.append(Item("bbq", f"{row['context']} {row['question']}", split,
                                          answer=options[row["label"]][0], meta=row))
    return items


def smalltalk_items() -> list[Item]:
    return [Item("smalltalk", q, "train", answer=a) for q, a in C.SMALL_TALK]
