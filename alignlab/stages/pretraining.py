"""Stages `tokenizer` (internal), `base` and `base_large`: next-token prediction on the world's corpus."""
from __future__ import annotations

import json
from pathlib import Path

from transformers import AutoTokenizer

from ..config import CourseConfig
from ..model import ModelConfig, build_model, count_parameters
from ..pipeline import Stage, register
from ..pretrain import PretrainConfig, pack, pretrain
from ..tokenizer import train_tokenizer
from ..world import make_world


def build_tokenizer(config: CourseConfig, upstream: dict, out: Path) -> None:
    tok = train_tokenizer(make_world(config.world).corpus, config.vocab_size)
    tok.save_pretrained(out / "tokenizer")


def pretrain_stage(model_config: ModelConfig, train_config: PretrainConfig, config: CourseConfig,
                   upstream: dict, out: Path) -> None:
    """Train a fresh model of `model_config` on the packed corpus and save it with its training log."""
    tok = AutoTokenizer.from_pretrained(upstream["tokenizer"] / "tokenizer")
    blocks = pack(tok, make_world(config.world).corpus, model_config.context)
    model = build_model(model_config, tok, seed=train_config.seed)
    log = pretrain(model, blocks, train_config)
    model.save_pretrained(out / "model")
    tok.save_pretrained(out / "model")
    (out / "log.json").write_text(json.dumps(log))
    (out / "info.json").write_text(json.dumps({"parameters": count_parameters(model), "corpus_tokens": blocks.numel(),
                                               "vocab_size": len(tok)}))


register(Stage("tokenizer", build_tokenizer, upstream=(),
               config_of=lambda c: {"world": c.world.corpus_fields(), "vocab": c.vocab_size},
               evaluated=False, description="byte-level BPE trained on the corpus"))
register(Stage("base", lambda c, up, out: pretrain_stage(c.base_model, c.base_pretrain, c, up, out),
               upstream=("tokenizer",), config_of=lambda c: {"model": c.base_model, "train": c.base_pretrain},
               style="plain", description="the raw pretrained model"))
register(Stage("base_large", lambda c, up, out: pretrain_stage(c.large_model, c.large_pretrain, c, up, out),
               upstream=("tokenizer",), config_of=lambda c: {"model": c.large_model, "train": c.large_pretrain},
               style="plain", description="a raw model with about 4x the parameters"))
