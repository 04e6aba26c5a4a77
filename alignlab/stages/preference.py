"""Stages trained on the simulated labelers' preferences: `reward_model` (TRL `RewardTrainer`, Bradley-Terry)
and `dpo` (TRL `DPOTrainer`). `reward_model_hacked` is the same reward model trained on labelers with a strong
taste for long answers: the proxy that `ppo_hacked` over-optimises."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from trl import RewardConfig, RewardTrainer

from ..config import CourseConfig
from ..dpo import train_dpo
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import pair_dataset, quiet_trl, save_stage, train, trainer_args
from ..reward import RewardScorer, preference_metrics
from ..world import make_world


def train_reward_model(config: CourseConfig, upstream: dict, out: Path, length_bias: float | None) -> None:
    quiet_trl()
    world = make_world(config.world)
    tok = AutoTokenizer.from_pretrained(upstream["sft"] / "model")
    model = AutoModelForSequenceClassification.from_pretrained(upstream["sft"] / "model", num_labels=1)
    # the new score head starts at zero (every reply scores 0) rather than at random: a random head would be drawn
    # from whatever state the process's random generator is in, and the reward model would change with it
    torch.nn.init.zeros_(model.score.weight)
    model.config.pad_token_id = tok.pad_token_id
    rows = world.preferences("train", length_bias=length_bias)
    args = trainer_args(RewardConfig, out, config.reward, max_length=config.base_model.context,
                        center_rewards_coefficient=0.01)
    trainer = RewardTrainer(model=model, args=args, processing_class=tok, train_dataset=pair_dataset(rows))
    log = train(trainer)
    heldout = preference_metrics(RewardScorer(None, trainer.model, tok), world.preferences(world.eval_split, length_bias))
    save_stage(out, trainer.model, tok, log, {"pairs": len(rows), "length_bias": length_bias, "heldout": heldout})


def evaluate_reward_model(pipeline, name: str) -> dict:
    """A reward model's report-card row: its preference metrics on the test pairs (measured when it was built), or
    on the split the evaluation config names."""
    saved = json.loads((pipeline.build(name) / "info.json").read_text())
    info = saved["heldout"]
    if pipeline.config.eval.split is not None:
        world = make_world(pipeline.config.world)
        info = preference_metrics(pipeline.scorer(name), world.preferences(pipeline.config.eval.split,
                                                                           saved["length_bias"]))
    metrics = {k: info[k] for k in ("pref_accuracy", "gold_agreement")}
    return {"metrics": metrics, "n_items": {"pref_accuracy": info["n_pairs"], "gold_agreement": info["n_gold_decided"]},
            "by_kind": info.get("by_kind", {}), "examples": {}}


def dpo_rows(config: CourseConfig, world, n: int) -> list[dict]:
    """The first `n` training pairs DPO learns from: with `dpo_acceptable_only`, those whose chosen reply is good
    in itself (the gold reward the labelers judge by is above 0), not only the better of two."""
    rows = world.preferences("train")
    if config.dpo_acceptable_only:
        rows = [r for r in rows if r["chosen_gold"] > 0]
    return rows[:n]


def build_dpo(config: CourseConfig, upstream: dict, out: Path) -> None:
    rows = dpo_rows(config, make_world(config.world), config.dpo_pairs)
    train_dpo(config, upstream["sft"] / "model", rows, config.dpo, config.dpo_beta, config.dpo_replay_chat_share, out,
              {"pairs": len(rows), "beta": config.dpo_beta})


register(Stage("reward_model", lambda c, up, out: train_reward_model(c, up, out, None), upstream=("sft",),
               config_of=lambda c: {"reward": c.reward, "world": c.world}, evaluate=evaluate_reward_model,
               sources=(*POST_SOURCES, "reward.py"),
               data_parallel=True, description="Bradley-Terry reward model of the labelers' preferences"))
register(Stage("reward_model_hacked", lambda c, up, out: train_reward_model(c, up, out, c.hacked_length_bias),
               upstream=("sft",),
               config_of=lambda c: {"reward": c.reward, "length_bias": c.hacked_length_bias, "world": c.world},
               evaluate=evaluate_reward_model, evaluated=False, sources=(*POST_SOURCES, "reward.py"),
               data_parallel=True,
               description="a reward model of labelers who love long answers (the proxy ppo_hacked exploits)"))
register(Stage("dpo", build_dpo, upstream=("sft",), sources=(*POST_SOURCES, "rl.py", "dpo.py"),
               config_of=lambda c: {"dpo": c.dpo, "beta": c.dpo_beta, "pairs": c.dpo_pairs, "sft_weight": c.dpo_sft_weight,
                                    "acceptable_only": c.dpo_acceptable_only,
                                    "replay": c.dpo_replay_coef, "replay_chats": c.dpo_replay_chat_share,
                                    "world": c.world},
               data_parallel=True, description="direct preference optimisation on the labelers' preferences"))
