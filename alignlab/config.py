"""The course's configuration: one frozen dataclass, with named profiles.

`default` is the course as learners run it; `smoke` is a tiny world and model for fast tests. Choose with
`ALIGNLAB_PROFILE` or `alignlab run --profile`. Every stage's cache key hashes the part of this config it uses.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

from .cai import CAISettings
from .harm import HarmSettings
from .model import ModelConfig
from .posttrain import GRPOSettings, TrainSettings
from .pretrain import PretrainConfig
from .redteam import SafetySettings
from .rl import PPOConfig
from .world import WorldConfig


@dataclass(frozen=True)
class EvalConfig:
    max_new_tokens: int = 48
    split: str | None = None  # which split the report measures: None for the world's test split, "dev" to tune on


@dataclass(frozen=True)
class CourseConfig:
    world: WorldConfig = WorldConfig()
    vocab_size: int = 4096
    split_digits: bool = False  # every digit its own token (the honest profile)
    base_model: ModelConfig = ModelConfig()
    base_pretrain: PretrainConfig = PretrainConfig()
    # about 4x the parameters of `base`, for the InstructGPT comparison (small aligned vs larger raw model)
    large_model: ModelConfig = ModelConfig(d_model=256, n_layers=4, n_heads=4, d_ff=1024)
    # the same data as `base`; twice the width wants about half the peak learning rate (3e-3 and 6e-3 did worse)
    large_pretrain: PretrainConfig = PretrainConfig(lr=2e-3)
    sft: TrainSettings = TrainSettings(lr=1e-3, epochs=1, batch_size=16)
    sft_replay_docs: int = 3000  # pretraining documents mixed into SFT so the model keeps what it read
    reward: TrainSettings = TrainSettings(lr=2e-3, epochs=1, batch_size=16)
    hacked_length_bias: float = 0.6  # labelers of `reward_model_hacked`: utility per 10 words
    dpo: TrainSettings = TrainSettings(lr=5e-4, epochs=2, batch_size=16)
    dpo_beta: float = 0.1
    dpo_sft_weight: float = 1.0  # weight of the chosen replies' NLL beside the DPO loss
    # DPO learns only from pairs whose chosen reply is good in itself (gold reward above 0), not merely the lesser of
    # two bad ones: with the NLL term above, DPO imitates every chosen reply, so a pair "name the other group" over
    # "name the stereotyped one" teaches naming a group. The honest profile sets it (RESULTS.md, issue 28).
    dpo_acceptable_only: bool = False
    dpo_replay_coef: float = 1.0  # weight of the next-token loss on replayed documents and chats (as PPO-ptx)
    # of the replayed texts, the share of SFT chats (the rest: pretraining documents). Over three seeds, capability and
    # direct attack success of `dpo`: share 0.5: 0.896 / 0.839 / 0.901 and 0.036 / 0.064 / 0.050; share 0: 0.943 /
    # 0.932 / 0.922 and 0.082 / 0.126 / 0.107; share 0.25: 0.927 / 0.906 / 0.917 and 0.050 / 0.083 / 0.060 (sft:
    # capability 0.927). The chats help it refuse harmful tasks it was never asked about, and cost held-out knowledge.
    dpo_replay_chat_share: float = 0.25
    ppo_replay_chat_share: float = 0.5  # the same share among PPO-ptx's texts
    dpo_pairs: int = 2000  # the first pairs of the reward model's training data
    # with ptx_coef 1.0-1.5 over 60 iterations ppo answered 0.08-0.09 fewer held-out facts than sft (five runs)
    ppo: PPOConfig = PPOConfig(iterations=90, lr=1.5e-4, kl_coef=0.04, ptx_coef=2.0, ptx_batch_size=4)
    ppo_hacked: PPOConfig = PPOConfig(iterations=60, kl_coef=0.005)  # an 8x weaker KL leash, a length-loving reward model
    # the KL budget swept (Gao et al. 2022): short runs of ppo_hacked, each with its own KL coefficient
    kl_sweep: tuple[float, ...] = (0.2, 0.05, 0.02)
    kl_sweep_ppo: PPOConfig = PPOConfig(iterations=20, batch_size=32, minibatch_size=16)
    kl_sweep_ptx: float = 2.0  # one more point: the middle coefficient with PPO-ptx at this weight (as `ppo` has)
    # DPO's beta swept (notebook 05): short runs of `dpo`, one per beta, on the first pairs of its data
    beta_sweep: tuple[float, ...] = (0.01, 0.1, 1.0)
    beta_sweep_dpo: TrainSettings = TrainSettings(lr=5e-4, epochs=1, batch_size=16)
    beta_sweep_pairs: int = 640
    grpo: GRPOSettings = GRPOSettings()
    harm: HarmSettings = HarmSettings()  # the learned harm classifier of the red team
    cai: CAISettings = CAISettings()  # Constitutional AI: the constitution and both phases
    safety: SafetySettings = SafetySettings()  # the final model: safety training on the red team's successes
    eval: EvalConfig = field(default_factory=EvalConfig)
    # a causal LM (a model folder, or a hub name when online) that replaces the pretrained `base`: the later stages
    # post-train it exactly as they post-train the course's own model
    base_from: str | None = None
    profile: str = "default"


def smoke() -> CourseConfig:
    """A few seconds per stage: for tests of the plumbing, not of the behaviour."""
    return CourseConfig(
        world=WorldConfig(n_towns=14, n_people=16, n_animals=8, n_foods=8, n_objects=8, corpus_scale=0.05,
                          n_arith=200, n_benign=50, n_sft=100, n_preferences=100, n_heldout_preferences=40,
                          eval_size=12),
        vocab_size=600,
        base_model=ModelConfig(d_model=32, n_layers=2, n_heads=2, d_ff=64, context=256),
        base_pretrain=PretrainConfig(tokens=6_000, batch_size=4, log_every=2, val_blocks=4),
        large_model=ModelConfig(d_model=64, n_layers=2, n_heads=2, d_ff=128, context=256),
        large_pretrain=PretrainConfig(tokens=6_000, batch_size=4, log_every=2, val_blocks=4),
        sft=TrainSettings(epochs=1, batch_size=8),
        sft_replay_docs=50,
        reward=TrainSettings(epochs=1, batch_size=8),
        dpo=TrainSettings(epochs=1, batch_size=8),
        ppo=PPOConfig(iterations=2, batch_size=8, minibatch_size=4, max_new_tokens=8),
        ppo_hacked=PPOConfig(iterations=2, batch_size=8, minibatch_size=4, max_new_tokens=8, kl_coef=0.005),
        kl_sweep=(0.1, 0.01),
        kl_sweep_ppo=PPOConfig(iterations=2, batch_size=8, minibatch_size=4, max_new_tokens=8),
        beta_sweep=(0.1, 1.0),
        beta_sweep_dpo=TrainSettings(epochs=1, batch_size=8),
        beta_sweep_pairs=16,
        grpo=GRPOSettings(steps=2, prompts_per_step=2, group_size=4, max_completion_length=8),
        harm=HarmSettings(per_kind=12, heldout_per_kind=6, check_per_kind=6, train=TrainSettings(epochs=1, batch_size=8),
                          max_new_tokens=8),
        cai=CAISettings(examples_per_principle=4, teach=TrainSettings(epochs=1, batch_size=8), sl_prompts_per_kind=4,
                        sl=TrainSettings(epochs=1, batch_size=8), replay_docs=10, rl_prompts_per_kind=12,
                        human_pairs=20, rl=TrainSettings(epochs=1, batch_size=8), max_new_tokens=8,
                        min_margin=0.0),  # an untrained feedback model's margins are all near zero
        safety=SafetySettings(max_attack_pairs=40, benign_scary_pairs=20, helpful_pairs=20,
                              train=TrainSettings(epochs=1, batch_size=8), max_new_tokens=8),
        eval=EvalConfig(max_new_tokens=12),
        profile="smoke",
    )


def smollm() -> CourseConfig:
    """The same world and stages on a real small model, SmolLM2-135M (135 M parameters), downloaded once from the
    hub. Meant for a GPU; the learning rates are the usual ones for fine-tuning a pretrained model."""
    return CourseConfig(
        base_from="HuggingFaceTB/SmolLM2-135M",
        sft=TrainSettings(lr=5e-5, epochs=1, batch_size=16),
        reward=TrainSettings(lr=2e-5, epochs=1, batch_size=16),
        dpo=TrainSettings(lr=5e-6, epochs=1, batch_size=16),
        ppo=PPOConfig(iterations=40, lr=1e-5, kl_coef=0.04, ptx_coef=1.0, ptx_batch_size=4),
        ppo_hacked=PPOConfig(iterations=40, lr=1e-5, kl_coef=0.005),
        grpo=GRPOSettings(lr=1e-6, max_completion_length=32),
        cai=CAISettings(teach=TrainSettings(lr=5e-5, epochs=4, batch_size=8), sl=TrainSettings(lr=5e-5, epochs=1),
                        rl=TrainSettings(lr=5e-6, epochs=1, batch_size=16)),
        safety=SafetySettings(train=TrainSettings(lr=5e-6, epochs=1, batch_size=16)),
        profile="smollm",
    )


def honest() -> CourseConfig:
    """The honest evaluation world (issue 27, being built): dev and test items new on both axes, none of them in any
    training text, and every digit its own token; 40% of the entities held out (half dev, half test), each with two
    facts. Its corpus is larger (about 700k tokens), so pretraining reads 2.4M tokens (RESULTS.md, issue 27: at 1.6M
    sft answered 0.23 of the dev facts, at 2.4M 0.48). DPO learns only from pairs whose chosen reply is good in
    itself, and the reward model reads its pairs twice (both tuned on dev: RESULTS.md, issue 28). Its arithmetic is
    two-digit sums: SFT sees 12,000 extra demonstrations, 40% worked digit by digit, and replays twice the corpus
    documents to keep what it read beside them; GRPO's replies may be long enough to work a sum out (all tuned on
    dev: RESULTS.md, issue 28). The other stages keep the recipes tuned on the classic world."""
    return CourseConfig(world=WorldConfig(honest=True, heldout_entity_frac=0.4, n_arith=12_000, n_arith_demos=12_000),
                        split_digits=True, profile="honest", sft_replay_docs=6000,
                        base_pretrain=PretrainConfig(tokens=2_400_000), dpo_acceptable_only=True,
                        reward=dataclasses.replace(CourseConfig.reward, epochs=2),
                        grpo=dataclasses.replace(CourseConfig.grpo, max_completion_length=48))


PROFILES = {"default": CourseConfig, "smoke": smoke, "smollm": smollm, "honest": honest}


def load_config(profile: str | None = None, base_from: str | None = None) -> CourseConfig:
    """The named profile, else `ALIGNLAB_PROFILE`, else `default`; `base_from` (else `ALIGNLAB_BASE_FROM`) names
    an outside model to post-train in place of the course's pretrained `base`."""
    name = profile or os.environ.get("ALIGNLAB_PROFILE") or "default"
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}")
    config = PROFILES[name]()
    base_from = base_from or os.environ.get("ALIGNLAB_BASE_FROM")
    return dataclasses.replace(config, base_from=base_from) if base_from else config


def as_dict(obj):
    """Dataclasses (also inside dicts) as plain JSON-able dicts, for hashing and saving."""
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return {k: as_dict(v) for k, v in obj.items()}
    return obj
