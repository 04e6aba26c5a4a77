"""The course's DPO recipe, shared by every stage trained on preference pairs (`dpo` on the labelers', `cai` on the
AI feedback's, `safety` and challenge 3's defence on the red team's, the beta sweep): TRL's `DPOTrainer` with the
chosen replies' likelihood and a replayed next-token loss. It lives below the stages so that library modules
(`redteam`, `grading`) can use it without importing a stage module."""
from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

from .config import CourseConfig
from .distributed import process_count
from .posttrain import (TrainSettings, labelled_positions_only, pair_dataset, quiet_trl, replay_texts, save_stage, train,
                        trainer_args)
from .rl import lm_loss_sampler
from .timing import phase
from .world import make_world

REPLAY_BATCH = 8  # replayed texts per DPO step


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


def train_dpo(config: CourseConfig, start: Path, rows: list[dict], settings: TrainSettings, beta: float,
              replay_chat_share: float, out: Path, info: dict) -> None:
    """Train the model at `start` on preference `rows` and save it in `out`: TRL's DPO loss plus the chosen replies'
    likelihood and a replayed next-token loss; `replay_chat_share` of the replayed texts are SFT chats (see
    `replay_texts`)."""
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

