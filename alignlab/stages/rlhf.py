"""Stages `ppo` and `ppo_hacked`: RLHF with the PPO of `alignlab.rl`, starting from `sft`.

`ppo` optimises the reward model of ordinary labelers with a KL penalty to `sft`. `ppo_hacked` optimises the
reward model of labelers who love long answers (`reward_model_hacked`) with a small KL penalty: the proxy reward
climbs while the gold reward falls (reward hacking, Gao et al. 2022).
"""
from __future__ import annotations

import random
from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer

from ..config import CourseConfig
from ..pipeline import POST_SOURCES, Stage, register
from ..posttrain import save_stage
from ..reward import RewardScorer
from ..rl import PPOConfig, train_ppo
from ..world import World, gold_reward, make_world

SOURCES = (*POST_SOURCES, "rl.py", "reward.py")
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


def ptx_texts(tokenizer, world: World) -> list[str]:
    """What the PPO-ptx term keeps the policy good at: the SFT chats (rendered) and pretraining documents."""
    chats = [tokenizer.apply_chat_template(d["messages"], tokenize=False) for d in world.sft_data()]
    return chats + world.corpus[: len(chats)]


def build_ppo(config: CourseConfig, upstream: dict, out: Path, reward_stage: str, ppo: PPOConfig) -> None:
    world = make_world(config.world)
    tok = AutoTokenizer.from_pretrained(upstream["sft"] / "model")
    lm = AutoModelForCausalLM.from_pretrained(upstream["sft"] / "model")
    scorer = RewardScorer(upstream[reward_stage] / "model")
    lm, log = train_ppo(lm, tok, rl_prompts(world), scorer, ppo, question_of=lambda item: item.prompt,
                        gold_fn=lambda items, replies: [gold_reward(i, r) for i, r in zip(items, replies)],
                        ptx_texts=ptx_texts(tok, world))
    save_stage(out, lm, tok, log, {"reward_model": reward_stage, "kl_coef": ppo.kl_coef})


register(Stage("ppo", lambda c, up, out: build_ppo(c, up, out, "reward_model", c.ppo),
               upstream=("sft", "reward_model"), config_of=lambda c: {"ppo": c.ppo, "world": c.world}, sources=SOURCES,
               description="RLHF: PPO against the reward model, KL-penalised towards sft"))
register(Stage("ppo_hacked", lambda c, up, out: build_ppo(c, up, out, "reward_model_hacked", c.ppo_hacked),
               upstream=("sft", "reward_model_hacked"), config_of=lambda c: {"ppo": c.ppo_hacked, "world": c.world},
               proxy="reward_model_hacked", sources=SOURCES,
               description="PPO pushed hard against a length-loving reward model (reward hacking)"))
