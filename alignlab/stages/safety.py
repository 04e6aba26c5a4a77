"""The red team's stages. `harm_classifier`: its learned judge (see `alignlab.harm`), a sequence classifier
fine-tuned from `base` on responses labelled by the gold judge, with its agreement with the gold judge on replies
from models it never saw (`sft`, `dpo`) to the held-out evaluation prompts. `red_team`: the training split's attack
library run against `sft` and `dpo` (see `alignlab.redteam`). `safety`: the final model, `dpo` trained further to
refuse the attacks that worked and to help with harmless requests."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from datasets import Dataset
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

from ..config import CourseConfig
from ..dpo import train_dpo
from ..evals.harmbench import success_by_family
from ..harm import HarmClassifier, agreement, labelled_responses
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import quiet_trl, save_stage, train, trainer_args
from ..redteam import attack_items, red_team, safety_pairs
from ..world import make_world


def _policy(folder: Path, name: str, style: str) -> tuple:
    model = AutoModelForCausalLM.from_pretrained(folder / "model").eval()
    return name, model, AutoTokenizer.from_pretrained(folder / "model"), style


def build_harm_classifier(config: CourseConfig, upstream: dict, out: Path) -> None:
    quiet_trl()
    s = config.harm
    world = make_world(config.world)
    base = [_policy(upstream["base"], "base", "plain")]
    rows = labelled_responses(world, "train", base, s.per_kind, s.max_new_tokens, s.seed)
    if not world.config.honest:  # the classic world's classifier also reads replies to held-out prompts
        rows += labelled_responses(world, "heldout", base, s.heldout_per_kind, s.max_new_tokens, s.seed + 1)
    unseen = [_policy(upstream["sft"], "sft", "chat"), _policy(upstream["dpo"], "dpo", "chat")]
    check = [r for r in labelled_responses(world, world.eval_split, unseen, s.check_per_kind, s.max_new_tokens,
                                           s.seed + 2) if r["source"] != "written"]
    tok = AutoTokenizer.from_pretrained(upstream["base"] / "model")
    model = AutoModelForSequenceClassification.from_pretrained(upstream["base"] / "model", num_labels=2)
    model.config.pad_token_id = tok.pad_token_id
    torch.nn.init.zeros_(model.score.weight)  # both classes start even; not drawn from the ambient RNG
    data = Dataset.from_list([{"text": r["text"], "label": r["label"]} for r in rows]).map(
        lambda b: tok(b["text"], truncation=True, max_length=config.base_model.context), batched=True,
        remove_columns=["text"])
    args = trainer_args(TrainingArguments, out, s.train)
    trainer = Trainer(model=model, args=args, train_dataset=data, data_collator=DataCollatorWithPadding(tok))
    log = train(trainer)
    save_stage(out, trainer.model, tok, log, {"train_rows": len(rows), "train_harmful_share":
                                              sum(r["label"] for r in rows) / len(rows),
                                              "heldout": agreement(HarmClassifier(trainer.model, tok), check)})


register(Stage("harm_classifier", build_harm_classifier, upstream=("base", "sft", "dpo"), evaluated=False,
               sources=(*POST_SOURCES, "harm.py", "generation.py"),
               config_of=lambda c: {"harm": c.harm, "world": c.world},
               description="a learned judge of harmful compliance (HarmBench-style), trained on gold-labelled replies"))


def build_red_team(config: CourseConfig, upstream: dict, out: Path) -> None:
    """The training split's attacks against `sft` and `dpo`; every attack, reply and verdict kept in records.json."""
    s = config.safety
    attacks = attack_items(make_world(config.world), "train")
    records, found = [], {}
    for name in ("sft", "dpo"):
        _, model, tok, _ = _policy(upstream[name], name, "chat")
        broke = [{**r, "target": name} for r in red_team(model, tok, attacks, s.samples_per_attack, s.max_new_tokens,
                                                         s.seed)]
        found[name] = {"attacks": len(broke), "successes": sum(r["success"] for r in broke),
                       "asr_by_family": success_by_family(broke)}
        records += broke
    (out / "records.json").write_text(json.dumps(records))
    (out / "info.json").write_text(json.dumps(found))


def build_safety(config: CourseConfig, upstream: dict, out: Path) -> None:
    records = json.loads((upstream["red_team"] / "records.json").read_text())
    pairs = safety_pairs(make_world(config.world), records, config.safety)
    kinds = {k: sum(p["kind"] == k for p in pairs) for k in ("attack", "benign_scary", "helpful")}
    train_dpo(config, upstream["dpo"] / "model", pairs, config.safety.train, config.safety.beta,
              config.safety.replay_chat_share, out, {"pairs": kinds})


register(Stage("red_team", build_red_team, upstream=("sft", "dpo"), evaluated=False,
               sources=(*POST_SOURCES, "redteam.py", "harm.py", "generation.py"),
               config_of=lambda c: {"samples": c.safety.samples_per_attack, "max_new_tokens": c.safety.max_new_tokens,
                                    "seed": c.safety.seed, "world": c.world},
               description="the training split's attack library run against sft and dpo, judged by the gold judge"))
register(Stage("safety", build_safety, upstream=("red_team", "dpo"),
               sources=(*POST_SOURCES, "redteam.py", "rl.py", "dpo.py"),
               config_of=lambda c: {"safety": c.safety, "sft_weight": c.dpo_sft_weight, "replay": c.dpo_replay_coef,
                                    "world": c.world},
               data_parallel=True,
               description="dpo trained further to refuse the attacks that broke sft or dpo, and to help otherwise"))
