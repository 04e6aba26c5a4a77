"""The tiny Llama-style model (RMSNorm, RoPE, SwiGLU), built with `transformers`; sizes are config."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import LlamaConfig, LlamaForCausalLM


@dataclass(frozen=True)
class ModelConfig:
    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 384
    context: int = 256


def build_model(config: ModelConfig, tokenizer, seed: int = 0) -> LlamaForCausalLM:
    """A freshly initialised causal LM whose vocabulary and special tokens match `tokenizer`."""
    torch.manual_seed(seed)
    hf_config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=config.d_model, intermediate_size=config.d_ff,
        num_hidden_layers=config.n_layers, num_attention_heads=config.n_heads, num_key_value_heads=config.n_heads,
        max_position_embeddings=config.context, tie_word_embeddings=True, rms_norm_eps=1e-5,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, bos_token_id=None,
    )
    return LlamaForCausalLM(hf_config)


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
