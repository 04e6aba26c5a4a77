"""On-demand stages that turn one knob of a method: `ppo_kl_sweep` (notebook 04) and `dpo_beta_sweep` (notebook 05).

Each repeats a short run of a stage at several values of its knob, every run with the same data and budget, and
saves where each run ended (`sweep.json`). They are not on the report card: their runs are shorter than the stages'.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from statistics import mean

from transformers import AutoModelForCausalLM, AutoTokenizer

from ..config import CourseConfig
from ..dpo import train_dpo
from ..pipeline import POST_SOURCES, Stage, register
from ..reward import ImplicitReward, preference_metrics
from ..world import make_world
from .preference import dpo_rows
from .rlhf import SOURCES as PPO_SOURCES
from .rlhf import end_point, gold_probe, run_ppo


def build_kl_sweep(config: CourseConfig, upstream: dict, out: Path) -> None:
    """Short `ppo_hacked` runs at several KL coefficients, all without PPO-ptx, then one at the middle coefficient
    with it (the same budget): the tighter the KL budget, the less the proxy is over-optimised (Gao et al. 2022)."""
    runs = [(coef, 0.0) for coef in config.kl_sweep]
    runs.append((config.kl_sweep[len(config.kl_sweep) // 2], config.kl_sweep_ptx))
    points = []
    for coef, ptx in runs:
        _, _, log = run_ppo(config, upstream, "reward_model_hacked",
                            dataclasses.replace(config.kl_sweep_ppo, kl_coef=coef, ptx_coef=ptx))
        points.append({**end_point(log, coef), "ptx_coef": ptx})
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(points))


END_KEYS = ("rewards/margins", "rewards/chosen", "rewards/rejected", "logps/chosen", "logps/rejected")


def build_beta_sweep(config: CourseConfig, upstream: dict, out: Path) -> None:
    """Short `dpo` runs, one per beta, on the same pairs with the same budget. Per beta: where the run ended (the
    mean of its last five logged steps of `END_KEYS`) and held-out measures: the implicit reward model's preference
    accuracy and gold agreement, how far the held-out chosen and rejected replies moved from `sft`
    (log pi - log pi_ref, in nats), and the mean gold reward of greedy answers to held-out questions (`gold_probe`)."""
    world = make_world(config.world)
    rows = dpo_rows(config, world, config.beta_sweep_pairs)
    heldout = world.preferences(world.eval_split)
    questions = [p["prompt"][0]["content"] for p in heldout]
    replies = {side: [p[side][0]["content"] for p in heldout] for side in ("chosen", "rejected")}
    reference = AutoModelForCausalLM.from_pretrained(upstream["sft"] / "model")
    reference_memo: dict = {}  # every beta starts from the same reference: it scores the held-out replies once
    points = []
    for beta in config.beta_sweep:
        run = out / f"beta_{beta:g}"
        train_dpo(config, upstream["sft"] / "model", rows, config.beta_sweep_dpo, beta, config.dpo_replay_chat_share,
                  run, {"pairs": len(rows), "beta": beta})
        tok = AutoTokenizer.from_pretrained(run / "model")
        policy = AutoModelForCausalLM.from_pretrained(run / "model")
        implicit = ImplicitReward(policy, reference, tok, beta, reference_memo)
        moved = {side: mean(a - b for a, b in zip(implicit.logprobs("policy", questions, texts),
                                                  implicit.logprobs("reference", questions, texts)))
                 for side, texts in replies.items()}
        metrics = preference_metrics(implicit, heldout)
        last = [r for r in json.loads((run / "log.json").read_text()) if "rewards/margins" in r][-5:]
        points.append({"beta": beta, **{k: mean(r[k] for r in last) for k in END_KEYS},
                       "heldout_pairs": metrics["n_pairs"], "heldout_accuracy": metrics["pref_accuracy"],
                       "heldout_gold_agreement": metrics["gold_agreement"],
                       "heldout_chosen_moved": moved["chosen"], "heldout_rejected_moved": moved["rejected"],
                       "heldout_gold": gold_probe(world, tok, config.eval.max_new_tokens)(policy)})
    (out / "sweep.json").write_text(json.dumps(points))


register(Stage("ppo_kl_sweep", build_kl_sweep, upstream=("sft", "reward_model_hacked"), evaluated=False,
               config_of=lambda c: {"coefs": c.kl_sweep, "ppo": c.kl_sweep_ppo, "ptx": c.kl_sweep_ptx,
                                    "replay_chats": c.ppo_replay_chat_share, "world": c.world},
               sources=(*PPO_SOURCES, "stages/rlhf.py"),
               description="the KL budget swept: proxy and gold reward where PPO against the hacked reward model ends"))
register(Stage("dpo_beta_sweep", build_beta_sweep, upstream=("sft",), evaluated=False,
               config_of=lambda c: {"betas": c.beta_sweep, "dpo": c.beta_sweep_dpo, "pairs": c.beta_sweep_pairs,
                                    "acceptable_only": c.dpo_acceptable_only, "sft_weight": c.dpo_sft_weight,
                                    "replay": c.dpo_replay_coef,
                                    "replay_chats": c.dpo_replay_chat_share, "world": c.world,
                                    "max_new_tokens": c.eval.max_new_tokens},
               sources=(*POST_SOURCES, "rl.py", "reward.py", "generation.py", "dpo.py", "stages/preference.py",
                        "stages/rlhf.py"),
               description="DPO's beta swept: short dpo runs, their margins and held-out measures per beta"))
