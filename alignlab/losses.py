"""Post-training losses written from scratch: the same maths the challenges ask for, tested against TRL.

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


def group_advantages(rewards: torch.Tensor, group_size: int, eps: float = 1e-4) -> torch.Tensor:
    """GRPO's advantages (Shao et al., 2024): each completion's reward minus the mean reward of its group (the
    completions sampled for the same prompt), divided by the group's standard deviation. `rewards` (B,) holds the
    groups one after another; a group whose rewards are all equal gets advantage 0: it teaches nothing."""
    groups = rewards.float().view(-1, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)
    return (centred / (groups.std(dim=1, keepdim=True) + eps)).view(-1)


def grpo_loss(logps: torch.Tensor, old_logps: torch.Tensor, ref_logps: torch.Tensor, advantages: torch.Tensor,
              mask: torch.Tensor, epsilon: float = 0.2, beta: float = 0.04) -> torch.Tensor:
    """The GRPO objective, negated, for per-token log-probabilities (B, T) of sampled completions.

    Per token: the PPO clipped surrogate with the completion's advantage, ratio = pi / pi_old, minus beta times
    the KL to the reference estimated as exp(ref - logp) - (ref - logp) - 1 (non-negative, unbiased). Averaged
    over each completion's tokens (`mask`), then over completions."""
    ratio = torch.exp(logps - old_logps)
    adv = advantages.unsqueeze(1)
    surrogate = torch.min(ratio * adv, ratio.clamp(1 - epsilon, 1 + epsilon) * adv)
    log_ref_ratio = ref_logps - logps
    kl = torch.exp(log_ref_ratio) - log_ref_ratio - 1
    per_token = -(surrogate - beta * kl)
    return ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1)).mean()
