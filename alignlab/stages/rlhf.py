"""Stages `ppo` and `ppo_hacked`: RLHF with the PPO of `alignlab.rl`, starting from `sft`.

`ppo` optimises the reward model of ordinary labelers with a KL penalty to `sft`. `ppo_hacked` optimises the
reward model of labelers who love long answers (`reward_model_hacked`) with a small KL penalty: the proxy reward
climbs while the gold reward falls (reward hacking, Gao et al. 2022). `alignlab.stages.sweeps` repeats short runs of
`ppo_hacked` at several KL coefficients.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from statistics import mean

from transformers import AutoModelForCausalLM, AutoTokenizer

from ..config import CourseConfig
from ..evals.core import GENERATED_SETS
from ..generation import generate
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import replay_texts, save_stage
from ..reward import RewardScorer
from ..rl import PPOConfig, train_ppo
from ..world import World, gold_reward, make_world

SOURCES = (*POST_SOURCES, "rl.py", "reward.py", "generation.py")
# the kinds of training prompts PPO practises on, and their weights in the prompt pool
PROMPT_MIX = {"harmful": 3, "fact": 3, "benign_scary": 2, "benign": 1, "arith": 1, "myth": 1}


def rl_prompts(world: World, mix: dict[str, int] = PROMPT_MIX, per_unit: int = 200, seed: int = 0) -> list:
    """Training-split items for RL, `per_unit * weight` of each kind (the held-out sets stay unseen)."""
    rng = random.Random(seed)
    pool = []
    for kind, weight in mix.items():
        items = [i for i in world.items[kind] if i.split == "train"]
        pool += [rng.choice(items) for _ in range(per_unit * weight)]
    return pool


PROBE_PER_SET = 16  # held-out questions per report-card set in the gold probe


def gold_probe(world: World, tokenizer, max_new_tokens: int):
    """`probe(lm)`: the mean gold reward of `lm`'s greedy answers to a fixed sample of the report card's held-out
    questions: the report card's `gold_reward`, on fewer questions, measured during training."""
    items = []
    for name in GENERATED_SETS:
        pool = world.eval_set(name)
        items += pool[::max(1, len(pool) // PROBE_PER_SET)][:PROBE_PER_SET]

    def probe(lm) -> float:
        replies = generate(lm, tokenizer, [i.prompt for i in items], max_new_tokens=max_new_tokens)
        return mean(gold_reward(i, r.text) for i, r in zip(items, replies))
    return probe


def run_ppo(config: CourseConfig, upstream: dict, reward_stage: str, ppo: PPOConfig):
    """PPO from `sft` against the reward model of `reward_stage`; returns the policy, its tokenizer and the log."""
    world = make_world(config.world)
    tok = AutoTokenizer.from_pretrained(upstream["sft"] / "model")
    lm = AutoModelForCausalLM.from_pretrained(upstream["sft"] / "model")
    scorer = RewardScorer(upstream[reward_stage] / "model")
    lm, log = train_ppo(lm, tok, rl_prompts(world), scorer, ppo, question_of=lambda item: item.prompt,
                        gold_fn=lambda items, replies: [gold_reward(i, r) for i, r in zip(items, replies)],
                        ptx_texts=replay_texts(world, tok, config.ppo_replay_chat_share),
                        probe=gold_probe(world, tok, config.eval.max_new_tokens))
    return lm, tok, log


def build_ppo(config: CourseConfig, upstream: dict, out: Path, reward_stage: str, ppo: PPOConfig) -> None:
    lm, tok, log = run_ppo(config, upstream, reward_stage, ppo)
    save_stage(out, lm, tok, log, {"reward_model": reward_stage, "kl_coef": ppo.kl_coef})


def end_point(log: list[dict], kl_coef: float, tail: int = 5) -> dict:
    """Where one PPO run ended: KL, proxy and gold reward and length, averaged over its last `tail` iterations,
    and the held-out gold reward of its last probe."""
    last = log[-tail:]
    return {"kl_coef": kl_coef, **{k: mean(r[k] for r in last) for k in ("kl", "reward", "gold_reward", "length")},
            "heldout_gold": probed_gold(log)[-1]}


def probed_gold(log: list[dict]) -> list[float]:
    """The held-out gold rewards a PPO run's probe measured, in order (first iteration to last)."""
    return [r["heldout_gold"] for r in log if "heldout_gold" in r]


register(Stage("ppo", lambda c, up, out: build_ppo(c, up, out, "reward_model", c.ppo),
               upstream=("sft", "reward_model"),
               config_of=lambda c: {"ppo": c.ppo, "replay_chats": c.ppo_replay_chat_share, "world": c.world},
               sources=SOURCES,
               description="RLHF: PPO against the reward model, KL-penalised towards sft"))
register(Stage("ppo_hacked", lambda c, up, out: build_ppo(c, up, out, "reward_model_hacked", c.ppo_hacked),
               upstream=("sft", "reward_model_hacked"),
               config_of=lambda c: {"ppo": c.ppo_hacked, "replay_chats": c.ppo_replay_chat_share, "world": c.world},
               proxy="reward_model_hacked", sources=SOURCES,
               description="PPO pushed hard against a length-loving reward model (reward hacking)"))
