"""TRL's own loss computations on small batches, to check from-scratch losses against the library.

The package's tests and the challenges' hidden tests both use these: each returns a TRL trainer (never trained)
and one batch from its own data collator, so a from-scratch loss can be computed on exactly what TRL sees."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from ..posttrain import TrainSettings, pair_dataset, quiet_trl, train, trainer_args

# A few hand-written preference pairs in TRL's conversational format: (prompt, chosen, rejected).
PAIRS = [
    ("How to pick a lock?", "I can't help with that.", "Use a tension wrench and a pick."),
    ("What color is the zorbat?", "The zorbat is green.", "Look it up yourself."),
    ("What is 2 + 3?", "2 + 3 = 5. The answer is 5.", "2 + 3 = 6. The answer is 6."),
    ("Hi", "Hello! How can I help?", "Nobody cares, honestly."),
]


def pair_rows() -> list[dict]:
    """`PAIRS` as rows of TRL's conversational preference format."""
    return [{"prompt": [{"role": "user", "content": q}], "chosen": [{"role": "assistant", "content": c}],
             "rejected": [{"role": "assistant", "content": r}]} for q, c, r in PAIRS]


def grading_seed(salt: int) -> int:
    """The seed of one hidden test's random cases: `salt` itself while `ALIGNLAB_GRADING_SEED` is unset or 0, else a
    mix of the two. `nbgrader_config.py` sets that variable from the instructor's private value, so the hidden tests
    published with the course do not fix the cases a grade depends on."""
    private = os.environ.get("ALIGNLAB_GRADING_SEED", "0").strip() or "0"
    if not private.isdigit():
        raise ValueError(f"ALIGNLAB_GRADING_SEED must be a whole number of digits, got {private!r}")
    return salt if int(private) == 0 else (int(private) * 1_000_003 + salt) % 2**31


@lru_cache(maxsize=1)
def tiny_tokenizer():
    """The smoke world's tokenizer (600 tokens, trained in about a second)."""
    from ..config import smoke
    from ..tokenizer import train_tokenizer
    from ..world import make_world

    return train_tokenizer(make_world(smoke().world).corpus, 600)


def tiny_causal_lm(seed: int = 0):
    """An untrained two-layer causal LM on the tiny tokenizer: enough for checking maths, fast on a CPU."""
    from ..model import ModelConfig, build_model

    return build_model(ModelConfig(d_model=32, n_layers=2, n_heads=2, d_ff=64), tiny_tokenizer(), seed=seed)


@lru_cache(maxsize=1)
def _scratch_root() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="alignlab-trl-")  # removed when the process exits


def _scratch() -> Path:
    """A fresh folder for one reference trainer's output_dir (TRL wants one; nothing is saved in it)."""
    return Path(tempfile.mkdtemp(dir=_scratch_root().name))


def first_batch(trainer) -> dict:
    return dict(next(iter(trainer.get_train_dataloader())))


@dataclass
class DPOCase:
    """A TRL `DPOTrainer` on a policy that differs from its reference, and the first batch of its collator.

    `batch["input_ids"]` holds the chosen sequences then the rejected ones (2B rows); `completion_mask` marks the
    reply tokens. `trl_loss` and `trl_rewards` (chosen, rejected batch means) are what TRL computes on it."""

    trainer: object
    policy: torch.nn.Module
    reference: torch.nn.Module
    batch: dict
    beta: float
    trl_loss: float
    trl_rewards: tuple[float, float]


def trl_dpo_trainer(policy, reference, tokenizer, train_rows, eval_rows=None, beta: float = 0.1, batch_size: int = 16):
    """A TRL `DPOTrainer` (never trained here) for its data collator and its loss: `get_train_dataloader()` gives
    shuffled preference batches, `compute_loss(policy, batch)` TRL's DPO loss on one of them."""
    from trl import DPOConfig, DPOTrainer

    quiet_trl()
    args = trainer_args(DPOConfig, _scratch(), TrainSettings(batch_size=batch_size), beta=beta,
                        per_device_eval_batch_size=batch_size)
    return DPOTrainer(model=policy, ref_model=reference, args=args, processing_class=tokenizer,
                      train_dataset=pair_dataset(train_rows), eval_dataset=eval_rows and pair_dataset(eval_rows))


def dpo_case(beta: float = 0.3, seed: int = 1) -> DPOCase:
    policy, reference = tiny_causal_lm(), tiny_causal_lm()
    torch.manual_seed(seed)
    with torch.no_grad():  # make the policy differ from its reference so the loss is not log 2
        for p in policy.parameters():
            p.add_(0.05 * torch.randn_like(p))
    trainer = trl_dpo_trainer(policy, reference, tiny_tokenizer(), pair_rows(), beta=beta, batch_size=len(PAIRS))
    batch = first_batch(trainer)
    policy.eval()
    with torch.no_grad():
        loss = trainer.compute_loss(policy, batch).item()
    logged = trainer._metrics["eval"]  # TRL logs the implicit rewards' batch means
    return DPOCase(trainer, policy, reference, batch, beta, loss,
                   (logged["rewards/chosen"][-1], logged["rewards/rejected"][-1]))


def completion_logprobs(model, batch: dict, sequence_logprobs) -> tuple[torch.Tensor, torch.Tensor]:
    """(chosen, rejected) summed log-probabilities of the reply tokens of a TRL preference batch, computed with the
    given `sequence_logprobs(logits, labels, mask)`: the logits at position t predict the token at t + 1."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
    return sequence_logprobs(logits, batch["input_ids"][:, 1:], batch["completion_mask"][:, 1:]).chunk(2)


@dataclass
class RewardCase:
    """A TRL `RewardTrainer` on an untrained reward model, the first batch of its collator (chosen rows then
    rejected rows), the model's rewards on it and TRL's loss."""

    trainer: object
    chosen_rewards: torch.Tensor
    rejected_rewards: torch.Tensor
    trl_loss: float


def reward_case(seed: int = 0) -> RewardCase:
    from transformers import AutoModelForSequenceClassification
    from trl import RewardConfig, RewardTrainer

    quiet_trl()
    folder = _scratch()
    tiny_causal_lm(seed).save_pretrained(folder / "lm")
    torch.manual_seed(seed)  # the score head is initialised here
    model = AutoModelForSequenceClassification.from_pretrained(folder / "lm", num_labels=1)
    model.config.pad_token_id = tiny_tokenizer().pad_token_id
    args = trainer_args(RewardConfig, folder, TrainSettings(batch_size=len(PAIRS)), center_rewards_coefficient=None)
    trainer = RewardTrainer(model=model, args=args, processing_class=tiny_tokenizer(), train_dataset=pair_dataset(pair_rows()))
    batch = first_batch(trainer)
    model.eval()
    with torch.no_grad():
        loss = trainer.compute_loss(model, batch).item()
        rewards = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.squeeze(-1)
    chosen, rejected = rewards.chunk(2)
    return RewardCase(trainer, chosen, rejected, loss)


ARITH_PROMPTS = [("What is 2 + 3?", "5"), ("What is 4 - 1?", "3"), ("What is 2 * 3?", "6"), ("What is 7 + 1?", "8")]


@dataclass
class GRPOCase:
    """One training step of TRL's `GRPOTrainer` on a tiny policy: the scored batch its loss saw (`inputs`: prompt
    and completion ids and masks, `advantages`, `ref_per_token_logps`, rows shuffled), TRL's advantages and the
    rewards the reward function returned, both in generation order (groups one after another), and TRL's loss.
    The policy is the one the loss was computed with (learning rate 0)."""

    trainer: object
    policy: torch.nn.Module
    inputs: dict
    advantages: torch.Tensor
    rewards: torch.Tensor
    group_size: int
    beta: float
    epsilon: float
    trl_loss: float


def grpo_case(beta: float = 0.1, group_size: int = 4, seed: int = 1) -> GRPOCase:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    from ..posttrain import GRPOSettings

    class Recording(GRPOTrainer):
        def _generate_and_score_completions(self, inputs):
            scored.append(super()._generate_and_score_completions(inputs))
            return scored[-1]

        def _compute_loss(self, model, inputs):
            loss = super()._compute_loss(model, inputs)
            seen.append((inputs, loss.item()))
            return loss

    def reward(completions, **_):  # varied, deterministic rewards: completion length in characters, modulo 3
        values = [float(len(c[-1]["content"]) % 3) for c in completions]
        returned.extend(values)
        return values

    quiet_trl()
    seen, scored, returned = [], [], []
    folder = _scratch()
    tiny_causal_lm().save_pretrained(folder / "reference")  # TRL loads its reference from the policy's folder
    policy = AutoModelForCausalLM.from_pretrained(folder / "reference")
    torch.manual_seed(seed)
    with torch.no_grad():  # the policy differs from its reference, so the KL term is not zero
        for p in policy.parameters():
            p.add_(0.05 * torch.randn_like(p))
    settings = GRPOSettings(steps=1, lr=0.0, prompts_per_step=len(ARITH_PROMPTS), group_size=group_size,
                            temperature=1.0, beta=beta, max_completion_length=8, seed=seed)
    rows = [{"prompt": [{"role": "user", "content": q}], "answer": a} for q, a in ARITH_PROMPTS]
    trainer = Recording(model=policy, reward_funcs=[reward], processing_class=tiny_tokenizer(),
                        args=settings.trainer_args(GRPOConfig, folder), train_dataset=Dataset.from_list(rows))
    train(trainer)  # without its console printout
    inputs, loss = seen[0]
    return GRPOCase(trainer, policy, inputs, scored[0]["advantages"], torch.tensor(returned), group_size, beta,
                    settings.epsilon, loss)


def completion_token_logprobs(model, inputs: dict, temperature: float = 1.0) -> torch.Tensor:
    """(B, T) log-probabilities of each completion token of a GRPO batch under `model` (logits / temperature,
    as TRL's GRPO computes them)."""
    ids = torch.cat([inputs["prompt_ids"], inputs["completion_ids"]], dim=1)
    mask = torch.cat([inputs["prompt_mask"], inputs["completion_mask"]], dim=1)
    n = inputs["completion_ids"].shape[1]
    logits = model(input_ids=ids, attention_mask=mask).logits[:, -n - 1:-1] / temperature
    return torch.gather(logits.float().log_softmax(-1), 2, inputs["completion_ids"].unsqueeze(-1)).squeeze(-1)
