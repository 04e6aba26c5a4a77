"""What every TRL-based stage shares: CPU-friendly trainer arguments, the settings dataclass, and saving a trained
model with its tokenizer and training log in the layout the pipeline expects."""
from __future__ import annotations

import json
import logging
import os
import shutil
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from datasets import Dataset

from .distributed import process_count
from .timing import phase


@dataclass(frozen=True)
class TrainSettings:
    """The knobs a learner turns for one post-training run."""

    lr: float = 1e-3
    epochs: float = 2.0
    batch_size: int = 16
    warmup_ratio: float = 0.05
    seed: int = 0


def trainer_args(config_cls, out: Path, settings: TrainSettings, **extra):
    """A TRL config (`SFTConfig`, `RewardConfig`, `DPOConfig`, ...) for a tiny model: TRL's defaults assume a GPU
    and a pretrained model (lr 2e-5, gradient checkpointing to save memory), ours is trained from scratch on a
    laptop, where recomputing activations only costs time."""
    cuda = torch.cuda.is_available()
    extra = {"logging_steps": 5, **extra}  # a caller may log more often
    return config_cls(
        output_dir=str(out / "trainer"), learning_rate=settings.lr, num_train_epochs=settings.epochs,
        per_device_train_batch_size=per_process_batch(settings.batch_size), warmup_steps=settings.warmup_ratio,
        lr_scheduler_type="cosine", weight_decay=0.0, seed=settings.seed, data_seed=settings.seed,
        use_cpu=not cuda, bf16=False, fp16=False, gradient_checkpointing=False, report_to="none", save_strategy="no",
        disable_tqdm=True, dataloader_num_workers=0, ddp_find_unused_parameters=False, **extra)


@contextmanager
def labelled_positions_only():
    """Within this block, TRL's fused LM head scores only the positions that have a label, on a CPU too.

    Where Triton runs (CUDA, XPU) it always does; on any other device it scores every position, prompt and padding
    included, and zeroes the unlabelled ones afterwards, so that tile shapes stay fixed for devices that compile
    them (TRL's comment names Neuron). A CPU compiles nothing, and the log-probabilities are the same up to rounding.
    The course uses it for DPO, where prompts and padding (both replies are padded to the longer one) are most of
    every batch: `dpo` trains in 60% of the time. TRL decides with `trl.trainer.utils._use_triton`; a TRL release
    without it keeps its own behaviour."""
    from trl.trainer import utils as trl_utils

    decide = getattr(trl_utils, "_use_triton", None)
    if decide is None:
        yield
        return
    trl_utils._use_triton = lambda device: device.type == "cpu" or decide(device)
    try:
        yield
    finally:
        trl_utils._use_triton = decide


def per_process_batch(batch_size: int) -> int:
    """Each process's share of a batch: several processes (accelerate launch) split every batch, so a stage takes
    the same batches and steps, and trains the same model, however many processes train it."""
    share, left = divmod(batch_size, process_count())
    if left:
        raise ValueError(f"a batch of {batch_size} does not split evenly over {process_count()} processes; "
                         "launch a number of processes that divides it")
    return share


def quiet_trl() -> None:
    """TRL and transformers print advice meant for GPU users, and progress bars; the course silences them."""
    import datasets

    datasets.disable_progress_bars()
    datasets.disable_caching()  # in-memory data sets: no cache files (processes launched together must not share them)
    os.environ["TQDM_DISABLE"] = "1"  # TRL's reference-log-prob pass uses a bare tqdm
    # TRL 1.16 still calls transformers' deprecated gradient-checkpointing names internally
    warnings.filterwarnings("ignore", message=r".*(gradient_checkpointing|is_gradient_checkpointing).*",
                            category=FutureWarning)
    for name in ("trl", "transformers", "accelerate"):
        logging.getLogger(name).setLevel(logging.ERROR)


def train(trainer) -> list[dict]:
    """Run a `transformers`/TRL trainer without its console printout; return its log history for plots."""
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    with phase("train"):
        trainer.train()
    return trainer.state.log_history


def save_stage(out: Path, model, tokenizer, log_history: list[dict], info: dict | None = None) -> None:
    """The artefact layout of every stage: `model/` (weights and tokenizer), `log.json`, `info.json`."""
    shutil.rmtree(out / "trainer", ignore_errors=True)  # the trainer's scratch folder is not part of the artefact
    with phase("save"):
        model.save_pretrained(out / "model")
        tokenizer.save_pretrained(out / "model")
    (out / "log.json").write_text(json.dumps(log_history))
    (out / "info.json").write_text(json.dumps(info or {}))


def replay_texts(world, tokenizer, chat_share: float) -> list[str]:
    """What a post-training stage keeps training on so the policy keeps what it learnt (InstructGPT's "PPO-ptx"):
    twice as many texts as there are SFT chats, `chat_share` of them SFT chats (in `tokenizer`'s chat template) and
    the rest pretraining documents.

    The share matters, and each stage has its own. Replayed chats hold a policy to the SFT model's way of answering:
    without them `ppo` drifts to the chat replies its reward model likes (capability 0.807 at share 0 against 0.901 at
    0.5). But they also pull held-out questions towards the SFT chats' own sentences: at share 0.5 `dpo` answered
    "What is a hooshi used for?" with "A koondsai is used for sewing." (capability 0.839 at one seed in three)."""
    sft = world.sft_data()
    n_chats = round(chat_share * 2 * len(sft))
    chats = [tokenizer.apply_chat_template(d["messages"], tokenize=False) for d in sft[:n_chats]]
    return chats + world.corpus[: 2 * len(sft) - n_chats]


@dataclass(frozen=True)
class GRPOSettings:
    """One GRPO run: `prompts_per_step` prompts, each answered `group_size` times per optimizer step."""

    steps: int = 100
    lr: float = 1e-4
    prompts_per_step: int = 8
    group_size: int = 8
    temperature: float = 0.7
    beta: float = 0.04  # weight of the KL penalty to the starting policy
    epsilon: float = 0.2  # PPO-style clipping of the probability ratio
    updates_per_batch: int = 1  # optimizer steps on each batch of sampled completions (GRPO's mu)
    max_completion_length: int = 24
    seed: int = 0

    def trainer_args(self, config_cls, out: Path, **extra):
        """TRL's `GRPOConfig` for this run (the original GRPO loss: per-completion token means, group-scaled
        advantages, the plain k3 KL estimate)."""
        train = TrainSettings(lr=self.lr, epochs=1, batch_size=self.prompts_per_step * self.group_size, seed=self.seed)
        return trainer_args(config_cls, out, train, max_steps=self.steps, num_generations=self.group_size,
                            temperature=self.temperature, beta=self.beta, epsilon=self.epsilon,
                            max_completion_length=self.max_completion_length, num_iterations=self.updates_per_batch,
                            loss_type="grpo", scale_rewards="group", use_bias_correction_kl=False, **extra)


PAIR_COLUMNS = ("prompt", "chosen", "rejected")


def pair_dataset(rows: list[dict]) -> Dataset:
    """Preference rows in TRL's conversational preference format, without the bookkeeping columns (the reward
    model's and DPO's training sets)."""
    return Dataset.from_list([{k: r[k] for k in PAIR_COLUMNS} for r in rows])
