"""Stages trained on the simulated labelers' preferences: `reward_model` (TRL `RewardTrainer`, Bradley-Terry)
and `dpo` (TRL `DPOTrainer`). `reward_model_hacked` is the same reward model trained on labelers with a strong
taste for long answers: the proxy that `ppo_hacked` over-optimises."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from trl import DPOConfig, DPOTrainer, RewardConfig, RewardTrainer

from ..config import CourseConfig
from ..distributed import process_count
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import TrainSettings, labelled_positions_only, quiet_trl, replay_texts, save_stage, train, trainer_args
from ..reward import RewardScorer, preference_metrics
from ..rl import lm_loss_sampler
from ..timing import phase
from ..world import make_world

PAIR_COLUMNS = ("prompt", "chosen", "rejected")


def pair_dataset(rows: list[dict]) -> Dataset:
    """TRL's conversational preference format, without the bookkeeping columns."""
    return Dataset.from_list([{k: r[k] for k in PAIR_COLUMNS} for r in rows])


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
            "examples": {}}


class DPOTrainerWithReplay(DPOTrainer):
    """TRL's `DPOTrainer` plus, in every training step, `replay_coef` times a next-token loss on a batch drawn by
    `replay` (the same term as PPO-ptx). Without it, DPO on a model this small soon forgets how to copy names from
    the question and answers about the wrong town."""

    def __init__(self, *args, replay=None, replay_coef: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.replay, self.replay_coef = replay, replay_coef

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        out = super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        if self.replay is None or not self.replay_coef or not model.training:
            return out
        extra = self.replay_coef * self.replay(model)
        return (out[0] + extra, out[1]) if return_outputs else out + extra


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


def train_dpo(config: CourseConfig, start: Path, rows: list[dict], settings: TrainSettings, beta: float,
              replay_chat_share: float, out: Path, info: dict) -> None:
    """The course's DPO recipe, shared by every stage trained on preference pairs (`dpo` on the labelers', `safety`
    on the red team's): TRL's DPO loss plus the chosen replies' likelihood and a replayed next-token loss, from the
    model at `start`; `replay_chat_share` of the replayed texts are SFT chats (see `replay_texts`)."""
    quiet_trl()
    world = make_world(config.world)
    tok = AutoTokenizer.from_pretrained(start)
    model = AutoModelForCausalLM.from_pretrained(start)
    # "sigmoid" is the DPO loss; "sft" adds the chosen replies' negative log-likelihood (weight dpo_sft_weight), as
    # Pang et al. (2024) do, so that pushing the rejected reply down does not also push the chosen one down
    # the reference log-probabilities are computed once, before training; TRL keeps them in a data-set cache file
    # that several processes would have to share, so under `accelerate launch` they are computed on the fly instead
    args = trainer_args(DPOConfig, out, settings, beta=beta, max_length=config.base_model.context,
                        precompute_ref_log_probs=process_count() == 1, precompute_ref_batch_size=64,
                        loss_type=["sigmoid", "sft"], loss_weights=[1.0, config.dpo_sft_weight])
    replay = lm_loss_sampler(tok, replay_texts(world, tok, replay_chat_share), REPLAY_BATCH,
                             torch.Generator().manual_seed(settings.seed))
    # TRL precomputes the reference log-probabilities as the trainer is built: score only labelled positions there too
    with labelled_positions_only():
        with phase("score"):
            trainer = DPOTrainerWithReplay(model=model, ref_model=None, args=args, processing_class=tok,
                                           train_dataset=pair_dataset(rows), replay=replay,
                                           replay_coef=config.dpo_replay_coef)
        log = train(trainer)
    save_stage(out, trainer.model, tok, log, info)


REPLAY_BATCH = 8  # replayed texts per DPO step


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
register(Stage("dpo", build_dpo, upstream=("sft",), sources=(*POST_SOURCES, "rl.py"),
               config_of=lambda c: {"dpo": c.dpo, "beta": c.dpo_beta, "pairs": c.dpo_pairs, "sft_weight": c.dpo_sft_weight,
                                    "acceptable_only": c.dpo_acceptable_only,
                                    "replay": c.dpo_replay_coef, "replay_chats": c.dpo_replay_chat_share,
                                    "world": c.world},
               data_parallel=True, description="direct preference optimisation on the labelers' preferences"))
