"""Stage `harm_classifier`: the red team's learned judge (see `alignlab.harm`), a sequence classifier fine-tuned
from `base` on responses labelled by the gold judge, with its agreement with the gold judge on replies from models
it never saw (`sft`, `dpo`) to the held-out evaluation prompts."""
from __future__ import annotations

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
from ..harm import HarmClassifier, agreement, labelled_responses
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import quiet_trl, save_stage, train, trainer_args
from ..world import make_world


def _policy(folder: Path, name: str, style: str) -> tuple:
    model = AutoModelForCausalLM.from_pretrained(folder / "model").eval()
    return name, model, AutoTokenizer.from_pretrained(folder / "model"), style


def build_harm_classifier(config: CourseConfig, upstream: dict, out: Path) -> None:
    quiet_trl()
    s = config.harm
    world = make_world(config.world)
    base = [_policy(upstream["base"], "base", "plain")]
    rows = (labelled_responses(world, "train", base, s.per_kind, s.max_new_tokens, s.seed)
            + labelled_responses(world, "heldout", base, s.heldout_per_kind, s.max_new_tokens, s.seed + 1))
    unseen = [_policy(upstream["sft"], "sft", "chat"), _policy(upstream["dpo"], "dpo", "chat")]
    check = [r for r in labelled_responses(world, "heldout", unseen, s.check_per_kind, s.max_new_tokens, s.seed + 2)
             if r["source"] != "written"]
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
