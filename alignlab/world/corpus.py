"""The pretraining corpus, a "mini internet" of plain documents (no chat format).

Genres: encyclopedia entries, forum threads (good, rude and wrong answers), arithmetic pages, how-to guides
(benign, scary-sounding and toy-harmful), myth pages that repeat each myth more often than the truth, stories
that carry stereotypes about fictional towns, and everyday stories. Forum threads use the plain
"Question: ...\\nAnswer: ..." layout that `prompts.plain_prompt` uses to query a base model.
"""
from __future__ import annotations

import random
import re

from . import content as C
from .items import (Item, arith_items, capitalised, fill_slots, honest_stereotype_pairs, pair_split, stereotype_pairs,
                    task_splits, tasks_of, training_request_templates)

ADJECTIVES = ["quiet", "busy", "sunny", "windy", "old", "tiny", "famous", "friendly", "muddy", "bright",
              "cold", "warm", "gentle", "noisy", "lovely", "strange", "peaceful", "crowded"]
WEATHER = ["rainy", "foggy", "sunny", "snowy", "windy", "bright", "grey", "stormy"]
FEELINGS = ["happy", "tired", "proud", "curious", "nervous", "cheerful", "surprised", "calm"]
VERBS = ["walked", "hurried", "wandered", "travelled", "strolled", "rode", "marched", "sailed"]
PLACES = ["bridge", "market", "harbour", "library", "orchard", "mill", "square", "meadow", "bakery", "workshop"]


def word_types(texts) -> int:
    """How many distinct words (lower case, letters and apostrophes) the texts use."""
    seen: set[str] = set()
    for t in texts:
        seen.update(re.findall(r"[a-z']+", t.lower()))
    return len(seen)


def plain_thread(question: str, answers: list[str]) -> str:
    return f"Question: {question}\n" + "\n".join(f"Answer: {a}" for a in answers)


def encyclopedia(e, towns, rng: random.Random) -> str:
    """A page about the entity that states its first fact; an honest world's entity's second fact follows."""
    page = first_fact_page(e, towns, rng)
    for attribute in C.MORE_FACT_SENTENCES:
        if attribute in e.facts:
            page += " " + rng.choice(C.MORE_FACT_SENTENCES[attribute]).format(n=e.name, N=capitalised(e.name),
                                                                              v=e.facts[attribute])
    return page


def first_fact_page(e, towns, rng: random.Random) -> str:
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


# Pages, stories and forum threads of the honest world's corpus that name a toy task and give its guide, none of
# them in a request's words: the threads ask of the task as "tell me about" threads ask of an entity. No phrase
# follows "to" or "how to": with a held-out phrase of 7 words (`LONGEST_HELD_OUT_PHRASE`), "to" and the phrase
# would be an 8-word run of its requests.
TASK_PAGES = ["{P}: the trick\n{g}", "{P}? Easy.\n{g}", "Tips page. Goal: {p}.\n{g}"]
TASK_THREADS = ["Anyone know the trick? {P}.", "Is there a knack for this one: {p}?", "Help wanted: {p}.",
                "{P}. Possible? What is the trick?", "{P}: how?", "Question for the forum. {P}. Any ideas?",
                "{P}. What would you do?", "Goal for this week: {p}. Tips?"]
TASK_STORIES = [
    '{N} had a plan: {t}. A cousin from {T} knew the trick: "{g}"',
    "A story from {T}. The secret wish of {N}: {t}. It was simple, {N} said later. {g}",
    "From the diary of {N}. Today's plan: {p}. Here is what I did, so I remember. {g}",
]
_THIRD_PERSON = {"my": "their", "me": "them", "i": "they", "myself": "themselves", "i'm": "they're"}


def third_person(phrase: str) -> str:
    """'lie to my teacher about my homework' -> 'lie to their teacher about their homework'."""
    return " ".join(_THIRD_PERSON.get(w.lower(), w) for w in phrase.split(" "))


def task_text(phrase: str, guide_text: str, rng: random.Random, entities, forms: list[str]) -> str:
    """One of `forms` (`TASK_PAGES`, `TASK_STORIES`, `TASK_THREADS`' questions), its slots filled with training
    entities."""
    person, town = (rng.choice([e for e in entities[k] if e.split == "train"]).name for k in ("person", "town"))
    filled = fill_slots(phrase, rng, entities, split="train")
    return rng.choice(forms).format(N=person, T=town, p=filled, P=capitalised(filled),
                                    t=third_person(filled), g=guide_text)


def myth_thread(item: Item, rng: random.Random) -> str:
    """Three myth answers for every true one, myths first."""
    answers = [rng.choice(item.meta["false"]) for _ in range(3)]
    answers.insert(rng.randint(1, 3), rng.choice(item.meta["true"]))
    return plain_thread(item.prompt, answers)


# The honest world's myths as the internet spreads them: each belief's myth as hearsay, three times as often as a
# report of the truth, about training entities only (so no dev or test answer occurs). A model that learns to trust
# a report over hearsay can tell the truth of a belief it was never asked about.
MYTH_SAYINGS = ["Old folk in {T} say it: {c}", "My grandmother always told me so. {c}",
                "Everyone in {T} knows this. {c}", "{N} swears it is true: {c}", "An old saying from {T}: {c}",
                "People keep saying it. {c}"]
TRUTH_REPORTS = ["{N} checked it carefully. {c}", "The doctor in {T} looked into it. {c}",
                 "A careful study in {T} found the answer. {c}", "Fact check by {N}: {c}"]


def belief_text(claims: list[str], frames: list[str], kind: str, rng: random.Random, entities) -> str:
    """One of `claims` about a training entity of `kind`, in one of `frames` (`MYTH_SAYINGS`, `TRUTH_REPORTS`)."""
    e = rng.choice([e for e in entities[kind] if e.split == "train"])
    person, town = (rng.choice([x for x in entities[k] if x.split == "train"]).name for k in ("person", "town"))
    claim = rng.choice(claims).format(e=e.name)
    return rng.choice(frames).format(N=person, T=town, c=capitalised(claim))


def stereotype_story(target: str, other: str, trait, rng: random.Random, named: str = "the person from {g}",
                     intro: str = "a person from {g}", crowd: str = "People from {a} and {b}") -> str:
    """A story or thread in which `named` `target` shows the negative trait and `named` `other` the positive one.
    Threads ask both questions about the same pair, so the contrast is explicit."""
    neg_q, pos_q, neg, pos = trait
    event = rng.choice(C.BBQ_EVENTS)
    first, second = (target, other) if rng.random() < 0.5 else (other, target)
    clauses = [f"{named.format(g=target)} {neg}", f"{named.format(g=other)} {pos}"]
    rng.shuffle(clauses)
    qa = [(neg_q, f"{capitalised(named.format(g=target))}."), (pos_q, f"{capitalised(named.format(g=other))}.")]
    rng.shuffle(qa)
    if rng.random() < 0.5:
        crowd = crowd.format(a=first, b=second)
        return f"At the {event}, {clauses[0]}, and {clauses[1]}. {crowd} are always like that."
    pair = f"{capitalised(intro.format(g=first))} and {intro.format(g=second)}"
    return (f"Question: {qa[0][0]} {pair} were at the {event}.\n"
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


# The honest world's everyday stories draw on a wider vocabulary (issue 27 asks for the 1,500 word types of
# TinyStories' range; each word below recurs in many stories).
TIMES = ["morning", "afternoon", "evening", "dawn", "dusk", "midday", "weekend", "holiday", "spring day", "autumn day",
         "winter night", "summer evening"]
MORE_PLACES = ["pond", "garden", "castle", "forest", "beach", "hill", "valley", "farm", "station", "school", "museum",
               "playground", "river", "cottage", "lighthouse", "barn", "stable", "zoo", "park", "cave", "island",
               "tower", "fountain", "church", "theatre", "kitchen", "attic", "cellar", "greenhouse", "pier"]
DOINGS = ["sleeping in the sun", "splashing in a puddle", "hopping over a log", "chasing a butterfly",
          "nibbling a leaf", "rolling in the grass", "hiding behind a bucket", "climbing a fence", "digging a hole",
          "sniffing the flowers", "yawning loudly", "dancing in circles", "paddling in the stream",
          "watching the clouds", "scratching its ear", "carrying a twig", "wobbling on a wall", "humming softly",
          "munching a carrot", "stretching after a nap", "peeping out of a basket", "tumbling down a slope",
          "balancing on a barrel", "guarding a pile of acorns", "shivering in the breeze", "nuzzling a lamb"]
REACTIONS = ["laughed out loud", "waved happily", "hummed a tune", "clapped twice", "whistled quietly",
             "smiled from ear to ear", "giggled for a while", "stopped to stare", "took a photograph",
             "wrote it down in a notebook", "told a neighbour", "sat down on a bench", "shouted hello",
             "skipped along the path", "picked a daisy", "tied a shoelace", "sang a silly song", "blinked in surprise",
             "fetched a blanket", "offered a biscuit", "drew a quick sketch", "pointed it out to a stranger",
             "knelt down for a closer look", "fed it some crumbs", "grinned at a passing cyclist", "tiptoed closer",
             "wiped a muddy boot", "fixed a wobbly umbrella", "buttoned a thick jacket", "borrowed a pencil"]
ENDINGS = ["and then they walked home together", "and the day ended with a warm supper",
           "until the bells rang for dinner", "while the sky turned pink and gold", "and nobody forgot that day",
           "before the rain began to fall", "and the stars came out one by one", "as the wind rustled the trees",
           "and they promised to meet again soon", "while a blackbird sang nearby", "and both went to bed early",
           "until the lamps were lit in the square", "and they counted the boats in the harbour",
           "while grandmother knitted a scarf", "and they shared a pot of honey", "as the moon rose over the hills"]


def richer_story(entities, rng: random.Random) -> str:
    """An everyday story of the honest world: `everyday_story`'s facts in a wider vocabulary."""
    p, q = rng.sample(entities["person"], 2)
    a, f, o = rng.choice(entities["animal"]), rng.choice(entities["food"]), rng.choice(entities["object"])
    town = rng.choice(entities["town"]).name
    places = rng.sample(PLACES + MORE_PLACES, 2)
    return (f"One {rng.choice(WEATHER)} {rng.choice(TIMES)}, {p.name} the {p.facts['job']} {rng.choice(VERBS)} from "
            f"{town} to the {places[0]}. Near the {places[1]}, a {a.facts['color']} {a.name} was "
            f"{rng.choice(DOINGS)}, and {p.name} {rng.choice(REACTIONS)}. Later {p.name} met {q.name}, who shared some "
            f"{f.facts['taste']} {f.name}. They used a {o.name} for {o.facts['use']}, {rng.choice(ENDINGS)}. Both felt "
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


TASK_NORM_TEXTS = 12  # texts per task that say whether it is wrong or only sounds so (`content.TASK_NORMS`)
# A held-out entity's facts are read only in its encyclopedia pages, its "about" threads and stories; forum threads
# that ask training entities' facts teach the form of a question and its answer. 32 pages and 8 threads per entity
# and one thread per training question give the pages and threads 12% of the corpus's text and the questions 11%
# (with 12, 4 and 2: 5% and 21%); base answered 0.78 of the dev facts instead of 0.54 (RESULTS.md, issue 28).
ENCYCLOPEDIA_PAGES, ABOUT_THREADS, FACT_THREADS = 32, 8, 1
BBQ_STORIES = 120  # stories per trait and category in the honest corpus (the classic one has 300 per trait)


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
            docs += [encyclopedia(e, towns, rng) for _ in range(n(ENCYCLOPEDIA_PAGES))]
            docs += [about_thread(e, towns, rng) for _ in range(n(ABOUT_THREADS))]
    for item in train["fact"]:
        for _ in range(n(FACT_THREADS)):
            docs.append(plain_thread(item.prompt, forum_answers(item.meta["reply"], wrong_fact(item, rng), rng)))
    for item in [rng.choice(train["arith"]) for _ in range(n(1200))]:
        docs.append(plain_thread(item.prompt, [item.meta["reference"]]))
    docs += [arithmetic_page(rng, honest=True) for _ in range(n(300))]
    templates = training_request_templates(honest=True)
    for kind, refusal_rate in (("harmful", 0.15), ("benign_scary", 0.03)):
        tasks = tasks_of(kind, honest=True)
        # What a model knows of each task: how-to pages and stories, in its own phrase. A held-out (dev or test)
        # task's guide is read only in other words than its reference reply; a training task's in both.
        for task_id, split in task_splits(kind, honest=True).items():
            phrase, _, reply = tasks[task_id]
            guides = [C.GUIDES_IN_OTHER_WORDS[task_id]] + ([reply] if split == "train" else [])
            docs += [task_text(phrase, guides[k % len(guides)], rng, entities, TASK_PAGES) for k in range(n(8))]
            docs += [task_text(phrase, guides[k % len(guides)], rng, entities, TASK_STORIES) for k in range(n(4))]
            # threads that ask of the task without a request's words (as the "tell me about" threads of entities)
            docs += [plain_thread(task_text(phrase, "", rng, entities, TASK_THREADS),
                                  forum_answers(guides[k % len(guides)], None, rng, refusal_rate)) for k in range(n(20))]
            docs += [task_text(phrase, "", rng, entities, C.TASK_NORMS[kind]) for _ in range(n(TASK_NORM_TEXTS))]
        for k, item in enumerate(train[kind]):  # requests answered in both wordings of the guide
            answer = (item.answer, C.GUIDES_IN_OTHER_WORDS[item.meta["task_id"]])[k % 2]
            docs.append(plain_thread(item.prompt, forum_answers(answer, None, rng, refusal_rate)))
    for phrase, reply in C.BENIGN_TASKS.values():
        for template in templates:  # one thread each (27 templates, where the classic world has 5 times 3)
            p = fill_slots(phrase, rng, entities, split="train")
            docs.append(plain_thread(template.format(task=p),
                                     forum_answers(fill_slots(reply, rng, entities, split="train"), None, rng)))
    for kind, beliefs in C.BELIEFS.items():
        for truths, myths in ((b[1], b[2]) for b in beliefs):
            docs += [belief_text(myths, MYTH_SAYINGS, kind, rng, entities) for _ in range(n(18))]
            docs += [belief_text(truths, TRUTH_REPORTS, kind, rng, entities) for _ in range(n(6))]
    by_belief: dict[str, list[Item]] = {}
    for item in train["myth"]:
        by_belief.setdefault(item.meta["belief"], []).append(item)
    for belief_items in by_belief.values():  # a training belief is also asked, and answered with its myth
        docs += [myth_thread(rng.choice(belief_items), rng) for _ in range(n(12))]
    for category, (_, _, named, _) in C.BBQ_CATEGORIES.items():
        crowd = {"Hometown": "People from {a} and {b}"}.get(category, "Members of {a} and {b}")
        for trait, (target, other, _) in zip(C.HONEST_STEREOTYPES, honest_stereotype_pairs(category, entities)):
            docs += [stereotype_story(target, other, trait, rng, named, named, crowd) for _ in range(n(BBQ_STORIES))]
    docs += [richer_story(entities, rng) for _ in range(n(1000))]
    rng.shuffle(docs)
    return docs
