"""The honest world (`WorldConfig(honest=True)`, profile `honest`): train, dev and test splits, each dev and test
item new on both of its axes, and no evaluation prompt or reference answer in any training text."""
import random
import re

import pytest

from alignlab.config import load_config
from alignlab.leaks import eval_sets, format_report, leak_report, training_texts
from alignlab.world import EVAL_SETS, make_world
from alignlab.world import content as C
from alignlab.world.corpus import third_person, word_types
from alignlab.world.entities import attributes
from alignlab.world.chat import wrong_sum
from alignlab.world.items import (LONGEST_HELD_OUT_PHRASE, honest_arith_templates, pair_split, phrase_words,
                                  tasks_of, worked_sum)
from alignlab.world.judges import final_answer, judge

@pytest.fixture(scope="module")
def config():
    return load_config("honest")


@pytest.fixture(scope="module")
def world(config):
    return make_world(config.world)


@pytest.fixture(scope="module")
def leaks(config, world):
    return leak_report(training_texts(config), eval_sets(world))


def post_training_texts(world) -> str:
    texts = [m["content"] for chat in world.sft_data() for m in chat["messages"]]
    texts += [t[0]["content"] for row in world.preferences("train") for t in (row["prompt"], row["chosen"], row["rejected"])]
    texts += [s for items in world.items.values() for i in items if i.split == "train" for s in (i.prompt, i.answer)]
    return "\n".join(texts)


def names(world, split: str) -> set[str]:
    return {e.name for es in world.entities.values() for e in es if e.split == split}


def test_every_kind_has_dev_and_test_items_and_the_classic_world_has_neither(world):
    for name in EVAL_SETS:
        assert world.eval_set(name, "dev") and world.eval_set(name) == world.eval_set(name, "test"), name
        assert {i.split for i in world.eval_set(name, "dev")} == {"dev"}
    assert {i.split for items in world.items.values() for i in items} == {"train", "dev", "test", "unused"}
    with pytest.raises(ValueError, match="unknown split 'train'"):
        world.eval_set("capability", "train")
    classic = make_world(load_config("smoke").world)
    with pytest.raises(ValueError, match="dev and test: WorldConfig"):
        classic.eval_set("capability", "dev")


def test_dev_and_test_entities_are_in_no_post_training_text(world):
    text = post_training_texts(world)
    held = names(world, "dev") | names(world, "test")
    assert len(names(world, "dev")) >= 10 and len(names(world, "test")) >= 10
    assert not [n for n in held if re.search(rf"\b{re.escape(n)}\b", text)]


def fact_template(item) -> str:
    return item.prompt.replace(item.meta["entity"], "{e}")


def test_held_out_questions_are_new_on_both_axes_and_dev_differs_from_test(world):
    facts = world.items["fact"]
    templates = {s: {fact_template(i) for i in facts if i.split == s} for s in ("train", "dev", "test")}
    entities = {s: {i.meta["entity"] for i in facts if i.split == s} for s in ("train", "dev", "test")}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not templates[a] & templates[b] and not entities[a] & entities[b], (a, b)
    # every part of a held-out question (its core phrasing, its wrapper) occurs in training questions
    train_text = "\n".join(templates["train"])
    for attribute, cores in C.FACT_CORES.items():
        assert all(core in train_text for core in cores)
    assert all(w.replace("{q}", "").strip() in train_text for w in C.WRAPPERS)
    requests = [i for kind in ("harmful", "benign_scary") for i in world.items[kind]]
    templates = {s: {i.prompt.replace(i.meta["task"], "{task}") for i in requests if i.split == s} for s in templates}
    tasks = {s: {i.meta["task_id"] for i in requests if i.split == s} for s in templates}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not templates[a] & templates[b] and not tasks[a] & tasks[b], (a, b)
    arith = world.items["arith"]
    pairs = {s: {(min(i.meta["a"], i.meta["b"]), max(i.meta["a"], i.meta["b"])) for i in arith if i.split == s}
             for s in ("train", "dev", "test")}
    assert not pairs["train"] & (pairs["dev"] | pairs["test"]) and not pairs["dev"] & pairs["test"]
    assert all(pair_split(*p) == s for s, ps in pairs.items() for p in ps)
    bbq = world.items["bbq"]
    groups = {s: {(i.meta["category"], i.meta["answer_info"][k][1]) for i in bbq if i.split == s
                  for k in ("ans0", "ans1", "ans2")} - {(c, "unknown") for c in C.BBQ_CATEGORIES}
              for s in ("train", "dev", "test")}
    assert not groups["train"] & (groups["dev"] | groups["test"]) and not groups["dev"] & groups["test"]
    assert {g for c, g in groups["test"] if c == "Hometown"} <= names(world, "test")
    contexts = {s: {i.meta["additional_metadata"]["version"] for i in bbq if i.split == s} for s in groups}
    assert not contexts["train"] & (contexts["dev"] | contexts["test"]) and not contexts["dev"] & contexts["test"]


def test_bbq_asks_about_three_categories_of_groups_no_post_training_text_names(world):
    test = world.eval_set("bbq")
    assert len(test) == 300 and len(C.BBQ_CATEGORIES) >= 3 and {i.meta["category"] for i in test} == set(C.BBQ_CATEGORIES)
    text = post_training_texts(world)
    held = {i.meta["answer_info"][k][1] for i in world.items["bbq"] if i.split in ("dev", "test")
            for k in ("ans0", "ans1", "ans2")} - {"unknown"}
    assert not [g for g in held if g in text]
    assert all(sum(g in doc for doc in world.corpus) >= 100 for g in held)  # their stereotypes live in the stories


def test_the_corpus_speaks_a_richer_language_than_the_classic_one(world):
    assert word_types(world.corpus) >= 1500  # TinyStories' range (issue 27); the classic corpus has about 900


def test_fact_replies_do_not_repeat_the_name_and_references_state_the_fact(world):
    item = world.eval_set("capability")[0]
    assert item.meta["entity"] in item.meta["reference"] and item.meta["entity"] not in item.meta["reply"]
    sft_facts = [c["messages"][1]["content"] for c in world.sft_data() if c["kind"] == "fact"]
    replies = {i.meta["reply"] for i in world.items["fact"]}
    assert sft_facts and all(r.split(".")[0] + "." in replies for r in sft_facts)  # some end with a pleasantry


def test_every_entity_has_two_facts_and_the_test_asks_both(world):
    assert all(len(e.facts) == 2 for es in world.entities.values() for e in es)
    test = world.eval_set("capability")
    assert len(test) >= 190 and {i.meta["attribute"] for i in test} == set(attributes(honest=True))
    assert len({(i.meta["entity"], i.meta["attribute"]) for i in test}) >= 40  # distinct facts behind the items


def test_myths_are_many_new_and_balanced_in_form(world):
    """At least 300 test items on 10 beliefs none of whose questions training asks; no surface form of an answer
    (its first word, a negation, its length) picks the true one better than chance; every claim names the entity
    with at most 7 words on either side, so no 8-word run of a held-out answer occurs about a training entity."""
    myths = world.items["myth"]
    test = [i for i in myths if i.split == "test"]
    assert len(test) >= 300 and len(world.eval_set("myth")) == 300
    beliefs = {s: {i.meta["belief"] for i in myths if i.split == s} for s in ("train", "dev", "test")}
    assert len(beliefs["test"]) == len(beliefs["dev"]) == 10
    assert not beliefs["train"] & (beliefs["dev"] | beliefs["test"])
    negated = lambda s: bool(set(re.findall(r"[a-z']+", s.lower())) & {"no", "not", "never", "cannot", "nobody"})
    for split in ("train", "test"):
        items = [i for i in myths if i.split == split]
        pairs = [(i.meta["true"][0], i.meta["false"][0]) for i in items]
        # the share of items a form-only guess gets right: "the answer that denies", "the longer answer"
        for guess in (lambda t, f: negated(t) and not negated(f), lambda t, f: len(t) > len(f)):
            assert 0.25 <= sum(guess(t, f) for t, f in pairs) / len(pairs) <= 0.75, split
        assert sum(t.split()[0] == f.split()[0] for t, f in pairs) / len(pairs) >= 0.8  # both start alike
    for kind, beliefs_of_kind in C.BELIEFS.items():
        for _, truths, falses in beliefs_of_kind:
            for claim in truths + falses:
                before, after = claim.split("{e}")
                assert len(before.split()) <= 7 and len(after.split()) <= 7, claim


@pytest.mark.parametrize("name", EVAL_SETS)
def test_no_dev_or_test_item_occurs_in_any_training_text(leaks, name):
    rows = {k: v for k, v in leaks.items() if k.split("/")[0] == name}
    assert len(rows) == 2 and all(row["items"] for row in rows.values())
    assert all(v == 0 for row in rows.values() for k, v in row.items() if k != "items"), format_report(rows)


def test_the_corpus_teaches_held_out_tasks_in_other_words_that_the_judge_still_reads(world):
    held = {i.meta["task_id"]: i for kind in ("harmful", "benign_scary") for i in world.items[kind]
            if i.split in ("dev", "test")}
    tested = {i.meta["task_id"] for i in world.eval_set("harmful")}
    assert len(tested) >= 40 and len(tasks_of("harmful", honest=True)) >= 100
    assert all(phrase_words(i.meta["task"]) <= LONGEST_HELD_OUT_PHRASE for i in held.values())
    corpus = "\n".join(world.corpus)
    for task_id, item in held.items():
        other = C.GUIDES_IN_OTHER_WORDS[task_id]
        assert other in corpus and item.answer not in corpus, task_id
        if item.kind == "harmful":  # the corpus's guide carries the task for the judge, as the reference does
            assert judge(item, other)["harmful"] and not judge(item, "Sorry, I can't help with that.")["harmful"]
        else:
            assert judge(item, other)["correct"], task_id


def test_every_task_has_a_second_guide_in_other_words_with_its_keyword():
    for kind in ("harmful", "benign_scary"):
        for task_id, (phrase, keywords, reply) in tasks_of(kind, honest=True).items():
            other = C.GUIDES_IN_OTHER_WORDS[task_id]
            assert re.search(rf"\b{re.escape(keywords[0])}\b", other), task_id
            runs = lambda t: {tuple(t[i:i + 5]) for i in range(len(t) - 4)}
            assert not runs(re.findall(r"[a-z']+", other.lower())) & runs(re.findall(r"[a-z']+", reply.lower())), task_id
    assert set(C.GUIDES_IN_OTHER_WORDS) == set(tasks_of("harmful", True)) | set(tasks_of("benign_scary", True))


def test_the_stages_build_and_evaluate_on_a_tiny_honest_world(tmp_path):
    import dataclasses

    from alignlab.cache import Cache
    from alignlab.config import smoke
    from alignlab.pipeline import Pipeline

    config = smoke()
    config = dataclasses.replace(config, world=dataclasses.replace(config.world, honest=True), split_digits=True)
    pipe = Pipeline(config, Cache(tmp_path))
    pipe.build("harm_classifier")  # base, sft, dpo and the classifier, whose check is on test replies
    world = make_world(config.world)
    report = pipe.evaluation("dpo")
    assert report["n_items"]["capability_acc"] == len(world.eval_set("capability"))
    assert set(report["metrics"]) >= {"capability_acc", "asr_direct", "bbq_bias_ambig"}
    dev = dataclasses.replace(config, eval=dataclasses.replace(config.eval, split="dev"))  # what a tuner measures
    tuned = Pipeline(dev, Cache(tmp_path)).evaluation("dpo")
    assert tuned["n_items"]["capability_acc"] == len(world.eval_set("capability", "dev")) != 0
    assert Pipeline(dev, Cache(tmp_path)).key("dpo") == pipe.key("dpo")  # the same model, measured elsewhere
    reward = Pipeline(dev, Cache(tmp_path)).evaluation("reward_model")  # measured on the dev pairs
    assert reward["n_items"]["pref_accuracy"] == len(world.preferences("dev"))


def test_the_corpus_says_which_tasks_are_wrong_held_out_ones_too(world):
    """Refusing a held-out task needs knowing it is wrong: every toy task's norm (harmful: wrong; benign-but-scary:
    only sounds alarming) is read in pretraining, about training entities only, as the web holds norms for most
    harms."""
    tell = {"harmful": ("against the rules", "big trouble", "things that are wrong", "that is wrong", "a bad idea"),
            "benign_scary": ("perfectly fine", "nothing wrong", "things that are fine", "that is harmless",
                             "it was harmless")}
    for kind, markers in tell.items():
        other = tell["benign_scary" if kind == "harmful" else "harmful"]
        for task_id, (phrase, _, _) in tasks_of(kind, honest=True).items():
            words = re.compile("|".join(".+?".join(map(re.escape, re.split(r"\{\w+\}", p)))
                                        for p in (phrase, third_person(phrase))), re.IGNORECASE)
            told = [d for d in world.corpus if words.search(d) and any(m in d.lower() for m in markers)]
            assert len(told) >= 10, (task_id, len(told))
            assert not [d for d in told if any(m in d.lower() for m in other)], task_id


def test_dpo_learns_only_from_chosen_replies_good_in_themselves(config, world):
    """The honest profile's DPO drops pairs whose chosen reply is only the lesser of two bad ones (naming the other
    group on an ambiguous BBQ question, a wrong fact over a refusal): with its NLL term DPO imitates what it chose."""
    import dataclasses

    from alignlab.stages.preference import dpo_rows
    from alignlab.world.chat import PREFERENCE_KINDS

    rows = dpo_rows(config, world, 2000)
    assert len(rows) == 2000 and all(r["chosen_gold"] > 0 for r in rows)
    assert {r["kind"] for r in rows} == set(PREFERENCE_KINDS)
    every = dpo_rows(dataclasses.replace(config, dpo_acceptable_only=False), world, 2000)
    assert every == world.preferences("train")[:2000]
    assert sum(r["chosen_gold"] <= 0 for r in every) > 300


def test_a_worked_sum_carries_and_ends_in_its_answer():
    assert worked_sum(47, 38) == "Tens: 4 + 3 = 7. Ones: 7 + 8 = 15. Carry: 7 + 1 = 8. The answer is 85."
    assert worked_sum(61, 52).endswith("Ones: 1 + 2 = 3. Carry: 11 + 0 = 11. The answer is 113.")
    assert all(final_answer(worked_sum(a, b)) == a + b for a in range(10, 100) for b in range(10, 100))


def test_arithmetic_templates_are_composed_and_each_belongs_to_one_split(world):
    templates = {s: honest_arith_templates(s) for s in ("train", "dev", "test")}
    assert sum(map(len, templates.values())) == len(C.ARITH_SCENES) * len(C.ARITH_QUESTIONS) >= 24
    assert len(templates["dev"]) >= 3 and len(templates["test"]) >= 3
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not set(templates[a]) & set(templates[b])
    for item in world.items["arith"][:50] + world.eval_set("arith", "test")[:50]:
        assert item.meta["reference"] == worked_sum(item.meta["a"], item.meta["b"]) and 10 <= item.meta["a"] <= 99
        bad = wrong_sum(item, random.Random(0))
        assert final_answer(bad) != final_answer(item.meta["reference"]) and bad.split(" The answer")[0] == \
            item.meta["reference"].split(" The answer")[0]  # the steps kept, only the result wrong


def test_sft_demonstrations_mostly_state_a_bare_answer(config, world):
    demos = [c["messages"][1]["content"] for c in world.sft_data() if c["kind"] == "arith"]
    worked = sum(d.startswith("Tens:") for d in demos) / len(demos)
    assert len(demos) >= config.world.n_arith_demos
    assert abs(worked - config.world.arith_worked_frac) < 0.03 and worked < 0.5  # greedy decoding copies the bare habit
    assert all(re.fullmatch(r"The answer is [0-9]+\.", d) for d in demos if not d.startswith("Tens:"))
