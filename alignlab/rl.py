"""PPO for a language model, written out in full (TRL no longer ships a PPO trainer).

One iteration:
1. **Rollout**: sample a reply to each prompt from the current policy.
2. **Score**: the reward model scores each whole reply; every token also pays a KL penalty
   `kl_coef * (log pi(token) - log pi_ref(token))` for moving away from the SFT reference.
3. **Advantages**: generalised advantage estimation (GAE) with the value head's estimates as the baseline.
4. **Update**: a few epochs of minibatch steps on the clipped surrogate plus the value loss.

Shapes: B replies, T reply tokens. `mask` marks real reply tokens (up to and including the end-of-turn token).
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .generation import format_prompt
from .timing import phase
from .tokenizer import stop_token_ids


@dataclass(frozen=True)
class PPOConfig:
    iterations: int = 50
    batch_size: int = 64  # prompts per rollout
    minibatch_size: int = 32
    ppo_epochs: int = 2
    lr: float = 1e-4
    max_new_tokens: int = 40
    temperature: float = 1.0
    kl_coef: float = 0.05  # beta: the price of one nat of divergence from the reference, per token
    clip_eps: float | None = 0.2  # None: no clipping
    value_clip: float | None = 0.2
    vf_coef: float = 0.1
    gamma: float = 1.0
    lam: float = 0.95
    whiten_advantages: bool = True
    max_grad_norm: float = 1.0
    ptx_coef: float = 0.0  # weight of a next-token loss on reference text in every step (InstructGPT's "PPO-ptx")
    ptx_batch_size: int = 8
    seed: int = 0


# ---------------------------------------------------------------- the maths (small pure functions, tested)

def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / mask.sum().clamp(min=1)


def kl_estimates(logp: torch.Tensor, ref_logp: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-token estimators of KL(pi || pi_ref) from tokens sampled from pi (Schulman, "Approximating KL
    divergence", 2020). With d = log pi - log pi_ref: k1 = d (unbiased, can be negative), k2 = d^2 / 2 (biased,
    low variance), k3 = exp(-d) - 1 + d (unbiased and never negative)."""
    d = logp - ref_logp
    return {"k1": d, "k2": 0.5 * d ** 2, "k3": torch.expm1(-d) + d}


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float):
    """Generalised advantage estimation over each reply's tokens: A_t = sum_k (gamma*lam)^k delta_{t+k}, with
    delta_t = r_t + gamma V_{t+1} - V_t and V = 0 after the last token. Returns (advantages, returns)."""
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        cont = mask[:, t + 1] if t + 1 < rewards.shape[1] else torch.zeros_like(running)
        next_value = values[:, t + 1] * cont if t + 1 < rewards.shape[1] else torch.zeros_like(running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * cont * running
        advantages[:, t] = running
    advantages = advantages * mask
    return advantages, (advantages + values) * mask


def whiten(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    return (x - mean) * torch.rsqrt(var + 1e-8) * mask


def policy_loss(logp: torch.Tensor, old_logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                clip_eps: float | None):
    """PPO's clipped surrogate (to minimise): -min(ratio * A, clip(ratio, 1-eps, 1+eps) * A), mean over tokens.
    Returns (loss, fraction of tokens where the clip was active)."""
    ratio = torch.exp(logp - old_logp)
    unclipped = -advantages * ratio
    if clip_eps is None:
        return masked_mean(unclipped, mask), torch.zeros(())
    clipped = -advantages * ratio.clamp(1 - clip_eps, 1 + clip_eps)
    return masked_mean(torch.maximum(unclipped, clipped), mask), masked_mean((clipped > unclipped).float(), mask)


def value_loss(values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor,
               value_clip: float | None) -> torch.Tensor:
    err = (values - returns) ** 2
    if value_clip is not None:
        clipped = old_values + (values - old_values).clamp(-value_clip, value_clip)
        err = torch.maximum(err, (clipped - returns) ** 2)
    return 0.5 * masked_mean(err, mask)


# ---------------------------------------------------------------- the models

class PolicyWithValue(nn.Module):
    """A causal LM plus a value head that reads its last hidden state: V(prefix) for every position."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm
        self.value_head = nn.Linear(lm.config.hidden_size, 1)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)

    def forward(self, input_ids, attention_mask):
        out = self.lm(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return out.logits, self.value_head(out.hidden_states[-1]).squeeze(-1)


def reply_logprobs(logits: torch.Tensor, ids: torch.Tensor, prompt_len: int) -> torch.Tensor:
    """(B, T) log-probabilities of the reply tokens ids[:, prompt_len:] (logits at t predict token t+1)."""
    logp = logits[:, prompt_len - 1:-1].float().log_softmax(-1)
    return torch.gather(logp, 2, ids[:, prompt_len:].unsqueeze(-1)).squeeze(-1)


def reply_entropy(logits: torch.Tensor, prompt_len: int) -> torch.Tensor:
    logp = logits[:, prompt_len - 1:-1].float().log_softmax(-1)
    return -(logp.exp() * logp).sum(-1)


# ---------------------------------------------------------------- rollouts and the update

@dataclass
class Rollout:
    ids: torch.Tensor  # (B, P + T) prompt and reply tokens
    attention: torch.Tensor
    prompt_len: int
    mask: torch.Tensor  # (B, T) real reply tokens
    texts: list[str]
    old_logp: torch.Tensor
    ref_logp: torch.Tensor
    old_values: torch.Tensor
    scores: torch.Tensor  # (B,) reward-model scores
    advantages: torch.Tensor | None = None
    returns: torch.Tensor | None = None


@torch.no_grad()
def rollout(policy: PolicyWithValue, ref, tokenizer, questions: list[str], score_fn, cfg: PPOConfig) -> Rollout:
    """Sample replies, then score them with the reward model and the current and reference models."""
    stops = stop_token_ids(tokenizer)
    tokenizer.padding_side = "left"
    enc = tokenizer([format_prompt(tokenizer, q, "chat") for q in questions], return_tensors="pt", padding=True,
                    add_special_tokens=False)
    prompt_len = enc["input_ids"].shape[1]
    with phase("generate"):
        ids = policy.lm.generate(**enc, do_sample=True, temperature=cfg.temperature, top_k=None, top_p=None,
                                 max_new_tokens=cfg.max_new_tokens, eos_token_id=stops,
                                 pad_token_id=tokenizer.pad_token_id)
    reply = ids[:, prompt_len:]
    is_stop = torch.isin(reply, torch.tensor(stops))
    after_stop = (is_stop.cumsum(1) - is_stop.long()) > 0  # tokens after the first stop token are padding
    mask = (~after_stop).float()
    attention = torch.cat([enc["attention_mask"], mask.long()], 1)
    texts = [tokenizer.decode([t for t, m in zip(row, mrow) if m and t not in stops], skip_special_tokens=True).strip()
             for row, mrow in zip(reply.tolist(), mask.tolist())]
    with phase("score"):
        logits, values = policy(ids, attention)
        ref_logits = ref(input_ids=ids, attention_mask=attention).logits
    return Rollout(ids, attention, prompt_len, mask, texts, reply_logprobs(logits, ids, prompt_len),
                   reply_logprobs(ref_logits, ids, prompt_len), values[:, prompt_len - 1:-1] * mask,
                   torch.tensor(score_fn(questions, texts), dtype=torch.float))


def token_rewards(batch: Rollout, kl_coef: float) -> torch.Tensor:
    """Per-token rewards: the KL penalty on every token, plus the reward model's score on the last one."""
    rewards = -kl_coef * (batch.old_logp - batch.ref_logp) * batch.mask
    last = (batch.mask.sum(1).long() - 1).clamp(min=0)
    rewards[torch.arange(len(last)), last] += batch.scores
    return rewards


@phase("train")
def ppo_update(policy: PolicyWithValue, optimizer, batch: Rollout, cfg: PPOConfig, generator=None,
               ptx_loss: Callable | None = None) -> dict:
    """`cfg.ppo_epochs` passes of minibatch steps over one rollout; returns the mean of each statistic.
    `ptx_loss(lm)`, when given, is a language-modelling loss added with weight `cfg.ptx_coef` to every step."""
    stats: dict[str, list[float]] = {"policy_loss": [], "value_loss": [], "clip_frac": [], "entropy": [],
                                     "approx_kl": []}
    n = batch.ids.shape[0]
    for _ in range(cfg.ppo_epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, cfg.minibatch_size):
            idx = order[start: start + cfg.minibatch_size]
            logits, values = policy(batch.ids[idx], batch.attention[idx])
            mask = batch.mask[idx]
            logp = reply_logprobs(logits, batch.ids[idx], batch.prompt_len)
            pg, clip_frac = policy_loss(logp, batch.old_logp[idx], batch.advantages[idx], mask, cfg.clip_eps)
            vf = value_loss(values[:, batch.prompt_len - 1:-1], batch.old_values[idx], batch.returns[idx], mask,
                            cfg.value_clip)
            loss = pg + cfg.vf_coef * vf
            if ptx_loss is not None and cfg.ptx_coef:
                loss = loss + cfg.ptx_coef * ptx_loss(policy.lm)
            optimizer.zero_grad()
            loss.backward()
            if cfg.max_grad_norm:
                nn.utils.clip_grad_norm_(policy.parameters(), cfg.max_grad_norm)
            optimizer.step()
            with torch.no_grad():
                stats["policy_loss"].append(pg.item())
                stats["value_loss"].append(vf.item())
                stats["clip_frac"].append(float(clip_frac))
                stats["entropy"].append(masked_mean(reply_entropy(logits, batch.prompt_len), mask).item())
                stats["approx_kl"].append(masked_mean(kl_estimates(batch.old_logp[idx], logp)["k3"], mask).item())
    return {k: sum(v) / len(v) for k, v in stats.items()}


def prepare_advantages(batch: Rollout, cfg: PPOConfig) -> None:
    rewards = token_rewards(batch, cfg.kl_coef)
    advantages, returns = gae(rewards, batch.old_values, batch.mask, cfg.gamma, cfg.lam)
    batch.advantages = whiten(advantages, batch.mask) if cfg.whiten_advantages else advantages
    batch.returns = returns


def lm_loss_sampler(tokenizer, texts: list[str], batch_size: int, generator, max_length: int = 256) -> Callable:
    """A function lm -> next-token loss on a random batch of `texts` (for the PPO-ptx term)."""
    def loss(lm):
        idx = torch.randint(len(texts), (batch_size,), generator=generator).tolist()
        tokenizer.padding_side = "left"
        enc = tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True, truncation=True,
                        max_length=max_length, add_special_tokens=False)
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        return lm(**enc, labels=labels).loss
    return loss


def train_ppo(lm, tokenizer, prompts: list, score_fn: Callable, cfg: PPOConfig,
              gold_fn: Callable | None = None, question_of: Callable = lambda p: p,
              ptx_texts: list[str] | None = None, probe: Callable | None = None,
              probe_every: int = 10) -> tuple[nn.Module, list[dict]]:
    """Optimise `lm` against `score_fn(questions, replies) -> rewards` with a KL penalty to a frozen copy of itself.

    `prompts` are drawn `cfg.batch_size` at a time (any objects; `question_of` turns one into its text), and
    `gold_fn(prompts, replies)`, when given, logs the gold reward beside the proxy one. With `ptx_texts` and
    `cfg.ptx_coef > 0`, every step also trains on those texts. `probe(lm) -> float`, when given, measures the
    policy that makes the rollouts of the first, every `probe_every`-th and the last iteration (logged as
    `heldout_gold`); it runs on its own copy of the random state, so probing does not change the training.
    Returns the trained LM and one log row per iteration."""
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    ptx = lm_loss_sampler(tokenizer, ptx_texts, cfg.ptx_batch_size, gen) if ptx_texts and cfg.ptx_coef else None
    ref = copy.deepcopy(lm).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    policy = PolicyWithValue(lm)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=cfg.lr, weight_decay=0.0)
    log = []
    start = time.time()
    for it in range(cfg.iterations):
        chosen = [prompts[i] for i in torch.randint(len(prompts), (cfg.batch_size,), generator=gen).tolist()]
        questions = [question_of(p) for p in chosen]
        policy.eval()  # no dropout while sampling and scoring
        probed = {}
        if probe is not None and (it % probe_every == 0 or it == cfg.iterations - 1):
            with torch.random.fork_rng():
                probed["heldout_gold"] = probe(policy.lm)
        batch = rollout(policy, ref, tokenizer, questions, score_fn, cfg)
        prepare_advantages(batch, cfg)
        policy.train()
        stats = ppo_update(policy, optimizer, batch, cfg, gen, ptx)
        kl = ((batch.old_logp - batch.ref_logp) * batch.mask).sum(1).mean().item()
        row = {"step": it + 1, "reward": batch.scores.mean().item(), "kl": kl,
               "length": batch.mask.sum(1).mean().item(), **stats, **probed, "time_s": round(time.time() - start, 2)}
        if gold_fn is not None:
            row["gold_reward"] = sum(gold_fn(chosen, batch.texts)) / len(chosen)
        row["objective"] = row["reward"] - cfg.kl_coef * kl
        log.append({k: (round(v, 5) if isinstance(v, float) and math.isfinite(v) else v) for k, v in row.items()})
    policy.eval()
    return policy.lm, log
