"""Preference-learning losses written from scratch: the same maths the challenges ask for, tested against TRL.

Shapes: B sequences, T tokens, V vocabulary.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def sequence_logprobs(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B,) sums of log p(label) over the positions where `mask` is 1.

    `logits` (B, T, V) must already be aligned with `labels` (B, T): logits[:, t] predicts labels[:, t]."""
    logp = logits.float().log_softmax(-1)
    token_logp = torch.gather(logp, 2, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (token_logp * mask).sum(-1)


def bradley_terry_loss(chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the preferences under Bradley-Terry:
    P(chosen > rejected) = sigmoid(r_chosen - r_rejected). `logsigmoid` keeps it finite at extreme margins."""
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()


def dpo_loss(policy_chosen_logps: torch.Tensor, policy_rejected_logps: torch.Tensor,
             ref_chosen_logps: torch.Tensor, ref_rejected_logps: torch.Tensor, beta: float):
    """DPO (Rafailov et al., 2023): Bradley-Terry on the implicit rewards beta * log(pi / pi_ref).

    Returns (loss averaged over the batch, chosen rewards, rejected rewards); the rewards are detached."""
    chosen_rewards = beta * (policy_chosen_logps - ref_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - ref_rejected_logps)
    loss = bradley_terry_loss(chosen_rewards, rejected_rewards)
    return loss, chosen_rewards.detach(), rejected_rewards.detach()
