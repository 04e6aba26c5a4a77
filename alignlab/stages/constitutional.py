"""The stages of Constitutional AI (see `alignlab.cai`).

`cai_sl`, the supervised phase: `feedback_model/` (sft taught to critique and revise from the worked examples),
`model/` (sft fine-tuned on its own revised answers: SL-CAI) and `revisions.json` (every critique and revision).
`cai`, the RL phase: the SL-CAI model trained by DPO on AI harmlessness labels and human helpfulness labels;
`ai_labels.json` holds every pair the AI labelled, with the gold judge's margin beside it for measurement."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer

from ..cai import (
    AI_LABELLED_KINDS,
    HUMAN_LABELLED_KINDS,
    SL_KINDS,
    ai_labelled,
    ai_margins,
    answer_pairs,
    check_constitution,
    gold_agreement,
    revise_all,
    teaching_rows,
)
from ..config import CourseConfig
from ..dpo import train_dpo
from ..generation import generate
from ..pipeline import POST_SOURCES, Stage, register
from ..world import make_world
from ..world.chat import conversation
from ..world.constitution import WRITERS, constitution_cases
from .sft import fine_tune, sft_rows


def _load(folder: Path):
    return AutoModelForCausalLM.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)


def _training_items(world, kinds: tuple[str, ...], per_kind: int, rng: random.Random) -> list:
    """Up to `per_kind` training items of each kind."""
    pools = [[i for i in world.items[k] if i.split == "train"] for k in kinds]
    return [i for pool in pools for i in rng.sample(pool, min(per_kind, len(pool)))]


def build_cai_sl(config: CourseConfig, upstream: dict, out: Path) -> None:
    s = config.cai
    principles = check_constitution(s.constitution)
    world = make_world(config.world)
    rng = random.Random(f"cai/{s.seed}")
    start = upstream["sft"] / "model"
    sft, tok = _load(start)
    cases = constitution_cases(world.items, principles, s.examples_per_principle, rng)
    if cases:
        fine_tune(config, start, teaching_rows(cases, tok.eos_token, rng), s.teach, out / "feedback_model",
                  {"worked_examples": len(cases)})
    else:  # no principle the world has examples for: the feedback model is sft, untaught
        shutil.copytree(start, out / "feedback_model" / "model")
    feedback, _ = _load(out / "feedback_model" / "model")

    items = _training_items(world, SL_KINDS, s.sl_prompts_per_kind, rng)
    requests = [i.prompt for i in items]
    answers = [r.text for r in generate(sft, tok, requests, "chat", s.max_new_tokens)]
    revisions = [{**r, "kind": i.kind} for i, r in zip(items, revise_all(feedback, tok, requests, answers, principles,
                                                                         rng, s.max_new_tokens))]
    (out / "revisions.json").write_text(json.dumps(revisions))
    chats = [{"messages": conversation(r["request"], r["final"])} for r in revisions]
    revised = {k: sum(r["final"] != r["response"] for r in revisions if r["kind"] == k) /
               max(1, sum(r["kind"] == k for r in revisions)) for k in SL_KINDS}
    fine_tune(config, start, sft_rows(tok, chats, world.corpus, s.replay_docs, s.seed), s.sl, out,
              {"principles": principles, "principles_without_examples": [p for p in principles if p not in WRITERS],
               "worked_examples": len(cases), "revised_share": revised})


def build_cai(config: CourseConfig, upstream: dict, out: Path) -> None:
    s = config.cai
    principles = check_constitution(s.constitution)
    world = make_world(config.world)
    rng = random.Random(f"cai-rl/{s.seed}")
    policy, tok = _load(upstream["cai_sl"] / "model")
    feedback, _ = _load(upstream["cai_sl"] / "feedback_model" / "model")
    pairs = answer_pairs(policy, tok, _training_items(world, AI_LABELLED_KINDS, s.rl_prompts_per_kind, rng),
                         s.temperature, s.max_new_tokens, s.seed)
    margins = ai_margins(feedback, tok, [(p["request"], p["a"], p["b"]) for p in pairs], principles)
    (out / "ai_labels.json").write_text(json.dumps([{**p, "margin": m} for p, m in zip(pairs, margins)]))
    human = [r for r in world.preferences("train") if r["kind"] in HUMAN_LABELLED_KINDS][: s.human_pairs]
    rows = ai_labelled([(p["request"], p["a"], p["b"]) for p in pairs], margins, s.min_margin) + human
    rng.shuffle(rows)
    info = {"principles": principles, "ai_labels": len(rows) - len(human), "human_labels": len(human),
            "human_harmlessness_labels": sum(r["kind"] in ("harmful", "jailbreak") for r in human),
            "ai_agreement": gold_agreement(margins, [p["gold_margin"] for p in pairs], s.min_margin),
            "ai_agreement_all_pairs": gold_agreement(margins, [p["gold_margin"] for p in pairs])}
    train_dpo(config, upstream["cai_sl"] / "model", rows, s.rl, s.beta, config.dpo_replay_chat_share, out, info)


CAI_SOURCES = (*POST_SOURCES, "cai.py", "world/constitution.py", "generation.py", "stages/sft.py", "redteam.py")
# the supervised phase's settings (changing the RL phase's must not retrain it)
SL_FIELDS = ("constitution", "examples_per_principle", "teach", "sl_prompts_per_kind", "sl", "replay_docs",
             "max_new_tokens", "seed")
register(Stage("cai_sl", build_cai_sl, upstream=("sft",), evaluated=False, sources=CAI_SOURCES,
               config_of=lambda c: {"cai": {k: getattr(c.cai, k) for k in SL_FIELDS}, "world": c.world},
               description="Constitutional AI's supervised phase: sft fine-tuned on its own critiqued and revised "
                           "answers"))
register(Stage("cai", build_cai, upstream=("cai_sl",), sources=(*CAI_SOURCES, "rl.py", "dpo.py"),
               config_of=lambda c: {"cai": c.cai, "sft_weight": c.dpo_sft_weight, "replay": c.dpo_replay_coef,
                                    "replay_chats": c.dpo_replay_chat_share, "world": c.world},
               description="Constitutional AI's RL phase: DPO on the model's own harmlessness labels"))
