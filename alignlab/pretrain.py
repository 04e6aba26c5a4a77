"""Next-token-prediction pretraining on the packed corpus: a plain PyTorch loop, small enough to read in one go."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch

from .timing import phase


@dataclass(frozen=True)
class PretrainConfig:
    # training tokens to see (the corpus is repeated or cut to fit): about 1.8 passes over the default corpus. At 520k
    # (1.1 to 1.3 passes) the base recalled a third of the held-out facts (capability 0.20 to 0.53 over the seeds and
    # corpora tried); at 800k, most of them (0.72 to 0.96)
    tokens: int = 800_000
    batch_size: int = 2  # small batches: at this budget, more optimizer steps beat bigger ones (copying emerges)
    lr: float = 4e-3
    min_lr_frac: float = 0.1
    warmup_steps: int = 30
    weight_decay: float = 0.1
    log_every: int = 20
    val_blocks: int = 32
    seed: int = 0


def pack(tokenizer, docs: list[str], context: int) -> torch.Tensor:
    """Concatenate the documents, each ended by EOS, and cut the stream into rows of `context` tokens."""
    ids: list[int] = []
    for ids_doc in tokenizer(docs, add_special_tokens=False)["input_ids"]:
        ids.extend(ids_doc)
        ids.append(tokenizer.eos_token_id)
    n = len(ids) // context
    return torch.tensor(ids[: n * context], dtype=torch.long).view(n, context)


def lr_at(step: int, total: int, cfg: PretrainConfig) -> float:
    """Linear warm-up, then cosine decay to `min_lr_frac` of the peak."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
    return cfg.lr * (cfg.min_lr_frac + (1 - cfg.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
@phase("validate")
def mean_loss(model, blocks: torch.Tensor, batch_size: int) -> float:
    model.eval()
    losses = [model(input_ids=b, labels=b).loss.item() for b in blocks.split(batch_size)]
    model.train()
    return sum(losses) / len(losses)


def pretrain(model, blocks: torch.Tensor, cfg: PretrainConfig, on_log=None) -> list[dict]:
    """Train `model` on rows of `blocks`; returns the training log (one dict per logged step)."""
    g = torch.Generator().manual_seed(cfg.seed)
    order = torch.randperm(len(blocks), generator=g)
    val, train = blocks[order[: cfg.val_blocks]], blocks[order[cfg.val_blocks:]]
    tokens_per_step = cfg.batch_size * blocks.shape[1]
    total = max(1, cfg.tokens // tokens_per_step)
    # No weight decay on norms and embeddings: decayed embeddings of tokens the corpus never uses (the chat
    # tokens) would drift to zero and become likely outputs.
    embeddings = {id(model.get_input_embeddings().weight)}
    decay = [p for p in model.parameters() if p.dim() >= 2 and id(p) not in embeddings]
    no_decay = [p for p in model.parameters() if p.dim() < 2 or id(p) in embeddings]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr, betas=(0.9, 0.95))
    model.train()
    log, start, perm, pos = [], time.time(), torch.randperm(len(train), generator=g), 0
    for step in range(total):
        if pos + cfg.batch_size > len(perm):  # next epoch
            perm, pos = torch.randperm(len(train), generator=g), 0
        batch = train[perm[pos: pos + cfg.batch_size]]
        pos += cfg.batch_size
        for group in opt.param_groups:
            group["lr"] = lr_at(step, total, cfg)
        with phase("train"):
            loss = model(input_ids=batch, labels=batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
        if step % cfg.log_every == 0 or step == total - 1:
            row = {"step": step, "tokens": (step + 1) * tokens_per_step, "loss": loss.item(),
                   "lr": opt.param_groups[0]["lr"], "elapsed_s": time.time() - start}
            if step % (cfg.log_every * 10) == 0 or step == total - 1:
                row["val_loss"] = mean_loss(model, val, cfg.batch_size)
            log.append(row)
            if on_log:
                on_log(row)
    model.eval()
    return log
