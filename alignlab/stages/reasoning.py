"""Stages `grpo` and `grpo_naive`: reinforcement learning with verifiable rewards on the arithmetic word problems
(TRL `GRPOTrainer`, the method of DeepSeekMath and DeepSeek-R1), starting from `sft`.

For each prompt GRPO samples a group of replies and scores each with a verifier (1 for a right final answer,
else 0); a reply's advantage is its reward relative to its group (`alignlab.losses.group_advantages`), used in a
clipped objective with a KL penalty to `sft`. No value model and no reward model. `grpo` is rewarded by the strict
verifier; `grpo_naive` by the naive one, which accepts the answer anywhere in the reply: the policy can game it.
"""
from __future__ import annotations

import random
from pathlib import Path

from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import GRPOConfig, GRPOTrainer

from ..config import CourseConfig
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import quiet_trl, save_stage, train
from ..verifiers import trl_reward
from ..world import World, make_world


def arith_prompts(world: World, n: int, seed: int = 0) -> Dataset:
    """`n` training-split arithmetic problems as TRL prompts with their `answer` column (held-out ones stay unseen)."""
    rng = random.Random(seed)
    items = [i for i in world.items["arith"] if i.split == "train"]
    rows = [rng.choice(items) for _ in range(n)]
    return Dataset.from_list([{"prompt": [{"role": "user", "content": i.prompt}], "answer": i.answer} for i in rows])


def build_grpo(config: CourseConfig, upstream: dict, out: Path, verifier: str) -> None:
    quiet_trl()
    s = config.grpo
    tok = AutoTokenizer.from_pretrained(upstream["sft"] / "model")
    model = AutoModelForCausalLM.from_pretrained(upstream["sft"] / "model")
    prompts = arith_prompts(make_world(config.world), s.steps * s.prompts_per_step, s.seed)
    # the strict verifier is always computed and logged (`rewards/strict/mean`, the accuracy of the samples); it is
    # trained on only when it is the run's verifier
    rewards = [trl_reward("strict")] if verifier == "strict" else [trl_reward(verifier), trl_reward("strict")]
    args = s.trainer_args(GRPOConfig, out, reward_weights=[1.0] + [0.0] * (len(rewards) - 1))
    trainer = GRPOTrainer(model=model, reward_funcs=rewards, args=args, processing_class=tok, train_dataset=prompts)
    save_stage(out, trainer.model, tok, train(trainer), {"verifier": verifier, "prompts": len(prompts)})


def _grpo_config(c: CourseConfig) -> dict:
    return {"grpo": c.grpo, "world": c.world}


register(Stage("grpo", lambda c, up, out: build_grpo(c, up, out, "strict"), upstream=("sft",), config_of=_grpo_config,
               sources=(*POST_SOURCES, "verifiers.py"),
               data_parallel=True,
               description="GRPO on arithmetic with a strict verifier (reasoning with verifiable rewards)"))
register(Stage("grpo_naive", lambda c, up, out: build_grpo(c, up, out, "naive"), upstream=("sft",),
               config_of=_grpo_config, sources=(*POST_SOURCES, "verifiers.py"), evaluated=False,
               data_parallel=True,
               description="GRPO with a naive verifier that accepts the answer anywhere (reward hacking)"))
