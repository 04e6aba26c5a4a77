"""Stages `tokenizer` (internal), `base` and `base_large`: next-token prediction on the world's corpus.

With `config.base_from` set, `base` is not pretrained here: it is that outside model (a folder, or a hub name),
given the course's chat tokens and template, and every later stage post-trains it as it would the course's own."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from transformers import AutoTokenizer

from ..config import CourseConfig
from ..model import ModelConfig, build_model, count_parameters
from ..pipeline import Stage, StageError, register
from ..pretrain import PretrainConfig, pack, pretrain
from ..timing import phase, recording
from ..tokenizer import train_tokenizer
from ..world import make_world


def build_tokenizer(config: CourseConfig, upstream: dict, out: Path) -> None:
    tok = train_tokenizer(make_world(config.world).corpus, config.vocab_size, config.split_digits)
    tok.save_pretrained(out / "tokenizer")


def pretrain_stage(model_config: ModelConfig, train_config: PretrainConfig, config: CourseConfig,
                   upstream: dict, out: Path) -> None:
    """Train a fresh model of `model_config` on the packed corpus and save it with its training log."""
    tok = AutoTokenizer.from_pretrained(upstream["tokenizer"] / "tokenizer")
    blocks = pack(tok, make_world(config.world).corpus, model_config.context)
    model = build_model(model_config, tok, seed=train_config.seed)
    with recording() as seconds:
        log = pretrain(model, blocks, train_config)
    with phase("save"):
        model.save_pretrained(out / "model")
        tok.save_pretrained(out / "model")
    (out / "log.json").write_text(json.dumps(log))
    # the training steps' own seconds and tokens: `make bench` turns them into a throughput
    (out / "info.json").write_text(json.dumps({"parameters": count_parameters(model), "corpus_tokens": blocks.numel(),
                                               "vocab_size": len(tok), "train_tokens": log[-1]["tokens"],
                                               "train_s": seconds["train"]}))


def import_base(source: str, out: Path) -> None:
    """An outside causal LM as the `base` artefact. Only a hub name (not a folder) makes a network connection."""
    from transformers import AutoModelForCausalLM

    from ..tokenizer import adopt_tokenizer

    try:
        tok = adopt_tokenizer(AutoTokenizer.from_pretrained(source))
        model = AutoModelForCausalLM.from_pretrained(source)
    except OSError as e:
        raise StageError(f"cannot load the model {source!r} (a model folder, or a hub name when online): "
                         f"{str(e).strip().splitlines()[0]}") from None
    model.resize_token_embeddings(len(tok))
    model.config.pad_token_id = tok.pad_token_id
    model.save_pretrained(out / "model")
    tok.save_pretrained(out / "model")
    (out / "log.json").write_text("[]")
    (out / "info.json").write_text(json.dumps({"parameters": count_parameters(model), "source": source,
                                               "vocab_size": len(tok)}))


def folder_digest(source: str) -> str | None:
    """A content hash of a local model folder (so editing it rebuilds what was trained from it); None for a hub name."""
    folder = Path(source)
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(folder)).encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def build_base(config: CourseConfig, upstream: dict, out: Path) -> None:
    if config.base_from:
        import_base(config.base_from, out)
    else:
        pretrain_stage(config.base_model, config.base_pretrain, config, upstream, out)


def base_config(config: CourseConfig) -> dict:
    if config.base_from:
        return {"from": config.base_from, "digest": folder_digest(config.base_from)}
    return {"model": config.base_model, "train": config.base_pretrain}


register(Stage("tokenizer", build_tokenizer, upstream=(),
               config_of=lambda c: {"world": c.world.corpus_fields(), "vocab": c.vocab_size,
                                    "split_digits": c.split_digits},
               evaluated=False, description="byte-level BPE trained on the corpus"))
register(Stage("base", build_base, upstream=("tokenizer",), config_of=base_config,
               style="plain", description="the raw pretrained model"))
register(Stage("base_large", lambda c, up, out: pretrain_stage(c.large_model, c.large_pretrain, c, up, out),
               upstream=("tokenizer",), config_of=lambda c: {"model": c.large_model, "train": c.large_pretrain},
               style="plain", description="a raw model with about 4x the parameters"))
